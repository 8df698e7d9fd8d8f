/* Rotary position embedding (RoPE), the Llama / GPT-NeoX convention
 * (rotate_half): for a head vector x of d = 2*half elements at position p,
 *
 *   y[i]        = x[i] * cos[p][i] - x[i+half] * sin[p][i]
 *   y[i+half]   = x[i+half] * cos[p][i] + x[i] * sin[p][i]      i < half
 *
 * with cos[p][i] = cos(p * inv_freq[i]) (and sin alike), inv_freq[i] =
 * 1 / theta^(2i/d). x is [batch, heads, seq, d] with any element strides
 * for the first three dims and unit stride along d; y is contiguous
 * [batch, heads, seq, d]. Positions come as pos[b*seq + s]; the angle
 * tables hold one row of half floats per position (row p at p*half), so
 * one table serves every call with the same theta and d. Computed in fp32,
 * rounded once to the output dtype. A call does rows [r0, r1) of the
 * flattened (batch, heads, seq) index. */
#ifndef AIO_ROPE_H
#define AIO_ROPE_H

#include <stddef.h>
#include <stdint.h>

#include "aio_norm.h" /* enum aio_row_dtype */

typedef struct aio_rope_args {
    int64_t batch, heads, seq, half;
    const void *x;
    int64_t xs_b, xs_h, xs_s;
    void *y;
    const int64_t *pos;
    const float *cos, *sin;
} aio_rope_args;

typedef void (*aio_rope_fn)(const aio_rope_args *args, int64_t r0, int64_t r1);

/* inv_freq[i] for i < half, as the Llama reference computes it in fp32:
 * exponent fl(2i / d), power rounded to fp32, then fl(1 / power). */
void aio_rope_inv_freq(double theta, int64_t half, float *inv_freq);

/* Table rows [p0, p1): angle fl(p * inv_freq[i]) (fp32, as the reference
 * multiplies), cos and sin of it evaluated in double and rounded. Scalar
 * libm: callers build a table once and reuse it. */
void aio_rope_table_rows(const float *inv_freq, int64_t half, int64_t p0, int64_t p1, float *cos,
                         float *sin);

typedef struct aio_rope_variant {
    const char *name; /* e.g. "aio_bf16_rope__avx512f" */
    aio_rope_fn fn;
    unsigned isa_required;
} aio_rope_variant;

extern const aio_rope_variant *const aio_rope_variants[AIO_ROW_DTYPES];
extern const size_t aio_rope_variant_count[AIO_ROW_DTYPES];

#define AIO_ROPE_DECLARE(isa)                                              \
    void aio_f32_rope__##isa(const aio_rope_args *, int64_t, int64_t);     \
    void aio_bf16_rope__##isa(const aio_rope_args *, int64_t, int64_t);    \
    void aio_f16_rope__##isa(const aio_rope_args *, int64_t, int64_t);
AIO_ROPE_DECLARE(ref)
AIO_ROPE_DECLARE(avx2)    /* x86 only: AVX2 + FMA + F16C */
AIO_ROPE_DECLARE(avx512f) /* x86 only: AVX-512 F/BW/VL */
AIO_ROPE_DECLARE(neon)    /* aarch64 only */
#undef AIO_ROPE_DECLARE

typedef struct aio_rope_config {
    aio_rope_fn fn;
    const char *name;
} aio_rope_config;

#endif
