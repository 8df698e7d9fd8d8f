/* Blocked attention (sdpa_flash_body.inc), AVX2 + FMA, 8 lanes: 12 accumulators + 2 panel vectors + 1 broadcast of the 16 registers. */
#if defined(__x86_64__)
#include "aio_attention.h"
#include "vmath/vm_avx2.h"
#include "vmath/vmath_body.inc"

#define SDPA_MR 6
#define SDPA_NAME "aio_f32_sdpa_flash_6x16__avx2"
#define SDPA_FN aio_f32_sdpa_flash_6x16__avx2
/* The fp32 GEMM's register transpose (f32_gemm_avx2.c) packs K. */
void aio_f32_gemm_pack_t__avx2(size_t kc, size_t rows_valid, size_t width, const float *src, size_t ld,
                               float *dst);
#define SDPA_PACK_T aio_f32_gemm_pack_t__avx2
#include "sdpa_flash_body.inc"
#endif
