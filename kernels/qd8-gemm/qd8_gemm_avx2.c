/* AVX2 kernel of aio_qd8_gemm.h (qa as int8, a_offset 0). vpmaddubsw
 * saturates its i16 pair sums, so it gets |qa| (unsigned, <= 127) and qw
 * with qa's sign applied (vpsignb, |.| <= 127): a pair sums to at most
 * 2*127*127 = 32258 < 32767, never saturating; vpmaddwd by ones widens to
 * int32. Micro-tile: up to 4 rows x 16 channels (one packed block, two
 * ymm), whole K; scalar epilogue. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "qd8_gemm_common.h"
#include "aio_mca.h"

#define AIO_TARGET __attribute__((target("avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 4 };

AIO_INLINE void tile(const int mr, const aio_qd8_gemm_args *g, int64_t i0, int64_t blk,
                     int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const size_t groups = (size_t)w->kp / 4;
    const uint8_t *qa = g->qa + i0 * g->ldqa;
    const size_t ldqa = (size_t)g->ldqa;
    const int8_t *wp = aio_qc8_block(w, blk) + 64;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[MR][2];
    #pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    for (size_t q = 0; q < groups; q++) {
        AIO_MCA_BEGIN("qd8_tile__avx2");
        const __m256i w0 = _mm256_load_si256((const __m256i *)(wp + 64 * q));
        const __m256i w1 = _mm256_load_si256((const __m256i *)(wp + 64 * q + 32));
        #pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            int32_t x;
            memcpy(&x, qa + i * ldqa + 4 * q, 4);
            const __m256i av = _mm256_set1_epi32(x), aa = _mm256_abs_epi8(av);
            const __m256i p0 = _mm256_maddubs_epi16(aa, _mm256_sign_epi8(w0, av));
            const __m256i p1 = _mm256_maddubs_epi16(aa, _mm256_sign_epi8(w1, av));
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(p0, ones));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(p1, ones));
        }
        AIO_MCA_END();
    }
    const int64_t jb = blk * AIO_QC8_BLOCK;
    const int64_t j0 = n0 > jb ? n0 : jb, j1 = n1 < jb + 16 ? n1 : jb + 16;
    #pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        int32_t t[16];
        _mm256_storeu_si256((__m256i *)t, acc[i][0]);
        _mm256_storeu_si256((__m256i *)(t + 8), acc[i][1]);
        aio_qd8_store_scalar(g, i0 + i, jb, j0, j1, t, NULL);
    }
}

AIO_QD8_GEMM_4ROW_DRIVER(aio_qd8_f32_qc8w_gemm__avx2)
#endif
