/* Every qd8-f32-qc4w GEMM implementation, portable first, then by
 * preference (aio_kernels_init takes the last one the CPU runs). */
#include "aio_isa.h"
#include "aio_qc4w_gemm.h"

const aio_qc4w_gemm_variant aio_qd8_f32_qc4w_gemm_variants[] = {
    {"aio_qd8_f32_qc4w_gemm__ref", aio_qd8_f32_qc4w_gemm__ref, 0, 1, 16, aio_qd8_quantize_rows},
#if defined(__x86_64__)
    {"aio_qd8_f32_qc4w_gemm__avx2", aio_qd8_f32_qc4w_gemm__avx2, AIO_ISA_X86_AVX2, 2, 16, aio_qd8_quantize_rows},
    {"aio_qd8_f32_qc4w_gemm__avx512vnni", aio_qd8_f32_qc4w_gemm__avx512vnni,
     AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI, 4, 32, aio_qd8_quantize_rows__avx512},
#elif defined(__aarch64__)
    {"aio_qd8_f32_qc4w_gemm__neondot", aio_qd8_f32_qc4w_gemm__neondot, AIO_ISA_ARM_NEON | AIO_ISA_ARM_DOTPROD, 4,
     16, aio_qd8_quantize_rows__neon},
    {"aio_qd8_f32_qc4w_gemm__neoni8mm", aio_qd8_f32_qc4w_gemm__neoni8mm,
     AIO_ISA_ARM_NEON | AIO_ISA_ARM_I8MM | AIO_ISA_ARM_DOTPROD, 4, 16,
     aio_qd8_quantize_rows__neon},
#endif
};
const size_t aio_qd8_f32_qc4w_gemm_variant_count =
    sizeof aio_qd8_f32_qc4w_gemm_variants / sizeof aio_qd8_f32_qc4w_gemm_variants[0];
