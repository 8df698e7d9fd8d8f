/* Every RMSNorm / LayerNorm implementation per dtype, portable first, then
 * by preference (aio_kernels_init takes the last one the CPU runs). */
#include "aio_isa.h"
#include "aio_norm.h"

#define V(name, isa) {#name, (void (*)(void))name, isa}

#if defined(__x86_64__)
#define RMS_LIST(T)                                                                                \
    static const aio_norm_variant T##_rms[] = {V(aio_##T##_rmsnorm__ref, 0),                       \
                                               V(aio_##T##_rmsnorm__avx2, AIO_ISA_X86_AVX2),       \
                                               V(aio_##T##_rmsnorm__avx512f, AIO_ISA_X86_AVX512)};
const aio_norm_variant aio_f32_layernorm_variants[] = {
    V(aio_f32_layernorm__ref, 0),
    V(aio_f32_layernorm__avx2, AIO_ISA_X86_AVX2),
    V(aio_f32_layernorm__avx512f, AIO_ISA_X86_AVX512),
};
#elif defined(__aarch64__)
#define RMS_LIST(T)                                                                                \
    static const aio_norm_variant T##_rms[] = {V(aio_##T##_rmsnorm__ref, 0),                       \
                                               V(aio_##T##_rmsnorm__neon, AIO_ISA_ARM_NEON)};
const aio_norm_variant aio_f32_layernorm_variants[] = {
    V(aio_f32_layernorm__ref, 0),
    V(aio_f32_layernorm__neon, AIO_ISA_ARM_NEON),
};
#else
#define RMS_LIST(T) static const aio_norm_variant T##_rms[] = {V(aio_##T##_rmsnorm__ref, 0)};
const aio_norm_variant aio_f32_layernorm_variants[] = {V(aio_f32_layernorm__ref, 0)};
#endif

RMS_LIST(f32)
RMS_LIST(bf16)
RMS_LIST(f16)

const size_t aio_f32_layernorm_variant_count =
    sizeof aio_f32_layernorm_variants / sizeof aio_f32_layernorm_variants[0];
const aio_norm_variant *const aio_rmsnorm_variants[AIO_ROW_DTYPES] = {f32_rms, bf16_rms, f16_rms};
const size_t aio_rmsnorm_variant_count[AIO_ROW_DTYPES] = {
    sizeof f32_rms / sizeof f32_rms[0], sizeof bf16_rms / sizeof bf16_rms[0], sizeof f16_rms / sizeof f16_rms[0]};
