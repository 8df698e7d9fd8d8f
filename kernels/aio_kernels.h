/* Kernel slots, BLIS-style: every slot starts at the portable reference and
 * ISA variants overwrite it, once, at start-up. */
#ifndef AIO_KERNELS_H
#define AIO_KERNELS_H

#include "aio_f32_gemm.h"
#include "aio_isa.h"
#include "aio_qd8_gemm.h"
#include "aio_wgemm.h"

typedef struct aio_kernels {
    unsigned isa; /* flags in force after the cap */
    aio_f32_gemm_config f32_gemm;
    /* Weight-compressed GEMM (aio_wgemm.h), one slot per weight format. */
    aio_wgemm_config f16w, bf16w, i8w;
    /* int8 x int8 GEMM, activations quantized per row (aio_qd8_gemm.h). */
    aio_qd8_gemm_config qd8w;
} aio_kernels;

/* Select the best variant of every slot permitted by isa. */
void aio_kernels_init(aio_kernels *k, unsigned isa);

#endif
