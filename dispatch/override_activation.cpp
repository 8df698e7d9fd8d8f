// activations: not yet overridden.
#include "overrides.h"

namespace aio {
int register_activation_overrides(torch::Library &lib) { return 0; }
}  // namespace aio
