/* AVX2 + FMA vector math (8 lanes), array entry points for tests. */
#if defined(__x86_64__)
#include "vm_avx2.h"
#include "vmath_body.inc"

AIO_VM_ARRAY(exp, avx2)
AIO_VM_ARRAY(log, avx2)
AIO_VM_ARRAY(tanh, avx2)
AIO_VM_ARRAY(erf, avx2)
AIO_VM_ARRAY(sigmoid, avx2)
#endif
