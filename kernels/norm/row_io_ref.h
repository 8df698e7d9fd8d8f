/* Scalar element access for the portable row kernels: load as fp32,
 * store rounded to nearest even. */
#ifndef AIO_ROW_IO_REF_H
#define AIO_ROW_IO_REF_H

#include "aio_norm.h"
#include "aio_wgemm.h" /* aio_f16_to_f32, aio_f32_to_f16 */

#define LD_f32(p, i) (((const float *)(p))[i])
#define LD_bf16(p, i) aio_row_bf16_to_f32(((const uint16_t *)(p))[i])
#define LD_f16(p, i) aio_f16_to_f32(((const uint16_t *)(p))[i])
#define ST_f32(p, i, v) (((float *)(p))[i] = (v))
#define ST_bf16(p, i, v) (((uint16_t *)(p))[i] = aio_row_f32_to_bf16(v))
#define ST_f16(p, i, v) (((uint16_t *)(p))[i] = aio_f32_to_f16(v))
#define ESZ_f32 4
#define ESZ_bf16 2
#define ESZ_f16 2

#endif
