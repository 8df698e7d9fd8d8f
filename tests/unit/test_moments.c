/* Shared norm statistics (aio_moments.h) of every variant this CPU runs,
 * against float64: random rows around the vector widths and the fp64
 * block, rows whose mean is far larger than their spread, constant and
 * one-element rows (exact), segmented rows, the affine steps; and every
 * LayerNorm variant's exactness on constant and one-element rows. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#define ROW_LOG_ERROR(...) cr_log_error(__VA_ARGS__)
#include "aio_kernels.h"
#include "moments_tester.h"

Test(moments, every_variant)
{
    int ran = 0;
    for (size_t k = 0; k < aio_f32_stats_variant_count; k++) {
        const aio_f32_stats_variant *v = &aio_f32_stats_variants[k];
        if (!row_variant_runs(v->isa_required)) continue;
        int bad = moments_variant_check(v);
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(moments, layernorm_constant_and_one_element_rows_exact)
{
    for (size_t k = 0; k < aio_f32_layernorm_variant_count; k++) {
        const aio_norm_variant *v = &aio_f32_layernorm_variants[k];
        if (!row_variant_runs(v->isa_required)) continue;
        int bad = ln_exact_check(v);
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
    }
}

Test(moments, slot_follows_isa)
{
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_str_eq(k.f32_stats.name, "aio_f32_stats__ref");
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.f32_stats.name, "aio_f32_stats__avx512f");
#endif
}
