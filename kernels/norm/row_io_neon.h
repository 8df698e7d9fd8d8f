/* NEON element access for the row kernels (norm/, rope/): 4 elements of
 * f32, bf16 or f16 as one float32x4_t. bf16 rounds to nearest even with
 * integer ops (NaN kept quiet); f16 converts with FCVTN (the default
 * round-to-nearest-even mode). Row tails by lane loads and stores.
 * Include only from a file compiled for aarch64. */
#ifndef AIO_ROW_IO_NEON_H
#define AIO_ROW_IO_NEON_H

#include <arm_neon.h>
#include <stdint.h>

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
static inline uint16x4_t to_bf16x4(float32x4_t v)
{
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(u, vaddq_u32(lsb, vdupq_n_u32(0x7fff))), 16);
    const uint32x4_t q = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x40));
    const uint32x4_t ok = vceqq_f32(v, v); /* all ones unless NaN */
    return vmovn_u32(vbslq_u32(ok, r, q));
}
static inline void st4_bf16(void *p, int64_t i, float32x4_t v) { vst1_u16((uint16_t *)p + i, to_bf16x4(v)); }
static inline void st4_f16(void *p, int64_t i, float32x4_t v)
{
    vst1_u16((uint16_t *)p + i, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

/* Row tails (cnt in 1..3 elements) by lane loads and stores, lanes past
 * the end 0: no padded buffer, no memcpy call, so the row loop keeps its
 * values in registers (make check-stack). */
static inline float32x4_t ldpart_f32(const void *p, int64_t i, int64_t cnt)
{
    const float *q = (const float *)p + i;
    float32x4_t v = vld1q_lane_f32(q, vdupq_n_f32(0.f), 0);
    if (cnt > 1)
        v = vld1q_lane_f32(q + 1, v, 1);
    if (cnt > 2)
        v = vld1q_lane_f32(q + 2, v, 2);
    return v;
}
static inline uint16x4_t ldpart_u16(const void *p, int64_t i, int64_t cnt)
{
    const uint16_t *q = (const uint16_t *)p + i;
    uint16x4_t v = vld1_lane_u16(q, vdup_n_u16(0), 0);
    if (cnt > 1)
        v = vld1_lane_u16(q + 1, v, 1);
    if (cnt > 2)
        v = vld1_lane_u16(q + 2, v, 2);
    return v;
}
static inline float32x4_t ldpart_bf16(const void *p, int64_t i, int64_t cnt)
{
    return vreinterpretq_f32_u32(vshll_n_u16(ldpart_u16(p, i, cnt), 16));
}
static inline float32x4_t ldpart_f16(const void *p, int64_t i, int64_t cnt)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(ldpart_u16(p, i, cnt)));
}
static inline void stpart_f32(void *p, int64_t i, int64_t cnt, float32x4_t v)
{
    float *q = (float *)p + i;
    vst1q_lane_f32(q, v, 0);
    if (cnt > 1)
        vst1q_lane_f32(q + 1, v, 1);
    if (cnt > 2)
        vst1q_lane_f32(q + 2, v, 2);
}
static inline void stpart_u16(void *p, int64_t i, int64_t cnt, uint16x4_t v)
{
    uint16_t *q = (uint16_t *)p + i;
    vst1_lane_u16(q, v, 0);
    if (cnt > 1)
        vst1_lane_u16(q + 1, v, 1);
    if (cnt > 2)
        vst1_lane_u16(q + 2, v, 2);
}
static inline void stpart_bf16(void *p, int64_t i, int64_t cnt, float32x4_t v) { stpart_u16(p, i, cnt, to_bf16x4(v)); }
static inline void stpart_f16(void *p, int64_t i, int64_t cnt, float32x4_t v)
{
    stpart_u16(p, i, cnt, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

#define AIO_LD4_TAIL(T, p, i, cnt, out) ((out) = ldpart_##T((p), (i), (cnt)))
#define AIO_ST4_TAIL(T, p, i, cnt, v) stpart_##T((p), (i), (cnt), (v))

#endif
