/* Kernel slots, BLIS-style: every slot starts at the portable reference and
 * ISA variants overwrite it, once, at start-up. */
#ifndef AIO_KERNELS_H
#define AIO_KERNELS_H

#include "aio_bf16_gemm.h"
#include "aio_attention.h"
#include "aio_f32_gemm.h"
#include "aio_isa.h"
#include "aio_norm.h"
#include "aio_rope.h"
#include "aio_qd8_gemm.h"
#include "aio_qc4w_gemm.h"
#include "aio_wgemm.h"
#include "aio_act.h"
#include "aio_softmax.h"
#include "aio_moments.h"
#include "aio_embedding.h"
#include "aio_argext.h"

typedef struct aio_kernels {
    unsigned isa; /* flags in force after the cap */
    aio_f32_gemm_config f32_gemm;
    /* Weight-compressed GEMM (aio_wgemm.h), one slot per weight format. */
    aio_wgemm_config f16w, bf16w, i8w;
    /* Row normalizations and RoPE (aio_norm.h, aio_rope.h), one slot per
     * row dtype (enum aio_row_dtype). */
    aio_rmsnorm_config rmsnorm[AIO_ROW_DTYPES];
    aio_layernorm_config f32_layernorm;
    aio_rope_config rope[AIO_ROW_DTYPES];
    /* Activations (aio_act.h), one slot per enum aio_act_op. */
    aio_act_config act[AIO_ACT_COUNT];
    /* Softmax over contiguous rows (aio_softmax.h). */
    aio_softmax_config softmax, log_softmax;
    /* bf16-dot GEMM (aio_bf16_gemm.h): activations and weights rounded to bf16. */
    aio_bf16_gemm_config bf16_gemm;
    /* fp32 scaled dot-product attention (aio_attention.h). */
    aio_f32_sdpa_config f32_sdpa;
    /* int8 x int8 GEMM, activations quantized per row (aio_qd8_gemm.h). */
    aio_qd8_gemm_config qd8w;
    /* Norm statistics shared by Layer/Group/Instance/BatchNorm (aio_moments.h). */
    aio_f32_stats_config f32_stats;
    /* EmbeddingBag gather-reduce (aio_embedding.h), one slot per table format. */
    aio_embedding_bag_config embedding_bag[AIO_EMB_FMTS];
    /* Row-wise max/min with index (aio_argext.h), [dtype][op]. */
    aio_argext_config argext[AIO_ARGEXT_DTYPES][AIO_ARGEXT_OPS];
    /* int8 x int4 GEMM, group-wise int4 weights (aio_qc4w_gemm.h). */
    aio_qc4w_gemm_config qc4w;
} aio_kernels;

/* Select the best variant of every slot permitted by isa. */
void aio_kernels_init(aio_kernels *k, unsigned isa);

#endif
