/* AVX2 + FMA + F16C activation kernels (8 lanes). */
#if defined(__x86_64__)
#include "aio_act.h"
#include "vmath/vm_avx2.h"
#include "vmath/vmath_body.inc"
#include "act_body.inc"

AIO_ACT_DEFINE_ALL(avx2)
#endif
