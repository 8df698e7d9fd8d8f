/* AVX-512 arg-extreme kernels: 16 lanes, compare masks. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#define AE_ISA avx512f
#define AE_LANES 16
#define AE_FN __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2")))
#define AE_PRIM static inline __attribute__((always_inline)) AE_FN
typedef __m512 ae_vf;
typedef __m512i ae_vi;
typedef __mmask16 ae_mask;

AE_PRIM ae_vf ae_load_f32(const float *p) { return _mm512_loadu_ps(p); }
AE_PRIM ae_vf ae_load_bf16(const uint16_t *p)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}
AE_PRIM ae_vf ae_set(float f) { return _mm512_set1_ps(f); }
AE_PRIM ae_vi ae_iset(int32_t i) { return _mm512_set1_epi32(i); }
AE_PRIM ae_vi ae_iota(void) { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
AE_PRIM ae_vi ae_iadd(ae_vi a, ae_vi b) { return _mm512_add_epi32(a, b); }
AE_PRIM ae_mask ae_gt(ae_vf a, ae_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
AE_PRIM ae_mask ae_lt(ae_vf a, ae_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
AE_PRIM ae_mask ae_unord(ae_vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
AE_PRIM ae_mask ae_none(void) { return 0; }
AE_PRIM ae_mask ae_or(ae_mask a, ae_mask b) { return a | b; }
AE_PRIM int ae_any(ae_mask a) { return a != 0; }
AE_PRIM ae_vf ae_sel(ae_mask k, ae_vf a, ae_vf b) { return _mm512_mask_blend_ps(k, b, a); }
AE_PRIM ae_vi ae_isel(ae_mask k, ae_vi a, ae_vi b) { return _mm512_mask_blend_epi32(k, b, a); }
AE_PRIM void ae_store(float *p, ae_vf v) { _mm512_storeu_ps(p, v); }
AE_PRIM void ae_istore(int32_t *p, ae_vi v) { _mm512_storeu_si512(p, v); }

#include "argext_body.inc"
#endif
