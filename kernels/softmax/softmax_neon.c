/* AArch64 NEON softmax kernels (4 lanes). */
#if defined(__aarch64__)
#include "aio_softmax.h"
#include "vmath/vm_neon.h"
#include "vmath/vmath_body.inc"
#include "softmax_body.inc"

AIO_SOFTMAX_DEFINE_ALL(neon)
#endif
