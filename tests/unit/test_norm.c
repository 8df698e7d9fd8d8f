/* RMSNorm and LayerNorm row kernels (aio_norm.h): every variant this CPU
 * runs, every dtype, row lengths around the vector widths (16, 64) and the
 * model sizes, padded row strides with guard bands, NULL weight/bias, and
 * in-place rows, against a double-precision reference. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_kernels.h"
#include "row_tester.h"

static const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 767, 768, 1000, 4097};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define ROWS 3
#define PAD 5 /* elements of guard band after each row */

/* One case; returns the number of wrong elements (logged). */
static int rms_case(const aio_norm_variant *v, int dt, int64_t n, int with_w, int in_place, float scale)
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
                cr_log_error("%s n=%ld w=%d inplace=%d row %ld [%ld]: got %g want %g", v->name, (long)n, with_w,
                             in_place, (long)r, (long)i, got, want);
        }
        /* The guard band after each row is untouched. */
        const unsigned char *band = in_place ? x_copy : NULL;
        for (int64_t i = n; i < ld; i++) {
            const unsigned char *p = out + (size_t)(r * ld + i) * esz;
            int same = band ? !memcmp(p, band + (size_t)(r * ld + i) * esz, esz) : p[0] == 0xA5 && p[1] == 0xA5;
            if (!same && bad++ < 3) cr_log_error("%s n=%ld: wrote past the row at [%ld][%ld]", v->name, (long)n, (long)r, (long)i);
        }
    }
    free(x), free(y), free(w), free(x_copy);
    return bad;
}

static void rms_sweep(int dt)
{
    int ran = 0;
    for (size_t k = 0; k < aio_rmsnorm_variant_count[dt]; k++) {
        const aio_norm_variant *v = &aio_rmsnorm_variants[dt][k];
        if (!row_variant_runs(v->isa_required)) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        int bad = 0;
        for (size_t s = 0; s < NSIZES; s++)
            for (int with_w = 0; with_w < 2; with_w++)
                for (int in_place = 0; in_place < 2; in_place++)
                    bad += rms_case(v, dt, sizes[s], with_w, in_place, s % 3 == 0 ? 1e-3f : s % 3 == 1 ? 1.f : 50.f);
        cr_expect_eq(bad, 0, "%s: %d wrong elements, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(rmsnorm, f32_rows) { rms_sweep(AIO_ROW_F32); }
Test(rmsnorm, bf16_rows) { rms_sweep(AIO_ROW_BF16); }
Test(rmsnorm, f16_rows) { rms_sweep(AIO_ROW_F16); }

/* All-zero rows: rsqrt(eps) scaling of zeros is zero, not NaN. */
Test(rmsnorm, zero_rows_stay_zero)
{
    for (int dt = 0; dt < AIO_ROW_DTYPES; dt++)
        for (size_t k = 0; k < aio_rmsnorm_variant_count[dt]; k++) {
            const aio_norm_variant *v = &aio_rmsnorm_variants[dt][k];
            if (!row_variant_runs(v->isa_required)) continue;
            unsigned char x[64 * 4] = {0}, y[64 * 4];
            memset(y, 0x7f, sizeof y);
            aio_rmsnorm_args a = {37, x, 37, NULL, y, 37, 1e-5f};
            ((aio_rmsnorm_fn)v->fn)(&a, 0, 1);
            for (int i = 0; i < 37; i++) cr_expect_eq(row_get(dt, y, i), 0.f, "%s [%d]", v->name, i);
        }
}

static int ln_case(const aio_norm_variant *v, int64_t n, int with_wb, int in_place, float offset)
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
            cr_log_error("%s n=%ld mean %g want %g", v->name, (long)n, mean[r], mu);
        if (fabs(rstd[r] - rs) > 1e-4 * rs + 1e-6 && bad++ < 3)
            cr_log_error("%s n=%ld rstd %g want %g", v->name, (long)n, rstd[r], rs);
        for (int64_t i = 0; i < n; i++) {
            double want = (xr[i] - mu) * rs;
            if (with_wb) want = want * w[i] + b[i];
            const double got = out[r * ld + i];
            if (!(fabs(got - want) <= tol_scale * 4 * (1 + fabs(want))) && bad++ < 3)
                cr_log_error("%s n=%ld wb=%d off=%g [%ld][%ld]: got %g want %g", v->name, (long)n, with_wb, offset,
                             (long)r, (long)i, got, want);
        }
        for (int64_t i = n; i < ld; i++)
            if (out[r * ld + i] != (in_place ? x_copy[r * ld + i] : -777.f) && bad++ < 3)
                cr_log_error("%s n=%ld: wrote past the row", v->name, (long)n);
    }
    free(x), free(y), free(x_copy), free(w), free(b);
    return bad;
}

Test(layernorm, f32_rows)
{
    int ran = 0;
    for (size_t k = 0; k < aio_f32_layernorm_variant_count; k++) {
        const aio_norm_variant *v = &aio_f32_layernorm_variants[k];
        if (!row_variant_runs(v->isa_required)) continue;
        int bad = 0;
        for (size_t s = 0; s < NSIZES; s++)
            for (int wb = 0; wb < 2; wb++)
                for (int ip = 0; ip < 2; ip++) bad += ln_case(v, sizes[s], wb, ip, s % 2 ? 0.f : 100.f);
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

/* The slots take the last variant the (capped) ISA permits. */
Test(norm_slots, follow_isa)
{
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_str_eq(k.rmsnorm[AIO_ROW_F32].name, "aio_f32_rmsnorm__ref");
    cr_expect_str_eq(k.f32_layernorm.name, "aio_f32_layernorm__ref");
    cr_expect_str_eq(k.rope[AIO_ROW_BF16].name, "aio_bf16_rope__ref");
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2);
    cr_expect_str_eq(k.rmsnorm[AIO_ROW_BF16].name, "aio_bf16_rmsnorm__avx2");
    cr_expect_str_eq(k.rope[AIO_ROW_F16].name, "aio_f16_rope__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.rmsnorm[AIO_ROW_F16].name, "aio_f16_rmsnorm__avx512f");
    cr_expect_str_eq(k.f32_layernorm.name, "aio_f32_layernorm__avx512f");
    cr_expect_str_eq(k.rope[AIO_ROW_F32].name, "aio_f32_rope__avx512f");
#endif
}
