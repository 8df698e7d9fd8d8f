/* AArch64 NEON micro-kernels for the fp32 GEMM driver (f32_gemm_driver.h):
 *   8x12 broadcast kernel + 4x4-transpose packer     large tiles
 *   1..4 x 6 dot kernels                             few rows, b_trans=1
 *   8-row-step row-streaming kernel                  few rows, b_trans=0
 *
 * NEON is part of the armv8-a baseline, so no target attribute is needed.
 * 32 q registers: the 8x12 kernel keeps 24 accumulators, takes A by lane
 * from two q registers and loads 3 of B. NEON has no masked loads, so
 * ragged edges go through small scalar paths. Tested under qemu only:
 * blocking parameters mirror the x86 ones, untuned for real cores. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "f32_gemm_driver.h"

#define AIO_INLINE static inline __attribute__((always_inline))

/* Epilogue of one row of the tile, from accumulators already in t[0..nr). */
AIO_INLINE void row_epilogue_scalar(const float *t, float *c, const float *s, int64_t sn,
                                    size_t nr, const aio_f32_gemm_out *o)
{
    for (size_t j = 0; j < nr; j++) {
        float v = o->alpha * t[j];
        if (o->accumulate)
            v += c[j];
        else if (s)
            v += o->beta * s[(int64_t)j * sn];
        c[j] = v;
    }
}

void aio_f32_gemm_ukernel_8x12__neon(size_t kc, const float *a, const float *b, size_t ldb,
                                     const aio_f32_gemm_out *o, size_t mr, size_t nr)
{
    float32x4_t acc[8][3];
    for (int i = 0; i < 8; i++)
        acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);
    for (size_t p = 0; p < kc; p++) {
        const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        a += 8;
        b += ldb;
        /* Lane numbers must be literal constants, hence the macro. */
#define AIO_ROW(i, av, l)                                    \
    acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, l);       \
    acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, l);       \
    acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, l);
        AIO_ROW(0, a0, 0) AIO_ROW(1, a0, 1) AIO_ROW(2, a0, 2) AIO_ROW(3, a0, 3)
        AIO_ROW(4, a1, 0) AIO_ROW(5, a1, 1) AIO_ROW(6, a1, 2) AIO_ROW(7, a1, 3)
#undef AIO_ROW
    }

    const float32x4_t alpha = vdupq_n_f32(o->alpha);
    for (size_t i = 0; i < 8 && i < mr; i++) {
        float *c = o->c + i * o->ldc;
        const float *s = o->s ? o->s + (int64_t)i * o->s_stride_m : NULL;
        const int64_t sn = o->s_stride_n;
        if (nr < 12 || (s && sn != 0 && sn != 1)) {
            float t[12];
            vst1q_f32(t, acc[i][0]);
            vst1q_f32(t + 4, acc[i][1]);
            vst1q_f32(t + 8, acc[i][2]);
            row_epilogue_scalar(t, c, s, sn, nr, o);
            continue;
        }
        for (int q = 0; q < 3; q++) {
            float32x4_t v = vmulq_f32(acc[i][q], alpha);
            if (o->accumulate)
                v = vaddq_f32(v, vld1q_f32(c + 4 * q));
            else if (s)
                v = vfmaq_n_f32(v, sn == 1 ? vld1q_f32(s + 4 * q) : vdupq_n_f32(*s), o->beta);
            vst1q_f32(c + 4 * q, v);
        }
    }
}

/* K-contiguous rows -> dst[p*width + r], zero padded (pack_a, pack_bt):
 * 4x4 register transposes where a whole block is live, scalar at edges. */
void aio_f32_gemm_pack_t__neon(size_t kc, size_t rows_valid, size_t width,
                               const float *src, size_t ld, float *dst)
{
    size_t r0 = 0;
    for (; r0 + 4 <= width && r0 + 4 <= rows_valid; r0 += 4) {
        const float *s0 = src + r0 * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            const float32x4_t x0 = vld1q_f32(s0 + p), x1 = vld1q_f32(s1 + p);
            const float32x4_t x2 = vld1q_f32(s2 + p), x3 = vld1q_f32(s3 + p);
            const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(x0, x1));
            const float64x2_t t1 = vreinterpretq_f64_f32(vtrn2q_f32(x0, x1));
            const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(x2, x3));
            const float64x2_t t3 = vreinterpretq_f64_f32(vtrn2q_f32(x2, x3));
            vst1q_f32(dst + (p + 0) * width + r0, vreinterpretq_f32_f64(vtrn1q_f64(t0, t2)));
            vst1q_f32(dst + (p + 1) * width + r0, vreinterpretq_f32_f64(vtrn1q_f64(t1, t3)));
            vst1q_f32(dst + (p + 2) * width + r0, vreinterpretq_f32_f64(vtrn2q_f64(t0, t2)));
            vst1q_f32(dst + (p + 3) * width + r0, vreinterpretq_f32_f64(vtrn2q_f64(t1, t3)));
        }
        for (; p < kc; p++) {
            dst[p * width + r0 + 0] = s0[p];
            dst[p * width + r0 + 1] = s1[p];
            dst[p * width + r0 + 2] = s2[p];
            dst[p * width + r0 + 3] = s3[p];
        }
    }
    for (; r0 < width; r0++) {
        const float *row = src + r0 * ld;
        for (size_t p = 0; p < kc; p++)
            dst[p * width + r0] = r0 < rows_valid ? row[p] : 0.0f;
    }
}

/* acc[i] += a[i][p..p+7] x B[p..p+7][0..nc): eight B vectors loaded once
 * serve every A row (see the AVX-512 version); scalar past nc & ~3. */
void aio_f32_gemm_rows_ukernel__neon(size_t k, size_t mr, const float *a, size_t lda,
                                     const float *b, size_t ldb, size_t nc, float *acc,
                                     size_t ldacc)
{
    const size_t nv = nc & ~(size_t)3;
    size_t p = 0;
    for (; p + 8 <= k; p += 8) {
        const float *bp = b + p * ldb;
        for (size_t j = 0; j < nv; j += 4) {
            float32x4_t bv[8];
            for (int q = 0; q < 8; q++)
                bv[q] = vld1q_f32(bp + q * ldb + j);
            for (size_t i = 0; i < mr; i++) {
                const float32x4_t x0 = vld1q_f32(a + i * lda + p), x1 = vld1q_f32(a + i * lda + p + 4);
                float *ci = acc + i * ldacc + j;
                float32x4_t c0 = vld1q_f32(ci), c1 = vmulq_laneq_f32(bv[1], x0, 1);
                c0 = vfmaq_laneq_f32(c0, bv[0], x0, 0);
                c1 = vfmaq_laneq_f32(c1, bv[3], x0, 3);
                c0 = vfmaq_laneq_f32(c0, bv[2], x0, 2);
                c1 = vfmaq_laneq_f32(c1, bv[5], x1, 1);
                c0 = vfmaq_laneq_f32(c0, bv[4], x1, 0);
                c1 = vfmaq_laneq_f32(c1, bv[7], x1, 3);
                c0 = vfmaq_laneq_f32(c0, bv[6], x1, 2);
                vst1q_f32(ci, vaddq_f32(c0, c1));
            }
        }
        for (size_t j = nv; j < nc; j++)
            for (size_t i = 0; i < mr; i++)
                for (int q = 0; q < 8; q++)
                    acc[i * ldacc + j] += a[i * lda + p + q] * bp[q * ldb + j];
    }
    for (; p < k; p++) { /* K tail: one B row at a time */
        const float *b0 = b + p * ldb;
        for (size_t i = 0; i < mr; i++) {
            const float x = a[i * lda + p];
            float *ci = acc + i * ldacc;
            for (size_t j = 0; j < nv; j += 4)
                vst1q_f32(ci + j, vfmaq_n_f32(vld1q_f32(ci + j), vld1q_f32(b0 + j), x));
            for (size_t j = nv; j < nc; j++)
                ci[j] += x * b0[j];
        }
    }
}

AIO_INLINE void dot_mrxnr(const size_t MR, const size_t NR, size_t k, const float *a, size_t lda,
                          const float *w, size_t ldw, size_t nr_valid, float *out)
{
    const float *wr[6];
    float32x4_t acc[4][6];
#pragma GCC unroll 6
    for (size_t j = 0; j < NR; j++) /* edge: repeat the last live row */
        wr[j] = w + (j < nr_valid ? j : nr_valid - 1) * ldw;
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++)
            acc[i][j] = vdupq_n_f32(0.0f);
    size_t p = 0;
    for (; p + 4 <= k; p += 4) {
        float32x4_t av[4];
#pragma GCC unroll 4
        for (size_t i = 0; i < MR; i++)
            av[i] = vld1q_f32(a + i * lda + p);
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++) {
            const float32x4_t wv = vld1q_f32(wr[j] + p);
#pragma GCC unroll 4
            for (size_t i = 0; i < MR; i++)
                acc[i][j] = vfmaq_f32(acc[i][j], av[i], wv);
        }
    }
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++) {
            float sum = vaddvq_f32(acc[i][j]);
            for (size_t q = p; q < k; q++) /* K tail: fewer than 4 values */
                sum += a[i * lda + q] * wr[j][q];
            out[i * NR + j] = sum;
        }
}

#define AIO_DOT(MR, NR)                                                                    \
    void aio_f32_gemm_dot_ukernel_##MR##x##NR##__neon(                                     \
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
    .mr = 8, .nr = 12, .kc = 256, .nc = 480, /* nc: a multiple of nr */
    .gemm = aio_f32_gemm_ukernel_8x12__neon,
    .pack_a = aio_f32_gemm_pack_t__neon,
    .pack_bt = aio_f32_gemm_pack_t__neon,
    .pack_b = aio_f32_gemm_pack_b__scalar, /* a memcpy per row already */
    .dot_max_m = 16,
    .dot_k_per_m = 16,
    .dot_nr = 6,
    .dot = {
        {aio_f32_gemm_dot_ukernel_1x6__neon, 1},
        {aio_f32_gemm_dot_ukernel_2x6__neon, 2},
        {aio_f32_gemm_dot_ukernel_3x6__neon, 3},
        {aio_f32_gemm_dot_ukernel_4x6__neon, 4},
    },
    .rows = aio_f32_gemm_rows_ukernel__neon,
    .rows_max_m = 8,
};

void aio_f32_gemm__neon(const aio_f32_gemm_args *args,
                        int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_f32_gemm_run(&ops, args, m0, m1, n0, n1);
}

/* For the variant table: this variant's ops (pre-packed path). */
const struct aio_f32_gemm_ops *aio_f32_gemm_ops__neon(void) { return &ops; }
#endif
