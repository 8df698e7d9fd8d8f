/* Weight-compressed GEMM for memory-bound inference (LLM decode):
 *
 *   C[m0:m1, n0:n1] = beta * S + alpha * A @ dequant(W)^T
 *
 * Activations A (M x K, row i at a + i*lda) and C stay fp32. The nn.Linear
 * weight W[N][K] (fp32, row-major) is packed once into a compressed form:
 *   AIO_WFMT_F16   IEEE binary16, round-to-nearest-even when packing
 *   AIO_WFMT_BF16  bfloat16, round-to-nearest-even; expanded by <<16
 *   AIO_WFMT_I8    int8, symmetric per-output-channel scale:
 *                  scale[n] = max|W[n,:]| / 127, q = rint(W / scale) in
 *                  [-127, 127]; dequant(W)[n][k] = scale[n] * q[n][k].
 *                  Weight-only: kernels compute in fp32.
 *   AIO_WFMT_QC8   the same int8 values and scales, laid out for the
 *                  int8 x int8 dot kernels of aio_qd8_gemm.h (activations
 *                  quantized per row), not for the kernels below: blocks
 *                  of 16 output channels, each 64 bytes of int32 row sums
 *                  sum_p q[j][p], then kp/4 groups of 64 bytes holding
 *                  q[j][4g..4g+3] for the block's 16 j in order; kp = K
 *                  rounded up to 16; N padded to a multiple of 16 with
 *                  zero channels (scale 0). Scales follow the blocks.
 * Kernels always accumulate in fp32; the only error beyond packing is that
 * of fp32 summation.
 *
 * Packed layout (all formats): row-major, row j of W at element j*kp of
 * data, kp = K rounded up to 64 elements, padding zero; for I8 the n
 * scales follow at pw->scales (64-byte aligned). Rows are independent, so
 * packing may be split over threads by row ranges (aio_wpack_rows).
 *
 * S/beta/alpha follow aio_f32_gemm.h: element (i,j) of S is
 * s[i*s_stride_m + j*s_stride_n]; S NULL or beta == 0: S ignored (even
 * NaN); alpha == 0 (or K == 0): A and W are not read, C = beta*S. C may
 * alias S exactly. A kernel call computes one tile; callers split work
 * over threads by disjoint tiles (N splits on multiples of nr are best). */
#ifndef AIO_WGEMM_H
#define AIO_WGEMM_H

#include <stddef.h>
#include <stdint.h>

enum aio_wfmt { AIO_WFMT_F16 = 1, AIO_WFMT_BF16 = 2, AIO_WFMT_I8 = 3, AIO_WFMT_QC8 = 4 };

typedef struct aio_packed_weight {
    int fmt;         /* enum aio_wfmt */
    int64_t n, k;    /* W is n x k */
    int64_t kp;      /* elements between packed rows (k rounded up to 64;
                        QC8: to 16, see above) */
    void *data;      /* uint16_t (f16/bf16) or int8_t, n * kp elements */
    float *scales;   /* I8, QC8: per-row scales (QC8: n rounded up to 16,
                        zero past n); NULL otherwise */
    size_t bytes;    /* aio_wpack_bytes(fmt, n, k) */
} aio_packed_weight;

/* Bytes the packed form of an n x k weight needs (0: bad fmt or size). */
size_t aio_wpack_bytes(int fmt, int64_t n, int64_t k);

/* Pack W (row j at w + j*ldw) into dst (aio_wpack_bytes bytes, 64-byte
 * aligned) and fill pw. Returns 0, or -1 on bad arguments. */
int aio_wpack(int fmt, const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
              aio_packed_weight *pw);

/* The same for rows [n0, n1) only (pw is filled identically by every
 * call): threads may pack disjoint row ranges of one weight at once. */
int aio_wpack_rows(int fmt, const float *w, int64_t ldw, int64_t n, int64_t k, void *dst,
                   aio_packed_weight *pw, int64_t n0, int64_t n1);

/* Element (j, p) of dequant(W), for tests and fallbacks. */
float aio_wpack_get(const aio_packed_weight *pw, int64_t j, int64_t p);

/* Portable conversions (round-to-nearest-even, NaN kept quiet). */
uint16_t aio_f32_to_f16(float f);
float aio_f16_to_f32(uint16_t h);
uint16_t aio_f32_to_bf16(float f);
float aio_bf16_to_f32(uint16_t h);

typedef struct aio_wgemm_args {
    int64_t m;
    const float *a;
    int64_t lda;
    const aio_packed_weight *w; /* N = w->n, K = w->k */
    float *c;
    int64_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
} aio_wgemm_args;

typedef void (*aio_wgemm_fn)(const aio_wgemm_args *args,
                             int64_t m0, int64_t m1, int64_t n0, int64_t n1);

/* One list per format, portable reference first, then by preference;
 * aio_kernels_init picks the last entry whose isa_required the CPU has.
 * Entries exist only for the architecture being compiled. */
typedef struct aio_wgemm_variant {
    const char *name;      /* e.g. "aio_i8w_gemm__avx512" */
    aio_wgemm_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    int64_t nr;            /* preferred N split granule */
} aio_wgemm_variant;

extern const aio_wgemm_variant aio_f16w_gemm_variants[];
extern const size_t aio_f16w_gemm_variant_count;
extern const aio_wgemm_variant aio_bf16w_gemm_variants[];
extern const size_t aio_bf16w_gemm_variant_count;
extern const aio_wgemm_variant aio_i8w_gemm_variants[];
extern const size_t aio_i8w_gemm_variant_count;

/* Each works for its own format only (pw->fmt). */
#define AIO_WGEMM_DECLARE(isa)                                                                \
    void aio_f16w_gemm__##isa(const aio_wgemm_args *, int64_t, int64_t, int64_t, int64_t);  \
    void aio_bf16w_gemm__##isa(const aio_wgemm_args *, int64_t, int64_t, int64_t, int64_t); \
    void aio_i8w_gemm__##isa(const aio_wgemm_args *, int64_t, int64_t, int64_t, int64_t);
AIO_WGEMM_DECLARE(ref)
AIO_WGEMM_DECLARE(avx2)   /* x86 only: AVX2 + FMA + F16C */
AIO_WGEMM_DECLARE(avx512) /* x86 only: AVX-512 F/BW/VL */
AIO_WGEMM_DECLARE(neon)   /* aarch64 only */
#undef AIO_WGEMM_DECLARE

/* A kernel slot (aio_kernels.h). */
typedef struct aio_wgemm_config {
    aio_wgemm_fn fn;
    const char *name;
    int64_t nr;
} aio_wgemm_config;

#endif
