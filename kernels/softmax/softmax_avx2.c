/* AVX2 + FMA + F16C softmax kernels (8 lanes). */
#if defined(__x86_64__)
#include "aio_softmax.h"
#include "vmath/vm_avx2.h"
#include "vmath/vmath_body.inc"
#include "softmax_body.inc"

AIO_SOFTMAX_DEFINE_ALL(avx2)
#endif
