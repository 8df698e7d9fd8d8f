// Shared by the activation and softmax overrides: element types the
// kernels take, and splitting a run of work over the intra-op pool.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

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

}  // namespace aio
