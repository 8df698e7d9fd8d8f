// One register function per op family; each returns how many ops it
// registered.
#pragma once

#include <torch/library.h>

namespace aio {
int register_gemm_overrides(torch::Library &lib);
}
