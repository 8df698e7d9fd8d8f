/* Portable reference: the semantics of aio_f32_gemm.h, written to be
 * obviously right rather than fast. Every slot starts here, and it is what
 * runs when no ISA variant applies (AIO_MAX_ISA=reference, unknown CPUs). */
#include "aio_f32_gemm.h"

void aio_f32_gemm__ref(const aio_f32_gemm_args *g,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    /* S takes part only when given and beta != 0, so NaN in an ignored S
     * never reaches C. */
    const int use_s = g->s != NULL && g->beta != 0.0f;
    for (int64_t i = m0; i < m1; i++) {
        const float *a = g->a + i * g->lda;
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            if (g->alpha == 0.0f) {
                /* BLAS: A and B are not read, so NaN there cannot leak. */
            } else if (g->b_trans) {
                const float *w = g->b + j * g->ldb;
                for (int64_t p = 0; p < g->k; p++)
                    acc += a[p] * w[p];
            } else {
                for (int64_t p = 0; p < g->k; p++)
                    acc += a[p] * g->b[p * g->ldb + j];
            }
            float out = g->alpha * acc;
            /* Read S(i,j) before writing C(i,j): C may alias S exactly. */
            if (use_s)
                out += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
            g->c[i * g->ldc + j] = out;
        }
    }
}
