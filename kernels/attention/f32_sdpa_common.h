/* Helpers shared by the attention kernel variants: index arithmetic and the
 * scalar mask pass (the vector variants vectorize the hot loops only). */
#ifndef AIO_F32_SDPA_COMMON_H
#define AIO_F32_SDPA_COMMON_H

#include <math.h>

#include "aio_attention.h"

/* The K/V head query head h reads (grouped-query attention). */
static inline int64_t aio_sdpa_kv_head(const aio_f32_sdpa_args *a, int64_t h)
{
    return h / (a->q_heads / a->kv_heads);
}

/* Keys [0, n) can be visible to query row i; causal masks j > i. */
static inline int64_t aio_sdpa_keys_visible(const aio_f32_sdpa_args *a, int64_t i)
{
    if (!a->causal)
        return a->lk;
    return i + 1 < a->lk ? i + 1 : a->lk;
}

/* Adds the additive mask to the first n scores of row i. */
static inline void aio_sdpa_mask_row(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i,
                                     float *p, int64_t n)
{
    const int64_t off = b * a->m_sb + h * a->m_sh + i * a->m_sl;
    if (a->mask) {
        const float *m = a->mask + off;
        for (int64_t j = 0; j < n; j++)
            p[j] += m[j];
    }
}

static inline void aio_sdpa_store_lse(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i, float x)
{
    if (a->lse)
        a->lse[b * a->l_sb + h * a->l_sh + i * a->l_sl] = x;
}

#endif
