/* Plain-C checker of the fp32 attention kernels for targets without
 * Criterion (aarch64 under qemu): every variant the CPU runs through the
 * shared sweep of sdpa_tester.h, and the slot picks the NEON variant.
 * Prints "N passed, M failed"; exits non-zero on failure. */
#include <stdio.h>
#include <string.h>

#include "aio_isa.h"
#include "aio_kernels.h"
#include "sdpa_tester.h"

int main(void)
{
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0;
    for (size_t vi = 0; vi < aio_f32_sdpa_variant_count; vi++) {
        const aio_f32_sdpa_variant *v = &aio_f32_sdpa_variants[vi];
        if ((v->isa_required & isa) != v->isa_required)
            continue;
        int cases = 0;
        const int failures = sdpa_check_variant(v, &cases);
        printf("%s %s: %d cases, %d failed\n", failures ? "FAIL" : "ok  ", v->name, cases, failures);
        failures ? failed++ : passed++;
    }
    aio_kernels k;
    aio_kernels_init(&k, isa);
#if defined(__aarch64__)
    if (strcmp(k.f32_sdpa.name, "aio_f32_sdpa__neon") != 0) {
        printf("FAIL attention slot: %s, want aio_f32_sdpa__neon\n", k.f32_sdpa.name);
        failed++;
    } else {
        passed++;
    }
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
