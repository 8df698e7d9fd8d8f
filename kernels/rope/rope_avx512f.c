/* AVX-512 RoPE rows (aio_rope.h): 16 pairs (i, i+half) a step, masked
 * tail; the angle tables are read as they are (fp32). */
#if defined(__x86_64__)
#include "../norm/row_io_avx512.h"
#include "aio_rope.h"

#define DEF_ROPE_AVX512(T, ESZ)                                                                    \
    AIO_TARGET_AVX512 void aio_##T##_rope__avx512f(const aio_rope_args *a, int64_t r0, int64_t r1) \
    {                                                                                              \
        const int64_t half = a->half;                                                              \
        for (int64_t r = r0; r < r1; r++) {                                                        \
            const int64_t s = r % a->seq, h = (r / a->seq) % a->heads, b = r / (a->seq * a->heads); \
            const char *x = (const char *)a->x + (b * a->xs_b + h * a->xs_h + s * a->xs_s) * ESZ;  \
            char *y = (char *)a->y + r * 2 * half * ESZ;                                           \
            const int64_t p = a->pos[b * a->seq + s];                                              \
            const float *c = a->cos + p * half, *sn = a->sin + p * half;                           \
            for (int64_t i = 0; i < half; i += 16) {                                               \
                const __mmask16 m = tail16(half - i);                                              \
                const __m512 x1 = ld16_##T(x, i, m), x2 = ld16_##T(x, i + half, m);                \
                const __m512 cv = _mm512_maskz_loadu_ps(m, c + i), sv = _mm512_maskz_loadu_ps(m, sn + i); \
                st16_##T(y, i, _mm512_fnmadd_ps(x2, sv, _mm512_mul_ps(x1, cv)), m);                \
                st16_##T(y, i + half, _mm512_fmadd_ps(x1, sv, _mm512_mul_ps(x2, cv)), m);          \
            }                                                                                      \
        }                                                                                          \
    }

DEF_ROPE_AVX512(f32, 4)
DEF_ROPE_AVX512(bf16, 2)
DEF_ROPE_AVX512(f16, 2)
#endif
