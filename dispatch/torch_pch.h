// The torch headers nearly every dispatch source includes, precompiled once
// per torch version, for the main module (Makefile) and the versioned ones
// (dispatch/modules.mk): the headers, not our code, are most of each file's
// compile time.
// No include guard: it is only ever the first thing a file includes (-include).
#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/core/GradMode.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>
