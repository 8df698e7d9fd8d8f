/* AVX-512 softmax kernels (16 lanes, masked tails). */
#if defined(__x86_64__)
#include "aio_softmax.h"
#include "vmath/vm_avx512.h"
#include "vmath/vmath_body.inc"
#include "softmax_body.inc"

AIO_SOFTMAX_DEFINE_ALL(avx512f)
#endif
