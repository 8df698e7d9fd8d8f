/* Portable RMSNorm and LayerNorm rows (aio_norm.h): plain loops, fp32
 * accumulation, the semantics every ISA variant is tested against. */
#include <math.h>

#include "aio_moments.h"
#include "row_io_ref.h"

#define DEF_RMSNORM_REF(T)                                                              \
    void aio_##T##_rmsnorm__ref(const aio_rmsnorm_args *a, int64_t r0, int64_t r1)      \
    {                                                                                   \
        const int64_t n = a->n;                                                         \
        for (int64_t r = r0; r < r1; r++) {                                             \
            const char *x = (const char *)a->x + r * a->ldx * ESZ_##T;                  \
            char *y = (char *)a->y + r * a->ldy * ESZ_##T;                              \
            float ss = 0.f;                                                             \
            for (int64_t i = 0; i < n; i++) {                                           \
                float v = LD_##T(x, i);                                                 \
                ss += v * v;                                                            \
            }                                                                           \
            const float s = 1.f / sqrtf(ss / (float)n + a->eps);                        \
            for (int64_t i = 0; i < n; i++) {                                           \
                float v = LD_##T(x, i) * s;                                             \
                if (a->w) v *= LD_##T(a->w, i);                                         \
                ST_##T(y, i, v);                                                        \
            }                                                                           \
        }                                                                               \
    }

DEF_RMSNORM_REF(f32)
DEF_RMSNORM_REF(bf16)
DEF_RMSNORM_REF(f16)

void aio_f32_layernorm__ref(const aio_layernorm_args *a, int64_t r0, int64_t r1)
{
    const int64_t n = a->n;
    for (int64_t r = r0; r < r1; r++) {
        const float *x = a->x + r * a->ldx;
        float *y = a->y + r * a->ldy;
        float mean, var;
        aio_f32_moments__ref(x, n, 1, n, &mean, &var); /* shared with GroupNorm/BatchNorm */
        const float rstd = 1.f / sqrtf(var + a->eps);
        for (int64_t i = 0; i < n; i++) {
            float v = (x[i] - mean) * rstd;
            if (a->w) v *= a->w[i];
            if (a->b) v += a->b[i];
            y[i] = v;
        }
        if (a->mean) a->mean[r] = mean;
        if (a->rstd) a->rstd[r] = rstd;
    }
}
