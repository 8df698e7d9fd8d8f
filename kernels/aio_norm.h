/* Row normalizations for inference (no backward state beyond what stock
 * layer norm returns):
 *
 *   RMSNorm   y = x * rsqrt(mean(x^2) + eps) * w
 *   LayerNorm y = (x - mean) * rstd * w + b,  rstd = 1/sqrt(var + eps)
 *
 * over rows of n elements. Row i of x starts at element i*ldx, of y at
 * i*ldy; elements of a row are contiguous. w (and b) hold n elements of
 * the row dtype, or are NULL (then 1 and 0). Everything is computed in
 * fp32 and rounded once to the output dtype (round-to-nearest-even).
 * A call normalizes rows [r0, r1); callers split rows over threads.
 * y may alias x exactly (same rows, ldy == ldx). */
#ifndef AIO_NORM_H
#define AIO_NORM_H

#include <stddef.h>
#include <stdint.h>

/* Element type of rows, weights and outputs: the index of a dtype slot. */
enum aio_row_dtype { AIO_ROW_F32 = 0, AIO_ROW_BF16 = 1, AIO_ROW_F16 = 2, AIO_ROW_DTYPES = 3 };

typedef struct aio_rmsnorm_args {
    int64_t n;
    const void *x;
    int64_t ldx;
    const void *w;
    void *y;
    int64_t ldy;
    float eps;
} aio_rmsnorm_args;

typedef void (*aio_rmsnorm_fn)(const aio_rmsnorm_args *args, int64_t r0, int64_t r1);

/* LayerNorm, fp32 only. mean and rstd (one float per row, indexed by row
 * number) may be NULL; rstd as stock: 1/sqrt(max(var, 0) + eps), var the
 * biased variance. */
typedef struct aio_layernorm_args {
    int64_t n;
    const float *x;
    int64_t ldx;
    const float *w, *b;
    float *y;
    int64_t ldy;
    float *mean, *rstd;
    float eps;
} aio_layernorm_args;

typedef void (*aio_layernorm_fn)(const aio_layernorm_args *args, int64_t r0, int64_t r1);

typedef struct aio_norm_variant {
    const char *name;             /* e.g. "aio_f32_rmsnorm__avx512f" */
    void (*fn)(void);             /* cast to the family's fn type */
    unsigned isa_required;        /* enum aio_isa_flag bits; 0 = portable */
} aio_norm_variant;

/* Per dtype (enum aio_row_dtype), portable reference first, then by
 * preference; entries exist only for the architecture being compiled. */
extern const aio_norm_variant *const aio_rmsnorm_variants[AIO_ROW_DTYPES];
extern const size_t aio_rmsnorm_variant_count[AIO_ROW_DTYPES];
extern const aio_norm_variant aio_f32_layernorm_variants[];
extern const size_t aio_f32_layernorm_variant_count;

#define AIO_NORM_DECLARE(isa)                                                          \
    void aio_f32_rmsnorm__##isa(const aio_rmsnorm_args *, int64_t, int64_t);           \
    void aio_bf16_rmsnorm__##isa(const aio_rmsnorm_args *, int64_t, int64_t);          \
    void aio_f16_rmsnorm__##isa(const aio_rmsnorm_args *, int64_t, int64_t);           \
    void aio_f32_layernorm__##isa(const aio_layernorm_args *, int64_t, int64_t);
AIO_NORM_DECLARE(ref)
AIO_NORM_DECLARE(avx2)    /* x86 only: AVX2 + FMA + F16C */
AIO_NORM_DECLARE(avx512f) /* x86 only: AVX-512 F/BW/VL */
AIO_NORM_DECLARE(neon)    /* aarch64 only */
#undef AIO_NORM_DECLARE

/* Kernel slots (aio_kernels.h). */
typedef struct aio_rmsnorm_config {
    aio_rmsnorm_fn fn;
    const char *name;
} aio_rmsnorm_config;

typedef struct aio_layernorm_config {
    aio_layernorm_fn fn;
    const char *name;
} aio_layernorm_config;

/* Portable conversions shared by the row kernels (round-to-nearest-even,
 * NaN stays NaN). */
static inline float aio_row_bf16_to_f32(uint16_t h)
{
    union { uint32_t u; float f; } v = {(uint32_t)h << 16};
    return v.f;
}

static inline uint16_t aio_row_f32_to_bf16(float f)
{
    union { float f; uint32_t u; } v = {f};
    if ((v.u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((v.u >> 16) | 0x40);
    return (uint16_t)((v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16);
}

#endif
