/* Plain-C checker of the attention kernels for targets without Criterion
 * (aarch64 under qemu): every variant the CPU runs through the shared
 * checks of tests/unit/sdpa_tester.h, and the slot's choice. Prints one
 * line per variant; exits non-zero on failure.
 *
 *   sdpa_check [--quick] [--expect VARIANT] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "sdpa_tester.h"

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
    int failed = 0;
    for (size_t i = 0; i < aio_f32_sdpa_variant_count; i++) {
        const aio_f32_sdpa_variant *v = &aio_f32_sdpa_variants[i];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        int cases = 0;
        char msg[600] = "";
        const int f = sdpa_check_variant(v, quick, &cases, msg, sizeof msg);
        printf("%s %s: %d cases, %d failed%s%s\n", f ? "FAIL" : "ok  ", v->name, cases, f, f ? "; first: " : "", msg);
        failed += f != 0;
    }
    aio_kernels k;
    aio_kernels_init(&k, isa);
    if (expect && strcmp(k.f32_sdpa.name, expect) != 0) {
        printf("FAIL slot holds %s, expected %s\n", k.f32_sdpa.name, expect);
        failed++;
    }
    printf("%s\n", failed ? "FAILED" : "all passed");
    return failed != 0;
}
