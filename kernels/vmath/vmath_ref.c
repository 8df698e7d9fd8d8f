/* Portable (one lane) vector math: the reference every ISA is held to. */
#define AIO_VM_PRIMITIVES
#include "vm_ref.h"
#include "vmath_body.inc"

AIO_VM_ARRAY(exp, ref)
AIO_VM_ARRAY(log, ref)
AIO_VM_ARRAY(tanh, ref)
AIO_VM_ARRAY(erf, ref)
AIO_VM_ARRAY(sigmoid, ref)
