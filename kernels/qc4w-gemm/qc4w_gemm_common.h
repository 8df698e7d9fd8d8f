/* Helpers shared by the qd8-f32-qc4w kernels (aio_qc4w_gemm.h): packed
 * group addressing, the alpha == 0 / K == 0 path and the store. Private to
 * kernels/qc4w-gemm. */
#ifndef AIO_QC4W_GEMM_COMMON_H
#define AIO_QC4W_GEMM_COMMON_H

#include "aio_qc4w_gemm.h"

/* Group g of block b: group/8 steps of 64 bytes, then 16 sw, 16 zw. */
static inline const unsigned char *aio_qc4w_group(const aio_packed_weight *w, int64_t group,
                                                  int64_t b, int64_t g)
{
    const int64_t ng = w->kp / group;
    return (const unsigned char *)w->data + (size_t)(b * ng + g) * (size_t)(group * 8 + 128);
}

/* K == 0 or alpha == 0: C = beta*S, or zeros; qa and W are not read. */
static inline void aio_qc4w_no_product(float *c, int64_t ldc, const float *s, int64_t ssm, int64_t ssn,
                                       float beta, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    const int use_s = s != NULL && beta != 0.0f;
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++)
            c[i * ldc + j] = use_s ? beta * s[i * ssm + j * ssn] : 0.0f;
}

/* The checks every kernel starts with: an empty range does nothing, and
 * K == 0 or alpha == 0 is aio_qc4w_no_product. 1 when the call is done. */
static inline int aio_qc4w_trivial_call(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                                        int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return 1;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        aio_qc4w_no_product(g->c, g->ldc, g->s, g->s_stride_m, g->s_stride_n, g->beta, m0, m1, n0, n1);
        return 1;
    }
    return 0;
}

/* C[i][j] = alpha * sa * acc + beta * S (S read before C is written). */
static inline float aio_qc4w_out(const aio_qc4w_gemm_args *g, int64_t i, int64_t j, float acc)
{
    float v = g->alpha * g->a_scale[i] * acc;
    if (g->s != NULL && g->beta != 0.0f)
        v += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
    return v;
}

#endif
