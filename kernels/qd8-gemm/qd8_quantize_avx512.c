/* AVX-512 per-row activation quantizer (aio_qd8_gemm.h), 16 floats a step:
 * the same results as the portable aio_qd8_quantize_rows (max |x| with NaN
 * kept, rint(x * 127/amax) by roundscale in the default rounding mode,
 * clamp, + a_offset), which the decode path calls once per Linear. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "aio_qd8_gemm.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

AIO_TARGET void aio_qd8_quantize_rows__avx512(const float *a, int64_t lda, int64_t k, int a_offset,
                                              uint8_t *q, int64_t ldq, float *scales, int64_t m0,
                                              int64_t m1)
{
    const int64_t kq = aio_qd8_row_bytes(k);
    for (int64_t i = m0; i < m1; i++) {
        const float *x = a + i * lda;
        uint8_t *dst = q + i * ldq;
        __m512 vmax = _mm512_setzero_ps();
        __mmask16 nan = 0;
        int64_t p = 0;
        for (; p + 16 <= k; p += 16) {
            const __m512 v = _mm512_loadu_ps(x + p);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            vmax = _mm512_max_ps(vmax, _mm512_abs_ps(v));
        }
        if (p < k) {
            const __mmask16 km = (__mmask16)((1u << (k - p)) - 1u);
            const __m512 v = _mm512_maskz_loadu_ps(km, x + p);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            vmax = _mm512_max_ps(vmax, _mm512_abs_ps(v));
        }
        const float amax = nan ? NAN : _mm512_reduce_max_ps(vmax);
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
            const __m512 vinv = _mm512_set1_ps(inv), lo = _mm512_set1_ps(-127.0f),
                         hi = _mm512_set1_ps(127.0f);
            const __m512i off = _mm512_set1_epi32(a_offset);
            for (; p < k; p += 16) {
                const __mmask16 km = k - p >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (k - p)) - 1u);
                const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(km, x + p), vinv);
                __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_CUR_DIRECTION);
                r = _mm512_min_ps(_mm512_max_ps(r, lo), hi);
                const __m512i iv = _mm512_add_epi32(_mm512_cvtps_epi32(r), off);
                _mm_mask_storeu_epi8(dst + p, km, _mm512_cvtepi32_epi8(iv));
            }
            p = k;
        }
        for (; p < kq; p++)
            dst[p] = (uint8_t)a_offset;
    }
}
#endif
