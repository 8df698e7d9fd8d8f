/* AArch64 NEON vector math (4 lanes), array entry points for tests. */
#if defined(__aarch64__)
#include "vm_neon.h"
#include "vmath_body.inc"

AIO_VM_ARRAY(exp, neon)
AIO_VM_ARRAY(log, neon)
AIO_VM_ARRAY(tanh, neon)
AIO_VM_ARRAY(erf, neon)
AIO_VM_ARRAY(sigmoid, neon)
#endif
