/* Activation kernels (aio_act.h): every variant this CPU runs through the
 * shared checks of act_tester.h, and slot selection. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "act_tester.h"
#include "aio_isa.h"
#include "aio_kernels.h"

Test(act, every_variant_every_length_and_dtype, .timeout = 120)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_act_variant_count; i++) {
        const aio_act_variant *v = &aio_act_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        char msg[512] = "";
        cr_expect_eq(act_check_variant(v, 0, msg, sizeof msg), 0, "%s", msg);
        ran++;
    }
    cr_assert_geq(ran, AIO_ACT_COUNT);
}

/* Each op's slot holds the best variant the ISA allows, of that op. */
Test(act, slots_follow_isa)
{
    aio_kernels k;
    aio_kernels_init(&k, 0);
    for (int op = 0; op < AIO_ACT_COUNT; op++) {
        char want[64];
        snprintf(want, sizeof want, "aio_f32_%s__ref", aio_act_op_name(op));
        cr_expect_str_eq(k.act[op].name, want);
    }
    cr_expect_str_eq(k.softmax.name, "aio_f32_softmax__ref");
    cr_expect_str_eq(k.log_softmax.name, "aio_f32_log_softmax__ref");
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2);
    cr_expect_str_eq(k.act[AIO_ACT_GELU].name, "aio_f32_gelu__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.act[AIO_ACT_SILU].name, "aio_f32_silu__avx512f");
    cr_expect_str_eq(k.softmax.name, "aio_f32_softmax__avx512f");
#endif
}
