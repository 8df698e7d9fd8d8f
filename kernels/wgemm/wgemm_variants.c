/* Every weight-compressed GEMM implementation per format, portable first,
 * then by preference (aio_kernels_init takes the last one the CPU runs). */
#include "aio_isa.h"
#include "aio_wgemm.h"

#if defined(__x86_64__)
#define AIO_WGEMM_VARIANTS(fmt)                                                            \
    const aio_wgemm_variant aio_##fmt##w_gemm_variants[] = {                               \
        {"aio_" #fmt "w_gemm__ref", aio_##fmt##w_gemm__ref, 0, 8},                         \
        {"aio_" #fmt "w_gemm__avx2", aio_##fmt##w_gemm__avx2, AIO_ISA_X86_AVX2, 16},       \
        {"aio_" #fmt "w_gemm__avx512", aio_##fmt##w_gemm__avx512, AIO_ISA_X86_AVX512, 32}, \
    };
#elif defined(__aarch64__)
#define AIO_WGEMM_VARIANTS(fmt)                                                            \
    const aio_wgemm_variant aio_##fmt##w_gemm_variants[] = {                               \
        {"aio_" #fmt "w_gemm__ref", aio_##fmt##w_gemm__ref, 0, 8},                         \
        {"aio_" #fmt "w_gemm__neon", aio_##fmt##w_gemm__neon, AIO_ISA_ARM_NEON, 24},       \
    };
#else
#define AIO_WGEMM_VARIANTS(fmt)                                                            \
    const aio_wgemm_variant aio_##fmt##w_gemm_variants[] = {                               \
        {"aio_" #fmt "w_gemm__ref", aio_##fmt##w_gemm__ref, 0, 8},                         \
    };
#endif

#define AIO_WGEMM_LIST(fmt)                                                                \
    AIO_WGEMM_VARIANTS(fmt)                                                                \
    const size_t aio_##fmt##w_gemm_variant_count =                                         \
        sizeof aio_##fmt##w_gemm_variants / sizeof aio_##fmt##w_gemm_variants[0];

AIO_WGEMM_LIST(f16)
AIO_WGEMM_LIST(bf16)
AIO_WGEMM_LIST(i8)
