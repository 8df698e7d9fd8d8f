/* Softmax kernels (aio_softmax.h): every variant this CPU runs through the
 * shared checks of act_tester.h (row lengths around every vector width,
 * padded rows, masked and degenerate rows, fp32/fp16/bf16, in place). */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "act_tester.h"
#include "aio_isa.h"

Test(softmax, every_variant_against_double, .timeout = 120)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_softmax_variant_count; i++) {
        const aio_softmax_variant *v = &aio_softmax_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        char msg[512] = "";
        cr_expect_eq(sm_check_variant(v, 0, msg, sizeof msg), 0, "%s", msg);
        ran++;
    }
    cr_assert_geq(ran, 2);
}
