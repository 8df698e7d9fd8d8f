/* NEON element access for the row kernels (norm/, rope/): 4 elements of
 * f32, bf16 or f16 as one float32x4_t. bf16 rounds to nearest even with
 * integer ops (NaN kept quiet); f16 converts with FCVTN (the default
 * round-to-nearest-even mode). Row tails go through a zero-padded buffer.
 * Include only from a file compiled for aarch64. */
#ifndef AIO_ROW_IO_NEON_H
#define AIO_ROW_IO_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

typedef float f32_elem;
typedef uint16_t bf16_elem;
typedef uint16_t f16_elem;

static inline float32x4_t ld4_f32(const void *p, int64_t i) { return vld1q_f32((const float *)p + i); }
static inline float32x4_t ld4_bf16(const void *p, int64_t i)
{
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *)p + i), 16));
}
static inline float32x4_t ld4_f16(const void *p, int64_t i)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)p + i)));
}
static inline void st4_f32(void *p, int64_t i, float32x4_t v) { vst1q_f32((float *)p + i, v); }
static inline void st4_bf16(void *p, int64_t i, float32x4_t v)
{
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(u, vaddq_u32(lsb, vdupq_n_u32(0x7fff))), 16);
    const uint32x4_t q = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x40));
    const uint32x4_t ok = vceqq_f32(v, v); /* all ones unless NaN */
    vst1_u16((uint16_t *)p + i, vmovn_u32(vbslq_u32(ok, r, q)));
}
static inline void st4_f16(void *p, int64_t i, float32x4_t v)
{
    vst1_u16((uint16_t *)p + i, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

#define AIO_LD4_TAIL(T, p, i, cnt, out)                                              \
    do {                                                                             \
        T##_elem buf_[4] = {0};                                                      \
        memcpy(buf_, (const T##_elem *)(p) + (i), (size_t)(cnt) * sizeof(T##_elem)); \
        (out) = ld4_##T(buf_, 0);                                                    \
    } while (0)
#define AIO_ST4_TAIL(T, p, i, cnt, v)                                                \
    do {                                                                             \
        T##_elem buf_[4];                                                            \
        st4_##T(buf_, 0, v);                                                         \
        memcpy((T##_elem *)(p) + (i), buf_, (size_t)(cnt) * sizeof(T##_elem));       \
    } while (0)

#endif
