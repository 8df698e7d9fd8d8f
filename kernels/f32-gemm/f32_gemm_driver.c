/* Portable blocked GEMM driver (see f32_gemm_driver.h).
 *
 * Large tiles, Goto/BLIS order: for each K block (kc) and N block (nc) pack
 * B once into nr-wide k-major panels (L2-resident), then for each mr rows of
 * A pack an mr x kc panel (L1-resident) and sweep it across the B panels.
 * Small-M tiles skip packing: packing B would cost as much as the few FMAs
 * done per B element, so B is streamed once instead, through K-vectorized
 * dot kernels (b_trans=1) or row-streaming kernels (b_trans=0).
 * Buffers are malloc'd per call, never thread-local: this code is dlopen'd
 * late, where static TLS may be exhausted. */
#include "f32_gemm_driver.h"

#include <stdlib.h>
#include <string.h>

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }
static size_t round_up(size_t x, size_t q) { return (x + q - 1) / q * q; }

void aio_f32_gemm_pack_b__scalar(size_t kc, size_t cols_valid, size_t width,
                                 const float *src, size_t ld, float *dst)
{
    for (size_t p = 0; p < kc; p++) {
        memcpy(dst + p * width, src + p * ld, cols_valid * sizeof(float));
        memset(dst + p * width + cols_valid, 0, (width - cols_valid) * sizeof(float));
    }
}

/* The S origin of tile (i, j), or NULL when S does not take part. */
static const float *s_at(const aio_f32_gemm_args *g, int64_t i, int64_t j)
{
    if (g->s == NULL || g->beta == 0.0f)
        return NULL;
    return g->s + i * g->s_stride_m + j * g->s_stride_n;
}

void aio_f32_gemm_out_at(aio_f32_gemm_out *o, const aio_f32_gemm_args *g,
                         int64_t i, int64_t j, int accumulate)
{
    o->c = g->c + i * g->ldc + j;
    o->ldc = (size_t)g->ldc;
    o->s = accumulate ? NULL : s_at(g, i, j);
    o->s_stride_m = g->s_stride_m;
    o->s_stride_n = g->s_stride_n;
    o->alpha = g->alpha;
    o->beta = g->beta;
    o->accumulate = accumulate;
}

/* C[i0.., j0..] = alpha * buf + beta * S for a rows x cols tile of sums. */
static void store_tile(const aio_f32_gemm_args *g, int64_t i0, int64_t j0, size_t rows,
                       size_t cols, const float *buf, size_t ldbuf)
{
    for (size_t ii = 0; ii < rows; ii++) {
        const int64_t i = i0 + (int64_t)ii;
        float *c = g->c + i * g->ldc + j0;
        const float *t = buf + ii * ldbuf;
        const float *s = s_at(g, i, j0);
        if (s) { /* read S(i,j) before writing C(i,j): they may alias */
            for (size_t jj = 0; jj < cols; jj++)
                c[jj] = g->alpha * t[jj] + g->beta * s[(int64_t)jj * g->s_stride_n];
        } else {
            for (size_t jj = 0; jj < cols; jj++)
                c[jj] = g->alpha * t[jj];
        }
    }
}

/* K == 0 or alpha == 0: C = beta*S, or zeros; A and B are not read. */
void aio_f32_gemm_no_product(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            const float *s = s_at(g, i, j);
            g->c[i * g->ldc + j] = s ? g->beta * *s : 0.0f;
        }
}

static void gemm_dot(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g,
                     int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    float out[AIO_F32_GEMM_MAX_DOT * 16];
    const size_t k = (size_t)g->k, NR = ops->dot_nr;
    const size_t top = min_sz(min_sz((size_t)(m1 - m0), ops->dot_max_m), AIO_F32_GEMM_MAX_DOT);
    /* W tiles outermost, one tile wide: each comes from memory once, and
     * every A row group uses it at once while it is still in L1/L2. */
    for (int64_t j = n0; j < n1; j += (int64_t)NR) {
        const size_t nr = min_sz(NR, (size_t)(n1 - j));
        for (int64_t i = m0; i < m1;) {
            const aio_f32_gemm_dot_kernel *dk = &ops->dot[min_sz((size_t)(m1 - i), top) - 1];
            while (dk->fn == NULL) /* a 1-row kernel always exists */
                dk--;
            dk->fn(k, g->a + i * g->lda, (size_t)g->lda, g->b + j * g->ldb, (size_t)g->ldb, nr,
                   out);
            store_tile(g, i, j, dk->mr, nr, out, NR);
            i += (int64_t)dk->mr;
        }
    }
}

static void gemm_rows(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g,
                      int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    const size_t mt = (size_t)(m1 - m0), nt = (size_t)(n1 - n0);
    /* Columns per pass: as many as 32 KiB of accumulators allow (they stay
     * in L1/L2 for the whole K loop), up to 16 KiB of a B row: long runs of
     * each B row keep the hardware prefetcher streaming. */
    const size_t mr = min_sz(mt, ops->rows_max_m);
    const size_t chunk = min_sz(round_up(nt, 16), max_sz(16, min_sz(4096, 8192 / mr / 16 * 16)));
    float *acc = NULL;
    if (posix_memalign((void **)&acc, 64, mr * chunk * sizeof(float))) {
        aio_f32_gemm__ref(g, m0, m1, n0, n1); /* out of memory: right, slowly */
        return;
    }
    for (int64_t i0 = m0; i0 < m1; i0 += (int64_t)mr) {
        const size_t rows = min_sz(mr, (size_t)(m1 - i0));
        for (int64_t j0 = n0; j0 < n1; j0 += (int64_t)chunk) {
            const size_t nc = min_sz(chunk, (size_t)(n1 - j0));
            memset(acc, 0, rows * chunk * sizeof(float));
            ops->rows((size_t)g->k, rows, g->a + i0 * g->lda, (size_t)g->lda, g->b + j0,
                      (size_t)g->ldb, nc, acc, chunk);
            store_tile(g, i0, j0, rows, nc, acc, chunk);
        }
    }
    free(acc);
}

static void gemm_packed(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g,
                        int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    const size_t MR = ops->mr, NR = ops->nr;
    const size_t K = (size_t)g->k, mt = (size_t)(m1 - m0), nt = (size_t)(n1 - n0);
    const size_t kc_max = min_sz(ops->kc, K);
    const size_t nc_max = min_sz(ops->nc, round_up(nt, NR));

    float *apack = NULL, *bpack = NULL;
    if (posix_memalign((void **)&apack, 64, kc_max * MR * sizeof(float)) ||
        posix_memalign((void **)&bpack, 64, kc_max * nc_max * sizeof(float))) {
        free(apack);
        aio_f32_gemm__ref(g, m0, m1, n0, n1); /* out of memory: right, slowly */
        return;
    }

    aio_f32_gemm_out o;
    for (size_t pc = 0; pc < K; pc += kc_max) {
        const size_t kc = min_sz(kc_max, K - pc);
        for (size_t jc = 0; jc < nt; jc += nc_max) {
            const size_t nc = min_sz(nc_max, nt - jc);
            const int64_t j0 = n0 + (int64_t)jc;
            for (size_t jr = 0; jr < nc; jr += NR) {
                const size_t nr = min_sz(NR, nc - jr);
                float *dst = bpack + jr * kc;
                if (g->b_trans)
                    ops->pack_bt(kc, nr, NR, g->b + (j0 + (int64_t)jr) * g->ldb + (int64_t)pc,
                                 (size_t)g->ldb, dst);
                else
                    ops->pack_b(kc, nr, NR, g->b + (int64_t)pc * g->ldb + j0 + (int64_t)jr,
                                (size_t)g->ldb, dst);
            }
            for (size_t ic = 0; ic < mt; ic += MR) {
                const size_t mr = min_sz(MR, mt - ic);
                const int64_t i0 = m0 + (int64_t)ic;
                ops->pack_a(kc, mr, MR, g->a + i0 * g->lda + (int64_t)pc, (size_t)g->lda, apack);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    aio_f32_gemm_out_at(&o, g, i0, j0 + (int64_t)jr, pc > 0);
                    ops->gemm(kc, apack, bpack + jr * kc, NR, &o, mr, min_sz(NR, nc - jr));
                }
            }
        }
    }
    free(apack);
    free(bpack);
}

static int use_dot(const aio_f32_gemm_ops *ops, size_t rows, size_t k)
{
    if (ops->dot[0].fn == NULL)
        return 0;
    if (rows <= AIO_F32_GEMM_MAX_DOT && ops->dot[rows - 1].fn != NULL)
        return 1; /* one pass over W: bandwidth-bound, packing W would double it */
    return rows <= ops->dot_max_m && k >= ops->dot_k_per_m * rows;
}

int aio_f32_gemm_takes_packed(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g, size_t rows)
{
    if (g->b_trans)
        return !use_dot(ops, rows, (size_t)g->k);
    return !(ops->rows && rows <= ops->rows_max_m);
}

void aio_f32_gemm_run(const aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g,
                      int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->k <= 0 || g->alpha == 0.0f) {
        aio_f32_gemm_no_product(g, m0, m1, n0, n1);
        return;
    }
    if (g->b_trans && use_dot(ops, (size_t)(m1 - m0), (size_t)g->k))
        gemm_dot(ops, g, m0, m1, n0, n1);
    else if (!g->b_trans && ops->rows && (size_t)(m1 - m0) <= ops->rows_max_m)
        gemm_rows(ops, g, m0, m1, n0, n1);
    else
        gemm_packed(ops, g, m0, m1, n0, n1);
}
