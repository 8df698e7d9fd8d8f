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

#if defined(__x86_64__)
const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops__avx512bf16(void);
#endif

/* The blocked driver's ops behind a variant, for the pre-packed path
 * (aio_bf16_gemm.h); NULL where a variant has none exposed (the reference;
 * NEON: not wired yet). */
const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops_of(aio_bf16_gemm_fn fn)
{
#if defined(__x86_64__)
    if (fn == aio_bf16_gemm__avx512bf16)
        return aio_bf16_gemm_ops__avx512bf16();
#endif
    if (fn == aio_bf16_gemm__scalar_blocked)
        return aio_bf16_gemm_ops__scalar_blocked();
    return NULL;
}
