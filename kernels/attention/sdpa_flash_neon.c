/* Blocked attention (sdpa_flash_body.inc), NEON, 4 lanes: 16 accumulators of the 32 registers. */
#if defined(__aarch64__)
#include "aio_attention.h"
#include "vmath/vm_neon.h"
#include "vmath/vmath_body.inc"

#define SDPA_MR 8
#define SDPA_NAME "aio_f32_sdpa_flash_8x8__neon"
#define SDPA_FN aio_f32_sdpa_flash_8x8__neon
#define SDPA_COLD static __attribute__((noinline))
/* The fp32 GEMM's register transpose (f32_gemm_neon.c) packs K. */
void aio_f32_gemm_pack_t__neon(size_t kc, size_t rows_valid, size_t width, const float *src, size_t ld,
                               float *dst);
#define SDPA_PACK_T aio_f32_gemm_pack_t__neon
#include "sdpa_flash_body.inc"
#endif
