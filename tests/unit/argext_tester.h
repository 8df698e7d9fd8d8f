/* Shared checks of the arg-extreme kernels (aio_argext.h), for Criterion
 * (test_argext.c) and the plain-C aarch64 checker (argext_check_main.c).
 *
 * Each variant runs on rows of every length 1..70 and around 1024 (every
 * lane count's tail), padded rows (ldx > cols), strided outputs, and rows
 * planted with ties, -0.0/+0.0, +-inf and NaNs (first, middle, tail, and
 * all), against a double-precision scan written out here. */
#ifndef AIO_ARGEXT_TESTER_H
#define AIO_ARGEXT_TESTER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_argext.h"

static uint16_t ae_t_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
static double ae_t_get(const void *x, int bf16, int64_t i)
{
    if (!bf16) return ((const float *)x)[i];
    uint32_t u = (uint32_t)((const uint16_t *)x)[i] << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* First NaN, else first index of the extreme value. */
static int64_t ae_t_expect(const void *x, int bf16, int64_t n, int op)
{
    int64_t bi = 0;
    for (int64_t j = 0; j < n; j++)
        if (isnan(ae_t_get(x, bf16, j))) return j;
    for (int64_t j = 1; j < n; j++) {
        double v = ae_t_get(x, bf16, j), b = ae_t_get(x, bf16, bi);
        if (op == AIO_ARGEXT_MAX ? v > b : v < b) bi = j;
    }
    return bi;
}

static uint32_t ae_t_seed = 12345;
static float ae_t_rand(void)
{
    ae_t_seed = ae_t_seed * 1664525u + 1013904223u;
    return (float)((ae_t_seed >> 8) & 0xffff) / 4096.0f - 8.0f; /* coarse: ties happen */
}

/* Pattern p of a row of n: 0 random, 1 all equal, 2 -0.0/+0.0 only, 3 one
 * +inf, 4 one -inf, 5 all -inf, 6 all +inf, 7 NaN first, 8 NaN in the middle,
 * 9 NaN last, 10 all NaN, 11 two NaNs, 12 increasing, 13 decreasing. */
#define AE_T_PATTERNS 14
static float ae_t_value(int p, int64_t j, int64_t n)
{
    const float inf = INFINITY;
    switch (p) {
    case 1: return 2.5f;
    case 2: return (j * 7 % 3) ? 0.0f : -0.0f;
    case 3: return j == n / 2 ? inf : ae_t_rand();
    case 4: return j == n / 3 ? -inf : ae_t_rand();
    case 5: return -inf;
    case 6: return inf;
    case 7: return j == 0 ? NAN : ae_t_rand();
    case 8: return j == n / 2 ? NAN : ae_t_rand();
    case 9: return j == n - 1 ? NAN : ae_t_rand();
    case 10: return NAN;
    case 11: return (j == n - 1 || j == (n * 2) / 3) ? NAN : ae_t_rand();
    case 12: return (float)j;
    case 13: return (float)-j;
    default: return ae_t_rand();
    }
}

/* Returns the number of failures; the first one is described in msg. */
static int ae_check_variant(const aio_argext_variant *v, int quick, char *msg, size_t msglen)
{
    const int bf16 = v->dt == AIO_ARGEXT_BF16, esz = bf16 ? 2 : 4;
    int64_t lens[96];
    int nl = 0;
    for (int64_t n = 1; n <= 70; n++) lens[nl++] = n;
    for (int64_t n = 1020; n <= 1030; n++) lens[nl++] = n;
    if (!quick) lens[nl++] = 32000;
    int fails = 0;
    for (int li = 0; li < nl; li++) {
        const int64_t n = lens[li], rows = 3, ldx = n + 5, ldo = 2;
        char *x = malloc((size_t)(rows * ldx) * esz);
        char *val = malloc((size_t)(rows * ldo) * esz);
        int64_t *idx = malloc((size_t)(rows * ldo) * sizeof(int64_t));
        for (int p = 0; p < AE_T_PATTERNS; p++) {
            for (int64_t k = 0; k < rows * ldx; k++) {
                /* padding holds values that would win if read */
                float f = (k % ldx) < n ? ae_t_value(p, k % ldx, n) : (v->op == AIO_ARGEXT_MAX ? 1e30f : -1e30f);
                if (bf16)
                    ((uint16_t *)x)[k] = ae_t_bf16(f);
                else
                    ((float *)x)[k] = f;
            }
            for (int64_t k = 0; k < rows * ldo; k++) idx[k] = -7;
            aio_argext_args a = {x, val, idx, n, ldx, ldo, ldo};
            /* rows 1..2 only: begin/end must be honoured */
            v->fn(&a, 1, rows);
            for (int64_t r = 0; r < rows; r++) {
                const char *row = x + r * ldx * esz;
                int64_t want = r == 0 ? -7 : ae_t_expect(row, bf16, n, v->op);
                int ok = idx[r * ldo] == want;
                if (ok && r > 0) ok = memcmp(val + r * ldo * esz, row + want * esz, esz) == 0;
                if (ok && idx[r * ldo + 1] != -7) ok = 0; /* wrote between strided outputs */
                if (!ok) {
                    if (!fails)
                        snprintf(msg, msglen, "%s: cols %lld pattern %d row %lld: index %lld, want %lld", v->name,
                                 (long long)n, p, (long long)r, (long long)idx[r * ldo], (long long)want);
                    fails++;
                }
            }
        }
        /* NULL val: indices only (argmax) */
        aio_argext_args a = {x, NULL, idx, n, ldx, 0, 1};
        v->fn(&a, 0, 1);
        if (idx[0] != ae_t_expect(x, bf16, n, v->op)) {
            if (!fails) snprintf(msg, msglen, "%s: cols %lld without values: wrong index", v->name, (long long)n);
            fails++;
        }
        free(x);
        free(val);
        free(idx);
    }
    return fails;
}

#endif
