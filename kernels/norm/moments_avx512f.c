/* AVX-512 shared statistics (aio_moments.h), 16 lanes. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "aio_moments.h"

#define MOM_W 16
#define MOM_V __m512
#define MOM_ATTR __attribute__((target("avx512f,avx2,fma")))
#define MOM_ZERO() _mm512_setzero_ps()
#define MOM_SET1(f) _mm512_set1_ps(f)
#define MOM_LOAD(p) _mm512_loadu_ps(p)
#define MOM_STORE(p, v) _mm512_storeu_ps((p), (v))
#define MOM_ADD _mm512_add_ps
#define MOM_SUB _mm512_sub_ps
#define MOM_MUL _mm512_mul_ps
#define MOM_FMA _mm512_fmadd_ps
#define MOM_HSUM _mm512_reduce_add_ps
#define MOM_ISA avx512f
#include "moments_body.inc"
#endif
