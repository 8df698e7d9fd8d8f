/* RMSNorm and LayerNorm row kernels (aio_norm.h): every variant this CPU
 * runs, every dtype, row lengths around the vector widths (16, 64) and the
 * model sizes, padded row strides with guard bands, NULL weight/bias, and
 * in-place rows, against a double-precision reference
 * (norm_rope_tester.h). */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#define ROW_LOG_ERROR(...) cr_log_error(__VA_ARGS__)
#include "aio_kernels.h"
#include "norm_rope_tester.h"

static void rms_sweep(int dt)
{
    int ran = 0;
    for (size_t k = 0; k < aio_rmsnorm_variant_count[dt]; k++) {
        const aio_norm_variant *v = &aio_rmsnorm_variants[dt][k];
        if (!row_variant_runs(v->isa_required)) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        int bad = rms_variant_check(v, dt);
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

Test(layernorm, f32_rows)
{
    int ran = 0;
    for (size_t k = 0; k < aio_f32_layernorm_variant_count; k++) {
        const aio_norm_variant *v = &aio_f32_layernorm_variants[k];
        if (!row_variant_runs(v->isa_required)) continue;
        int bad = ln_variant_check(v);
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
