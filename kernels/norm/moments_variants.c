/* Every shared-statistics implementation (aio_moments.h), portable first,
 * then by preference. */
#include "aio_isa.h"
#include "aio_moments.h"

#define V(isa, flags) {"aio_f32_stats__" #isa, aio_f32_moments__##isa, aio_f32_norm_apply__##isa, \
                       aio_f32_norm_apply_ch__##isa, flags}

const aio_f32_stats_variant aio_f32_stats_variants[] = {
    V(ref, 0),
#if defined(__x86_64__)
    V(avx2, AIO_ISA_X86_AVX2),
    V(avx512f, AIO_ISA_X86_AVX512),
#elif defined(__aarch64__)
    V(neon, AIO_ISA_ARM_NEON),
#endif
};
const size_t aio_f32_stats_variant_count = sizeof aio_f32_stats_variants / sizeof aio_f32_stats_variants[0];
