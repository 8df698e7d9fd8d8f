/* Shared by test_norm.c and test_rope.c: rows of f32/bf16/f16 in a byte
 * buffer, converted through the portable conversions, and the error bound
 * of a result rounded once from an fp32 computation. */
#ifndef AIO_ROW_TESTER_H
#define AIO_ROW_TESTER_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aio_isa.h"
#include "aio_norm.h"
#include "aio_wgemm.h"

static const char *const row_dtype_name[AIO_ROW_DTYPES] = {"f32", "bf16", "f16"};
static const size_t row_esz[AIO_ROW_DTYPES] = {4, 2, 2};

static inline float row_get(int dt, const void *p, int64_t i)
{
    switch (dt) {
    case AIO_ROW_F32: return ((const float *)p)[i];
    case AIO_ROW_BF16: return aio_row_bf16_to_f32(((const uint16_t *)p)[i]);
    default: return aio_f16_to_f32(((const uint16_t *)p)[i]);
    }
}

static inline void row_set(int dt, void *p, int64_t i, float v)
{
    switch (dt) {
    case AIO_ROW_F32: ((float *)p)[i] = v; break;
    case AIO_ROW_BF16: ((uint16_t *)p)[i] = aio_row_f32_to_bf16(v); break;
    default: ((uint16_t *)p)[i] = aio_f32_to_f16(v); break;
    }
}

/* Deterministic values in [-2, 2). */
static inline float row_rand(unsigned *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 17;
    *st ^= *st << 5;
    return (float)((*st >> 8) & 0xffff) / 16384.f - 2.f;
}

/* Allowed |got - want| for want from a double reference: fp32 arithmetic
 * error (rel_f32 of the row's scale) plus one rounding to the dtype. */
static inline double row_tolerance(int dt, double want, double scale, double rel_f32)
{
    const double unit = dt == AIO_ROW_F32 ? 0x1p-24 : dt == AIO_ROW_BF16 ? 0x1p-8 : 0x1p-11;
    double t = rel_f32 * scale + 2 * unit * fabs(want);
    if (dt == AIO_ROW_F16) t += 0x1p-24; /* half subnormals */
    return t;
}

static inline int row_variant_runs(unsigned isa_required)
{
    return (isa_required & aio_isa_detect()) == isa_required;
}

#endif
