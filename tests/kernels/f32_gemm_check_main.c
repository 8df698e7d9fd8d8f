/* Plain-C fp32 GEMM checker for targets without Criterion (aarch64 under
 * qemu): every variant the CPU runs, through the shared sweeps, plus slot
 * selection. Prints "N passed, M failed"; exits non-zero on any failure.
 *
 *   f32_gemm_check [--expect-isa "neon dotprod fp16"] [--quick] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "f32_gemm_tester.h"
#include "f32_gemm_panels_tester.h"

typedef struct check_ctx {
    const aio_f32_gemm_variant *v;
    int passed, failed;
} check_ctx;

static int check_panels_case(const f32_gemm_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (f32_gemm_test(panels_adapter, tc, msg, sizeof msg)) {
        if (ctx->failed < 10)
            printf("FAIL %s panels: %s\n", ctx->v->name, msg);
        ctx->failed++;
    } else {
        ctx->passed++;
    }
    return 0;
}

static int check_case(const f32_gemm_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (f32_gemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
        if (ctx->failed < 10)
            printf("FAIL %s: %s\n", ctx->v->name, msg);
        ctx->failed++;
    } else {
        ctx->passed++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *expect_isa = NULL;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--expect-isa") == 0 && i + 1 < argc) {
            expect_isa = argv[++i];
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: %s [--expect-isa FLAGS] [--quick]\n", argv[0]);
            return 2;
        }
    }

    const unsigned isa = aio_isa_detect();
    char desc[128];
    aio_isa_describe(isa, desc, sizeof desc);
    printf("isa: %s\n", desc);
    int passed = 0, failed = 0;
    if (expect_isa && strcmp(expect_isa, desc) != 0) {
        printf("FAIL isa: detected \"%s\", expected \"%s\"\n", desc, expect_isa);
        failed++;
    }

    /* The best permitted variant is the last runnable one in the list. */
    aio_kernels k;
    aio_kernels_init(&k, isa);
    const aio_f32_gemm_variant *best = NULL;
    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++)
        if ((aio_f32_gemm_variants[i].isa_required & isa) == aio_f32_gemm_variants[i].isa_required)
            best = &aio_f32_gemm_variants[i];
    aio_kernels_init(&k, isa);
    if (!best || k.f32_gemm.fn != best->fn) {
        printf("FAIL kernels_init picked %s\n", k.f32_gemm.name);
        failed++;
    }
    aio_kernels_init(&k, 0);
    if (k.f32_gemm.fn != aio_f32_gemm__ref) {
        printf("FAIL kernels_init(isa=0) picked %s\n", k.f32_gemm.name);
        failed++;
    }

    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++) {
        const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            printf("skip %s\n", v->name);
            continue;
        }
        check_ctx ctx = {v, 0, 0};
        for (int suite = F32_GEMM_SUITE_SIZES; suite <= F32_GEMM_SUITE_OPTIONS; suite++)
            if (!quick || suite != F32_GEMM_SUITE_LARGE)
                f32_gemm_for_each_case(suite, check_case, &ctx);
        if (v->ops) { /* the pre-packed path */
            g_panels_ops = v->ops();
            f32_gemm_panels_for_each_case(quick, check_panels_case, &ctx);
        }
        printf("%s: %d passed, %d failed\n", v->name, ctx.passed, ctx.failed);
        passed += ctx.passed;
        failed += ctx.failed;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
