/* AArch64 NEON i8mm kernel of aio_qc4w_gemm.h: smmla multiplies a 2x8
 * block of A (rows i, i+1) by the transpose of a 2x8 block of W (channels
 * c, c+1) into a 2x2 int32 tile. A packed step holds, per 4-channel q
 * register, K 0-3 in the low nibbles and K 4-7 in the high ones: a 32-bit
 * zip of the two halves gives two channel pairs of 8 K each.
 *
 * Micro-tile: 2..4 rows as 1 or 2 row pairs (3 rows: the last is paired
 * with itself, the copy dropped; fixed per copy of tile(), so the loops
 * unroll) x 16 channels; a single row goes to the dotprod kernel. The 4
 * unpack ops per W vector (and, shift, 2 zips) feed every row pair. The fp32 sums across groups live in a small
 * buffer, touched once per group (in registers they would take 16 more q
 * registers next to the 16 accumulators). Tested under qemu only. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "aio_mca.h"
#include "qc4w_gemm_common.h"

/* no-schedule-insns: without it gcc's pre-allocation scheduler hoists a
 * step's W loads and zips next to the 16 accumulators and the 4-row tile's
 * K loop spills (make check-stack), as in qd8_gemm_neoni8mm.c. */
#define AIO_TARGET __attribute__((target("arch=armv8.2-a+i8mm"), optimize("no-schedule-insns")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 4, MP = MR / 2 };

/* The scalar store of a tile, out of line: the sums arrive through an
 * argument, so in the tile copies check-stack sees the K loops only and
 * a spill there cannot hide behind this once-per-tile read of the buffer.
 * fs: tile()'s fsum, row pair p at fs + 32 p, channel pair c at + 4 c as
 * [r0 ch 2c, r0 ch 2c+1, r1 ch 2c, r1 ch 2c+1]. */
__attribute__((noinline)) static void store_rows(const aio_qc4w_gemm_args *g, int64_t i0, int mr, int64_t blk,
                                                 int64_t n0, int64_t n1, const float *fs)
{
    const int64_t jb = blk * AIO_QC4W_BLOCK;
    const int64_t lo = n0 > jb ? n0 - jb : 0, hi = n1 - jb < 16 ? n1 - jb : 16;
    for (int i = 0; i < mr; i++)
        for (int64_t j = lo; j < hi; j++)
            g->c[(i0 + i) * g->ldc + jb + j] =
                aio_qc4w_out(g, i0 + i, jb + j, fs[32 * (i / 2) + 4 * (j / 2) + 2 * (i % 2) + j % 2]);
}

AIO_INLINE void tile(const int mr, const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0,
                     int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const int64_t group = aio_qc4w_fmt_group(w->fmt), ng = w->kp / group, steps = group / 8;
    const int np = (mr + 1) / 2;
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    const int8_t *ra[MR]; /* row i of the tile; the odd last row repeated */
    _Pragma("GCC unroll 4") for (int i = 0; i < 2 * np; i++)
        ra[i] = g->qa + (i0 + (i < mr ? i : mr - 1)) * g->ldqa;
    /* fsum[p][c]: channel pair c of the block for row pair p, as
     * [r0 ch 2c, r0 ch 2c+1, r1 ch 2c, r1 ch 2c+1] */
    float fsum[MP][8][4];
    memset(fsum, 0, sizeof fsum);
    for (int64_t q = 0; q < ng; q++) {
        const unsigned char *wg = aio_qc4w_group(w, group, blk, q);
        const unsigned char *wp = wg;
        int64_t k = q * group;
        int32x4_t acc[MP][8];
        _Pragma("GCC unroll 2") for (int p = 0; p < np; p++)
            _Pragma("GCC unroll 8") for (int c = 0; c < 8; c++) acc[p][c] = vdupq_n_s32(0);
        for (int64_t s = 0; s < steps; s++, wp += 64, k += 8) {
            AIO_MCA_BEGIN("qc4w_tile__neoni8mm");
            int8x16_t av[MP];
            _Pragma("GCC unroll 2") for (int p = 0; p < np; p++)
                av[p] = vcombine_s8(vld1_s8(ra[2 * p] + k), vld1_s8(ra[2 * p + 1] + k));
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
                const uint8x16_t v = vld1q_u8(wp + 16 * c);
                const uint32x4_t lo = vreinterpretq_u32_u8(vandq_u8(v, mask));
                const uint32x4_t hi = vreinterpretq_u32_u8(vshrq_n_u8(v, 4));
                const int8x16_t w0 = vreinterpretq_s8_u32(vzip1q_u32(lo, hi));
                const int8x16_t w1 = vreinterpretq_s8_u32(vzip2q_u32(lo, hi));
                _Pragma("GCC unroll 2") for (int p = 0; p < np; p++) {
                    acc[p][2 * c] = vmmlaq_s32(acc[p][2 * c], av[p], w0);
                    acc[p][2 * c + 1] = vmmlaq_s32(acc[p][2 * c + 1], av[p], w1);
                }
            }
            AIO_MCA_END();
        }
        const float *sw = (const float *)(wg + group * 8), *zw = sw + 16;
        _Pragma("GCC unroll 2") for (int p = 0; p < np; p++) {
            const float t0 = (float)g->a_gsum[(i0 + 2 * p) * g->ldt + q];
            const float t1 = 2 * p + 1 < mr ? (float)g->a_gsum[(i0 + 2 * p + 1) * g->ldt + q] : t0;
            const float32x4_t t = {t0, t0, t1, t1};
            _Pragma("GCC unroll 8") for (int c = 0; c < 8; c++) {
                const float32x2_t s2 = vld1_f32(sw + 2 * c), z2 = vld1_f32(zw + 2 * c);
                float32x4_t f = vld1q_f32(fsum[p][c]);
                f = vfmaq_f32(f, vcvtq_f32_s32(acc[p][c]), vcombine_f32(s2, s2));
                f = vfmsq_f32(f, vcombine_f32(z2, z2), t);
                vst1q_f32(fsum[p][c], f);
            }
        }
    }
    store_rows(g, i0, mr, blk, n0, n1, &fsum[0][0][0]);
}

/* One out-of-line copy per row count: the driver around them then keeps
 * its few values in registers (inlined, the copies' register demand made
 * gcc reload loop bounds from the stack in the driver's scalar loops), and
 * make mca names each copy's loop by its function. */
#define AIO_TILE_COPY(n)                                                                          \
    __attribute__((noinline)) AIO_TARGET static void qc4w_mmla_tile_##n(                             \
        const aio_qc4w_gemm_args *g, int64_t i0, int64_t blk, int64_t n0, int64_t n1)               \
    {                                                                                             \
        tile(n, g, i0, blk, n0, n1);                                                              \
    }
AIO_TILE_COPY(2)
AIO_TILE_COPY(3)
AIO_TILE_COPY(4)
#undef AIO_TILE_COPY

/* A single row wastes half of every SMMLA (the pair's copy is dropped)
 * and still pays the zips; the dotprod kernel does it with sdot and no
 * zips (the same int32 sums and epilogue: bit-identical). Model, 1 row x
 * 8 K x 16 channels: sdot 8 cycles (N1 and AmpereOne), SMMLA 12.5 / 16.5. */
AIO_TARGET static void one_row(const aio_qc4w_gemm_args *g, int64_t i, int64_t b, int64_t n0, int64_t n1)
{
    const int64_t jb = b * AIO_QC4W_BLOCK;
    aio_qd8_f32_qc4w_gemm__neondot(g, i, i + 1, n0 > jb ? n0 : jb, n1 < jb + 16 ? n1 : jb + 16);
}

/* Row panels of at most 256 KiB of qa, as in qc4w_gemm_neondot.c. */
AIO_TARGET void aio_qd8_f32_qc4w_gemm__neoni8mm(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1,
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
                case 1: one_row(g, i, b, n0, n1); break;
                case 2: qc4w_mmla_tile_2(g, i, b, n0, n1); break;
                case 3: qc4w_mmla_tile_3(g, i, b, n0, n1); break;
                default: qc4w_mmla_tile_4(g, i, b, n0, n1); break;
                }
            }
    }
}
#endif
