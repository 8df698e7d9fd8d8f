/* AVX-512 activation kernels (16 lanes, masked tails). */
#if defined(__x86_64__)
#include "aio_act.h"
#include "vmath/vm_avx512.h"
#include "vmath/vmath_body.inc"
#include "act_body.inc"

AIO_ACT_DEFINE_ALL(avx512f)
#endif
