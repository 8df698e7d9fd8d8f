/* AVX2 arg-extreme kernels: 8 lanes, compare results as all-ones lanes. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#define AE_ISA avx2
#define AE_LANES 8
#define AE_FN __attribute__((target("avx2,fma")))
#define AE_PRIM static inline __attribute__((always_inline)) AE_FN
typedef __m256 ae_vf;
typedef __m256i ae_vi;
typedef __m256 ae_mask;

AE_PRIM ae_vf ae_load_f32(const float *p) { return _mm256_loadu_ps(p); }
AE_PRIM ae_vf ae_load_bf16(const uint16_t *p)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
AE_PRIM ae_vf ae_set(float f) { return _mm256_set1_ps(f); }
AE_PRIM ae_vi ae_iset(int32_t i) { return _mm256_set1_epi32(i); }
AE_PRIM ae_vi ae_iota(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
AE_PRIM ae_vi ae_iadd(ae_vi a, ae_vi b) { return _mm256_add_epi32(a, b); }
AE_PRIM ae_mask ae_gt(ae_vf a, ae_vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
AE_PRIM ae_mask ae_lt(ae_vf a, ae_vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
AE_PRIM ae_mask ae_unord(ae_vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
AE_PRIM ae_mask ae_none(void) { return _mm256_setzero_ps(); }
AE_PRIM ae_mask ae_or(ae_mask a, ae_mask b) { return _mm256_or_ps(a, b); }
AE_PRIM int ae_any(ae_mask a) { return _mm256_movemask_ps(a) != 0; }
AE_PRIM ae_vf ae_sel(ae_mask k, ae_vf a, ae_vf b) { return _mm256_blendv_ps(b, a, k); }
AE_PRIM ae_vi ae_isel(ae_mask k, ae_vi a, ae_vi b)
{
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(b), _mm256_castsi256_ps(a), k));
}
AE_PRIM void ae_store(float *p, ae_vf v) { _mm256_storeu_ps(p, v); }
AE_PRIM void ae_istore(int32_t *p, ae_vi v) { _mm256_storeu_si256((__m256i *)p, v); }

#include "argext_body.inc"
#endif
