/* The norm and RoPE kernel checks, shared by the Criterion suites
 * (tests/unit/test_norm.c, test_rope.c) and the plain-C aarch64 checker
 * (tests/kernels/norm_rope_check_main.c): every case returns the number of
 * wrong values and logs the first few through ROW_LOG_ERROR. */
#ifndef AIO_NORM_ROPE_TESTER_H
#define AIO_NORM_ROPE_TESTER_H

#include <stdio.h>

#include "aio_rope.h"
#include "row_tester.h"

#ifndef ROW_LOG_ERROR
#define ROW_LOG_ERROR(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#endif

static const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 767, 768, 1000, 4097};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define ROWS 3
#define PAD 5 /* elements of guard band after each row */

/* One case; returns the number of wrong elements (logged). */
static inline int rms_case(const aio_norm_variant *v, int dt, int64_t n, int with_w, int in_place, float scale)
{
    const size_t esz = row_esz[dt];
    const int64_t ld = n + PAD;
    unsigned st = (unsigned)(n * 7919 + with_w * 31 + in_place * 17 + 1);
    unsigned char *x = malloc((size_t)(ROWS * ld) * esz), *y = malloc((size_t)(ROWS * ld) * esz);
    unsigned char *w = malloc((size_t)n * esz);
    for (int64_t i = 0; i < ROWS * ld; i++) row_set(dt, x, i, row_rand(&st) * scale);
    for (int64_t i = 0; i < n; i++) row_set(dt, w, i, row_rand(&st));
    memset(y, 0xA5, (size_t)(ROWS * ld) * esz);
    unsigned char *x_copy = malloc((size_t)(ROWS * ld) * esz);
    memcpy(x_copy, x, (size_t)(ROWS * ld) * esz);
    const float eps = 1e-6f;
    aio_rmsnorm_args a = {n, x, ld, with_w ? w : NULL, in_place ? x : y, ld, eps};
    ((aio_rmsnorm_fn)v->fn)(&a, 0, ROWS);
    const unsigned char *out = in_place ? x : y;
    int bad = 0;
    for (int64_t r = 0; r < ROWS; r++) {
        double ss = 0;
        for (int64_t i = 0; i < n; i++) {
            double xv = row_get(dt, x_copy, r * ld + i);
            ss += xv * xv;
        }
        const double s = 1.0 / sqrt(ss / (double)n + (double)eps);
        for (int64_t i = 0; i < n; i++) {
            const double wv = with_w ? row_get(dt, w, i) : 1.0;
            const double want = row_get(dt, x_copy, r * ld + i) * s * wv;
            const double got = row_get(dt, out, r * ld + i);
            if (!(fabs(got - want) <= row_tolerance(dt, want, 2.0 * fabs(wv), 1e-5)) && bad++ < 3)
                ROW_LOG_ERROR("%s n=%ld w=%d inplace=%d row %ld [%ld]: got %g want %g", v->name, (long)n, with_w,
                             in_place, (long)r, (long)i, got, want);
        }
        /* The guard band after each row is untouched. */
        const unsigned char *band = in_place ? x_copy : NULL;
        for (int64_t i = n; i < ld; i++) {
            const unsigned char *p = out + (size_t)(r * ld + i) * esz;
            int same = band ? !memcmp(p, band + (size_t)(r * ld + i) * esz, esz) : p[0] == 0xA5 && p[1] == 0xA5;
            if (!same && bad++ < 3) ROW_LOG_ERROR("%s n=%ld: wrote past the row at [%ld][%ld]", v->name, (long)n, (long)r, (long)i);
        }
    }
    free(x), free(y), free(w), free(x_copy);
    return bad;
}

static inline int ln_case(const aio_norm_variant *v, int64_t n, int with_wb, int in_place, float offset)
{
    const int64_t ld = n + PAD;
    unsigned st = (unsigned)(n * 104729 + with_wb + 1);
    float *x = malloc(sizeof(float) * (size_t)(ROWS * ld)), *y = malloc(sizeof(float) * (size_t)(ROWS * ld));
    float *x_copy = malloc(sizeof(float) * (size_t)(ROWS * ld));
    float *w = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n);
    float mean[ROWS], rstd[ROWS];
    /* offset >> spread: the variance must not come out of a cancellation. */
    for (int64_t i = 0; i < ROWS * ld; i++) x[i] = offset + row_rand(&st);
    for (int64_t i = 0; i < n; i++) w[i] = row_rand(&st), b[i] = row_rand(&st);
    for (int64_t i = 0; i < ROWS * ld; i++) y[i] = -777.f;
    memcpy(x_copy, x, sizeof(float) * (size_t)(ROWS * ld));
    float *out = in_place ? x : y;
    aio_layernorm_args a = {n, x, ld, with_wb ? w : NULL, with_wb ? b : NULL, out, ld, mean, rstd, 1e-5f};
    ((aio_layernorm_fn)v->fn)(&a, 0, ROWS);
    int bad = 0;
    for (int64_t r = 0; r < ROWS; r++) {
        const float *xr = x_copy + r * ld;
        double mu = 0, var = 0;
        for (int64_t i = 0; i < n; i++) mu += xr[i];
        mu /= (double)n;
        for (int64_t i = 0; i < n; i++) var += (xr[i] - mu) * (xr[i] - mu);
        var /= (double)n;
        const double rs = 1.0 / sqrt(var + 1e-5);
        /* fp32 inputs near `offset` carry |offset| * 2^-24 of rounding
         * relative to the spread: the reference sees the same inputs, so
         * only summation error remains. */
        const double tol_scale = 1e-5 * (1.0 + fabs(offset) * rs);
        if (fabs(mean[r] - mu) > 1e-5 * (fabs(mu) + 1) && bad++ < 3)
            ROW_LOG_ERROR("%s n=%ld mean %g want %g", v->name, (long)n, mean[r], mu);
        if (fabs(rstd[r] - rs) > 1e-4 * rs + 1e-6 && bad++ < 3)
            ROW_LOG_ERROR("%s n=%ld rstd %g want %g", v->name, (long)n, rstd[r], rs);
        for (int64_t i = 0; i < n; i++) {
            double want = (xr[i] - mu) * rs;
            if (with_wb) want = want * w[i] + b[i];
            const double got = out[r * ld + i];
            if (!(fabs(got - want) <= tol_scale * 4 * (1 + fabs(want))) && bad++ < 3)
                ROW_LOG_ERROR("%s n=%ld wb=%d off=%g [%ld][%ld]: got %g want %g", v->name, (long)n, with_wb, offset,
                             (long)r, (long)i, got, want);
        }
        for (int64_t i = n; i < ld; i++)
            if (out[r * ld + i] != (in_place ? x_copy[r * ld + i] : -777.f) && bad++ < 3)
                ROW_LOG_ERROR("%s n=%ld: wrote past the row", v->name, (long)n);
    }
    free(x), free(y), free(x_copy), free(w), free(b);
    return bad;
}

static const int64_t halves[] = {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64};
#define NHALVES (sizeof halves / sizeof halves[0])
#define MAXPOS 300

static inline int rope_case(const aio_rope_variant *v, int dt, int64_t half, int transposed, const float *cos_t,
                     const float *sin_t)
{
    const int64_t B = 2, H = 3, S = 5, D = 2 * half;
    const size_t esz = row_esz[dt];
    /* Stored as [B][S][H][D] (what a q_proj view gives) or [B][H][S][D],
     * with 3 padding elements after each head vector. */
    const int64_t dp = D + 3;
    int64_t xs_b, xs_h, xs_s;
    if (transposed) xs_h = dp, xs_s = H * dp, xs_b = S * H * dp;
    else xs_s = dp, xs_h = S * dp, xs_b = H * S * dp;
    unsigned st = (unsigned)(half * 31 + transposed + 7);
    const int64_t total = B * H * S * dp;
    unsigned char *x = malloc((size_t)total * esz), *y = malloc((size_t)(B * H * S * D + 8) * esz);
    for (int64_t i = 0; i < total; i++) row_set(dt, x, i, row_rand(&st));
    memset(y, 0xA5, (size_t)(B * H * S * D + 8) * esz);
    int64_t pos[2 * 5];
    for (int i = 0; i < B * S; i++) pos[i] = (int64_t)((st = st * 1103515245u + 12345u) >> 8) % MAXPOS;
    aio_rope_args a = {B, H, S, half, x, xs_b, xs_h, xs_s, y, pos, cos_t, sin_t};
    v->fn(&a, 0, B * H * S);
    int bad = 0;
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t s = 0; s < S; s++) {
                const int64_t xo = b * xs_b + h * xs_h + s * xs_s, yo = ((b * H + h) * S + s) * D;
                const int64_t p = pos[b * S + s];
                for (int64_t i = 0; i < half; i++) {
                    const double c = cos_t[p * half + i], sn = sin_t[p * half + i];
                    const double x1 = row_get(dt, x, xo + i), x2 = row_get(dt, x, xo + i + half);
                    const double w1 = x1 * c - x2 * sn, w2 = x2 * c + x1 * sn;
                    const double g1 = row_get(dt, y, yo + i), g2 = row_get(dt, y, yo + i + half);
                    if ((!(fabs(g1 - w1) <= row_tolerance(dt, w1, 4.0, 1e-6)) ||
                         !(fabs(g2 - w2) <= row_tolerance(dt, w2, 4.0, 1e-6))) &&
                        bad++ < 3)
                        ROW_LOG_ERROR("%s half=%ld tr=%d (%ld,%ld,%ld)[%ld]: got %g,%g want %g,%g", v->name, (long)half,
                                     transposed, (long)b, (long)h, (long)s, (long)i, g1, g2, w1, w2);
                }
            }
    const unsigned char *end = y + (size_t)(B * H * S * D) * esz;
    for (size_t i = 0; i < 8 * esz; i++)
        if (end[i] != 0xA5 && bad++ < 3) ROW_LOG_ERROR("%s half=%ld: wrote past the output", v->name, (long)half);
    free(x), free(y);
    return bad;
}


/* Every case of one variant; returns the number of wrong values. */
static inline int rms_variant_check(const aio_norm_variant *v, int dt)
{
    int bad = 0;
    for (size_t s = 0; s < NSIZES; s++)
        for (int with_w = 0; with_w < 2; with_w++)
            for (int in_place = 0; in_place < 2; in_place++)
                bad += rms_case(v, dt, sizes[s], with_w, in_place, s % 3 == 0 ? 1e-3f : s % 3 == 1 ? 1.f : 50.f);
    return bad;
}

static inline int ln_variant_check(const aio_norm_variant *v)
{
    int bad = 0;
    for (size_t s = 0; s < NSIZES; s++)
        for (int wb = 0; wb < 2; wb++)
            for (int ip = 0; ip < 2; ip++) bad += ln_case(v, sizes[s], wb, ip, s % 2 ? 0.f : 100.f);
    return bad;
}

static inline int rope_variant_check(const aio_rope_variant *v, int dt)
{
    int bad = 0;
    for (size_t h = 0; h < NHALVES; h++) {
        const int64_t half = halves[h];
        float *inv = malloc(sizeof(float) * (size_t)half);
        float *c = malloc(sizeof(float) * (size_t)(MAXPOS * half)), *s = malloc(sizeof(float) * (size_t)(MAXPOS * half));
        aio_rope_inv_freq(10000.0, half, inv);
        aio_rope_table_rows(inv, half, 0, MAXPOS, c, s);
        for (int tr = 0; tr < 2; tr++) bad += rope_case(v, dt, half, tr, c, s);
        free(inv), free(c), free(s);
    }
    return bad;
}

/* aio_rope_inv_freq and aio_rope_table_rows against double math. */
static inline int rope_table_check(void)
{
    int bad = 0;
    const double thetas[] = {10000.0, 500000.0, 1.5};
    for (int t = 0; t < 3; t++)
        for (int64_t half = 1; half <= 64; half *= 2) {
            float inv[64];
            aio_rope_inv_freq(thetas[t], half, inv);
            for (int64_t i = 0; i < half; i++) {
                const double want = 1.0 / pow(thetas[t], (double)(2 * i) / (double)(2 * half));
                if (!(fabs(inv[i] - want) <= 4e-7 * want) && bad++ < 3) ROW_LOG_ERROR("theta %g half %ld [%ld]: %g want %g", thetas[t],
                          (long)half, (long)i, inv[i], want);
            }
            float c[5 * 64], s[5 * 64];
            aio_rope_table_rows(inv, half, 2, 5, c, s); /* rows 2..4 only */
            for (int64_t p = 2; p < 5; p++)
                for (int64_t i = 0; i < half; i++) {
                    const double ang = (double)(float)((float)p * inv[i]);
                    if (!(fabs(c[p * half + i] - cos(ang)) <= 1e-7 && fabs(s[p * half + i] - sin(ang)) <= 1e-7) && bad++ < 3)
                        ROW_LOG_ERROR("table p=%ld i=%ld", (long)p, (long)i);
                }
        }
    return bad;
}

#endif
