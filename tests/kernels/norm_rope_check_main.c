/* Plain-C RMSNorm / LayerNorm / RoPE checker for targets without Criterion
 * (aarch64 under qemu): the checks of norm_rope_tester.h for every variant
 * and dtype the CPU runs, and slot selection. Prints "N passed, M failed";
 * exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "norm_rope_tester.h"
#include "moments_tester.h"

static int passed, failed;

static void report(const char *name, int bad)
{
    if (bad) {
        printf("FAIL %s: %d wrong values\n", name, bad);
        failed++;
    } else {
        passed++;
    }
}

int main(void)
{
    report("rope tables", rope_table_check());
    for (int dt = 0; dt < AIO_ROW_DTYPES; dt++) {
        for (size_t k = 0; k < aio_rmsnorm_variant_count[dt]; k++) {
            const aio_norm_variant *v = &aio_rmsnorm_variants[dt][k];
            if (row_variant_runs(v->isa_required)) report(v->name, rms_variant_check(v, dt));
        }
        for (size_t k = 0; k < aio_rope_variant_count[dt]; k++) {
            const aio_rope_variant *v = &aio_rope_variants[dt][k];
            if (row_variant_runs(v->isa_required)) report(v->name, rope_variant_check(v, dt));
        }
    }
    for (size_t k = 0; k < aio_f32_layernorm_variant_count; k++) {
        const aio_norm_variant *v = &aio_f32_layernorm_variants[k];
        if (row_variant_runs(v->isa_required)) report(v->name, ln_variant_check(v));
        if (row_variant_runs(v->isa_required)) report(v->name, ln_exact_check(v));
    }
    for (size_t k = 0; k < aio_f32_stats_variant_count; k++) {
        const aio_f32_stats_variant *v = &aio_f32_stats_variants[k];
        if (row_variant_runs(v->isa_required)) report(v->name, moments_variant_check(v));
    }
    /* The slots take the best variant this CPU runs. */
    aio_kernels k;
    aio_kernels_init(&k, aio_isa_detect());
#if defined(__aarch64__)
    report(k.rmsnorm[AIO_ROW_BF16].name, strcmp(k.rmsnorm[AIO_ROW_BF16].name, "aio_bf16_rmsnorm__neon") != 0);
    report(k.rope[AIO_ROW_F16].name, strcmp(k.rope[AIO_ROW_F16].name, "aio_f16_rope__neon") != 0);
    report(k.f32_layernorm.name, strcmp(k.f32_layernorm.name, "aio_f32_layernorm__neon") != 0);
    report(k.f32_stats.name, strcmp(k.f32_stats.name, "aio_f32_stats__neon") != 0);
#endif
    printf("norm/rope: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
