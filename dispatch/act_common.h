// Shared by the activation, softmax and elementwise overrides: element
// types the kernels take, splitting a run of work over the intra-op pool,
// and the functional / in-place / out= forms of a unary elementwise op over
// a dense run of memory (g_kernels.act slots).
#pragma once

#include <ATen/EmptyTensor.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <cmath>

#include "dispatch_common.h"

namespace aio {

// The kernels' element type for t, or -1. 16-bit types only where allowed.
inline int act_dtype(const at::Tensor &t, bool allow16) {
  switch (t.scalar_type()) {
    case at::kFloat: return AIO_DT_F32;
    case at::kHalf: return allow16 ? AIO_DT_F16 : -1;
    case at::kBFloat16: return allow16 ? AIO_DT_BF16 : -1;
    default: return -1;
  }
}

// Device, layout, dtype and lazy-negation checks common to every override.
inline int act_check_tensor(const at::Tensor &t, bool allow16, int &dt) {
  if (!t.device().is_cpu()) return AIO_FB_DEVICE;
  if (t.layout() != at::kStrided) return AIO_FB_LAYOUT;
  dt = act_dtype(t, allow16);
  if (dt < 0 || t.is_neg() || t.is_conj()) return AIO_FB_DTYPE;
  return AIO_ACCELERATED;
}

// Runs body(begin, end) over [0, n), split over the pool in chunks of at
// least `grain`; below that (and inside a parallel region, or in a fork
// child with a dead pool) on the calling thread: waking the pool costs a
// few microseconds, more than small tensors take.
template <typename Body>
void act_parallel(int64_t n, int64_t grain, const Body &body) {
  if (n <= grain || at::get_num_threads() <= 1 || at::in_parallel_region() || !parallel_is_safe()) {
    body(0, n);
    return;
  }
  at::parallel_for(0, n, grain, body);
}


// One elementwise op's override settings and profiler rows.
struct ActOp {
  int op;             // enum aio_act_op
  bool allow16;       // fp16/bf16 accelerated too
  int64_t grain;      // elements per thread at least (act_parallel)
  int64_t max_numel;  // never-slower: above this, stock (0: no limit)
  int id_fn, id_inplace, id_out;
};

inline int act_plan_input(const ActOp &a, const at::Tensor &x, int &dt) {
  if (int r = act_check_tensor(x, a.allow16, dt)) return r;
  if (x.numel() == 0) return AIO_FB_EMPTY;
  if (!x.is_non_overlapping_and_dense()) return AIO_FB_STRIDES;
  if (a.max_numel && x.numel() > a.max_numel) return AIO_FB_POLICY;
  return AIO_ACCELERATED;
}

// out= must be exactly x's shape, strides and dtype (stock resizes or
// restrides otherwise) and either be x itself or not overlap it.
inline int act_plan_out(const at::Tensor &x, const at::Tensor &out) {
  if (!out.device().is_cpu() || out.layout() != at::kStrided || out.scalar_type() != x.scalar_type() ||
      out.is_neg() || out.is_conj())
    return AIO_FB_OUT;
  if (out.sizes() != x.sizes() || out.strides() != x.strides()) return AIO_FB_OUT;
  auto st = at::get_overlap_status(out, x);
  if (st == at::MemOverlapStatus::Partial || st == at::MemOverlapStatus::TooHard) return AIO_FB_OUT;
  if (st == at::MemOverlapStatus::Full && out.const_data_ptr() != x.const_data_ptr()) return AIO_FB_OUT;
  return AIO_ACCELERATED;
}

inline void act_run(const ActOp &a, int dt, const void *x, void *y, int64_t n, float p0, float p1) {
  const aio_act_args args{x, y, dt, p0, p1};
  const aio_act_fn fn = g_kernels.act[a.op].fn;
  act_parallel(n, a.grain, [&](int64_t b, int64_t e) { fn(&args, size_t(b), size_t(e)); });
}

// The three forms, each with the stock kernel to defer to. `argfail`: a
// reason the arguments already rule the kernel out (0: none).
template <typename Stock>
at::Tensor act_functional(const ActOp &a, const at::Tensor &x, float p0, float p1, int argfail, Stock stock) {
  OpCall call(a.id_fn);
  int dt = 0;
  int r = argfail ? argfail : act_plan_input(a, x, dt);
  if (r) {
    call.fallback(r);
    return stock();
  }
  // Same strides as x (dense, any order), as TensorIterator gives stock.
  at::Tensor y(at::detail::empty_strided_cpu(x.sizes(), x.strides(), x.scalar_type()));
  act_run(a, dt, x.const_data_ptr(), y.mutable_data_ptr(), x.numel(), p0, p1);
  return y;
}

template <typename Stock>
at::Tensor &act_inplace(const ActOp &a, at::Tensor &x, float p0, float p1, int argfail, Stock stock) {
  OpCall call(a.id_inplace);
  int dt = 0;
  int r = argfail ? argfail : act_plan_input(a, x, dt);
  if (r) {
    call.fallback(r);
    return stock();
  }
  act_run(a, dt, x.const_data_ptr(), x.mutable_data_ptr(), x.numel(), p0, p1);
  return x;
}

template <typename Stock>
at::Tensor &act_out_form(const ActOp &a, const at::Tensor &x, at::Tensor &out, float p0, float p1, int argfail,
                     Stock stock) {
  OpCall call(a.id_out);
  int dt = 0;
  int r = argfail ? argfail : act_plan_input(a, x, dt);
  if (!r) r = act_plan_out(x, out);
  if (r) {
    call.fallback(r);
    return stock();
  }
  act_run(a, dt, x.const_data_ptr(), out.mutable_data_ptr(), x.numel(), p0, p1);
  return out;
}

// A real, finite-or-infinite scalar as float; NaN bounds or slopes are left
// to stock (its NaN propagation through clamp differs in operand order).
inline int scalar_arg(const at::Scalar &s, float &v) {
  if (s.isComplex() || s.isBoolean()) return AIO_FB_ARGS;
  v = s.to<float>();
  return std::isnan(v) ? AIO_FB_ARGS : AIO_ACCELERATED;
}

}  // namespace aio
