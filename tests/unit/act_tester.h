/* Shared checks of the activation (aio_act.h) and softmax (aio_softmax.h)
 * kernels, for the Criterion suites (test_act.c, test_softmax.c) and the
 * plain-C aarch64 checker (tests/kernels/act_check_main.c).
 *
 * Activations: every length 0..70 and a few long ones, at odd offsets,
 * out of place and in place; cheap ops must equal the same float formula
 * bit for bit, transcendental ones a double reference within their bound;
 * fp16/bf16 must equal the fp32 kernel's result rounded once.
 * Softmax: row lengths around every vector width, padded rows, special
 * rows (-inf masks, all -inf, +inf, NaN), all dtypes, in place. */
#ifndef AIO_ACT_TESTER_H
#define AIO_ACT_TESTER_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_act.h"
#include "aio_softmax.h"
#include "aio_wgemm.h" /* portable fp16/bf16 conversions */

static inline uint32_t act_rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}
static inline float act_uniform(uint32_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((double)act_rng(s) / 4294967296.0);
}

#define ACT_SLOPE 0.01f
#define ACT_LO -2.5f
#define ACT_HI 6.f

/* The float formula the cheap ops must reproduce exactly (PyTorch's). */
static inline float act_exact_cheap(int op, float x)
{
    switch (op) {
    case AIO_ACT_RELU: return x != x ? x : (x > 0.f ? x : 0.f);
    case AIO_ACT_CLAMP: return x != x ? x : (x < ACT_LO ? ACT_LO : (x > ACT_HI ? ACT_HI : x));
    case AIO_ACT_LEAKY_RELU: return x > 0.f ? x : x * ACT_SLOPE;
    case AIO_ACT_HARDSWISH: {
        float t = x + 3.f;
        t = t != t ? t : (t < 0.f ? 0.f : (t > 6.f ? 6.f : t));
        return x * t / 6.f;
    }
    case AIO_ACT_HARDSIGMOID: {
        float t = x + 3.f;
        t = t != t ? t : (t < 0.f ? 0.f : (t > 6.f ? 6.f : t));
        return t / 6.f;
    }
    }
    return NAN;
}
static inline int act_is_cheap(int op)
{
    return op == AIO_ACT_RELU || op == AIO_ACT_CLAMP || op == AIO_ACT_LEAKY_RELU || op == AIO_ACT_HARDSWISH ||
           op == AIO_ACT_HARDSIGMOID;
}

static inline double act_exact(int op, double x)
{
    switch (op) {
    case AIO_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    /* 0.5 x (1 + tanh(u)) = x sigmoid(2u): the same value, no cancellation */
    case AIO_ACT_GELU_TANH: return x / (1.0 + exp(-2.0 * sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case AIO_ACT_SILU: return x / (1.0 + exp(-x));
    case AIO_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case AIO_ACT_TANH: return tanh(x);
    case AIO_ACT_EXP: return exp(x);
    case AIO_ACT_LOG: return log(x);
    }
    return NAN;
}

static inline double act_ulp(double want)
{
    float w = fabsf((float)want);
    if (w < 1.17549435e-38f)
        return ldexp(1.0, -149);
    return (double)(nextafterf(w, INFINITY) - w);
}

/* Allowed error of the transcendental ops (docs/accuracy.md): a few ulp
 * of the result, plus the input-rounding terms each formula carries (gelu:
 * erf's absolute error times x/2; gelu_tanh: the rounded argument u). */
static inline double act_bound(int op, float x, double want)
{
    const double ax = fabs((double)x);
    switch (op) {
    case AIO_ACT_GELU: return 3 * act_ulp(want) + 2.5e-7 * ax;
    case AIO_ACT_GELU_TANH: {
        double u = 1.6 * ax * (1 + 0.045 * ax * ax);
        /* e^-2u overflows below x ~ -10: 0 instead of a value < 1e-36 */
        return (4 + 2 * u) * act_ulp(want) + (fabs(want) < 1e-36 ? 1e-36 : 0);
    }
    case AIO_ACT_SILU: return 4 * act_ulp(want) + (x < -87.f ? 1e-36 : 0);
    case AIO_ACT_SIGMOID: return 3 * act_ulp(want) + (x < -87.f ? 1e-37 : 0);
    case AIO_ACT_EXP:
    case AIO_ACT_LOG: return 2 * act_ulp(want);
    default: return 3 * act_ulp(want);
    }
}

static inline size_t act_dt_size(int dt) { return dt == AIO_DT_F32 ? 4 : 2; }

static inline void act_params(int op, aio_act_args *a)
{
    a->p0 = op == AIO_ACT_CLAMP ? ACT_LO : ACT_SLOPE;
    a->p1 = ACT_HI;
}

static inline void act_fill(float *x, size_t n, uint32_t *st)
{
    static const float sp[] = {0.f, -0.f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, 3.f, -3.f, 6.f, -2.5f,
                               88.f, -88.f, -100.f, 100.f, 1e30f, -1e30f, 10.f, -10.f};
    for (size_t i = 0; i < n; i++) {
        uint32_t r = act_rng(st);
        if (r % 11 == 0)
            x[i] = sp[r / 11 % (sizeof sp / sizeof sp[0])];
        else
            x[i] = act_uniform(st, -12.f, 12.f);
    }
}

/* One fp32 check of x[0..n): out of place, then in place bit-identical. */
static inline int act_check_f32(const aio_act_variant *v, const float *x, size_t n, char *msg, size_t len)
{
    float *y = malloc((n + 1) * 4), *z = malloc((n + 1) * 4);
    memcpy(z, x, n * 4);
    aio_act_args a = {x, y, AIO_DT_F32, 0, 0};
    act_params(v->op, &a);
    v->fn(&a, 0, n);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        if (act_is_cheap(v->op)) {
            const float want = act_exact_cheap(v->op, x[i]);
            if (!(memcmp(&want, &y[i], 4) == 0 || (want != want && y[i] != y[i]) ||
                  (want == 0.f && y[i] == 0.f))) {
                snprintf(msg, len, "%s(%a) = %a, want %a (n=%zu i=%zu)", v->name, (double)x[i], (double)y[i],
                         (double)want, n, i);
                bad = 1;
            }
        } else {
            const double want = act_exact(v->op, (double)x[i]);
            const int ok = isnan(want) ? isnan(y[i])
                           : isinf((float)want) ? y[i] == (float)want
                                         : fabs((double)y[i] - want) <= act_bound(v->op, x[i], want);
            if (!ok) {
                snprintf(msg, len, "%s(%a) = %a, want %a (err %g, bound %g; n=%zu i=%zu)", v->name, (double)x[i],
                         (double)y[i], want, fabs((double)y[i] - want), act_bound(v->op, x[i], want), n, i);
                bad = 1;
            }
        }
    }
    a.x = z, a.y = z;
    v->fn(&a, 0, n);
    if (!bad && n && memcmp(z, y, n * 4) != 0) {
        snprintf(msg, len, "%s: in place differs (n=%zu)", v->name, n);
        bad = 1;
    }
    free(y);
    free(z);
    return bad;
}

/* 16-bit: x16 widened, run through the fp32 kernel, rounded once, must
 * equal the kernel's 16-bit output bit for bit (NaN: any NaN). */
static inline int act_check_16(const aio_act_variant *v, int dt, const float *xf, size_t n, char *msg, size_t len)
{
    uint16_t *x = malloc((n + 1) * 2), *y = malloc((n + 1) * 2);
    float *w = malloc((n + 1) * 4), *wy = malloc((n + 1) * 4);
    for (size_t i = 0; i < n; i++) {
        x[i] = dt == AIO_DT_F16 ? aio_f32_to_f16(xf[i]) : aio_f32_to_bf16(xf[i]);
        w[i] = dt == AIO_DT_F16 ? aio_f16_to_f32(x[i]) : aio_bf16_to_f32(x[i]);
    }
    aio_act_args a = {w, wy, AIO_DT_F32, 0, 0};
    act_params(v->op, &a);
    v->fn(&a, 0, n);
    a.x = x, a.y = y, a.dt = dt;
    v->fn(&a, 0, n);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const uint16_t want = dt == AIO_DT_F16 ? aio_f32_to_f16(wy[i]) : aio_f32_to_bf16(wy[i]);
        const float fw = dt == AIO_DT_F16 ? aio_f16_to_f32(want) : aio_bf16_to_f32(want);
        const float fg = dt == AIO_DT_F16 ? aio_f16_to_f32(y[i]) : aio_bf16_to_f32(y[i]);
        if (want != y[i] && !(fw != fw && fg != fg)) {
            snprintf(msg, len, "%s %s(%a) = 0x%04x, want 0x%04x (n=%zu i=%zu)", v->name,
                     dt == AIO_DT_F16 ? "f16" : "bf16", (double)w[i], y[i], want, n, i);
            bad = 1;
        }
    }
    free(x);
    free(y);
    free(w);
    free(wy);
    return bad;
}

/* All lengths and dtypes for one variant; returns failures, first in msg. */
static inline int act_check_variant(const aio_act_variant *v, int quick, char *msg, size_t len)
{
    static const size_t longs[] = {255, 256, 257, 1000, 4099};
    uint32_t st = 0x1234567u + (uint32_t)v->op;
    float *x = malloc(4100 * 4 + 64);
    int bad = 0;
    for (size_t n = 0; n < 71 + 5 && !bad; n++) {
        size_t len_n = n < 71 ? n : longs[n - 71];
        if (quick && len_n > 300)
            continue;
        act_fill(x + 1, len_n, &st); /* odd offset: unaligned */
        bad += act_check_f32(v, x + 1, len_n, msg, len);
        if (!bad)
            bad += act_check_16(v, AIO_DT_F16, x + 1, len_n, msg, len);
        if (!bad)
            bad += act_check_16(v, AIO_DT_BF16, x + 1, len_n, msg, len);
    }
    /* A sub-range leaves everything outside it alone. */
    if (!bad) {
        float y[40];
        for (int i = 0; i < 40; i++)
            x[i] = (float)i - 20.f, y[i] = 123.f;
        aio_act_args a = {x, y, AIO_DT_F32, 0, 0};
        act_params(v->op, &a);
        v->fn(&a, 3, 37);
        for (int i = 0; i < 40; i++)
            if ((i < 3 || i >= 37) && y[i] != 123.f && !bad++)
                snprintf(msg, len, "%s wrote outside [3, 37) at %d", v->name, i);
    }
    free(x);
    return bad;
}

/* ---- softmax ---- */

static inline float sm_get(int dt, const void *p, size_t i)
{
    if (dt == AIO_DT_F16)
        return aio_f16_to_f32(((const uint16_t *)p)[i]);
    if (dt == AIO_DT_BF16)
        return aio_bf16_to_f32(((const uint16_t *)p)[i]);
    return ((const float *)p)[i];
}
static inline void sm_put(int dt, void *p, size_t i, float v)
{
    if (dt == AIO_DT_F16)
        ((uint16_t *)p)[i] = aio_f32_to_f16(v);
    else if (dt == AIO_DT_BF16)
        ((uint16_t *)p)[i] = aio_f32_to_bf16(v);
    else
        ((float *)p)[i] = v;
}

/* Row kinds: 0 random, 1 some -inf (attention mask), 2 all -inf,
 * 3 one +inf, 4 one NaN, 5 wide range (exp underflows for most). */
static inline void sm_fill_row(float *x, size_t n, int kind, uint32_t *st)
{
    for (size_t j = 0; j < n; j++)
        x[j] = kind == 5 ? act_uniform(st, -200.f, 30.f) : act_uniform(st, -8.f, 8.f);
    if (kind == 1)
        for (size_t j = 0; j < n; j++)
            if (j % 3 == 1 || j >= n / 2 + 1)
                x[j] = -INFINITY;
    if (kind == 2)
        for (size_t j = 0; j < n; j++)
            x[j] = -INFINITY;
    if (kind == 3)
        x[act_rng(st) % n] = INFINITY;
    if (kind == 4)
        x[act_rng(st) % n] = NAN;
}

/* Checks one (rows x cols) case; ldx/ldy pad rows. Returns 0 or 1. */
static inline int sm_check_case(const aio_softmax_variant *v, int dt, size_t rows, size_t cols, size_t pad,
                                int inplace, uint32_t *st, char *msg, size_t len)
{
    const size_t ld = cols + pad, es = dt == AIO_DT_F32 ? 4 : 2;
    float *xf = malloc(rows * ld * 4 + 4);
    void *x = malloc(rows * ld * es + 4), *y = inplace ? x : malloc(rows * ld * es + 4);
    for (size_t r = 0; r < rows; r++) {
        sm_fill_row(xf + r * ld, cols, (int)((r + cols) % 6), st);
        for (size_t j = 0; j < ld; j++) {
            if (j >= cols)
                xf[r * ld + j] = 777.f; /* padding must stay */
            sm_put(dt, x, r * ld + j, xf[r * ld + j]);
            xf[r * ld + j] = sm_get(dt, x, r * ld + j); /* the value the kernel sees */
            if (!inplace)
                sm_put(dt, y, r * ld + j, 777.f);
        }
    }
    aio_softmax_args a = {x, y, dt, dt, (int64_t)cols, (int64_t)ld, (int64_t)ld};
    v->fn(&a, 0, (int64_t)rows);
    /* fp32 rounding of the terms, the sum and the final scaling; 16-bit
     * outputs add one rounding of their own */
    const double tol = dt == AIO_DT_F32 ? 4e-6 : dt == AIO_DT_F16 ? 1.5e-3 : 1.2e-2;
    int bad = 0;
    for (size_t r = 0; r < rows && !bad; r++) {
        const float *xr = xf + r * ld;
        double m = -INFINITY, s = 0;
        int has_nan = 0;
        for (size_t j = 0; j < cols; j++) {
            has_nan |= xr[j] != xr[j];
            if (xr[j] > m)
                m = xr[j];
        }
        const int nan_row = has_nan || m == INFINITY || m == -INFINITY;
        for (size_t j = 0; j < cols; j++)
            s += exp((double)xr[j] - m);
        for (size_t j = 0; j < ld && !bad; j++) {
            const double got = sm_get(dt, y, r * ld + j);
            double want, err_ok;
            if (j >= cols) {
                float pad_val[1];
                sm_put(dt, pad_val, 0, 777.f); /* 777 as this dtype stores it */
                want = sm_get(dt, pad_val, 0), err_ok = got == want;
            } else if (nan_row) {
                want = NAN, err_ok = isnan(got);
            } else if (v->log) {
                want = ((double)xr[j] - m) - log(s);
                err_ok = isinf(want) ? got == want : fabs(got - want) <= tol * (1 + fabs(want)) + 2e-7 * fabs(m);
            } else {
                want = exp((double)xr[j] - m) / s;
                /* fp16 flushes below its smallest denormal (6e-8) */
                err_ok = fabs(got - want) <= tol * want + (dt == AIO_DT_F16 ? 6e-8 : 1e-37);
            }
            if (!err_ok) {
                snprintf(msg, len, "%s dt=%d rows=%zu cols=%zu pad=%zu inplace=%d: y[%zu][%zu] = %.9g, want %.9g",
                         v->name, dt, rows, cols, pad, inplace, r, j, got, want);
                bad = 1;
            }
        }
    }
    free(xf);
    free(x);
    if (!inplace)
        free(y);
    return bad;
}

static inline int sm_check_variant(const aio_softmax_variant *v, int quick, char *msg, size_t len)
{
    static const size_t cols_list[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 128, 1000, 4096, 5000};
    uint32_t st = 0xabcdefu + (uint32_t)v->log;
    int bad = 0;
    for (size_t c = 0; c < sizeof cols_list / sizeof cols_list[0] && !bad; c++) {
        const size_t cols = cols_list[c];
        if (quick && cols > 128)
            continue;
        for (int dt = 0; dt < 3 && !bad; dt++)
            for (int inplace = 0; inplace < 2 && !bad; inplace++)
                bad += sm_check_case(v, dt, cols > 200 ? 3 : 7, cols, inplace ? 0 : 5, inplace, &st, msg, len);
    }
    return bad;
}

#endif
