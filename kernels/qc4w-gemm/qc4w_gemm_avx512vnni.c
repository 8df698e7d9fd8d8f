/* AVX-512 VNNI kernel of aio_qc4w_gemm.h: each 64-byte step of a block
 * unpacks (and, shift) into two zmm of 16 channels x 4 nibbles, the
 * unsigned operand of vpdpbusd; A's 4 signed bytes are broadcast. Int32
 * sums per group, then fp32: acc += sw * D - zw * T. Micro-tile up to
 * 4 rows x 2 blocks (32 channels): 8 int32 and 8 fp32 accumulators. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "qc4w_gemm_common.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET
#include "qd8-gemm/qd8_load_s__avx512.h"

/* NB: blocks per tile; single rows (decode) take 4 blocks, so each
 * broadcast of A serves 64 channels. */
enum { MR = 4, NB = 4 };

/* acc += u (unsigned bytes) . s (signed bytes); asm keeps the accumulators
 * in any zmm (GCC 12's intrinsic confines them to zmm0-15, see qd8). */
AIO_INLINE void dpbusd(__m512i *acc, __m512i u, __m512i s)
{
    __asm__("vpdpbusd %2, %1, %0" : "+v"(*acc) : "v"(u), "v"(s));
}

AIO_INLINE void tile(const int mr, const int nb, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk,
                     int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const int8_t *qa = g->qa + i0 * g->ldqa;
    const size_t ldqa = (size_t)g->ldqa;
    const __m512i mask = _mm512_set1_epi8(0x0f);
    __m512 facc[MR][NB];
    #pragma GCC unroll 4
    for (int i = 0; i < mr; i++)
        #pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
            facc[i][b] = _mm512_setzero_ps();
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg[NB];
        #pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
            wg[b] = aio_qc4w_group(w, group, blk + b, q);
        __m512i acc[MR][NB];
        #pragma GCC unroll 4
        for (int i = 0; i < mr; i++)
            #pragma GCC unroll 4
            for (int b = 0; b < nb; b++)
                acc[i][b] = _mm512_setzero_si512();
        const int8_t *a = qa + q * group;
        for (int64_t s = 0; s < steps; s++) {
            __m512i lo[NB], hi[NB];
            #pragma GCC unroll 4
            for (int b = 0; b < nb; b++) {
                const __m512i v = _mm512_load_si512((const void *)(wg[b] + 64 * s));
                lo[b] = _mm512_and_si512(v, mask);
                hi[b] = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
            }
            #pragma GCC unroll 4
            for (int i = 0; i < mr; i++) {
                int32_t x0, x1;
                memcpy(&x0, a + i * ldqa + 8 * s, 4);
                memcpy(&x1, a + i * ldqa + 8 * s + 4, 4);
                const __m512i a0 = _mm512_set1_epi32(x0), a1 = _mm512_set1_epi32(x1);
                #pragma GCC unroll 4
                for (int b = 0; b < nb; b++) {
                    dpbusd(&acc[i][b], lo[b], a0);
                    dpbusd(&acc[i][b], hi[b], a1);
                }
            }
        }
        #pragma GCC unroll 4
        for (int b = 0; b < nb; b++) {
            const __m512 sw = _mm512_load_ps((const float *)(wg[b] + group * 8));
            const __m512 zw = _mm512_load_ps((const float *)(wg[b] + group * 8 + 64));
            #pragma GCC unroll 4
            for (int i = 0; i < mr; i++) {
                const __m512 t = _mm512_set1_ps((float)g->a_gsum[(i0 + i) * g->ldt + q]);
                facc[i][b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][b]), sw, facc[i][b]);
                facc[i][b] = _mm512_fnmadd_ps(zw, t, facc[i][b]);
            }
        }
    }
    const int use_s = g->s != NULL && g->beta != 0.0f;
    const __m512 beta = _mm512_set1_ps(g->beta);
    #pragma GCC unroll 4
    for (int b = 0; b < nb; b++) {
        const int64_t jb = (blk + b) * AIO_QC4W_BLOCK;
        const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
        const __mmask16 km = (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
        #pragma GCC unroll 4
        for (int i = 0; i < mr; i++) {
            const int64_t row = i0 + i;
            __m512 v = _mm512_mul_ps(facc[i][b], _mm512_set1_ps(g->alpha * g->a_scale[row]));
            if (use_s) {
                const float *s = g->s + row * g->s_stride_m + jb * g->s_stride_n;
                v = _mm512_fmadd_ps(beta, qd8_load_s16__avx512(s, g->s_stride_n, km, lo, hi), v);
            }
            _mm512_mask_storeu_ps(g->c + row * g->ldc + jb, km, v);
        }
    }
}

#define TILE_CASE(R)                                                   \
    case R:                                                            \
        if (nb == 2)                                                   \
            tile(R, 2, g, i, b, n0, n1);                               \
        else                                                           \
            tile(R, 1, g, i, b, n0, n1);                               \
        break;

AIO_TARGET void aio_qd8_f32_qc4w_gemm__avx512vnni(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1,
                                                  int64_t n0, int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t b0 = n0 / AIO_QC4W_BLOCK, b1 = (n1 + AIO_QC4W_BLOCK - 1) / AIO_QC4W_BLOCK;
    /* Rows in blocks whose qa stays in L2 while each W panel serves them. */
    int64_t mb = (256 * 1024) / g->w->kp / MR * MR;
    mb = mb < MR ? MR : mb;
    for (int64_t mi = m0; mi < m1; mi += mb) {
        const int64_t me = m1 - mi < mb ? m1 : mi + mb;
        const int64_t step = me - mi == 1 ? 4 : 2; /* 4x4 tiles would spill */
        for (int64_t b = b0; b < b1; b += step) {
            const int nb = b1 - b < step ? (int)(b1 - b) : (int)step;
            for (int64_t i = mi; i < me; i += MR) {
                switch (me - i < MR ? (int)(me - i) : MR) {
                case 1:
                    if (nb == 4) tile(1, 4, g, i, b, n0, n1);
                    else if (nb == 3) tile(1, 3, g, i, b, n0, n1);
                    else if (nb == 2) tile(1, 2, g, i, b, n0, n1);
                    else tile(1, 1, g, i, b, n0, n1);
                    break;
                    TILE_CASE(2)
                    TILE_CASE(3)
                    TILE_CASE(4)
                }
            }
        }
    }
}
#endif
