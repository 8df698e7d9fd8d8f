/* NEON gather-reduce kernels: 4 fp32 lanes; fp16 rows by fcvtl, bf16 by
 * shifts, uint8 by two widenings. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "aio_embedding.h"

static inline float32x4_t emb_u8x4(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    const uint16x8_t h = vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(w)));
    return vcvtq_f32_u32(vmovl_u16(vget_low_u16(h)));
}

#define ISA neon
#define VL 4
typedef float32x4_t V;
#define VZERO() vdupq_n_f32(0.f)
#define VSET1(x) vdupq_n_f32(x)
#define VADD(a, b) vaddq_f32((a), (b))
#define VFMA(a, b, c) vfmaq_f32((c), (a), (b))
#define VDIV(a, b) vdivq_f32((a), (b))
#define VLD(p) vld1q_f32(p)
#define VST(p, v) vst1q_f32((p), (v))
#define VROW_f32(p) vld1q_f32((const float *)(p))
#define VROW_f16(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)(p))))
#define VROW_bf16(p) vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *)(p)), 16))
#define VROW_qu8(p) emb_u8x4((const uint8_t *)(p))
#include "embedding_body.inc"
#endif
