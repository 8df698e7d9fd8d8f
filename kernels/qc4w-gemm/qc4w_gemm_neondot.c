/* AArch64 NEON dotprod kernel of aio_qc4w_gemm.h: a 64-byte step is four
 * q registers of 4 channels x 4 nibbles; and/shift give the low and high
 * nibble halves as signed bytes (0..15) for sdot by A's 4 bytes (lane
 * broadcast). Int32 sums per group, then fp32 acc += sw * D - zw * T.
 *
 * Micro-tile: 1..4 rows (fixed per copy of tile(), so every row and
 * channel loop unrolls) x 16 channels. Each unpacked W vector feeds all
 * rows: per 16 weight bytes 2 unpack ops and 2 x mr sdot, all on the two
 * V pipes, so the loop's ceiling is mr / (mr + 1) of the sdot bound (4
 * rows: 80%). The fp32 sums across groups live in a small buffer, touched
 * once per group: in registers they would need 4 x mr more q registers
 * than the 4-row K loop has left. Tested under qemu only. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "aio_mca.h"
#include "qc4w_gemm_common.h"

/* no-schedule-insns: gcc's pre-allocation scheduler hoists a step's W
 * loads and unpacking ahead of their use; the model then gives the 2- and
 * 3-row loops 16 and 18 cycles per step instead of 12 and 16. */
#define AIO_TARGET __attribute__((target("arch=armv8.2-a+dotprod"), optimize("no-schedule-insns")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 4 };

/* The scalar store of a tile, out of line: the sums arrive through an
 * argument, so in the tile copies check-stack sees the K loops only and
 * a spill there cannot hide behind this once-per-tile read of the buffer.
 * fs: the tile's sums, row i at fs + 16 i. */
__attribute__((noinline)) static void store_rows(const aio_qc4w_gemm_args *g, int64_t i0, int mr, int64_t blk,
                                                 int64_t n0, int64_t n1, const float *fs)
{
    const int64_t jb = blk * AIO_QC4W_BLOCK;
    const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
    for (int i = 0; i < mr; i++)
        for (int64_t j = lo; j < hi; j++)
            g->c[(i0 + i) * g->ldc + jb + j] = aio_qc4w_out(g, i0 + i, jb + j, fs[16 * i + j]);
}

AIO_INLINE void tile(const int mr, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0,
                     int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    const int8_t *a0 = g->qa + i0 * g->ldqa;
    const size_t lda = (size_t)g->ldqa;
    float fsum[MR][16];
    memset(fsum, 0, sizeof fsum);
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg = aio_qc4w_group(w, group, blk, q);
        const unsigned char *wp = wg;
        const int8_t *ap = a0 + q * group;
        int32x4_t acc[MR][4];
        _Pragma("GCC unroll 4") for (int i = 0; i < mr; i++)
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) acc[i][c] = vdupq_n_s32(0);
        for (int64_t s = 0; s < steps; s++, wp += 64, ap += 8) {
            AIO_MCA_BEGIN("qc4w_tile__neondot");
            int8x8_t av[MR]; /* lane 0: K 0-3 of the step, lane 1: K 4-7 */
            _Pragma("GCC unroll 4") for (int i = 0; i < mr; i++) av[i] = vld1_s8(ap + i * lda);
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
                const uint8x16_t v = vld1q_u8(wp + 16 * c);
                const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(v, mask));
                const int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
                _Pragma("GCC unroll 4") for (int i = 0; i < mr; i++) {
                    acc[i][c] = vdotq_lane_s32(acc[i][c], lo, av[i], 0);
                    acc[i][c] = vdotq_lane_s32(acc[i][c], hi, av[i], 1);
                }
            }
            AIO_MCA_END();
        }
        const float *sw = (const float *)(wg + group * 8), *zw = sw + 16;
        _Pragma("GCC unroll 4") for (int i = 0; i < mr; i++) {
            const float32x4_t t = vdupq_n_f32((float)g->a_gsum[(i0 + i) * g->ldt + q]);
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
                float32x4_t f = vld1q_f32(fsum[i] + 4 * c);
                f = vfmaq_f32(f, vcvtq_f32_s32(acc[i][c]), vld1q_f32(sw + 4 * c));
                f = vfmsq_f32(f, vld1q_f32(zw + 4 * c), t);
                vst1q_f32(fsum[i] + 4 * c, f);
            }
        }
    }
    store_rows(g, i0, mr, blk, n0, n1, &fsum[0][0]);
}

/* One out-of-line copy per row count: the driver around them then keeps
 * its few values in registers (inlined, the copies' register demand made
 * gcc reload loop bounds from the stack in the driver's scalar loops), and
 * make mca names each copy's loop by its function. */
#define AIO_TILE_COPY(n)                                                                          \
    __attribute__((noinline)) AIO_TARGET static void qc4w_dot_tile_##n(                             \
        const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0, int64_t n1)               \
    {                                                                                             \
        tile(n, g, i0, blk, n0, n1);                                                              \
    }
AIO_TILE_COPY(1)
AIO_TILE_COPY(2)
AIO_TILE_COPY(3)
AIO_TILE_COPY(4)
#undef AIO_TILE_COPY

/* Rows in panels of at most 256 KiB of qa (L2: 1 MiB on N1), each panel
 * read once per 16-channel W block; a block (8 x kp bytes of nibbles plus
 * scales) stays in L1/L2 while the panel's tiles stream over it. */
AIO_TARGET void aio_qd8_f32_qc4w_gemm__neondot(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1,
                                               int64_t n0, int64_t n1)
{
    if (aio_qc4w_trivial_call(g, m0, m1, n0, n1))
        return;
    const int64_t b0 = n0 / AIO_QC4W_BLOCK, b1 = (n1 + AIO_QC4W_BLOCK - 1) / AIO_QC4W_BLOCK;
    int64_t mb = (256 * 1024) / g->w->kp / MR * MR;
    mb = mb < MR ? MR : mb;
    for (int64_t mi = m0; mi < m1; mi += mb) {
        const int64_t me = m1 - mi < mb ? m1 : mi + mb;
        for (int64_t b = b0; b < b1; b++)
            for (int64_t i = mi; i < me; i += MR) {
                switch (me - i < MR ? (int)(me - i) : MR) {
                case 1: qc4w_dot_tile_1(g, i, b, n0, n1); break;
                case 2: qc4w_dot_tile_2(g, i, b, n0, n1); break;
                case 3: qc4w_dot_tile_3(g, i, b, n0, n1); break;
                default: qc4w_dot_tile_4(g, i, b, n0, n1); break;
                }
            }
    }
}
#endif
