// aten::_softmax and aten::_log_softmax (functional and out=) at the CPU key:
// what F.softmax / F.log_softmax / nn.Softmax reach. Accelerated: fp32,
// fp16 and bf16 (computed in fp32) over the last dimension of a contiguous
// tensor (or any dimension with only size-1 dimensions after it), rows
// split over the pool. Other dimensions and strided inputs go to the
// original CPU kernel (reason `strides`); half_to_float, which the CPU
// kernel rejects, goes there too so the user sees its error. Autograd's
// formulas (registered above the CPU key) read this kernel's output.
#include <ATen/EmptyTensor.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_log_softmax_cpu_dispatch.h>
#include <ATen/ops/_softmax_cpu_dispatch.h>

#include <algorithm>

#include "act_common.h"
#include "overrides.h"

namespace aio {
namespace {

int g_op_softmax, g_op_softmax_out, g_op_log_softmax, g_op_log_softmax_out;

// Rows per thread chunk at least this many elements: a 128-wide attention
// row is ~0.1 us of work, so small problems stay on the calling thread.
constexpr int64_t kGrainElems = 1 << 14;

struct SmPlan {
  int dt;
  int64_t rows, cols;
};

int plan_softmax(const at::Tensor &x, int64_t dim, bool half_to_float, SmPlan &p) {
  if (int r = act_check_tensor(x, true, p.dt)) return r;
  if (half_to_float) return AIO_FB_ARGS;
  const int64_t nd = x.dim();
  if (dim < -std::max<int64_t>(nd, 1) || dim >= std::max<int64_t>(nd, 1)) return AIO_FB_SHAPE;  // stock reports it
  if (x.numel() == 0) return AIO_FB_EMPTY;
  if (dim < 0) dim += std::max<int64_t>(nd, 1);
  if (!x.is_contiguous()) return AIO_FB_STRIDES;
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < nd; d++) inner *= x.size(d);
  if (inner != 1) return AIO_FB_STRIDES;  // reduced dimension not unit-stride
  p.cols = nd == 0 ? 1 : x.size(dim);
  p.rows = x.numel() / p.cols;
  return AIO_ACCELERATED;
}

void run_softmax(bool log, const SmPlan &p, const void *x, void *y) {
  const aio_softmax_args a{x, y, p.dt, p.dt, p.cols, p.cols, p.cols};
  const aio_softmax_fn fn = log ? g_kernels.log_softmax.fn : g_kernels.softmax.fn;
  const int64_t grain = std::max<int64_t>(1, kGrainElems / p.cols);
  act_parallel(p.rows, grain, [&](int64_t b, int64_t e) { fn(&a, b, e); });
}

template <bool Log>
at::Tensor functional(const at::Tensor &x, int64_t dim, bool half_to_float) {
  OpCall call(Log ? g_op_log_softmax : g_op_softmax);
  SmPlan p;
  if (int r = plan_softmax(x, dim, half_to_float, p)) {
    call.fallback(r);
    return Log ? at::cpu::_log_softmax(x, dim, half_to_float) : at::cpu::_softmax(x, dim, half_to_float);
  }
  at::Tensor y(at::detail::empty_cpu(x.sizes(), x.scalar_type(), false, c10::MemoryFormat::Contiguous));
  run_softmax(Log, p, x.const_data_ptr(), y.mutable_data_ptr());
  return y;
}

// out= must be x's shape and dtype, contiguous, and x itself or disjoint.
int plan_out(const at::Tensor &x, const at::Tensor &out) {
  if (!out.device().is_cpu() || out.layout() != at::kStrided || out.scalar_type() != x.scalar_type() ||
      out.is_neg() || out.is_conj())
    return AIO_FB_OUT;
  if (out.sizes() != x.sizes() || !out.is_contiguous()) return AIO_FB_OUT;
  auto st = at::get_overlap_status(out, x);
  if (st == at::MemOverlapStatus::Partial || st == at::MemOverlapStatus::TooHard) return AIO_FB_OUT;
  if (st == at::MemOverlapStatus::Full && out.const_data_ptr() != x.const_data_ptr()) return AIO_FB_OUT;
  return AIO_ACCELERATED;
}

template <bool Log>
at::Tensor &out_form(const at::Tensor &x, int64_t dim, bool half_to_float, at::Tensor &out) {
  OpCall call(Log ? g_op_log_softmax_out : g_op_softmax_out);
  SmPlan p;
  int r = plan_softmax(x, dim, half_to_float, p);
  if (!r) r = plan_out(x, out);
  if (r) {
    call.fallback(r);
    return Log ? at::cpu::_log_softmax_outf(x, dim, half_to_float, out)
               : at::cpu::_softmax_outf(x, dim, half_to_float, out);
  }
  run_softmax(Log, p, x.const_data_ptr(), out.mutable_data_ptr());
  return out;
}

}  // namespace

int register_softmax_overrides(torch::Library &lib) {
  g_op_softmax = g_host->prof_register_op("aten::_softmax");
  g_op_softmax_out = g_host->prof_register_op("aten::_softmax.out");
  g_op_log_softmax = g_host->prof_register_op("aten::_log_softmax");
  g_op_log_softmax_out = g_host->prof_register_op("aten::_log_softmax.out");
  lib.impl("_softmax", TORCH_FN(functional<false>));
  lib.impl("_softmax.out", TORCH_FN(out_form<false>));
  lib.impl("_log_softmax", TORCH_FN(functional<true>));
  lib.impl("_log_softmax.out", TORCH_FN(out_form<true>));
  g_host->log(AIO_LOG_DEBUG, "softmax: %s, %s", g_kernels.softmax.name, g_kernels.log_softmax.name);
  return 4;
}

}  // namespace aio
