/* Gather-reduce kernels (aio_embedding.h): every variant this CPU runs, per
 * table format, against a double-precision reference (embedding_tester.h),
 * the table compression helpers, and slot selection. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#define ROW_LOG_ERROR(...) cr_log_error(__VA_ARGS__)
#include "aio_kernels.h"
#include "embedding_tester.h"

static void sweep(int fmt)
{
    int ran = 0;
    for (size_t k = 0; k < aio_embedding_bag_variant_count; k++) {
        const aio_embedding_bag_variant *v = &aio_embedding_bag_variants[k];
        if (v->fmt != fmt) continue;
        if (!row_variant_runs(v->isa_required)) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        int bad = emb_variant_check(v, 0);
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(embedding_bag, f32_tables) { sweep(AIO_EMB_F32); }
Test(embedding_bag, f16_tables) { sweep(AIO_EMB_F16); }
Test(embedding_bag, bf16_tables) { sweep(AIO_EMB_BF16); }
Test(embedding_bag, qu8_tables) { sweep(AIO_EMB_QU8); }
Test(embedding_bag, compress_and_gather) { cr_expect_eq(emb_table_check(), 0); }

/* Each format's slot holds the last variant of its list the CPU runs. */
Test(embedding_bag, slots)
{
    aio_kernels k;
    unsigned isa = aio_isa_detect();
    aio_kernels_init(&k, isa);
    for (int fmt = 0; fmt < AIO_EMB_FMTS; fmt++) {
        const char *want = NULL;
        for (size_t i = 0; i < aio_embedding_bag_variant_count; i++) {
            const aio_embedding_bag_variant *v = &aio_embedding_bag_variants[i];
            if (v->fmt == fmt && (v->isa_required & isa) == v->isa_required) want = v->name;
        }
        cr_assert(want && k.embedding_bag[fmt].name);
        cr_expect_str_eq(k.embedding_bag[fmt].name, want);
        if (isa & AIO_ISA_X86_AVX512) cr_expect(strstr(want, "__avx512f") != NULL, "%s", want);
    }
}
