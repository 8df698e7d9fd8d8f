/* The portable reference of aio_qd8_gemm.h: the semantics, written to be
 * obviously right rather than fast (qa stored as int8, a_offset 0). */
#include "qd8_gemm_common.h"

void aio_qd8_f32_qc8w_gemm__ref(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                                int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        aio_qd8_no_product(g, m0, m1, n0, n1);
        return;
    }
    for (int64_t i = m0; i < m1; i++) {
        const int8_t *qa = (const int8_t *)(g->qa + i * g->ldqa);
        for (int64_t j = n0; j < n1; j++) {
            int32_t dot = 0;
            for (int64_t p = 0; p < g->w->k; p++)
                dot += (int32_t)qa[p] * aio_qc8w_get_q(g->w, j, p);
            aio_qd8_store_scalar(g, i, j, j, j + 1, &dot, NULL);
        }
    }
}
