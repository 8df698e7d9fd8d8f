/* Arg-extreme kernels (aio_argext.h): every variant this CPU runs through
 * argext_tester.h (lengths around every lane count, ties, signed zeros,
 * infinities, NaN placement, padded rows, strided outputs), and the slot
 * holding the widest variant. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_isa.h"
#include "aio_kernels.h"
#include "argext_tester.h"

Test(argext, every_variant_against_double, .timeout = 120)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0, simd = 0;
    for (size_t i = 0; i < aio_argext_variant_count; i++) {
        const aio_argext_variant *v = &aio_argext_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        char msg[512] = "";
        cr_expect_eq(ae_check_variant(v, 0, msg, sizeof msg), 0, "%s", msg);
        ran++;
        simd += v->isa_required != 0;
    }
    cr_assert_geq(ran, 4);
    cr_assert_gt(simd, 0, "no vector variant ran");
}

Test(argext, slot_holds_the_best_variant)
{
    aio_kernels k;
    aio_kernels_init(&k, aio_isa_detect());
    const char *want = (k.isa & AIO_ISA_X86_AVX512) ? "aio_f32_argmax_ukernel_16__avx512f"
                       : (k.isa & AIO_ISA_X86_AVX2) ? "aio_f32_argmax_ukernel_8__avx2"
                                                    : "aio_f32_argmax_ukernel_1__ref";
    cr_expect_str_eq(k.argext[AIO_ARGEXT_F32][AIO_ARGEXT_MAX].name, want);
    cr_expect_not_null(k.argext[AIO_ARGEXT_BF16][AIO_ARGEXT_MIN].fn);
}
