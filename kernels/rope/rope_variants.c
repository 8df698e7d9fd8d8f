/* Every RoPE implementation per dtype, portable first, then by preference
 * (aio_kernels_init takes the last one the CPU runs). */
#include "aio_isa.h"
#include "aio_rope.h"

#if defined(__x86_64__)
#define ROPE_LIST(T)                                                                         \
    static const aio_rope_variant T##_rope[] = {                                             \
        {"aio_" #T "_rope__ref", aio_##T##_rope__ref, 0},                                    \
        {"aio_" #T "_rope__avx2", aio_##T##_rope__avx2, AIO_ISA_X86_AVX2},                   \
        {"aio_" #T "_rope__avx512f", aio_##T##_rope__avx512f, AIO_ISA_X86_AVX512},           \
    };
#elif defined(__aarch64__)
#define ROPE_LIST(T)                                                                         \
    static const aio_rope_variant T##_rope[] = {                                             \
        {"aio_" #T "_rope__ref", aio_##T##_rope__ref, 0},                                    \
        {"aio_" #T "_rope__neon", aio_##T##_rope__neon, AIO_ISA_ARM_NEON},                   \
    };
#else
#define ROPE_LIST(T) \
    static const aio_rope_variant T##_rope[] = {{"aio_" #T "_rope__ref", aio_##T##_rope__ref, 0}};
#endif

ROPE_LIST(f32)
ROPE_LIST(bf16)
ROPE_LIST(f16)

const aio_rope_variant *const aio_rope_variants[AIO_ROW_DTYPES] = {f32_rope, bf16_rope, f16_rope};
const size_t aio_rope_variant_count[AIO_ROW_DTYPES] = {
    sizeof f32_rope / sizeof f32_rope[0], sizeof bf16_rope / sizeof bf16_rope[0],
    sizeof f16_rope / sizeof f16_rope[0]};
