// Elementwise math at the CPU key, only where aio measured faster than
// stock (docs/never-slower.md): exp and log (functional, in-place, out=),
// fp32, dense tensors of any stride order. Stock evaluates them with
// SLEEF's 1-ulp routines; aio's vector exp/log (aio_vmath.h, <= 2 ulp) run
// 2.8-3.7x faster per element. add/mul/div/sub/pow/sqrt/rsqrt/neg and the
// reductions run at memory or call-overhead speed in stock already and are
// not overridden. Autograd: exp's and log's backward formulas sit above the
// CPU key and read the input or this output.
#include <ATen/ops/exp_cpu_dispatch.h>
#include <ATen/ops/log_cpu_dispatch.h>

#include "act_common.h"
#include "overrides.h"

namespace aio {
namespace {

// Compute-bound: faster than stock at every size measured (1K-4M).
ActOp g_exp{AIO_ACT_EXP, false, 32768, 0};
ActOp g_log{AIO_ACT_LOG, false, 32768, 0};

#define AIO_UNARY(name, slot)                                                                       \
  at::Tensor e_##name(const at::Tensor &x) {                                                        \
    return act_functional(slot, x, 0, 0, 0, [&] { return at::cpu::name(x); });                      \
  }                                                                                                 \
  at::Tensor &e_##name##_(at::Tensor &x) {                                                          \
    return act_inplace(slot, x, 0, 0, 0, [&]() -> at::Tensor & { return at::cpu::name##_(x); });    \
  }                                                                                                 \
  at::Tensor &e_##name##_out(const at::Tensor &x, at::Tensor &out) {                                \
    return act_out_form(slot, x, out, 0, 0, 0,                                                      \
                        [&]() -> at::Tensor & { return at::cpu::name##_outf(x, out); });            \
  }
AIO_UNARY(exp, g_exp)
AIO_UNARY(log, g_log)
#undef AIO_UNARY

}  // namespace

int register_elementwise_overrides(torch::Library &lib) {
  g_exp.id_fn = g_host->prof_register_op("aten::exp");
  g_exp.id_inplace = g_host->prof_register_op("aten::exp_");
  g_exp.id_out = g_host->prof_register_op("aten::exp.out");
  g_log.id_fn = g_host->prof_register_op("aten::log");
  g_log.id_inplace = g_host->prof_register_op("aten::log_");
  g_log.id_out = g_host->prof_register_op("aten::log.out");
  lib.impl("exp", TORCH_FN(e_exp));
  lib.impl("exp_", TORCH_FN(e_exp_));
  lib.impl("exp.out", TORCH_FN(e_exp_out));
  lib.impl("log", TORCH_FN(e_log));
  lib.impl("log_", TORCH_FN(e_log_));
  lib.impl("log.out", TORCH_FN(e_log_out));
  return 6;
}

}  // namespace aio
