/* Softmax and log-softmax over contiguous rows:
 *
 *   softmax:     y[r][j] = e^(x[r][j] - m_r) / sum_k e^(x[r][k] - m_r)
 *   log_softmax: y[r][j] = (x[r][j] - m_r) - log(sum_k e^(x[r][k] - m_r))
 *
 * with m_r the row maximum, for rows begin <= r < end; row r of x starts at
 * element r*ldx, of y at r*ldy. x and y may have different element types
 * (fp32 in, fp16 out is not used by PyTorch on CPU but costs nothing);
 * 16-bit inputs are computed in fp32. y may equal x exactly (in place).
 * A row holding +inf, or only -inf, gives NaN, as in PyTorch. */
#ifndef AIO_SOFTMAX_H
#define AIO_SOFTMAX_H

#include <stddef.h>
#include <stdint.h>

#include "vmath/vm_dtype.h"

typedef struct aio_softmax_args {
    const void *x;
    void *y;
    int xdt, ydt;      /* enum aio_dt */
    int64_t cols;      /* > 0 */
    int64_t ldx, ldy;  /* elements between rows */
} aio_softmax_args;

typedef void (*aio_softmax_fn)(const aio_softmax_args *a, int64_t begin, int64_t end);

typedef struct aio_softmax_variant {
    const char *name;      /* e.g. "aio_f32_softmax__avx512f" */
    int log;               /* 0: softmax, 1: log_softmax */
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    aio_softmax_fn fn;
} aio_softmax_variant;

extern const aio_softmax_variant aio_softmax_variants[];
extern const size_t aio_softmax_variant_count;

/* A kernel slot (aio_kernels.h). */
typedef struct aio_softmax_config {
    aio_softmax_fn fn;
    const char *name;
} aio_softmax_config;

#endif
