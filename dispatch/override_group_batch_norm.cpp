// aten::native_group_norm (nn.GroupNorm, F.group_norm) and
// aten::native_batch_norm (nn.BatchNorm*d in eval mode; nn.InstanceNorm*d,
// which instance_norm reshapes to a training-mode batch norm over a
// (1, N*C, ...) tensor without running stats) on CPU.
//
// Both ops have their own CPU kernels, so we override them at the CPU key:
// autograd stays above us and saves the mean/rstd we return exactly as it
// saves stock's; meta/fake tensors never reach a CPU kernel. Everything we
// do not cover calls the stock CPU kernel directly (at::cpu::..., no
// dispatcher, no recursion).
//
// The statistics are the routine LayerNorm uses too (aio_moments.h): exact
// on constant and one-element groups, no cancellation when |mean| >> std.
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/native_batch_norm_cpu_dispatch.h>
#include <ATen/ops/native_group_norm_cpu_dispatch.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "norm_rows.h"
#include "overrides.h"

namespace aio {
namespace {

int g_op_group_norm, g_op_batch_norm;
bool g_ignore_policy = false;

enum class Layout { kContiguous, kChannelsLast, kOther };

// NCHW-contiguous or channels_last (2-D: NHWC, 3-D: NDHWC) of a 3-D..5-D
// tensor; a 2-D/3-D NC(L) tensor counts as contiguous only.
Layout layout_of(const at::Tensor &x) {
  if (x.is_contiguous()) return Layout::kContiguous;
  if (x.dim() == 4 && x.is_contiguous(at::MemoryFormat::ChannelsLast)) return Layout::kChannelsLast;
  if (x.dim() == 5 && x.is_contiguous(at::MemoryFormat::ChannelsLast3d)) return Layout::kChannelsLast;
  return Layout::kOther;
}

at::MemoryFormat memory_format(const at::Tensor &x, Layout l) {
  if (l != Layout::kChannelsLast) return at::MemoryFormat::Contiguous;
  return x.dim() == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::ChannelsLast3d;
}

// An optional fp32 parameter of c contiguous elements (or absent).
int check_param(const std::optional<at::Tensor> &t, int64_t c) {
  if (!t || !t->defined()) return AIO_ACCELERATED;
  if (!is_plain_cpu(*t)) return AIO_FB_DEVICE;
  if (t->scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  if (t->numel() != c) return AIO_FB_SHAPE;
  if (!t->is_contiguous()) return AIO_FB_STRIDES;
  return AIO_ACCELERATED;
}

const float *param_ptr(const std::optional<at::Tensor> &t) {
  return t && t->defined() ? t->const_data_ptr<float>() : nullptr;
}

template <typename F>
void parallel_items(int64_t items, int64_t item_elems, const F &f) {
  parallel_rows(items, item_elems, f);
}

// ---- aten::native_group_norm ------------------------------------------------

int plan_group_norm(const at::Tensor &x, const std::optional<at::Tensor> &w, const std::optional<at::Tensor> &b,
                    int64_t N, int64_t C, int64_t HxW, int64_t group, Layout &lay) {
  if (!is_plain_cpu(x)) return AIO_FB_DEVICE;
  if (x.scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  if (x.numel() == 0) return AIO_FB_EMPTY;
  // Stock checks these and raises its own message: let it.
  if (x.dim() < 2 || group <= 0 || C % group != 0 || x.size(0) != N || x.size(1) != C || N * C * HxW != x.numel())
    return AIO_FB_SHAPE;
  for (const auto *t : {&w, &b})
    if (int r = check_param(*t, C)) return r;
  lay = layout_of(x);
  if (lay == Layout::kOther) return AIO_FB_STRIDES;
  // channels_last statistics run over D-channel segments per pixel: 0.01-0.03x
  // of stock in bench/bench_group_batch_norm.py (docs/never-slower.md).
  if (lay == Layout::kChannelsLast && !g_ignore_policy) return AIO_FB_POLICY;
  return AIO_ACCELERATED;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> aio_native_group_norm(const at::Tensor &x,
                                                                     const std::optional<at::Tensor> &w,
                                                                     const std::optional<at::Tensor> &b,
                                                                     c10::SymInt N_, c10::SymInt C_, c10::SymInt HxW_,
                                                                     int64_t group, double eps) {
  OpCall call(g_op_group_norm);
  const auto N = N_.maybe_as_int(), C = C_.maybe_as_int(), HxW = HxW_.maybe_as_int();
  Layout lay = Layout::kOther;
  const int r = (!N || !C || !HxW) ? AIO_FB_SHAPE : plan_group_norm(x, w, b, *N, *C, *HxW, group, lay);
  if (r) {
    call.fallback(r);
    return at::cpu::native_group_norm_symint(x, w, b, N_, C_, HxW_, group, eps);
  }
  const int64_t n = *N, c = *C, hw = *HxW, G = group, D = c / G;
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(memory_format(x, lay)));
  at::Tensor mean = at::empty({n, G}, x.options().memory_format(at::MemoryFormat::Contiguous));
  at::Tensor rstd = at::empty({n, G}, x.options().memory_format(at::MemoryFormat::Contiguous));
  const float *xp = x.const_data_ptr<float>(), *wp = param_ptr(w), *bp = param_ptr(b);
  float *yp = y.mutable_data_ptr<float>(), *mp = mean.mutable_data_ptr<float>(), *rp = rstd.mutable_data_ptr<float>();
  const aio_f32_stats_config k = g_kernels.f32_stats;
  const float feps = float(eps);
  if (lay == Layout::kContiguous) {
    // Row (n, g) is D*hw contiguous elements; channel c of it, hw of them.
    parallel_items(n * G, D * hw, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        float m, v;
        k.moments(xp + i * D * hw, D * hw, 1, D * hw, &m, &v);
        const float rs = 1.f / std::sqrt(v + feps);
        mp[i] = m, rp[i] = rs;
        for (int64_t d = 0; d < D; d++) {
          const int64_t ch = (i % G) * D + d, off = (i * D + d) * hw;
          k.apply(xp + off, yp + off, hw, m, wp ? rs * wp[ch] : rs, bp ? bp[ch] : 0.f);
        }
      }
    });
    return {y, mean, rstd};
  }
  // channels_last: image n is hw pixels of c channels; group g is D of them.
  parallel_items(n * G, D * hw, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      float m, v;
      k.moments(xp + (i / G) * hw * c + (i % G) * D, D, hw, c, &m, &v);
      mp[i] = m, rp[i] = 1.f / std::sqrt(v + feps);
    }
  });
  parallel_items(n, c * hw, [&](int64_t n0, int64_t n1) {
    std::vector<float> mc(c), sc(c), tc(c);
    for (int64_t i = n0; i < n1; i++) {
      for (int64_t ch = 0; ch < c; ch++) {
        const int64_t g = i * G + ch / D;
        mc[ch] = mp[g];
        sc[ch] = wp ? rp[g] * wp[ch] : rp[g];
        tc[ch] = bp ? bp[ch] : 0.f;
      }
      k.apply_ch(xp + i * hw * c, yp + i * hw * c, c, hw, mc.data(), sc.data(), tc.data());
    }
  });
  return {y, mean, rstd};
}

// ---- aten::native_batch_norm ------------------------------------------------

// Eval (running stats given, training false): y = (x - rm) * w/sqrt(rv + eps) + b.
// Training without running stats (what InstanceNorm runs): batch statistics,
// returned as save_mean/save_invstd for the stock backward. Training that
// updates running stats stays on stock (it writes them in place).
int plan_batch_norm(const at::Tensor &x, const std::optional<at::Tensor> &w, const std::optional<at::Tensor> &b,
                    const std::optional<at::Tensor> &rm, const std::optional<at::Tensor> &rv, bool training,
                    Layout &lay) {
  if (!is_plain_cpu(x)) return AIO_FB_DEVICE;
  if (x.scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  if (x.dim() < 2) return AIO_FB_SHAPE;
  if (x.numel() == 0) return AIO_FB_EMPTY;
  const int64_t c = x.size(1);
  const bool has_rm = rm && rm->defined(), has_rv = rv && rv->defined();
  if (training) {
    if (has_rm || has_rv) return AIO_FB_ARGS;
    if (x.numel() / c < 2) return AIO_FB_SHAPE;  // stock raises "Expected more than 1 value per channel"
  } else {
    if (!has_rm || !has_rv) return AIO_FB_ARGS;  // stock raises or uses batch stats
    for (const auto *t : {&rm, &rv})
      if (int r = check_param(*t, c)) return r;
  }
  for (const auto *t : {&w, &b})
    if (int r = check_param(*t, c)) return r;
  lay = layout_of(x);
  if (lay == Layout::kOther) return AIO_FB_STRIDES;
  if (training && lay == Layout::kChannelsLast) return AIO_FB_STRIDES;  // stock's per-channel pass is better there
  // Eval NCHW: stock's per-plane loop measured as fast or faster (0.2-0.7x
  // in one run, even in another): stock (docs/never-slower.md).
  if (!training && lay == Layout::kContiguous && !g_ignore_policy) return AIO_FB_POLICY;
  return AIO_ACCELERATED;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> aio_native_batch_norm(
    const at::Tensor &x, const std::optional<at::Tensor> &w, const std::optional<at::Tensor> &b,
    const std::optional<at::Tensor> &rm, const std::optional<at::Tensor> &rv, bool training, double momentum,
    double eps) {
  OpCall call(g_op_batch_norm);
  Layout lay = Layout::kOther;
  if (int r = plan_batch_norm(x, w, b, rm, rv, training, lay)) {
    call.fallback(r);
    return at::cpu::native_batch_norm(x, w, b, rm, rv, training, momentum, eps);
  }
  const int64_t n = x.size(0), c = x.size(1), hw = x.numel() / (n * c);
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(memory_format(x, lay)));
  const float *xp = x.const_data_ptr<float>(), *wp = param_ptr(w), *bp = param_ptr(b);
  float *yp = y.mutable_data_ptr<float>();
  const aio_f32_stats_config k = g_kernels.f32_stats;
  const float feps = float(eps);
  at::Tensor save_mean, save_invstd;
  std::vector<float> mc(c), sc(c), tc(c);
  if (training) {
    save_mean = at::empty({c}, x.options());
    save_invstd = at::empty({c}, x.options());
    float *sm = save_mean.mutable_data_ptr<float>(), *si = save_invstd.mutable_data_ptr<float>();
    parallel_items(c, n * hw, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ch++) {
        float m, v;
        k.moments(xp + ch * hw, hw, n, c * hw, &m, &v);
        sm[ch] = m, si[ch] = 1.f / std::sqrt(v + feps);
      }
    });
    for (int64_t ch = 0; ch < c; ch++) mc[ch] = sm[ch], sc[ch] = si[ch];
  } else {
    // Stock returns empty save tensors in eval mode.
    save_mean = at::empty({0}, x.options());
    save_invstd = at::empty({0}, x.options());
    const float *rmp = rm->const_data_ptr<float>(), *rvp = rv->const_data_ptr<float>();
    for (int64_t ch = 0; ch < c; ch++) mc[ch] = rmp[ch], sc[ch] = 1.f / std::sqrt(rvp[ch] + feps);
  }
  for (int64_t ch = 0; ch < c; ch++) {
    if (wp) sc[ch] *= wp[ch];
    tc[ch] = bp ? bp[ch] : 0.f;
  }
  if (lay == Layout::kContiguous) {
    parallel_items(n * c, hw, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        const int64_t ch = i % c;
        k.apply(xp + i * hw, yp + i * hw, hw, mc[ch], sc[ch], tc[ch]);
      }
    });
  } else {
    const int64_t pixels = n * hw;
    const int64_t block = std::max<int64_t>(1, 4096 / c);  // pixels per work item
    parallel_items((pixels + block - 1) / block, block * c, [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; bi++) {
        const int64_t p0 = bi * block, p1 = std::min(pixels, p0 + block);
        k.apply_ch(xp + p0 * c, yp + p0 * c, c, p1 - p0, mc.data(), sc.data(), tc.data());
      }
    });
  }
  return {y, save_mean, save_invstd};
}

}  // namespace

bool ignore_policy() { return g_host->config->ignore_policy != 0; }

int register_group_batch_norm_overrides(torch::Library &lib) {
  g_op_group_norm = g_host->prof_register_op("aten::native_group_norm");
  g_op_batch_norm = g_host->prof_register_op("aten::native_batch_norm");
  g_ignore_policy = ignore_policy();
  lib.impl("native_group_norm", TORCH_FN(aio_native_group_norm));
  lib.impl("native_batch_norm", TORCH_FN(aio_native_batch_norm));
  g_host->log(AIO_LOG_DEBUG, "group/batch norm: %s", g_kernels.f32_stats.name);
  return 2;
}

}  // namespace aio
