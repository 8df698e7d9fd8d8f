/* Every attention implementation, portable first, then by preference;
 * aio_kernels_init picks the last one the CPU can run. */
#include "aio_attention.h"
#include "aio_isa.h"

const aio_f32_sdpa_variant aio_f32_sdpa_variants[] = {
    {"aio_f32_sdpa__ref", aio_f32_sdpa__ref, 0},
#if defined(__x86_64__)
    {"aio_f32_sdpa_flash_6x16__avx2", aio_f32_sdpa_flash_6x16__avx2, AIO_ISA_X86_AVX2},
    {"aio_f32_sdpa_flash_8x32__avx512f", aio_f32_sdpa_flash_8x32__avx512f, AIO_ISA_X86_AVX512},
#endif
#if defined(__aarch64__)
    {"aio_f32_sdpa_flash_8x8__neon", aio_f32_sdpa_flash_8x8__neon, AIO_ISA_ARM_NEON},
#endif
};

const size_t aio_f32_sdpa_variant_count = sizeof aio_f32_sdpa_variants / sizeof aio_f32_sdpa_variants[0];
