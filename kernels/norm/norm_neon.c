/* NEON RMSNorm and LayerNorm rows (aio_norm.h): 4 lanes, eight (RMSNorm)
 * accumulators for the reduction, tails by lane loads and stores. */
#if defined(__aarch64__)
#include <math.h>

#include "aio_mca.h"
#include "aio_norm.h"
#include "row_io_neon.h"

/* IEEE sqrt without libm's errno path: sqrtf's call for negative input
 * makes GCC keep the row loop's values on the stack around it. */
static inline float sqrt_nan(float v) { return vget_lane_f32(vsqrt_f32(vdup_n_f32(v)), 0); }

#define DEF_RMSNORM_NEON(T)                                                                  \
    void aio_##T##_rmsnorm__neon(const aio_rmsnorm_args *a, int64_t r0, int64_t r1)          \
    {                                                                                        \
        const int64_t n = a->n;                                                              \
        const void *wt = a->w; /* local: stores through y may alias *a */                   \
        for (int64_t r = r0; r < r1; r++) {                                                  \
            const char *x = (const char *)a->x + r * a->ldx * (int64_t)sizeof(T##_elem);     \
            char *y = (char *)a->y + r * a->ldy * (int64_t)sizeof(T##_elem);                 \
            /* 8 accumulators: N1 issues 2 FMLA a cycle at 4 cycles latency */               \
            float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0, a2 = a0, a3 = a0;                    \
            float32x4_t a4 = a0, a5 = a0, a6 = a0, a7 = a0;                                  \
            int64_t i = 0;                                                                   \
            for (; i + 32 <= n; i += 32) {                                                   \
                AIO_MCA_BEGIN("aio_" #T "_rmsnorm__neon_sumsq");                             \
                float32x4_t v0 = ld4_##T(x, i), v1 = ld4_##T(x, i + 4);                      \
                float32x4_t v2 = ld4_##T(x, i + 8), v3 = ld4_##T(x, i + 12);                 \
                float32x4_t v4 = ld4_##T(x, i + 16), v5 = ld4_##T(x, i + 20);                \
                float32x4_t v6 = ld4_##T(x, i + 24), v7 = ld4_##T(x, i + 28);                \
                a0 = vfmaq_f32(a0, v0, v0);                                                  \
                a1 = vfmaq_f32(a1, v1, v1);                                                  \
                a2 = vfmaq_f32(a2, v2, v2);                                                  \
                a3 = vfmaq_f32(a3, v3, v3);                                                  \
                a4 = vfmaq_f32(a4, v4, v4);                                                  \
                a5 = vfmaq_f32(a5, v5, v5);                                                  \
                a6 = vfmaq_f32(a6, v6, v6);                                                  \
                a7 = vfmaq_f32(a7, v7, v7);                                                  \
                AIO_MCA_END();                                                               \
            }                                                                                \
            a0 = vaddq_f32(a0, a4), a1 = vaddq_f32(a1, a5);                                  \
            a2 = vaddq_f32(a2, a6), a3 = vaddq_f32(a3, a7);                                  \
            for (; i + 4 <= n; i += 4) {                                                     \
                float32x4_t v = ld4_##T(x, i);                                               \
                a0 = vfmaq_f32(a0, v, v);                                                    \
            }                                                                                \
            if (i < n) {                                                                     \
                float32x4_t v;                                                               \
                AIO_LD4_TAIL(T, x, i, n - i, v);                                             \
                a1 = vfmaq_f32(a1, v, v);                                                    \
            }                                                                                \
            const float ss = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));    \
            const float32x4_t s = vdupq_n_f32(1.f / sqrt_nan(ss / (float)n + a->eps));       \
            for (i = 0; i + 4 <= n; i += 4) {                                                \
                AIO_MCA_BEGIN("aio_" #T "_rmsnorm__neon_scale");                             \
                float32x4_t v = vmulq_f32(ld4_##T(x, i), s);                                 \
                if (wt) v = vmulq_f32(v, ld4_##T(wt, i));                                    \
                st4_##T(y, i, v);                                                            \
                AIO_MCA_END();                                                               \
            }                                                                                \
            if (i < n) {                                                                     \
                float32x4_t v, w;                                                            \
                AIO_LD4_TAIL(T, x, i, n - i, v);                                             \
                v = vmulq_f32(v, s);                                                         \
                if (wt) {                                                                    \
                    AIO_LD4_TAIL(T, wt, i, n - i, w);                                        \
                    v = vmulq_f32(v, w);                                                     \
                }                                                                            \
                AIO_ST4_TAIL(T, y, i, n - i, v);                                             \
            }                                                                                \
        }                                                                                    \
    }

DEF_RMSNORM_NEON(f32)
DEF_RMSNORM_NEON(bf16)
DEF_RMSNORM_NEON(f16)

void aio_f32_layernorm__neon(const aio_layernorm_args *a, int64_t r0, int64_t r1)
{
    const int64_t n = a->n;
    for (int64_t r = r0; r < r1; r++) {
        const float *x = a->x + r * a->ldx;
        float *y = a->y + r * a->ldy;
        /* accumulators to cover the latency of 2 pipes: FADD 2 cycles
         * (4 chains), FMLA 4 cycles (8 chains) on N1 */
        float32x4_t s0 = vdupq_n_f32(0.f), s1 = s0, s2 = s0, s3 = s0;
        int64_t i = 0;
        for (; i + 16 <= n; i += 16) {
            AIO_MCA_BEGIN("aio_f32_layernorm__neon_sum");
            s0 = vaddq_f32(s0, vld1q_f32(x + i));
            s1 = vaddq_f32(s1, vld1q_f32(x + i + 4));
            s2 = vaddq_f32(s2, vld1q_f32(x + i + 8));
            s3 = vaddq_f32(s3, vld1q_f32(x + i + 12));
            AIO_MCA_END();
        }
        for (; i + 4 <= n; i += 4)
            s0 = vaddq_f32(s0, vld1q_f32(x + i));
        float tail = 0.f;
        for (; i < n; i++) tail += x[i];
        const float mean = (vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3))) + tail) / (float)n;
        const float32x4_t mv = vdupq_n_f32(mean);
        float32x4_t q0 = vdupq_n_f32(0.f), q1 = q0, q2 = q0, q3 = q0, q4 = q0, q5 = q0, q6 = q0, q7 = q0;
        for (i = 0; i + 32 <= n; i += 32) {
            AIO_MCA_BEGIN("aio_f32_layernorm__neon_var");
            const float32x4_t d0 = vsubq_f32(vld1q_f32(x + i), mv), d1 = vsubq_f32(vld1q_f32(x + i + 4), mv);
            const float32x4_t d2 = vsubq_f32(vld1q_f32(x + i + 8), mv), d3 = vsubq_f32(vld1q_f32(x + i + 12), mv);
            const float32x4_t d4 = vsubq_f32(vld1q_f32(x + i + 16), mv), d5 = vsubq_f32(vld1q_f32(x + i + 20), mv);
            const float32x4_t d6 = vsubq_f32(vld1q_f32(x + i + 24), mv), d7 = vsubq_f32(vld1q_f32(x + i + 28), mv);
            q0 = vfmaq_f32(q0, d0, d0);
            q1 = vfmaq_f32(q1, d1, d1);
            q2 = vfmaq_f32(q2, d2, d2);
            q3 = vfmaq_f32(q3, d3, d3);
            q4 = vfmaq_f32(q4, d4, d4);
            q5 = vfmaq_f32(q5, d5, d5);
            q6 = vfmaq_f32(q6, d6, d6);
            q7 = vfmaq_f32(q7, d7, d7);
            AIO_MCA_END();
        }
        for (; i + 4 <= n; i += 4) {
            const float32x4_t d = vsubq_f32(vld1q_f32(x + i), mv);
            q0 = vfmaq_f32(q0, d, d);
        }
        tail = 0.f;
        for (; i < n; i++) tail += (x[i] - mean) * (x[i] - mean);
        q0 = vaddq_f32(vaddq_f32(q0, q4), vaddq_f32(q1, q5));
        q2 = vaddq_f32(vaddq_f32(q2, q6), vaddq_f32(q3, q7));
        s0 = vaddq_f32(q0, q2), s1 = vdupq_n_f32(0.f);
        const float var = (vaddvq_f32(vaddq_f32(s0, s1)) + tail) / (float)n;
        const float rstd = 1.f / sqrt_nan(var + a->eps);
        const float32x4_t rv = vdupq_n_f32(rstd), sh = vdupq_n_f32(-mean * rstd);
        for (i = 0; i + 4 <= n; i += 4) {
            float32x4_t v = vfmaq_f32(sh, vld1q_f32(x + i), rv);
            if (a->w) v = vmulq_f32(v, vld1q_f32(a->w + i));
            if (a->b) v = vaddq_f32(v, vld1q_f32(a->b + i));
            vst1q_f32(y + i, v);
        }
        for (; i < n; i++) {
            float v = x[i] * rstd - mean * rstd;
            if (a->w) v *= a->w[i];
            if (a->b) v += a->b[i];
            y[i] = v;
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
#endif
