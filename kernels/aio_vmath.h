/* Vector math for activations and softmax: fp32 exp, log, tanh, erf and
 * sigmoid written once (vmath/vmath_body.inc) over per-ISA primitives
 * (vmath/vm_ref.h, vm_avx2.h, vm_avx512.h, vm_neon.h) and inlined into the
 * kernels of kernels/act and kernels/softmax.
 *
 * The array entry points below exist for tests and benchmarks. Measured
 * error against a double-precision reference (tests/unit/test_vmath.c
 * sweeps every variant; bounds are in ulp of the correctly rounded result):
 *
 *   exp      <= 2 ulp; inf for x > 88.72, 0 below -103.97, denormal results
 *            kept; exp(-inf) = 0, exp(inf) = inf, NaN -> NaN
 *   log      <= 2 ulp; log(0) = -inf, log(x<0) = NaN, log(inf) = inf,
 *            denormal inputs exact in the exponent
 *   tanh     <= 3 ulp; saturates to +-1; tanh(-0) = -0
 *   erf      <= 4.5e-7 absolute (measured 3.3e-7; a rational
 *            approximation on [-4, 4], +-1 outside); erf(-0) = -0
 *   sigmoid  <= 3 ulp; 0 for x < -88.7 (the true value is below 1e-38)
 *
 * Every function maps NaN to NaN. Details and how they were measured:
 * docs/accuracy.md. */
#ifndef AIO_VMATH_H
#define AIO_VMATH_H

#include <stddef.h>

enum aio_vmath_func { AIO_VM_EXP, AIO_VM_LOG, AIO_VM_TANH, AIO_VM_ERF, AIO_VM_SIGMOID, AIO_VM_FUNC_COUNT };

/* y[i] = f(x[i]) for i < n; y may equal x. */
typedef void (*aio_vmath_fn)(const float *x, float *y, size_t n);

typedef struct aio_vmath_variant {
    const char *name;      /* e.g. "aio_f32_vexp__avx512f" */
    int func;              /* enum aio_vmath_func */
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    aio_vmath_fn fn;
} aio_vmath_variant;

/* Every variant this architecture has: all references first. */
extern const aio_vmath_variant aio_vmath_variants[];
extern const size_t aio_vmath_variant_count;

#endif
