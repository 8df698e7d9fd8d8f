/* Plain-C checker of the vector math, activation and softmax kernels for
 * targets without Criterion (aarch64 under qemu): every variant the CPU
 * runs through the shared checks of vmath_tester.h and act_tester.h, and
 * slot selection. Prints "N passed, M failed"; exits non-zero on failure.
 *
 *   act_check [--quick] */
#include <stdio.h>
#include <string.h>

#include "act_tester.h"
#include "aio_kernels.h"
#include "vmath_tester.h"

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0, simd = 0;
    char msg[512];
    for (size_t i = 0; i < aio_vmath_variant_count; i++) {
        const aio_vmath_variant *v = &aio_vmath_variants[i];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        double worst;
        msg[0] = 0;
        if (vmath_check(v, quick, &worst, msg, sizeof msg)) {
            printf("FAIL %s\n", msg);
            failed++;
        } else {
            printf("ok   %s (worst %g %s)\n", v->name, worst, vmath_bounds[v->func].max_ulp > 0 ? "ulp" : "abs");
            passed++;
        }
        simd += v->isa_required != 0;
    }
    for (size_t i = 0; i < aio_act_variant_count; i++) {
        const aio_act_variant *v = &aio_act_variants[i];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        msg[0] = 0;
        if (act_check_variant(v, quick, msg, sizeof msg)) {
            printf("FAIL %s\n", msg);
            failed++;
        } else {
            passed++;
        }
        simd += v->isa_required != 0;
    }
    for (size_t i = 0; i < aio_softmax_variant_count; i++) {
        const aio_softmax_variant *v = &aio_softmax_variants[i];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        msg[0] = 0;
        if (sm_check_variant(v, quick, msg, sizeof msg)) {
            printf("FAIL %s\n", msg);
            failed++;
        } else {
            passed++;
        }
        simd += v->isa_required != 0;
    }
    /* The SIMD variants must exist and be the ones the slots pick. */
    aio_kernels k;
    aio_kernels_init(&k, isa);
    const char *want = NULL;
#if defined(__aarch64__)
    want = "aio_f32_gelu__neon";
#elif defined(__x86_64__)
    if (isa & AIO_ISA_X86_AVX512)
        want = "aio_f32_gelu__avx512f";
#endif
    if (want && strcmp(k.act[AIO_ACT_GELU].name, want) != 0) {
        printf("FAIL gelu slot: %s, want %s\n", k.act[AIO_ACT_GELU].name, want);
        failed++;
    } else if (want) {
        passed++;
    }
    if (!simd) {
        printf("FAIL no SIMD variant ran\n");
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
