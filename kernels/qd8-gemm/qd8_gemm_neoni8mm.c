/* AArch64 NEON i8mm kernel of aio_qd8_gemm.h (qa as int8, a_offset 0):
 * smmla multiplies a 2x8 int8 block of A (rows i, i+1) by the transpose of
 * a 2x8 block of W (channels j, j+1) into a 2x2 int32 tile, 32 MACs per
 * instruction (sdot: 16). The packed QC8 groups hold 4 K per channel, so
 * two groups are interleaved by 32-bit zips into channel pairs of 8 K.
 * Micro-tile: up to 4 rows (two row pairs; an odd last row is paired with
 * itself and the copy dropped) x 16 channels, 16 K per step; scalar
 * epilogue. Tested under qemu only.
 *
 * The zips share the V pipes with SMMLA (AmpereOne issues one SMMLA per
 * cycle on both of its two pipes; a zip takes half a cycle), so zipping 16
 * W vectors per 32 SMMLA caps the loop at ~76% of the SMMLA bound. When a
 * call has more than one 4-row tile per W block, the block is zipped once
 * into a malloc'd buffer (16 x kp bytes: 64 KiB at K = 4096, L2-resident,
 * read once per tile) and the tiles read channel pairs directly (4 A zips
 * per 32 SMMLA left). One 4-row tile (decode) zips in the loop: zipping
 * first would cost the same and W is read once anyway. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <stdlib.h>
#include "aio_mca.h"

#include "qd8_gemm_common.h"

#define AIO_TARGET __attribute__((target("arch=armv8.2-a+i8mm")))
/* For the in-loop zips only: gcc's pre-allocation scheduler hoists the W
 * loads and zips of a step next to 16 accumulators and spills (4 rows). */
#define AIO_NOSCHED __attribute__((noinline, optimize("no-schedule-insns")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 4, RP = MR / 2 };

/* Block wp (kp/4 groups of 16 channels x 4 K) -> zp: per 16 K, for each
 * 8-K half h, 8 vectors holding channel pairs (2c, 2c+1) x 8 K, the order
 * tile() reads when `zipped`. */
AIO_TARGET static void zip_block(const int8_t *wp, size_t kp, int8_t *zp)
{
    for (size_t p = 0; p < kp; p += 16, wp += 256, zp += 256)
        for (int h = 0; h < 2; h++)
            for (int c = 0; c < 4; c++) {
                const int32x4_t g0 = vreinterpretq_s32_s8(vld1q_s8(wp + 128 * h + 16 * c));
                const int32x4_t g1 = vreinterpretq_s32_s8(vld1q_s8(wp + 128 * h + 64 + 16 * c));
                vst1q_s8(zp + 128 * h + 32 * c, vreinterpretq_s8_s32(vzip1q_s32(g0, g1)));
                vst1q_s8(zp + 128 * h + 32 * c + 16, vreinterpretq_s8_s32(vzip2q_s32(g0, g1)));
            }
}

/* zipped: wp is zip_block's output; else the packed block's groups. */
AIO_INLINE void tile(const int mr, const int zipped, const aio_qd8_gemm_args *g, int64_t i0,
                     int64_t blk, const int8_t *wp, int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const size_t kp = (size_t)w->kp;
    const size_t ldqa = (size_t)g->ldqa;
    const int rp = (mr + 1) / 2;
    const int8_t *row[MR];
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++) /* rows past mr repeat the last one */
        row[i] = (const int8_t *)(g->qa + (i0 + (i < mr ? i : mr - 1)) * (int64_t)ldqa);
    int32x4_t acc[RP][8];
#pragma GCC unroll 2
    for (int r = 0; r < rp; r++)
#pragma GCC unroll 8
        for (int c = 0; c < 8; c++)
            acc[r][c] = vdupq_n_s32(0);
    for (size_t p = 0; p < kp; p += 16, wp += 256) {
        if (zipped) /* one marker per copy: the condition is a constant */
            AIO_MCA_BEGIN("qd8_tile_zipped__neoni8mm");
        else
            AIO_MCA_BEGIN("qd8_tile__neoni8mm");
        int8x16_t a[RP][2]; /* [pair][k half]: rows 2r, 2r+1, 8 K each */
#pragma GCC unroll 2
        for (int r = 0; r < rp; r++) {
            const int64x2_t x = vreinterpretq_s64_s8(vld1q_s8(row[2 * r] + p));
            const int64x2_t y = vreinterpretq_s64_s8(vld1q_s8(row[2 * r + 1] + p));
            a[r][0] = vreinterpretq_s8_s64(vzip1q_s64(x, y));
            a[r][1] = vreinterpretq_s8_s64(vzip2q_s64(x, y));
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) { /* groups 2h, 2h+1: K 8h..8h+7 */
            if (zipped) {
                int8x16_t wv[8];
#pragma GCC unroll 8
                for (int c = 0; c < 8; c++)
                    wv[c] = vld1q_s8(wp + 128 * h + 16 * c);
#pragma GCC unroll 2
                for (int r = 0; r < rp; r++)
#pragma GCC unroll 8
                    for (int c = 0; c < 8; c++)
                        acc[r][c] = vmmlaq_s32(acc[r][c], a[r][h], wv[c]);
            } else {
                /* Each zipped pair is used by both row pairs at once: with
                 * all 8 zipped vectors live next to 16 accumulators and 4 A
                 * vectors gcc ran out of registers and copied 16
                 * accumulators (mov) per step, 8 cycles of V pipe. */
#pragma GCC unroll 4
                for (int c = 0; c < 4; c++) {
                    const int32x4_t g0 = vreinterpretq_s32_s8(vld1q_s8(wp + 128 * h + 16 * c));
                    const int32x4_t g1 = vreinterpretq_s32_s8(vld1q_s8(wp + 128 * h + 64 + 16 * c));
                    const int8x16_t w0 = vreinterpretq_s8_s32(vzip1q_s32(g0, g1)); /* channels 4c, 4c+1 */
                    const int8x16_t w1 = vreinterpretq_s8_s32(vzip2q_s32(g0, g1)); /* 4c+2, 4c+3 */
#pragma GCC unroll 2
                    for (int r = 0; r < rp; r++) {
                        acc[r][2 * c] = vmmlaq_s32(acc[r][2 * c], a[r][h], w0);
                        acc[r][2 * c + 1] = vmmlaq_s32(acc[r][2 * c + 1], a[r][h], w1);
                    }
                }
            }
        }
        AIO_MCA_END();
    }
    const int64_t jb = blk * AIO_QC8_BLOCK;
    const int64_t j0 = n0 > jb ? n0 : jb, j1 = n1 < jb + 16 ? n1 : jb + 16;
    /* Unrolled: a run-time index into acc[][] would keep it in memory
     * for the whole K loop. */
#pragma GCC unroll 2
    for (int r = 0; r < rp; r++) {
        int32_t t[2][16];
#pragma GCC unroll 8
        for (int c = 0; c < 8; c++) { /* acc: (row 2r, ch 2c), (2r, 2c+1), (2r+1, 2c), (2r+1, 2c+1) */
            /* 64-bit halves: one vector store each, no lane moves */
            vst1_s32(&t[0][2 * c], vget_low_s32(acc[r][c]));
            vst1_s32(&t[1][2 * c], vget_high_s32(acc[r][c]));
        }
        aio_qd8_store_scalar(g, i0 + 2 * r, jb, j0, j1, t[0], NULL);
        if (2 * r + 1 < mr)
            aio_qd8_store_scalar(g, i0 + 2 * r + 1, jb, j0, j1, t[1], NULL);
    }
}

/* A single row wastes half of every SMMLA (the pair's copy is dropped)
 * and still pays the zips; sdot does its 16 useful MACs per instruction
 * with no zips, so one row goes to the dotprod kernel (the same int32
 * sums and epilogue: bit-identical). Model, 1 row x 16 K x 16 channels:
 * sdot 8.5 (N1) / 12 (AmpereOne) cycles, SMMLA 17 / 25. */
AIO_TARGET static void one_row(const aio_qd8_gemm_args *g, int64_t i, int64_t b, int64_t n0, int64_t n1)
{
    const int64_t jb = b * AIO_QC8_BLOCK;
    aio_qd8_f32_qc8w_gemm__neondot(g, i, i + 1, n0 > jb ? n0 : jb, n1 < jb + 16 ? n1 : jb + 16);
}

/* Rows [i0, i1) of one W block (wp: zipped or not), in 4-row tiles. */
#define AIO_I8MM_ROWS(Z)                                                 \
    for (int64_t i = i0; i < i1; i += MR)                               \
        switch (i1 - i < MR ? (int)(i1 - i) : MR) {                     \
        case 1: one_row(g, i, b, n0, n1); break;                        \
        case 2: tile(2, Z, g, i, b, wp, n0, n1); break;                 \
        case 3: tile(3, Z, g, i, b, wp, n0, n1); break;                 \
        default: tile(4, Z, g, i, b, wp, n0, n1); break;                \
        }
AIO_TARGET __attribute__((noinline)) static void rows_zipped(const aio_qd8_gemm_args *g, int64_t i0,
                                                             int64_t i1, int64_t b, const int8_t *wp,
                                                             int64_t n0, int64_t n1)
{
    AIO_I8MM_ROWS(1)
}
AIO_TARGET AIO_NOSCHED static void rows_inloop(const aio_qd8_gemm_args *g, int64_t i0, int64_t i1,
                                               int64_t b, const int8_t *wp, int64_t n0, int64_t n1)
{
    AIO_I8MM_ROWS(0)
}
#undef AIO_I8MM_ROWS

/* The 4-row driver of qd8_gemm_common.h, plus the zipped-block choice. */
AIO_TARGET void aio_qd8_f32_qc8w_gemm__neoni8mm(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1,
                                                int64_t n0, int64_t n1)
{
    if (m1 <= m0 || n1 <= n0)
        return;
    if (g->w->k <= 0 || g->alpha == 0.0f) {
        aio_qd8_no_product(g, m0, m1, n0, n1);
        return;
    }
    const size_t kp = (size_t)g->w->kp;
    const int64_t b0 = n0 / AIO_QC8_BLOCK, b1 = (n1 + AIO_QC8_BLOCK - 1) / AIO_QC8_BLOCK;
    /* Rows in blocks whose quantized A (256 KiB) stays in L2 while every
     * W block passes over them. */
    int64_t mb = (256 * 1024) / g->w->kp / MR * MR;
    mb = mb < MR ? MR : mb;
    int8_t *zbuf = m1 - m0 > MR ? malloc(kp * AIO_QC8_BLOCK) : NULL; /* NULL: zip in the loop */
    for (int64_t mi = m0; mi < m1; mi += mb) {
        const int64_t me = m1 - mi < mb ? m1 : mi + mb;
        const int zipped = zbuf != NULL && me - mi > MR;
        for (int64_t b = b0; b < b1; b++) {
            const int8_t *wp = aio_qc8_block(g->w, b) + 64;
            if (zipped) {
                zip_block(wp, kp, zbuf);
                rows_zipped(g, mi, me, b, zbuf, n0, n1);
            } else {
                rows_inloop(g, mi, me, b, wp, n0, n1);
            }
        }
    }
    free(zbuf);
}
#endif
