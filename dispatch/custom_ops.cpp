// torch.ops.aio.rms_norm and torch.ops.aio.rope: fused inference ops the
// product spec adds ("New custom op: RMSNorm / RoPE"), defined here with
// their own schemas:
//
//   aio::rms_norm(Tensor input, Tensor? weight=None, float eps=1e-6) -> Tensor
//       input * rsqrt(mean(input^2, -1) + eps) * weight over the last dim.
//   aio::rope(Tensor query_states, Tensor position_ids, float theta=10000.0) -> Tensor
//       Llama rotate_half RoPE of query_states [batch, heads, seq, head_dim]
//       at position_ids [batch or 1, seq].
//
// Kernels: CPU (fused, computed in fp32 for f32/bf16/f16; any other
// floating dtype or layout the kernels do not cover runs a composite of
// aten ops, slower but the same math), Meta (shapes only, for FakeTensor
// and torch.compile), Autograd (forward-only: backward raises a clear
// error instead of returning a wrong gradient). Results are contiguous.
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <memory>
#include <mutex>
#include <vector>

#include "norm_rows.h"
#include "overrides.h"

namespace aio {
namespace {

int g_op_aio_rms_norm, g_op_aio_rope;

// ---- shape checks shared by the CPU and Meta kernels ----------------------

int64_t check_rms_norm_args(const at::Tensor &x, const std::optional<at::Tensor> &w) {
  TORCH_CHECK(x.dim() >= 1, "aio::rms_norm: input must have at least one dimension");
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "aio::rms_norm: input must be floating point, got ",
              x.scalar_type());
  const int64_t n = x.size(-1);
  if (w && w->defined())
    TORCH_CHECK(w->dim() == 1 && w->size(0) == n, "aio::rms_norm: weight must be 1-D with input.size(-1) = ", n,
                " elements, got shape ", w->sizes());
  return n;
}

void check_rope_args(const at::Tensor &q, const at::Tensor &pos) {
  TORCH_CHECK(q.dim() == 4, "aio::rope: query_states must be [batch, heads, seq, head_dim], got shape ", q.sizes());
  TORCH_CHECK(q.size(3) % 2 == 0, "aio::rope: head_dim must be even, got ", q.size(3));
  TORCH_CHECK(at::isFloatingType(q.scalar_type()), "aio::rope: query_states must be floating point, got ",
              q.scalar_type());
  TORCH_CHECK(pos.dim() == 2 && pos.size(1) == q.size(2) && (pos.size(0) == q.size(0) || pos.size(0) == 1),
              "aio::rope: position_ids must be [batch or 1, seq] = [", q.size(0), " or 1, ", q.size(2),
              "], got shape ", pos.sizes());
  TORCH_CHECK(!pos.is_complex() && pos.scalar_type() != at::kBool, "aio::rope: position_ids must be integer or float");
}

// ---- composites: any dtype/layout, the reference math in aten ops ---------

at::ScalarType compute_type(at::ScalarType t) { return t == at::kDouble ? at::kDouble : at::kFloat; }

at::Tensor rms_norm_composite(const at::Tensor &x, const std::optional<at::Tensor> &w, double eps) {
  at::Tensor xf = x.to(compute_type(x.scalar_type()));
  at::Tensor y = xf * at::rsqrt(xf.pow(2).mean({-1}, true) + eps);
  if (w && w->defined()) y = y * w->to(xf.scalar_type());
  return y.to(x.scalar_type()).contiguous();
}

at::Tensor rope_composite(const at::Tensor &q, const at::Tensor &pos, double theta) {
  const auto ct = compute_type(q.scalar_type());
  const int64_t d = q.size(3), half = d / 2;
  // inv_freq as the Llama reference computes it (fp32), then the angles.
  at::Tensor inv = 1.0 / at::pow(theta, at::arange(0, d, 2, q.options().dtype(at::kFloat)) / double(d));
  at::Tensor freqs = pos.to(ct).unsqueeze(-1) * inv.to(ct);
  at::Tensor emb = at::cat({freqs, freqs}, -1).unsqueeze(1);
  at::Tensor qf = q.to(ct);
  at::Tensor rot = at::cat({-qf.narrow(-1, half, half), qf.narrow(-1, 0, half)}, -1);
  return (qf * emb.cos() + rot * emb.sin()).to(q.scalar_type()).contiguous();
}

// ---- aio::rms_norm --------------------------------------------------------

at::Tensor rms_norm_cpu(const at::Tensor &x, const std::optional<at::Tensor> &w, double eps) {
  const int64_t n = check_rms_norm_args(x, w);
  OpCall call(g_op_aio_rms_norm);
  const int dt = row_dtype(x.scalar_type());
  int r = AIO_ACCELERATED;
  if (dt < 0) r = AIO_FB_DTYPE;
  else if (!is_plain_cpu(x) || (w && w->defined() && !is_plain_cpu(*w))) r = AIO_FB_DEVICE;
  else if (x.numel() == 0) r = AIO_FB_EMPTY;
  if (r) {
    call.fallback(r);
    return rms_norm_composite(x, w, eps);
  }
  // Rows with a stride pattern the kernel does not take are copied once:
  // still one fused pass after that.
  int64_t ldx = row_stride(x, n);
  at::Tensor xc = ldx < 0 ? x.contiguous() : x;
  if (ldx < 0) ldx = n;
  at::Tensor wc;
  if (w && w->defined()) wc = w->to(x.scalar_type()).contiguous();  // weight in the input's dtype
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  run_rmsnorm(dt, xc.const_data_ptr(), ldx, wc.defined() ? wc.const_data_ptr() : nullptr, y.mutable_data_ptr(),
              x.numel() / n, n, float(eps));
  return y;
}

at::Tensor rms_norm_meta(const at::Tensor &x, const std::optional<at::Tensor> &w, double eps) {
  check_rms_norm_args(x, w);
  return at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
}

// ---- aio::rope --------------------------------------------------------------

// cos/sin tables per (theta, head_dim), one row per position, built once
// and grown by doubling as larger positions arrive (decode adds one a
// step). Positions beyond kRopeMaxPositions, or negative, use the composite.
constexpr int64_t kRopeMaxPositions = int64_t(1) << 17;
constexpr size_t kRopeMaxTables = 8;

struct RopeTable {
  double theta;
  int64_t half, rows;
  std::vector<float> inv_freq, cos, sin;
};

std::mutex g_rope_mu;
std::vector<std::shared_ptr<const RopeTable>> g_rope_tables;

std::shared_ptr<const RopeTable> rope_table(double theta, int64_t half, int64_t max_pos) {
  std::lock_guard<std::mutex> lock(g_rope_mu);
  std::shared_ptr<const RopeTable> old;
  size_t slot = g_rope_tables.size();
  for (size_t i = 0; i < g_rope_tables.size(); i++)
    if (g_rope_tables[i]->theta == theta && g_rope_tables[i]->half == half) {
      if (g_rope_tables[i]->rows > max_pos) return g_rope_tables[i];
      old = g_rope_tables[i];
      slot = i;
    }
  auto t = std::make_shared<RopeTable>();
  t->theta = theta, t->half = half;
  t->rows = std::min(kRopeMaxPositions, std::max<int64_t>({max_pos + 1, old ? 2 * old->rows : 0, 256}));
  t->inv_freq.resize(half);
  aio_rope_inv_freq(theta, half, t->inv_freq.data());
  t->cos.resize(size_t(t->rows * half));
  t->sin.resize(size_t(t->rows * half));
  int64_t have = 0;
  if (old) {
    have = old->rows;
    std::copy(old->cos.begin(), old->cos.end(), t->cos.begin());
    std::copy(old->sin.begin(), old->sin.end(), t->sin.begin());
  }
  RopeTable *tp = t.get();
  parallel_rows(t->rows - have, half * 16, [&](int64_t p0, int64_t p1) {
    aio_rope_table_rows(tp->inv_freq.data(), half, have + p0, have + p1, tp->cos.data(), tp->sin.data());
  });
  if (slot < g_rope_tables.size()) {
    g_rope_tables[slot] = t;
  } else {
    if (g_rope_tables.size() >= kRopeMaxTables) g_rope_tables.erase(g_rope_tables.begin());
    g_rope_tables.push_back(t);
  }
  return t;
}

at::Tensor rope_cpu(const at::Tensor &q, const at::Tensor &pos_ids, double theta) {
  check_rope_args(q, pos_ids);
  OpCall call(g_op_aio_rope);
  const int dt = row_dtype(q.scalar_type());
  const int64_t B = q.size(0), H = q.size(1), S = q.size(2), half = q.size(3) / 2;
  int r = AIO_ACCELERATED;
  if (dt < 0) r = AIO_FB_DTYPE;
  else if (!is_plain_cpu(q) || !is_plain_cpu(pos_ids)) r = AIO_FB_DEVICE;
  else if (q.numel() == 0) r = AIO_FB_EMPTY;
  else if (at::isFloatingType(pos_ids.scalar_type())) r = AIO_FB_ARGS;  // fractional positions: no table
  at::Tensor pos;
  int64_t lo = 0, hi = 0;
  if (!r) {
    pos = pos_ids.to(at::kLong).expand({B, S}).contiguous();
    const int64_t *p = pos.const_data_ptr<int64_t>();
    lo = hi = p[0];
    for (int64_t i = 1; i < B * S; i++) lo = std::min(lo, p[i]), hi = std::max(hi, p[i]);
    if (lo < 0 || hi >= kRopeMaxPositions) r = AIO_FB_ARGS;
  }
  if (r) {
    call.fallback(r);
    return rope_composite(q, pos_ids, theta);
  }
  at::Tensor qc = q.stride(3) == 1 ? q : q.contiguous();
  auto table = rope_table(theta, half, hi);
  at::Tensor y = at::empty(q.sizes(), q.options().memory_format(at::MemoryFormat::Contiguous));
  const aio_rope_args a{B,
                        H,
                        S,
                        half,
                        qc.const_data_ptr(),
                        qc.stride(0),
                        qc.stride(1),
                        qc.stride(2),
                        y.mutable_data_ptr(),
                        pos.const_data_ptr<int64_t>(),
                        table->cos.data(),
                        table->sin.data()};
  const aio_rope_fn fn = g_kernels.rope[dt].fn;
  parallel_rows(B * H * S, 2 * half, [&](int64_t r0, int64_t r1) { fn(&a, r0, r1); });
  return y;
}

at::Tensor rope_meta(const at::Tensor &q, const at::Tensor &pos, double theta) {
  check_rope_args(q, pos);
  return at::empty(q.sizes(), q.options().memory_format(at::MemoryFormat::Contiguous));
}

// ---- Autograd: forward-only ------------------------------------------------

const c10::TypedOperatorHandle<at::Tensor(const at::Tensor &, const std::optional<at::Tensor> &, double)> &
rms_norm_op() {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("aio::rms_norm", "")
                       .typed<at::Tensor(const at::Tensor &, const std::optional<at::Tensor> &, double)>();
  return op;
}

const c10::TypedOperatorHandle<at::Tensor(const at::Tensor &, const at::Tensor &, double)> &rope_op() {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("aio::rope", "")
                       .typed<at::Tensor(const at::Tensor &, const at::Tensor &, double)>();
  return op;
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The output gets a grad_fn whose backward refuses: training code that
// reaches these ops learns it at once rather than getting zero gradients.
struct RmsNormForwardOnly : torch::autograd::Function<RmsNormForwardOnly> {
  static at::Tensor forward(AutogradContext *, const at::Tensor &x, const std::optional<at::Tensor> &w, double eps) {
    at::AutoDispatchBelowADInplaceOrView guard;
    return rms_norm_op().call(x, w, eps);
  }
  static variable_list backward(AutogradContext *, variable_list) {
    TORCH_CHECK(false, "aio::rms_norm is forward-only (inference): it has no backward. "
                       "For training use torch.nn.functional.rms_norm or torch.nn.RMSNorm.");
  }
};

struct RopeForwardOnly : torch::autograd::Function<RopeForwardOnly> {
  static at::Tensor forward(AutogradContext *, const at::Tensor &q, const at::Tensor &pos, double theta) {
    at::AutoDispatchBelowADInplaceOrView guard;
    return rope_op().call(q, pos, theta);
  }
  static variable_list backward(AutogradContext *, variable_list) {
    TORCH_CHECK(false, "aio::rope is forward-only (inference): it has no backward. "
                       "For training apply rotary embeddings with regular torch ops.");
  }
};

at::Tensor rms_norm_autograd(const at::Tensor &x, const std::optional<at::Tensor> &w, double eps) {
  const bool grad = c10::GradMode::is_enabled() && (x.requires_grad() || (w && w->defined() && w->requires_grad()));
  if (grad) return RmsNormForwardOnly::apply(x, w, eps);
  at::AutoDispatchBelowADInplaceOrView guard;
  return rms_norm_op().call(x, w, eps);
}

at::Tensor rope_autograd(const at::Tensor &q, const at::Tensor &pos, double theta) {
  if (c10::GradMode::is_enabled() && q.requires_grad()) return RopeForwardOnly::apply(q, pos, theta);
  at::AutoDispatchBelowADInplaceOrView guard;
  return rope_op().call(q, pos, theta);
}

}  // namespace

int register_custom_ops() {
  g_op_aio_rms_norm = g_host->prof_register_op("aio::rms_norm");
  g_op_aio_rope = g_host->prof_register_op("aio::rope");
  // Leaked on purpose, as the module's own library (module.cpp).
  auto *def = new torch::Library(torch::Library::DEF, "aio", std::nullopt, __FILE__, __LINE__);
  def->def("rms_norm(Tensor input, Tensor? weight=None, float eps=1e-06) -> Tensor");
  def->def("rope(Tensor query_states, Tensor position_ids, float theta=10000.0) -> Tensor");
  auto *cpu = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::CPU, __FILE__, __LINE__);
  cpu->impl("rms_norm", TORCH_FN(rms_norm_cpu));
  cpu->impl("rope", TORCH_FN(rope_cpu));
  auto *meta = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::Meta, __FILE__, __LINE__);
  meta->impl("rms_norm", TORCH_FN(rms_norm_meta));
  meta->impl("rope", TORCH_FN(rope_meta));
  auto *ag = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::Autograd, __FILE__, __LINE__);
  ag->impl("rms_norm", TORCH_FN(rms_norm_autograd));
  ag->impl("rope", TORCH_FN(rope_autograd));
  g_host->log(AIO_LOG_DEBUG, "custom ops: aio::rms_norm (%s), aio::rope (%s)", g_kernels.rmsnorm[AIO_ROW_F32].name,
              g_kernels.rope[AIO_ROW_F32].name);
  return 2 + register_gptq_op();  // custom_op_gptq.cpp
}

}  // namespace aio
