/* Portable blocked driver of the bf16-dot GEMM (bf16_gemm_driver.h), its
 * scalar packers and the portable reference.
 *
 * Goto/BLIS order, with A packed once: the call's rows of A are packed
 * first, over the whole K, into mr-row pair panels (in chunks of at most
 * ops->a_bytes); then for each N block (nc) and K block (kc) the B block is
 * packed once into nr-wide pair panels (L2-resident) and every mr x kc A
 * panel (L1-resident) is swept across them. Packing A per N block instead
 * would convert it N/nc times. Conversion to bf16 happens while packing, so fp32 operands cost
 * no extra pass. Buffers are malloc'd per call, never thread-local (this
 * code is dlopen'd late). */
#include "bf16_gemm_driver.h"

#include <stdlib.h>
#include <string.h>

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t x, size_t q) { return (x + q - 1) / q * q; }

static uint16_t elem_bf16(const void *src, size_t idx, int bf16)
{
    return bf16 ? ((const uint16_t *)src)[idx] : aio_bf16_gemm_round(((const float *)src)[idx]);
}

void aio_bf16_gemm_pack_t__scalar(size_t kc, size_t rows_valid, size_t width, const void *src,
                                  size_t ld, int bf16, uint32_t *dst)
{
    const size_t kc2 = (kc + 1) / 2;
    for (size_t q = 0; q < kc2; q++)
        for (size_t r = 0; r < width; r++) {
            uint32_t lo = 0, hi = 0;
            if (r < rows_valid) {
                lo = elem_bf16(src, r * ld + 2 * q, bf16);
                if (2 * q + 1 < kc)
                    hi = elem_bf16(src, r * ld + 2 * q + 1, bf16);
            }
            dst[q * width + r] = lo | hi << 16;
        }
}

void aio_bf16_gemm_pack_n__scalar(size_t kc, size_t rows_valid, size_t width, const void *src,
                                  size_t ld, int bf16, uint32_t *dst)
{
    const size_t kc2 = (kc + 1) / 2;
    for (size_t q = 0; q < kc2; q++)
        for (size_t r = 0; r < width; r++) {
            uint32_t lo = 0, hi = 0;
            if (r < rows_valid) {
                lo = elem_bf16(src, 2 * q * ld + r, bf16);
                if (2 * q + 1 < kc)
                    hi = elem_bf16(src, (2 * q + 1) * ld + r, bf16);
            }
            dst[q * width + r] = lo | hi << 16;
        }
}

static const float *s_at(const aio_bf16_gemm_args *g, int64_t i, int64_t j)
{
    if (g->s == NULL || g->beta == 0.0f)
        return NULL;
    return g->s + i * g->s_stride_m + j * g->s_stride_n;
}

/* K == 0 or alpha == 0: C = beta*S, or zeros; A and B are not read. */
static void no_product(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            const float *s = s_at(g, i, j);
            g->c[i * g->ldc + j] = s ? g->beta * *s : 0.0f;
        }
}

static size_t elem_bytes(int bf16) { return bf16 ? 2 : 4; }

static const void *at(const void *base, int bf16, int64_t idx)
{
    return (const char *)base + idx * (int64_t)elem_bytes(bf16);
}

static void reference(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
static float load_bf16(const void *base, int bf16, int64_t idx);

/* Software prefetch of the pre-packed B block the loop nest reads next,
 * into L2, a slice per micro-kernel call of the current block. In a model
 * every weight comes from DRAM once per forward; unfetched, the first A
 * micro-panel's sweep over each block stalls on it. BERT-base's 72
 * Linears at M = 128, 2 threads: 58.6 -> 53.3 ms CPU time with it. The
 * block is nb panels of `lines` cache lines each, panel r at
 * base + r * stride. */
typedef struct b_prefetch {
    const char *base;
    size_t stride, lines, nb;
    size_t r, l;              /* next panel, next line in it */
    size_t step;              /* lines per call */
} b_prefetch;

static void prefetch_step(b_prefetch *pf)
{
    for (size_t n = 0; n < pf->step && pf->r < pf->nb; n++) {
        __builtin_prefetch(pf->base + pf->r * pf->stride + pf->l * 64, 0, 2);
        if (++pf->l == pf->lines)
            pf->l = 0, pf->r++;
    }
}

/* Past this many A micro-panels per block the stall of the first sweep is
 * amortized and the prefetch only adds L2 pressure (as in the f32 panels
 * driver). */
#define PREFETCH_MAX_A_PANELS 32

/* b_panels: W pre-packed (aio_bf16_gemm_pack_panels), n0 on a panel
 * boundary; NULL: B is packed here, block by block. */
static void run_impl(const aio_bf16_gemm_ops *ops, const aio_bf16_gemm_args *g, const uint32_t *b_panels,
                     int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->k <= 0 || g->alpha == 0.0f) {
        no_product(g, m0, m1, n0, n1);
        return;
    }
    const size_t MR = ops->mr, NR = ops->nr;
    const size_t K = (size_t)g->k, K2 = (K + 1) / 2, mt = (size_t)(m1 - m0), nt = (size_t)(n1 - n0);
    const size_t kc_max = min_sz(ops->kc, round_up(K, 2));
    /* Prefetching, the current and next B blocks share L2 with the A
     * block: half-width N blocks keep the three within it. */
    const int prefetch = b_panels && round_up(mt, MR) / MR <= PREFETCH_MAX_A_PANELS;
    const size_t nc_half = ops->nc / 2 / NR * NR;
    const size_t nc_max = min_sz(prefetch && nc_half ? nc_half : ops->nc, round_up(nt, NR));
    /* Rows of A per chunk: all of them when their packed form fits. */
    const size_t panel_words = K2 * MR, a_bytes = ops->a_bytes ? ops->a_bytes : (size_t)8 << 20;
    size_t mc = round_up(mt, MR);
    if (mc / MR * panel_words * 4 > a_bytes)
        mc = a_bytes / (panel_words * 4) * MR;
    mc = mc < MR ? MR : mc;
    uint32_t *apack = NULL, *bpack = NULL;
    if (posix_memalign((void **)&apack, 64, mc / MR * panel_words * 4) ||
        (!b_panels && posix_memalign((void **)&bpack, 64, kc_max / 2 * nc_max * 4))) {
        free(apack);
        reference(g, m0, m1, n0, n1); /* out of memory: right, slowly */
        return;
    }
    aio_bf16_gemm_out o;
    o.ldc = (size_t)g->ldc;
    o.s_stride_m = g->s_stride_m;
    o.s_stride_n = g->s_stride_n;
    o.alpha = g->alpha;
    o.beta = g->beta;
    for (size_t i0 = 0; i0 < mt; i0 += mc) {
        const size_t mcur = min_sz(mc, mt - i0);
        /* Whole-K pair panels: block pc of panel r starts at pair pc/2 (kc
         * is even), so one pack over K serves every K block. */
        for (size_t ir = 0; ir < mcur; ir += MR)
            ops->pack_t(K, min_sz(MR, mcur - ir), MR,
                        at(g->a, g->a_bf16, (m0 + (int64_t)(i0 + ir)) * g->lda), (size_t)g->lda,
                        g->a_bf16, apack + ir / MR * panel_words);
        for (size_t jc = 0; jc < nt; jc += nc_max) {
            const size_t nc = min_sz(nc_max, nt - jc);
            const int64_t j0 = n0 + (int64_t)jc;
            for (size_t pc = 0; pc < K; pc += kc_max) {
                const size_t kc = min_sz(kc_max, K - pc), kc2 = (kc + 1) / 2;
                for (size_t jr = 0; jr < nc && !b_panels; jr += NR) {
                    const size_t nr = min_sz(NR, nc - jr);
                    const int64_t j = j0 + (int64_t)jr;
                    uint32_t *dst = bpack + jr * kc2;
                    if (g->b_trans)
                        ops->pack_t(kc, nr, NR, at(g->b, g->b_bf16, j * g->ldb + (int64_t)pc),
                                    (size_t)g->ldb, g->b_bf16, dst);
                    else
                        ops->pack_n(kc, nr, NR, at(g->b, g->b_bf16, (int64_t)pc * g->ldb + j),
                                    (size_t)g->ldb, g->b_bf16, dst);
                }
                b_prefetch pf = {0};
                if (prefetch) {
                    /* next block: this N block's next K block, else the
                     * next N block's first */
                    size_t npc = pc + kc_max, njc = jc;
                    if (npc >= K)
                        npc = 0, njc = jc + nc_max;
                    if (njc < nt) {
                        const size_t nnc = min_sz(nc_max, nt - njc), nkc = min_sz(kc_max, K - npc);
                        pf.base = (const char *)(b_panels + (size_t)(n0 + (int64_t)njc) / NR * K2 * NR + npc / 2 * NR);
                        pf.stride = K2 * NR * 4;
                        pf.lines = ((nkc + 1) / 2 * NR * 4 + 63) / 64;
                        pf.nb = (nnc + NR - 1) / NR;
                        const size_t calls = (mcur + MR - 1) / MR * ((nc + NR - 1) / NR);
                        pf.step = (pf.lines * pf.nb + calls - 1) / calls;
                    }
                }
                for (size_t ir = 0; ir < mcur; ir += MR) {
                    const size_t mr = min_sz(MR, mcur - ir);
                    const int64_t i = m0 + (int64_t)(i0 + ir);
                    const uint32_t *ap = apack + ir / MR * panel_words + pc / 2 * MR;
                    for (size_t jr = 0; jr < nc; jr += NR) {
                        const int64_t j = j0 + (int64_t)jr;
                        o.c = g->c + i * g->ldc + j;
                        o.accumulate = pc > 0;
                        o.s = pc > 0 ? NULL : s_at(g, i, j);
                        /* a pre-packed panel holds all of K: block pc
                         * starts at its pair pc/2 */
                        const uint32_t *bp = b_panels ? b_panels + (size_t)j / NR * K2 * NR + pc / 2 * NR
                                                      : bpack + jr * kc2;
                        if (pf.step)
                            prefetch_step(&pf);
                        ops->gemm(kc2, ap, bp, &o, mr, min_sz(NR, nc - jr));
                    }
                }
            }
        }
    }
    free(apack);
    free(bpack);
}

void aio_bf16_gemm_run(const aio_bf16_gemm_ops *ops, const aio_bf16_gemm_args *g,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    run_impl(ops, g, NULL, m0, m1, n0, n1);
}

size_t aio_bf16_gemm_panels_bytes(const struct aio_bf16_gemm_ops *ops, int64_t n, int64_t k)
{
    if (!ops || n <= 0 || k <= 0)
        return 0;
    return round_up((size_t)n, ops->nr) * (((size_t)k + 1) / 2) * 4;
}

void aio_bf16_gemm_pack_panels(const struct aio_bf16_gemm_ops *ops, const void *w, int bf16, int64_t ldw,
                               int64_t n, int64_t k, uint32_t *dst, int64_t r0, int64_t r1)
{
    const int64_t NR = (int64_t)ops->nr, K2 = (k + 1) / 2;
    if (r1 > n)
        r1 = n;
    for (int64_t j = (r0 + NR - 1) / NR * NR; j < r1; j += NR)
        ops->pack_t((size_t)k, (size_t)(n - j < NR ? n - j : NR), (size_t)NR, at(w, bf16, j * ldw),
                    (size_t)ldw, bf16, dst + j * K2);
}

/* W element (j, p) from its pair panel. */
static uint16_t panel_at(const aio_bf16_gemm_ops *ops, const uint32_t *panels, int64_t K2, int64_t j, int64_t p)
{
    const int64_t NR = (int64_t)ops->nr;
    const uint32_t word = panels[j / NR * K2 * NR + p / 2 * NR + j % NR];
    return (uint16_t)(p % 2 ? word >> 16 : word);
}

void aio_bf16_gemm_run_panels(const struct aio_bf16_gemm_ops *ops, const aio_bf16_gemm_args *g,
                              const uint32_t *b_panels, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->k <= 0 || g->alpha == 0.0f) {
        no_product(g, m0, m1, n0, n1);
        return;
    }
    const int64_t NR = (int64_t)ops->nr, K2 = (g->k + 1) / 2;
    /* Columns before the first panel boundary (callers split on panel
     * boundaries; tests do not): one plain pass over those panel values. */
    const int64_t na = (n0 + NR - 1) / NR * NR < n1 ? (n0 + NR - 1) / NR * NR : n1;
    for (int64_t i = m0; i < m1 && n0 < na; i++)
        for (int64_t j = n0; j < na; j++) {
            float acc = 0.0f;
            for (int64_t p = 0; p < g->k; p++)
                acc += load_bf16(g->a, g->a_bf16, i * g->lda + p) *
                       aio_bf16_gemm_widen(panel_at(ops, b_panels, K2, j, p));
            const float *s = s_at(g, i, j);
            g->c[i * g->ldc + j] = g->alpha * acc + (s ? g->beta * *s : 0.0f);
        }
    run_impl(ops, g, b_panels, m0, m1, na, n1);
}

/* The portable reference: the semantics of aio_bf16_gemm.h, written to be
 * obviously right rather than fast. */
static float load_bf16(const void *base, int bf16, int64_t idx)
{
    return aio_bf16_gemm_widen(elem_bf16(base, (size_t)idx, bf16));
}

static void reference(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (g->k <= 0 || g->alpha == 0.0f) {
        no_product(g, m0, m1, n0, n1);
        return;
    }
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            for (int64_t p = 0; p < g->k; p++) {
                const float a = load_bf16(g->a, g->a_bf16, i * g->lda + p);
                const float b = load_bf16(g->b, g->b_bf16, g->b_trans ? j * g->ldb + p : p * g->ldb + j);
                acc += a * b;
            }
            const float *s = s_at(g, i, j);
            float out = g->alpha * acc;
            if (s)
                out += g->beta * *s;
            g->c[i * g->ldc + j] = out;
        }
}

void aio_bf16_gemm__ref(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    reference(g, m0, m1, n0, n1);
}
