/* Plain-C checker of the arg-extreme kernels for targets without Criterion
 * (aarch64 under qemu): every variant the CPU runs through argext_tester.h,
 * and the NEON variant in the slot. Prints "N passed, M failed".
 *
 *   argext_check [--quick] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "argext_tester.h"

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0, simd = 0;
    char msg[512];
    for (size_t i = 0; i < aio_argext_variant_count; i++) {
        const aio_argext_variant *v = &aio_argext_variants[i];
        if ((v->isa_required & isa) != v->isa_required) continue;
        msg[0] = 0;
        if (ae_check_variant(v, quick, msg, sizeof msg)) {
            printf("FAIL %s\n", msg);
            failed++;
        } else {
            printf("ok   %s\n", v->name);
            passed++;
        }
        simd += v->isa_required != 0;
    }
    aio_kernels k;
    aio_kernels_init(&k, isa);
#if defined(__aarch64__)
    if (strcmp(k.argext[AIO_ARGEXT_F32][AIO_ARGEXT_MAX].name, "aio_f32_argmax_ukernel_4__neon") != 0) {
        printf("FAIL slot holds %s, want the NEON variant\n", k.argext[AIO_ARGEXT_F32][AIO_ARGEXT_MAX].name);
        failed++;
    }
#endif
    if (!simd) {
        printf("FAIL no vector variant ran\n");
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
