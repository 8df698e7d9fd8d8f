/* Shared checks of the vector math (aio_vmath.h) against double-precision
 * libm, for the Criterion suite (test_vmath.c) and the plain-C aarch64
 * checker (tests/kernels/act_check_main.c).
 *
 * Each variant runs over special values (+-0, denormals, +-inf, NaN,
 * saturation and overflow edges), a dense sweep of the range where the
 * function is not constant, and random bit patterns over all floats, in
 * arrays of odd lengths so every ragged tail is exercised. */
#ifndef AIO_VMATH_TESTER_H
#define AIO_VMATH_TESTER_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_vmath.h"

/* Error bound per function, in ulp of the exact result (aio_vmath.h). erf
 * is bounded in absolute error instead: its rational form loses relative
 * accuracy near its zero crossing only in ulp terms. */
typedef struct vmath_bound {
    const char *name;
    double lo, hi;   /* dense sweep range */
    double max_ulp;  /* 0: use max_abs */
    double max_abs;
} vmath_bound;

static const vmath_bound vmath_bounds[AIO_VM_FUNC_COUNT] = {
    [AIO_VM_EXP] = {"exp", -104.0, 89.0, 2.0, 0},
    [AIO_VM_LOG] = {"log", 0.0, 1e6, 2.0, 0},
    [AIO_VM_TANH] = {"tanh", -10.0, 10.0, 3.0, 0},
    [AIO_VM_ERF] = {"erf", -5.0, 5.0, 0, 4.5e-7},
    [AIO_VM_SIGMOID] = {"sigmoid", -87.0, 30.0, 3.0, 0},
};

static inline double vmath_exact(int func, double x)
{
    switch (func) {
    case AIO_VM_EXP: return exp(x);
    case AIO_VM_LOG: return log(x);
    case AIO_VM_TANH: return tanh(x);
    case AIO_VM_ERF: return erf(x);
    default: return 1.0 / (1.0 + exp(-x));
    }
}

/* Error of got in ulp of the exact value rounded to float (denormal ulp
 * below FLT_MIN); both-NaN and equal infinities count as 0. */
static inline double vmath_ulp_err(float got, double want)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got) ? 0 : INFINITY;
    if (isinf(want) || isinf(got)) {
        float w = (float)want;
        return got == w ? 0 : INFINITY;
    }
    float w = fabsf((float)want);
    double ulp = w < 1.17549435e-38f ? ldexp(1.0, -149) : (double)(nextafterf(w, INFINITY) - w);
    if (isinf(nextafterf(w, INFINITY)))
        ulp = ldexp(1.0, 104);
    return fabs((double)got - want) / ulp;
}

static inline uint32_t vmath_rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Runs one variant over every input class; returns the number of points
 * over the bound (0 = pass) and reports the worst error in *worst (ulp, or
 * absolute for erf) and the first failure in msg. */
static inline int vmath_check(const aio_vmath_variant *v, int quick, double *worst, char *msg, size_t len)
{
    const vmath_bound *b = &vmath_bounds[v->func];
    const size_t dense = quick ? 20000 : 200000, bits = quick ? 20000 : 200000;
    static const float specials[] = {0.f, -0.f, 1e-45f, -1e-45f, 1e-39f, -1e-39f, 1.1754942e-38f, 1.17549435e-38f,
                                     1e-30f, -1e-30f, 1e-7f, -1e-7f, 0.5f, -0.5f, 0.625f, -0.625f, 1.f, -1.f, 2.f,
                                     3.9f, -3.9f, 4.f, -4.f, 4.5f, 9.f, -9.f, 9.1f, 20.f, -20.f, 44.5f, -44.5f,
                                     87.3f, -87.3f, 88.72f, 88.73f, 89.f, -88.72f, -88.73f, -103.9f, -104.f,
                                     -150.f, 1e10f, -1e10f, 3.4e38f, -3.4e38f, INFINITY, -INFINITY, NAN, -NAN};
    const size_t ns = sizeof specials / sizeof specials[0];
    const size_t n = ns + dense + bits;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    memcpy(x, specials, sizeof specials);
    uint32_t st = 0x9e3779b9u ^ (uint32_t)v->func;
    for (size_t i = 0; i < dense; i++)
        x[ns + i] = (float)(b->lo + (b->hi - b->lo) * ((double)vmath_rng(&st) / 4294967296.0));
    for (size_t i = 0; i < bits; i++) {
        uint32_t u = vmath_rng(&st);
        memcpy(&x[ns + dense + i], &u, 4);
    }
    /* Odd chunk lengths: every tail length of every ISA. */
    for (size_t i = 0, c = 1; i < n; i += c, c = c % 37 + 1)
        v->fn(x + i, y + i, i + c <= n ? c : n - i);
    int bad = 0;
    *worst = 0;
    for (size_t i = 0; i < n; i++) {
        const double want = vmath_exact(v->func, (double)x[i]);
        double e;
        int over;
        if (b->max_ulp > 0) {
            e = vmath_ulp_err(y[i], want);
            over = e > b->max_ulp;
            /* sigmoid: 0 is the answer below -88.7 (true value < 1e-38) */
            if (v->func == AIO_VM_SIGMOID && x[i] < -87.f && fabs(y[i] - want) < 1e-37)
                over = 0, e = 0;
        } else {
            e = isnan(want) ? (isnan(y[i]) ? 0 : INFINITY) : fabs((double)y[i] - want);
            over = !(e <= b->max_abs);
        }
        if (over && bad++ == 0)
            snprintf(msg, len, "%s: %s(%a) = %a, want %a (err %g, bound %g)", v->name, b->name, (double)x[i],
                     (double)y[i], want, e, b->max_ulp > 0 ? b->max_ulp : b->max_abs);
        if (!over && e > *worst)
            *worst = e;
    }
    free(x);
    free(y);
    return bad;
}

#endif
