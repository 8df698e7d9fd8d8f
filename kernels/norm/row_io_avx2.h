/* AVX2 (+FMA, F16C) element access for the row kernels (norm/, rope/):
 * 8 elements of f32, bf16 or f16 as one __m256. Row tails go through a
 * zero-padded stack buffer (AVX2 has no 16-bit masked loads). bf16 is
 * rounded to nearest even with integer ops, NaN kept quiet. Include only
 * from a file compiled for x86-64. */
#ifndef AIO_ROW_IO_AVX2_H
#define AIO_ROW_IO_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define AIO_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define AIO_INLINE_AVX2 static inline __attribute__((always_inline)) AIO_TARGET_AVX2

typedef float f32_elem;
typedef uint16_t bf16_elem;
typedef uint16_t f16_elem;

AIO_INLINE_AVX2 __m256 ld8_f32(const void *p, int64_t i) { return _mm256_loadu_ps((const float *)p + i); }
AIO_INLINE_AVX2 __m256 ld8_bf16(const void *p, int64_t i)
{
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)p + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
AIO_INLINE_AVX2 __m256 ld8_f16(const void *p, int64_t i)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)));
}
AIO_INLINE_AVX2 void st8_f32(void *p, int64_t i, __m256 v) { _mm256_storeu_ps((float *)p + i, v); }
AIO_INLINE_AVX2 void st8_bf16(void *p, int64_t i, __m256 v)
{
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
    const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    r = _mm256_blendv_epi8(r, q, nan);
    /* 8 x u32 (each < 65536) -> 8 x u16: pack within lanes, then fix the lane order. */
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128((__m128i *)((uint16_t *)p + i), _mm256_castsi256_si128(packed));
}
AIO_INLINE_AVX2 void st8_f16(void *p, int64_t i, __m256 v)
{
    _mm_storeu_si128((__m128i *)((uint16_t *)p + i),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* Tail of fewer than 8 elements: through a zero-padded buffer. */
#define AIO_LD8_TAIL(T, p, i, cnt, out)                                        \
    do {                                                                       \
        T##_elem buf_[8] = {0};                                                \
        memcpy(buf_, (const T##_elem *)(p) + (i), (size_t)(cnt) * sizeof(T##_elem)); \
        (out) = ld8_##T(buf_, 0);                                              \
    } while (0)
#define AIO_ST8_TAIL(T, p, i, cnt, v)                                          \
    do {                                                                       \
        T##_elem buf_[8];                                                      \
        st8_##T(buf_, 0, v);                                                   \
        memcpy((T##_elem *)(p) + (i), buf_, (size_t)(cnt) * sizeof(T##_elem)); \
    } while (0)

AIO_INLINE_AVX2 float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#endif
