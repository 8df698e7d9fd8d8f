/* AVX-512 element access for the row kernels (norm/, rope/): 16 elements
 * of f32, bf16 or f16 as one __m512, with a lane mask for row tails.
 * bf16 is rounded to nearest even with integer ops (AVX-512F only) and
 * NaN kept quiet; f16 uses vcvtps2ph with round-to-nearest. Include only
 * from a file compiled for x86-64. */
#ifndef AIO_ROW_IO_AVX512_H
#define AIO_ROW_IO_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#define AIO_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#define AIO_INLINE_AVX512 static inline __attribute__((always_inline)) AIO_TARGET_AVX512

AIO_INLINE_AVX512 __m512 ld16_f32(const void *p, int64_t i, __mmask16 m)
{
    return _mm512_maskz_loadu_ps(m, (const float *)p + i);
}
AIO_INLINE_AVX512 __m512 ld16_bf16(const void *p, int64_t i, __mmask16 m)
{
    __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
AIO_INLINE_AVX512 __m512 ld16_f16(const void *p, int64_t i, __mmask16 m)
{
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)p + i));
}
AIO_INLINE_AVX512 void st16_f32(void *p, int64_t i, __m512 v, __mmask16 m)
{
    _mm512_mask_storeu_ps((float *)p + i, m, v);
}
AIO_INLINE_AVX512 void st16_bf16(void *p, int64_t i, __m512 v, __mmask16 m)
{
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
    _mm256_mask_storeu_epi16((uint16_t *)p + i, m, _mm512_cvtepi32_epi16(r));
}
AIO_INLINE_AVX512 void st16_f16(void *p, int64_t i, __m512 v, __mmask16 m)
{
    _mm256_mask_storeu_epi16((uint16_t *)p + i, m,
                             _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

AIO_INLINE_AVX512 __mmask16 tail16(int64_t left)
{
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
}

#endif
