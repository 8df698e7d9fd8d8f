/* Shared fp32 GEMM tester (XNNPACK-style), plain C so both the Criterion
 * suite and the cross-compiled qemu checker use it.
 *
 * A case names sizes and options; f32_gemm_test() builds random inputs with
 * padded leading dimensions, runs the kernel over the matrix cut into uneven
 * tiles (so m0/m1/n0/n1 offsets and edges are exercised), and compares every
 * element with a double-precision reference under a rounding-error bound:
 *
 *   |got - want| <= eps * ((K + 2) * |alpha| * sum_p |a_ip * b_pj|
 *                          + 2 * |beta * s_ij| + |want|)
 *
 * (K + 2) * eps is twice the classic gamma_K worst case for any summation
 * order (u = eps / 2), so it never fails a correct kernel, yet a missing,
 * doubled or misplaced term is far outside it. Guard zones around C and its
 * row padding must come back untouched. */
#ifndef F32_GEMM_TESTER_H
#define F32_GEMM_TESTER_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_tester_util.h"
#include "aio_f32_gemm.h"

enum f32_gemm_s_mode {
    F32_GEMM_S_NONE = 0, /* s == NULL */
    F32_GEMM_S_ROW,      /* bias row: strides (0, 1) */
    F32_GEMM_S_FULL,     /* M x N matrix: strides (lds, 1) */
    F32_GEMM_S_COL,      /* column broadcast: strides (1, 0) */
    F32_GEMM_S_SCALAR,   /* one value: strides (0, 0) */
    F32_GEMM_S_ALIAS,    /* S is C itself (in-place addmm_) */
    F32_GEMM_S_STRIDED,  /* transposed matrix: strides (1, M + 1) */
    F32_GEMM_S_MODES
};

typedef struct f32_gemm_case {
    int64_t m, n, k;
    int b_trans;
    int s_mode;        /* enum f32_gemm_s_mode */
    float alpha, beta;
    int nan_s;         /* fill S with NaN (meaningful with beta == 0) */
    int64_t pad;       /* extra elements per row of A, B, C and S */
    int tiles;         /* 1: one call; otherwise uneven 3 x 3 tiles */
    unsigned seed;
} f32_gemm_case;


static inline void f32_gemm_describe(const f32_gemm_case *c, char *buf, size_t len)
{
    static const char *const modes[] = {"none", "row", "full", "col", "scalar", "alias", "strided"};
    snprintf(buf, len, "M=%lld N=%lld K=%lld b_trans=%d S=%s alpha=%g beta=%g%s pad=%lld tiles=%d",
             (long long)c->m, (long long)c->n, (long long)c->k, c->b_trans,
             c->s_mode >= 0 && c->s_mode < F32_GEMM_S_MODES ? modes[c->s_mode] : "?",
             (double)c->alpha, (double)c->beta, c->nan_s ? " S=NaN" : "", (long long)c->pad,
             c->tiles);
}

/* B as the kernel sees it: W[N][K] rows (b_trans) or B[K][N] rows. */
typedef struct f32_gemm_b {
    const float *b;
    int64_t ldb;
    int b_trans;
} f32_gemm_b;

static inline double f32_gemm_b_at(const void *ctx, int64_t j, int64_t p)
{
    const f32_gemm_b *r = ctx;
    return r->b_trans ? r->b[j * r->ldb + p] : r->b[p * r->ldb + j];
}

/* Returns 0 on pass; on failure 1 with the first mismatch in msg. */
static inline int f32_gemm_test(aio_f32_gemm_fn fn, const f32_gemm_case *tc, char *msg, size_t len)
{
    const int64_t M = tc->m, N = tc->n, K = tc->k, pad = tc->pad;
    const int64_t lda = K + pad, ldc = N + pad;
    const int64_t ldb = tc->b_trans ? K + pad : N + pad;
    const int64_t brows = tc->b_trans ? N : K;
    const int alias = tc->s_mode == F32_GEMM_S_ALIAS;
    unsigned st = tc->seed * 2654435761u + 12345u;
    char what[256];
    f32_gemm_describe(tc, what, sizeof what);

    /* +1 keeps zero-size products valid pointers. */
    float *a = malloc(sizeof(float) * (size_t)(M * lda + 1));
    float *b = malloc(sizeof(float) * (size_t)(brows * ldb + 1));
    float *cbuf = malloc(sizeof(float) * (size_t)(M * ldc + 2 * GEMM_TEST_GUARD));
    float *c = cbuf + GEMM_TEST_GUARD;
    /* S: big enough for every mode, with its own padding. */
    const int64_t lds = N + pad;
    float *sbuf = malloc(sizeof(float) * (size_t)(M * lds + N * (M + 1) + M + N + 1));
    float *s_keep = malloc(sizeof(float) * (size_t)(M * ldc + 1)); /* S values when aliased */
    int fail = 0;
    if (!a || !b || !cbuf || !sbuf || !s_keep) {
        snprintf(msg, len, "out of memory for %s", what);
        fail = 1;
        goto out;
    }
    for (int64_t i = 0; i < M * lda; i++) a[i] = gemm_test_rand(&st);
    for (int64_t i = 0; i < brows * ldb; i++) b[i] = gemm_test_rand(&st);
    for (int64_t i = 0; i < M * ldc + 2 * GEMM_TEST_GUARD; i++) cbuf[i] = GEMM_TEST_SENTINEL;

    const float *s = NULL;
    int64_t sm = 0, sn = 0;
    const size_t scount = (size_t)(M * lds + N * (M + 1) + M + N + 1);
    for (size_t i = 0; i < scount; i++)
        sbuf[i] = tc->nan_s ? NAN : gemm_test_rand(&st);
    switch (tc->s_mode) {
    case F32_GEMM_S_ROW: s = sbuf; sm = 0; sn = 1; break;
    case F32_GEMM_S_FULL: s = sbuf; sm = lds; sn = 1; break;
    case F32_GEMM_S_COL: s = sbuf; sm = 1; sn = 0; break;
    case F32_GEMM_S_SCALAR: s = sbuf; sm = 0; sn = 0; break;
    case F32_GEMM_S_STRIDED: s = sbuf; sm = 1; sn = M + 1; break;
    case F32_GEMM_S_ALIAS:
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                c[i * ldc + j] = s_keep[i * ldc + j] = tc->nan_s ? NAN : gemm_test_rand(&st);
        s = c; sm = ldc; sn = 1;
        break;
    default: break;
    }

    aio_f32_gemm_args g = {
        .m = M, .n = N, .k = K, .a = a, .lda = lda, .b = b, .ldb = ldb, .b_trans = tc->b_trans,
        .c = c, .ldc = ldc, .s = s, .s_stride_m = sm, .s_stride_n = sn,
        .alpha = tc->alpha, .beta = tc->beta,
    };
    int64_t mc[4], nc[4];
    const int mt = gemm_test_cuts(M, tc->tiles, mc), nt = gemm_test_cuts(N, tc->tiles, nc);
    if (M == 0 || N == 0)
        fn(&g, 0, M, 0, N);
    for (int ti = 0; ti < mt; ti++)
        for (int tj = 0; tj < nt; tj++)
            fn(&g, mc[ti], mc[ti + 1], nc[tj], nc[tj + 1]);

    const f32_gemm_b b_ref = {b, ldb, tc->b_trans};
    const gemm_test_expect e = {
        .m = M, .n = N, .k = K, .a = a, .lda = lda, .b_at = f32_gemm_b_at, .b_ctx = &b_ref,
        .s = s, .sm = sm, .sn = sn, .s_keep = s_keep, .alias = alias, .c = c, .ldc = ldc,
        .alpha = tc->alpha, .beta = tc->beta,
    };
    fail = gemm_test_check_c(&e, what, msg, len);
out:
    free(a);
    free(b);
    free(cbuf);
    free(sbuf);
    free(s_keep);
    return fail;
}

/* The shared sweeps. Sizes sit around every tile of every variant (mr/nr
 * 4..32, dot kernels 1..4 rows, K blocks of 256, N blocks of 480..512) and
 * on both sides of the small-M choices (dot: rows up to 32 and K vs 16 *
 * rows; row streaming: up to 64 rows). */
enum f32_gemm_suite { F32_GEMM_SUITE_SIZES, F32_GEMM_SUITE_LARGE, F32_GEMM_SUITE_OPTIONS };

typedef int (*f32_gemm_case_cb)(const f32_gemm_case *tc, void *ctx); /* nonzero: stop */

#define F32_GEMM_LEN(x) (sizeof(x) / sizeof((x)[0]))

static inline void f32_gemm_for_each_case(int suite, f32_gemm_case_cb cb, void *ctx)
{
    unsigned seed = 1;
    if (suite == F32_GEMM_SUITE_SIZES) {
        static const int64_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 17, 31, 61};
        static const int64_t ns[] = {1, 2, 3, 5, 8, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 65, 127};
        static const int64_t ks[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 61, 127, 257};
        for (int bt = 0; bt <= 1; bt++)
            for (size_t x = 0; x < F32_GEMM_LEN(ms); x++)
                for (size_t y = 0; y < F32_GEMM_LEN(ns); y++)
                    for (size_t z = 0; z < F32_GEMM_LEN(ks); z++) {
                        const f32_gemm_case tc = {ms[x], ns[y], ks[z], bt, F32_GEMM_S_ROW,
                                                  1.0f, 1.0f, 0, (int64_t)(z % 3), 3, seed++};
                        if (cb(&tc, ctx))
                            return;
                    }
    } else if (suite == F32_GEMM_SUITE_LARGE) {
        /* Cross K blocks, N blocks, the dot path's W blocks, and big edges. */
        static const int64_t mnk[][3] = {
            {1, 1000, 1000}, {2, 257, 1000}, {3, 600, 300}, {4, 1000, 127}, {5, 300, 513},
            {13, 1000, 61}, {127, 129, 1000}, {257, 65, 257}, {1000, 33, 17}, {33, 1000, 61},
            {61, 600, 600}, {200, 530, 520}, {9, 4096, 16}, {1, 4096, 64}, {100, 100, 0},
            {17, 100, 300}, {31, 200, 600}, {32, 77, 512}, {0, 7, 5}, {7, 0, 5},
        };
        for (int bt = 0; bt <= 1; bt++)
            for (size_t x = 0; x < F32_GEMM_LEN(mnk); x++)
                for (int sm = F32_GEMM_S_NONE; sm <= F32_GEMM_S_FULL; sm++) {
                    const f32_gemm_case tc = {mnk[x][0], mnk[x][1], mnk[x][2], bt, sm,
                                              1.0f, 1.0f, 0, (int64_t)(x % 2) * 5, 3, seed++};
                    if (cb(&tc, ctx))
                        return;
                }
    } else {
        static const int64_t ms[] = {1, 3, 8, 13, 61, 70};
        static const int64_t ns[] = {17, 33, 70};
        static const int64_t ks[] = {16, 61, 300};
        static const struct { float alpha, beta; int nan_s; } ab[] = {
            {1.0f, 1.0f, 0}, {0.5f, 2.0f, 0}, {1.0f, 0.0f, 1}, {-1.5f, 0.0f, 1}, {2.0f, -1.0f, 0},
        };
        for (int bt = 0; bt <= 1; bt++)
            for (size_t x = 0; x < F32_GEMM_LEN(ms); x++)
                for (size_t y = 0; y < F32_GEMM_LEN(ns); y++)
                    for (size_t z = 0; z < F32_GEMM_LEN(ks); z++)
                        for (int sm = 0; sm < F32_GEMM_S_MODES; sm++)
                            for (size_t o = 0; o < F32_GEMM_LEN(ab); o++)
                                for (int64_t pad = 0; pad <= 3; pad += 3) {
                                    const f32_gemm_case tc = {ms[x], ns[y], ks[z], bt, sm,
                                                              ab[o].alpha, ab[o].beta, ab[o].nan_s,
                                                              pad, (int)(1 + 2 * (o % 2)), seed++};
                                    if (cb(&tc, ctx))
                                        return;
                                }
    }
}

#endif
