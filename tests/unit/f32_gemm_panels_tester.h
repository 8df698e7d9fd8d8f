/* The pre-packed fp32 GEMM path (aio_f32_gemm.h, "Pre-packed operands")
 * through the shared tester of f32_gemm_tester.h: an adapter with the
 * plain kernel signature packs A and B into panels and runs the panels.
 *
 * Tiles whose corner is on the panel grid run on panels of the whole A and
 * B (packed in two halves, as threads would: the first-row ownership rule
 * must cover every panel once); others on panels of just their own rows
 * and columns, so every tile offset and ragged edge goes through packing
 * and the run. The sweep crosses forced small blocks (kc, mc, nc) and the
 * derived ones. Plain C, shared by Criterion and the qemu checker. */
#ifndef F32_GEMM_PANELS_TESTER_H
#define F32_GEMM_PANELS_TESTER_H

#include "f32_gemm_tester.h"

static const struct aio_f32_gemm_ops *g_panels_ops;

static inline float *panels_of(int is_a, const float *src, int64_t ld, int64_t rows, int64_t k)
{
    const size_t bytes = aio_f32_gemm_panels_bytes(g_panels_ops, is_a, rows, k);
    float *p = malloc(bytes ? bytes : 64);
    if (!p)
        return NULL;
    memset(p, 0xff, bytes); /* NaN: a panel left unpacked shows up in C */
    const int64_t half = rows / 2;
    aio_f32_gemm_pack_panels(g_panels_ops, is_a, src, ld, rows, k, p, 0, half);
    aio_f32_gemm_pack_panels(g_panels_ops, is_a, src, ld, rows, k, p, half, rows);
    return p;
}

static void panels_adapter(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    const int64_t MR = aio_f32_gemm_panel_rows(g_panels_ops, 1), NR = aio_f32_gemm_panel_rows(g_panels_ops, 0);
    if (g->k == 0) { /* no panels to pack: the run writes beta*S */
        aio_f32_gemm_run_panels(g_panels_ops, g, NULL, NULL, m0, m1, n0, n1);
        return;
    }
    if (m0 % MR == 0 && n0 % NR == 0) {
        float *ap = panels_of(1, g->a, g->lda, g->m, g->k), *bp = panels_of(0, g->b, g->ldb, g->n, g->k);
        if (ap && bp)
            aio_f32_gemm_run_panels(g_panels_ops, g, ap, bp, m0, m1, n0, n1);
        free(ap);
        free(bp);
        return;
    }
    aio_f32_gemm_args t = *g;
    t.m = m1 - m0, t.n = n1 - n0;
    t.a = g->a + m0 * g->lda;
    t.b = g->b + n0 * g->ldb;
    t.c = g->c + m0 * g->ldc + n0;
    if (g->s)
        t.s = g->s + m0 * g->s_stride_m + n0 * g->s_stride_n;
    float *ap = panels_of(1, t.a, t.lda, t.m, t.k), *bp = panels_of(0, t.b, t.ldb, t.n, t.k);
    if (ap && bp)
        aio_f32_gemm_run_panels(g_panels_ops, &t, ap, bp, 0, t.m, 0, t.n);
    free(ap);
    free(bp);
}

typedef int (*f32_gemm_panels_cb)(const f32_gemm_case *tc, void *ctx); /* nonzero: stop */

/* Sizes around mr/nr (4..32), forced blocks of kc 16..64, mc 1-3 tiles, nc
 * 1-2 tiles, and the derived blocks (kc ~ 144..272); every S mode, alpha,
 * beta, padding and tiling. quick: fewer sizes (qemu). */
static inline void f32_gemm_panels_for_each_case(int quick, f32_gemm_panels_cb cb, void *ctx)
{
    static const int64_t ms[] = {16, 17, 24, 31, 33, 48, 61, 100, 128};
    static const int64_t ns[] = {1, 7, 16, 31, 33, 64, 97};
    static const int64_t ks[] = {1, 15, 16, 17, 64, 100, 300};
    static const size_t blocks[][3] = {{0, 0, 0}, {16, 1, 1}, {32, 24, 64}, {64, 48, 32}};
    static const struct { float alpha, beta; int nan_s; } ab[] = {
        {1.0f, 1.0f, 0}, {0.5f, 2.0f, 0}, {1.0f, 0.0f, 1}, {-1.5f, 0.0f, 1},
    };
    unsigned seed = 7;
    const size_t step = quick ? 2 : 1;
    for (size_t bl = 0; bl < F32_GEMM_LEN(blocks); bl++) {
        aio_f32_gemm_panels_force_blocking(blocks[bl][0], blocks[bl][1], blocks[bl][2]);
        for (size_t x = bl % step; x < F32_GEMM_LEN(ms); x += step)
            for (size_t y = 0; y < F32_GEMM_LEN(ns); y += step)
                for (size_t z = 0; z < F32_GEMM_LEN(ks); z++) {
                    const size_t o = (x + y + z) % F32_GEMM_LEN(ab);
                    const f32_gemm_case tc = {ms[x], ns[y], ks[z], 1, (int)((x + 2 * y + z) % F32_GEMM_S_MODES),
                                              ab[o].alpha, ab[o].beta, ab[o].nan_s, (int64_t)(z % 3),
                                              (int)(1 + 2 * ((x + z) % 2)), seed++};
                    if (cb(&tc, ctx)) {
                        aio_f32_gemm_panels_force_blocking(0, 0, 0);
                        return;
                    }
                }
    }
    /* Encoder-sized: several derived K and N blocks, a big ragged corner. */
    static const int64_t big[][3] = {{128, 768, 768}, {130, 100, 1000}, {37, 600, 520}};
    for (size_t x = 0; x < F32_GEMM_LEN(big) && !quick; x++) {
        const f32_gemm_case tc = {big[x][0], big[x][1], big[x][2], 1, F32_GEMM_S_ROW, 1.0f, 1.0f, 0,
                                  (int64_t)x, 3, seed++};
        if (cb(&tc, ctx))
            break;
    }
    aio_f32_gemm_panels_force_blocking(0, 0, 0);
}

#endif
