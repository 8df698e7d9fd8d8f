/* Checks of the shared norm statistics (aio_moments.h), shared by the
 * Criterion suite (tests/unit/test_moments.c) and the plain-C aarch64
 * checker (tests/kernels/norm_rope_check_main.c). Every case returns the
 * number of wrong values and logs the first few through ROW_LOG_ERROR. */
#ifndef AIO_MOMENTS_TESTER_H
#define AIO_MOMENTS_TESTER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "aio_moments.h"
#include "aio_norm.h"
#include "row_tester.h"

#ifndef ROW_LOG_ERROR
#define ROW_LOG_ERROR(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#endif

static const int64_t mom_sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1000, 2047, 2048, 2049, 4097, 9000};
#define MOM_NSIZES (sizeof mom_sizes / sizeof mom_sizes[0])

/* count segments of len values, offset + spread * U[-2,2), stride len + 3;
 * mean and variance against float64. */
static inline int mom_random_case(const aio_f32_stats_variant *v, int64_t len, int64_t count, float offset, float spread)
{
    const int64_t stride = len + 3, total = stride * count;
    float *x = malloc(sizeof(float) * (size_t)total);
    unsigned st = (unsigned)(len * 131 + count * 7 + (int)offset + 1);
    for (int64_t i = 0; i < total; i++) x[i] = offset + spread * row_rand(&st);
    double mu = 0, var = 0;
    for (int64_t j = 0; j < count; j++)
        for (int64_t i = 0; i < len; i++) mu += x[j * stride + i];
    const double n = (double)(len * count);
    mu /= n;
    for (int64_t j = 0; j < count; j++)
        for (int64_t i = 0; i < len; i++) var += (x[j * stride + i] - mu) * (x[j * stride + i] - mu);
    var /= n;
    float m = -1, s = -1;
    v->moments(x, len, count, stride, &m, &s);
    int bad = 0;
    /* The mean to one fp32 rounding plus 1e-6 of the spread; the variance
     * to 1e-5 relative plus what fp32 rounding of the mean leaves. */
    const double mtol = fabs(mu) * 0x1p-23 + 1e-6 * spread;
    if (!(fabs(m - mu) <= mtol) && bad++ < 3)
        ROW_LOG_ERROR("%s len=%ld count=%ld off=%g: mean %.9g want %.9g", v->name, (long)len, (long)count, offset, m, mu);
    if (!(fabs(s - var) <= 1e-5 * var + 1e-12 * spread * spread) && bad++ < 3)
        ROW_LOG_ERROR("%s len=%ld count=%ld off=%g: var %.9g want %.9g", v->name, (long)len, (long)count, offset, s, var);
    free(x);
    return bad;
}

/* Constant rows: mean is the value exactly, var exactly 0. */
static inline int mom_constant_case(const aio_f32_stats_variant *v, int64_t len, float value)
{
    float *x = malloc(sizeof(float) * (size_t)(len * 2));
    for (int64_t i = 0; i < len * 2; i++) x[i] = value;
    float m = -1, s = -1;
    int bad = 0;
    for (int64_t count = 1; count <= 2; count++) {
        v->moments(x, len / count, count, len / count, &m, &s);
        if (len / count > 0 && (m != value || s != 0.f) && bad++ < 3)
            ROW_LOG_ERROR("%s constant %g len=%ld: mean %.9g var %g", v->name, value, (long)len, m, s);
    }
    free(x);
    return bad;
}

/* apply and apply_ch against float64, x == m exactly t. */
static inline int mom_apply_case(const aio_f32_stats_variant *v, int64_t n)
{
    const int64_t c = n, pixels = 3;
    float *x = malloc(sizeof(float) * (size_t)(c * pixels + 4)), *y = malloc(sizeof(float) * (size_t)(c * pixels + 4));
    float *m = malloc(sizeof(float) * (size_t)c), *s = malloc(sizeof(float) * (size_t)c), *t = malloc(sizeof(float) * (size_t)c);
    unsigned st = (unsigned)(n * 17 + 3);
    for (int64_t i = 0; i < c * pixels + 4; i++) x[i] = 100.f + row_rand(&st), y[i] = -777.f;
    for (int64_t j = 0; j < c; j++) m[j] = 100.f + row_rand(&st), s[j] = row_rand(&st) * 10, t[j] = row_rand(&st);
    x[0] = m[0];
    int bad = 0;
    v->apply(x, y, n, m[0], s[0], t[0]);
    for (int64_t i = 0; i < n; i++) {
        const double want = ((double)x[i] - m[0]) * s[0] + t[0];
        if (!(fabs(y[i] - want) <= 1e-6 * (fabs(s[0]) * 4 + fabs(t[0]))) && bad++ < 3)
            ROW_LOG_ERROR("%s apply n=%ld [%ld]: %g want %g", v->name, (long)n, (long)i, y[i], want);
    }
    if (y[0] != t[0] && bad++ < 3) ROW_LOG_ERROR("%s apply: x == m gives %g, not t = %g", v->name, y[0], t[0]);
    if (y[n] != -777.f && bad++ < 3) ROW_LOG_ERROR("%s apply n=%ld wrote past the end", v->name, (long)n);
    v->apply_ch(x, y, c, pixels, m, s, t);
    for (int64_t p = 0; p < pixels; p++)
        for (int64_t j = 0; j < c; j++) {
            const double want = ((double)x[p * c + j] - m[j]) * s[j] + t[j];
            const double got = y[p * c + j];
            if (!(fabs(got - want) <= 1e-6 * (fabs(s[j]) * 4 + fabs(t[j]))) && bad++ < 3)
                ROW_LOG_ERROR("%s apply_ch c=%ld [%ld][%ld]: %g want %g", v->name, (long)c, (long)p, (long)j, got, want);
        }
    if (y[c * pixels] != -777.f && bad++ < 3) ROW_LOG_ERROR("%s apply_ch c=%ld wrote past the end", v->name, (long)c);
    free(x), free(y), free(m), free(s), free(t);
    return bad;
}

static inline int moments_variant_check(const aio_f32_stats_variant *v)
{
    static const float consts[] = {0.f, 0.1f, -3.3f, 1e4f + 0.7f, 1e-30f, 65504.f, 3e38f};
    int bad = 0;
    for (size_t k = 0; k < MOM_NSIZES; k++) {
        const int64_t n = mom_sizes[k];
        bad += mom_random_case(v, n, 1, 0.f, 1.f);
        bad += mom_random_case(v, n, 1, 1e4f, 1.f);  /* mean >> spread */
        bad += mom_random_case(v, n, 1, -300.f, 1e-3f);
        bad += mom_random_case(v, n, 3, 50.f, 1.f);  /* segments (BatchNorm over N) */
        for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++) bad += mom_constant_case(v, n, consts[c]);
        bad += mom_apply_case(v, n);
    }
    return bad;
}

/* LayerNorm over constant rows with unit weight and zero bias is exactly
 * 0 (what padding tokens produce), and one-element rows give the bias. */
static inline int ln_exact_check(const aio_norm_variant *v)
{
    int bad = 0;
    static const float consts[] = {0.1f, -7.25f, 1234.567f, 3e4f};
    for (size_t k = 0; k < MOM_NSIZES; k++) {
        const int64_t n = mom_sizes[k];
        float *x = malloc(sizeof(float) * (size_t)n), *y = malloc(sizeof(float) * (size_t)n);
        float *w = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n);
        for (int64_t i = 0; i < n; i++) w[i] = 1.f, b[i] = 0.f;
        for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++) {
            for (int64_t i = 0; i < n; i++) x[i] = consts[c];
            float mean, rstd;
            aio_layernorm_args a = {n, x, n, w, b, y, n, &mean, &rstd, 1e-5f};
            ((aio_layernorm_fn)v->fn)(&a, 0, 1);
            for (int64_t i = 0; i < n; i++)
                if (y[i] != 0.f && bad++ < 3) ROW_LOG_ERROR("%s constant %g n=%ld [%ld]: %g", v->name, consts[c], (long)n, (long)i, y[i]);
            if (mean != consts[c] && bad++ < 3) ROW_LOG_ERROR("%s constant %g: mean %.9g", v->name, consts[c], mean);
        }
        free(x), free(y), free(w), free(b);
    }
    float x1 = 5.5f, y1 = 0, w1 = 3.f, b1 = -0.25f, mean, rstd;
    aio_layernorm_args a = {1, &x1, 1, &w1, &b1, &y1, 1, &mean, &rstd, 1e-5f};
    ((aio_layernorm_fn)v->fn)(&a, 0, 1);
    if ((y1 != b1 || mean != x1) && bad++ < 3) ROW_LOG_ERROR("%s one element: y %g mean %g", v->name, y1, mean);
    return bad;
}

#endif
