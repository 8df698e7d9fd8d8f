/* int8 x int4 GEMM with dynamically quantized activations and group-wise
 * int4 weights (XNNPACK's "qd8-f32-qc4w", with groups): fp32 in, fp32 out.
 *
 *   C[i][j] = alpha * sa[i] * sum_g (sw[j][g] * D[i][j][g] - zw[j][g] * T[i][g]) + beta * S[i][j]
 *   D[i][j][g] = sum_{p in group g} qa[i][p] * qw[j][p]   (exact, int32)
 *   T[i][g]    = sum_{p in group g} qa[i][p]              (a_gsum, int32)
 *
 * so dequant(W)[j][p] = sw[j][g] * (qw[j][p] - z[j][g]) with qw in [0, 15]
 * and zw = sw * z precomputed. One form serves the implicit mode (fp32
 * weights quantized here: aio_qc4w_quantize_group, zw any float) and
 * GPTQ checkpoints (their q, zero and scale as they are).
 *
 * A: the qd8 per-row quantization (aio_qd8_gemm.h) with a_offset 0: qa
 *    int8 in [-127, 127], sa[i] = max|A[i,:]| / 127; rows ldqa >= kp bytes,
 *    zero past K. T comes from aio_qc4w_group_sums.
 * W: AIO_WFMT_QC4 (fmt = aio_qc4w_fmt(group)); group a multiple of 8;
 *    kp = K rounded up to a whole group. Blocks of 16 output channels; per
 *    block, per group: group/8 steps of 64 bytes, byte 4c + t of a step
 *    holding q[c][8s + t] in its low nibble and q[c][8s + 4 + t] in its
 *    high nibble (c the channel in the block, t 0..3), then 16 fp32 sw
 *    and 16 fp32 zw. Padding channels and padding K are q = 0, sw = zw = 0.
 *    x86 VNNI takes the nibbles as the unsigned operand of vpdpbusd, so
 *    activations need no offset; NEON sdot/smmla take them as signed bytes.
 *
 * S/alpha/beta and tiles follow aio_qd8_gemm.h. int32 D cannot overflow
 * for group <= AIO_QC4W_MAX_GROUP (15 * 127 * group < 2^31). */
#ifndef AIO_QC4W_GEMM_H
#define AIO_QC4W_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "aio_qd8_gemm.h"
#include "aio_wgemm.h"

#define AIO_WFMT_QC4 5 /* low byte of the fmt; the group size is fmt >> 8 */
#define AIO_QC4W_MAX_GROUP 1048576
#define AIO_QC4W_BLOCK 16

static inline int aio_qc4w_fmt(int64_t group) { return AIO_WFMT_QC4 | (int)(group << 8); }
static inline int aio_qc4w_is_fmt(int fmt) { return (fmt & 0xff) == AIO_WFMT_QC4; }
static inline int64_t aio_qc4w_fmt_group(int fmt) { return (int64_t)((unsigned)fmt >> 8); }
static inline int aio_qc4w_group_ok(int64_t group)
{
    return group >= 8 && group % 8 == 0 && group <= AIO_QC4W_MAX_GROUP;
}
/* K rounded up to a whole group: the qa row length the kernels read. */
static inline int64_t aio_qc4w_kp(int64_t k, int64_t group) { return (k + group - 1) / group * group; }

/* Bytes of the packed form (0: bad size or group). */
size_t aio_qc4w_pack_bytes(int64_t n, int64_t k, int64_t group);

/* Implicit mode: quantizes rows [n0, n1) of the fp32 W[N][K] per group
 * with aio_qc4w_quantize_group(search = 1); a NaN or infinite group
 * becomes all zero. Threads may pack disjoint ranges. */
int aio_qc4w_pack_rows(const float *w, int64_t ldw, int64_t n, int64_t k, int64_t group, void *dst,
                       aio_packed_weight *pw, int64_t n0, int64_t n1);

/* One group x[0..len) to codes q in [0, 15] and the affine grid
 * x ~ sw * q - zw. search 0: asymmetric min/max with 0 inside the range
 * (zero weights exact), sw = (max - min) / 15, zw = sw * rint(-min / sw).
 * search 1 (groups up to AIO_QC4W_SEARCH_MAX; longer ones take min/max):
 * that, then ranges clipped by up to 18%, each with sw and zw refit by
 * least squares and the codes moved to their nearest level; the candidate
 * with the least squared error wins, so it is never worse than min/max.
 * Elements inside [-zw, 15 sw - zw] are within sw/2 of their level. A NaN
 * or infinite element makes the group all zero (q = 0, sw = zw = 0). */
#define AIO_QC4W_SEARCH_MAX 1024
void aio_qc4w_quantize_group(const float *x, int64_t len, int search, uint8_t *q, float *sw, float *zw);

/* Checkpoints: rows [n0, n1) from given values: q[j*ldq + p] in [0, 15]
 * scale[j*lds + g], zero[j*lds + g] (the integer zero point, any float).
 * Returns -1 on bad arguments or a q above 15. */
int aio_qc4w_pack_q(const uint8_t *q, int64_t ldq, const float *scale, const float *zero, int64_t lds,
                    int64_t n, int64_t k, int64_t group, void *dst, aio_packed_weight *pw, int64_t n0,
                    int64_t n1);

/* Packed accessors (tests, reference): q, sw, zw of channel j at column p. */
int aio_qc4w_get_q(const aio_packed_weight *pw, int64_t j, int64_t p);
float aio_qc4w_get_scale(const aio_packed_weight *pw, int64_t j, int64_t g);
float aio_qc4w_get_zw(const aio_packed_weight *pw, int64_t j, int64_t g);

/* T[i][g] for rows [m0, m1) of int8 qa (kp bytes a row, zero past K). */
void aio_qc4w_group_sums(const int8_t *qa, int64_t ldqa, int64_t kp, int64_t group, int32_t *t,
                         int64_t ldt, int64_t m0, int64_t m1);

typedef struct aio_qc4w_gemm_args {
    int64_t m;
    const int8_t *qa;      /* quantized A rows (a_offset 0), ldqa >= kp bytes */
    int64_t ldqa;
    const float *a_scale;  /* sa[i] */
    const int32_t *a_gsum; /* T[i][g] at a_gsum[i * ldt + g] */
    int64_t ldt;
    const aio_packed_weight *w; /* AIO_WFMT_QC4 */
    float *c;
    int64_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
} aio_qc4w_gemm_args;

typedef void (*aio_qc4w_gemm_fn)(const aio_qc4w_gemm_args *args, int64_t m0, int64_t m1, int64_t n0,
                                 int64_t n1);

/* Portable reference first, then by preference (aio_kernels_init picks
 * the last whose isa_required the CPU has). */
typedef struct aio_qc4w_gemm_variant {
    const char *name; /* e.g. "aio_qd8_f32_qc4w_gemm__avx512vnni" */
    aio_qc4w_gemm_fn fn;
    unsigned isa_required;
    int64_t mr, nr;
    aio_qd8_quantize_fn quantize; /* an aio_qd8_quantize_rows the same ISA runs */
} aio_qc4w_gemm_variant;

extern const aio_qc4w_gemm_variant aio_qd8_f32_qc4w_gemm_variants[];
extern const size_t aio_qd8_f32_qc4w_gemm_variant_count;

void aio_qd8_f32_qc4w_gemm__ref(const aio_qc4w_gemm_args *, int64_t, int64_t, int64_t, int64_t);
void aio_qd8_f32_qc4w_gemm__avx2(const aio_qc4w_gemm_args *, int64_t, int64_t, int64_t, int64_t);
void aio_qd8_f32_qc4w_gemm__avx512vnni(const aio_qc4w_gemm_args *, int64_t, int64_t, int64_t, int64_t);
void aio_qd8_f32_qc4w_gemm__neondot(const aio_qc4w_gemm_args *, int64_t, int64_t, int64_t, int64_t);
void aio_qd8_f32_qc4w_gemm__neoni8mm(const aio_qc4w_gemm_args *, int64_t, int64_t, int64_t, int64_t);

/* Weight-only fallback (CPUs without int8 dot products): fp32 A, W
 * dequantized on the fly, fp32 arithmetic; aio_wgemm.h's contract. */
void aio_f32_qc4w_gemm__ref(const aio_wgemm_args *, int64_t, int64_t, int64_t, int64_t);

/* A kernel slot (aio_kernels.h). */
typedef struct aio_qc4w_gemm_config {
    aio_qc4w_gemm_fn fn;
    const char *name;
    int64_t mr, nr;
    aio_qd8_quantize_fn quantize;
    unsigned isa_required; /* 0: the portable reference was picked */
} aio_qc4w_gemm_config;

#endif
