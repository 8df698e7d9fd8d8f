/* AArch64 NEON activation kernels (4 lanes). */
#if defined(__aarch64__)
#include "aio_act.h"
#include "vmath/vm_neon.h"
#include "vmath/vmath_body.inc"
#include "act_body.inc"

AIO_ACT_DEFINE_ALL(neon)
#endif
