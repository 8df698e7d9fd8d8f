/* AArch64 NEON dotprod kernel of aio_qc4w_gemm.h: a 64-byte step is four
 * q registers of 4 channels x 4 nibbles; and/shift give the low and high
 * nibble halves as signed bytes (0..15) for sdot by A's 4 bytes (lane
 * broadcast). Int32 sums per group, then fp32 acc += sw * D - zw * T.
 * Micro-tile up to 2 rows x 16 channels; tested under qemu only. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "aio_mca.h"
#include "qc4w_gemm_common.h"

#define AIO_TARGET __attribute__((target("arch=armv8.2-a+dotprod")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 2 };

AIO_INLINE void tile(const int mr, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0,
                     int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    float32x4_t facc[MR][4];
    for (int i = 0; i < mr; i++)
        for (int c = 0; c < 4; c++)
            facc[i][c] = vdupq_n_f32(0.0f);
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg = aio_qc4w_group(w, group, blk, q);
        int32x4_t acc[MR][4];
        for (int i = 0; i < mr; i++)
            for (int c = 0; c < 4; c++)
                acc[i][c] = vdupq_n_s32(0);
        const int8_t *a = g->qa + i0 * g->ldqa + q * group;
        for (int64_t s = 0; s < steps; s++) {
            AIO_MCA_BEGIN("qc4w_tile__neondot");
            int8x16_t lo[4], hi[4];
            for (int c = 0; c < 4; c++) {
                const uint8x16_t v = vld1q_u8(wg + 64 * s + 16 * c);
                lo[c] = vreinterpretq_s8_u8(vandq_u8(v, mask));
                hi[c] = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
            }
            for (int i = 0; i < mr; i++) {
                const int8x8_t av = vld1_s8(a + i * g->ldqa + 8 * s); /* lane 0: K 0-3, lane 1: 4-7 */
                for (int c = 0; c < 4; c++) {
                    acc[i][c] = vdotq_lane_s32(acc[i][c], lo[c], av, 0);
                    acc[i][c] = vdotq_lane_s32(acc[i][c], hi[c], av, 1);
                }
            }
            AIO_MCA_END();
        }
        const float *sw = (const float *)(wg + group * 8), *zw = sw + 16;
        for (int i = 0; i < mr; i++) {
            const float t = (float)g->a_gsum[(i0 + i) * g->ldt + q];
            for (int c = 0; c < 4; c++) {
                facc[i][c] = vfmaq_f32(facc[i][c], vcvtq_f32_s32(acc[i][c]), vld1q_f32(sw + 4 * c));
                facc[i][c] = vfmsq_f32(facc[i][c], vld1q_f32(zw + 4 * c), vdupq_n_f32(t));
            }
        }
    }
    const int64_t jb = blk * AIO_QC4W_BLOCK;
    const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
    for (int i = 0; i < mr; i++) {
        float r[16];
        for (int c = 0; c < 4; c++)
            vst1q_f32(r + 4 * c, facc[i][c]);
        for (int64_t j = lo; j < hi; j++)
            g->c[(i0 + i) * g->ldc + jb + j] = aio_qc4w_out(g, i0 + i, jb + j, r[j]);
    }
}

AIO_TARGET void aio_qd8_f32_qc4w_gemm__neondot(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1,
                                               int64_t n0, int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t b0 = n0 / AIO_QC4W_BLOCK, b1 = (n1 + AIO_QC4W_BLOCK - 1) / AIO_QC4W_BLOCK;
    for (int64_t b = b0; b < b1; b++)
        for (int64_t i = m0; i < m1; i += MR) {
            if (m1 - i >= 2)
                tile(2, g, i, b, n0, n1);
            else
                tile(1, g, i, b, n0, n1);
        }
}
#endif
