/* Shared bf16-dot GEMM tester (plain C: Criterion suite and qemu checker).
 *
 * Inputs are random fp32 (or bf16 when a_bf16 / b_bf16), padded leading
 * dimensions; the kernel runs over uneven tiles; every element of C is
 * compared with a double-precision product of the bf16-ROUNDED inputs
 * (gemm_test_check_c), so the rounding of operands is part of the contract
 * and a kernel that skips it, or rounds the wrong way, fails: products of
 * two bf16 values are exact in fp32, leaving only fp32 summation error
 * inside the bound. Guard bands around C must stay untouched. */
#ifndef BF16_GEMM_TESTER_H
#define BF16_GEMM_TESTER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aio_bf16_gemm.h"
#include "gemm_tester_util.h"

typedef struct bf16_gemm_case {
    int64_t m, n, k;
    int b_trans, a_bf16, b_bf16;
    int s_mode; /* 0 none, 1 bias row, 2 full matrix, 3 alias C */
    float alpha, beta;
    int64_t pad;
    int tiles;
    unsigned seed;
} bf16_gemm_case;

typedef struct bf16_gemm_b {
    const float *b; /* rounded values */
    int64_t ldb;
    int b_trans;
} bf16_gemm_b;

static inline double bf16_gemm_b_at(const void *ctx, int64_t j, int64_t p)
{
    const bf16_gemm_b *r = ctx;
    return r->b_trans ? r->b[j * r->ldb + p] : r->b[p * r->ldb + j];
}

/* Random data as the kernel sees it (fp32 or bf16) and as the reference
 * sees it (the bf16-rounded value, widened). */
static inline void bf16_gemm_fill(int64_t count, int bf16, unsigned *st, void *data, float *rounded)
{
    for (int64_t i = 0; i < count; i++) {
        const float v = gemm_test_rand(st);
        const uint16_t h = aio_bf16_gemm_round(v);
        if (bf16)
            ((uint16_t *)data)[i] = h;
        else
            ((float *)data)[i] = v;
        rounded[i] = aio_bf16_gemm_widen(h);
    }
}

static inline int bf16_gemm_test(aio_bf16_gemm_fn fn, const bf16_gemm_case *tc, char *msg, size_t len)
{
    const int64_t M = tc->m, N = tc->n, K = tc->k, pad = tc->pad;
    const int64_t lda = K + pad, ldc = N + pad, lds = N + pad;
    const int64_t ldb = tc->b_trans ? K + pad : N + pad, brows = tc->b_trans ? N : K;
    unsigned st = tc->seed * 2654435761u + 777u;
    char what[256];
    snprintf(what, sizeof what, "M=%lld N=%lld K=%lld b_trans=%d a_bf16=%d b_bf16=%d S=%d alpha=%g beta=%g pad=%lld tiles=%d",
             (long long)M, (long long)N, (long long)K, tc->b_trans, tc->a_bf16, tc->b_bf16, tc->s_mode,
             (double)tc->alpha, (double)tc->beta, (long long)pad, tc->tiles);
    void *a = malloc(sizeof(float) * (size_t)(M * lda + 1));
    float *ar = malloc(sizeof(float) * (size_t)(M * lda + 1));
    void *b = malloc(sizeof(float) * (size_t)(brows * ldb + 1));
    float *br = malloc(sizeof(float) * (size_t)(brows * ldb + 1));
    float *cbuf = malloc(sizeof(float) * (size_t)(M * ldc + 2 * GEMM_TEST_GUARD));
    float *s = malloc(sizeof(float) * (size_t)(M * lds + 1));
    float *s_keep = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    int fail = 0;
    if (!a || !ar || !b || !br || !cbuf || !s || !s_keep) {
        snprintf(msg, len, "out of memory for %s", what);
        fail = 1;
        goto out;
    }
    float *c = cbuf + GEMM_TEST_GUARD;
    bf16_gemm_fill(M * lda, tc->a_bf16, &st, a, ar);
    bf16_gemm_fill(brows * ldb, tc->b_bf16, &st, b, br);
    for (int64_t i = 0; i < M * ldc + 2 * GEMM_TEST_GUARD; i++) cbuf[i] = GEMM_TEST_SENTINEL;
    for (int64_t i = 0; i < M * lds; i++) s[i] = gemm_test_rand(&st);
    const float *sp = NULL;
    int64_t sm = 0, sn = 0;
    if (tc->s_mode == 1) sp = s, sm = 0, sn = 1;
    if (tc->s_mode == 2) sp = s, sm = lds, sn = 1;
    if (tc->s_mode == 3) {
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                c[i * ldc + j] = s_keep[i * ldc + j] = gemm_test_rand(&st);
        sp = c, sm = ldc, sn = 1;
    }
    const aio_bf16_gemm_args g = {
        .m = M, .n = N, .k = K, .a = a, .lda = lda, .a_bf16 = tc->a_bf16,
        .b = b, .ldb = ldb, .b_trans = tc->b_trans, .b_bf16 = tc->b_bf16,
        .c = c, .ldc = ldc, .s = sp, .s_stride_m = sm, .s_stride_n = sn,
        .alpha = tc->alpha, .beta = tc->beta,
    };
    int64_t mc[4], nc[4];
    const int mt = gemm_test_cuts(M, tc->tiles, mc), nt = gemm_test_cuts(N, tc->tiles, nc);
    for (int ti = 0; ti < mt; ti++)
        for (int tj = 0; tj < nt; tj++)
            fn(&g, mc[ti], mc[ti + 1], nc[tj], nc[tj + 1]);
    const bf16_gemm_b b_ref = {br, ldb, tc->b_trans};
    const gemm_test_expect e = {
        .m = M, .n = N, .k = K, .a = ar, .lda = lda, .b_at = bf16_gemm_b_at, .b_ctx = &b_ref,
        .s = sp, .sm = sm, .sn = sn, .s_keep = s_keep, .alias = tc->s_mode == 3, .c = c, .ldc = ldc,
        .alpha = tc->alpha, .beta = tc->beta,
    };
    fail = gemm_test_check_c(&e, what, msg, len);
out:
    free(a); free(ar); free(b); free(br); free(cbuf); free(s); free(s_keep);
    return fail;
}

typedef int (*bf16_gemm_case_cb)(const bf16_gemm_case *tc, void *ctx); /* nonzero: stop */

/* Sizes around the micro-tiles (mr 4..12, nr 16..32), odd K (a half-empty
 * last pair), K blocks of 512 and N blocks of 512; every operand type
 * combination, both B layouts, S modes, alpha/beta and padding. quick: a
 * subset for slow emulators. */
static inline void bf16_gemm_for_each_case(int quick, bf16_gemm_case_cb cb, void *ctx)
{
    static const int64_t ms[] = {1, 2, 5, 11, 12, 13, 25, 40};
    static const int64_t ns[] = {1, 7, 16, 17, 31, 32, 33, 65};
    static const int64_t ks[] = {1, 2, 3, 31, 32, 33, 64, 129};
    unsigned seed = 1;
    const int step = quick ? 3 : 1;
    for (int bt = 0; bt <= 1; bt++)
        for (size_t x = 0; x < sizeof ms / sizeof ms[0]; x += (size_t)step)
            for (size_t y = 0; y < sizeof ns / sizeof ns[0]; y++)
                for (size_t z = 0; z < sizeof ks / sizeof ks[0]; z++) {
                    const bf16_gemm_case tc = {ms[x], ns[y], ks[z], bt, (int)(seed & 1), (int)((seed >> 1) & 1),
                                               (int)(seed % 4), seed % 5 ? 1.0f : -0.5f, seed % 7 ? 1.0f : 0.25f,
                                               (int64_t)(z % 3), 3, seed};
                    seed++;
                    if (cb(&tc, ctx))
                        return;
                }
    static const int64_t big[][3] = {
        {3, 600, 1100}, {37, 530, 1025}, {100, 1030, 70}, {130, 64, 513}, {0, 5, 7}, {5, 0, 7}, {6, 9, 0},
    };
    for (size_t x = 0; x < sizeof big / sizeof big[0]; x++)
        for (int v = 0; v < 4; v++) {
            const bf16_gemm_case tc = {big[x][0], big[x][1], big[x][2], v & 1, v >> 1, v & 1, (int)(x % 4),
                                       1.0f, 0.5f, (int64_t)(x % 2) * 3, 3, seed++};
            if (cb(&tc, ctx))
                return;
        }
}

#endif
