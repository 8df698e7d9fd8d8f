/* Plain-C qd8-f32-qc4w GEMM checker for targets without Criterion
 * (aarch64 under qemu): every variant the CPU runs and the weight-only
 * fallback through qc4w_gemm_tester.h, and slot selection. Prints "N
 * passed, M failed"; exits non-zero on any failure.
 *
 *   qc4w_gemm_check [--quick] [--expect VARIANT] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "qc4w_gemm_tester.h"

typedef struct check_ctx {
    const char *name;
    aio_qc4w_gemm_fn fn;
    aio_wgemm_fn wfn;
    aio_qd8_quantize_fn quantize;
    int passed, failed;
} check_ctx;

static int check_case(const qc4_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (qc4_test(ctx->fn, ctx->wfn, ctx->quantize, tc, msg, sizeof msg)) {
        if (ctx->failed < 10)
            printf("FAIL %s: %s\n", ctx->name, msg);
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
    if (expect && strcmp(k.qc4w.name, expect) != 0) {
        printf("FAIL kernels_init picked %s, want %s\n", k.qc4w.name, expect);
        failed++;
    }
    for (size_t i = 0; i <= aio_qd8_f32_qc4w_gemm_variant_count; i++) {
        check_ctx ctx = {"aio_f32_qc4w_gemm__ref", NULL, aio_f32_qc4w_gemm__ref, aio_qd8_quantize_rows, 0, 0};
        int q = 1;
        if (i < aio_qd8_f32_qc4w_gemm_variant_count) {
            const aio_qc4w_gemm_variant *v = &aio_qd8_f32_qc4w_gemm_variants[i];
            if ((v->isa_required & isa) != v->isa_required) {
                printf("skip %s\n", v->name);
                continue;
            }
            ctx.name = v->name, ctx.fn = v->fn, ctx.wfn = NULL, ctx.quantize = v->quantize;
            q = quick || v->isa_required == 0; /* the reference is the slow one */
        }
        qc4_for_each_case(q, check_case, &ctx);
        printf("%s: %d passed, %d failed\n", ctx.name, ctx.passed, ctx.failed);
        passed += ctx.passed;
        failed += ctx.failed;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
