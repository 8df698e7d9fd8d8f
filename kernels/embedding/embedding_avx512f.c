/* AVX-512 gather-reduce kernels: 16 fp32 lanes; 16-bit and uint8 rows are
 * widened in registers (vcvtph2ps, shifts, vpmovzxbd). */
#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")
#include <immintrin.h>

#include "aio_embedding.h"

#define ISA avx512f
#define VL 16
typedef __m512 V;
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VADD(a, b) _mm512_add_ps((a), (b))
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VDIV(a, b) _mm512_div_ps((a), (b))
#define VLD(p) _mm512_loadu_ps(p)
#define VST(p, v) _mm512_storeu_ps((p), (v))
#define VROW_f32(p) _mm512_loadu_ps((const float *)(p))
#define VROW_f16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define VROW_bf16(p) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define VROW_qu8(p) _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p))))
#include "embedding_body.inc"
#endif
