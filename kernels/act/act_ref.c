/* Portable (one lane) activation kernels: the reference. */

#include "aio_act.h"
#define AIO_VM_PRIMITIVES
#include "vmath/vm_ref.h"
#include "vmath/vmath_body.inc"
#include "act_body.inc"

AIO_ACT_DEFINE_ALL(ref)

