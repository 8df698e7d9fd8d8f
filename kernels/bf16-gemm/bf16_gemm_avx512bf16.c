/* AVX512_BF16 kernels of the bf16-dot GEMM driver (bf16_gemm_driver.h):
 *   MR x 32 micro-kernel on vdpbf16ps (two bf16 products per fp32 lane
 *   per instruction: twice the multiply-adds of an fp32 FMA);
 *   packers that round fp32 to bf16 with vcvtne2ps2bf16 while packing and
 *   put K pairs in place with a 16x16 32-bit transpose (K-contiguous
 *   rows) or a 16-bit interleave (N-contiguous rows).
 * Per-function target attributes keep the build flag-free; this runs only
 * where aio_isa_detect() reports AVX512_BF16. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "aio_mca.h"
#include "bf16_gemm_driver.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

AIO_INLINE __mmask16 mask16(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

AIO_INLINE __mmask32 mask32(size_t n)
{
    return n >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << n) - 1u);
}

AIO_INLINE void load_s_row(const float *s, int64_t sn, size_t nr, __m512 *s0, __m512 *s1)
{
    if (sn == 1) {
        *s0 = _mm512_maskz_loadu_ps(mask16(nr), s);
        *s1 = _mm512_maskz_loadu_ps(mask16(nr > 16 ? nr - 16 : 0), s + 16);
    } else if (sn == 0) {
        *s0 = *s1 = _mm512_set1_ps(*s);
    } else {
        float t[32] = {0};
        for (size_t j = 0; j < nr; j++)
            t[j] = s[(int64_t)j * sn];
        *s0 = _mm512_loadu_ps(t);
        *s1 = _mm512_loadu_ps(t + 16);
    }
}

/* MR x 32: per K pair two B loads and MR 32-bit broadcasts of A pairs feed
 * 2*MR independent vdpbf16ps chains. */
AIO_INLINE void gemm_mrx32(const size_t MR, size_t kc2, const uint32_t *a, const uint32_t *b,
                           const aio_bf16_gemm_out *o, size_t mr, size_t nr)
{
    __m512 acc[12][2];
#pragma GCC unroll 12
    for (size_t i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (size_t q = 0; q < kc2; q++) {
        AIO_MCA_BEGIN("aio_bf16_gemm_ukernel_12x32__avx512bf16");
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 16);
        b += 32;
#pragma GCC unroll 12
        for (size_t i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
        }
        a += MR;
        AIO_MCA_END();
    }
    const __m512 alpha = _mm512_set1_ps(o->alpha), beta = _mm512_set1_ps(o->beta);
    const __mmask16 k0 = mask16(nr), k1 = mask16(nr > 16 ? nr - 16 : 0);
#pragma GCC unroll 12
    for (size_t i = 0; i < MR; i++) {
        if (i >= mr)
            break;
        float *c = o->c + i * o->ldc;
        __m512 v0 = _mm512_mul_ps(acc[i][0], alpha), v1 = _mm512_mul_ps(acc[i][1], alpha);
        if (o->accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(k0, c));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(k1, c + 16));
        } else if (o->s) {
            __m512 s0, s1;
            load_s_row(o->s + (int64_t)i * o->s_stride_m, o->s_stride_n, nr, &s0, &s1);
            v0 = _mm512_fmadd_ps(s0, beta, v0);
            v1 = _mm512_fmadd_ps(s1, beta, v1);
        }
        _mm512_mask_storeu_ps(c, k0, v0);
        _mm512_mask_storeu_ps(c + 16, k1, v1);
    }
}

AIO_TARGET void aio_bf16_gemm_ukernel_12x32__avx512bf16(size_t kc2, const uint32_t *a,
                                                        const uint32_t *b,
                                                        const aio_bf16_gemm_out *o, size_t mr,
                                                        size_t nr)
{
    gemm_mrx32(12, kc2, a, b, o, mr, nr);
}

/* 16x16 transpose of 32-bit elements (see f32_gemm_avx512f.c). */
AIO_INLINE void transpose_16x16(__m512i r[16])
{
    __m512i t[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        const __m512i u0 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x88);
        const __m512i u1 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xdd);
        const __m512i u2 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x88);
        const __m512i u3 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xdd);
        t[c] = _mm512_shuffle_i32x4(u0, u2, 0x88);
        t[8 + c] = _mm512_shuffle_i32x4(u0, u2, 0xdd);
        t[4 + c] = _mm512_shuffle_i32x4(u1, u3, 0x88);
        t[12 + c] = _mm512_shuffle_i32x4(u1, u3, 0xdd);
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        r[i] = t[i];
}

/* 32 K values of one K-contiguous row as 16 bf16 pairs, zero past kn. */
AIO_INLINE __m512i load_pairs(const void *src, int bf16, size_t kn)
{
    if (bf16)
        return _mm512_maskz_loadu_epi16(mask32(kn), src);
    const float *f = src;
    const __m512 lo = _mm512_maskz_loadu_ps(mask16(kn), f);
    const __m512 hi = _mm512_maskz_loadu_ps(mask16(kn > 16 ? kn - 16 : 0), f + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

AIO_TARGET void aio_bf16_gemm_pack_t__avx512bf16(size_t kc, size_t rows_valid, size_t width,
                                                 const void *src, size_t ld, int bf16,
                                                 uint32_t *dst)
{
    const size_t es = bf16 ? 2 : 4;
    for (size_t r0 = 0; r0 < width; r0 += 16) {
        const size_t g = width - r0 < 16 ? width - r0 : 16;
        const size_t live = rows_valid > r0 ? (rows_valid - r0 < g ? rows_valid - r0 : g) : 0;
        const __mmask16 gmask = mask16(g);
        for (size_t p = 0; p < kc; p += 32) {
            const size_t kn = kc - p < 32 ? kc - p : 32, kn2 = (kn + 1) / 2;
            __m512i v[16];
#pragma GCC unroll 16
            for (size_t i = 0; i < 16; i++)
                v[i] = i < live ? load_pairs((const char *)src + ((r0 + i) * ld + p) * es, bf16, kn)
                                : _mm512_setzero_si512();
            transpose_16x16(v);
#pragma GCC unroll 16
            for (size_t t = 0; t < 16; t++)
                if (t < kn2)
                    _mm512_mask_storeu_epi32(dst + (p / 2 + t) * width + r0, gmask, v[t]);
        }
    }
}

/* 16 columns of one N-contiguous row as 16 bf16 values in a 256-bit half. */
AIO_INLINE __m256i load_row16(const void *src, int bf16, __mmask16 m)
{
    if (bf16)
        return _mm256_maskz_loadu_epi16(m, src);
    return (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src));
}

AIO_TARGET void aio_bf16_gemm_pack_n__avx512bf16(size_t kc, size_t cols_valid, size_t width,
                                                 const void *src, size_t ld, int bf16,
                                                 uint32_t *dst)
{
    const size_t es = bf16 ? 2 : 4;
    /* word r of the result = (row 2q col r, row 2q+1 col r) */
    const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                         23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const size_t kc2 = (kc + 1) / 2;
    for (size_t q = 0; q < kc2; q++) {
        const char *r0 = (const char *)src + 2 * q * ld * es;
        const int has_hi = 2 * q + 1 < kc;
        for (size_t j = 0; j < width; j += 16) {
            const __mmask16 m = mask16(cols_valid > j ? cols_valid - j : 0);
            const __m256i lo = load_row16(r0 + j * es, bf16, m);
            const __m256i hi = has_hi ? load_row16(r0 + (ld + j) * es, bf16, m) : _mm256_setzero_si256();
            const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
            _mm512_storeu_si512(dst + q * width + j, _mm512_permutexvar_epi16(idx, both));
        }
    }
}

static const aio_bf16_gemm_ops ops = {
    .mr = 12, .nr = 32, .kc = 512, .nc = 512,
    .gemm = aio_bf16_gemm_ukernel_12x32__avx512bf16,
    .pack_t = aio_bf16_gemm_pack_t__avx512bf16,
    .pack_n = aio_bf16_gemm_pack_n__avx512bf16,
};

void aio_bf16_gemm__avx512bf16(const aio_bf16_gemm_args *args, int64_t m0, int64_t m1, int64_t n0,
                               int64_t n1)
{
    aio_bf16_gemm_run(&ops, args, m0, m1, n0, n1);
}

const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops__avx512bf16(void) { return &ops; }
#endif
