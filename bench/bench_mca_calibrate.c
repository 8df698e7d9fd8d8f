/* Calibration of the cycle model (make mca) on this x86 machine: measured
 * cycles per inner-loop iteration of the AVX2 micro-kernels, to set next
 * to llvm-mca's figures for the same loops (make mca, -mcpu=znver3/4).
 *
 *   bench_mca_calibrate [--runs N]
 *
 * The machine is shared and loaded, so every figure is the best of many
 * short runs (each well under a scheduler time slice): contention only
 * slows a run down, so the fastest is the closest to an idle core. The
 * clock is measured, not assumed: a stream of independent ymm FMAs runs at
 * 2 per cycle on Zen 3/4 (two FMA pipes), so its rate / 2 is the clock.
 * Prints cycles per iteration of each marked loop and, for the whole
 * fp32 GEMM at a cache-resident size, GFLOP/s and FLOP per cycle. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio_f32_gemm.h"
#include "aio_qd8_gemm.h"
#include "aio_wgemm.h"
#include "f32-gemm/f32_gemm_driver.h"

void aio_f32_gemm_ukernel_6x16__avx2(size_t kc, const float *a, const float *b, size_t ldb,
                                     const aio_f32_gemm_out *o, size_t mr, size_t nr);
void aio_f32_gemm_dot_ukernel_1x4__avx2(size_t k, const float *a, size_t lda, const float *w,
                                        size_t ldw, size_t nr_valid, float *out);
void aio_f32_gemm_dot_ukernel_2x4__avx2(size_t k, const float *a, size_t lda, const float *w,
                                        size_t ldw, size_t nr_valid, float *out);

static int runs = 2000;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best seconds per call of fn over `runs` runs of `reps` calls. */
#define BEST(reps, call)                                    \
    ({                                                      \
        double best_ = 1e30;                                \
        for (int r_ = 0; r_ < runs; r_++) {                 \
            const double t0_ = now_s();                     \
            for (int q_ = 0; q_ < (reps); q_++) {           \
                call;                                       \
            }                                               \
            const double dt_ = (now_s() - t0_) / (reps);    \
            best_ = dt_ < best_ ? dt_ : best_;              \
        }                                                   \
        best_;                                              \
    })

__attribute__((target("avx2,fma"))) static double clock_ghz(void)
{
    __m256 a = _mm256_set1_ps(1.0001f), b = _mm256_set1_ps(0.9999f);
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0,
           c7 = c0, c8 = c0, c9 = c0;
    const int n = 20000; /* 200k FMAs, ~30 us */
    const double t = BEST(1, {
        for (int i = 0; i < n; i++)
            __asm__ volatile("vfmadd231ps %[a],%[b],%[c0]\n\tvfmadd231ps %[a],%[b],%[c1]\n\t"
                             "vfmadd231ps %[a],%[b],%[c2]\n\tvfmadd231ps %[a],%[b],%[c3]\n\t"
                             "vfmadd231ps %[a],%[b],%[c4]\n\tvfmadd231ps %[a],%[b],%[c5]\n\t"
                             "vfmadd231ps %[a],%[b],%[c6]\n\tvfmadd231ps %[a],%[b],%[c7]\n\t"
                             "vfmadd231ps %[a],%[b],%[c8]\n\tvfmadd231ps %[a],%[b],%[c9]"
                             : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3),
                               [c4] "+x"(c4), [c5] "+x"(c5), [c6] "+x"(c6), [c7] "+x"(c7),
                               [c8] "+x"(c8), [c9] "+x"(c9)
                             : [a] "x"(a), [b] "x"(b));
    });
    return 10.0 * n / t / 2.0 * 1e-9;
}

static float *filled(size_t n, unsigned seed)
{
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 9) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("bench_mca_calibrate: needs AVX2+FMA\n");
        return 0;
    }
    const double ghz = clock_ghz();
    printf("clock (ymm FMA stream / 2 per cycle): %.3f GHz\n", ghz);
    printf("%-44s %10s %12s\n", "loop (make mca region)", "ns/call", "cycles/iter");

    { /* 6x16 broadcast kernel: kc = 256 K steps, A and B packed in L1 */
        const size_t kc = 256;
        float *a = filled(6 * kc, 1), *b = filled(16 * kc, 2), *c = filled(6 * 16, 3);
        aio_f32_gemm_out o = {.c = c, .ldc = 16, .alpha = 1, .beta = 0, .accumulate = 1};
        const double t = BEST(20, aio_f32_gemm_ukernel_6x16__avx2(kc, a, b, 16, &o, 6, 16));
        printf("%-44s %10.1f %12.2f\n", "gemm_mrx16__avx2 (6x16, per K step)", t * 1e9,
               t * ghz * 1e9 / (double)kc);
        free(a), free(b), free(c);
    }
    { /* dot kernels: k = 1024 (8 KiB A rows, 16 KiB W rows: L1) */
        const size_t k = 1024;
        float *a = filled(2 * k, 4), *w = filled(4 * k, 5), out[8];
        const double t1 = BEST(20, aio_f32_gemm_dot_ukernel_1x4__avx2(k, a, k, w, k, 4, out));
        const double t2 = BEST(20, aio_f32_gemm_dot_ukernel_2x4__avx2(k, a, k, w, k, 4, out));
        printf("%-44s %10.1f %12.2f\n", "dot_mrxnr__avx2 1x4 (per 8 K)", t1 * 1e9, t1 * ghz * 1e9 / (k / 8.0));
        printf("%-44s %10.1f %12.2f\n", "dot_mrxnr__avx2 2x4 (per 8 K)", t2 * 1e9, t2 * ghz * 1e9 / (k / 8.0));
        free(a), free(w);
    }
    { /* qd8 AVX2: 1..4 rows x one 16-channel block, K = 2048 (groups of 4 K) */
        const int64_t K = 2048, N = 16;
        float *w = filled((size_t)(N * K), 6), *c = filled(4 * N, 7), sa[4] = {1, 1, 1, 1};
        const size_t qbytes = aio_wpack_bytes(AIO_WFMT_QC8, N, K);
        void *qp = aligned_alloc(64, (qbytes + 63) / 64 * 64);
        aio_packed_weight qpw;
        aio_wpack(AIO_WFMT_QC8, w, K, N, K, qp, &qpw);
        const int64_t ldq = aio_qd8_row_bytes(K);
        uint8_t *qa = aligned_alloc(64, (size_t)(4 * ldq));
        for (int64_t i = 0; i < 4 * ldq; i++)
            qa[i] = (uint8_t)(i * 37 + 11);
        for (int m = 1; m <= 4; m++) {
            aio_qd8_gemm_args g = {.m = m, .qa = qa, .ldqa = ldq, .a_scale = sa, .w = &qpw,
                                   .c = c, .ldc = N, .alpha = 1, .beta = 0};
            const double t = BEST(20, aio_qd8_f32_qc8w_gemm__avx2(&g, 0, m, 0, N));
            char name[64];
            snprintf(name, sizeof name, "qd8_tile__avx2 %d rows (per 4 K)", m);
            printf("%-44s %10.1f %12.2f\n", name, t * 1e9, t * ghz * 1e9 / (K / 4.0));
        }
        free(w), free(c), free(qp), free(qa);
    }
    { /* whole fp32 GEMM (packing, edges, epilogue) at cache-resident sizes */
        static const int64_t shapes[][3] = {{96, 256, 256}, {192, 512, 512}};
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int64_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
            float *a = filled((size_t)(M * K), 8), *w = filled((size_t)(N * K), 9);
            float *c = filled((size_t)(M * N), 10);
            const aio_f32_gemm_args g = {.m = M, .n = N, .k = K, .a = a, .lda = K, .b = w, .ldb = K,
                                         .b_trans = 1, .c = c, .ldc = N, .alpha = 1, .beta = 0};
            const double t = BEST(1, aio_f32_gemm__avx2(&g, 0, M, 0, N));
            const double flop = 2.0 * (double)(M * N * K);
            printf("aio_f32_gemm__avx2 %lldx%lldx%lld: %.1f GFLOP/s, %.1f FLOP/cycle\n", (long long)M,
                   (long long)K, (long long)N, flop / t * 1e-9, flop / t * 1e-9 / ghz);
            free(a), free(w), free(c);
        }
    }
    return 0;
}
#else
#include <stdio.h>
int main(void)
{
    printf("bench_mca_calibrate: x86_64 only\n");
    return 0;
}
#endif
