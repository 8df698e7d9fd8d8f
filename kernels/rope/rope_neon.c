/* NEON RoPE rows (aio_rope.h): 4 pairs (i, i+half) a step, tails by lane
 * loads and stores. */
#if defined(__aarch64__)
#include "../norm/row_io_neon.h"
#include "aio_mca.h"
#include "aio_rope.h"

#define DEF_ROPE_NEON(T)                                                                      \
    void aio_##T##_rope__neon(const aio_rope_args *a, int64_t r0, int64_t r1)                 \
    {                                                                                         \
        const int64_t half = a->half;                                                         \
        const int64_t esz = (int64_t)sizeof(T##_elem);                                        \
        for (int64_t r = r0; r < r1; r++) {                                                   \
            const int64_t s = r % a->seq, h = (r / a->seq) % a->heads, b = r / (a->seq * a->heads); \
            const char *x = (const char *)a->x + (b * a->xs_b + h * a->xs_h + s * a->xs_s) * esz; \
            char *y = (char *)a->y + r * 2 * half * esz;                                      \
            const int64_t p = a->pos[b * a->seq + s];                                         \
            const float *c = a->cos + p * half, *sn = a->sin + p * half;                      \
            int64_t i = 0;                                                                    \
            for (; i + 4 <= half; i += 4) {                                                   \
                AIO_MCA_BEGIN("aio_" #T "_rope__neon");                                       \
                const float32x4_t x1 = ld4_##T(x, i), x2 = ld4_##T(x, i + half);              \
                const float32x4_t cv = vld1q_f32(c + i), sv = vld1q_f32(sn + i);              \
                st4_##T(y, i, vfmsq_f32(vmulq_f32(x1, cv), x2, sv));                          \
                st4_##T(y, i + half, vfmaq_f32(vmulq_f32(x2, cv), x1, sv));                   \
                AIO_MCA_END();                                                                \
            }                                                                                 \
            if (i < half) {                                                                   \
                const int64_t cnt = half - i;                                                 \
                float32x4_t x1, x2;                                                           \
                AIO_LD4_TAIL(T, x, i, cnt, x1);                                               \
                AIO_LD4_TAIL(T, x, i + half, cnt, x2);                                        \
                const float32x4_t cv = ldpart_f32(c, i, cnt), sv = ldpart_f32(sn, i, cnt);      \
                AIO_ST4_TAIL(T, y, i, cnt, vfmsq_f32(vmulq_f32(x1, cv), x2, sv));             \
                AIO_ST4_TAIL(T, y, i + half, cnt, vfmaq_f32(vmulq_f32(x2, cv), x1, sv));      \
            }                                                                                 \
        }                                                                                     \
    }

DEF_ROPE_NEON(f32)
DEF_ROPE_NEON(bf16)
DEF_ROPE_NEON(f16)
#endif
