/* Portable reference of the attention kernel (aio_attention.h): one query
 * row at a time, scores into scratch, a max-subtracted softmax, then the
 * weighted sum of V rows, accumulated in fp32 (scratch) and stored once in
 * the output's dtype. Plain loops; the correctness baseline. */
#include <math.h>
#include <string.h>

#include "aio_attention.h"
#include "f32_sdpa_common.h"

void aio_f32_sdpa__ref(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1,
                       float *scratch)
{
    const int dt = a->dt;
    const int64_t g = aio_sdpa_kv_head(a, h);
    const int64_t k0 = b * a->k_sb + g * a->k_sh, v0 = b * a->v_sb + g * a->v_sh;
    float *acc = scratch, *p = scratch + a->ev;
    for (int64_t i = r0; i < r1; i++) {
        const int64_t q0 = b * a->q_sb + h * a->q_sh + i * a->q_sl;
        const int64_t o0 = b * a->o_sb + h * a->o_sh + i * a->o_sl;
        const int64_t n = aio_sdpa_keys_visible(a, i);
        float mx = -INFINITY;
        for (int64_t j = 0; j < n; j++) {
            float s = 0.0f;
            for (int64_t e = 0; e < a->e; e++)
                s += aio_sdpa_get(a->q, dt, q0 + e) * aio_sdpa_get(a->k, dt, k0 + j * a->k_sl + e);
            p[j] = s * a->scale;
        }
        aio_sdpa_mask_row(a, b, h, i, p, n);
        for (int64_t j = 0; j < n; j++)
            mx = p[j] > mx ? p[j] : mx;
        memset(acc, 0, (size_t)a->ev * sizeof *acc);
        float lse = 0.0f;
        if (mx != -INFINITY) { /* else every key is masked: zeros */
            float sum = 0.0f;
            for (int64_t j = 0; j < n; j++) {
                p[j] = expf(p[j] - mx);
                sum += p[j];
            }
            for (int64_t j = 0; j < n; j++) {
                const float w = p[j] / sum;
                for (int64_t e = 0; e < a->ev; e++)
                    acc[e] += w * aio_sdpa_get(a->v, dt, v0 + j * a->v_sl + e);
            }
            lse = mx + logf(sum);
        }
        for (int64_t e = 0; e < a->ev; e++)
            aio_sdpa_put(a->o, dt, o0 + e, acc[e]);
        aio_sdpa_store_lse(a, b, h, i, lse);
    }
}
