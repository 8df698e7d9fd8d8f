/* NEON per-row activation quantizer (aio_qd8_gemm.h), 16 floats a step:
 * the same bytes and scales as the portable aio_qd8_quantize_rows. max |x|
 * keeps NaN (FMAX/FMAXV return NaN when an operand is NaN); rint(x *
 * 127/amax) is FRINTN, which is rintf in the default rounding mode; then
 * clamp to +-127, + a_offset, narrowed mod 256 as the (uint8_t) cast is.
 * The decode path calls this once per Linear; the portable loop does one
 * element per ~10 instructions with two branches. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>

#include "aio_mca.h"
#include "aio_qd8_gemm.h"

static inline int32x4_t quant4(float32x4_t v, float32x4_t inv, int32x4_t off)
{
    float32x4_t r = vrndnq_f32(vmulq_f32(v, inv));
    r = vminq_f32(vmaxq_f32(r, vdupq_n_f32(-127.0f)), vdupq_n_f32(127.0f));
    return vaddq_s32(vcvtq_s32_f32(r), off);
}

void aio_qd8_quantize_rows__neon(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                                 int64_t ldq, float *scales, int64_t m0, int64_t m1)
{
    const int64_t kq = aio_qd8_row_bytes(k);
    for (int64_t i = m0; i < m1; i++) {
        const float *x = a + i * lda;
        uint8_t *dst = q + i * ldq;
        float32x4_t v0 = vdupq_n_f32(0.0f), v1 = v0, v2 = v0, v3 = v0;
        int64_t p = 0;
        for (; p + 16 <= k; p += 16) {
            v0 = vmaxq_f32(v0, vabsq_f32(vld1q_f32(x + p)));
            v1 = vmaxq_f32(v1, vabsq_f32(vld1q_f32(x + p + 4)));
            v2 = vmaxq_f32(v2, vabsq_f32(vld1q_f32(x + p + 8)));
            v3 = vmaxq_f32(v3, vabsq_f32(vld1q_f32(x + p + 12)));
        }
        float amax = vmaxvq_f32(vmaxq_f32(vmaxq_f32(v0, v1), vmaxq_f32(v2, v3)));
        for (; p < k; p++) /* as the portable loop: a NaN stays */
            amax = fabsf(x[p]) > amax || x[p] != x[p] ? fabsf(x[p]) : amax;
        p = 0;
        if (!isfinite(amax)) {
            scales[i] = NAN;
        } else if (amax == 0.0f || amax / 127.0f == 0.0f) {
            scales[i] = 0.0f;
        } else {
            const float scale = amax / 127.0f, inv = 127.0f / amax;
            scales[i] = scale;
            if (!isfinite(inv)) { /* tiny amax: the portable division path */
                aio_qd8_quantize_rows(a, lda, k, a_offset, q, ldq, scales, i, i + 1);
                continue;
            }
            const float32x4_t vinv = vdupq_n_f32(inv);
            const int32x4_t off = vdupq_n_s32(a_offset);
            for (; p + 16 <= k; p += 16) {
                AIO_MCA_BEGIN("aio_qd8_quantize_rows__neon");
                const int32x4_t q0 = quant4(vld1q_f32(x + p), vinv, off);
                const int32x4_t q1 = quant4(vld1q_f32(x + p + 4), vinv, off);
                const int32x4_t q2 = quant4(vld1q_f32(x + p + 8), vinv, off);
                const int32x4_t q3 = quant4(vld1q_f32(x + p + 12), vinv, off);
                const int16x8_t h0 = vmovn_high_s32(vmovn_s32(q0), q1);
                const int16x8_t h1 = vmovn_high_s32(vmovn_s32(q2), q3);
                vst1q_u8(dst + p, vreinterpretq_u8_s8(vmovn_high_s16(vmovn_s16(h0), h1)));
                AIO_MCA_END();
            }
            for (; p < k; p++) {
                float r = rintf(x[p] * inv);
                r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
                dst[p] = (uint8_t)((int)r + a_offset);
            }
        }
        for (; p < kq; p++)
            dst[p] = (uint8_t)a_offset;
    }
}
#endif
