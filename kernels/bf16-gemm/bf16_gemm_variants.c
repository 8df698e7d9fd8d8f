/* Every bf16-dot GEMM implementation, portable first, then by preference
 * (aio_kernels_init picks the last one the CPU runs). Entries exist only
 * for the architecture being compiled. */
#include "aio_bf16_gemm.h"
#include "aio_isa.h"

const aio_bf16_gemm_variant aio_bf16_gemm_variants[] = {
    {"aio_bf16_gemm__ref", aio_bf16_gemm__ref, 0, 4, 16, 0},
#if defined(__x86_64__)
    {"aio_bf16_gemm__avx512bf16", aio_bf16_gemm__avx512bf16,
     AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_BF16, 12, 32, 1},
#elif defined(__aarch64__)
    {"aio_bf16_gemm__neonbf16", aio_bf16_gemm__neonbf16, AIO_ISA_ARM_NEON | AIO_ISA_ARM_BF16, 8, 12, 1},
#endif
};

const size_t aio_bf16_gemm_variant_count =
    sizeof aio_bf16_gemm_variants / sizeof aio_bf16_gemm_variants[0];
