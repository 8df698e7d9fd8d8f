/* AArch64 NEON arg-extreme kernels: 4 lanes, compare results as all-ones lanes. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <stdint.h>

#define AE_ISA neon
#define AE_LANES 4
#define AE_FN
#define AE_PRIM static inline __attribute__((always_inline))
typedef float32x4_t ae_vf;
typedef int32x4_t ae_vi;
typedef uint32x4_t ae_mask;

AE_PRIM ae_vf ae_load_f32(const float *p) { return vld1q_f32(p); }
AE_PRIM ae_vf ae_load_bf16(const uint16_t *p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
AE_PRIM ae_vf ae_set(float f) { return vdupq_n_f32(f); }
AE_PRIM ae_vi ae_iset(int32_t i) { return vdupq_n_s32(i); }
AE_PRIM ae_vi ae_iota(void)
{
    static const int32_t k[4] = {0, 1, 2, 3};
    return vld1q_s32(k);
}
AE_PRIM ae_vi ae_iadd(ae_vi a, ae_vi b) { return vaddq_s32(a, b); }
/* vcgtq/vcltq are false when either side is NaN (ordered). */
AE_PRIM ae_mask ae_gt(ae_vf a, ae_vf b) { return vcgtq_f32(a, b); }
AE_PRIM ae_mask ae_lt(ae_vf a, ae_vf b) { return vcltq_f32(a, b); }
AE_PRIM ae_mask ae_unord(ae_vf a) { return vmvnq_u32(vceqq_f32(a, a)); }
AE_PRIM ae_mask ae_none(void) { return vdupq_n_u32(0); }
AE_PRIM ae_mask ae_or(ae_mask a, ae_mask b) { return vorrq_u32(a, b); }
AE_PRIM int ae_any(ae_mask a) { return vmaxvq_u32(a) != 0; }
AE_PRIM ae_vf ae_sel(ae_mask k, ae_vf a, ae_vf b) { return vbslq_f32(k, a, b); }
AE_PRIM ae_vi ae_isel(ae_mask k, ae_vi a, ae_vi b) { return vbslq_s32(k, a, b); }
AE_PRIM void ae_store(float *p, ae_vf v) { vst1q_f32(p, v); }
AE_PRIM void ae_istore(int32_t *p, ae_vi v) { vst1q_s32(p, v); }

#include "argext_body.inc"
#endif
