// One register function per op family, each in its own file
// (dispatch/<file>.cpp). Each returns how many ops it registered, or throws.
#pragma once

#include <torch/library.h>

namespace aio {
// aten ops overridden at the CPU key; `lib` is the module's IMPL library.
int register_gemm_overrides(torch::Library &lib);        // override_gemm.cpp: addmm, mm
int register_bmm_overrides(torch::Library &lib);         // override_bmm.cpp: bmm, baddbmm
int register_norm_overrides(torch::Library &lib);        // override_norm.cpp: layer_norm, rms_norm
int register_softmax_overrides(torch::Library &lib);     // override_softmax.cpp: softmax, log_softmax
int register_activation_overrides(torch::Library &lib);  // override_activation.cpp: gelu, silu, ...
int register_elementwise_overrides(torch::Library &lib); // override_elementwise.cpp: exp, log
int register_attention_overrides(torch::Library &lib);   // override_attention.cpp: CPU flash attention (sdpa)
int register_group_batch_norm_overrides(torch::Library &lib);  // override_group_batch_norm.cpp: group_norm, batch_norm
int register_conv_overrides(torch::Library &lib);        // override_conv.cpp: _convolution
int register_embedding_overrides(torch::Library &lib);   // override_embedding.cpp: _embedding_bag(_forward_only), embedding
int register_reduce_overrides(torch::Library &lib);      // override_reduce.cpp: max/min.dim, argmax/argmin
// torch.ops.aio.* (custom_ops.cpp): defines its own libraries.
int register_custom_ops();
// torch.compile(backend="aio") and aio::_gauge (compile_backend.cpp).
int register_compile_backend();
int register_gptq_op();  // aio::gptq_linear (custom_op_gptq.cpp), from register_custom_ops
}
