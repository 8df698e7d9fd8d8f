/* Vector math (aio_vmath.h): every variant this CPU runs, held to the
 * documented bounds over special values and dense and random sweeps
 * (vmath_tester.h), and in-place use. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_isa.h"
#include "vmath_tester.h"

Test(vmath, every_variant_within_bounds, .timeout = 120)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_vmath_variant_count; i++) {
        const aio_vmath_variant *v = &aio_vmath_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        char msg[256] = "";
        double worst;
        int bad = vmath_check(v, 0, &worst, msg, sizeof msg);
        cr_expect_eq(bad, 0, "%d point(s) over the bound; first: %s", bad, msg);
        cr_log_info("%s: worst %g %s", v->name, worst, vmath_bounds[v->func].max_ulp > 0 ? "ulp" : "abs");
        ran++;
    }
    cr_assert_geq(ran, AIO_VM_FUNC_COUNT);
}

/* Exact special results the kernels rely on (softmax of -inf, saturation). */
Test(vmath, special_results_exact)
{
    const unsigned isa = aio_isa_detect();
    for (size_t i = 0; i < aio_vmath_variant_count; i++) {
        const aio_vmath_variant *v = &aio_vmath_variants[i];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        float x[5] = {-INFINITY, INFINITY, 0.f, -0.f, NAN}, y[5];
        v->fn(x, y, 5);
        switch (v->func) {
        case AIO_VM_EXP:
            cr_expect(y[0] == 0.f && y[1] == INFINITY && y[2] == 1.f && isnan(y[4]), "%s", v->name);
            break;
        case AIO_VM_LOG:
            cr_expect(isnan(y[0]) && y[1] == INFINITY && y[2] == -INFINITY && y[3] == -INFINITY && isnan(y[4]),
                      "%s", v->name);
            break;
        case AIO_VM_TANH:
        case AIO_VM_ERF:
            cr_expect(y[0] == -1.f && y[1] == 1.f && y[2] == 0.f && signbit(y[3]) && isnan(y[4]), "%s", v->name);
            break;
        case AIO_VM_SIGMOID:
            cr_expect(y[0] == 0.f && y[1] == 1.f && y[2] == 0.5f && isnan(y[4]), "%s", v->name);
            break;
        }
        /* in place */
        float z[19];
        for (int k = 0; k < 19; k++)
            z[k] = 0.25f * (float)k + 0.125f;
        float w[19];
        v->fn(z, w, 19);
        v->fn(z, z, 19);
        cr_expect(memcmp(z, w, sizeof z) == 0, "%s in place differs", v->name);
    }
}
