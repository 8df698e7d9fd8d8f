/* AVX-512 (F/BW/VL, F16C) kernels of the weight-compressed GEMM
 * (wgemm_driver.h): 1..4 x 8 dot kernels that expand 16 packed W values
 * per row and step (f16: vcvtph2ps; bf16: zero-extend and shift by 16;
 * int8: sign-extend and convert), one accumulator per (A row, W row) and
 * a horizontal sum per accumulator at the end; fp32 expanders for the
 * many-row path, which runs aio_f32_gemm__avx512f. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "wgemm_driver.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

#define LOADW_f16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define LOADW_bf16(p) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define LOADW_i8(p) _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p))))

/* One K step of 16 for the MR x NR tile; av[] from LOAD_A. */
#define DOT_STEP(LOAD_A, LOADW, OFF)                                            \
    do {                                                                        \
        __m512 av[4];                                                           \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++) av[i] = LOAD_A; \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                 \
        {                                                                       \
            const __m512 wv = LOADW(wr[j] + (OFF));                             \
            _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)             \
                acc[i][j] = _mm512_fmadd_ps(av[i], wv, acc[i][j]);              \
        }                                                                       \
    } while (0)

#define DEF_FORMAT(FMT, T)                                                                   \
    AIO_INLINE void dot_##FMT(const size_t MR, const size_t NR, size_t k, const float *a,   \
                              size_t lda, const T *const *wr, float *out)                   \
    {                                                                                        \
        __m512 acc[4][8];                                                                    \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                acc[i][j] = _mm512_setzero_ps();                                             \
        size_t p = 0;                                                                        \
        for (; p + 16 <= k; p += 16)                                                         \
            DOT_STEP(_mm512_loadu_ps(a + i * lda + p), LOADW_##FMT, p);                      \
        if (p < k) { /* W is zero padded: only A needs the mask */                           \
            const __mmask16 km = (__mmask16)((1u << (k - p)) - 1u);                          \
            DOT_STEP(_mm512_maskz_loadu_ps(km, a + i * lda + p), LOADW_##FMT, p);            \
        }                                                                                    \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)                              \
            _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                          \
                out[i * AIO_WGEMM_WT + j] = _mm512_reduce_add_ps(acc[i][j]);                 \
    }                                                                                        \
    AIO_INLINE void dot8_##FMT(const size_t MR, size_t k, const float *a, size_t lda,       \
                               const void *w, size_t ldw, size_t nr_valid, float *out)      \
    {                                                                                        \
        const T *wr[8];                                                                      \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < 8; j++)                               \
            wr[j] = (const T *)w + (j < nr_valid ? j : nr_valid - 1) * ldw;                  \
        if (MR <= 3) {                                                                       \
            dot_##FMT(MR, 8, k, a, lda, wr, out);                                            \
        } else { /* 4 x 8 accumulators would not fit: two 4 x 4 passes */                   \
            dot_##FMT(MR, 4, k, a, lda, wr, out);                                            \
            if (nr_valid > 4)                                                                \
                dot_##FMT(MR, 4, k, a, lda, wr + 4, out + 4);                                \
        }                                                                                    \
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
        const __m512 sv = _mm512_set1_ps(scale);                                             \
        for (size_t p = 0; p < kp; p += 16)                                                  \
            _mm512_storeu_ps(dst + p, _mm512_mul_ps(sv, LOADW_##FMT(src + p)));              \
    }                                                                                        \
    static const aio_wgemm_ops ops_##FMT = {                                                 \
        .dot = {dot1_##FMT, dot2_##FMT, dot3_##FMT, dot4_##FMT},                             \
        .expand = expand_##FMT,                                                              \
        .f32 = aio_f32_gemm__avx512f,                                                        \
        .big_m = 256,                                                                        \
    };                                                                                       \
    void aio_##FMT##w_gemm__avx512(const aio_wgemm_args *g, int64_t m0, int64_t m1,         \
                                   int64_t n0, int64_t n1)                                  \
    {                                                                                        \
        aio_wgemm_run(&ops_##FMT, g, m0, m1, n0, n1);                                        \
    }

DEF_FORMAT(f16, uint16_t)
DEF_FORMAT(bf16, uint16_t)
DEF_FORMAT(i8, int8_t)
#endif
