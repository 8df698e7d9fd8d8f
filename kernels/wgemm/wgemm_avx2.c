/* AVX2 + FMA + F16C kernels of the weight-compressed GEMM
 * (wgemm_driver.h): 8 W values per row and step (f16: vcvtph2ps; bf16:
 * zero-extend, shift by 16; int8: sign-extend, convert). 16 ymm registers
 * hold at most 8 accumulators with their operands, so the 8-row W tile is
 * taken in passes of 8/4/2 rows for 1/2/3-4 rows of A (W is still read
 * from memory once; A is re-read from L1). The many-row path runs
 * aio_f32_gemm__avx2. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "wgemm_driver.h"

#define AIO_TARGET __attribute__((target("avx2,fma,f16c")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

#define LOADW_f16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define LOADW_bf16(p) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define LOADW_i8(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p))))

AIO_INLINE float hsum256(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

#define DOT_STEP(LOAD_A, LOADW, OFF)                                            \
    do {                                                                        \
        __m256 av[4];                                                           \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++) av[i] = LOAD_A; \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                 \
        {                                                                       \
            const __m256 wv = LOADW(wr[j] + (OFF));                             \
            _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)             \
                acc[i][j] = _mm256_fmadd_ps(av[i], wv, acc[i][j]);              \
        }                                                                       \
    } while (0)

#define DEF_FORMAT(FMT, T)                                                                   \
    AIO_INLINE void dot_##FMT(const size_t MR, const size_t NR, size_t k, const float *a,   \
                              size_t lda, const T *const *wr, float *out)                   \
    {                                                                                        \
        __m256 acc[4][8];                                                                    \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                acc[i][j] = _mm256_setzero_ps();                                             \
        size_t p = 0;                                                                        \
        for (; p + 8 <= k; p += 8)                                                           \
            DOT_STEP(_mm256_loadu_ps(a + i * lda + p), LOADW_##FMT, p);                      \
        if (p < k) { /* W is zero padded: only A needs the mask */                           \
            const __m256i km = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k - p)),           \
                                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); \
            DOT_STEP(_mm256_maskload_ps(a + i * lda + p, km), LOADW_##FMT, p);               \
        }                                                                                    \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                out[i * AIO_WGEMM_WT + j] = hsum256(acc[i][j]);                              \
    }                                                                                        \
    AIO_INLINE void dot8_##FMT(const size_t MR, size_t k, const float *a, size_t lda,       \
                               const void *w, size_t ldw, size_t nr_valid, float *out)      \
    {                                                                                        \
        const size_t NR = MR == 1 ? 8 : MR == 2 ? 4 : 2;                                     \
        const T *wr[8];                                                                      \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < 8; j++)                               \
            wr[j] = (const T *)w + (j < nr_valid ? j : nr_valid - 1) * ldw;                  \
        for (size_t j = 0; j < nr_valid; j += NR)                                            \
            dot_##FMT(MR, NR, k, a, lda, wr + j, out + j);                                   \
    }                                                                                        \
    AIO_TARGET static void dot1_##FMT(size_t k, const float *a, size_t lda, const void *w,  \
                                      size_t ldw, size_t nv, float *out)                    \
    { dot8_##FMT(1, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_TARGET static void dot2_##FMT(size_t k, const float *a, size_t lda, const void *w,  \
                                      size_t ldw, size_t nv, float *out)                    \
    { dot8_##FMT(2, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_TARGET static void dot3_##FMT(size_t k, const float *a, size_t lda, const void *w,  \
                                      size_t ldw, size_t nv, float *out)                    \
    { dot8_##FMT(3, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_TARGET static void dot4_##FMT(size_t k, const float *a, size_t lda, const void *w,  \
                                      size_t ldw, size_t nv, float *out)                    \
    { dot8_##FMT(4, k, a, lda, w, ldw, nv, out); }                                           \
    AIO_TARGET static void expand_##FMT(size_t kp, const void *w, float scale, float *dst)  \
    {                                                                                        \
        const T *src = w;                                                                    \
        const __m256 sv = _mm256_set1_ps(scale);                                             \
        for (size_t p = 0; p < kp; p += 8)                                                   \
            _mm256_storeu_ps(dst + p, _mm256_mul_ps(sv, LOADW_##FMT(src + p)));              \
    }                                                                                        \
    static const aio_wgemm_ops ops_##FMT = {                                                 \
        .dot = {dot1_##FMT, dot2_##FMT, dot3_##FMT, dot4_##FMT},                             \
        .expand = expand_##FMT,                                                              \
        .f32 = aio_f32_gemm__avx2,                                                           \
        .big_m = 256,                                                                        \
    };                                                                                       \
    void aio_##FMT##w_gemm__avx2(const aio_wgemm_args *g, int64_t m0, int64_t m1,           \
                                 int64_t n0, int64_t n1)                                    \
    {                                                                                        \
        aio_wgemm_run(&ops_##FMT, g, m0, m1, n0, n1);                                        \
    }

DEF_FORMAT(f16, uint16_t)
DEF_FORMAT(bf16, uint16_t)
DEF_FORMAT(i8, int8_t)
#endif
