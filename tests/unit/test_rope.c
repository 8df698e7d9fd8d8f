/* RoPE (aio_rope.h): the inverse frequencies and angle tables against
 * double math, and every row kernel variant this CPU runs, every dtype,
 * head sizes around the vector widths, strided inputs (transposed heads),
 * per-batch positions, against a double reference that reads the same
 * tables (norm_rope_tester.h). */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#define ROW_LOG_ERROR(...) cr_log_error(__VA_ARGS__)
#include "norm_rope_tester.h"

Test(rope, inv_freq_and_tables_match_double_math)
{
    int bad = rope_table_check();
    cr_expect_eq(bad, 0, "%d wrong values, see log", bad);
}

static void rope_sweep(int dt)
{
    int ran = 0;
    for (size_t k = 0; k < aio_rope_variant_count[dt]; k++) {
        const aio_rope_variant *v = &aio_rope_variants[dt][k];
        if (!row_variant_runs(v->isa_required)) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        int bad = rope_variant_check(v, dt);
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(rope, f32_rows) { rope_sweep(AIO_ROW_F32); }
Test(rope, bf16_rows) { rope_sweep(AIO_ROW_BF16); }
Test(rope, f16_rows) { rope_sweep(AIO_ROW_F16); }
