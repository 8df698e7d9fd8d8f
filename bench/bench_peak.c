/* Sustained single-core arithmetic peak per x86 ISA slot, measured.
 *
 *   bench_peak [--json FILE] [--reps N]
 *
 * Each slot runs a register-only loop of independent accumulator chains
 * (enough of them to cover latency x throughput on every current core:
 * 4-cycle latency x 2 pipes = 8, we use 12), so the loop is bound by the
 * issue rate of the instruction alone. Best of --reps (200) runs of ~2 ms
 * each, timed in thread CPU time: on a shared machine contention only slows
 * a run down, so the best run is the closest to the hardware's rate.
 *
 * Counting (per instruction, per 32-bit lane): an fp32 FMA is 2 flops, a
 * vdpbf16ps bf16 pair 4 (2 multiplies + 2 adds), a vpdpbusd int8 quad 8.
 * JSON keys exist only for the slots this CPU (and OS) runs:
 *   fp32_fma_avx2, fp32_fma_avx512, bf16_dot_avx512, int8_dot_avx512vnni,
 *   int8_dot_avxvnni   (GFLOP/s or GOP/s, single thread)
 * NEON peaks come from the cycle model (make mca), not from here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_isa.h"
#include "bench_kernel_util.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define CHAINS 12
#define INNER 256 /* instructions per chain per outer iteration */

/* The asm keeps each accumulator in a register and stops the compiler from
 * folding or reordering the chains; inputs are fixed registers. */
#define FMA_LOOP(TARGET, NAME, VEC, SETZ, SET1, INSN, REGFMT)                               \
    __attribute__((target(TARGET), noinline)) static void NAME(long iters)                  \
    {                                                                                        \
        /* twelve named accumulators (an array would be kept in memory) */                   \
        VEC a0 = SETZ, a1 = SETZ, a2 = SETZ, a3 = SETZ, a4 = SETZ, a5 = SETZ;                \
        VEC a6 = SETZ, a7 = SETZ, a8 = SETZ, a9 = SETZ, a10 = SETZ, a11 = SETZ;              \
        const VEC x = SET1, y = SET1;                                                        \
        for (long it = 0; it < iters * INNER; it++) {                                        \
            __asm__ volatile(INSN " %[x], %[y], %[a0]\n\t" INSN " %[x], %[y], %[a1]\n\t"     \
                             INSN " %[x], %[y], %[a2]\n\t" INSN " %[x], %[y], %[a3]\n\t"     \
                             INSN " %[x], %[y], %[a4]\n\t" INSN " %[x], %[y], %[a5]\n\t"     \
                             INSN " %[x], %[y], %[a6]\n\t" INSN " %[x], %[y], %[a7]\n\t"     \
                             INSN " %[x], %[y], %[a8]\n\t" INSN " %[x], %[y], %[a9]\n\t"     \
                             INSN " %[x], %[y], %[a10]\n\t" INSN " %[x], %[y], %[a11]"       \
                             : [a0] "+" REGFMT (a0), [a1] "+" REGFMT (a1), [a2] "+" REGFMT (a2), \
                               [a3] "+" REGFMT (a3), [a4] "+" REGFMT (a4), [a5] "+" REGFMT (a5), \
                               [a6] "+" REGFMT (a6), [a7] "+" REGFMT (a7), [a8] "+" REGFMT (a8), \
                               [a9] "+" REGFMT (a9), [a10] "+" REGFMT (a10), [a11] "+" REGFMT (a11) \
                             : [x] REGFMT (x), [y] REGFMT (y));                              \
        }                                                                                    \
        volatile VEC sink;                                                                   \
        sink = a0; sink = a1; sink = a2; sink = a3; sink = a4; sink = a5;                    \
        sink = a6; sink = a7; sink = a8; sink = a9; sink = a10; sink = a11;                  \
        (void)sink;                                                                          \
    }

/* 24 chains, zmm slots only (26 of the 32 registers): the dot-product
 * instructions' latency is longer than the FMA's (vdpbf16ps measured 7%
 * under its rate with 12 chains on Zen 5, a GEMM kernel ran faster than
 * the "peak"), so these slots get twice the chains. */
#define DOT_LOOP24(TARGET, NAME, VEC, SETZ, SET1, INSN) \
    __attribute__((target(TARGET), noinline)) static void NAME(long iters) \
    { \
        VEC a0 = SETZ, a1 = SETZ, a2 = SETZ, a3 = SETZ, a4 = SETZ, a5 = SETZ, a6 = SETZ, a7 = SETZ, a8 = SETZ, a9 = SETZ, a10 = SETZ, a11 = SETZ, a12 = SETZ, a13 = SETZ, a14 = SETZ, a15 = SETZ, a16 = SETZ, a17 = SETZ, a18 = SETZ, a19 = SETZ, a20 = SETZ, a21 = SETZ, a22 = SETZ, a23 = SETZ; \
        const VEC x = SET1, y = SET1; \
        /* two statements of 12: an asm takes at most 30 operands */ \
        for (long it = 0; it < iters * INNER / 2; it++) { \
            __asm__ volatile(INSN " %[x], %[y], %[a0]\n\t" INSN " %[x], %[y], %[a1]\n\t" INSN " %[x], %[y], %[a2]\n\t" INSN " %[x], %[y], %[a3]\n\t" INSN " %[x], %[y], %[a4]\n\t" INSN " %[x], %[y], %[a5]\n\t" INSN " %[x], %[y], %[a6]\n\t" INSN " %[x], %[y], %[a7]\n\t" INSN " %[x], %[y], %[a8]\n\t" INSN " %[x], %[y], %[a9]\n\t" INSN " %[x], %[y], %[a10]\n\t" INSN " %[x], %[y], %[a11]\n\t"  \
                             : [a0] "+v"(a0), [a1] "+v"(a1), [a2] "+v"(a2), [a3] "+v"(a3), [a4] "+v"(a4), [a5] "+v"(a5), [a6] "+v"(a6), [a7] "+v"(a7), [a8] "+v"(a8), [a9] "+v"(a9), [a10] "+v"(a10), [a11] "+v"(a11) \
                             : [x] "v"(x), [y] "v"(y)); \
            __asm__ volatile(INSN " %[x], %[y], %[a12]\n\t" INSN " %[x], %[y], %[a13]\n\t" INSN " %[x], %[y], %[a14]\n\t" INSN " %[x], %[y], %[a15]\n\t" INSN " %[x], %[y], %[a16]\n\t" INSN " %[x], %[y], %[a17]\n\t" INSN " %[x], %[y], %[a18]\n\t" INSN " %[x], %[y], %[a19]\n\t" INSN " %[x], %[y], %[a20]\n\t" INSN " %[x], %[y], %[a21]\n\t" INSN " %[x], %[y], %[a22]\n\t" INSN " %[x], %[y], %[a23]\n\t"  \
                             : [a12] "+v"(a12), [a13] "+v"(a13), [a14] "+v"(a14), [a15] "+v"(a15), [a16] "+v"(a16), [a17] "+v"(a17), [a18] "+v"(a18), [a19] "+v"(a19), [a20] "+v"(a20), [a21] "+v"(a21), [a22] "+v"(a22), [a23] "+v"(a23) \
                             : [x] "v"(x), [y] "v"(y)); \
        } \
        volatile VEC sink; \
        sink = a0; sink = a1; sink = a2; sink = a3; sink = a4; sink = a5; sink = a6; sink = a7; sink = a8; sink = a9; sink = a10; sink = a11; sink = a12; sink = a13; sink = a14; sink = a15; sink = a16; sink = a17; sink = a18; sink = a19; sink = a20; sink = a21; sink = a22; sink = a23; \
        (void)sink; \
    }

/* Register constraints: "x" any xmm/ymm (VEX), "v" any of the 32 zmm. */

FMA_LOOP("avx2,fma", loop_fma_avx2, __m256, _mm256_setzero_ps(), _mm256_set1_ps(1e-7f),
         "vfmadd231ps", "x")
DOT_LOOP24("avx512f", loop_fma_avx512, __m512, _mm512_setzero_ps(), _mm512_set1_ps(1e-7f),
           "vfmadd231ps")
DOT_LOOP24("avx512f,avx512bf16", loop_bf16_avx512, __m512, _mm512_setzero_ps(),
           _mm512_castsi512_ps(_mm512_set1_epi32(0x3f803f80)), "vdpbf16ps")
DOT_LOOP24("avx512f,avx512vnni", loop_vnni_avx512, __m512i, _mm512_setzero_si512(),
           _mm512_set1_epi32(0x01010101), "vpdpbusd")
FMA_LOOP("avx2,avxvnni", loop_vnni_avx2, __m256i, _mm256_setzero_si256(),
         _mm256_set1_epi32(0x01010101), "%{vex%} vpdpbusd", "x")

/* AVX-VNNI (VEX-encoded vpdpbusd): CPUID.(7,1):EAX bit 4, plus AVX state. */
static int has_avxvnni(unsigned isa)
{
    unsigned a, b, c, d;
    if (!(isa & AIO_ISA_X86_AVX2) || __get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 1, a, b, c, d);
    return (a >> 4) & 1;
}

typedef struct slot {
    const char *key;
    void (*loop)(long);
    int lanes;          /* 32-bit lanes per vector */
    int ops_per_lane;   /* 2: FMA, 4: bf16 pair dot, 8: int8 quad dot */
    int present;
} slot;

/* Best-of-reps GOP/s of one slot; each run is sized to ~2 ms, shorter than
 * a scheduler time slice, so on a busy machine some runs go uninterrupted. */
static double measure(const slot *s, int reps)
{
    long iters = 1;
    for (;;) {
        const double t0 = cpu_now_s();
        s->loop(iters);
        if (cpu_now_s() - t0 > 0.002 || iters > (1L << 30))
            break;
        iters *= 2;
    }
    double best = 0;
    for (int r = 0; r < reps; r++) {
        const double t0 = cpu_now_s();
        s->loop(iters);
        const double dt = cpu_now_s() - t0;
        const double ops = (double)iters * INNER * CHAINS * s->lanes * s->ops_per_lane;
        if (ops / dt > best)
            best = ops / dt;
    }
    return best * 1e-9;
}
#endif

int main(int argc, char **argv)
{
    const char *json = NULL;
    int reps = 200;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--json FILE] [--reps N]\n", argv[0]);
            return 2;
        }
    }
    const unsigned isa = aio_isa_detect();
    char desc[160];
    aio_isa_describe(isa, desc, sizeof desc);
    char cpu[64] = "unknown";
#if defined(__x86_64__)
    {
        unsigned r[12];
        if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u) {
            for (unsigned l = 0; l < 3; l++)
                __cpuid(0x80000002u + l, r[4 * l], r[4 * l + 1], r[4 * l + 2], r[4 * l + 3]);
            memcpy(cpu, r, 48);
            cpu[48] = 0;
            size_t n = strlen(cpu);
            while (n && cpu[n - 1] == ' ')
                cpu[--n] = 0;
            for (char *p = cpu; *p; p++)
                if (*p == '"' || *p == '\\')
                    *p = ' ';
        }
    }
    const int avxvnni = has_avxvnni(isa);
    if (avxvnni && strlen(desc) + 9 < sizeof desc)
        strcat(desc, " avxvnni");
    slot slots[] = {
        {"fp32_fma_avx2", loop_fma_avx2, 8, 2, (isa & AIO_ISA_X86_AVX2) != 0},
        {"fp32_fma_avx512", loop_fma_avx512, 16, 2, (isa & AIO_ISA_X86_AVX512) != 0},
        {"bf16_dot_avx512", loop_bf16_avx512, 16, 4,
         (isa & AIO_ISA_X86_AVX512) && (isa & AIO_ISA_X86_AVX512_BF16)},
        {"int8_dot_avx512vnni", loop_vnni_avx512, 16, 8,
         (isa & AIO_ISA_X86_AVX512) && (isa & AIO_ISA_X86_AVX512_VNNI)},
        {"int8_dot_avxvnni", loop_vnni_avx2, 8, 8, avxvnni},
    };
    const int nslots = (int)(sizeof slots / sizeof slots[0]);
    double gops[8] = {0};
    printf("# cpu: %s; isa: %s; single thread, best of %d\n", cpu, desc, reps);
    for (int s = 0; s < nslots; s++) {
        if (!slots[s].present)
            continue;
        gops[s] = measure(&slots[s], reps);
        printf("%-22s %9.1f G%s/s\n", slots[s].key, gops[s],
               slots[s].key[0] == 'i' ? "OP" : "FLOP");
        fflush(stdout);
    }
#else
    const int nslots = 0;
    double gops[1] = {0};
    printf("# isa: %s; no x86 slots on this architecture (NEON peaks: make mca)\n", desc);
#endif
    if (json) {
        FILE *f = fopen(json, "w");
        if (!f) {
            fprintf(stderr, "bench_peak: cannot write %s\n", json);
            return 1;
        }
        fprintf(f, "{\"cpu\": \"%s\", \"isa\": \"%s\"", cpu, desc);
#if defined(__x86_64__)
        for (int s = 0; s < nslots; s++)
            if (slots[s].present)
                fprintf(f, ", \"%s\": %.1f", slots[s].key, gops[s]);
#else
        (void)nslots;
        (void)gops;
#endif
        fprintf(f, "}\n");
        fclose(f);
    }
    return 0;
}
