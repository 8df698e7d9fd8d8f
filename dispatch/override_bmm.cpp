// aten::bmm and aten::baddbmm (functional and out=), fp32: what
// torch.matmul reaches for 3-D x 3-D and (folded) 4-D inputs, e.g. the
// attention products Q @ K^T and P @ V, which arrive as transposed or
// expanded views. Each batch runs the fp32 GEMM kernel on its own
// pointers; work is split over batches first, then tiles. Other dtypes go
// to gemm_lowp (explicit bf16/fp16 and the MatMul filter's bf16 path);
// anything outside the kernels' contract goes to the stock CPU kernel.
#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/baddbmm_cpu_dispatch.h>
#include <ATen/ops/bmm_cpu_dispatch.h>
#include <ATen/ops/empty.h>

#include <algorithm>

#include "dispatch_common.h"
#include "gemm_plan.h"
#include "gemm_lowp.h"
#include "overrides.h"

namespace aio {
namespace {

int g_op_bmm, g_op_bmm_out, g_op_baddbmm, g_op_baddbmm_out;

int plan_bmm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
             const at::Scalar &alpha, BatchPlan &p) {
  if (int r = check_plain_f32(a)) return r;
  if (int r = check_plain_f32(b)) return r;
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1))
    return AIO_FB_SHAPE;  // stock reports the error
  const int64_t B = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
  if (B == 0 || M == 0 || N == 0 || K == 0) return AIO_FB_EMPTY;
  aio_f32_gemm_args &g = p.g;
  if (int r = plan_product(a, b, self != nullptr, beta, alpha, g)) return r;
  p.batch = B;
  p.a_bs = a.stride(0);
  p.b_bs = b.stride(0);
  if (self && self->defined()) {  // another dtype is an error in stock, even with beta == 0
    if (int r = check_plain_f32(*self)) return r;
  }
  if (self && self->defined() && g.beta != 0.f) {
    if (!at::is_expandable_to(self->sizes(), {B, M, N})) return AIO_FB_SHAPE;
    at::Tensor s = self->expand({B, M, N});
    g.s = s.const_data_ptr<float>();
    p.s_bs = s.stride(0);
    g.s_stride_m = s.stride(1);
    g.s_stride_n = s.stride(2);
  }
  return AIO_ACCELERATED;
}

// out must be a plain [B,M,N] tensor with row-major matrices that overlaps
// no input, except S exactly (in-place baddbmm).
int attach_out(at::Tensor &out, const at::Tensor *self, const at::Tensor &a, const at::Tensor &b,
               BatchPlan &p) {
  if (int r = check_plain_f32(out)) return r;
  aio_f32_gemm_args &g = p.g;
  if (out.dim() != 3 || out.size(0) != p.batch || out.size(1) != g.m || out.size(2) != g.n) return AIO_FB_OUT;
  if (out.stride(2) != 1 && g.n > 1) return AIO_FB_OUT;
  if (g.m > 1 && out.stride(1) < g.n) return AIO_FB_OUT;
  if (p.batch > 1 && out.stride(0) < (g.m - 1) * out.stride(1) + g.n) return AIO_FB_OUT;
  if (at::get_overlap_status(out, a) != at::MemOverlapStatus::No ||
      at::get_overlap_status(out, b) != at::MemOverlapStatus::No)
    return AIO_FB_OUT;
  if (g.s && self) {
    auto st = at::get_overlap_status(out, *self);
    bool exact = st == at::MemOverlapStatus::Full && self->sizes() == out.sizes() &&
                 self->strides() == out.strides();
    if (st != at::MemOverlapStatus::No && !exact) return AIO_FB_OUT;
  }
  g.c = out.mutable_data_ptr<float>();
  g.ldc = g.m > 1 ? out.stride(1) : g.n;
  p.c_bs = out.stride(0);
  return AIO_ACCELERATED;
}

void run_bmm(const BatchPlan &p) {
  const aio_f32_gemm_config &k = g_kernels.f32_gemm;
  run_batched_tiles(p.batch, p.g.m, p.g.n, p.g.k, k.mr, k.nr,
                    [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                      aio_f32_gemm_args g = p.g;
                      g.a += b * p.a_bs;
                      g.b += b * p.b_bs;
                      g.c += b * p.c_bs;
                      if (g.s) g.s += b * p.s_bs;
                      k.fn(&g, m0, m1, n0, n1);
                    });
}

// Measured against stock at attention shapes (bench/bench_bmm.py,
// docs/never-slower.md): with small matrices of more than a few rows
// (e.g. 12 x [32x64]@[64x32]) stock's batched GEMM wins by ~10%, our
// per-matrix packing and set-up being a large share of each product.
// Single rows (decode) and larger matrices measured faster here.
bool stock_is_faster(const BatchPlan &p) {
  const aio_f32_gemm_args &g = p.g;
  return g.m > 8 && g.m * g.n * g.k <= (int64_t(1) << 16);
}

// The fp32 path of all four entry points once the plan (and out) are set.
int try_fp32(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
             const at::Scalar &alpha, at::Tensor *out, at::Tensor &result) {
  BatchPlan p;
  if (int r = plan_bmm(self, a, b, beta, alpha, p)) return r;
  if (out) {
    if (int r = attach_out(*out, self, a, b, p)) return r;
  } else {
    result = at::empty({p.batch, p.g.m, p.g.n}, a.options());
    p.g.c = result.mutable_data_ptr<float>();
    p.g.ldc = p.g.n;
    p.c_bs = p.g.m * p.g.n;
  }
  if (lowp_matmul_bf16(p)) return AIO_ACCELERATED;
  if (stock_is_faster(p)) return AIO_FB_POLICY;
  run_bmm(p);
  return AIO_ACCELERATED;
}

int try_any(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
            const at::Scalar &alpha, at::Tensor *out, at::Tensor &result) {
  if (lowp_is_explicit(a)) return lowp_bmm(self, a, b, beta, alpha, out, result);
  return try_fp32(self, a, b, beta, alpha, out, result);
}

at::Tensor aio_bmm(const at::Tensor &a, const at::Tensor &b) {
  OpCall call(g_op_bmm);
  at::Tensor result;
  if (int r = try_any(nullptr, a, b, 0, 1, nullptr, result)) {
    call.fallback(r);
    return at::cpu::bmm(a, b);
  }
  return result;
}

at::Tensor &aio_bmm_out(const at::Tensor &a, const at::Tensor &b, at::Tensor &out) {
  OpCall call(g_op_bmm_out);
  at::Tensor unused;
  if (int r = try_any(nullptr, a, b, 0, 1, &out, unused)) {
    call.fallback(r);
    return at::cpu::bmm_outf(a, b, out);
  }
  return out;
}

at::Tensor aio_baddbmm(const at::Tensor &self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
                       const at::Scalar &alpha) {
  OpCall call(g_op_baddbmm);
  at::Tensor result;
  if (int r = try_any(&self, a, b, beta, alpha, nullptr, result)) {
    call.fallback(r);
    return at::cpu::baddbmm(self, a, b, beta, alpha);
  }
  return result;
}

at::Tensor &aio_baddbmm_out(const at::Tensor &self, const at::Tensor &a, const at::Tensor &b,
                            const at::Scalar &beta, const at::Scalar &alpha, at::Tensor &out) {
  OpCall call(g_op_baddbmm_out);
  at::Tensor unused;
  if (int r = try_any(&self, a, b, beta, alpha, &out, unused)) {
    call.fallback(r);
    return at::cpu::baddbmm_outf(self, a, b, beta, alpha, out);
  }
  return out;
}

}  // namespace

int register_bmm_overrides(torch::Library &lib) {
  lowp_init();
  g_op_bmm = g_host->prof_register_op("aten::bmm");
  g_op_bmm_out = g_host->prof_register_op("aten::bmm.out");
  g_op_baddbmm = g_host->prof_register_op("aten::baddbmm");
  g_op_baddbmm_out = g_host->prof_register_op("aten::baddbmm.out");
  lib.impl("bmm", TORCH_FN(aio_bmm));
  lib.impl("bmm.out", TORCH_FN(aio_bmm_out));
  lib.impl("baddbmm", TORCH_FN(aio_baddbmm));
  lib.impl("baddbmm.out", TORCH_FN(aio_baddbmm_out));
  return 4;
}

}  // namespace aio
