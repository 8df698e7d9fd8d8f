/* Elementwise activations over a dense run of elements:
 *
 *   y[i] = f(x[i]; p0, p1)   for begin <= i < end
 *
 * x and y have the same element type (fp32, fp16 or bf16; 16-bit types are
 * computed in fp32 and rounded to nearest even once); y may equal x (in
 * place) but must not partially overlap it. Callers split [0, n) over
 * threads. Formulas follow PyTorch's CPU kernels, so that cheap ops
 * (relu, clamp, leaky_relu, hardswish, hardsigmoid) give identical bits;
 * transcendental ones use aio_vmath.h (error bounds in docs/accuracy.md):
 *
 *   relu         max(x, 0)                       NaN kept
 *   clamp        min(max(x, p0), p1)              hardtanh/relu6; NaN kept
 *   leaky_relu   x > 0 ? x : x * p0
 *   gelu         0.5 x (1 + erf(x / sqrt 2))
 *   gelu_tanh    x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)), which is
 *                0.5 x (1 + tanh(...)) without its cancellation at x < 0
 *   silu         x / (1 + e^-x)
 *   sigmoid      1 / (1 + e^-x)
 *   tanh
 *   hardswish    x * min(max(x + 3, 0), 6) / 6
 *   hardsigmoid  min(max(x + 3, 0), 6) / 6
 *   exp, log     aio_vmath.h */
#ifndef AIO_ACT_H
#define AIO_ACT_H

#include <stddef.h>

#include "vmath/vm_dtype.h"

enum aio_act_op {
    AIO_ACT_RELU,
    AIO_ACT_CLAMP,
    AIO_ACT_LEAKY_RELU,
    AIO_ACT_GELU,
    AIO_ACT_GELU_TANH,
    AIO_ACT_SILU,
    AIO_ACT_SIGMOID,
    AIO_ACT_TANH,
    AIO_ACT_HARDSWISH,
    AIO_ACT_HARDSIGMOID,
    AIO_ACT_EXP, /* elementwise exp and log: aten::exp/log overrides */
    AIO_ACT_LOG,
    AIO_ACT_COUNT
};

typedef struct aio_act_args {
    const void *x;
    void *y;
    int dt;        /* enum aio_dt, of both x and y */
    float p0, p1;  /* clamp: min, max; leaky_relu: slope */
} aio_act_args;

typedef void (*aio_act_fn)(const aio_act_args *a, size_t begin, size_t end);

typedef struct aio_act_variant {
    const char *name;      /* e.g. "aio_f32_gelu__avx512f" */
    int op;                /* enum aio_act_op */
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    aio_act_fn fn;
} aio_act_variant;

/* Every variant this architecture compiles, references first. */
extern const aio_act_variant aio_act_variants[];
extern const size_t aio_act_variant_count;

/* A kernel slot (aio_kernels.h). */
typedef struct aio_act_config {
    aio_act_fn fn;
    const char *name;
} aio_act_config;

/* Op name as in the variant names ("gelu_tanh"). */
const char *aio_act_op_name(int op);

#endif
