/* AVX2 kernel of aio_qc4w_gemm.h: vpmaddubsw of the unsigned nibbles by
 * A's signed bytes (pairs at most 2 * 15 * 127, and the low- and
 * high-nibble halves added: 7620, no i16 saturation), vpmaddwd by ones to
 * int32. Micro-tile up to 2 rows x 1 block (16 channels, two ymm). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "qc4w_gemm_common.h"

#define AIO_TARGET __attribute__((target("avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 2 };

AIO_INLINE void tile(const int mr, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0,
                     int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const __m256i mask = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    __m256 facc[MR][2];
    for (int i = 0; i < mr; i++)
        facc[i][0] = facc[i][1] = _mm256_setzero_ps();
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg = aio_qc4w_group(w, group, blk, q);
        __m256i acc[MR][2];
        for (int i = 0; i < mr; i++)
            acc[i][0] = acc[i][1] = _mm256_setzero_si256();
        const int8_t *a = g->qa + i0 * g->ldqa + q * group;
        for (int64_t s = 0; s < steps; s++) {
            __m256i lo[2], hi[2];
            for (int h = 0; h < 2; h++) {
                const __m256i v = _mm256_load_si256((const __m256i *)(wg + 64 * s + 32 * h));
                lo[h] = _mm256_and_si256(v, mask);
                hi[h] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
            }
            for (int i = 0; i < mr; i++) {
                int32_t x0, x1;
                memcpy(&x0, a + i * g->ldqa + 8 * s, 4);
                memcpy(&x1, a + i * g->ldqa + 8 * s + 4, 4);
                const __m256i a0 = _mm256_set1_epi32(x0), a1 = _mm256_set1_epi32(x1);
                for (int h = 0; h < 2; h++) {
                    const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo[h], a0),
                                                       _mm256_maddubs_epi16(hi[h], a1));
                    acc[i][h] = _mm256_add_epi32(acc[i][h], _mm256_madd_epi16(p, ones));
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            const __m256 sw = _mm256_load_ps((const float *)(wg + group * 8) + 8 * h);
            const __m256 zw = _mm256_load_ps((const float *)(wg + group * 8 + 64) + 8 * h);
            for (int i = 0; i < mr; i++) {
                const __m256 t = _mm256_set1_ps((float)g->a_gsum[(i0 + i) * g->ldt + q]);
                facc[i][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][h]), sw, facc[i][h]);
                facc[i][h] = _mm256_fnmadd_ps(zw, t, facc[i][h]);
            }
        }
    }
    const int64_t jb = blk * AIO_QC4W_BLOCK;
    const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
    for (int i = 0; i < mr; i++) {
        float r[16];
        _mm256_storeu_ps(r, facc[i][0]);
        _mm256_storeu_ps(r + 8, facc[i][1]);
        for (int64_t j = lo; j < hi; j++)
            g->c[(i0 + i) * g->ldc + jb + j] = aio_qc4w_out(g, i0 + i, jb + j, r[j]);
    }
}

AIO_TARGET void aio_qd8_f32_qc4w_gemm__avx2(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                                            int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t b0 = n0 / AIO_QC4W_BLOCK, b1 = (n1 + AIO_QC4W_BLOCK - 1) / AIO_QC4W_BLOCK;
    for (int64_t b = b0; b < b1; b++)
        for (int64_t i = m0; i < m1; i += MR) {
            if (m1 - i >= 2)
                tile(2, g, i, b, n0, n1);
            else
                tile(1, g, i, b, n0, n1);
        }
}
#endif
