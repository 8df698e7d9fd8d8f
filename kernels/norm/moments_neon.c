/* NEON shared statistics (aio_moments.h), 4 lanes. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "aio_moments.h"

#define MOM_W 4
#define MOM_V float32x4_t
#define MOM_ATTR
#define MOM_ZERO() vdupq_n_f32(0.f)
#define MOM_SET1(f) vdupq_n_f32(f)
#define MOM_LOAD(p) vld1q_f32(p)
#define MOM_STORE(p, v) vst1q_f32((p), (v))
#define MOM_ADD vaddq_f32
#define MOM_SUB vsubq_f32
#define MOM_MUL vmulq_f32
#define MOM_FMA(a, b, c) vfmaq_f32((c), (a), (b))
#define MOM_HSUM vaddvq_f32
#define MOM_ISA neon
#include "moments_body.inc"
#endif
