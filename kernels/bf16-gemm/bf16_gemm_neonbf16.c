/* Arm BF16 (BFDOT) micro-kernel of the bf16-dot GEMM driver
 * (bf16_gemm_driver.h): 8 x 12 tile, 24 fp32x4 accumulators; per K pair
 * three B vectors (4 pair-columns each) and two A vectors (4 pair-rows
 * each) feed 24 BFDOT-by-lane instructions. Packing uses the portable
 * packers (the conversion is O(MK + NK) against O(MNK) of BFDOTs).
 * Compiled on aarch64 only; the target attribute keeps the build at
 * armv8-a, and the slot picks this only where HWCAP2_BF16 is set. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include "aio_mca.h"

#include "bf16_gemm_driver.h"

#define AIO_TARGET __attribute__((target("arch=armv8.2-a+bf16")))

enum { MR = 8, NR = 12 };

AIO_TARGET void aio_bf16_gemm_ukernel_8x12__neonbf16(size_t kc2, const uint32_t *a, const uint32_t *b,
                                                     const aio_bf16_gemm_out *o, size_t mr, size_t nr)
{
    /* Named accumulators, not an array: gcc -O2 kept acc[8][3] on the
     * stack (35 loads/stores per K pair, 31% of the BFDOT bound on N1's
     * model); 24 named registers + 5 operands fit the 32 q registers. */
#define ACC3(i) float32x4_t c##i##0 = vdupq_n_f32(0.0f), c##i##1 = c##i##0, c##i##2 = c##i##0;
    ACC3(0) ACC3(1) ACC3(2) ACC3(3) ACC3(4) ACC3(5) ACC3(6) ACC3(7)
#undef ACC3
    for (size_t q = 0; q < kc2; q++) {
        AIO_MCA_BEGIN("aio_bf16_gemm_ukernel_8x12__neonbf16");
        const bfloat16x8_t b0 = vreinterpretq_bf16_u32(vld1q_u32(b));
        const bfloat16x8_t b1 = vreinterpretq_bf16_u32(vld1q_u32(b + 4));
        const bfloat16x8_t b2 = vreinterpretq_bf16_u32(vld1q_u32(b + 8));
        const bfloat16x8_t a0 = vreinterpretq_bf16_u32(vld1q_u32(a));
        const bfloat16x8_t a1 = vreinterpretq_bf16_u32(vld1q_u32(a + 4));
#define ROW(I, AV, L)                                           \
    c##I##0 = vbfdotq_laneq_f32(c##I##0, b0, AV, L);            \
    c##I##1 = vbfdotq_laneq_f32(c##I##1, b1, AV, L);            \
    c##I##2 = vbfdotq_laneq_f32(c##I##2, b2, AV, L);
        ROW(0, a0, 0) ROW(1, a0, 1) ROW(2, a0, 2) ROW(3, a0, 3)
        ROW(4, a1, 0) ROW(5, a1, 1) ROW(6, a1, 2) ROW(7, a1, 3)
#undef ROW
        a += MR;
        b += NR;
        AIO_MCA_END();
    }
    float t[MR][NR];
#define ST3(i)                      \
    vst1q_f32(t[i], c##i##0);       \
    vst1q_f32(t[i] + 4, c##i##1);   \
    vst1q_f32(t[i] + 8, c##i##2);
    ST3(0) ST3(1) ST3(2) ST3(3) ST3(4) ST3(5) ST3(6) ST3(7)
#undef ST3
    /* Epilogue on the valid corner; S is read before C is written (alias). */
    for (size_t i = 0; i < mr; i++) {
        float *c = o->c + i * o->ldc;
        for (size_t j = 0; j < nr; j++) {
            float v = o->alpha * t[i][j];
            if (o->accumulate)
                v += c[j];
            else if (o->s)
                v += o->beta * o->s[(int64_t)i * o->s_stride_m + (int64_t)j * o->s_stride_n];
            c[j] = v;
        }
    }
}

/* Blocking for N1-class cores (64 KiB L1D, 1 MiB L2): kc = 512 K values
 * (bf16, 2 bytes) makes the same bytes as the fp32 kernel's kc = 256: an
 * 8 KiB A pair panel and 12 KiB B micro-panels, half of L1 with two of
 * them; the 512 x 480 bf16 B block is 480 KiB, under half of L2. */
static const aio_bf16_gemm_ops ops = {
    .mr = MR, .nr = NR, .kc = 512, .nc = 480,
    .gemm = aio_bf16_gemm_ukernel_8x12__neonbf16,
    .pack_t = aio_bf16_gemm_pack_t__scalar,
    .pack_n = aio_bf16_gemm_pack_n__scalar,
};

void aio_bf16_gemm__neonbf16(const aio_bf16_gemm_args *args, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_bf16_gemm_run(&ops, args, m0, m1, n0, n1);
}
#endif
