/* Plain-C checker (aarch64 under qemu): every qd8 variant's activation
 * quantizer the CPU runs gives the portable aio_qd8_quantize_rows' bytes,
 * padding and scales exactly, over K around the 16-wide step and edge rows
 * (zero, NaN, inf, tiny amax whose 127/amax overflows, subnormal dust,
 * huge, exact .5 ties), for offsets 0 and 128; and the slot picks the
 * expected quantizer. Prints "N passed, M failed".
 *
 *   qd8_quantize_check [--expect-neon] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_isa.h"
#include "aio_kernels.h"
#include "aio_qd8_gemm.h"

static float rnd(unsigned *st)
{
    *st = *st * 1664525u + 1013904223u;
    return (float)((*st >> 8) & 0xffff) / 32768.0f - 1.0f;
}

enum { M = 10 };

static int check(const char *name, aio_qd8_quantize_fn fn, int64_t K, int off, unsigned *st)
{
    const int64_t ldq = aio_qd8_row_bytes(K) + 16;
    float *a = malloc(sizeof(float) * (size_t)(M * K));
    uint8_t *q0 = malloc((size_t)(M * ldq)), *q1 = malloc((size_t)(M * ldq));
    float s0[M], s1[M];
    static const float mags[M] = {1.0f, 0.0f, 1e-3f, 1e30f, 0x1p-126f, 0x1p-140f, 1.0f, 1.0f, 3e38f, 127.0f};
    for (int i = 0; i < M; i++)
        for (int64_t p = 0; p < K; p++)
            a[i * K + p] = mags[i] * rnd(st);
    a[6 * K + K / 2] = NAN;
    a[7 * K + K - 1] = INFINITY;
    for (int64_t p = 0; p < K; p++) /* row 9: amax 127, x*inv on .5 ties */
        a[9 * K + p] = (float)((int)(p % 255) - 127) + (p % 3 ? 0.5f : 0.0f);
    a[9 * K] = 127.0f;
    memset(q0, 1, (size_t)(M * ldq));
    memset(q1, 1, (size_t)(M * ldq));
    aio_qd8_quantize_rows(a, K, K, off, q0, ldq, s0, 0, M);
    fn(a, K, K, off, q1, ldq, s1, 0, M);
    int bad = 0;
    for (int i = 0; i < M && !bad; i++) {
        for (int64_t p = 0; p < ldq && !bad; p++)
            if (q0[i * ldq + p] != q1[i * ldq + p]) {
                printf("FAIL %s K=%lld off=%d: row %d byte %lld = %u, want %u\n", name, (long long)K, off, i,
                       (long long)p, q1[i * ldq + p], q0[i * ldq + p]);
                bad = 1;
            }
        if (!bad && !(s0[i] == s1[i] || (isnan(s0[i]) && isnan(s1[i])))) {
            printf("FAIL %s K=%lld off=%d: row %d scale %g, want %g\n", name, (long long)K, off, i, (double)s1[i],
                   (double)s0[i]);
            bad = 1;
        }
    }
    free(a);
    free(q0);
    free(q1);
    return bad;
}

int main(int argc, char **argv)
{
    int expect_neon = argc > 1 && strcmp(argv[1], "--expect-neon") == 0;
    static const int64_t ks[] = {1, 3, 15, 16, 17, 31, 32, 33, 47, 100, 255, 1000, 4096};
    const unsigned isa = aio_isa_detect();
    unsigned st = 7;
    int passed = 0, failed = 0;
    for (size_t v = 0; v < aio_qd8_f32_qc8w_gemm_variant_count; v++) {
        const aio_qd8_gemm_variant *var = &aio_qd8_f32_qc8w_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        int bad = 0;
        for (size_t x = 0; x < sizeof ks / sizeof ks[0]; x++)
            for (int off = 0; off <= 128; off += 128)
                bad |= check(var->name, var->quantize, ks[x], off, &st);
        bad ? failed++ : passed++;
        printf("%s %s quantizer\n", bad ? "FAIL" : "ok  ", var->name);
    }
    aio_kernels k;
    aio_kernels_init(&k, isa);
#if defined(__aarch64__)
    if (expect_neon && k.qd8w.quantize != aio_qd8_quantize_rows__neon) {
        printf("FAIL slot %s does not use aio_qd8_quantize_rows__neon\n", k.qd8w.name);
        failed++;
    } else if (expect_neon) {
        passed++;
    }
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
