/* int8 x int8 GEMM with dynamically quantized activations (XNNPACK's
 * "qd8-f32-qc8w"): fp32 in, fp32 out, integer dot products inside.
 *
 *   C[m0:m1, n0:n1] = beta * S + alpha * A @ W^T, computed as
 *   C[i][j] = alpha * sa[i] * sw[j] * sum_p qa[i][p] * qw[j][p] + beta * S[i][j]
 *
 * W: an nn.Linear weight packed once as AIO_WFMT_QC8 (aio_wgemm.h): int8,
 *    symmetric per output channel, sw[j] = max|W[j,:]| / 127 (the same
 *    quantization as AIO_WFMT_I8).
 * A: quantized per row (per token) on every call by aio_qd8_quantize_rows:
 *    sa[i] = max_p |A[i,p]| / 127, qa = rint(A / sa) in [-127, 127]; a
 *    row with a NaN or infinity gets sa = NaN (its C row is NaN, as fp32
 *    would give NaN or Inf there); an all-zero row gets sa = 0.
 *    Stored as bytes qa + a_offset: the variant says which offset it
 *    wants (128 for x86 VNNI, whose vpdpbusd multiplies unsigned by signed
 *    bytes; the kernel subtracts 128 * sum_p qw[j][p], packed with W).
 *
 * The integer sum is exact (int32; |qa*qw| <= 127*127, so K up to
 * AIO_QD8_MAX_K); the scale products are fp32. S/alpha/beta follow
 * aio_wgemm.h: element (i,j) of S is s[i*s_stride_m + j*s_stride_n]; S
 * NULL or beta == 0: S ignored (even NaN); alpha == 0 (or K == 0): qa and
 * W are not read, C = beta*S; C may alias S exactly. A kernel call
 * computes one tile; callers split over threads by disjoint tiles (N splits
 * on multiples of nr are best; the quantized rows are shared). */
#ifndef AIO_QD8_GEMM_H
#define AIO_QD8_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "aio_wgemm.h"

/* Largest K whose int32 sums cannot overflow: 127 * 127 * K < 2^31. */
#define AIO_QD8_MAX_K 131072

/* Bytes per quantized A row a kernel needs for K: a multiple of 16,
 * the padding holding the offset (a zero). Equals pw->kp for QC8. */
static inline int64_t aio_qd8_row_bytes(int64_t k) { return (k + 15) / 16 * 16; }

/* Quantizes rows [m0, m1) of A (row i at a + i*lda, k elements) into
 * q + i*ldq (ldq >= aio_qd8_row_bytes(k) bytes; padding to that length is
 * written with a_offset) and scales[i]. Rows are independent: threads may
 * quantize disjoint ranges at once. */
void aio_qd8_quantize_rows(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                           int64_t ldq, float *scales, int64_t m0, int64_t m1);
typedef void (*aio_qd8_quantize_fn)(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                                    int64_t ldq, float *scales, int64_t m0, int64_t m1);
/* x86 only: the same results, 16 floats a step (AVX-512 F/BW/VL). */
void aio_qd8_quantize_rows__avx512(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                                   int64_t ldq, float *scales, int64_t m0, int64_t m1);
/* aarch64 only: the same results, 16 floats a step (NEON). */
void aio_qd8_quantize_rows__neon(const float *a, int64_t lda, int64_t k, int a_offset, uint8_t *q,
                                 int64_t ldq, float *scales, int64_t m0, int64_t m1);

typedef struct aio_qd8_gemm_args {
    int64_t m;
    const uint8_t *qa;     /* quantized A rows, ldqa bytes apart, with the variant's a_offset */
    int64_t ldqa;
    const float *a_scale;  /* sa[i], m entries */
    const aio_packed_weight *w; /* fmt AIO_WFMT_QC8; N = w->n, K = w->k */
    float *c;
    int64_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
} aio_qd8_gemm_args;

typedef void (*aio_qd8_gemm_fn)(const aio_qd8_gemm_args *args,
                                int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* Portable reference first, then by preference; aio_kernels_init picks
 * the last entry whose isa_required the CPU has. */
typedef struct aio_qd8_gemm_variant {
    const char *name;      /* e.g. "aio_qd8_f32_qc8w_gemm__avx512vnni" */
    aio_qd8_gemm_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    int64_t mr, nr;        /* micro-tile: rows of A, columns of W */
    int a_offset;          /* 0: qa stored as int8; 128: as uint8 qa + 128 */
    aio_qd8_quantize_fn quantize; /* an aio_qd8_quantize_rows the same ISA runs */
    int64_t max_m;         /* policy: above this many rows the fp32 GEMM on the
                              original weight measured faster (INT64_MAX: never) */
} aio_qd8_gemm_variant;

extern const aio_qd8_gemm_variant aio_qd8_f32_qc8w_gemm_variants[];
extern const size_t aio_qd8_f32_qc8w_gemm_variant_count;

void aio_qd8_f32_qc8w_gemm__ref(const aio_qd8_gemm_args *, int64_t, int64_t, int64_t, int64_t);
/* x86 only: AVX2 (vpmaddubsw on |qa| and sign-adjusted qw: pairs stay
 * below 2*127*127, so the i16 sums never saturate). */
void aio_qd8_f32_qc8w_gemm__avx2(const aio_qd8_gemm_args *, int64_t, int64_t, int64_t, int64_t);
/* x86 only: AVX-512 F/BW/VL + VNNI (vpdpbusd, a_offset 128). */
void aio_qd8_f32_qc8w_gemm__avx512vnni(const aio_qd8_gemm_args *, int64_t, int64_t, int64_t, int64_t);
/* aarch64 only: NEON + dotprod (sdot). */
void aio_qd8_f32_qc8w_gemm__neondot(const aio_qd8_gemm_args *, int64_t, int64_t, int64_t, int64_t);
/* aarch64 only: NEON + i8mm (smmla, 2x2 int32 tiles of 8-deep products). */
void aio_qd8_f32_qc8w_gemm__neoni8mm(const aio_qd8_gemm_args *, int64_t, int64_t, int64_t, int64_t);

/* Packs rows [n0, n1) of W as AIO_WFMT_QC8 (aio_wpack_rows forwards here). */
int aio_qc8w_pack_rows(const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
                       aio_packed_weight *pw, int64_t n0, int64_t n1);
size_t aio_qc8w_pack_bytes(int64_t n, int64_t k);

/* Packed QC8 accessors (tests, reference): qw[j][p] and sum_p qw[j][p]. */
int aio_qc8w_get_q(const aio_packed_weight *pw, int64_t j, int64_t p);
int32_t aio_qc8w_get_sum(const aio_packed_weight *pw, int64_t j);

/* A kernel slot (aio_kernels.h). */
typedef struct aio_qd8_gemm_config {
    aio_qd8_gemm_fn fn;
    const char *name;
    int64_t mr, nr;
    int a_offset;
    aio_qd8_quantize_fn quantize;
    int64_t max_m;
    unsigned isa_required; /* 0: the portable reference was picked */
} aio_qd8_gemm_config;

#endif
