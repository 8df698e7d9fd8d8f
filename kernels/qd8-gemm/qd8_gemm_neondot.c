/* AArch64 NEON dotprod kernel of aio_qd8_gemm.h (qa as int8, a_offset 0):
 * sdot by lane adds, per int32 lane, 4 qa bytes (one lane of a 16-byte
 * load = 4 K-groups of a row) times 4 qw bytes of one channel; a packed
 * QC8 group (16 channels x 4) is four q registers. Micro-tile: up to 4
 * rows x 16 channels, 4 groups (16 K) per step (kp is a multiple of 16),
 * scalar epilogue. Tested under qemu only. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include "aio_mca.h"

#include "qd8_gemm_common.h"

/* no-schedule-insns: gcc's pre-allocation scheduler hoists all 16 W loads
 * of a step next to 16 accumulators and spills (4-row tile). */
#define AIO_TARGET __attribute__((target("arch=armv8.2-a+dotprod"), optimize("no-schedule-insns")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

enum { MR = 4 };

AIO_INLINE void tile(const int mr, const aio_qd8_gemm_args *g, int64_t i0, int64_t blk,
                     int64_t n0, int64_t n1)
{
    const aio_packed_weight *w = g->w;
    const size_t kp = (size_t)w->kp;
    const int8_t *qa = (const int8_t *)(g->qa + i0 * g->ldqa);
    const size_t ldqa = (size_t)g->ldqa;
    const int8_t *wp = aio_qc8_block(w, blk) + 64;
    /* One row: an accumulator set per group of a step, so a chain has one
     * sdot per step, not 4 (AmpereOne: sdot latency 3, the single chain
     * took 12 cycles per step for 8 of sdot issue). */
    const int nacc = mr == 1 ? 4 : mr;
    int32x4_t acc[MR][4];
    #pragma GCC unroll 8
    for (int i = 0; i < nacc; i++)
        #pragma GCC unroll 8
        for (int c = 0; c < 4; c++)
            acc[i][c] = vdupq_n_s32(0);
    for (size_t p = 0; p < kp; p += 16, wp += 256) {
        AIO_MCA_BEGIN("qd8_tile__neondot");
        int8x16_t a[MR];
        #pragma GCC unroll 8
        for (int i = 0; i < mr; i++)
            a[i] = vld1q_s8(qa + i * ldqa + p);
#define GROUP(L)                                                            \
        do {                                                                \
            int8x16_t wv[4];                                                \
            _Pragma("GCC unroll 8")                                         \
            for (int c = 0; c < 4; c++)                                     \
                wv[c] = vld1q_s8(wp + 64 * (L) + 16 * c);                  \
            _Pragma("GCC unroll 8")                                         \
            for (int i = 0; i < mr; i++)                                    \
                _Pragma("GCC unroll 8")                                     \
                for (int c = 0; c < 4; c++) {                               \
                    const int r = mr == 1 ? (L) : i;                        \
                    acc[r][c] = vdotq_laneq_s32(acc[r][c], wv[c], a[i], L); \
                }                                                           \
        } while (0)
        GROUP(0);
        GROUP(1);
        GROUP(2);
        GROUP(3);
#undef GROUP
        AIO_MCA_END();
    }
    if (mr == 1)
        #pragma GCC unroll 8
        for (int c = 0; c < 4; c++)
            acc[0][c] = vaddq_s32(vaddq_s32(acc[0][c], acc[1][c]), vaddq_s32(acc[2][c], acc[3][c]));
    const int64_t jb = blk * AIO_QC8_BLOCK;
    const int64_t j0 = n0 > jb ? n0 : jb, j1 = n1 < jb + 16 ? n1 : jb + 16;
    #pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        int32_t t[16];
        #pragma GCC unroll 8
        for (int c = 0; c < 4; c++)
            vst1q_s32(t + 4 * c, acc[i][c]);
        aio_qd8_store_scalar(g, i0 + i, jb, j0, j1, t, NULL);
    }
}

AIO_QD8_GEMM_4ROW_DRIVER(aio_qd8_f32_qc8w_gemm__neondot)
#endif
