// Elementwise activations at the CPU key: relu, hardtanh (relu6 reaches it),
// leaky_relu, gelu (none/tanh), silu, sigmoid, tanh, hardswish, hardsigmoid
// -- functional, in-place and out= forms. Autograd stays correct: these ops'
// backward formulas are registered above the CPU key and only read the
// input or this kernel's output.
//
// Accelerated: fp32 (all ops) and fp16/bf16 where the product table lists
// explicit fp16 (relu, relu6/hardtanh, leaky_relu, gelu, silu), on
// non-overlapping dense tensors of any stride order (processed as one run
// of memory). Everything else goes to the original CPU kernel (at::cpu::*)
// with a fallback reason.
#include <ATen/EmptyTensor.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/gelu_cpu_dispatch.h>
#include <ATen/ops/hardsigmoid_cpu_dispatch.h>
#include <ATen/ops/hardswish_cpu_dispatch.h>
#include <ATen/ops/hardtanh_cpu_dispatch.h>
#include <ATen/ops/leaky_relu_cpu_dispatch.h>
#include <ATen/ops/relu_cpu_dispatch.h>
#include <ATen/ops/sigmoid_cpu_dispatch.h>
#include <ATen/ops/silu_cpu_dispatch.h>
#include <ATen/ops/tanh_cpu_dispatch.h>

#include <cmath>

#include "act_common.h"
#include "overrides.h"

namespace aio {
namespace {


// Grain: stock's TensorIterator splits elementwise ops over threads from
// at::internal::GRAIN_SIZE (32768) elements on; the same threshold here
// means aio never wakes the pool where stock would not, so each call does
// less work under the same synchronisation (and, on a loaded machine, the
// same exposure to a descheduled worker).
constexpr int64_t kGrain = 32768;
// Never slower (docs/never-slower.md): the cheap ops are memory-bound once
// the tensor leaves the caches; there both kernels run at copy speed and
// aio measured 0.64-0.98x in the functional form (allocation and page
// state dominate), so from 1M elements on they stay stock. The
// transcendental ops are compute-bound and faster at every size.
constexpr int64_t kCheapMax = 1 << 20;
ActOp g_relu{AIO_ACT_RELU, true, kGrain, kCheapMax};
ActOp g_hardtanh{AIO_ACT_CLAMP, true, kGrain, kCheapMax};
ActOp g_leaky{AIO_ACT_LEAKY_RELU, true, kGrain, kCheapMax};
ActOp g_gelu{AIO_ACT_GELU, true, kGrain, 0};
ActOp g_gelu_tanh{AIO_ACT_GELU_TANH, true, kGrain, 0};
ActOp g_silu{AIO_ACT_SILU, true, kGrain, 0};
ActOp g_sigmoid{AIO_ACT_SIGMOID, false, kGrain, 0};
ActOp g_tanh{AIO_ACT_TANH, false, kGrain, 0};
ActOp g_hardswish{AIO_ACT_HARDSWISH, false, kGrain, kCheapMax};
ActOp g_hardsigmoid{AIO_ACT_HARDSIGMOID, false, kGrain, kCheapMax};

// ---- relu (no out=: relu.out is generated from relu and would recurse)
at::Tensor a_relu(const at::Tensor &x) {
  return act_functional(g_relu, x, 0, 0, 0, [&] { return at::cpu::relu(x); });
}
at::Tensor &a_relu_(at::Tensor &x) {
  return act_inplace(g_relu, x, 0, 0, 0, [&]() -> at::Tensor & { return at::cpu::relu_(x); });
}

// ---- hardtanh: clamp(x, min, max); F.relu6 is hardtanh(x, 0, 6)
int hardtanh_args(const at::Scalar &lo, const at::Scalar &hi, float &p0, float &p1) {
  if (int r = scalar_arg(lo, p0)) return r;
  return scalar_arg(hi, p1);
}
at::Tensor a_hardtanh(const at::Tensor &x, const at::Scalar &lo, const at::Scalar &hi) {
  float p0 = 0, p1 = 0;
  int r = hardtanh_args(lo, hi, p0, p1);
  return act_functional(g_hardtanh, x, p0, p1, r, [&] { return at::cpu::hardtanh(x, lo, hi); });
}
at::Tensor &a_hardtanh_(at::Tensor &x, const at::Scalar &lo, const at::Scalar &hi) {
  float p0 = 0, p1 = 0;
  int r = hardtanh_args(lo, hi, p0, p1);
  return act_inplace(g_hardtanh, x, p0, p1, r, [&]() -> at::Tensor & { return at::cpu::hardtanh_(x, lo, hi); });
}
at::Tensor &a_hardtanh_out(const at::Tensor &x, const at::Scalar &lo, const at::Scalar &hi, at::Tensor &out) {
  float p0 = 0, p1 = 0;
  int r = hardtanh_args(lo, hi, p0, p1);
  return act_out_form(g_hardtanh, x, out, p0, p1, r,
                  [&]() -> at::Tensor & { return at::cpu::hardtanh_outf(x, lo, hi, out); });
}

// ---- leaky_relu
at::Tensor a_leaky(const at::Tensor &x, const at::Scalar &s) {
  float p0 = 0;
  int r = scalar_arg(s, p0);
  return act_functional(g_leaky, x, p0, 0, r, [&] { return at::cpu::leaky_relu(x, s); });
}
at::Tensor &a_leaky_(at::Tensor &x, const at::Scalar &s) {
  float p0 = 0;
  int r = scalar_arg(s, p0);
  return act_inplace(g_leaky, x, p0, 0, r, [&]() -> at::Tensor & { return at::cpu::leaky_relu_(x, s); });
}
at::Tensor &a_leaky_out(const at::Tensor &x, const at::Scalar &s, at::Tensor &out) {
  float p0 = 0;
  int r = scalar_arg(s, p0);
  return act_out_form(g_leaky, x, out, p0, 0, r, [&]() -> at::Tensor & { return at::cpu::leaky_relu_outf(x, s, out); });
}

// ---- gelu: approximate "none" (erf) or "tanh"; anything else: stock
// reports the error.
const ActOp *gelu_kind(c10::string_view approx) {
  if (approx == "none") return &g_gelu;
  if (approx == "tanh") return &g_gelu_tanh;
  return nullptr;
}
at::Tensor a_gelu(const at::Tensor &x, c10::string_view approx) {
  const ActOp *k = gelu_kind(approx);
  return act_functional(k ? *k : g_gelu, x, 0, 0, k ? 0 : AIO_FB_ARGS, [&] { return at::cpu::gelu(x, approx); });
}
at::Tensor &a_gelu_(at::Tensor &x, c10::string_view approx) {
  const ActOp *k = gelu_kind(approx);
  return act_inplace(k ? *k : g_gelu, x, 0, 0, k ? 0 : AIO_FB_ARGS,
                 [&]() -> at::Tensor & { return at::cpu::gelu_(x, approx); });
}
at::Tensor &a_gelu_out(const at::Tensor &x, c10::string_view approx, at::Tensor &out) {
  const ActOp *k = gelu_kind(approx);
  return act_out_form(k ? *k : g_gelu, x, out, 0, 0, k ? 0 : AIO_FB_ARGS,
                  [&]() -> at::Tensor & { return at::cpu::gelu_outf(x, approx, out); });
}

// ---- ops without arguments: silu, sigmoid, tanh, hardswish, hardsigmoid
#define AIO_PLAIN_ACT(name, slot)                                                                  \
  at::Tensor a_##name(const at::Tensor &x) {                                                       \
    return act_functional(slot, x, 0, 0, 0, [&] { return at::cpu::name(x); });                         \
  }                                                                                                \
  at::Tensor &a_##name##_(at::Tensor &x) {                                                         \
    return act_inplace(slot, x, 0, 0, 0, [&]() -> at::Tensor & { return at::cpu::name##_(x); });       \
  }                                                                                                \
  at::Tensor &a_##name##_out(const at::Tensor &x, at::Tensor &out) {                               \
    return act_out_form(slot, x, out, 0, 0, 0, [&]() -> at::Tensor & { return at::cpu::name##_outf(x, out); }); \
  }
AIO_PLAIN_ACT(silu, g_silu)
AIO_PLAIN_ACT(sigmoid, g_sigmoid)
AIO_PLAIN_ACT(tanh, g_tanh)
AIO_PLAIN_ACT(hardswish, g_hardswish)
AIO_PLAIN_ACT(hardsigmoid, g_hardsigmoid)
#undef AIO_PLAIN_ACT

void register_ids(ActOp &a, const char *name, bool with_out) {
  std::string base = std::string("aten::") + name;
  a.id_fn = g_host->prof_register_op(base.c_str());
  a.id_inplace = g_host->prof_register_op((base + "_").c_str());
  if (with_out) a.id_out = g_host->prof_register_op((base + ".out").c_str());
}

}  // namespace

int register_activation_overrides(torch::Library &lib) {
  register_ids(g_relu, "relu", false);
  register_ids(g_hardtanh, "hardtanh", true);
  register_ids(g_leaky, "leaky_relu", true);
  register_ids(g_gelu, "gelu", true);
  // gelu(approximate='tanh') shares gelu's profiler rows
  g_gelu_tanh.id_fn = g_gelu.id_fn, g_gelu_tanh.id_inplace = g_gelu.id_inplace, g_gelu_tanh.id_out = g_gelu.id_out;
  register_ids(g_silu, "silu", true);
  register_ids(g_sigmoid, "sigmoid", true);
  register_ids(g_tanh, "tanh", true);
  register_ids(g_hardswish, "hardswish", true);
  register_ids(g_hardsigmoid, "hardsigmoid", true);

  lib.impl("relu", TORCH_FN(a_relu));
  lib.impl("relu_", TORCH_FN(a_relu_));
  lib.impl("hardtanh", TORCH_FN(a_hardtanh));
  lib.impl("hardtanh_", TORCH_FN(a_hardtanh_));
  lib.impl("hardtanh.out", TORCH_FN(a_hardtanh_out));
  lib.impl("leaky_relu", TORCH_FN(a_leaky));
  lib.impl("leaky_relu_", TORCH_FN(a_leaky_));
  lib.impl("leaky_relu.out", TORCH_FN(a_leaky_out));
  lib.impl("gelu", TORCH_FN(a_gelu));
  lib.impl("gelu_", TORCH_FN(a_gelu_));
  lib.impl("gelu.out", TORCH_FN(a_gelu_out));
  int n = 11;
#define AIO_REG(name)                                 \
  lib.impl(#name, TORCH_FN(a_##name));                \
  lib.impl(#name "_", TORCH_FN(a_##name##_));         \
  lib.impl(#name ".out", TORCH_FN(a_##name##_out));   \
  n += 3;
  AIO_REG(silu)
  AIO_REG(sigmoid)
  AIO_REG(tanh)
  AIO_REG(hardswish)
  AIO_REG(hardsigmoid)
#undef AIO_REG
  g_host->log(AIO_LOG_DEBUG, "activations: gelu %s, silu %s", g_kernels.act[AIO_ACT_GELU].name,
              g_kernels.act[AIO_ACT_SILU].name);
  return n;
}

}  // namespace aio
