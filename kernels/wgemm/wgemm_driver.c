/* Portable driver of the weight-compressed GEMM (see wgemm_driver.h), the
 * scalar expanders and the portable reference. Buffers are malloc'd per
 * call, never thread-local (this code is dlopen'd late). */
#include "wgemm_driver.h"

#include <stdlib.h>
#include <string.h>

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

void aio_wgemm_expand_f16__scalar(size_t kp, const void *w, float scale, float *dst)
{
    const uint16_t *h = w;
    for (size_t p = 0; p < kp; p++)
        dst[p] = aio_f16_to_f32(h[p]);
}

void aio_wgemm_expand_bf16__scalar(size_t kp, const void *w, float scale, float *dst)
{
    const uint16_t *h = w;
    for (size_t p = 0; p < kp; p++)
        dst[p] = aio_bf16_to_f32(h[p]);
}

void aio_wgemm_expand_i8__scalar(size_t kp, const void *w, float scale, float *dst)
{
    const int8_t *q = w;
    for (size_t p = 0; p < kp; p++)
        dst[p] = scale * (float)q[p];
}

static const float *s_at(const aio_wgemm_args *g, int64_t i, int64_t j)
{
    if (g->s == NULL || g->beta == 0.0f)
        return NULL;
    return g->s + i * g->s_stride_m + j * g->s_stride_n;
}

/* K == 0 or alpha == 0: C = beta*S, or zeros; A and W are not read. */
static void no_product(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            const float *s = s_at(g, i, j);
            g->c[i * g->ldc + j] = s ? g->beta * *s : 0.0f;
        }
}

static size_t elem_size(int fmt) { return fmt == AIO_WFMT_I8 ? 1 : 2; }

static const char *row_ptr(const aio_packed_weight *w, int64_t j)
{
    return (const char *)w->data + (size_t)(j * w->kp) * elem_size(w->fmt);
}

/* Rows [m0, m1) against W tiles of WT rows: W tiles outermost, so each
 * comes from memory once and every A row group uses it while it is in L1. */
static void wgemm_dot_rows(const aio_wgemm_ops *ops, const aio_wgemm_args *g, int64_t m0,
                           int64_t m1, int64_t n0, int64_t n1)
{
    enum { WT = AIO_WGEMM_WT };
    float out[4 * WT];
    const aio_packed_weight *w = g->w;
    for (int64_t j = n0; j < n1; j += WT) {
        const size_t nr = (size_t)min64(WT, n1 - j);
        float sc[WT];
        for (size_t jj = 0; jj < nr; jj++) /* scale and alpha in one multiply */
            sc[jj] = w->scales ? g->alpha * w->scales[j + (int64_t)jj] : g->alpha;
        for (int64_t i = m0; i < m1;) {
            const int64_t rows = min64(4, m1 - i);
            ops->dot[rows - 1]((size_t)w->k, g->a + i * g->lda, (size_t)g->lda, row_ptr(w, j),
                               (size_t)w->kp, nr, out);
            for (int64_t ii = 0; ii < rows; ii++) {
                float *c = g->c + (i + ii) * g->ldc + j;
                const float *s = s_at(g, i + ii, j);
                const float *t = out + ii * WT;
                if (s) { /* read S before writing C: they may alias */
                    for (size_t jj = 0; jj < nr; jj++)
                        c[jj] = sc[jj] * t[jj] + g->beta * s[(int64_t)jj * g->s_stride_n];
                } else {
                    for (size_t jj = 0; jj < nr; jj++)
                        c[jj] = sc[jj] * t[jj];
                }
            }
            i += rows;
        }
    }
}

/* The A rows one pass over W serves are capped at about 512 KiB of A
 * (L2), or each W tile would pull all of A from memory again. */
static void wgemm_dot(const aio_wgemm_ops *ops, const aio_wgemm_args *g, int64_t m0, int64_t m1,
                      int64_t n0, int64_t n1)
{
    int64_t mb = (int64_t)(512 * 1024 / 4) / (g->w->k > 0 ? g->w->k : 1) / 4 * 4;
    mb = mb < 8 ? 8 : mb;
    for (int64_t i = m0; i < m1; i += mb)
        wgemm_dot_rows(ops, g, i, min64(i + mb, m1), n0, n1);
}

/* Many rows: expand nb W rows at a time (about 512 KiB of fp32, a few
 * f32 micro-tiles wide) and run the fp32 GEMM on them. */
static void wgemm_expand(const aio_wgemm_ops *ops, const aio_wgemm_args *g, int64_t m0,
                         int64_t m1, int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t kp = w->kp;
    int64_t nb = (int64_t)(512 * 1024 / 4) / (kp > 0 ? kp : 1) / 32 * 32;
    nb = nb < 32 ? 32 : nb > 256 ? 256 : nb;
    nb = min64(nb, n1 - n0);
    float *buf = NULL;
    if (posix_memalign((void **)&buf, 64, (size_t)(nb * kp) * sizeof(float) + 64)) {
        wgemm_dot(ops, g, m0, m1, n0, n1); /* out of memory: right, slowly */
        return;
    }
    for (int64_t j0 = n0; j0 < n1; j0 += nb) {
        const int64_t nc = min64(nb, n1 - j0);
        for (int64_t jj = 0; jj < nc; jj++)
            ops->expand((size_t)kp, row_ptr(w, j0 + jj), w->scales ? w->scales[j0 + jj] : 1.0f,
                        buf + jj * kp);
        const aio_f32_gemm_args f = {
            .m = g->m, .n = nc, .k = w->k, .a = g->a, .lda = g->lda, .b = buf, .ldb = kp,
            .b_trans = 1, .c = g->c + j0, .ldc = g->ldc,
            .s = (g->s && g->beta != 0.0f) ? g->s + j0 * g->s_stride_n : NULL,
            .s_stride_m = g->s_stride_m, .s_stride_n = g->s_stride_n,
            .alpha = g->alpha, .beta = g->beta,
        };
        ops->f32(&f, m0, m1, 0, nc);
    }
    free(buf);
}

void aio_wgemm_run(const aio_wgemm_ops *ops, const aio_wgemm_args *g, int64_t m0, int64_t m1,
                   int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        no_product(g, m0, m1, n0, n1);
        return;
    }
    if (m1 - m0 >= ops->big_m)
        wgemm_expand(ops, g, m0, m1, n0, n1);
    else
        wgemm_dot(ops, g, m0, m1, n0, n1);
}

/* The portable reference: the semantics of aio_wgemm.h, written to be
 * obviously right rather than fast. */
static void wgemm_ref(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int use_s = g->s != NULL && g->beta != 0.0f;
    for (int64_t i = m0; i < m1; i++) {
        const float *a = g->a + i * g->lda;
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            if (g->alpha != 0.0f) {
                for (int64_t p = 0; p < w->k; p++) {
                    float wv;
                    switch (w->fmt) {
                    case AIO_WFMT_F16: wv = aio_f16_to_f32(((const uint16_t *)w->data)[j * w->kp + p]); break;
                    case AIO_WFMT_BF16: wv = aio_bf16_to_f32(((const uint16_t *)w->data)[j * w->kp + p]); break;
                    default: wv = (float)((const int8_t *)w->data)[j * w->kp + p]; break;
                    }
                    acc += a[p] * wv;
                }
                if (w->fmt == AIO_WFMT_I8)
                    acc *= w->scales[j];
            }
            float out = g->alpha * acc;
            if (use_s)
                out += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
            g->c[i * g->ldc + j] = out;
        }
    }
}

void aio_f16w_gemm__ref(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    wgemm_ref(g, m0, m1, n0, n1);
}
void aio_bf16w_gemm__ref(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    wgemm_ref(g, m0, m1, n0, n1);
}
void aio_i8w_gemm__ref(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    wgemm_ref(g, m0, m1, n0, n1);
}
