/* Every qd8-f32-qc8w GEMM implementation, portable first, then by
 * preference (aio_kernels_init takes the last one the CPU runs).
 * max_m (bench_qd8_gemm_kernel, one thread, vs the best fp32 GEMM): VNNI
 * was 1.3-2.6x faster at every M up to 1024; AVX2 1.1-1.4x up to M = 512 at
 * K = 2048 but 0.76x at 1024x1024x1024, so it stops at 128 as the
 * weight-only kernels do; NEON dotprod and i8mm are unmeasured on hardware: 128. */
#include "aio_isa.h"
#include "aio_qd8_gemm.h"

const aio_qd8_gemm_variant aio_qd8_f32_qc8w_gemm_variants[] = {
    {"aio_qd8_f32_qc8w_gemm__ref", aio_qd8_f32_qc8w_gemm__ref, 0, 1, 16, 0, aio_qd8_quantize_rows, 0},
#if defined(__x86_64__)
    {"aio_qd8_f32_qc8w_gemm__avx2", aio_qd8_f32_qc8w_gemm__avx2, AIO_ISA_X86_AVX2, 4, 16, 0,
     aio_qd8_quantize_rows, 128},
    {"aio_qd8_f32_qc8w_gemm__avx512vnni", aio_qd8_f32_qc8w_gemm__avx512vnni,
     AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI, 8, 32, 128, aio_qd8_quantize_rows__avx512, INT64_MAX},
#elif defined(__aarch64__)
    {"aio_qd8_f32_qc8w_gemm__neondot", aio_qd8_f32_qc8w_gemm__neondot,
     AIO_ISA_ARM_NEON | AIO_ISA_ARM_DOTPROD, 4, 16, 0, aio_qd8_quantize_rows__neon, 128},
    {"aio_qd8_f32_qc8w_gemm__neoni8mm", aio_qd8_f32_qc8w_gemm__neoni8mm,
     AIO_ISA_ARM_NEON | AIO_ISA_ARM_I8MM | AIO_ISA_ARM_DOTPROD, 4, 16, 0, aio_qd8_quantize_rows__neon, 128},
#endif
};
const size_t aio_qd8_f32_qc8w_gemm_variant_count =
    sizeof aio_qd8_f32_qc8w_gemm_variants / sizeof aio_qd8_f32_qc8w_gemm_variants[0];
