// Converted (packed) weights, made once per weight tensor and reused.
//
// A cached form can never be stale: an entry is keyed by the weight's
// storage (held by a weak reference, so a freed storage's address cannot be
// reused by a new tensor while the entry exists, and a dead storage is seen
// as dead), its offset, sizes and strides; it is valid only while the
// tensor's version counter (bumped by every in-place op, load_state_dict
// included) and a sampled fingerprint of its values (which catches writes
// through `.data` or numpy that bypass the counter) are unchanged.
//
// Admission takes two sightings: a weight is packed the second time the
// same unchanged tensor is used, so activations (new every call) are never
// converted. Memory is bounded by AIO_WEIGHT_CACHE_MB, least recently used
// first out.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <vector>

extern "C" {
#include "aio_bf16_gemm.h"
#include "aio_f32_gemm.h"
#include "aio_wgemm.h"
}

namespace aio {

struct PackedWeight {
  aio_packed_weight pw{};
  void *buf = nullptr;
  std::vector<int64_t> perm;  // checkpoint forms: the order of K the packed form wants (empty: as is)
  PackedWeight() = default;
  PackedWeight(const PackedWeight &) = delete;
  PackedWeight &operator=(const PackedWeight &) = delete;
  ~PackedWeight();
};

// A format id for fp32 weights packed as the f32 GEMM's panels (aio_f32_gemm.h,
// "Pre-packed operands", for the variant in use); not an aio_wfmt.
constexpr int AIO_WFMT_F32_PANELS = 32;
// Weights packed as the bf16-dot GEMM's pair panels (aio_bf16_gemm.h,
// "Pre-packed W"), from fp32 (implicit bf16) or bf16 (model.bfloat16()).
constexpr int AIO_WFMT_BF16_PANELS = 33;

// Embedding tables use the same entries: n rows of k elements, row stride
// ldw, fmt an embedding_table.h id (kTableFmtBase + enum aio_emb_fmt).
//
// w: the weight as W[N][K], element (j, p) at data + j*ldw + p (ldw >= K).
// fmt: an aio_wfmt, or AIO_WFMT_F32_PANELS.
// Returns the packed form in fmt, or nullptr (first sighting, a tensor
// without a version counter, or larger than the budget).
std::shared_ptr<const PackedWeight> weight_cache_get(const at::Tensor &b_view, const float *w, int64_t n, int64_t k,
                                                     int64_t ldw, int fmt);

// The same for an IEEE fp16 weight (model.half()), packed from its values
// widened to fp32.
std::shared_ptr<const PackedWeight> weight_cache_get_f16(const at::Tensor &b_view, const uint16_t *w, int64_t n,
                                                         int64_t k, int64_t ldw, int fmt);

// The same for a bf16 weight (model.bfloat16()), as AIO_WFMT_BF16_PANELS.
std::shared_ptr<const PackedWeight> weight_cache_get_bf16(const at::Tensor &b_view, const uint16_t *w, int64_t n,
                                                          int64_t k, int64_t ldw);
// A packed form the caller makes from a checkpoint's tensors (GPTQ):
// keyed and checked like the others on `key` (its storage, version and a
// fingerprint of its int32 elements, rows x cols), with `salt` mixed into
// the fingerprint (the caller's digest of the other tensors the form
// depends on). Admitted at the first sighting: a checkpoint has no float
// weight to fall back on. make() returns nullptr when it cannot pack.
std::shared_ptr<const PackedWeight> weight_cache_get_made(const at::Tensor &key, int64_t rows, int64_t cols,
                                                          int fmt, uint64_t salt,
                                                          const std::function<std::shared_ptr<PackedWeight>()> &make);

void weight_cache_init(size_t budget_bytes);
size_t weight_cache_bytes();

}  // namespace aio
