/* Portable arg-extreme kernels: the reference, PyTorch's own loop
 * (`!(v <= best)` keeps the first maximum and stops at the first NaN). */
#include <string.h>

#include "aio_argext.h"

static inline float bf16_to_f32(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline float f32_id(float f) { return f; }

#define REF(name, T, TOF, KEEP)                                                    \
    void name(const aio_argext_args *a, int64_t begin, int64_t end)               \
    {                                                                              \
        for (int64_t r = begin; r < end; r++) {                                    \
            const T *x = (const T *)a->x + r * a->ldx;                             \
            float best = TOF(x[0]);                                                \
            int64_t bi = 0;                                                        \
            if (best == best)                                                      \
                for (int64_t j = 1; j < a->cols; j++) {                            \
                    float v = TOF(x[j]);                                           \
                    if (!(KEEP)) {                                                 \
                        best = v;                                                  \
                        bi = j;                                                    \
                        if (v != v) break;                                         \
                    }                                                              \
                }                                                                  \
            a->idx[r * a->ldi] = bi;                                               \
            if (a->val) ((T *)a->val)[r * a->ldv] = x[bi];                         \
        }                                                                          \
    }

REF(aio_f32_argmax_ukernel_1__ref, float, f32_id, v <= best)
REF(aio_f32_argmin_ukernel_1__ref, float, f32_id, v >= best)
REF(aio_bf16_argmax_ukernel_1__ref, uint16_t, bf16_to_f32, v <= best)
REF(aio_bf16_argmin_ukernel_1__ref, uint16_t, bf16_to_f32, v >= best)
