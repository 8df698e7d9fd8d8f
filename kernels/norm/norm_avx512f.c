/* AVX-512 RMSNorm and LayerNorm rows (aio_norm.h): 16 lanes, four
 * accumulators for the reduction (64 elements a step), masked tails, so a
 * row is read twice (reduce, then scale) and stays in L1 in between. */
#if defined(__x86_64__)
#include <math.h>

#include "aio_moments.h"
#include "aio_norm.h"
#include "row_io_avx512.h"

/* Sum of squares of a row of n elements of type T. */
#define DEF_SUM_SQ(T)                                                                              \
    AIO_INLINE_AVX512 float sum_sq_##T(const void *x, int64_t n)                                   \
    {                                                                                              \
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                \
        int64_t i = 0;                                                                             \
        for (; i + 64 <= n; i += 64) {                                                             \
            __m512 v0 = ld16_##T(x, i, 0xffff), v1 = ld16_##T(x, i + 16, 0xffff);                  \
            __m512 v2 = ld16_##T(x, i + 32, 0xffff), v3 = ld16_##T(x, i + 48, 0xffff);             \
            a0 = _mm512_fmadd_ps(v0, v0, a0);                                                      \
            a1 = _mm512_fmadd_ps(v1, v1, a1);                                                      \
            a2 = _mm512_fmadd_ps(v2, v2, a2);                                                      \
            a3 = _mm512_fmadd_ps(v3, v3, a3);                                                      \
        }                                                                                          \
        for (; i < n; i += 16) {                                                                   \
            __m512 v = ld16_##T(x, i, tail16(n - i));                                              \
            a0 = _mm512_fmadd_ps(v, v, a0);                                                        \
        }                                                                                          \
        return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))); \
    }

#define DEF_RMSNORM_AVX512(T)                                                                     \
    DEF_SUM_SQ(T)                                                                                  \
    AIO_TARGET_AVX512 void aio_##T##_rmsnorm__avx512f(const aio_rmsnorm_args *a, int64_t r0,        \
                                                      int64_t r1)                                  \
    {                                                                                              \
        const int64_t n = a->n;                                                                    \
        for (int64_t r = r0; r < r1; r++) {                                                        \
            const char *x = (const char *)a->x + r * a->ldx * (int64_t)sizeof(T##_elem);           \
            char *y = (char *)a->y + r * a->ldy * (int64_t)sizeof(T##_elem);                       \
            const float ss = sum_sq_##T(x, n);                                           \
            const __m512 s = _mm512_set1_ps(1.f / sqrtf(ss / (float)n + a->eps));                  \
            for (int64_t i = 0; i < n; i += 16) {                                                  \
                const __mmask16 m = tail16(n - i);                                                 \
                __m512 v = _mm512_mul_ps(ld16_##T(x, i, m), s);                                    \
                if (a->w) v = _mm512_mul_ps(v, ld16_##T(a->w, i, m));                              \
                st16_##T(y, i, v, m);                                                              \
            }                                                                                      \
        }                                                                                          \
    }

typedef float f32_elem;
typedef uint16_t bf16_elem;
typedef uint16_t f16_elem;
DEF_RMSNORM_AVX512(f32)
DEF_RMSNORM_AVX512(bf16)
DEF_RMSNORM_AVX512(f16)

AIO_TARGET_AVX512 void aio_f32_layernorm__avx512f(const aio_layernorm_args *a, int64_t r0, int64_t r1)
{
    const int64_t n = a->n;
    for (int64_t r = r0; r < r1; r++) {
        const float *x = a->x + r * a->ldx;
        float *y = a->y + r * a->ldy;
        /* The statistics all norms share (aio_moments.h): exact on constant
         * and one-element rows, no cancellation when |mean| >> std. */
        float mean, var;
        aio_f32_moments__avx512f(x, n, 1, n, &mean, &var);
        const float rstd = 1.f / sqrtf(var + a->eps);
        /* (x - mean) * rstd: x == mean stays exactly 0. */
        const __m512 rv = _mm512_set1_ps(rstd), mv = _mm512_set1_ps(mean);
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = tail16(n - i);
            __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), mv), rv);
            if (a->w) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, a->w + i));
            if (a->b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, a->b + i));
            _mm512_mask_storeu_ps(y + i, m, v);
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
#endif
