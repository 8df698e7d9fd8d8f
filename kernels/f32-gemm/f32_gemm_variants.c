/* Every fp32 GEMM implementation, portable first, then by preference.
 * Tests and benchmarks walk this list; aio_kernels_init picks the last
 * entry whose isa_required the CPU has. Entries exist only for the
 * architecture being compiled, so nothing here can call missing code. */
#include "aio_f32_gemm.h"
#include "aio_isa.h"

const struct aio_f32_gemm_ops *aio_f32_gemm_ops__avx2(void);
const struct aio_f32_gemm_ops *aio_f32_gemm_ops__avx512f(void);
const struct aio_f32_gemm_ops *aio_f32_gemm_ops__neon(void);

const aio_f32_gemm_variant aio_f32_gemm_variants[] = {
    {"aio_f32_gemm__ref", aio_f32_gemm__ref, 0, 4, 16, NULL},
#if defined(__x86_64__)
    {"aio_f32_gemm__avx2", aio_f32_gemm__avx2, AIO_ISA_X86_AVX2, 6, 16, aio_f32_gemm_ops__avx2},
    {"aio_f32_gemm__avx512f", aio_f32_gemm__avx512f, AIO_ISA_X86_AVX512, 8, 32, aio_f32_gemm_ops__avx512f},
#elif defined(__aarch64__)
    {"aio_f32_gemm__neon", aio_f32_gemm__neon, AIO_ISA_ARM_NEON, 8, 12, aio_f32_gemm_ops__neon},
#endif
};

const size_t aio_f32_gemm_variant_count =
    sizeof aio_f32_gemm_variants / sizeof aio_f32_gemm_variants[0];
