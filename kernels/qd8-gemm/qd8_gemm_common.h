/* Helpers shared by the qd8-f32-qc8w kernels (aio_qd8_gemm.h): packed
 * block addressing, the alpha == 0 / K == 0 path, and a scalar epilogue.
 * Private to kernels/qd8-gemm. */
#ifndef AIO_QD8_GEMM_COMMON_H
#define AIO_QD8_GEMM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "aio_qd8_gemm.h"

#define AIO_QC8_BLOCK 16 /* output channels per packed block */

/* Start of block b (its int32 sums; the groups follow 64 bytes later). */
static inline const int8_t *aio_qc8_block(const aio_packed_weight *w, int64_t b)
{
    return (const int8_t *)w->data + (size_t)b * (64 + (size_t)w->kp * AIO_QC8_BLOCK);
}

/* K == 0 or alpha == 0: C = beta*S, or zeros; qa and W are not read. */
static inline void aio_qd8_no_product(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1,
                                      int64_t n0, int64_t n1)
{
    const int use_s = g->s != NULL && g->beta != 0.0f;
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++)
            g->c[i * g->ldc + j] =
                use_s ? g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n] : 0.0f;
}

/* Row i, columns [j0, j1) of one block starting at column jb: dot[j - jb]
 * holds sum_p (qa + a_offset) * qw, corr[j - jb] the a_offset * rowsum
 * to take off. S is read before C is written (they may alias). */
static inline void aio_qd8_store_scalar(const aio_qd8_gemm_args *g, int64_t i, int64_t jb,
                                        int64_t j0, int64_t j1, const int32_t *dot,
                                        const int32_t *corr)
{
    const float as = g->alpha * g->a_scale[i];
    const int use_s = g->s != NULL && g->beta != 0.0f;
    float *c = g->c + i * g->ldc;
    for (int64_t j = j0; j < j1; j++) {
        /* int32 wrap-around cancels in the difference: the true sum fits */
        const int32_t d = (int32_t)((uint32_t)dot[j - jb] - (uint32_t)(corr ? corr[j - jb] : 0));
        float v = (float)d * g->w->scales[j] * as;
        if (use_s)
            v += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
        c[j] = v;
    }
}

/* The tile loop shared by the 4-row variants (AVX2, NEON dotprod, NEON
 * i8mm): rows in blocks that keep their quantized A in L2, then packed
 * weight blocks, then 4-row tiles. The including file defines MR (4),
 * AIO_TARGET and `tile(rows, g, i0, block, n0, n1)` with rows a constant,
 * so each case compiles to its own unrolled micro-kernel. */
#define AIO_QD8_GEMM_4ROW_DRIVER(fn)                                                             \
    AIO_TARGET void fn(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) \
    {                                                                                            \
        if (m1 <= m0 || n1 <= n0)                                                                \
            return;                                                                              \
        if (g->w->k <= 0 || g->alpha == 0.0f) {                                                  \
            aio_qd8_no_product(g, m0, m1, n0, n1);                                               \
            return;                                                                              \
        }                                                                                        \
        const int64_t b0 = n0 / AIO_QC8_BLOCK, b1 = (n1 + AIO_QC8_BLOCK - 1) / AIO_QC8_BLOCK;    \
        int64_t mb = (256 * 1024) / g->w->kp / MR * MR;                                          \
        mb = mb < MR ? MR : mb;                                                                  \
        for (int64_t mi = m0; mi < m1; mi += mb) {                                               \
            const int64_t me = m1 - mi < mb ? m1 : mi + mb;                                      \
            for (int64_t b = b0; b < b1; b++)                                                    \
                for (int64_t i = mi; i < me; i += MR) {                                          \
                    switch (me - i < MR ? (int)(me - i) : MR) {                                  \
                    case 1: tile(1, g, i, b, n0, n1); break;                                     \
                    case 2: tile(2, g, i, b, n0, n1); break;                                     \
                    case 3: tile(3, g, i, b, n0, n1); break;                                     \
                    default: tile(4, g, i, b, n0, n1); break;                                    \
                    }                                                                            \
                }                                                                                \
        }                                                                                        \
    }

#endif
