/* Helpers shared by the GEMM testers (f32_gemm_tester.h, wgemm_tester.h):
 * a deterministic generator, uneven tile cuts, and the guard band written
 * around C to catch stray stores. Plain C: used by Criterion suites and by
 * the qemu drivers alike. */
#ifndef GEMM_TESTER_UTIL_H
#define GEMM_TESTER_UTIL_H

#include <stdint.h>

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

#endif
