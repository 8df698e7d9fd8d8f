/* Portable RoPE rows and the angle tables (aio_rope.h). */
#include <math.h>

#include "../norm/row_io_ref.h"
#include "aio_rope.h"

void aio_rope_inv_freq(double theta, int64_t half, float *inv_freq)
{
    const float d = (float)(2 * half);
    for (int64_t i = 0; i < half; i++) {
        const float e = (float)(2 * i) / d;
        const float p = (float)pow(theta, (double)e);
        inv_freq[i] = 1.0f / p;
    }
}

void aio_rope_table_rows(const float *inv_freq, int64_t half, int64_t p0, int64_t p1, float *cos_t,
                         float *sin_t)
{
    for (int64_t p = p0; p < p1; p++)
        for (int64_t i = 0; i < half; i++) {
            const float angle = (float)p * inv_freq[i];
            cos_t[p * half + i] = (float)cos((double)angle);
            sin_t[p * half + i] = (float)sin((double)angle);
        }
}

#define DEF_ROPE_REF(T)                                                                     \
    void aio_##T##_rope__ref(const aio_rope_args *a, int64_t r0, int64_t r1)                \
    {                                                                                       \
        const int64_t half = a->half;                                                       \
        for (int64_t r = r0; r < r1; r++) {                                                 \
            const int64_t s = r % a->seq, h = (r / a->seq) % a->heads,                      \
                          b = r / (a->seq * a->heads);                                      \
            const char *x = (const char *)a->x + (b * a->xs_b + h * a->xs_h + s * a->xs_s) * ESZ_##T; \
            char *y = (char *)a->y + r * 2 * half * ESZ_##T;                                \
            const int64_t p = a->pos[b * a->seq + s];                                       \
            const float *c = a->cos + p * half, *sn = a->sin + p * half;                    \
            for (int64_t i = 0; i < half; i++) {                                            \
                const float x1 = LD_##T(x, i), x2 = LD_##T(x, i + half);                    \
                ST_##T(y, i, x1 * c[i] - x2 * sn[i]);                                       \
                ST_##T(y, i + half, x2 * c[i] + x1 * sn[i]);                                \
            }                                                                               \
        }                                                                                   \
    }

DEF_ROPE_REF(f32)
DEF_ROPE_REF(bf16)
DEF_ROPE_REF(f16)
