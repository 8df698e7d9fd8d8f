/* AVX-512F micro-kernels for the fp32 GEMM driver (f32_gemm_driver.h):
 *   8x32 broadcast kernel + 16x16-transpose packers  large tiles
 *   1..4 x 6 dot kernels                             few rows, b_trans=1
 *   8-row-step row-streaming kernel                  few rows, b_trans=0
 *
 * Per-function target attributes keep the build flag-free: the file compiles
 * with plain -O2 and only runs where aio_isa_detect() says AVX-512 is there.
 * Masked loads/stores handle every ragged edge without scalar tails. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "aio_mca.h"
#include "f32_gemm_driver.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

AIO_INLINE __mmask16 mask_first(size_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* S row for columns [0, nr) of the tile, as two vectors. */
AIO_INLINE void load_s_row(const float *s, int64_t sn, size_t nr, __m512 *s0, __m512 *s1)
{
    if (sn == 1) {
        *s0 = _mm512_maskz_loadu_ps(mask_first(nr), s);
        *s1 = _mm512_maskz_loadu_ps(mask_first(nr > 16 ? nr - 16 : 0), s + 16);
    } else if (sn == 0) {
        *s0 = *s1 = _mm512_set1_ps(*s);
    } else { /* any other stride: rare, gather by hand */
        float t[32] = {0};
        for (size_t j = 0; j < nr; j++)
            t[j] = s[(int64_t)j * sn];
        *s0 = _mm512_loadu_ps(t);
        *s1 = _mm512_loadu_ps(t + 16);
    }
}

/* MR x 32 broadcast kernel: per k, two 16-wide B loads and MR broadcasts
 * of packed A feed 2*MR independent FMA chains (enough to cover the FMA
 * latency on every AVX-512 core). */
AIO_INLINE void gemm_mrx32(const size_t MR, size_t kc, const float *a, const float *b,
                           size_t ldb, const aio_f32_gemm_out *o, size_t mr, size_t nr)
{
    __m512 acc[16][2];
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    /* One broadcast per row into a register, shared by both FMAs. (Folding
     * it into each FMA as a {1to16} memory operand, which llvm-mca's znver4
     * model prefers, measured 13% slower on Zen 5: 213 vs 243 GFLOP/s of a
     * 250 peak, kernel alone in L1.) */
    for (size_t p = 0; p < kc; p++) {
        AIO_MCA_BEGIN("aio_f32_gemm_ukernel_8x32__avx512f");
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        b += ldb;
#pragma GCC unroll 16
        for (size_t i = 0; i < MR; i++) {
            const __m512 ai = _mm512_set1_ps(a[i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
        a += MR;
        AIO_MCA_END();
    }

    const __m512 alpha = _mm512_set1_ps(o->alpha), beta = _mm512_set1_ps(o->beta);
    const __mmask16 k0 = mask_first(nr), k1 = mask_first(nr > 16 ? nr - 16 : 0);
#pragma GCC unroll 16
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

AIO_TARGET void aio_f32_gemm_ukernel_8x32__avx512f(size_t kc, const float *a, const float *b,
                                                   size_t ldb, const aio_f32_gemm_out *o,
                                                   size_t mr, size_t nr)
{
    gemm_mrx32(8, kc, a, b, ldb, o, mr, nr);
}

/* In-register 16x16 transpose: unpack 32-bit, unpack 64-bit, then two
 * rounds of 128-bit lane shuffles. r[i] row i in, column i out. */
AIO_INLINE void transpose_16x16(__m512 r[16])
{
    __m512 t[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        const __m512d lo0 = _mm512_castps_pd(t[4 * i]), lo1 = _mm512_castps_pd(t[4 * i + 2]);
        const __m512d hi0 = _mm512_castps_pd(t[4 * i + 1]), hi1 = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo0, lo1));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo0, lo1));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi0, hi1));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi0, hi1));
    }
    /* r[4g + c], 128-bit lane L: rows 4g..4g+3 of column 4L + c. */
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
        const __m512 u1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
        const __m512 u2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        const __m512 u3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
        t[c] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        t[8 + c] = _mm512_shuffle_f32x4(u0, u2, 0xdd);
        t[4 + c] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(u1, u3, 0xdd);
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        r[i] = t[i];
}

/* K-contiguous rows -> dst[p*width + r], zero padded: 16 rows x 16 k at a
 * time through the transpose, so packing W costs a few shuffles per value
 * instead of a scalar load/store pair. Serves pack_a and pack_bt. */
AIO_TARGET void aio_f32_gemm_pack_t__avx512f(size_t kc, size_t rows_valid, size_t width,
                                             const float *src, size_t ld, float *dst)
{
    for (size_t r0 = 0; r0 < width; r0 += 16) {
        const size_t g = width - r0 < 16 ? width - r0 : 16;
        const size_t live = rows_valid > r0 ? (rows_valid - r0 < g ? rows_valid - r0 : g) : 0;
        const __mmask16 gmask = mask_first(g);
        for (size_t p = 0; p < kc; p += 16) {
            const size_t kn = kc - p < 16 ? kc - p : 16;
            const __mmask16 kmask = mask_first(kn);
            __m512 v[16];
#pragma GCC unroll 16
            for (size_t i = 0; i < 16; i++)
                v[i] = i < live ? _mm512_maskz_loadu_ps(kmask, src + (r0 + i) * ld + p)
                                : _mm512_setzero_ps();
            transpose_16x16(v);
#pragma GCC unroll 16
            for (size_t t = 0; t < 16; t++)
                if (t < kn)
                    _mm512_mask_storeu_ps(dst + (p + t) * width + r0, gmask, v[t]);
        }
    }
}

/* B[K][N] rows -> kc x width panel: a masked copy, zero padded. */
AIO_TARGET void aio_f32_gemm_pack_b__avx512f(size_t kc, size_t cols_valid, size_t width,
                                             const float *src, size_t ld, float *dst)
{
    for (size_t p = 0; p < kc; p++) {
        for (size_t j = 0; j < width; j += 16) {
            const size_t n = cols_valid > j ? cols_valid - j : 0;
            _mm512_storeu_ps(dst + p * width + j, _mm512_maskz_loadu_ps(mask_first(n), src + p * ld + j));
        }
    }
}

/* acc[i] += a[i][p..p+7] x B[p..p+7][0..nc): eight B vectors are loaded
 * once into registers and serve every A row, so B streams from memory once
 * and each accumulator load/store carries eight FMAs (two chains of four,
 * to halve the FMA latency on the chain). */
AIO_TARGET void aio_f32_gemm_rows_ukernel__avx512f(size_t k, size_t mr, const float *a, size_t lda,
                                                   const float *b, size_t ldb, size_t nc,
                                                   float *acc, size_t ldacc)
{
    size_t p = 0;
    for (; p + 8 <= k; p += 8) {
        const float *bp = b + p * ldb;
        for (size_t j = 0; j < nc; j += 16) {
            const __mmask16 m = mask_first(nc - j);
            __m512 bv[8];
#pragma GCC unroll 8
            for (int q = 0; q < 8; q++)
                bv[q] = _mm512_maskz_loadu_ps(m, bp + q * ldb + j);
            for (size_t i = 0; i < mr; i++) {
                const float *ai = a + i * lda + p;
                float *ci = acc + i * ldacc + j;
                __m512 c0 = _mm512_maskz_loadu_ps(m, ci);
                __m512 c1 = _mm512_mul_ps(_mm512_set1_ps(ai[1]), bv[1]);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(ai[0]), bv[0], c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(ai[3]), bv[3], c1);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(ai[2]), bv[2], c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(ai[5]), bv[5], c1);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(ai[4]), bv[4], c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(ai[7]), bv[7], c1);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(ai[6]), bv[6], c0);
                _mm512_mask_storeu_ps(ci, m, _mm512_add_ps(c0, c1));
            }
        }
    }
    for (; p < k; p++) { /* K tail: one B row at a time */
        const float *b0 = b + p * ldb;
        for (size_t i = 0; i < mr; i++) {
            const __m512 x0 = _mm512_set1_ps(a[i * lda + p]);
            float *ci = acc + i * ldacc;
            for (size_t j = 0; j < nc; j += 16) {
                const __mmask16 m = mask_first(nc - j);
                _mm512_mask_storeu_ps(ci + j, m, _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, b0 + j),
                                                                 _mm512_maskz_loadu_ps(m, ci + j)));
            }
        }
    }
}

/* One K step of 16 for the MR x NR dot tile; W loads interleave with the
 * FMAs so the W stream and the arithmetic overlap. */
#define AIO_DOT_STEP(LOAD_A, LOAD_W)                                             \
    do {                                                                         \
        __m512 av[4];                                                            \
        _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++) av[i] = LOAD_A;  \
        _Pragma("GCC unroll 8") for (size_t j = 0; j < NR; j++)                  \
        {                                                                        \
            const __m512 wv = LOAD_W;                                            \
            _Pragma("GCC unroll 4") for (size_t i = 0; i < MR; i++)              \
                acc[i][j] = _mm512_fmadd_ps(av[i], wv, acc[i][j]);               \
        }                                                                        \
    } while (0)

/* MR x NR dot kernel: 16 values of K per step, MR*NR accumulators, one
 * horizontal sum each at the end (amortized over all of K). */
AIO_INLINE void dot_mrxnr(const size_t MR, const size_t NR, size_t k, const float *a, size_t lda,
                          const float *w, size_t ldw, size_t nr_valid, float *out)
{
    const float *wr[8];
    __m512 acc[4][8];
#pragma GCC unroll 8
    for (size_t j = 0; j < NR; j++) /* edge: repeat the last live row */
        wr[j] = w + (j < nr_valid ? j : nr_valid - 1) * ldw;
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (size_t j = 0; j < NR; j++)
            acc[i][j] = _mm512_setzero_ps();
    size_t p = 0;
    for (; p + 16 <= k; p += 16)
        AIO_DOT_STEP(_mm512_loadu_ps(a + i * lda + p), _mm512_loadu_ps(wr[j] + p));
    if (p < k) {
        const __mmask16 km = mask_first(k - p);
        AIO_DOT_STEP(_mm512_maskz_loadu_ps(km, a + i * lda + p), _mm512_maskz_loadu_ps(km, wr[j] + p));
    }
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (size_t j = 0; j < NR; j++)
            out[i * NR + j] = _mm512_reduce_add_ps(acc[i][j]);
}

#define AIO_DOT(MR, NR)                                                                    \
    AIO_TARGET void aio_f32_gemm_dot_ukernel_##MR##x##NR##__avx512f(                       \
        size_t k, const float *a, size_t lda, const float *w, size_t ldw, size_t nr_valid, \
        float *out)                                       \
    {                                                                                      \
        dot_mrxnr(MR, NR, k, a, lda, w, ldw, nr_valid, out);                               \
    }
AIO_DOT(1, 6)
AIO_DOT(2, 6)
AIO_DOT(3, 6)
AIO_DOT(4, 6)

static const aio_f32_gemm_ops ops = {
    .mr = 8, .nr = 32, .kc = 256, .nc = 512,
    .gemm = aio_f32_gemm_ukernel_8x32__avx512f,
    .pack_a = aio_f32_gemm_pack_t__avx512f,
    .pack_bt = aio_f32_gemm_pack_t__avx512f,
    .pack_b = aio_f32_gemm_pack_b__avx512f,
    .dot_max_m = 32,
    .dot_k_per_m = 16,
    .dot_nr = 6,
    .dot = {
        {aio_f32_gemm_dot_ukernel_1x6__avx512f, 1},
        {aio_f32_gemm_dot_ukernel_2x6__avx512f, 2},
        {aio_f32_gemm_dot_ukernel_3x6__avx512f, 3},
        {aio_f32_gemm_dot_ukernel_4x6__avx512f, 4},
    },
    .rows = aio_f32_gemm_rows_ukernel__avx512f,
    .rows_max_m = 64,
};

void aio_f32_gemm__avx512f(const aio_f32_gemm_args *args,
                           int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_f32_gemm_run(&ops, args, m0, m1, n0, n1);
}

/* For the variant table: this variant's ops (pre-packed path). */
const struct aio_f32_gemm_ops *aio_f32_gemm_ops__avx512f(void) { return &ops; }
#endif
