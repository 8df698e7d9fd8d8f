/* Plain-C qd8-f32-qc8w GEMM checker for targets without Criterion
 * (aarch64 under qemu): every variant the CPU runs through the shared
 * sweeps of qd8_gemm_tester.h, and slot selection. Prints "N passed, M
 * failed"; exits non-zero on any failure.
 *
 *   qd8_gemm_check [--quick] [--expect VARIANT] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "qd8_gemm_tester.h"

typedef struct check_ctx {
    const aio_qd8_gemm_variant *v;
    int passed, failed;
} check_ctx;

static int check_case(const qd8_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (qd8_test(ctx->v->fn, ctx->v->quantize, ctx->v->a_offset, tc, msg, sizeof msg)) {
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
    int quick = 0;
    const char *expect = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
            expect = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--quick] [--expect VARIANT]\n", argv[0]);
            return 2;
        }
    }
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0;
    aio_kernels k;
    aio_kernels_init(&k, isa);
    if (expect && strcmp(k.qd8w.name, expect) != 0) {
        printf("FAIL kernels_init picked %s, want %s\n", k.qd8w.name, expect);
        failed++;
    }
    for (size_t i = 0; i < aio_qd8_f32_qc8w_gemm_variant_count; i++) {
        const aio_qd8_gemm_variant *v = &aio_qd8_f32_qc8w_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            printf("skip %s\n", v->name);
            continue;
        }
        const int q = quick || v->isa_required == 0; /* the reference is the slow one */
        check_ctx ctx = {v, 0, 0};
        for (int suite = QD8_SUITE_SIZES; suite <= QD8_SUITE_OPTIONS; suite++)
            if (!q || suite != QD8_SUITE_LARGE)
                qd8_for_each_case(suite, q, check_case, &ctx);
        printf("%s: %d passed, %d failed\n", v->name, ctx.passed, ctx.failed);
        passed += ctx.passed;
        failed += ctx.failed;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
