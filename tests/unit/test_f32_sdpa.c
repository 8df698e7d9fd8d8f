/* fp32 attention kernels (aio_attention.h): every variant this CPU can run
 * through the shared sweep of sdpa_tester.h (double-precision reference). */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_isa.h"
#define SDPA_LOG_ERROR cr_log_error
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
        const int failures = sdpa_check_variant(v, &cases);
        cr_log_info("%s: %d cases, %d failed", v->name, cases, failures);
        cr_expect_eq(failures, 0, "%s: %d of %d cases failed", v->name, failures, cases);
        ran++;
    }
    cr_assert_geq(ran, 1);
}
