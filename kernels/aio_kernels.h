/* Kernel slots, BLIS-style: every slot starts at the portable reference and
 * ISA variants overwrite it, once, at start-up. */
#ifndef AIO_KERNELS_H
#define AIO_KERNELS_H

#include "aio_bf16_gemm.h"
#include "aio_f32_gemm.h"
#include "aio_isa.h"
#include "aio_wgemm.h"

typedef struct aio_kernels {
    unsigned isa; /* flags in force after the cap */
    aio_f32_gemm_config f32_gemm;
    /* Weight-compressed GEMM (aio_wgemm.h), one slot per weight format. */
    aio_wgemm_config f16w, bf16w, i8w;
    /* bf16-dot GEMM (aio_bf16_gemm.h): activations and weights rounded to bf16. */
    aio_bf16_gemm_config bf16_gemm;
} aio_kernels;

/* Select the best variant of every slot permitted by isa. */
void aio_kernels_init(aio_kernels *k, unsigned isa);

#endif
