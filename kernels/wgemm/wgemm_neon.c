/* AArch64 NEON kernels of the weight-compressed GEMM (wgemm_driver.h):
 * 8 W values per row and step, expanded to two float32x4 (f16: vcvt_f32_f16,
 * base armv8; bf16: vshll by 16; int8: vmovl, then the 1.5 * 2^23 add/sub
 * of LOADW_i8). 1..2 rows of A take
 * the 8-row W tile at once, 3..4 rows in two 4-row passes. The K tail goes
 * through a zero-padded copy of A (W is zero padded already). Tested under
 * qemu only. The many-row path runs aio_f32_gemm__neon. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#include "aio_mca.h"

#include "wgemm_driver.h"

#define AIO_INLINE static inline __attribute__((always_inline))
/* gcc's pre-allocation scheduler hoists every W load of a step next to
 * 16 accumulators (2-row tile) and spills; without it nothing spills. */
#define AIO_NOSCHED __attribute__((optimize("no-schedule-insns")))

#define LOADW_f16(p, lo, hi)                                             \
    do {                                                                 \
        const float16x8_t h_ = vreinterpretq_f16_u16(vld1q_u16(p));      \
        lo = vcvt_f32_f16(vget_low_f16(h_));                             \
        hi = vcvt_high_f32_f16(h_);                                      \
    } while (0)
/* bf16, 1-2 rows (MR <= 2): K split into even and odd elements instead of
 * low and high halves. Odd bf16s are already the high halves of the 32-bit
 * lanes (AND, either V pipe), even ones take one shift (V1 only on N1),
 * where SHLL/SHLL2 are both V1 only; A is split the same way by UZP1/UZP2,
 * once per step for all 8 W rows. 3-4 rows keep SHLL (fewer A permutes
 * per W expansion there). */
#define LOADW_bf16(p, lo, hi)                                            \
    do {                                                                 \
        const uint16x8_t h_ = vld1q_u16(p);                              \
        if (MR <= 2) {                                                   \
            const uint32x4_t u_ = vreinterpretq_u32_u16(h_);             \
            lo = vreinterpretq_f32_u32(vshlq_n_u32(u_, 16));             \
            hi = vreinterpretq_f32_u32(vandq_u32(u_, vdupq_n_u32(0xffff0000u))); \
        } else {                                                         \
            lo = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h_), 16)); \
            hi = vreinterpretq_f32_u32(vshll_high_n_u16(h_, 16));        \
        }                                                                \
    } while (0)
/* A's 8 K in the order LOADW gives W's: halves, or (bf16, MR <= 2) even/odd. */
#define LOADA_f16(p, x0, x1) (x0 = vld1q_f32(p), x1 = vld1q_f32((p) + 4))
#define LOADA_i8 LOADA_f16
#define LOADA_bf16(p, x0, x1)                                            \
    do {                                                                 \
        const float32x4_t l_ = vld1q_f32(p), h_ = vld1q_f32((p) + 4);    \
        x0 = MR <= 2 ? vuzp1q_f32(l_, h_) : l_;                          \
        x1 = MR <= 2 ? vuzp2q_f32(l_, h_) : h_;                          \
    } while (0)
/* int8 -> fp32 without SCVTF (on N1 one per 2 cycles, V0 only): the
 * integer add puts q into the low bits of 1.5 * 2^23 (ulp 1, |q| <= 127
 * never carries out of the mantissa), the float subtract leaves q exactly.
 * SADDW and FSUB issue on both V pipes: 3 slots per 8 weights, not 7. */
#define LOADW_i8(p, lo, hi)                                              \
    do {                                                                 \
        const int16x8_t s_ = vmovl_s8(vld1_s8(p));                       \
        const int32x4_t m_ = vdupq_n_s32(0x4B400000); /* 1.5 * 2^23 */   \
        const float32x4_t mf_ = vreinterpretq_f32_s32(m_);               \
        lo = vsubq_f32(vreinterpretq_f32_s32(vaddw_s16(m_, vget_low_s16(s_))), mf_); \
        hi = vsubq_f32(vreinterpretq_f32_s32(vaddw_high_s16(m_, s_)), mf_);          \
    } while (0)

#define DOT_STEP(AP, LDA, LOADW, LOADA, OFF)                             \
    do {                                                                 \
        float32x4_t a0[4], a1[4];                                        \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)          \
            LOADA((AP) + i * (LDA), a0[i], a1[i]);                       \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++) {        \
            float32x4_t w0, w1;                                          \
            LOADW(wr[j] + (OFF), w0, w1);                                \
            _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++) {    \
                acc[i][j] = vfmaq_f32(acc[i][j], a0[i], w0);             \
                acc[i][j] = vfmaq_f32(acc[i][j], a1[i], w1);             \
            }                                                            \
        }                                                                \
    } while (0)

#define DEF_FORMAT(FMT, T)                                                                   \
    AIO_INLINE void dot_##FMT(const size_t MR, const size_t NR, size_t k, const float *a,   \
                              size_t lda, const T *const *wr, float *out)                   \
    {                                                                                        \
        float32x4_t acc[4][8]; /* unrolled loops only: a run-time index keeps it in memory */ \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                acc[i][j] = vdupq_n_f32(0.0f);                                               \
        size_t p = 0;                                                                        \
        for (; p + 8 <= k; p += 8) {                                                         \
            AIO_MCA_BEGIN("dot_" #FMT "__neon");                                             \
            DOT_STEP(a + p, lda, LOADW_##FMT, LOADA_##FMT, p);                                            \
            AIO_MCA_END();                                                                   \
        }                                                                                    \
        if (p < k) {                                                                         \
            float at[4][8];                                                                  \
            memset(at, 0, sizeof at);                                                        \
            for (size_t i = 0; i < MR; i++)                                                  \
                memcpy(at[i], a + i * lda + p, (k - p) * sizeof(float));                     \
            DOT_STEP(&at[0][0], 8, LOADW_##FMT, LOADA_##FMT, p);                                          \
        }                                                                                    \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                out[i * AIO_WGEMM_WT + j] = vaddvq_f32(acc[i][j]);                           \
    }                                                                                        \
    AIO_INLINE void dot8_##FMT(const size_t MR, size_t k, const float *a, size_t lda,       \
                               const void *w, size_t ldw, size_t nr_valid, float *out)      \
    {                                                                                        \
        const size_t NR = MR <= 2 ? 8 : 4;                                                   \
        const T *wr[8];                                                                      \
        for (size_t j = 0; j < 8; j++)                                                       \
            wr[j] = (const T *)w + (j < nr_valid ? j : nr_valid - 1) * ldw;                  \
        for (size_t j = 0; j < nr_valid; j += NR)                                            \
            dot_##FMT(MR, NR, k, a, lda, wr + j, out + j);                                   \
    }                                                                                        \
    AIO_NOSCHED static void dot1_##FMT(size_t k, const float *a, size_t lda, const void *w, size_t ldw, \
                           size_t nv, float *out)                                           \
    { dot8_##FMT(1, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_NOSCHED static void dot2_##FMT(size_t k, const float *a, size_t lda, const void *w, size_t ldw, \
                           size_t nv, float *out)                                           \
    { dot8_##FMT(2, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_NOSCHED static void dot3_##FMT(size_t k, const float *a, size_t lda, const void *w, size_t ldw, \
                           size_t nv, float *out)                                           \
    { dot8_##FMT(3, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_NOSCHED static void dot4_##FMT(size_t k, const float *a, size_t lda, const void *w, size_t ldw, \
                           size_t nv, float *out)                                           \
    { dot8_##FMT(4, k, a, lda, w, ldw, nv, out); }                                           \
    static void expand_##FMT(size_t kp, const void *w, float scale, float *dst)             \
    {                                                                                        \
        const T *src = w;                                                                    \
        const size_t MR = 4; (void)MR; /* LOADW in natural K order */                         \
        for (size_t p = 0; p < kp; p += 8) {                                                 \
            float32x4_t lo, hi;                                                              \
            LOADW_##FMT(src + p, lo, hi);                                                    \
            vst1q_f32(dst + p, vmulq_n_f32(lo, scale));                                      \
            vst1q_f32(dst + p + 4, vmulq_n_f32(hi, scale));                                  \
        }                                                                                    \
    }                                                                                        \
    static const aio_wgemm_ops ops_##FMT = {                                                 \
        .dot = {dot1_##FMT, dot2_##FMT, dot3_##FMT, dot4_##FMT},                             \
        .expand = expand_##FMT,                                                              \
        .f32 = aio_f32_gemm__neon,                                                           \
        .big_m = 256,                                                                        \
    };                                                                                       \
    void aio_##FMT##w_gemm__neon(const aio_wgemm_args *g, int64_t m0, int64_t m1,           \
                                 int64_t n0, int64_t n1)                                    \
    {                                                                                        \
        aio_wgemm_run(&ops_##FMT, g, m0, m1, n0, n1);                                        \
    }

DEF_FORMAT(f16, uint16_t)
DEF_FORMAT(bf16, uint16_t)
DEF_FORMAT(i8, int8_t)
#endif
