/* The pre-packed fp32 GEMM path (aio_f32_gemm.h, "Pre-packed operands").
 *
 * BLIS loop order over packed full-K panels: for each N block (nc), K block
 * (kc) and M block (mc): for each B micro-panel (kc x nr, stays in L1), for
 * each A micro-panel (kc x mr, from the mc x kc block that stays in L2),
 * one micro-kernel call. Nothing is packed here: B comes from the weight
 * cache and A was packed once per call, so every thread shares one packed
 * A and reads only its own columns of B.
 *
 * Blocking from the cache sizes (aio_cache.h), unless the variant's ops set
 * pre_kc / pre_mc / pre_nc:
 *   kc: B micro-panel plus one A micro-panel in 3/4 of L1d;
 *   mc: the A block (mc x kc) in half of L2;
 *   nc: the B block (kc x nc) in half of this core's L3 share, and the C
 *       block (rows x nc, revisited once per K block) in half of L2. */
#include "f32_gemm_driver.h"

#include "aio_cache.h"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t clamp_sz(size_t x, size_t lo, size_t hi) { return x < lo ? lo : x > hi ? hi : x; }

typedef struct blocking {
    size_t kc, mc, nc;
} blocking;

static size_t g_force_kc, g_force_mc, g_force_nc;

void aio_f32_gemm_panels_force_blocking(size_t kc, size_t mc, size_t nc)
{
    g_force_kc = kc, g_force_mc = mc, g_force_nc = nc;
}

static size_t round_up_sz(size_t x, size_t q) { return (x + q - 1) / q * q; }

static blocking blocking_for(const aio_f32_gemm_ops *ops)
{
    const aio_cache_sizes *cs = aio_cache_sizes_get();
    const size_t MR = ops->mr, NR = ops->nr;
    blocking b;
    if (g_force_kc && g_force_mc && g_force_nc) {
        b.kc = g_force_kc, b.mc = round_up_sz(g_force_mc, MR), b.nc = round_up_sz(g_force_nc, NR);
        return b;
    }
    b.kc = ops->pre_kc ? ops->pre_kc
                       : clamp_sz(cs->l1d * 3 / 4 / ((MR + NR) * sizeof(float)) / 16 * 16, 64, 1024);
    b.mc = ops->pre_mc ? ops->pre_mc
                       : clamp_sz(cs->l2 / 2 / (b.kc * sizeof(float)) / MR * MR, MR, 4096 / MR * MR);
    const size_t l3 = cs->l3 ? cs->l3 : cs->l2;
    b.nc = ops->pre_nc ? ops->pre_nc
                       : clamp_sz(l3 / 2 / (b.kc * sizeof(float)) / NR * NR, NR, 65536 / NR * NR);
    return b;
}

int aio_f32_gemm_panels_apply(const struct aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g)
{
    return ops && g->b_trans && g->m >= AIO_F32_GEMM_PANELS_MIN_M && g->k > 0 && g->n > 0 &&
           g->alpha != 0.0f && aio_f32_gemm_takes_packed(ops, g, (size_t)g->m);
}

int64_t aio_f32_gemm_panel_rows(const struct aio_f32_gemm_ops *ops, int is_a)
{
    return (int64_t)(is_a ? ops->mr : ops->nr);
}

size_t aio_f32_gemm_panels_bytes(const struct aio_f32_gemm_ops *ops, int is_a, int64_t rows, int64_t k)
{
    const int64_t R = aio_f32_gemm_panel_rows(ops, is_a);
    if (rows <= 0 || k <= 0)
        return 0;
    return (size_t)((rows + R - 1) / R * R) * (size_t)k * sizeof(float);
}

void aio_f32_gemm_pack_panels(const struct aio_f32_gemm_ops *ops, int is_a, const float *src,
                              int64_t ld, int64_t rows, int64_t k, float *dst, int64_t r0, int64_t r1)
{
    const int64_t R = aio_f32_gemm_panel_rows(ops, is_a);
    const aio_f32_gemm_pack_fn pack = is_a ? ops->pack_a : ops->pack_bt;
    if (r1 > rows)
        r1 = rows;
    for (int64_t p0 = (r0 + R - 1) / R * R; p0 < r1; p0 += R) {
        const int64_t valid = rows - p0 < R ? rows - p0 : R;
        pack((size_t)k, (size_t)valid, (size_t)R, src + p0 * ld, (size_t)ld, dst + p0 * k);
    }
}

/* The B micro-panel the loop nest below reads after (jr, pc), and its
 * size in cache lines: the next one of this N block; after the last, the
 * first of the next K block (or of the next N block), but only after the
 * last M block: otherwise the next M block re-reads this K block's panels,
 * still in L2. NULL: none. */
static const float *next_b_panel(const float *b_panels, size_t K, size_t NR, size_t kc_block,
                                 int64_t jc, int64_t jc1, int64_t n1, int64_t jr, size_t pc,
                                 size_t kc, int last_m_block, size_t *lines)
{
    const float *next = NULL;
    size_t next_kc = kc;
    if (jr + (int64_t)NR < jc1) {
        next = b_panels + (size_t)(jr + (int64_t)NR) * K + pc * NR;
    } else if (last_m_block && pc + kc < K) {
        next = b_panels + (size_t)jc * K + (pc + kc) * NR;
        next_kc = min_sz(kc_block, K - pc - kc);
    } else if (last_m_block && jc1 < n1) {
        next = b_panels + (size_t)jc1 * K;
        next_kc = min_sz(kc_block, K);
    }
    *lines = next ? next_kc * NR * sizeof(float) / 64 : 0;
    return next;
}

void aio_f32_gemm_run_panels(const struct aio_f32_gemm_ops *ops, const aio_f32_gemm_args *g,
                             const float *a_panels, const float *b_panels,
                             int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->k <= 0 || g->alpha == 0.0f) {
        aio_f32_gemm_no_product(g, m0, m1, n0, n1);
        return;
    }
    blocking bl = blocking_for(ops);
    const size_t MR = ops->mr, NR = ops->nr, K = (size_t)g->k;
    /* C is revisited once per K block: keep the C block (rows x nc) in half
     * of L2 too, or every revisit comes from L3 (unless nc is forced). */
    if (!(g_force_kc && g_force_mc && g_force_nc) && !ops->pre_nc) {
        const size_t rows = min_sz(bl.mc, (size_t)(m1 - m0));
        const size_t nc_c = aio_cache_sizes_get()->l2 / 2 / (rows * sizeof(float)) / NR * NR;
        bl.nc = clamp_sz(min_sz(bl.nc, nc_c), 4 * NR, bl.nc);
    }
    aio_f32_gemm_out o;
    for (int64_t jc = n0; jc < n1; jc += (int64_t)bl.nc) {
        const int64_t jc1 = jc + (int64_t)bl.nc < n1 ? jc + (int64_t)bl.nc : n1;
        for (size_t pc = 0; pc < K; pc += bl.kc) {
            const size_t kc = min_sz(bl.kc, K - pc);
            for (int64_t ic = m0; ic < m1; ic += (int64_t)bl.mc) {
                const int64_t ic1 = ic + (int64_t)bl.mc < m1 ? ic + (int64_t)bl.mc : m1;
                const size_t calls = ((size_t)(ic1 - ic) + MR - 1) / MR;
                for (int64_t jr = jc; jr < jc1; jr += (int64_t)NR) {
                    const float *bp = b_panels + (size_t)jr * K + pc * NR;
                    const size_t nr = min_sz(NR, (size_t)(jc1 - jr));
                    /* The B micro-panel used next, fetched into L2 a slice
                     * per A micro-panel while this one computes: in a model
                     * every weight comes from DRAM once per forward, and an
                     * unfetched panel stalls its first tiles (M = 128, cold
                     * weights: 80% of peak, 90% with this). Past 32 tiles
                     * per panel the stall is amortized, and the fetch only
                     * adds L2 pressure (M = 1024 measured 2-5% slower). */
                    size_t pf_lines = 0;
                    const char *pf = calls > 32 ? NULL
                                                : (const char *)next_b_panel(b_panels, K, NR, bl.kc, jc, jc1, n1,
                                                                             jr, pc, kc, ic1 == m1, &pf_lines);
                    const size_t pf_step = (pf_lines + calls - 1) / calls;
                    for (int64_t ir = ic; ir < ic1; ir += (int64_t)MR) {
                        for (size_t l = 0; l < pf_step && pf_lines; l++, pf_lines--, pf += 64)
                            __builtin_prefetch(pf, 0, 2);
                        const float *ap = a_panels + (size_t)ir * K + pc * MR;
                        const size_t mr = min_sz(MR, (size_t)(ic1 - ir));
                        aio_f32_gemm_out_at(&o, g, ir, jr, pc > 0);
                        /* The tile's C rows, to be read or written after the
                         * K loop: fetch them now, under the loop's FMAs. */
                        for (size_t r = 0; r < mr; r++) {
                            __builtin_prefetch(o.c + r * o.ldc, 1, 3);
                            __builtin_prefetch(o.c + r * o.ldc + nr - 1, 1, 3);
                        }
                        ops->gemm(kc, ap, bp, NR, &o, mr, nr);
                    }
                }
            }
        }
    }
}
