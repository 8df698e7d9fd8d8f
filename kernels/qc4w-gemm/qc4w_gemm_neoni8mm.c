/* AArch64 NEON i8mm kernel of aio_qc4w_gemm.h: smmla multiplies a 2x8
 * block of A (rows i, i+1) by the transpose of a 2x8 block of W (channels
 * c, c+1) into a 2x2 int32 tile. A packed step holds, per 4-channel q
 * register, K 0-3 in the low nibbles and K 4-7 in the high ones: a 32-bit
 * zip of the two halves gives two channel pairs of 8 K each. Micro-tile
 * up to 2 rows (an odd row is paired with itself, the copy dropped) x 16
 * channels; tested under qemu only. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "aio_mca.h"
#include "qc4w_gemm_common.h"

#define AIO_TARGET __attribute__((target("arch=armv8.2-a+i8mm")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

AIO_INLINE void tile(const int mr, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0,
                     int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    const int8_t *r0 = g->qa + i0 * g->ldqa, *r1 = g->qa + (i0 + (mr > 1 ? 1 : 0)) * g->ldqa;
    /* facc[p]: channel pair p of the block, as [r0c, r0c+1, r1c, r1c+1] */
    float32x4_t facc[8];
    for (int p = 0; p < 8; p++)
        facc[p] = vdupq_n_f32(0.0f);
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg = aio_qc4w_group(w, group, blk, q);
        int32x4_t acc[8];
        for (int p = 0; p < 8; p++)
            acc[p] = vdupq_n_s32(0);
        for (int64_t s = 0; s < steps; s++) {
            AIO_MCA_BEGIN("qc4w_tile__neoni8mm");
            const int64_t k = q * group + 8 * s;
            const int8x16_t av = vcombine_s8(vld1_s8(r0 + k), vld1_s8(r1 + k));
            for (int c = 0; c < 4; c++) {
                const uint8x16_t v = vld1q_u8(wg + 64 * s + 16 * c);
                const uint32x4_t lo = vreinterpretq_u32_u8(vandq_u8(v, mask));
                const uint32x4_t hi = vreinterpretq_u32_u8(vshrq_n_u8(v, 4));
                acc[2 * c] = vmmlaq_s32(acc[2 * c], av, vreinterpretq_s8_u32(vzip1q_u32(lo, hi)));
                acc[2 * c + 1] = vmmlaq_s32(acc[2 * c + 1], av, vreinterpretq_s8_u32(vzip2q_u32(lo, hi)));
            }
            AIO_MCA_END();
        }
        const float *sw = (const float *)(wg + group * 8), *zw = sw + 16;
        const float t0 = (float)g->a_gsum[i0 * g->ldt + q];
        const float t1 = mr > 1 ? (float)g->a_gsum[(i0 + 1) * g->ldt + q] : t0;
        const float32x4_t t = {t0, t0, t1, t1};
        for (int p = 0; p < 8; p++) {
            const float32x2_t s2 = vld1_f32(sw + 2 * p), z2 = vld1_f32(zw + 2 * p);
            const float32x4_t s4 = vcombine_f32(s2, s2), z4 = vcombine_f32(z2, z2);
            facc[p] = vfmaq_f32(facc[p], vcvtq_f32_s32(acc[p]), s4);
            facc[p] = vfmsq_f32(facc[p], z4, t);
        }
    }
    const int64_t jb = blk * AIO_QC4W_BLOCK;
    const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
    float r[2][16];
    for (int p = 0; p < 8; p++) {
        float x[4];
        vst1q_f32(x, facc[p]);
        r[0][2 * p] = x[0], r[0][2 * p + 1] = x[1], r[1][2 * p] = x[2], r[1][2 * p + 1] = x[3];
    }
    for (int i = 0; i < mr; i++)
        for (int64_t j = lo; j < hi; j++)
            g->c[(i0 + i) * g->ldc + jb + j] = aio_qc4w_out(g, i0 + i, jb + j, r[i][j]);
}

AIO_TARGET void aio_qd8_f32_qc4w_gemm__neoni8mm(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1,
                                                int64_t n0, int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t b0 = n0 / AIO_QC4W_BLOCK, b1 = (n1 + AIO_QC4W_BLOCK - 1) / AIO_QC4W_BLOCK;
    for (int64_t b = b0; b < b1; b++)
        for (int64_t i = m0; i < m1; i += 2)
            tile(m1 - i >= 2 ? 2 : 1, g, i, b, n0, n1);
}
#endif
