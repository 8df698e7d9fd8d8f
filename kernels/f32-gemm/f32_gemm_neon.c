/* AArch64 NEON micro-kernels for the fp32 GEMM driver (f32_gemm_driver.h):
 *   8x12 broadcast kernel + 4x4-transpose packer     large tiles
 *   1..4 x 6 dot kernels                             few rows, b_trans=1
 *   8-row-step row-streaming kernel                  few rows, b_trans=0
 *
 * NEON is part of the armv8-a baseline, so no target attribute is needed.
 * 32 q registers: the 8x12 kernel keeps 24 accumulators, takes A by lane
 * from two q registers and loads 3 of B. NEON has no masked loads, so
 * ragged edges go through small scalar paths. Tested under qemu only;
 * speed is from the llvm-mca model (make mca, docs/arm.md); blocking is
 * chosen for N1's caches (see the ops entry). */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "aio_mca.h"
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

/* 8 x 12 tile, one K step = 2 A vectors (8 rows) x 3 B vectors, 24 FMAs by
 * lane. The 24 accumulators are named variables, not an array: with an
 * array (acc[8][3]) gcc -O2 kept them on the stack and reloaded all 24 on
 * every K step (38.6 model cycles per step on N1, 31% of the FMA bound),
 * because the epilogue indexed it with a run-time row. Named registers,
 * stored once to t[][] with constant indices after the loop, leave the
 * loop with 29 live q registers of 32 and no stack traffic. */
#define AIO_ACC3(i) float32x4_t c##i##0 = vdupq_n_f32(0.0f), c##i##1 = c##i##0, c##i##2 = c##i##0;
/* Lane numbers must be literal constants, hence the macro. */
#define AIO_ROW(i, av, l)                           \
    c##i##0 = vfmaq_laneq_f32(c##i##0, b0, av, l);  \
    c##i##1 = vfmaq_laneq_f32(c##i##1, b1, av, l);  \
    c##i##2 = vfmaq_laneq_f32(c##i##2, b2, av, l);
#define AIO_ST3(i)                  \
    vst1q_f32(t[i], c##i##0);       \
    vst1q_f32(t[i] + 4, c##i##1);   \
    vst1q_f32(t[i] + 8, c##i##2);

void aio_f32_gemm_ukernel_8x12__neon(size_t kc, const float *a, const float *b, size_t ldb,
                                     const aio_f32_gemm_out *o, size_t mr, size_t nr)
{
    AIO_ACC3(0) AIO_ACC3(1) AIO_ACC3(2) AIO_ACC3(3) AIO_ACC3(4) AIO_ACC3(5) AIO_ACC3(6) AIO_ACC3(7)
    for (size_t p = 0; p < kc; p++) {
        AIO_MCA_BEGIN("aio_f32_gemm_ukernel_8x12__neon");
        const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        a += 8;
        b += ldb;
        AIO_ROW(0, a0, 0) AIO_ROW(1, a0, 1) AIO_ROW(2, a0, 2) AIO_ROW(3, a0, 3)
        AIO_ROW(4, a1, 0) AIO_ROW(5, a1, 1) AIO_ROW(6, a1, 2) AIO_ROW(7, a1, 3)
        AIO_MCA_END();
    }
    float t[8][12];
    AIO_ST3(0) AIO_ST3(1) AIO_ST3(2) AIO_ST3(3) AIO_ST3(4) AIO_ST3(5) AIO_ST3(6) AIO_ST3(7)

    const float32x4_t alpha = vdupq_n_f32(o->alpha);
    for (size_t i = 0; i < 8 && i < mr; i++) {
        float *c = o->c + i * o->ldc;
        const float *s = o->s ? o->s + (int64_t)i * o->s_stride_m : NULL;
        const int64_t sn = o->s_stride_n;
        if (nr < 12 || (s && sn != 0 && sn != 1)) {
            row_epilogue_scalar(t[i], c, s, sn, nr, o);
            continue;
        }
        for (int q = 0; q < 3; q++) {
            float32x4_t v = vmulq_f32(vld1q_f32(t[i] + 4 * q), alpha);
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

/* acc[i][j0..j0+4*NV) += a[i][0..k) x B[0..k)[j0..): the accumulators of
 * all MR rows stay in registers over the whole of K (the earlier version
 * read and wrote acc for every 8 K, and kept its B vectors on the stack).
 * Per 4 K: 4*NV B vectors (read once, shared by all rows), MR A vectors
 * (4 K each, taken by lane), 4*NV*MR FMAs. NV = 2 (8 columns) so that one
 * row still has more FMAs than loads: 9 loads per 8 FMAs, 89% of the FMA
 * bound; 8 rows: 26 of 32 q registers. Few rows x columns would wait on
 * the 4-cycle FMA latency (4 dependent FMAs per step), so S independent
 * accumulator sets take the K lanes in turn (S * MR * NV >= 8 chains). */
#define AIO_ROWS_K(q)                                                          \
    do {                                                                       \
        const float *bq = bp + (q) * ldb;                                      \
        _Pragma("GCC unroll 2") for (size_t v = 0; v < NV; v++) {              \
            const float32x4_t bv = vld1q_f32(bq + 4 * v);                      \
            _Pragma("GCC unroll 8") for (size_t i = 0; i < MR; i++)            \
                c[(q) % S][i][v] = vfmaq_laneq_f32(c[(q) % S][i][v], bv, x[i], q); \
        }                                                                      \
    } while (0)
/* 1 row x 4 columns (a column edge): acc[0..4) += a[0..p) x B[0..p) for
 * the largest p <= k that is a multiple of 8; returns p. In rows_tile its
 * 4 chains of one FMA per 4 K waited on the 4-cycle FMA latency (49% of
 * the FMA bound on N1); here 8 K per pass feed 8 chains. Out of line so
 * that it does not change the register allocation of the other tiles. */
__attribute__((noinline)) static size_t rows_1x4_k8(size_t k, const float *a, const float *b, size_t ldb,
                                                    float *acc)
{
    float32x4_t c[8];
    c[0] = vld1q_f32(acc);
#pragma GCC unroll 8
    for (int t = 1; t < 8; t++)
        c[t] = vdupq_n_f32(0.0f);
    size_t p = 0;
    for (const float *bp = b; p + 8 <= k; p += 8, bp += 8 * ldb) {
        AIO_MCA_BEGIN("rows_tile_1x4__neon");
        const float32x4_t x0 = vld1q_f32(a + p), x1 = vld1q_f32(a + p + 4);
        c[0] = vfmaq_laneq_f32(c[0], vld1q_f32(bp + 0 * ldb), x0, 0);
        c[1] = vfmaq_laneq_f32(c[1], vld1q_f32(bp + 1 * ldb), x0, 1);
        c[2] = vfmaq_laneq_f32(c[2], vld1q_f32(bp + 2 * ldb), x0, 2);
        c[3] = vfmaq_laneq_f32(c[3], vld1q_f32(bp + 3 * ldb), x0, 3);
        c[4] = vfmaq_laneq_f32(c[4], vld1q_f32(bp + 4 * ldb), x1, 0);
        c[5] = vfmaq_laneq_f32(c[5], vld1q_f32(bp + 5 * ldb), x1, 1);
        c[6] = vfmaq_laneq_f32(c[6], vld1q_f32(bp + 6 * ldb), x1, 2);
        c[7] = vfmaq_laneq_f32(c[7], vld1q_f32(bp + 7 * ldb), x1, 3);
        AIO_MCA_END();
    }
    const float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(c[0], c[1]), vaddq_f32(c[2], c[3])),
                                    vaddq_f32(vaddq_f32(c[4], c[5]), vaddq_f32(c[6], c[7])));
    vst1q_f32(acc, s);
    return p;
}

AIO_INLINE void rows_tile(const size_t MR, const size_t NV, size_t k, const float *a, size_t lda,
                          const float *b, size_t ldb, float *acc, size_t ldacc)
{
    const size_t S = MR * NV >= 8 ? 1 : MR * NV >= 4 ? 2 : 4;
    const size_t p0 = MR == 1 && NV == 1 ? rows_1x4_k8(k, a, b, ldb, acc) : 0;
    float32x4_t c[4][8][2];
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 2
        for (size_t v = 0; v < NV; v++) {
            c[0][i][v] = vld1q_f32(acc + i * ldacc + 4 * v);
#pragma GCC unroll 4
            for (size_t t = 1; t < S; t++)
                c[t][i][v] = vdupq_n_f32(0.0f);
        }
    const float *bp = b + p0 * ldb;
    size_t p = p0;
    for (; p + 4 <= k; p += 4, bp += 4 * ldb) {
        AIO_MCA_BEGIN("rows_tile__neon");
        float32x4_t x[8];
#pragma GCC unroll 8
        for (size_t i = 0; i < MR; i++)
            x[i] = vld1q_f32(a + i * lda + p);
        AIO_ROWS_K(0);
        AIO_ROWS_K(1);
        AIO_ROWS_K(2);
        AIO_ROWS_K(3);
        AIO_MCA_END();
    }
    for (; p < k; p++, bp += ldb) /* K tail: one B row at a time */
#pragma GCC unroll 2
        for (size_t v = 0; v < NV; v++) {
            const float32x4_t bv = vld1q_f32(bp + 4 * v);
#pragma GCC unroll 8
            for (size_t i = 0; i < MR; i++)
                c[0][i][v] = vfmaq_n_f32(c[0][i][v], bv, a[i * lda + p]);
        }
#pragma GCC unroll 8
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 2
        for (size_t v = 0; v < NV; v++) {
#pragma GCC unroll 4
            for (size_t t = 1; t < S; t++)
                c[0][i][v] = vaddq_f32(c[0][i][v], c[t][i][v]);
            vst1q_f32(acc + i * ldacc + 4 * v, c[0][i][v]);
        }
}
#undef AIO_ROWS_K

AIO_INLINE void rows_mr(const size_t MR, size_t k, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t nc, float *acc, size_t ldacc)
{
    size_t j = 0;
    for (; j + 8 <= nc; j += 8)
        rows_tile(MR, 2, k, a, lda, b + j, ldb, acc + j, ldacc);
    for (; j + 4 <= nc; j += 4)
        rows_tile(MR, 1, k, a, lda, b + j, ldb, acc + j, ldacc);
    for (; j < nc; j++) /* last columns: scalar */
        for (size_t i = 0; i < MR; i++) {
            float sum = 0.0f;
            for (size_t p = 0; p < k; p++)
                sum += a[i * lda + p] * b[p * ldb + j];
            acc[i * ldacc + j] += sum;
        }
}

void aio_f32_gemm_rows_ukernel__neon(size_t k, size_t mr, const float *a, size_t lda,
                                     const float *b, size_t ldb, size_t nc, float *acc,
                                     size_t ldacc)
{
    switch (mr) { /* rows_max_m = 8; each case its own unrolled tile */
    case 1: rows_mr(1, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 2: rows_mr(2, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 3: rows_mr(3, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 4: rows_mr(4, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 5: rows_mr(5, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 6: rows_mr(6, k, a, lda, b, ldb, nc, acc, ldacc); break;
    case 7: rows_mr(7, k, a, lda, b, ldb, nc, acc, ldacc); break;
    default:
        for (size_t i = 0; i < mr; i += 8) /* never more than 8 from the driver */
            rows_mr(8, k, a + i * lda, lda, b, ldb, nc, acc + i * ldacc, ldacc);
        break;
    }
}

/* MR x 6 dot tile. Every W vector feeds MR FMAs, so the loop is bound by
 * N1's two 128-bit load pipes as much as by its two FMA pipes:
 *  - 1 and 2 rows take 8 K per step; one row keeps two accumulators per W
 *    row (12 chains), else 6 chains of 4-cycle FMAs would wait on latency.
 *    1 row: 14 loads per 12 FMAs, so 6/7 = 86% of the FMA bound at best.
 *  - 3 and 4 rows take 4 K per step. 4 rows: 24 accumulators + 4 A
 *    registers leave 4 for W, so W is loaded one row at a time; gcc's
 *    pre-allocation scheduler would hoist all six W loads and spill
 *    (34 live vectors), hence no-schedule-insns on these functions.
 * Per-row pointers advance by the step, so loads use immediate offsets. */
#define AIO_DOT_ATTR __attribute__((optimize("no-schedule-insns")))
AIO_INLINE void dot_mrxnr(const size_t MR, const size_t NR, size_t k, const float *a, size_t lda,
                          const float *w, size_t ldw, size_t nr_valid, float *out)
{
    const float *wr[6], *ar[4];
    float32x4_t acc[4][6], acc2[6];
#pragma GCC unroll 6
    for (size_t j = 0; j < NR; j++) /* edge: repeat the last live row */
        wr[j] = w + (j < nr_valid ? j : nr_valid - 1) * ldw;
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++) {
        ar[i] = a + i * lda;
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++)
            acc[i][j] = vdupq_n_f32(0.0f);
    }
#pragma GCC unroll 6
    for (size_t j = 0; j < NR; j++)
        acc2[j] = vdupq_n_f32(0.0f);
    size_t p = 0;
    if (MR <= 2) {
        /* one row: 16 K per step, so the loop overhead is spread thinner
         * over the 7 loads per 6 FMAs that bound it */
        const size_t U = MR == 1 ? 2 : 1;
        for (; p + 8 * U <= k; p += 8 * U) {
            AIO_MCA_BEGIN("dot_mrxnr__neon");
#pragma GCC unroll 2
            for (size_t u = 0; u < U; u++) {
                float32x4_t av[2][2];
#pragma GCC unroll 2
                for (size_t i = 0; i < MR; i++) {
                    av[i][0] = vld1q_f32(ar[i]);
                    av[i][1] = vld1q_f32(ar[i] + 4);
                    ar[i] += 8;
                }
#pragma GCC unroll 6
                for (size_t j = 0; j < NR; j++) {
                    const float32x4_t w0 = vld1q_f32(wr[j]), w1 = vld1q_f32(wr[j] + 4);
                    wr[j] += 8;
                    if (MR == 1) {
                        acc[0][j] = vfmaq_f32(acc[0][j], av[0][0], w0);
                        acc2[j] = vfmaq_f32(acc2[j], av[0][1], w1);
                    } else {
#pragma GCC unroll 2
                        for (size_t i = 0; i < MR; i++)
                            acc[i][j] = vfmaq_f32(vfmaq_f32(acc[i][j], av[i][0], w0), av[i][1], w1);
                    }
                }
            }
            AIO_MCA_END();
        }
    }
    for (; p + 4 <= k; p += 4) {
        if (MR > 2)
            AIO_MCA_BEGIN("dot_mrxnr__neon");
        float32x4_t av[4];
#pragma GCC unroll 4
        for (size_t i = 0; i < MR; i++) {
            av[i] = vld1q_f32(ar[i]);
            ar[i] += 4;
        }
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++) {
            const float32x4_t wv = vld1q_f32(wr[j]);
            wr[j] += 4;
#pragma GCC unroll 4
            for (size_t i = 0; i < MR; i++)
                acc[i][j] = vfmaq_f32(acc[i][j], av[i], wv);
        }
        if (MR > 2)
            AIO_MCA_END();
    }
#pragma GCC unroll 6
    for (size_t j = 0; j < NR; j++)
        acc[0][j] = vaddq_f32(acc[0][j], acc2[j]);
#pragma GCC unroll 4
    for (size_t i = 0; i < MR; i++)
#pragma GCC unroll 6
        for (size_t j = 0; j < NR; j++) {
            float sum = vaddvq_f32(acc[i][j]);
            for (size_t q = p; q < k; q++) /* K tail: fewer than 4 values */
                sum += ar[i][q - p] * wr[j][q - p];
            out[i * NR + j] = sum;
        }
}

#define AIO_DOT(MR, NR)                                                                    \
    AIO_DOT_ATTR void aio_f32_gemm_dot_ukernel_##MR##x##NR##__neon(                        \
        size_t k, const float *a, size_t lda, const float *w, size_t ldw, size_t nr_valid, \
        float *out)                                       \
    {                                                                                      \
        dot_mrxnr(MR, NR, k, a, lda, w, ldw, nr_valid, out);                               \
    }
AIO_DOT(1, 6)
AIO_DOT(2, 6)
AIO_DOT(3, 6)
AIO_DOT(4, 6)

/* Blocking for Neoverse N1 (64 KiB L1D, 1 MiB private L2 per core). The
 * driver packs one 8 x kc A panel and sweeps it over a packed kc x nc B
 * block, 12 columns at a time. kc = 256: the A panel (8 KiB) and two 12 x
 * kc B micro-panels (current and next, 12 KiB each) take 32 KiB, half of
 * L1, so the A panel is never evicted by the B stream; a longer kc would
 * only thin out the C accumulate (already 1/256 of the work). nc = 480 (a
 * multiple of nr): the B block is 256 x 480 x 4 = 480 KiB, under half of
 * L2, leaving the rest for the A rows being packed and the C tiles. There
 * is no mc block: A is packed one micro-panel at a time (kernels of other
 * ISAs share the driver). The same sizes suit AmpereOne (64 KiB L1D,
 * 2 MiB L2). */
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
