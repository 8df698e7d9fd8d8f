/* Helpers shared by the attention kernel variants: index arithmetic,
 * element access by dtype and the scalar mask pass. */
#ifndef AIO_F32_SDPA_COMMON_H
#define AIO_F32_SDPA_COMMON_H

#include <math.h>
#include <string.h>

#include "aio_attention.h"
#include "aio_wgemm.h" /* aio_bf16_to_f32, aio_f32_to_bf16 */

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

/* Element size in bytes of dt (fp32 or a 16-bit type). */
static inline size_t aio_sdpa_esize(int dt) { return dt == AIO_DT_F32 ? 4 : 2; }

/* Address of element `off` of a tensor of type dt. */
static inline const void *aio_sdpa_at(const void *p, int dt, int64_t off)
{
    return (const char *)p + off * (int64_t)aio_sdpa_esize(dt);
}

static inline float aio_sdpa_get(const void *p, int dt, int64_t i)
{
    return dt == AIO_DT_F32 ? ((const float *)p)[i] : aio_bf16_to_f32(((const uint16_t *)p)[i]);
}

static inline void aio_sdpa_put(void *p, int dt, int64_t i, float x)
{
    if (dt == AIO_DT_F32)
        ((float *)p)[i] = x;
    else
        ((uint16_t *)p)[i] = aio_f32_to_bf16(x);
}

/* Offset (in elements) of row i's mask, keys from 0. */
static inline int64_t aio_sdpa_mask_off(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i)
{
    return b * a->m_sb + h * a->m_sh + i * a->m_sl;
}

/* Adds the additive mask to the first n scores of row i. */
static inline void aio_sdpa_mask_row(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i,
                                     float *p, int64_t n)
{
    if (a->mask) {
        const int64_t off = aio_sdpa_mask_off(a, b, h, i);
        for (int64_t j = 0; j < n; j++)
            p[j] += aio_sdpa_get(a->mask, a->mask_dt, off + j);
    }
}

static inline void aio_sdpa_store_lse(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i, float x)
{
    if (a->lse)
        a->lse[b * a->l_sb + h * a->l_sh + i * a->l_sl] = x;
}

#endif
