// Low-precision GEMM paths (gemm_lowp.cpp) and the batch x tile work split
// they share with override_bmm.cpp:
//   - explicit fp16/bf16 models (model.half(), model.bfloat16()): aten::addmm,
//     mm and bmm on Half/BFloat16 tensors;
//   - implicit bf16 (AIO_IMPLICIT_BF16_TRANSFORM_FILTER): MatMul (fp32 bmm)
//     and FullyConnected at large M on the bf16-dot kernel.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <algorithm>

#include "dispatch_common.h"

namespace aio {

// One batched fp32 problem: per-batch element offsets of A, B, S and C on
// top of a per-batch aio_f32_gemm_args (batch 1 for plain matrices).
struct BatchPlan {
  int64_t batch = 1;
  aio_f32_gemm_args g{};
  int64_t a_bs = 0, b_bs = 0, s_bs = 0, c_bs = 0;
};

// Products below this many multiply-adds stay on the calling thread.
constexpr int64_t kLowpSerialMacs = 1 << 18;

// MP x NP micro-panels into tm x tn = threads tiles, the largest as small as
// it can be (override_gemm.cpp); shared by the fp32 and bf16 GEMM paths.
void split_panels(int64_t threads, int64_t MP, int64_t NP, int64_t &tm, int64_t &tn);

// Splits batch x M x N over the intra-op pool: whole matrices per work item
// when there are enough batches, else each matrix cut into tiles (N first,
// then M) so every thread gets a few. tile(b, m0, m1, n0, n1).
template <typename Tile>
void run_batched_tiles(int64_t batch, int64_t M, int64_t N, int64_t K, int64_t mr, int64_t nr,
                       const Tile &tile) {
  mr = std::max<int64_t>(mr, 1), nr = std::max<int64_t>(nr, 1);
  const int64_t threads = at::get_num_threads();
  if (threads <= 1 || batch * M * N * K < kLowpSerialMacs || at::in_parallel_region() || !parallel_is_safe()) {
    for (int64_t b = 0; b < batch; b++) tile(b, 0, M, 0, N);
    return;
  }
  const int64_t want = threads * 4;
  int64_t n_tiles = 1, m_tiles = 1;
  if (batch < want) {
    const int64_t per = (want + batch - 1) / batch;
    n_tiles = std::min<int64_t>((N + nr - 1) / nr, per);
    m_tiles = std::min<int64_t>((M + mr - 1) / mr, std::max<int64_t>(1, per / n_tiles));
  }
  const int64_t n_tile = ((N + n_tiles - 1) / n_tiles + nr - 1) / nr * nr;
  const int64_t m_tile = ((M + m_tiles - 1) / m_tiles + mr - 1) / mr * mr;
  n_tiles = (N + n_tile - 1) / n_tile;
  m_tiles = (M + m_tile - 1) / m_tile;
  const int64_t per_batch = n_tiles * m_tiles;
  at::parallel_for(0, batch * per_batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      const int64_t b = t / per_batch, r = t % per_batch;
      const int64_t m0 = (r / n_tiles) * m_tile, n0 = (r % n_tiles) * n_tile;
      tile(b, m0, std::min(M, m0 + m_tile), n0, std::min(N, n0 + n_tile));
    }
  });
}

// Reads the filters once, at registration (register_bmm_overrides).
void lowp_init();

// Half or BFloat16 operands: the explicit-dtype entry points below apply.
bool lowp_is_explicit(const at::Tensor &a);

// Explicit fp16/bf16 addmm/mm (self == nullptr: mm; out == nullptr:
// functional, result set). Returns AIO_ACCELERATED, or why the caller
// must run stock.
int lowp_addmm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
               const at::Scalar &alpha, at::Tensor *out, at::Tensor &result);
// The same for bmm/baddbmm.
int lowp_bmm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
             const at::Scalar &alpha, at::Tensor *out, at::Tensor &result);

// Implicit bf16, MatMul: runs a planned fp32 bmm on the bf16-dot kernel
// when the filter asks for it and the shape gains; false: caller runs fp32.
bool lowp_matmul_bf16(const BatchPlan &p);

// Implicit bf16, FullyConnected at large M (called from override_gemm.cpp
// run_gemm): false when not enabled or not a gain here.
bool lowp_fc_bf16(const aio_f32_gemm_args &g, const at::Tensor *w = nullptr);

}  // namespace aio
