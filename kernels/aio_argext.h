/* Row-wise arg-extreme, what torch.max/min(dim) and argmax/argmin compute
 * over a unit-stride dimension: for rows begin <= r < end (row r starts at
 * element r*ldx of x),
 *
 *   idx[r] = index of the first maximum (minimum) of the row, or of its
 *            first NaN if it has one (NaN propagates, as in PyTorch);
 *   val[r] = x[r][idx[r]], bit for bit (skipped when val is NULL).
 *
 * Ties go to the first index; -0.0 and +0.0 tie. Comparisons are in fp32
 * (bf16 widens exactly). 1 <= cols < 2^31. */
#ifndef AIO_ARGEXT_H
#define AIO_ARGEXT_H

#include <stddef.h>
#include <stdint.h>

#include "vmath/vm_dtype.h"

enum aio_argext_op { AIO_ARGEXT_MAX = 0, AIO_ARGEXT_MIN = 1, AIO_ARGEXT_OPS = 2 };
/* Slot index per element type: 0 fp32, 1 bf16. */
enum { AIO_ARGEXT_F32 = 0, AIO_ARGEXT_BF16 = 1, AIO_ARGEXT_DTYPES = 2 };

typedef struct aio_argext_args {
    const void *x;
    void *val;     /* x's element type, one per row; may be NULL */
    int64_t *idx;  /* one per row */
    int64_t cols, ldx;
    int64_t ldv, ldi; /* elements between consecutive rows' outputs (1 for a dense output) */
} aio_argext_args;

typedef void (*aio_argext_fn)(const aio_argext_args *a, int64_t begin, int64_t end);

typedef struct aio_argext_variant {
    const char *name;      /* e.g. "aio_f32_argmax_ukernel_16__avx512f" */
    int dt;                /* AIO_ARGEXT_F32 / AIO_ARGEXT_BF16 */
    int op;                /* enum aio_argext_op */
    unsigned isa_required; /* enum aio_isa_flag bits; 0 = portable */
    aio_argext_fn fn;
} aio_argext_variant;

extern const aio_argext_variant aio_argext_variants[];
extern const size_t aio_argext_variant_count;

typedef struct aio_argext_config {
    aio_argext_fn fn;
    const char *name;
} aio_argext_config;

#endif
