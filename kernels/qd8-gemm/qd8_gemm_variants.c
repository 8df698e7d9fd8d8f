/* Every qd8-f32-qc8w GEMM implementation, portable first, then by
 * preference (aio_kernels_init takes the last one the CPU runs). */
#include "aio_isa.h"
#include "aio_qd8_gemm.h"

const aio_qd8_gemm_variant aio_qd8_f32_qc8w_gemm_variants[] = {
    {"aio_qd8_f32_qc8w_gemm__ref", aio_qd8_f32_qc8w_gemm__ref, 0, 1, 16, 0, aio_qd8_quantize_rows},
#if defined(__x86_64__)
    {"aio_qd8_f32_qc8w_gemm__avx2", aio_qd8_f32_qc8w_gemm__avx2, AIO_ISA_X86_AVX2, 4, 16, 0,
     aio_qd8_quantize_rows},
    {"aio_qd8_f32_qc8w_gemm__avx512vnni", aio_qd8_f32_qc8w_gemm__avx512vnni,
     AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI, 8, 32, 128, aio_qd8_quantize_rows__avx512},
#elif defined(__aarch64__)
    {"aio_qd8_f32_qc8w_gemm__neondot", aio_qd8_f32_qc8w_gemm__neondot,
     AIO_ISA_ARM_NEON | AIO_ISA_ARM_DOTPROD, 4, 16, 0, aio_qd8_quantize_rows},
#endif
};
const size_t aio_qd8_f32_qc8w_gemm_variant_count =
    sizeof aio_qd8_f32_qc8w_gemm_variants / sizeof aio_qd8_f32_qc8w_gemm_variants[0];
