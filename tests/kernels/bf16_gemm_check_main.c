/* Plain-C bf16-dot GEMM checker for targets without Criterion (aarch64
 * under qemu): every variant the CPU runs through the shared sweep of
 * bf16_gemm_tester.h, and slot selection (the native kernel exactly when
 * the CPU has bf16 dot products). Prints "N passed, M failed"; exits
 * non-zero on any failure.
 *
 *   bf16_gemm_check [--quick] [--expect-native 0|1] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_kernels.h"
#include "bf16_gemm_tester.h"

typedef struct check_ctx {
    const aio_bf16_gemm_variant *v;
    int passed, failed;
} check_ctx;

static int check_case(const bf16_gemm_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (bf16_gemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
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
    int quick = 0, expect_native = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--expect-native") == 0 && i + 1 < argc) {
            expect_native = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--expect-native 0|1]\n", argv[0]);
            return 2;
        }
    }
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0;
    for (size_t i = 0; i < aio_bf16_gemm_variant_count; i++) {
        const aio_bf16_gemm_variant *v = &aio_bf16_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            printf("skip %s: CPU lacks its ISA\n", v->name);
            continue;
        }
        check_ctx ctx = {v, 0, 0};
        bf16_gemm_for_each_case(quick, check_case, &ctx);
        printf("%s: %d passed, %d failed\n", v->name, ctx.passed, ctx.failed);
        passed += ctx.passed;
        failed += ctx.failed;
    }
    aio_kernels k;
    aio_kernels_init(&k, isa);
    if (expect_native >= 0 && k.bf16_gemm.native != expect_native) {
        printf("FAIL slot %s: native %d, expected %d\n", k.bf16_gemm.name, k.bf16_gemm.native, expect_native);
        failed++;
    }
    printf("slot: %s\n%d passed, %d failed\n", k.bf16_gemm.name, passed, failed);
    return failed ? 1 : 0;
}
