// torch.ops.aio.gptq_linear: a Linear layer stored as a GPTQ checkpoint
// stores it (the AutoGPTQ / transformers "v1" packing), run on aio's int4
// kernels (4-bit) or int8 kernels (8-bit):
//
//   aio::gptq_linear(Tensor x, Tensor qweight, Tensor qzeros, Tensor scales,
//                    Tensor g_idx, int bits, Tensor? bias=None) -> Tensor
//
//   qweight int32 [K / (32/bits), N]: K values per column, bits each, low first
//   qzeros  int32 [groups, N / (32/bits)]: zero point minus 1, packed along N
//   scales  float [groups, N]; g_idx int [K]: the group of each input column
//   W[n][k] = scales[g_idx[k]][n] * (q[k][n] - (qzeros[g_idx[k]][n] + 1))
//   y = x @ W^T + bias, in x's dtype (computed in fp32).
//
// 4-bit: the columns are sorted by g_idx (act-order checkpoints) once, so
// each group is a run of K; x is gathered into that order on each call.
// Groups that are not equal runs of a multiple of 8 columns after sorting,
// or other devices/dtypes, run the composite (dequantize, then linear):
// slower, same math. 8-bit: dequantized once and requantized per output
// channel for the int8 x int8 kernel (aio_qd8_gemm.h); the extra rounding
// is at most half an int8 step of the row's largest weight.
// Packed forms live in the weight cache (weight_cache_get_made): an
// in-place change of any of the four tensors repacks.
#include <ATen/Functions.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "gemm_int4.h"
#include "gemm_lowp.h"
#include "norm_rows.h"
#include "overrides.h"
#include "weight_cache.h"

namespace aio {
namespace {

int g_op_gptq;

struct GptqShape {
  int64_t k, n, groups, pf;
};

GptqShape check_gptq_args(const at::Tensor &x, const at::Tensor &qw, const at::Tensor &qz, const at::Tensor &sc,
                          const at::Tensor &gi, int64_t bits, const std::optional<at::Tensor> &bias) {
  TORCH_CHECK(bits == 4 || bits == 8, "aio::gptq_linear: bits must be 4 or 8, got ", bits);
  const int64_t pf = 32 / bits;
  TORCH_CHECK(qw.dim() == 2 && qw.scalar_type() == at::kInt, "aio::gptq_linear: qweight must be 2-D int32, got ",
              qw.scalar_type(), " ", qw.sizes());
  const int64_t k = qw.size(0) * pf, n = qw.size(1);
  TORCH_CHECK(at::isFloatingType(x.scalar_type()) && x.dim() >= 1 && x.size(-1) == k,
              "aio::gptq_linear: x must be floating point with last dim ", k, " (qweight rows * ", pf, "), got ",
              x.scalar_type(), " ", x.sizes());
  TORCH_CHECK(sc.dim() == 2 && sc.size(1) == n && sc.size(0) >= 1 && at::isFloatingType(sc.scalar_type()),
              "aio::gptq_linear: scales must be float [groups, ", n, "], got ", sc.scalar_type(), " ", sc.sizes());
  const int64_t groups = sc.size(0);
  TORCH_CHECK(qz.dim() == 2 && qz.scalar_type() == at::kInt && qz.size(0) == groups && qz.size(1) * pf >= n &&
                  qz.size(1) == (n + pf - 1) / pf,
              "aio::gptq_linear: qzeros must be int32 [", groups, ", ", (n + pf - 1) / pf, "], got ",
              qz.scalar_type(), " ", qz.sizes());
  TORCH_CHECK(gi.dim() == 1 && gi.size(0) == k && !at::isFloatingType(gi.scalar_type()) &&
                  gi.scalar_type() != at::kBool,
              "aio::gptq_linear: g_idx must be integer [", k, "], got ", gi.scalar_type(), " ", gi.sizes());
  if (bias && bias->defined())
    TORCH_CHECK(bias->dim() == 1 && bias->size(0) == n, "aio::gptq_linear: bias must be [", n, "], got ",
                bias->sizes());
  return {k, n, groups, pf};
}

// Unpacked checkpoint, in plain arrays: q[k][n], zero[g][n] (with the +1),
// scale[g][n], gidx[k] (checked in range).
struct Unpacked {
  std::vector<uint8_t> q;
  std::vector<float> zero, scale;
  std::vector<int64_t> gidx;
};

Unpacked unpack(const at::Tensor &qw, const at::Tensor &qz, const at::Tensor &sc, const at::Tensor &gi,
                int64_t bits, const GptqShape &s) {
  Unpacked u;
  const at::Tensor qwc = qw.contiguous(), qzc = qz.contiguous();
  const at::Tensor scf = sc.to(at::kFloat).contiguous(), gic = gi.to(at::kLong).contiguous();
  const int32_t *pq = qwc.const_data_ptr<int32_t>(), *pz = qzc.const_data_ptr<int32_t>();
  const uint32_t mask = (1u << bits) - 1;
  u.q.resize(size_t(s.k * s.n));
  at::parallel_for(0, s.k, 64, [&](int64_t k0, int64_t k1) {
    for (int64_t i = k0; i < k1; i++)
      for (int64_t o = 0; o < s.n; o++)
        u.q[size_t(i * s.n + o)] = uint8_t((uint32_t(pq[(i / s.pf) * s.n + o]) >> (bits * (i % s.pf))) & mask);
  });
  u.zero.resize(size_t(s.groups * s.n));
  for (int64_t g = 0; g < s.groups; g++)
    for (int64_t o = 0; o < s.n; o++)
      u.zero[size_t(g * s.n + o)] =
          float(((uint32_t(pz[g * qzc.size(1) + o / s.pf]) >> (bits * (o % s.pf))) & mask) + 1);
  u.scale.assign(scf.const_data_ptr<float>(), scf.const_data_ptr<float>() + s.groups * s.n);
  u.gidx.assign(gic.const_data_ptr<int64_t>(), gic.const_data_ptr<int64_t>() + s.k);
  for (int64_t v : u.gidx)
    TORCH_CHECK(v >= 0 && v < s.groups, "aio::gptq_linear: g_idx value ", v, " outside [0, ", s.groups, ")");
  return u;
}

at::Tensor dequant_f32(const Unpacked &u, const GptqShape &s) {  // W[n][k]
  at::Tensor w = at::empty({s.n, s.k}, at::TensorOptions().dtype(at::kFloat));
  float *pw = w.mutable_data_ptr<float>();
  at::parallel_for(0, s.n, 16, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++)
      for (int64_t i = 0; i < s.k; i++) {
        const size_t gi = size_t(u.gidx[size_t(i)] * s.n + o);
        pw[o * s.k + i] = u.scale[gi] * (float(u.q[size_t(i * s.n + o)]) - u.zero[gi]);
      }
  });
  return w;
}

std::shared_ptr<PackedWeight> alloc(size_t bytes) {
  auto p = std::make_shared<PackedWeight>();
  if (bytes == 0 || posix_memalign(&p->buf, 64, bytes) != 0) return nullptr;
  return p;
}

// 4-bit: columns sorted by group; nullptr when the groups are not equal
// runs of a multiple of 8 (the composite then runs).
std::shared_ptr<PackedWeight> pack4(const Unpacked &u, const GptqShape &s) {
  std::vector<int64_t> perm(size_t(s.k));
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return u.gidx[a] < u.gidx[b]; });
  const int64_t g0 = u.gidx[perm[0]];
  int64_t G = 0;
  while (G < s.k && u.gidx[perm[G]] == g0) G++;
  if (!aio_qc4w_group_ok(G)) return nullptr;
  for (int64_t p = 0; p < s.k; p++)
    if (u.gidx[perm[p]] != u.gidx[perm[(p / G) * G]] || (p % G == 0 && p && u.gidx[perm[p]] == u.gidx[perm[p - 1]]))
      return nullptr;
  const int64_t ng = (s.k + G - 1) / G;
  std::vector<uint8_t> q(size_t(s.n * s.k));
  std::vector<float> scale(size_t(s.n * ng)), zero(size_t(s.n * ng));
  at::parallel_for(0, s.n, 16, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
      for (int64_t p = 0; p < s.k; p++) q[size_t(o * s.k + p)] = u.q[size_t(perm[p] * s.n + o)];
      for (int64_t lg = 0; lg < ng; lg++) {
        const int64_t g = u.gidx[perm[lg * G]];
        scale[size_t(o * ng + lg)] = u.scale[size_t(g * s.n + o)];
        zero[size_t(o * ng + lg)] = u.zero[size_t(g * s.n + o)];
      }
    }
  });
  auto p = alloc(aio_qc4w_pack_bytes(s.n, s.k, G));
  if (!p) return nullptr;
  const int rc = aio_qc4w_pack_q(q.data(), s.k, scale.data(), zero.data(), ng, s.n, s.k, G, p->buf, &p->pw, 0, s.n);
  if (rc != 0) return nullptr;
  bool identity = true;
  for (int64_t i = 0; i < s.k && identity; i++) identity = perm[i] == i;
  if (!identity) p->perm = std::move(perm);
  return p;
}

std::shared_ptr<PackedWeight> pack8(const Unpacked &u, const GptqShape &s) {
  if (s.k > AIO_QD8_MAX_K) return nullptr;
  at::Tensor w = dequant_f32(u, s);
  auto p = alloc(aio_wpack_bytes(AIO_WFMT_QC8, s.n, s.k));
  if (!p || aio_wpack(AIO_WFMT_QC8, w.const_data_ptr<float>(), s.k, s.n, s.k, p->buf, &p->pw) != 0) return nullptr;
  return p;
}

// What the packed form depends on besides qweight: where the other
// tensors are, their versions, and a few of their bytes.
uint64_t digest(std::initializer_list<const at::Tensor *> ts) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const at::Tensor *t : ts) {
    mix(reinterpret_cast<uintptr_t>(t->const_data_ptr()));
    mix(t->is_inference() ? 0 : t->unsafeGetTensorImpl()->version_counter().current_version());
    const at::Tensor c = t->contiguous();
    const size_t bytes = size_t(c.numel()) * c.element_size();
    const unsigned char *b = static_cast<const unsigned char *>(c.const_data_ptr());
    for (int i = 0; i < 32 && bytes; i++) mix(b[(bytes - 1) * size_t(i) / 31]);
  }
  return h;
}

at::Tensor composite(const at::Tensor &x, const Unpacked &u, const GptqShape &s, const std::optional<at::Tensor> &bias) {
  at::Tensor w = dequant_f32(u, s);
  at::Tensor y = at::matmul(x.to(at::kFloat), w.t());
  if (bias && bias->defined()) y = at::add(y, bias->to(at::kFloat));
  return y.to(x.scalar_type());
}

void run_qc8(const aio_f32_gemm_args &g, const aio_packed_weight &pw) {
  const aio_qd8_gemm_config &k = g_kernels.qd8w;
  const int64_t ldq = aio_qd8_row_bytes(g.k);
  std::vector<uint8_t> qa(size_t(g.m * ldq));
  std::vector<float> sa(size_t(g.m));
  k.quantize(g.a, g.lda, g.k, k.a_offset, qa.data(), ldq, sa.data(), 0, g.m);
  aio_qd8_gemm_args q{g.m, qa.data(), ldq, sa.data(), &pw, g.c, g.ldc, g.s, g.s_stride_m, g.s_stride_n,
                      g.alpha, g.beta};
  run_batched_tiles(1, g.m, g.n, g.k, k.mr, k.nr, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k.fn(&q, m0, m1, n0, n1);
  });
}

at::Tensor gptq_linear_cpu(const at::Tensor &x, const at::Tensor &qw, const at::Tensor &qz, const at::Tensor &sc,
                           const at::Tensor &gi, int64_t bits, const std::optional<at::Tensor> &bias) {
  const GptqShape s = check_gptq_args(x, qw, qz, sc, gi, bits, bias);
  OpCall call(g_op_gptq);
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = s.n;
  const int64_t M = s.k ? x.numel() / s.k : 0;
  int r = AIO_ACCELERATED;
  if (!is_plain_cpu(x) || !is_plain_cpu(qw) || !is_plain_cpu(qz) || !is_plain_cpu(sc) || !is_plain_cpu(gi) ||
      (bias && bias->defined() && !is_plain_cpu(*bias)))
    r = AIO_FB_DEVICE;
  else if (M == 0 || s.n == 0 || s.k == 0)
    r = AIO_FB_EMPTY;
  else if (x.scalar_type() == at::kDouble)
    r = AIO_FB_DTYPE;  // double stays double: the composite
  std::shared_ptr<const PackedWeight> packed;
  if (!r) {
    const int fmt = bits == 4 ? AIO_WFMT_QC4 : AIO_WFMT_QC8;
    packed = weight_cache_get_made(qw, qw.size(0), qw.size(1), fmt, digest({&qz, &sc, &gi}), [&] {
      const Unpacked u = unpack(qw, qz, sc, gi, bits, s);
      return bits == 4 ? pack4(u, s) : pack8(u, s);
    });
    if (!packed) r = AIO_FB_LAYOUT;  // groups the int4 format cannot hold, or no memory
  }
  if (r) {
    call.fallback(r);
    if (M == 0 || s.n == 0) return at::zeros(out_shape, x.options());
    return composite(x, unpack(qw, qz, sc, gi, bits, s), s, bias).reshape(out_shape);
  }
  at::Tensor x2 = x.reshape({M, s.k}).to(at::kFloat).contiguous();
  if (!packed->perm.empty())
    x2 = x2.index_select(1, at::from_blob(const_cast<int64_t *>(packed->perm.data()), {s.k}, at::kLong));
  at::Tensor b32;
  if (bias && bias->defined()) b32 = bias->to(at::kFloat).contiguous();
  at::Tensor y = at::empty({M, s.n}, x.options().dtype(at::kFloat));
  aio_f32_gemm_args g{};
  g.m = M, g.n = s.n, g.k = s.k;
  g.a = x2.const_data_ptr<float>(), g.lda = s.k;
  g.c = y.mutable_data_ptr<float>(), g.ldc = s.n;
  g.s = b32.defined() ? b32.const_data_ptr<float>() : nullptr;
  g.s_stride_m = 0, g.s_stride_n = 1;
  g.alpha = 1.f, g.beta = b32.defined() ? 1.f : 0.f;
  if (bits == 4)
    run_qc4(g, packed->pw);
  else
    run_qc8(g, packed->pw);
  return y.to(x.scalar_type()).reshape(out_shape);
}

at::Tensor gptq_linear_meta(const at::Tensor &x, const at::Tensor &qw, const at::Tensor &qz, const at::Tensor &sc,
                            const at::Tensor &gi, int64_t bits, const std::optional<at::Tensor> &bias) {
  const GptqShape s = check_gptq_args(x, qw, qz, sc, gi, bits, bias);
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = s.n;
  return at::empty(out_shape, x.options());
}

using GptqFn = at::Tensor(const at::Tensor &, const at::Tensor &, const at::Tensor &, const at::Tensor &,
                          const at::Tensor &, int64_t, const std::optional<at::Tensor> &);

const c10::TypedOperatorHandle<GptqFn> &gptq_op() {
  static auto op = c10::Dispatcher::singleton().findSchemaOrThrow("aio::gptq_linear", "").typed<GptqFn>();
  return op;
}

struct GptqForwardOnly : torch::autograd::Function<GptqForwardOnly> {
  static at::Tensor forward(torch::autograd::AutogradContext *, const at::Tensor &x, const at::Tensor &qw,
                            const at::Tensor &qz, const at::Tensor &sc, const at::Tensor &gi, int64_t bits,
                            const std::optional<at::Tensor> &bias) {
    at::AutoDispatchBelowADInplaceOrView guard;
    return gptq_op().call(x, qw, qz, sc, gi, bits, bias);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *, torch::autograd::variable_list) {
    TORCH_CHECK(false, "aio::gptq_linear is forward-only (inference): it has no backward.");
  }
};

at::Tensor gptq_linear_autograd(const at::Tensor &x, const at::Tensor &qw, const at::Tensor &qz, const at::Tensor &sc,
                                const at::Tensor &gi, int64_t bits, const std::optional<at::Tensor> &bias) {
  const bool grad = c10::GradMode::is_enabled() &&
                    (x.requires_grad() || sc.requires_grad() || (bias && bias->defined() && bias->requires_grad()));
  if (grad) return GptqForwardOnly::apply(x, qw, qz, sc, gi, bits, bias);
  at::AutoDispatchBelowADInplaceOrView guard;
  return gptq_op().call(x, qw, qz, sc, gi, bits, bias);
}

}  // namespace

int register_gptq_op() {
  g_op_gptq = g_host->prof_register_op("aio::gptq_linear");
  auto *def = new torch::Library(torch::Library::FRAGMENT, "aio", std::nullopt, __FILE__, __LINE__);
  def->def("gptq_linear(Tensor x, Tensor qweight, Tensor qzeros, Tensor scales, Tensor g_idx, int bits, "
           "Tensor? bias=None) -> Tensor");
  auto *cpu = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::CPU, __FILE__, __LINE__);
  cpu->impl("gptq_linear", TORCH_FN(gptq_linear_cpu));
  auto *meta = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::Meta, __FILE__, __LINE__);
  meta->impl("gptq_linear", TORCH_FN(gptq_linear_meta));
  auto *ag = new torch::Library(torch::Library::IMPL, "aio", c10::DispatchKey::Autograd, __FILE__, __LINE__);
  ag->impl("gptq_linear", TORCH_FN(gptq_linear_autograd));
  g_host->log(AIO_LOG_DEBUG, "custom ops: aio::gptq_linear (4-bit %s, 8-bit %s)",
              g_kernels.qc4w.isa_required ? g_kernels.qc4w.name : "aio_f32_qc4w_gemm__ref", g_kernels.qd8w.name);
  return 1;
}

}  // namespace aio
