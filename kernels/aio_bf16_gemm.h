/* bf16-dot GEMM: C = beta * S + alpha * bf16(A) @ bf16(B), over a tile of C.
 *
 * Operands are rounded to bfloat16 (round-to-nearest-even) and multiplied
 * in pairs along K with fp32 accumulation, the arithmetic of AVX512_BF16
 * vdpbf16ps and Arm BFDOT: products of bf16 values are exact in fp32, so
 * the error beyond the two roundings of the inputs is fp32 summation.
 * (vdpbf16ps treats denormal inputs as zero and flushes denormal results;
 * the reference does the same.)
 *
 * A and B are fp32 or already bf16 (a_bf16 / b_bf16 = 1: uint16_t data),
 * converted while packing. Layouts follow aio_f32_gemm.h:
 *   A: M x K, unit stride along K (row i at a + i*lda, in elements).
 *   B: b_trans = 1: W[N][K], unit stride along K (row j at b + j*ldb);
 *      b_trans = 0: B[K][N], unit stride along N (row p at b + p*ldb).
 *   C: fp32, M x N, unit stride along N (row i at c + i*ldc).
 *   S: optional fp32, element (i,j) at s[i*s_stride_m + j*s_stride_n];
 *      ignored when NULL or beta == 0. C may alias S exactly.
 *   alpha == 0 or K == 0: A and B are not read, C = beta*S (or 0).
 * A kernel call computes rows [m0, m1) and columns [n0, n1) of C. */
#ifndef AIO_BF16_GEMM_H
#define AIO_BF16_GEMM_H

#include <stddef.h>
#include <stdint.h>

typedef struct aio_bf16_gemm_args {
    int64_t m, n, k;
    const void *a; /* float or uint16_t (bf16) */
    int64_t lda;
    int a_bf16;
    const void *b;
    int64_t ldb;
    int b_trans;
    int b_bf16;
    float *c;
    int64_t ldc;
    const float *s;
    int64_t s_stride_m, s_stride_n;
    float alpha, beta;
} aio_bf16_gemm_args;

typedef void (*aio_bf16_gemm_fn)(const aio_bf16_gemm_args *args,
                                 int64_t m0, int64_t m1, int64_t n0, int64_t n1);

typedef struct aio_bf16_gemm_variant {
    const char *name;      /* e.g. "aio_bf16_gemm__avx512bf16" */
    aio_bf16_gemm_fn fn;
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    int64_t mr, nr;        /* micro-tile: split work on multiples */
    int native;            /* 1: bf16 dot-product instructions (faster than fp32) */
} aio_bf16_gemm_variant;

extern const aio_bf16_gemm_variant aio_bf16_gemm_variants[];
extern const size_t aio_bf16_gemm_variant_count;

void aio_bf16_gemm__ref(const aio_bf16_gemm_args *, int64_t, int64_t, int64_t, int64_t);
void aio_bf16_gemm__avx512bf16(const aio_bf16_gemm_args *, int64_t, int64_t, int64_t, int64_t); /* x86 */
void aio_bf16_gemm__neonbf16(const aio_bf16_gemm_args *, int64_t, int64_t, int64_t, int64_t);   /* aarch64 */
/* Tests only: the blocked driver over a portable micro-kernel, tiny blocks. */
void aio_bf16_gemm__scalar_blocked(const aio_bf16_gemm_args *, int64_t, int64_t, int64_t, int64_t);

/* Pre-packed W (b_trans = 1, the nn.Linear layout W[N][K]): the variant's
 * own pair panels over the whole K, packed once (the weight cache) so a
 * call packs only A. ops: aio_bf16_gemm_ops_of(variant fn); NULL for
 * variants without a blocked driver (the reference), which then have no
 * pre-packed path. pack_panels packs the panels whose first row is in
 * [r0, r1) (threads split rows; w is fp32, or bf16 when bf16 = 1).
 * run_panels computes tile [m0, m1) x [n0, n1) like the variant's fn, B
 * taken from the panels (g->b, ldb, b_trans, b_bf16 are not read). */
struct aio_bf16_gemm_ops;
const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops_of(aio_bf16_gemm_fn fn);
size_t aio_bf16_gemm_panels_bytes(const struct aio_bf16_gemm_ops *ops, int64_t n, int64_t k);
void aio_bf16_gemm_pack_panels(const struct aio_bf16_gemm_ops *ops, const void *w, int bf16, int64_t ldw,
                               int64_t n, int64_t k, uint32_t *dst, int64_t r0, int64_t r1);
void aio_bf16_gemm_run_panels(const struct aio_bf16_gemm_ops *ops, const aio_bf16_gemm_args *g,
                              const uint32_t *b_panels, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
/* Tests only: the small-block scalar driver's ops. */
const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops__scalar_blocked(void);

/* A kernel slot (aio_kernels.h). native = 0 means only the reference is
 * available: callers should not prefer it over the fp32 GEMM. */
typedef struct aio_bf16_gemm_config {
    aio_bf16_gemm_fn fn;
    const char *name;
    int64_t mr, nr;
    int native;
} aio_bf16_gemm_config;

/* Round-to-nearest-even fp32 -> bf16 with denormals flushed to (signed)
 * zero, as vcvtne2ps2bf16 does; NaN stays a quiet NaN. */
static inline uint16_t aio_bf16_gemm_round(float f)
{
    union { float f; uint32_t u; } v = {f};
    if ((v.u & 0x7f800000u) == 0)
        return (uint16_t)((v.u >> 16) & 0x8000u);
    if ((v.u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((v.u >> 16) | 0x40u);
    return (uint16_t)((v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16);
}

static inline float aio_bf16_gemm_widen(uint16_t h)
{
    union { uint32_t u; float f; } v = {(uint32_t)h << 16};
    if ((h & 0x7f80u) == 0) /* denormal in: treated as zero */
        v.u &= 0x80000000u;
    return v.f;
}

#endif
