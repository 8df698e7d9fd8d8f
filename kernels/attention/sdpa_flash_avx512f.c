/* Blocked attention (sdpa_flash_body.inc), AVX-512F, 16 lanes: 16 accumulators of the 32 registers (the broadcast folds into the FMA). */
#if defined(__x86_64__)
#include "aio_attention.h"
#include "vmath/vm_avx512.h"
#include "vmath/vmath_body.inc"

#define SDPA_MR 8
#define SDPA_NAME "aio_f32_sdpa_flash_8x32__avx512f"
#define SDPA_FN aio_f32_sdpa_flash_8x32__avx512f
/* The fp32 GEMM's register transpose (f32_gemm_avx512f.c) packs K. */
void aio_f32_gemm_pack_t__avx512f(size_t kc, size_t rows_valid, size_t width, const float *src, size_t ld,
                               float *dst);
#define SDPA_PACK_T aio_f32_gemm_pack_t__avx512f
#include "sdpa_flash_body.inc"
#endif
