// aten::_embedding_bag and aten::_embedding_bag_forward_only (nn.EmbeddingBag,
// F.embedding_bag) and aten::embedding (nn.Embedding) at the CPU key.
//
// aten::embedding_bag is CompositeImplicitAutograd: it calls
// _embedding_bag_forward_only when the weight does not require grad and
// _embedding_bag otherwise (an nn.Parameter under no_grad included). Both
// have CPU kernels below autograd, so overriding them keeps autograd intact;
// whenever a gradient could be recorded (grad mode on and the weight or the
// per-sample weights require grad) the call goes to stock unchanged, so
// training, dense or sparse, is stock's, bit for bit.
//
// We return the same four tensors as stock (output, offset2bag, bag_size,
// max_indices) with stock's shapes and values. Any input stock would reject
// (an index out of range, bad offsets, mismatched dtypes) is handed to
// stock, which raises its own error: the kernels never see such input, so
// they never read outside the table.
//
// The EmbeddingBag filters keep a compressed copy of fp32 tables in the
// weight cache (never stale, weight_cache.h): AIO_QUANTIZE_INT8_FILTER uint8
// rows with a per-row scale and bias, else the FP16 / BF16 filters 16-bit
// rows. Output stays fp32.
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_embedding_bag_cpu_dispatch.h>
#include <ATen/ops/_embedding_bag_forward_only_cpu_dispatch.h>
#include <ATen/ops/embedding_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include <vector>

#include "embedding_table.h"
#include "norm_rows.h"
#include "overrides.h"
#include "weight_cache.h"

namespace aio {
namespace {

int g_op_bag, g_op_bag_fwd, g_op_embedding;
// fp32 tables up to this size stay on stock under the compression filters
// (policy, docs/never-slower.md): the L3 of the machine measured (32 MiB).
constexpr size_t kCacheResidentTableBytes = size_t(32) << 20;
int g_table_fmt = AIO_EMB_F32;  // what fp32 tables are kept as (the filters)

using Tuple4 = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor>;

int emb_dt(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return AIO_DT_F32;
    case at::kHalf: return AIO_DT_F16;
    case at::kBFloat16: return AIO_DT_BF16;
    default: return -1;
  }
}

bool may_record_grad(const at::Tensor &w, const std::optional<at::Tensor> &psw) {
  if (w._fw_grad(0).defined()) return true;
  if (!c10::GradMode::is_enabled()) return false;
  return w.requires_grad() || (psw && psw->defined() && psw->requires_grad());
}

// Offsets start at 0, never decrease and end within the indices (with
// include_last_offset: at their end); every index lies in [0, rows). Counts
// the rows of each bag that are not padding into cnt (size bags).
template <typename I>
bool valid_input(const I *idx, int64_t n, const I *off, int64_t noff, int64_t bags, bool last_offset, int64_t rows,
                 int64_t padding_idx, std::vector<int64_t> &cnt) {
  if (noff > 0 && off[0] != 0) return false;
  for (int64_t b = 1; b < noff; b++)
    if (off[b] < off[b - 1]) return false;
  if (noff > 0 && int64_t(off[noff - 1]) > n) return false;
  if (last_offset && int64_t(off[noff - 1]) != n) return false;
  bool ok = true;
  for (int64_t j = 0; j < n; j++) ok &= idx[j] >= 0 && int64_t(idx[j]) < rows;
  if (!ok) return false;
  cnt.assign(size_t(bags), 0);
  for (int64_t b = 0; b < bags; b++) {
    const int64_t j1 = b + 1 < noff ? int64_t(off[b + 1]) : n;
    int64_t c = j1 - int64_t(off[b]);
    if (padding_idx >= 0)
      for (int64_t j = off[b]; j < j1; j++) c -= idx[j] == padding_idx;
    cnt[size_t(b)] = c;
  }
  return true;
}

struct BagPlan {
  int64_t bags = 0, dim = 0;
  std::vector<int64_t> cnt;  // rows per bag that are not padding
};

int plan_bag(const at::Tensor &w, const at::Tensor &idx, const at::Tensor &off, int64_t mode,
             const std::optional<at::Tensor> &psw, bool last_offset, int64_t padding_idx, BagPlan &p) {
  if (!is_plain_cpu(w) || !is_plain_cpu(idx) || !is_plain_cpu(off)) return AIO_FB_DEVICE;
  const bool has_psw = psw && psw->defined();
  if (has_psw && !is_plain_cpu(*psw)) return AIO_FB_DEVICE;
  if (may_record_grad(w, psw)) return AIO_FB_ARGS;  // training: stock records its backward state
  if (emb_dt(w.scalar_type()) < 0) return AIO_FB_DTYPE;
  const auto it = idx.scalar_type();
  if ((it != at::kLong && it != at::kInt) || off.scalar_type() != it) return AIO_FB_DTYPE;
  if (w.dim() != 2 || idx.dim() != 1 || off.dim() != 1) return AIO_FB_SHAPE;
  if (mode < 0 || mode > 2) return AIO_FB_ARGS;
  if (has_psw && (mode != 0 || psw->scalar_type() != w.scalar_type() || psw->dim() != 1 ||
                  psw->numel() != idx.numel()))
    return AIO_FB_ARGS;
  if (last_offset && off.size(0) < 1) return AIO_FB_ARGS;
  if (w.stride(1) != 1 || w.stride(0) < w.size(1) || !idx.is_contiguous() || !off.is_contiguous() ||
      (has_psw && !psw->is_contiguous()))
    return AIO_FB_STRIDES;
  p.bags = last_offset ? off.size(0) - 1 : off.size(0);
  p.dim = w.size(1);
  if (p.bags == 0 || p.dim == 0 || idx.numel() == 0 || w.size(0) == 0) return AIO_FB_EMPTY;
  // Stock's fast path (fbgemm's JIT gather-reduce: uncompressed sum/mean
  // without padding_idx) measured 1.6-4x faster than our kernel on this VM
  // (docs/never-slower.md); its max mode and padding_idx path are scalar
  // loops on one thread, which ours beats. Compressed tables are the user's
  // choice (memory) and always run here.
  const bool compressed = w.scalar_type() == at::kFloat && g_table_fmt != AIO_EMB_F32;
  if (!compressed && mode != 2 && padding_idx < 0 && !g_host->config->ignore_policy) return AIO_FB_POLICY;
  // A compressed copy only pays where rows come from DRAM: an fp32 table
  // that fits the last-level cache is read at cache speed by stock, and our
  // kernel's per-row work then dominates (100K x 32, b2048 x 40: int8 0.27x
  // stock fp32, 1 thread). The fp32 table is still there (the compressed
  // form is a second copy), so stock runs on it, exactly, and no copy is made.
  if (compressed && mode != 2 && padding_idx < 0 && !g_host->config->ignore_policy &&
      size_t(w.size(0)) * size_t(w.stride(0)) * sizeof(float) <= kCacheResidentTableBytes)
    return AIO_FB_POLICY;
  const bool ok = it == at::kLong
                      ? valid_input(idx.const_data_ptr<int64_t>(), idx.numel(), off.const_data_ptr<int64_t>(),
                                    off.size(0), p.bags, last_offset, w.size(0), padding_idx, p.cnt)
                      : valid_input(idx.const_data_ptr<int32_t>(), idx.numel(), off.const_data_ptr<int32_t>(),
                                    off.size(0), p.bags, last_offset, w.size(0), padding_idx, p.cnt);
  if (!ok) return AIO_FB_ARGS;  // stock raises its own error
  return AIO_ACCELERATED;
}

template <typename I>
void fill_offset2bag(I *o2b, const I *off, int64_t noff, int64_t bags, int64_t n) {
  for (int64_t b = 0; b < bags; b++) {
    const int64_t j1 = b + 1 < noff ? int64_t(off[b + 1]) : n;
    for (int64_t j = off[b]; j < j1; j++) o2b[j] = I(b);
  }
}

Tuple4 run_bag(const at::Tensor &w, const at::Tensor &idx, const at::Tensor &off, int64_t mode,
               const std::optional<at::Tensor> &psw, bool last_offset, int64_t padding_idx, bool grad_variant,
               const BagPlan &p) {
  const bool idx64 = idx.scalar_type() == at::kLong;
  const int dt = emb_dt(w.scalar_type());
  const bool has_psw = psw && psw->defined();
  const int64_t n = idx.numel(), noff = off.size(0);
  at::Tensor out = at::empty({p.bags, p.dim}, w.options());

  // Stock's auxiliary outputs (EmbeddingBag.cpp: make_offset2bag, make_bag_size,
  // make_max_indices): offset2bag only off its fast sum path, bag_size the
  // non-padding counts for mean/max (zeros for sum), max_indices the argmax
  // rows for max and a copy of bag_size otherwise.
  const bool fast_sum = padding_idx < 0;
  at::Tensor o2b = at::empty({mode != 0 || !fast_sum ? n : 0}, off.options());
  if (o2b.numel()) {
    if (idx64)
      fill_offset2bag(o2b.mutable_data_ptr<int64_t>(), off.const_data_ptr<int64_t>(), noff, p.bags, n);
    else
      fill_offset2bag(o2b.mutable_data_ptr<int32_t>(), off.const_data_ptr<int32_t>(), noff, p.bags, n);
  }
  at::Tensor bag_size = at::zeros({grad_variant || mode != 0 ? p.bags : noff}, off.options());
  if (mode != 0)
    for (int64_t b = 0; b < p.bags; b++) {
      if (idx64) bag_size.mutable_data_ptr<int64_t>()[b] = p.cnt[size_t(b)];
      else bag_size.mutable_data_ptr<int32_t>()[b] = int32_t(p.cnt[size_t(b)]);
    }
  at::Tensor max_idx = mode == 2 ? at::empty({p.bags, p.dim}, off.options()) : bag_size.clone();

  aio_embedding_bag_args a{};
  int fmt = dt == AIO_DT_F32 ? AIO_EMB_F32 : dt == AIO_DT_F16 ? AIO_EMB_F16 : AIO_EMB_BF16;
  a.table = w.const_data_ptr();
  a.ld = w.stride(0);
  std::shared_ptr<const PackedWeight> packed;
  if (dt == AIO_DT_F32 && g_table_fmt != AIO_EMB_F32) {
    packed = weight_cache_get(w, w.const_data_ptr<float>(), w.size(0), p.dim, w.stride(0), kTableFmtBase + g_table_fmt);
    if (packed) {
      fmt = g_table_fmt;
      a.table = packed->pw.data;
      a.ld = packed->pw.kp;
      a.scale_bias = packed->pw.scales;
      a.sb_ld = packed->pw.kp / int64_t(sizeof(float));  // QU8's pairs are inline, one a row
    }
  }
  a.dim = p.dim;
  a.indices = idx.const_data_ptr();
  a.n_indices = n;
  a.offsets = off.const_data_ptr();
  a.n_offsets = noff;
  a.idx64 = idx64;
  a.mode = int(mode);
  a.padding_idx = padding_idx;
  a.weights = has_psw ? psw->const_data_ptr() : nullptr;
  a.weights_dt = dt;
  a.out = out.mutable_data_ptr();
  a.ldo = p.dim;
  a.out_dt = dt;
  a.max_idx = mode == 2 ? max_idx.mutable_data_ptr() : nullptr;
  const aio_embedding_bag_fn fn = g_kernels.embedding_bag[fmt].fn;
  // Bags in parallel; a chunk holds about 16K row elements at least.
  const int64_t per_bag = std::max<int64_t>(1, n / p.bags * p.dim);
  const int64_t grain = std::max<int64_t>(1, 16384 / per_bag);
  at::parallel_for(0, p.bags, grain, [&](int64_t b0, int64_t b1) {
    std::vector<float> scratch(AIO_EMB_SCRATCH);
    fn(&a, b0, b1, scratch.data());
  });
  return {out, o2b, bag_size, max_idx};
}

template <bool kGradVariant>
Tuple4 aio_embedding_bag(const at::Tensor &w, const at::Tensor &idx, const at::Tensor &off, bool scale_grad_by_freq,
                         int64_t mode, bool sparse, const std::optional<at::Tensor> &psw, bool last_offset,
                         int64_t padding_idx) {
  OpCall call(kGradVariant ? g_op_bag : g_op_bag_fwd);
  BagPlan p;
  if (int r = plan_bag(w, idx, off, mode, psw, last_offset, padding_idx, p)) {
    call.fallback(r);
    if (kGradVariant)
      return at::cpu::_embedding_bag(w, idx, off, scale_grad_by_freq, mode, sparse, psw, last_offset, padding_idx);
    return at::cpu::_embedding_bag_forward_only(w, idx, off, scale_grad_by_freq, mode, sparse, psw, last_offset,
                                                padding_idx);
  }
  return run_bag(w, idx, off, mode, psw, last_offset, padding_idx, kGradVariant, p);
}

// ---- aten::embedding -------------------------------------------------------

int plan_embedding(const at::Tensor &w, const at::Tensor &idx) {
  if (!is_plain_cpu(w) || !is_plain_cpu(idx)) return AIO_FB_DEVICE;
  if (may_record_grad(w, std::nullopt)) return AIO_FB_ARGS;
  if (emb_dt(w.scalar_type()) < 0) return AIO_FB_DTYPE;
  if (idx.scalar_type() != at::kLong && idx.scalar_type() != at::kInt) return AIO_FB_DTYPE;
  if (w.dim() != 2) return AIO_FB_SHAPE;
  if (w.stride(1) != 1 || w.stride(0) < w.size(1) || !idx.is_contiguous()) return AIO_FB_STRIDES;
  if (idx.numel() == 0 || w.size(1) == 0) return AIO_FB_EMPTY;
  // A row gather is a memcpy per row either way; stock's index_select
  // measured as fast or faster (docs/never-slower.md).
  if (!g_host->config->ignore_policy) return AIO_FB_POLICY;
  const int64_t rows = w.size(0), n = idx.numel();
  bool ok = true;
  if (idx.scalar_type() == at::kLong) {
    const int64_t *p = idx.const_data_ptr<int64_t>();
    for (int64_t j = 0; j < n; j++) ok &= p[j] >= 0 && p[j] < rows;
  } else {
    const int32_t *p = idx.const_data_ptr<int32_t>();
    for (int64_t j = 0; j < n; j++) ok &= p[j] >= 0 && p[j] < rows;
  }
  if (!ok) return AIO_FB_ARGS;  // stock raises "index out of range"
  return AIO_ACCELERATED;
}

// padding_idx only changes the gradient: the forward is a gather.
at::Tensor aio_embedding(const at::Tensor &w, const at::Tensor &idx, c10::SymInt padding_idx, bool scale_grad_by_freq,
                         bool sparse) {
  OpCall call(g_op_embedding);
  if (int r = plan_embedding(w, idx)) {
    call.fallback(r);
    return at::compositeexplicitautograd::embedding_symint(w, idx, padding_idx, scale_grad_by_freq, sparse);
  }
  std::vector<int64_t> shape(idx.sizes().begin(), idx.sizes().end());
  shape.push_back(w.size(1));
  at::Tensor out = at::empty(shape, w.options());
  aio_embedding_bag_args a{};
  a.table = w.const_data_ptr();
  a.ld = w.stride(0);
  a.dim = w.size(1);
  a.indices = idx.const_data_ptr();
  a.n_indices = idx.numel();
  a.idx64 = idx.scalar_type() == at::kLong;
  a.out = out.mutable_data_ptr();
  a.ldo = w.size(1);
  a.out_dt = emb_dt(w.scalar_type());
  const int64_t grain = std::max<int64_t>(1, 32768 / a.dim);
  at::parallel_for(0, a.n_indices, grain, [&](int64_t i0, int64_t i1) { aio_embedding_gather(&a, i0, i1); });
  return out;
}

}  // namespace

int register_embedding_overrides(torch::Library &lib) {
  const aio_config *cfg = g_host->config;
  if (g_host->filter_match(&cfg->quantize_int8, "EmbeddingBag"))
    g_table_fmt = AIO_EMB_QU8;
  else if (g_host->filter_match(&cfg->implicit_fp16, "EmbeddingBag"))
    g_table_fmt = AIO_EMB_F16;
  else if (g_host->filter_match(&cfg->implicit_bf16, "EmbeddingBag"))
    g_table_fmt = AIO_EMB_BF16;
  g_op_bag = g_host->prof_register_op("aten::_embedding_bag");
  g_op_bag_fwd = g_host->prof_register_op("aten::_embedding_bag_forward_only");
  g_op_embedding = g_host->prof_register_op("aten::embedding");
  lib.impl("_embedding_bag", TORCH_FN(aio_embedding_bag<true>));
  lib.impl("_embedding_bag_forward_only", TORCH_FN(aio_embedding_bag<false>));
  lib.impl("embedding", TORCH_FN(aio_embedding));
  g_host->log(AIO_LOG_DEBUG, "EmbeddingBag: %s tables (%s)",
              g_table_fmt == AIO_EMB_QU8   ? "uint8 per-row"
              : g_table_fmt == AIO_EMB_F16 ? "fp16"
              : g_table_fmt == AIO_EMB_BF16 ? "bf16"
                                            : "fp32",
              g_kernels.embedding_bag[g_table_fmt].name);
  return 3;
}

}  // namespace aio
