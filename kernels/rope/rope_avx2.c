/* AVX2 RoPE rows (aio_rope.h): 8 pairs (i, i+half) a step, tails through
 * a padded buffer. */
#if defined(__x86_64__)
#include "../norm/row_io_avx2.h"
#include "aio_rope.h"

AIO_INLINE_AVX2 __m256 ld8_table(const float *t, int64_t cnt)
{
    float buf[8] = {0};
    memcpy(buf, t, (size_t)cnt * sizeof(float));
    return _mm256_loadu_ps(buf);
}

#define DEF_ROPE_AVX2(T)                                                                        \
    AIO_TARGET_AVX2 void aio_##T##_rope__avx2(const aio_rope_args *a, int64_t r0, int64_t r1)   \
    {                                                                                           \
        const int64_t half = a->half;                                                           \
        const int64_t esz = (int64_t)sizeof(T##_elem);                                          \
        for (int64_t r = r0; r < r1; r++) {                                                     \
            const int64_t s = r % a->seq, h = (r / a->seq) % a->heads, b = r / (a->seq * a->heads); \
            const char *x = (const char *)a->x + (b * a->xs_b + h * a->xs_h + s * a->xs_s) * esz; \
            char *y = (char *)a->y + r * 2 * half * esz;                                        \
            const int64_t p = a->pos[b * a->seq + s];                                           \
            const float *c = a->cos + p * half, *sn = a->sin + p * half;                        \
            int64_t i = 0;                                                                      \
            for (; i + 8 <= half; i += 8) {                                                     \
                const __m256 x1 = ld8_##T(x, i), x2 = ld8_##T(x, i + half);                     \
                const __m256 cv = _mm256_loadu_ps(c + i), sv = _mm256_loadu_ps(sn + i);         \
                st8_##T(y, i, _mm256_fnmadd_ps(x2, sv, _mm256_mul_ps(x1, cv)));                 \
                st8_##T(y, i + half, _mm256_fmadd_ps(x1, sv, _mm256_mul_ps(x2, cv)));           \
            }                                                                                   \
            if (i < half) {                                                                     \
                const int64_t cnt = half - i;                                                   \
                __m256 x1, x2;                                                                  \
                AIO_LD8_TAIL(T, x, i, cnt, x1);                                                 \
                AIO_LD8_TAIL(T, x, i + half, cnt, x2);                                          \
                const __m256 cv = ld8_table(c + i, cnt), sv = ld8_table(sn + i, cnt);           \
                AIO_ST8_TAIL(T, y, i, cnt, _mm256_fnmadd_ps(x2, sv, _mm256_mul_ps(x1, cv)));    \
                AIO_ST8_TAIL(T, y, i + half, cnt, _mm256_fmadd_ps(x1, sv, _mm256_mul_ps(x2, cv))); \
            }                                                                                   \
        }                                                                                       \
    }

DEF_ROPE_AVX2(f32)
DEF_ROPE_AVX2(bf16)
DEF_ROPE_AVX2(f16)
#endif
