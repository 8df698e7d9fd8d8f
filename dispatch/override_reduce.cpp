// max/min along a dimension with indices (aten::max.dim, aten::min.dim) and
// argmax/argmin at the CPU key, fp32 and bf16, where the reduced dimension
// is the last one with unit stride (rows may be padded: any uniform row
// stride). Stock's loop compares one element at a time and ran 10-60x
// slower than a copy of the same bytes (docs/never-slower.md); the kernels
// (aio_argext.h) keep per-lane bests and indices instead.
//
// Semantics as stock: the first extreme wins ties, the first NaN wins over
// everything, values are x[idx] bit for bit. Other reductions (sum, mean,
// amax, max(), ...) already run at memory speed in stock and are not
// overridden. Autograd's formulas sit above the CPU key and read the
// indices this returns. Everything else goes to stock with a reason.
#include <ATen/EmptyTensor.h>
#include <ATen/WrapDimUtils.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/argmax_cpu_dispatch.h>
#include <ATen/ops/argmin_cpu_dispatch.h>
#include <ATen/ops/max_cpu_dispatch.h>
#include <ATen/ops/min_cpu_dispatch.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "act_common.h"
#include "overrides.h"

namespace aio {
namespace {

int g_op_max_dim, g_op_min_dim, g_op_argmax, g_op_argmin;

// Rows per thread chunk: at least this many elements, as stock's GRAIN_SIZE.
constexpr int64_t kGrainElems = 32768;

struct RedPlan {
  int slot;             // AIO_ARGEXT_F32 / AIO_ARGEXT_BF16
  int64_t rows, cols, ldx;
  std::vector<int64_t> out_sizes;
};

// x viewed as [rows, cols] with unit-stride columns and one row stride.
// dim < 0 on entry means "all of x" (argmax without dim).
int plan_reduce(const at::Tensor &x, int64_t dim, bool all, bool keepdim, RedPlan &p) {
  if (!x.device().is_cpu()) return AIO_FB_DEVICE;
  if (x.layout() != at::kStrided) return AIO_FB_LAYOUT;
  if (x.scalar_type() == at::kFloat)
    p.slot = AIO_ARGEXT_F32;
  else if (x.scalar_type() == at::kBFloat16)
    p.slot = AIO_ARGEXT_BF16;
  else
    return AIO_FB_DTYPE;
  if (x.is_neg() || x.is_conj()) return AIO_FB_ARGS;
  const int64_t nd = x.dim();
  if (nd == 0) return AIO_FB_SHAPE;
  if (x.numel() == 0) return AIO_FB_EMPTY;  // stock raises or returns empty
  if (all) {
    if (!x.is_contiguous()) return AIO_FB_STRIDES;
    p.rows = 1;
    p.cols = x.numel();
    p.ldx = p.cols;
    p.out_sizes.assign(keepdim ? nd : 0, 1);
  } else {
    if (dim < -nd || dim >= nd) return AIO_FB_SHAPE;  // stock raises its own error
    if (dim < 0) dim += nd;
    if (dim != nd - 1) return AIO_FB_STRIDES;
    p.cols = x.size(dim);
    if (p.cols > 1 && x.stride(dim) != 1) return AIO_FB_STRIDES;
    p.rows = x.numel() / p.cols;
    // leading dimensions must collapse into one row stride
    // row stride: that of the innermost leading dimension longer than 1
    p.ldx = p.cols;
    for (int64_t d = nd - 2; d >= 0; d--)
      if (x.size(d) != 1) {
        p.ldx = x.stride(d);
        break;
      }
    int64_t expect = p.ldx;
    for (int64_t d = nd - 2; d >= 0; d--) {
      if (x.size(d) != 1 && x.stride(d) != expect) return AIO_FB_STRIDES;
      expect *= x.size(d);
    }
    if (p.rows > 1 && p.ldx < p.cols) return AIO_FB_STRIDES;  // overlapping rows
    p.out_sizes.assign(x.sizes().begin(), x.sizes().end());
    if (keepdim)
      p.out_sizes[dim] = 1;
    else
      p.out_sizes.erase(p.out_sizes.begin() + dim);
  }
  if (p.cols >= (int64_t(1) << 31)) return AIO_FB_SHAPE;  // lane indices are int32
  return AIO_ACCELERATED;
}

void run_reduce(int op, const RedPlan &p, const at::Tensor &x, void *val, int64_t *idx) {
  const aio_argext_args a{x.const_data_ptr(), val, idx, p.cols, p.ldx, 1, 1};
  const aio_argext_fn fn = g_kernels.argext[p.slot][op].fn;
  const int64_t grain = std::max<int64_t>(1, kGrainElems / p.cols);
  act_parallel(p.rows, grain, [&](int64_t b, int64_t e) { fn(&a, b, e); });
}

template <int Op>
std::tuple<at::Tensor, at::Tensor> extreme_dim(const at::Tensor &x, int64_t dim, bool keepdim) {
  OpCall call(Op == AIO_ARGEXT_MAX ? g_op_max_dim : g_op_min_dim);
  RedPlan p;
  if (int r = plan_reduce(x, dim, false, keepdim, p)) {
    call.fallback(r);
    return Op == AIO_ARGEXT_MAX ? at::cpu::max(x, dim, keepdim) : at::cpu::min(x, dim, keepdim);
  }
  at::Tensor v = at::detail::empty_cpu(p.out_sizes, x.scalar_type(), false, c10::MemoryFormat::Contiguous);
  at::Tensor i = at::detail::empty_cpu(p.out_sizes, at::kLong, false, c10::MemoryFormat::Contiguous);
  run_reduce(Op, p, x, v.mutable_data_ptr(), i.mutable_data_ptr<int64_t>());
  return {v, i};
}

template <int Op>
at::Tensor arg_extreme(const at::Tensor &x, std::optional<int64_t> dim, bool keepdim) {
  OpCall call(Op == AIO_ARGEXT_MAX ? g_op_argmax : g_op_argmin);
  RedPlan p;
  if (int r = plan_reduce(x, dim.value_or(0), !dim.has_value(), keepdim, p)) {
    call.fallback(r);
    return Op == AIO_ARGEXT_MAX ? at::cpu::argmax(x, dim, keepdim) : at::cpu::argmin(x, dim, keepdim);
  }
  at::Tensor i = at::detail::empty_cpu(p.out_sizes, at::kLong, false, c10::MemoryFormat::Contiguous);
  run_reduce(Op, p, x, nullptr, i.mutable_data_ptr<int64_t>());
  return i;
}

}  // namespace

int register_reduce_overrides(torch::Library &lib) {
  g_op_max_dim = g_host->prof_register_op("aten::max.dim");
  g_op_min_dim = g_host->prof_register_op("aten::min.dim");
  g_op_argmax = g_host->prof_register_op("aten::argmax");
  g_op_argmin = g_host->prof_register_op("aten::argmin");
  lib.impl("max.dim", TORCH_FN(extreme_dim<AIO_ARGEXT_MAX>));
  lib.impl("min.dim", TORCH_FN(extreme_dim<AIO_ARGEXT_MIN>));
  lib.impl("argmax", TORCH_FN(arg_extreme<AIO_ARGEXT_MAX>));
  lib.impl("argmin", TORCH_FN(arg_extreme<AIO_ARGEXT_MIN>));
  g_host->log(AIO_LOG_DEBUG, "reduce: %s, %s", g_kernels.argext[AIO_ARGEXT_F32][AIO_ARGEXT_MAX].name,
              g_kernels.argext[AIO_ARGEXT_BF16][AIO_ARGEXT_MAX].name);
  return 4;
}

}  // namespace aio
