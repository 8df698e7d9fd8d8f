/* Attention kernels (aio_attention.h): every variant this CPU can run
 * against a double-precision reference (tests/unit/sdpa_tester.h). */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "sdpa_tester.h"

Test(f32_sdpa, every_variant_matches_double_reference)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t vi = 0; vi < aio_f32_sdpa_variant_count; vi++) {
        const aio_f32_sdpa_variant *v = &aio_f32_sdpa_variants[vi];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        int cases = 0;
        char msg[600] = "";
        const int failures = sdpa_check_variant(v, 0, &cases, msg, sizeof msg);
        cr_log_info("%s: %d cases, %d failed", v->name, cases, failures);
        cr_expect_eq(failures, 0, "%s: %d of %d cases failed; first: %s", v->name, failures, cases, msg);
        ran++;
    }
    cr_assert_geq(ran, 1);
}

/* The slot holds the best variant this CPU runs: a flash kernel wherever
 * one exists for the ISA (never the reference on AVX2/AVX-512/NEON). */
Test(f32_sdpa, slot_picks_flash_kernel_where_the_isa_has_one)
{
    const unsigned isa = aio_isa_detect();
    size_t best = 0;
    for (size_t vi = 1; vi < aio_f32_sdpa_variant_count; vi++)
        if ((aio_f32_sdpa_variants[vi].isa_required & isa) == aio_f32_sdpa_variants[vi].isa_required)
            best = vi;
    if (isa & (AIO_ISA_X86_AVX2 | AIO_ISA_ARM_NEON))
        cr_expect_neq(best, 0, "a SIMD CPU must not run the reference attention kernel");
}
