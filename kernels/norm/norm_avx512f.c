/* AVX-512 RMSNorm and LayerNorm rows (aio_norm.h): 16 lanes, four
 * accumulators for the reduction (64 elements a step), masked tails, so a
 * row is read twice (reduce, then scale) and stays in L1 in between. */
#if defined(__x86_64__)
#include <math.h>

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
        /* Two passes (sum, then squares about the mean) keep the variance
         * exact to fp32 rounding even when |mean| >> std. */
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        int64_t i = 0;
        for (; i + 64 <= n; i += 64) {
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + i + 32));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + i + 48));
        }
        for (; i < n; i += 16) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(tail16(n - i), x + i));
        const float mean = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / (float)n;
        const __m512 mv = _mm512_set1_ps(mean);
        s0 = s1 = s2 = s3 = _mm512_setzero_ps();
        for (i = 0; i + 64 <= n; i += 64) {
            __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), mv);
            __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), mv);
            __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 32), mv);
            __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 48), mv);
            s0 = _mm512_fmadd_ps(d0, d0, s0);
            s1 = _mm512_fmadd_ps(d1, d1, s1);
            s2 = _mm512_fmadd_ps(d2, d2, s2);
            s3 = _mm512_fmadd_ps(d3, d3, s3);
        }
        for (; i < n; i += 16) {
            const __mmask16 m = tail16(n - i);
            __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), mv);
            s0 = _mm512_fmadd_ps(d, d, s0);
        }
        const float var = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / (float)n;
        const float rstd = 1.f / sqrtf(var + a->eps);
        /* y = x*scale + shift per element, scale = rstd*w, shift = b - mean*rstd*w. */
        const __m512 rv = _mm512_set1_ps(rstd), sh = _mm512_set1_ps(-mean * rstd);
        for (i = 0; i < n; i += 16) {
            const __mmask16 m = tail16(n - i);
            __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), rv, sh);
            if (a->w) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, a->w + i));
            if (a->b) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, a->b + i));
            _mm512_mask_storeu_ps(y + i, m, v);
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
#endif
