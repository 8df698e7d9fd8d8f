// aten::rms_norm (what nn.RMSNorm and F.rms_norm call) and
// aten::native_layer_norm (nn.LayerNorm, F.layer_norm) on CPU.
//
// rms_norm is CompositeImplicitAutograd in torch 2.13: on CPU it has no
// kernel of its own and decomposes into pow/mean/add/rsqrt/mul/mul above
// autograd. A CPU-key kernel would break autograd (design-notes §3), so we
// replace the composite kernel itself and take the fused path only for real
// CPU tensors that need no gradient, with no Python mode or functorch layer
// active; everything else (training, meta/fake tensors, torch.compile
// tracing, other devices) runs the stock decomposition, at::compositeimplicitautograd::
// rms_norm_symint (the stock composite kernel, called directly), exactly as before.
//
// native_layer_norm has a CPU kernel: we override it at the CPU key (under
// autograd, which saves our mean/rstd for the stock backward) and defer to
// at::cpu::native_layer_norm where our kernel is not faster.
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/native_layer_norm_cpu_dispatch.h>
#include <ATen/ops/rms_norm_compositeimplicitautograd_dispatch.h>
#include <c10/core/GradMode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <c10/core/impl/TorchDispatchModeTLS.h>

#include <cfloat>
#include <vector>

#include "norm_rows.h"
#include "overrides.h"

namespace aio {

int row_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return AIO_ROW_F32;
    case at::kBFloat16: return AIO_ROW_BF16;
    case at::kHalf: return AIO_ROW_F16;
    default: return -1;
  }
}

bool is_plain_cpu(const at::Tensor &t) {
  static const c10::DispatchKeySet allowed({c10::DispatchKey::CPU, c10::DispatchKey::AutogradCPU,
                                            c10::DispatchKey::ADInplaceOrView, c10::DispatchKey::AutocastCPU});
  return t.defined() && t.layout() == at::kStrided && t.device().is_cpu() &&
         (t.key_set().raw_repr() & ~allowed.raw_repr()) == 0;
}

bool no_active_modes() {
  if (c10::impl::TorchDispatchModeTLS::any_modes_set()) return false;
  const auto included = c10::impl::tls_local_dispatch_key_set().included_;
  for (auto k : {c10::DispatchKey::Python, c10::DispatchKey::PythonTLSSnapshot, c10::DispatchKey::Functionalize,
                 c10::DispatchKey::FuncTorchDynamicLayerFrontMode, c10::DispatchKey::FuncTorchDynamicLayerBackMode})
    if (included.has(k)) return false;
  return true;
}

int64_t row_stride(const at::Tensor &x, int64_t n) {
  const int64_t dim = x.dim();
  // The trailing n elements of a row: contiguous among themselves.
  int64_t expect = 1, d = dim - 1, covered = 1;
  for (; d >= 0 && covered < n; d--) {
    if (x.size(d) != 1 && x.stride(d) != expect) return -1;
    expect *= x.size(d);
    covered *= x.size(d);
  }
  if (covered != n) return -1;
  // The outer dims: one stride between consecutive rows.
  int64_t ld = -1, next = -1;
  for (; d >= 0; d--) {
    if (x.size(d) == 1) continue;
    if (ld < 0) {
      ld = x.stride(d);
      if (ld < n) return -1;
      next = ld * x.size(d);
    } else {
      if (x.stride(d) != next) return -1;
      next *= x.size(d);
    }
  }
  return ld < 0 ? n : ld;
}

void run_rmsnorm(int dt, const void *x, int64_t ldx, const void *w, void *y, int64_t rows, int64_t n, float eps) {
  const aio_rmsnorm_args a{n, x, ldx, w, y, n, eps};
  const aio_rmsnorm_fn fn = g_kernels.rmsnorm[dt].fn;
  parallel_rows(rows, n, [&](int64_t r0, int64_t r1) { fn(&a, r0, r1); });
}

namespace {

int g_op_rms_norm, g_op_layer_norm;

// ---- aten::rms_norm -------------------------------------------------------

bool needs_grad(const at::Tensor &x, const std::optional<at::Tensor> &w) {
  if (x._fw_grad(0).defined() || (w && w->defined() && w->_fw_grad(0).defined())) return true;
  if (!c10::GradMode::is_enabled()) return false;
  return x.requires_grad() || (w && w->defined() && w->requires_grad());
}

// eps as stock uses it: added in fp32; absent means fp32 machine epsilon
// (the opmath type's, also for bf16/f16 inputs).
float stock_eps(std::optional<double> eps) { return eps ? float(*eps) : FLT_EPSILON; }

int plan_rms_norm(const at::Tensor &x, c10::SymIntArrayRef shape, const std::optional<at::Tensor> &w,
                  int64_t &n, int64_t &ldx) {
  if (!x.defined() || !x.device().is_cpu()) return AIO_FB_DEVICE;
  if (!is_plain_cpu(x) || !no_active_modes()) return AIO_FB_DEVICE;
  if (needs_grad(x, w)) return AIO_FB_ARGS;  // autograd records the stock decomposition
  // CPU autocast may recast the decomposition's ops: keep its exact behaviour.
  if (!c10::impl::tls_is_dispatch_key_excluded(c10::DispatchKey::AutocastCPU)) return AIO_FB_ARGS;
  const int dt = row_dtype(x.scalar_type());
  if (dt < 0) return AIO_FB_DTYPE;
  auto ishape = c10::asIntArrayRefSlowOpt(shape);
  if (!ishape || ishape->empty() || int64_t(ishape->size()) > x.dim()) return AIO_FB_SHAPE;
  n = 1;
  for (size_t i = 0; i < ishape->size(); i++) {
    if ((*ishape)[i] != x.size(x.dim() - int64_t(ishape->size()) + int64_t(i))) return AIO_FB_SHAPE;
    n *= (*ishape)[i];
  }
  if (x.numel() == 0) return AIO_FB_EMPTY;
  if (w && w->defined()) {
    if (!is_plain_cpu(*w)) return AIO_FB_DEVICE;
    if (w->scalar_type() != x.scalar_type()) return AIO_FB_DTYPE;  // stock promotes the result then
    if (w->sizes() != *ishape) return AIO_FB_SHAPE;
    if (!w->is_contiguous()) return AIO_FB_STRIDES;
  }
  ldx = row_stride(x, n);
  if (ldx < 0) return AIO_FB_STRIDES;
  return AIO_ACCELERATED;
}

at::Tensor aio_rms_norm(const at::Tensor &x, c10::SymIntArrayRef shape, const std::optional<at::Tensor> &w,
                        std::optional<double> eps) {
  int64_t n = 0, ldx = 0;
  const int r = plan_rms_norm(x, shape, w, n, ldx);
  // Meta and fake tensors come through here too: they are not calls of the
  // CPU op, so the profiler does not count them.
  if (r == AIO_FB_DEVICE && (!x.defined() || !x.device().is_cpu() || !is_plain_cpu(x)))
    return at::compositeimplicitautograd::rms_norm_symint(x, shape, w, eps);
  OpCall call(g_op_rms_norm);
  if (r) {
    call.fallback(r);
    return at::compositeimplicitautograd::rms_norm_symint(x, shape, w, eps);
  }
  const int dt = row_dtype(x.scalar_type());
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  const void *wp = w && w->defined() ? w->const_data_ptr() : nullptr;
  run_rmsnorm(dt, x.const_data_ptr(), ldx, wp, y.mutable_data_ptr(), x.numel() / n, n, stock_eps(eps));
  return y;
}

// ---- aten::native_layer_norm (CPU key) ------------------------------------

// Stock's layer norm is vectorized too; ours wins by a simpler row loop
// while rows stay in cache: 1.1-1.3x up to 2^19 elements (BERT-base at 512
// tokens, 128 x 4096). Above that it measured even or slower (2048 x 768:
// 0.80x), so stock runs there (docs/never-slower.md).
constexpr int64_t kLayerNormMaxElems = int64_t(1) << 19;
bool layer_norm_stock_is_faster(int64_t rows, int64_t n) { return rows * n > kLayerNormMaxElems; }

int plan_layer_norm(const at::Tensor &x, c10::SymIntArrayRef shape, const std::optional<at::Tensor> &w,
                    const std::optional<at::Tensor> &b, int64_t &n) {
  if (!is_plain_cpu(x)) return AIO_FB_DEVICE;
  if (x.scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  auto ishape = c10::asIntArrayRefSlowOpt(shape);
  if (!ishape || ishape->empty() || int64_t(ishape->size()) > x.dim()) return AIO_FB_SHAPE;
  n = 1;
  for (size_t i = 0; i < ishape->size(); i++) {
    if ((*ishape)[i] != x.size(x.dim() - int64_t(ishape->size()) + int64_t(i))) return AIO_FB_SHAPE;
    n *= (*ishape)[i];
  }
  if (x.numel() == 0) return AIO_FB_EMPTY;
  for (const auto *t : {&w, &b}) {
    if (!*t || !(*t)->defined()) continue;
    if (!is_plain_cpu(**t)) return AIO_FB_DEVICE;
    if ((*t)->scalar_type() != at::kFloat) return AIO_FB_DTYPE;
    if ((*t)->numel() != n) return AIO_FB_SHAPE;
    if (!(*t)->is_contiguous()) return AIO_FB_STRIDES;
  }
  if (!x.is_contiguous()) return AIO_FB_STRIDES;  // stock copies it, and so would we
  if (layer_norm_stock_is_faster(x.numel() / n, n)) return AIO_FB_POLICY;
  return AIO_ACCELERATED;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> aio_native_layer_norm(const at::Tensor &x, c10::SymIntArrayRef shape,
                                                                     const std::optional<at::Tensor> &w,
                                                                     const std::optional<at::Tensor> &b, double eps) {
  OpCall call(g_op_layer_norm);
  int64_t n = 0;
  if (int r = plan_layer_norm(x, shape, w, b, n)) {
    call.fallback(r);
    return at::cpu::native_layer_norm_symint(x, shape, w, b, eps);
  }
  const int64_t rows = x.numel() / n;
  // mean/rstd as stock returns them: the outer dims, then a 1 per
  // normalized dim, fp32.
  std::vector<int64_t> stat_shape(x.sizes().begin(), x.sizes().end());
  for (size_t i = stat_shape.size() - shape.size(); i < stat_shape.size(); i++) stat_shape[i] = 1;
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor mean = at::empty(stat_shape, x.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor rstd = at::empty(stat_shape, x.options().memory_format(at::MemoryFormat::Contiguous));
  const aio_layernorm_args a{n,
                             x.const_data_ptr<float>(),
                             n,
                             w && w->defined() ? w->const_data_ptr<float>() : nullptr,
                             b && b->defined() ? b->const_data_ptr<float>() : nullptr,
                             y.mutable_data_ptr<float>(),
                             n,
                             mean.mutable_data_ptr<float>(),
                             rstd.mutable_data_ptr<float>(),
                             float(eps)};
  const aio_layernorm_fn fn = g_kernels.f32_layernorm.fn;
  parallel_rows(rows, n, [&](int64_t r0, int64_t r1) { fn(&a, r0, r1); });
  return {y, mean, rstd};
}

}  // namespace

int register_norm_overrides(torch::Library &lib) {
  g_op_rms_norm = g_host->prof_register_op("aten::rms_norm");
  g_op_layer_norm = g_host->prof_register_op("aten::native_layer_norm");
  lib.impl("native_layer_norm", TORCH_FN(aio_native_layer_norm));
  // Leaked on purpose, as the module's own library (module.cpp).
  auto *composite = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::CompositeImplicitAutograd,
                                       __FILE__, __LINE__);
  composite->impl("rms_norm", TORCH_FN(aio_rms_norm));
  g_host->log(AIO_LOG_DEBUG, "norm: %s, %s", g_kernels.rmsnorm[AIO_ROW_F32].name, g_kernels.f32_layernorm.name);
  return 2;
}

}  // namespace aio
