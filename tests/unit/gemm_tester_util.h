/* Helpers shared by the GEMM testers (f32_gemm_tester.h, wgemm_tester.h):
 * a deterministic generator, uneven tile cuts, and the guard band written
 * around C to catch stray stores. Plain C: used by Criterion suites and by
 * the qemu drivers alike. */
#ifndef GEMM_TESTER_UTIL_H
#define GEMM_TESTER_UTIL_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define GEMM_TEST_GUARD 64
#define GEMM_TEST_SENTINEL (-12345.5f)

/* xorshift32, values in [-1, 1). */
static inline float gemm_test_rand(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)((x >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Uneven cut points of [0, n) into at most 3 parts; returns the count. */
static inline int gemm_test_cuts(int64_t n, int tiles, int64_t cut[4])
{
    if (tiles <= 1 || n < 3) {
        cut[0] = 0;
        cut[1] = n;
        return 1;
    }
    cut[0] = 0;
    cut[1] = n * 2 / 7 > 0 ? n * 2 / 7 : 1;
    cut[2] = n * 3 / 5 > cut[1] ? n * 3 / 5 : cut[1] + 1;
    cut[3] = n;
    return 3;
}

/* Element (j, p) of the kernel's effective W = B^T, in double. */
typedef double (*gemm_test_b_at)(const void *ctx, int64_t j, int64_t p);

/* What a GEMM call should have produced: C = alpha * A @ B + beta * S. */
typedef struct gemm_test_expect {
    int64_t m, n, k;
    const float *a;
    int64_t lda;
    gemm_test_b_at b_at;
    const void *b_ctx;
    const float *s; /* NULL: no S */
    int64_t sm, sn;
    const float *s_keep; /* alias: S as it was before C overwrote it (stride ldc) */
    int alias;
    const float *c; /* surrounded by GEMM_TEST_GUARD sentinels; row padding too */
    int64_t ldc;
    float alpha, beta;
} gemm_test_expect;

/* Compares C with a double-precision reference, under an error bound that
 * scales with K and the magnitudes summed; checks that no store landed in
 * the row padding or the guard bands. 0: pass; 1 with msg otherwise. */
static inline int gemm_test_check_c(const gemm_test_expect *e, const char *what, char *msg, size_t len)
{
    const int64_t M = e->m, N = e->n, K = e->k, ldc = e->ldc;
    const float *c = e->c;
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) {
            double acc = 0.0, mag = 0.0;
            for (int64_t p = 0; p < K; p++) {
                const double prod = (double)e->a[i * e->lda + p] * e->b_at(e->b_ctx, j, p);
                acc += prod;
                mag += fabs(prod);
            }
            double sv = 0.0;
            if (e->s && e->beta != 0.0f)
                sv = e->alias ? e->s_keep[i * ldc + j] : e->s[i * e->sm + j * e->sn];
            const double want = (double)e->alpha * acc + (double)e->beta * sv;
            const double tol = FLT_EPSILON * ((double)(K + 2) * fabs((double)e->alpha) * mag +
                                              2.0 * fabs((double)e->beta * sv) + fabs(want)) +
                               1e-30;
            const double got = c[i * ldc + j];
            if (!(fabs(got - want) <= tol)) {
                snprintf(msg, len, "%s: C[%lld][%lld] = %.9g, want %.9g (tol %.3g)", what, (long long)i,
                         (long long)j, got, want, tol);
                return 1;
            }
        }
        for (int64_t j = N; j < ldc; j++)
            if (c[i * ldc + j] != GEMM_TEST_SENTINEL) {
                snprintf(msg, len, "%s: row padding C[%lld][%lld] overwritten", what, (long long)i,
                         (long long)j);
                return 1;
            }
    }
    for (int64_t i = 0; i < GEMM_TEST_GUARD; i++)
        if (c[i - GEMM_TEST_GUARD] != GEMM_TEST_SENTINEL || c[M * ldc + i] != GEMM_TEST_SENTINEL) {
            snprintf(msg, len, "%s: write outside C (guard %lld)", what, (long long)i);
            return 1;
        }
    return 0;
}

#endif
