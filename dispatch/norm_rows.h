// Shared by override_norm.cpp (aten::rms_norm, aten::native_layer_norm) and
// custom_ops.cpp (aio::rms_norm, aio::rope): which tensors the row kernels
// take, how rows are split over threads.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <optional>

#include "dispatch_common.h"
extern "C" {
#include "aio_rope.h"
}

namespace aio {

// enum aio_row_dtype for f32/bf16/f16; -1 otherwise.
int row_dtype(at::ScalarType t);

// A real, dense, strided CPU tensor: no Python/fake/functional wrapper, no
// conjugate/negative view bit, no vmap or grad-transform wrapper. Autograd
// and autocast keys are allowed (they are above any kernel we run).
bool is_plain_cpu(const at::Tensor &t);

// No Python dispatch mode, functorch layer or functionalization is active on
// this thread: such modes must see the op's stock decomposition.
bool no_active_modes();

// Rows of x (outer dims collapsed) over its trailing n elements: the row
// stride, or -1 when the rows are not evenly spaced with unit-stride
// elements (then the caller copies or defers to stock).
int64_t row_stride(const at::Tensor &x, int64_t n);

// Row work below this many elements per thread stays on the calling thread:
// waking the pool costs more than it saves.
constexpr int64_t kRowsParallelElems = 32768;  // as at::internal::GRAIN_SIZE
template <typename F>
void parallel_rows(int64_t rows, int64_t row_elems, const F &f) {
  const int64_t grain = std::max<int64_t>(1, kRowsParallelElems / std::max<int64_t>(row_elems, 1));
  if (rows <= grain || at::get_num_threads() <= 1 || at::in_parallel_region() || !parallel_is_safe()) {
    f(int64_t(0), rows);
    return;
  }
  at::parallel_for(0, rows, grain, f);
}

// y[rows, n] = rmsnorm(x rows) * w with the selected kernel; x, w, y of
// dtype dt (w may be null), y contiguous.
void run_rmsnorm(int dt, const void *x, int64_t ldx, const void *w, void *y, int64_t rows, int64_t n, float eps);

}  // namespace aio
