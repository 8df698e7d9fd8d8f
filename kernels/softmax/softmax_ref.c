/* Portable (one lane) softmax kernels: the reference. */

#include "aio_softmax.h"
#define AIO_VM_PRIMITIVES
#include "vmath/vm_ref.h"
#include "vmath/vmath_body.inc"
#include "softmax_body.inc"

AIO_SOFTMAX_DEFINE_ALL(ref)

