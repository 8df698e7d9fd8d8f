/* AArch64 NEON primitives for vmath_body.inc: 4 lanes; ragged tails by
 * lane loads and stores. NEON (with fp16 <-> fp32 conversion) is in the
 * armv8-a baseline, so no target attribute. Include only on aarch64. */
#include <arm_neon.h>

#include "vm_ref.h"

typedef float32x4_t vf;
#define VM_LANES 4
#define VM_FN static inline __attribute__((always_inline))
#define VM_TARGET_ATTR

VM_FN vf vm_set(float c) { return vdupq_n_f32(c); }
VM_FN vf vm_add(vf a, vf b) { return vaddq_f32(a, b); }
VM_FN vf vm_sub(vf a, vf b) { return vsubq_f32(a, b); }
VM_FN vf vm_mul(vf a, vf b) { return vmulq_f32(a, b); }
VM_FN vf vm_div(vf a, vf b) { return vdivq_f32(a, b); }
VM_FN vf vm_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
/* FMAX/FMIN return NaN when either operand is NaN. */
VM_FN vf vm_max_c(vf c, vf x) { return vmaxq_f32(c, x); }
VM_FN vf vm_min_c(vf c, vf x) { return vminq_f32(c, x); }
VM_FN vf vm_abs(vf x) { return vabsq_f32(x); }
VM_FN vf vm_copysign(vf mag, vf sgn) { return vbslq_f32(vdupq_n_u32(0x80000000u), sgn, mag); }
VM_FN vf vm_round(vf x) { return vrndnq_f32(x); }
/* y * 2^n for integral n in [-150, 128] as two normal powers of two. */
VM_FN vf vm_ldexp(vf y, vf n)
{
    const int32x4_t ni = vcvtq_s32_f32(n);
    const int32x4_t n1 = vshrq_n_s32(ni, 1);
    const int32x4_t n2 = vsubq_s32(ni, n1);
    const int32x4_t bias = vdupq_n_s32(127);
    const vf p1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    const vf p2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    return vmulq_f32(vmulq_f32(y, p1), p2);
}
VM_FN vf vm_lt_select(vf a, vf b, vf t, vf f) { return vbslq_f32(vcltq_f32(a, b), t, f); }
VM_FN vf vm_gt_select(vf a, vf b, vf t, vf f) { return vbslq_f32(vcgtq_f32(a, b), t, f); }
VM_FN vf vm_eq_select(vf a, vf b, vf t, vf f) { return vbslq_f32(vceqq_f32(a, b), t, f); }
VM_FN vf vm_nan_select(vf x, vf t, vf f) { return vbslq_f32(vceqq_f32(x, x), f, t); }
VM_FN vf vm_frexp(vf x, vf *e)
{
    const uint32x4_t u = vreinterpretq_u32_f32(x);
    const int32x4_t ex = vreinterpretq_s32_u32(vandq_u32(vshrq_n_u32(u, 23), vdupq_n_u32(0xff)));
    *e = vcvtq_f32_s32(vsubq_s32(ex, vdupq_n_s32(126)));
    return vreinterpretq_f32_u32(vorrq_u32(vandq_u32(u, vdupq_n_u32(0x807fffffu)), vdupq_n_u32(0x3f000000u)));
}

/* Lanes 0..n-1 (n in 1..3) by lane loads, the rest 0: no scratch buffer,
 * no loop and no call, so a ragged tail inside a row loop leaves the
 * loop's registers alone (make check-stack). */
VM_FN float32x4_t vm_load_part_f32(const float *p, size_t n)
{
    float32x4_t v = vld1q_lane_f32(p, vdupq_n_f32(0.f), 0);
    if (n > 1)
        v = vld1q_lane_f32(p + 1, v, 1);
    if (n > 2)
        v = vld1q_lane_f32(p + 2, v, 2);
    return v;
}
VM_FN uint16x4_t vm_load_part_u16(const uint16_t *p, size_t n)
{
    uint16x4_t v = vld1_lane_u16(p, vdup_n_u16(0), 0);
    if (n > 1)
        v = vld1_lane_u16(p + 1, v, 1);
    if (n > 2)
        v = vld1_lane_u16(p + 2, v, 2);
    return v;
}

VM_FN vf vm_load(int dt, const void *p, size_t i, size_t n)
{
    const uint16_t *h = (const uint16_t *)p + i;
    switch (dt) {
    case AIO_DT_F16: return vcvt_f32_f16(vreinterpret_f16_u16(n < 4 ? vm_load_part_u16(h, n) : vld1_u16(h)));
    case AIO_DT_BF16: return vreinterpretq_f32_u32(vshll_n_u16(n < 4 ? vm_load_part_u16(h, n) : vld1_u16(h), 16));
    default: return n < 4 ? vm_load_part_f32((const float *)p + i, n) : vld1q_f32((const float *)p + i);
    }
}

VM_FN uint16x4_t vm_to_bf16(vf v)
{
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    uint32x4_t r = vshrq_n_u32(vaddq_u32(vaddq_u32(u, vdupq_n_u32(0x7fff)), lsb), 16);
    const uint32x4_t q = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x40));
    r = vbslq_u32(vceqq_f32(v, v), r, q);
    return vmovn_u32(r);
}

VM_FN void vm_store_part_f32(float *p, float32x4_t v, size_t n)
{
    vst1q_lane_f32(p, v, 0);
    if (n > 1)
        vst1q_lane_f32(p + 1, v, 1);
    if (n > 2)
        vst1q_lane_f32(p + 2, v, 2);
}
VM_FN void vm_store_u16(uint16_t *p, uint16x4_t v, size_t n)
{
    if (n >= 4) {
        vst1_u16(p, v);
        return;
    }
    vst1_lane_u16(p, v, 0);
    if (n > 1)
        vst1_lane_u16(p + 1, v, 1);
    if (n > 2)
        vst1_lane_u16(p + 2, v, 2);
}

VM_FN void vm_store(int dt, void *p, size_t i, vf v, size_t n)
{
    switch (dt) {
    case AIO_DT_F16: vm_store_u16((uint16_t *)p + i, vreinterpret_u16_f16(vcvt_f16_f32(v)), n); break;
    case AIO_DT_BF16: vm_store_u16((uint16_t *)p + i, vm_to_bf16(v), n); break;
    default:
        if (n < 4)
            vm_store_part_f32((float *)p + i, v, n);
        else
            vst1q_f32((float *)p + i, v);
        break;
    }
}
/* Lanes k.. (k in 1..3) replaced by fill: masks a ragged tail's sum/max. */
VM_FN vf vm_keep(vf v, size_t k, float fill)
{
    static const uint32_t iota[4] = {0, 1, 2, 3};
    return vbslq_f32(vcltq_u32(vld1q_u32(iota), vdupq_n_u32((uint32_t)k)), v, vdupq_n_f32(fill));
}
VM_FN float vm_hmax(vf v) { return vmaxvq_f32(v); }
VM_FN float vm_hsum(vf v) { return vaddvq_f32(v); }
