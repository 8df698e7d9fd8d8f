/* The portable references of aio_qc4w_gemm.h, written to be obviously
 * right rather than fast: the int8 x int4 product, and the weight-only
 * fallback (fp32 activations, weights dequantized element by element). */
#include "qc4w_gemm_common.h"

void aio_qd8_f32_qc4w_gemm__ref(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                                int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t group = aio_qc4w_fmt_group(g->w->fmt), ng = g->w->kp / group;
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            for (int64_t q = 0; q < ng; q++) {
                int32_t d = 0;
                for (int64_t p = q * group; p < (q + 1) * group; p++)
                    d += (int32_t)g->qa[i * g->ldqa + p] * aio_qc4w_get_q(g->w, j, p);
                acc += aio_qc4w_get_scale(g->w, j, q) * (float)d -
                       aio_qc4w_get_zw(g->w, j, q) * (float)g->a_gsum[i * g->ldt + q];
            }
            g->c[i * g->ldc + j] = aio_qc4w_out(g, i, j, acc);
        }
}

void aio_f32_qc4w_gemm__ref(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    const int use_s = g->s != NULL && g->beta != 0.0f;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        aio_qc4w_no_product(g->c, g->ldc, g->s, g->s_stride_m, g->s_stride_n, g->beta, m0, m1, n0, n1);
        return;
    }
    const int64_t group = aio_qc4w_fmt_group(g->w->fmt), k = g->w->k;
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            for (int64_t q = 0; q * group < k; q++) {
                const float sw = aio_qc4w_get_scale(g->w, j, q), zw = aio_qc4w_get_zw(g->w, j, q);
                const int64_t p1 = (q + 1) * group < k ? (q + 1) * group : k;
                for (int64_t p = q * group; p < p1; p++)
                    acc += g->a[i * g->lda + p] * (sw * (float)aio_qc4w_get_q(g->w, j, p) - zw);
            }
            float v = g->alpha * acc;
            if (use_s)
                v += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
            g->c[i * g->ldc + j] = v;
        }
}
