// torch.ops.aio.*: not yet defined.
#include "overrides.h"

namespace aio {
int register_custom_ops() { return 0; }
}  // namespace aio
