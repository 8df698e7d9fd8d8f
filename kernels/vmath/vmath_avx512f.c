/* AVX-512 vector math (16 lanes), array entry points for tests. */
#if defined(__x86_64__)
#include "vm_avx512.h"
#include "vmath_body.inc"

AIO_VM_ARRAY(exp, avx512f)
AIO_VM_ARRAY(log, avx512f)
AIO_VM_ARRAY(tanh, avx512f)
AIO_VM_ARRAY(erf, avx512f)
AIO_VM_ARRAY(sigmoid, avx512f)
#endif
