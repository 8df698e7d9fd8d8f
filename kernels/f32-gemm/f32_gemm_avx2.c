/* AVX2+FMA micro-kernels for the fp32 GEMM driver (f32_gemm_driver.h):
 *   6x16 broadcast kernel + 8x8-transpose packers    large tiles
 *   1..2 x 4 dot kernels                             few rows, b_trans=1
 *   8-row-step row-streaming kernel                  few rows, b_trans=0
 *
 * 16 ymm registers bound the tiles: 12 accumulators + 2 B + 1 broadcast in
 * the 6x16 kernel, 8 accumulators in the dot kernels. Ragged edges use
 * vmaskmov, which never faults on masked-off lanes. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "aio_mca.h"
#include "f32_gemm_driver.h"

#define AIO_TARGET __attribute__((target("avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

/* Lanes [0, n) on (sign bit set), n clamped to 0..8. */
AIO_INLINE __m256i mask_first(size_t n)
{
    const int nn = n > 8 ? 8 : (int)n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(nn), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AIO_INLINE void load_s_row(const float *s, int64_t sn, size_t nr, __m256 *s0, __m256 *s1)
{
    if (sn == 1) {
        *s0 = _mm256_maskload_ps(s, mask_first(nr));
        *s1 = _mm256_maskload_ps(s + 8, mask_first(nr > 8 ? nr - 8 : 0));
    } else if (sn == 0) {
        *s0 = *s1 = _mm256_set1_ps(*s);
    } else {
        float t[16] = {0};
        for (size_t j = 0; j < nr; j++)
            t[j] = s[(int64_t)j * sn];
        *s0 = _mm256_loadu_ps(t);
        *s1 = _mm256_loadu_ps(t + 8);
    }
}

AIO_INLINE void gemm_mrx16(const size_t MR, size_t kc, const float *a, const float *b,
                           size_t ldb, const aio_f32_gemm_out *o, size_t mr, size_t nr)
{
    __m256 acc[6][2];
#pragma GCC unroll 6
    for (size_t i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (size_t p = 0; p < kc; p++) {
        AIO_MCA_BEGIN("aio_f32_gemm_ukernel_6x16__avx2");
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        b += ldb;
#pragma GCC unroll 6
        for (size_t i = 0; i < MR; i++) {
            const __m256 ai = _mm256_broadcast_ss(a + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
        a += MR;
        AIO_MCA_END();
    }

    const __m256 alpha = _mm256_set1_ps(o->alpha), beta = _mm256_set1_ps(o->beta);
    const __m256i k0 = mask_first(nr), k1 = mask_first(nr > 8 ? nr - 8 : 0);
#pragma GCC unroll 6
    for (size_t i = 0; i < MR; i++) {
        if (i >= mr)
            break;
        float *c = o->c + i * o->ldc;
        __m256 v0 = _mm256_mul_ps(acc[i][0], alpha), v1 = _mm256_mul_ps(acc[i][1], alpha);
        if (o->accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(c, k0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(c + 8, k1));
        } else if (o->s) {
            __m256 s0, s1;
            load_s_row(o->s + (int64_t)i * o->s_stride_m, o->s_stride_n, nr, &s0, &s1);
            v0 = _mm256_fmadd_ps(s0, beta, v0);
            v1 = _mm256_fmadd_ps(s1, beta, v1);
        }
        _mm256_maskstore_ps(c, k0, v0);
        _mm256_maskstore_ps(c + 8, k1, v1);
    }
}

AIO_TARGET void aio_f32_gemm_ukernel_6x16__avx2(size_t kc, const float *a, const float *b,
                                                size_t ldb, const aio_f32_gemm_out *o,
                                                size_t mr, size_t nr)
{
    gemm_mrx16(6, kc, a, b, ldb, o, mr, nr);
}

/* 8x8 transpose: unpack, 64-bit shuffles, then 128-bit lane swaps. */
AIO_INLINE void transpose_8x8(__m256 r[8])
{
    __m256 t[8], s[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) { /* rows 4h..4h+3 */
        s[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
        s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x20);
        r[4 + c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x31);
    }
}

/* K-contiguous rows -> dst[p*width + r], zero padded (pack_a, pack_bt). */
AIO_TARGET void aio_f32_gemm_pack_t__avx2(size_t kc, size_t rows_valid, size_t width,
                                          const float *src, size_t ld, float *dst)
{
    for (size_t r0 = 0; r0 < width; r0 += 8) {
        const size_t g = width - r0 < 8 ? width - r0 : 8;
        const size_t live = rows_valid > r0 ? (rows_valid - r0 < g ? rows_valid - r0 : g) : 0;
        const __m256i gmask = mask_first(g);
        for (size_t p = 0; p < kc; p += 8) {
            const size_t kn = kc - p < 8 ? kc - p : 8;
            const __m256i kmask = mask_first(kn);
            __m256 v[8];
#pragma GCC unroll 8
            for (size_t i = 0; i < 8; i++)
                v[i] = i < live ? _mm256_maskload_ps(src + (r0 + i) * ld + p, kmask)
                                : _mm256_setzero_ps();
            transpose_8x8(v);
#pragma GCC unroll 8
            for (size_t t = 0; t < 8; t++)
                if (t < kn)
                    _mm256_maskstore_ps(dst + (p + t) * width + r0, gmask, v[t]);
        }
    }
}

AIO_TARGET void aio_f32_gemm_pack_b__avx2(size_t kc, size_t cols_valid, size_t width,
                                          const float *src, size_t ld, float *dst)
{
    for (size_t p = 0; p < kc; p++)
        for (size_t j = 0; j < width; j += 8) {
            const size_t n = cols_valid > j ? cols_valid - j : 0;
            _mm256_storeu_ps(dst + p * width + j, _mm256_maskload_ps(src + p * ld + j, mask_first(n)));
        }
}

AIO_INLINE float hsum(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/* acc[i] += a[i][p..p+7] x B[p..p+7][0..nc): see the AVX-512 version. */
AIO_TARGET void aio_f32_gemm_rows_ukernel__avx2(size_t k, size_t mr, const float *a, size_t lda,
                                                const float *b, size_t ldb, size_t nc,
                                                float *acc, size_t ldacc)
{
    size_t p = 0;
    for (; p + 8 <= k; p += 8) {
        const float *bp = b + p * ldb;
        for (size_t j = 0; j < nc; j += 8) {
            const __m256i m = mask_first(nc - j);
            const int full = nc - j >= 8;
            __m256 bv[8];
#pragma GCC unroll 8
            for (int q = 0; q < 8; q++)
                bv[q] = full ? _mm256_loadu_ps(bp + q * ldb + j) : _mm256_maskload_ps(bp + q * ldb + j, m);
            for (size_t i = 0; i < mr; i++) {
                const float *ai = a + i * lda + p;
                float *ci = acc + i * ldacc + j;
                __m256 c0 = full ? _mm256_loadu_ps(ci) : _mm256_maskload_ps(ci, m);
                __m256 c1 = _mm256_mul_ps(_mm256_set1_ps(ai[1]), bv[1]);
                c0 = _mm256_fmadd_ps(_mm256_set1_ps(ai[0]), bv[0], c0);
                c1 = _mm256_fmadd_ps(_mm256_set1_ps(ai[3]), bv[3], c1);
                c0 = _mm256_fmadd_ps(_mm256_set1_ps(ai[2]), bv[2], c0);
                c1 = _mm256_fmadd_ps(_mm256_set1_ps(ai[5]), bv[5], c1);
                c0 = _mm256_fmadd_ps(_mm256_set1_ps(ai[4]), bv[4], c0);
                c1 = _mm256_fmadd_ps(_mm256_set1_ps(ai[7]), bv[7], c1);
                c0 = _mm256_fmadd_ps(_mm256_set1_ps(ai[6]), bv[6], c0);
                c0 = _mm256_add_ps(c0, c1);
                if (full)
                    _mm256_storeu_ps(ci, c0);
                else
                    _mm256_maskstore_ps(ci, m, c0);
            }
        }
    }
    for (; p < k; p++) { /* K tail: one B row at a time */
        const float *b0 = b + p * ldb;
        for (size_t i = 0; i < mr; i++) {
            const __m256 x0 = _mm256_set1_ps(a[i * lda + p]);
            float *ci = acc + i * ldacc;
            for (size_t j = 0; j < nc; j += 8) {
                const __m256i m = mask_first(nc - j);
                _mm256_maskstore_ps(ci + j, m, _mm256_fmadd_ps(x0, _mm256_maskload_ps(b0 + j, m),
                                                               _mm256_maskload_ps(ci + j, m)));
            }
        }
    }
}

/* One K step of 8 for the MR x NR dot tile. */
#define AIO_DOT_STEP(LOAD_A, LOAD_W)                                             \
    do {                                                                         \
        __m256 av[2];                                                            \
        _Pragma("GCC unroll 2") for (size_t i = 0; i < MR; i++) av[i] = LOAD_A;  \
        _Pragma("GCC unroll 4") for (size_t j = 0; j < NR; j++)                  \
        {                                                                        \
            const __m256 wv = LOAD_W;                                            \
            _Pragma("GCC unroll 2") for (size_t i = 0; i < MR; i++)              \
                acc[i][j] = _mm256_fmadd_ps(av[i], wv, acc[i][j]);               \
        }                                                                        \
    } while (0)

/* MR x NR dot kernel, at most 2 x 4: 8 accumulators + loads fit in 16 ymm. */
AIO_INLINE void dot_mrxnr(const size_t MR, const size_t NR, size_t k, const float *a, size_t lda,
                          const float *w, size_t ldw, size_t nr_valid, float *out)
{
    const float *wr[4];
    __m256 acc[2][4];
#pragma GCC unroll 4
    for (size_t j = 0; j < NR; j++) /* edge: repeat the last live row */
        wr[j] = w + (j < nr_valid ? j : nr_valid - 1) * ldw;
#pragma GCC unroll 2
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (size_t j = 0; j < NR; j++)
            acc[i][j] = _mm256_setzero_ps();
    size_t p = 0;
    for (; p + 8 <= k; p += 8)
        AIO_DOT_STEP(_mm256_loadu_ps(a + i * lda + p), _mm256_loadu_ps(wr[j] + p));
    if (p < k) {
        const __m256i km = mask_first(k - p);
        AIO_DOT_STEP(_mm256_maskload_ps(a + i * lda + p, km), _mm256_maskload_ps(wr[j] + p, km));
    }
#pragma GCC unroll 2
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (size_t j = 0; j < NR; j++)
            out[i * NR + j] = hsum(acc[i][j]);
}

#define AIO_DOT(MR, NR)                                                                    \
    AIO_TARGET void aio_f32_gemm_dot_ukernel_##MR##x##NR##__avx2(                          \
        size_t k, const float *a, size_t lda, const float *w, size_t ldw, size_t nr_valid, \
        float *out)                                       \
    {                                                                                      \
        dot_mrxnr(MR, NR, k, a, lda, w, ldw, nr_valid, out);                               \
    }
AIO_DOT(1, 4)
AIO_DOT(2, 4)

static const aio_f32_gemm_ops ops = {
    .mr = 6, .nr = 16, .kc = 256, .nc = 512,
    .gemm = aio_f32_gemm_ukernel_6x16__avx2,
    .pack_a = aio_f32_gemm_pack_t__avx2,
    .pack_bt = aio_f32_gemm_pack_t__avx2,
    .pack_b = aio_f32_gemm_pack_b__avx2,
    .dot_max_m = 16,
    .dot_k_per_m = 16,
    .dot_nr = 4,
    .dot = {
        {aio_f32_gemm_dot_ukernel_1x4__avx2, 1},
        {aio_f32_gemm_dot_ukernel_2x4__avx2, 2},
    },
    .rows = aio_f32_gemm_rows_ukernel__avx2,
    .rows_max_m = 32,
};

void aio_f32_gemm__avx2(const aio_f32_gemm_args *args,
                        int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_f32_gemm_run(&ops, args, m0, m1, n0, n1);
}

/* For the variant table: this variant's ops (pre-packed path). */
const struct aio_f32_gemm_ops *aio_f32_gemm_ops__avx2(void) { return &ops; }
#endif
