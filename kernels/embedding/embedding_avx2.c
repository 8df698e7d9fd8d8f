/* AVX2 gather-reduce kernels: 8 fp32 lanes (F16C for fp16 rows). */
#if defined(__x86_64__)
#pragma GCC target("avx2,fma,f16c")
#include <immintrin.h>

#include "aio_embedding.h"

#define ISA avx2
#define VL 8
typedef __m256 V;
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VDIV(a, b) _mm256_div_ps((a), (b))
#define VLD(p) _mm256_loadu_ps(p)
#define VST(p, v) _mm256_storeu_ps((p), (v))
#define VROW_f32(p) _mm256_loadu_ps((const float *)(p))
#define VROW_f16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define VROW_bf16(p) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define VROW_qu8(p) _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p))))
#include "embedding_body.inc"
#endif
