/* AVX2 + FMA shared statistics (aio_moments.h), 8 lanes. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "aio_moments.h"

__attribute__((target("avx2,fma"))) static inline float mom_hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#define MOM_W 8
#define MOM_V __m256
#define MOM_ATTR __attribute__((target("avx2,fma")))
#define MOM_ZERO() _mm256_setzero_ps()
#define MOM_SET1(f) _mm256_set1_ps(f)
#define MOM_LOAD(p) _mm256_loadu_ps(p)
#define MOM_STORE(p, v) _mm256_storeu_ps((p), (v))
#define MOM_ADD _mm256_add_ps
#define MOM_SUB _mm256_sub_ps
#define MOM_MUL _mm256_mul_ps
#define MOM_FMA _mm256_fmadd_ps
#define MOM_HSUM mom_hsum8
#define MOM_ISA avx2
#include "moments_body.inc"
#endif
