/* AVX-512 VNNI kernel of aio_qd8_gemm.h: vpdpbusd multiplies 4 unsigned A
 * bytes (qa + 128, broadcast) by the 4 signed bytes of each of 16 output
 * channels (one packed QC8 group, one zmm), summing into int32 lanes.
 * Micro-tile: up to 8 rows x 2 blocks (32 channels), 16 accumulators over
 * the whole K; the epilogue takes off 128 * rowsum(qw), scales, adds S and
 * stores under a mask. Rows are walked in blocks of ~256 KiB of qa so they
 * stay in L2 while each 32-channel W panel (in L2 too) serves them all. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "aio_mca.h"
#include "qd8_gemm_common.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET
#include "qd8_load_s__avx512.h"

enum { MR = 8, NB = 2 };

/* acc += av (unsigned bytes) . wv (signed bytes), in place. GCC 12 puts
 * _mm512_dpbusd_epi32's accumulator in zmm0-15 only, so with 16 of them
 * live it copied each one in and out on every step (34 extra moves and 2
 * spills per 16 vpdpbusd in the 8x32 loop); the asm keeps all 16 in
 * place (29 instructions per step). Operand order as GCC emits it for the
 * intrinsic: vpdpbusd W, A, acc. */
AIO_INLINE void dpbusd(__m512i *acc, __m512i av, __m512i wv)
{
    __asm__("vpdpbusd %2, %1, %0" : "+v"(*acc) : "v"(av), "v"(wv));
}

AIO_INLINE void tile(const int mr, const int nb, const aio_qd8_gemm_args *g, int64_t i0,
                     int64_t blk, int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const size_t groups = (size_t)w->kp / 4;
    const uint8_t *qa = g->qa + i0 * g->ldqa;
    const size_t ldqa = (size_t)g->ldqa;
    const int8_t *wb[NB];
    #pragma GCC unroll 8
    for (int b = 0; b < nb; b++)
        wb[b] = aio_qc8_block(w, blk + b);
    __m512i acc[MR][NB];
    #pragma GCC unroll 8
    for (int i = 0; i < mr; i++)
        #pragma GCC unroll 8
        for (int b = 0; b < nb; b++)
            acc[i][b] = _mm512_setzero_si512();
    const int8_t *w0 = wb[0] + 64, *w1 = wb[nb - 1] + 64;
    for (size_t q = 0; q < groups; q++) {
        AIO_MCA_BEGIN("aio_qd8_f32_qc8w_gemm_8x32__avx512vnni");
        __m512i wv[NB];
        wv[0] = _mm512_load_si512((const void *)(w0 + 64 * q));
        if (nb > 1)
            wv[1] = _mm512_load_si512((const void *)(w1 + 64 * q));
        #pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            int32_t x;
            memcpy(&x, qa + i * ldqa + 4 * q, 4);
            const __m512i av = _mm512_set1_epi32(x);
            #pragma GCC unroll 8
            for (int b = 0; b < nb; b++)
                dpbusd(&acc[i][b], av, wv[b]);
        }
        AIO_MCA_END();
    }
    /* Epilogue: C = (dot - 128*rowsum) * sw * (alpha*sa) + beta*S. */
    const int use_s = g->s != NULL && g->beta != 0.0f;
    const __m512 beta = _mm512_set1_ps(g->beta);
    #pragma GCC unroll 8
    for (int b = 0; b < nb; b++) {
        const int64_t jb = (blk + b) * AIO_QC8_BLOCK;
        const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
        const __mmask16 km = (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
        const __m512i corr = _mm512_slli_epi32(_mm512_load_si512((const void *)wb[b]), 7);
        const __m512 sw = _mm512_loadu_ps(w->scales + jb); /* padded to whole blocks */
        #pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            const int64_t row = i0 + i;
            const __m512 d = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][b], corr));
            __m512 v = _mm512_mul_ps(_mm512_mul_ps(d, sw), _mm512_set1_ps(g->alpha * g->a_scale[row]));
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

AIO_TARGET void aio_qd8_f32_qc8w_gemm__avx512vnni(const aio_qd8_gemm_args *g, int64_t m0,
                                                  int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        aio_qd8_no_product(g, m0, m1, n0, n1);
        return;
    }
    const int64_t b0 = n0 / AIO_QC8_BLOCK, b1 = (n1 + AIO_QC8_BLOCK - 1) / AIO_QC8_BLOCK;
    int64_t mb = (256 * 1024) / g->w->kp / MR * MR;
    mb = mb < MR ? MR : mb;
    for (int64_t mi = m0; mi < m1; mi += mb) {
        const int64_t me = m1 - mi < mb ? m1 : mi + mb;
        const int64_t tiles = (me - mi + MR - 1) / MR;
        for (int64_t b = b0; b < b1; b += NB) {
            const int nb = b1 - b < NB ? (int)(b1 - b) : NB;
            /* The next W panel, fetched into L2 a slice per tile while this
             * one computes: weights come from DRAM in a model, and a short
             * panel is done before the hardware prefetcher ramps up (M = 128,
             * K = 768, cold: 80% of the dot peak, 88-90% with this). Long
             * panels (K = 3072: 86-92% without) and many tiles per panel
             * lose 2-5% to it. */
            const char *pf = NULL;
            size_t pf_lines = 0, pf_step = 0;
            if (b + NB < b1 && tiles <= 32 && (size_t)g->w->kp * AIO_QC8_BLOCK * NB <= 64 * 1024) {
                const int64_t nn = b1 - b - NB < NB ? b1 - b - NB : NB;
                pf = (const char *)aio_qc8_block(g->w, b + NB);
                pf_lines = (size_t)nn * (64 + (size_t)g->w->kp * AIO_QC8_BLOCK) / 64;
                pf_step = (pf_lines + (size_t)tiles - 1) / (size_t)tiles;
            }
            for (int64_t i = mi; i < me; i += MR) {
                for (size_t l = 0; l < pf_step && pf_lines; l++, pf_lines--, pf += 64)
                    __builtin_prefetch(pf, 0, 2);
                switch (me - i < MR ? (int)(me - i) : MR) {
                    TILE_CASE(1)
                    TILE_CASE(2)
                    TILE_CASE(3)
                    TILE_CASE(4)
                    TILE_CASE(5)
                    TILE_CASE(6)
                    TILE_CASE(7)
                    TILE_CASE(8)
                }
            }
        }
    }
}
#endif
