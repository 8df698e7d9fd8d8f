// Int4 weights (kernels/aio_qc4w_gemm.h) for FullyConnected under
// AIO_QUANTIZE_INT4_FILTER and for torch.ops.aio.gptq_linear: activations
// quantized per row (token) on every call, int8 x int4 dot products where
// the CPU has them, the weight-only fp32 kernel elsewhere.
#pragma once

#include "dispatch_common.h"

namespace aio {

// The packed format the INT4 filter asks for FullyConnected weights
// (aio_qc4w_fmt(group)), or 0 when the filter does not match.
int int4_fc_fmt();

// Above this many rows the fp32 kernel on the original weight measured
// faster (docs/never-slower.md); gptq_linear, which has no fp32 weight,
// runs int4 at every M.
int64_t int4_max_m();

// C = beta*S + alpha * A @ dequant(pw)^T for an fp32 problem planned as
// for the fp32 kernel (g.b unused). Splits over the intra-op pool.
void run_qc4(const aio_f32_gemm_args &g, const aio_packed_weight &pw);

}  // namespace aio
