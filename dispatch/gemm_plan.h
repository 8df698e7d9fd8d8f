// What addmm/mm (override_gemm.cpp) and bmm/baddbmm (override_bmm.cpp)
// check alike before a product goes to the fp32 GEMM kernel.
#pragma once

#include <ATen/core/Tensor.h>

#include "dispatch_common.h"

namespace aio {

// A plain fp32 CPU tensor, or the fallback reason why not.
inline int check_plain_f32(const at::Tensor &t) {
  if (!t.device().is_cpu()) return AIO_FB_DEVICE;
  if (t.layout() != at::kStrided) return AIO_FB_LAYOUT;
  if (t.scalar_type() != at::kFloat || t.is_neg() || t.is_conj()) return AIO_FB_DTYPE;
  return AIO_ACCELERATED;
}

// Fills g for C = beta*S + alpha*A@B over the last two dimensions of a
// ([.., M, K]) and b ([.., K, N]): sizes, scalars and operand strides; S and
// C are the caller's. A needs unit stride along K; B is either W[N][K] (a
// transposed view, unit stride along K) or row-major [K][N].
inline int plan_product(const at::Tensor &a, const at::Tensor &b, bool has_self, const at::Scalar &beta,
                        const at::Scalar &alpha, aio_f32_gemm_args &g) {
  if (beta.isComplex() || alpha.isComplex() || beta.isBoolean() || alpha.isBoolean()) return AIO_FB_ARGS;
  const int da = a.dim(), db = b.dim();
  const int64_t M = a.size(da - 2), K = a.size(da - 1), N = b.size(db - 1);
  g = aio_f32_gemm_args{};
  g.m = M, g.n = N, g.k = K;
  g.alpha = alpha.to<float>();
  g.beta = has_self ? beta.to<float>() : 0.f;
  if (g.alpha == 0.f) return AIO_FB_ARGS;  // stock skips A@B entirely then (NaN semantics)
  if (a.stride(da - 1) != 1 && K > 1) return AIO_FB_STRIDES;
  g.a = a.const_data_ptr<float>();
  g.lda = M > 1 ? a.stride(da - 2) : K;
  if (b.stride(db - 2) == 1 || K == 1) {
    g.b_trans = 1;
    g.ldb = N > 1 ? b.stride(db - 1) : K;
  } else if (b.stride(db - 1) == 1 || N == 1) {
    g.b_trans = 0;
    g.ldb = K > 1 ? b.stride(db - 2) : N;
  } else {
    return AIO_FB_STRIDES;
  }
  g.b = b.const_data_ptr<float>();
  return AIO_ACCELERATED;
}

}  // namespace aio
