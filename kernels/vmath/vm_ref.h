/* Portable primitives for vmath_body.inc: one lane, plain C. The same
 * algorithms as the SIMD variants, so the reference matches them closely;
 * SIMD variants also use the scalar conversions below for ragged tails. */
#ifndef AIO_VM_REF_H
#define AIO_VM_REF_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aio_wgemm.h" /* aio_f16_to_f32 and friends: portable conversions */
#include "vm_dtype.h"

static inline float vm_s_load(int dt, const void *p, size_t i)
{
    switch (dt) {
    case AIO_DT_F16: return aio_f16_to_f32(((const uint16_t *)p)[i]);
    case AIO_DT_BF16: return aio_bf16_to_f32(((const uint16_t *)p)[i]);
    default: return ((const float *)p)[i];
    }
}

static inline void vm_s_store(int dt, void *p, size_t i, float v)
{
    switch (dt) {
    case AIO_DT_F16: ((uint16_t *)p)[i] = aio_f32_to_f16(v); break;
    case AIO_DT_BF16: ((uint16_t *)p)[i] = aio_f32_to_bf16(v); break;
    default: ((float *)p)[i] = v; break;
    }
}

#endif

#ifdef AIO_VM_PRIMITIVES /* the lane-of-one primitive set, for the __ref TUs */
typedef float vf;
#define VM_LANES 1
#define VM_FN static inline
#define VM_TARGET_ATTR

VM_FN vf vm_set(float c) { return c; }
VM_FN vf vm_add(vf a, vf b) { return a + b; }
VM_FN vf vm_sub(vf a, vf b) { return a - b; }
VM_FN vf vm_mul(vf a, vf b) { return a * b; }
VM_FN vf vm_div(vf a, vf b) { return a / b; }
VM_FN vf vm_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
/* max/min against a constant; a NaN in x comes through. */
VM_FN vf vm_max_c(vf c, vf x) { return x != x ? x : (x > c ? x : c); }
VM_FN vf vm_min_c(vf c, vf x) { return x != x ? x : (x < c ? x : c); }
VM_FN vf vm_abs(vf x) { return fabsf(x); }
VM_FN vf vm_copysign(vf mag, vf sgn) { return copysignf(mag, sgn); }
VM_FN vf vm_round(vf x) { return rintf(x); }
VM_FN vf vm_ldexp(vf y, vf n) { return ldexpf(y, (int)n); }
VM_FN vf vm_lt_select(vf a, vf b, vf t, vf f) { return a < b ? t : f; }
VM_FN vf vm_gt_select(vf a, vf b, vf t, vf f) { return a > b ? t : f; }
VM_FN vf vm_eq_select(vf a, vf b, vf t, vf f) { return a == b ? t : f; }
VM_FN vf vm_nan_select(vf x, vf t, vf f) { return x != x ? t : f; }
/* Positive normal x = m * 2^e, m in [0.5, 1). */
VM_FN vf vm_frexp(vf x, vf *e)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    *e = (float)((int)((u >> 23) & 0xff) - 126);
    u = (u & 0x807fffffu) | 0x3f000000u;
    memcpy(&x, &u, 4);
    return x;
}
VM_FN vf vm_load(int dt, const void *p, size_t i, size_t n) { return vm_s_load(dt, p, i); }
VM_FN void vm_store(int dt, void *p, size_t i, vf v, size_t n) { vm_s_store(dt, p, i, v); }
VM_FN vf vm_keep(vf v, size_t k, float fill) { return k ? v : fill; }
VM_FN float vm_hmax(vf v) { return v; }
VM_FN float vm_hsum(vf v) { return v; }
#endif
