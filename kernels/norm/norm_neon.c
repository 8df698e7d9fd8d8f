/* NEON RMSNorm and LayerNorm rows (aio_norm.h): 4 lanes, eight (RMSNorm)
 * accumulators for the reduction, tails by lane loads and stores. */
#if defined(__aarch64__)
#include <math.h>

#include "aio_mca.h"
#include "aio_moments.h"
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
        /* The statistics all norms share (aio_moments.h): exact on constant
         * and one-element rows, no cancellation when |mean| >> std. */
        float mean_m, var;
        aio_f32_moments__neon(x, n, 1, n, &mean_m, &var);
        /* Copies: mean_m's address escaped, so every store to y would make
         * gcc reload it (and a->w, a->b) from memory in the loops below. */
        const float mean = mean_m;
        const float *const w = a->w, *const bias = a->b;
        const float rstd = 1.f / sqrt_nan(var + a->eps);
        /* (x - mean) * rstd: x == mean stays exactly 0. */
        const float32x4_t rv = vdupq_n_f32(rstd), mv = vdupq_n_f32(mean);
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
            float32x4_t v = vmulq_f32(vsubq_f32(vld1q_f32(x + i), mv), rv);
            if (w) v = vmulq_f32(v, vld1q_f32(w + i));
            if (bias) v = vaddq_f32(v, vld1q_f32(bias + i));
            vst1q_f32(y + i, v);
        }
        for (; i < n; i++) {
            float v = (x[i] - mean) * rstd;
            if (w) v *= w[i];
            if (bias) v += bias[i];
            y[i] = v;
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
#endif
