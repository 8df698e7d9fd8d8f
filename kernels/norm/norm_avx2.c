/* AVX2 RMSNorm and LayerNorm rows (aio_norm.h): 8 lanes, four
 * accumulators for the reduction, tails through a padded buffer. */
#if defined(__x86_64__)
#include <math.h>

#include "aio_moments.h"
#include "aio_norm.h"
#include "row_io_avx2.h"

#define DEF_RMSNORM_AVX2(T)                                                                        \
    AIO_TARGET_AVX2 void aio_##T##_rmsnorm__avx2(const aio_rmsnorm_args *a, int64_t r0, int64_t r1) \
    {                                                                                              \
        const int64_t n = a->n;                                                                    \
        for (int64_t r = r0; r < r1; r++) {                                                        \
            const char *x = (const char *)a->x + r * a->ldx * (int64_t)sizeof(T##_elem);           \
            char *y = (char *)a->y + r * a->ldy * (int64_t)sizeof(T##_elem);                       \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                            \
            int64_t i = 0;                                                                         \
            for (; i + 32 <= n; i += 32) {                                                         \
                __m256 v0 = ld8_##T(x, i), v1 = ld8_##T(x, i + 8);                                 \
                __m256 v2 = ld8_##T(x, i + 16), v3 = ld8_##T(x, i + 24);                           \
                a0 = _mm256_fmadd_ps(v0, v0, a0);                                                  \
                a1 = _mm256_fmadd_ps(v1, v1, a1);                                                  \
                a2 = _mm256_fmadd_ps(v2, v2, a2);                                                  \
                a3 = _mm256_fmadd_ps(v3, v3, a3);                                                  \
            }                                                                                      \
            for (; i + 8 <= n; i += 8) {                                                           \
                __m256 v = ld8_##T(x, i);                                                          \
                a0 = _mm256_fmadd_ps(v, v, a0);                                                    \
            }                                                                                      \
            if (i < n) {                                                                           \
                __m256 v;                                                                          \
                AIO_LD8_TAIL(T, x, i, n - i, v);                                                   \
                a1 = _mm256_fmadd_ps(v, v, a1);                                                    \
            }                                                                                      \
            const float ss = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));   \
            const __m256 s = _mm256_set1_ps(1.f / sqrtf(ss / (float)n + a->eps));                  \
            for (i = 0; i + 8 <= n; i += 8) {                                                      \
                __m256 v = _mm256_mul_ps(ld8_##T(x, i), s);                                        \
                if (a->w) v = _mm256_mul_ps(v, ld8_##T(a->w, i));                                  \
                st8_##T(y, i, v);                                                                  \
            }                                                                                      \
            if (i < n) {                                                                           \
                __m256 v, w;                                                                       \
                AIO_LD8_TAIL(T, x, i, n - i, v);                                                   \
                v = _mm256_mul_ps(v, s);                                                           \
                if (a->w) {                                                                        \
                    AIO_LD8_TAIL(T, a->w, i, n - i, w);                                            \
                    v = _mm256_mul_ps(v, w);                                                       \
                }                                                                                  \
                AIO_ST8_TAIL(T, y, i, n - i, v);                                                   \
            }                                                                                      \
        }                                                                                          \
    }

DEF_RMSNORM_AVX2(f32)
DEF_RMSNORM_AVX2(bf16)
DEF_RMSNORM_AVX2(f16)

AIO_TARGET_AVX2 void aio_f32_layernorm__avx2(const aio_layernorm_args *a, int64_t r0, int64_t r1)
{
    const int64_t n = a->n;
    for (int64_t r = r0; r < r1; r++) {
        const float *x = a->x + r * a->ldx;
        float *y = a->y + r * a->ldy;
        /* The statistics all norms share (aio_moments.h): exact on constant
         * and one-element rows, no cancellation when |mean| >> std. */
        float mean, var;
        aio_f32_moments__avx2(x, n, 1, n, &mean, &var);
        const float rstd = 1.f / sqrtf(var + a->eps);
        /* (x - mean) * rstd: x == mean stays exactly 0. */
        const __m256 rv = _mm256_set1_ps(rstd), mv = _mm256_set1_ps(mean);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv), rv);
            if (a->w) v = _mm256_mul_ps(v, _mm256_loadu_ps(a->w + i));
            if (a->b) v = _mm256_add_ps(v, _mm256_loadu_ps(a->b + i));
            _mm256_storeu_ps(y + i, v);
        }
        for (; i < n; i++) {
            float v = (x[i] - mean) * rstd;
            if (a->w) v *= a->w[i];
            if (a->b) v += a->b[i];
            y[i] = v;
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
#endif
