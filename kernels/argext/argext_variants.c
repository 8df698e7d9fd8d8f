/* Every arg-extreme kernel this architecture compiles, references first. */
#include "aio_argext.h"
#include "aio_isa.h"

#define DECLARE(name) void name(const aio_argext_args *, int64_t, int64_t);
#define ALL(lanes, isa)                                    \
    DECLARE(aio_f32_argmax_ukernel_##lanes##__##isa)       \
    DECLARE(aio_f32_argmin_ukernel_##lanes##__##isa)       \
    DECLARE(aio_bf16_argmax_ukernel_##lanes##__##isa)      \
    DECLARE(aio_bf16_argmin_ukernel_##lanes##__##isa)
ALL(1, ref)
ALL(8, avx2)
ALL(16, avx512f)
ALL(4, neon)

#define ROWS(lanes, isa, flag)                                                                           \
    {"aio_f32_argmax_ukernel_" #lanes "__" #isa, AIO_ARGEXT_F32, AIO_ARGEXT_MAX, flag, aio_f32_argmax_ukernel_##lanes##__##isa},   \
    {"aio_f32_argmin_ukernel_" #lanes "__" #isa, AIO_ARGEXT_F32, AIO_ARGEXT_MIN, flag, aio_f32_argmin_ukernel_##lanes##__##isa},   \
    {"aio_bf16_argmax_ukernel_" #lanes "__" #isa, AIO_ARGEXT_BF16, AIO_ARGEXT_MAX, flag, aio_bf16_argmax_ukernel_##lanes##__##isa}, \
    {"aio_bf16_argmin_ukernel_" #lanes "__" #isa, AIO_ARGEXT_BF16, AIO_ARGEXT_MIN, flag, aio_bf16_argmin_ukernel_##lanes##__##isa},

const aio_argext_variant aio_argext_variants[] = {
    ROWS(1, ref, 0)
#if defined(__x86_64__)
    ROWS(8, avx2, AIO_ISA_X86_AVX2)
    ROWS(16, avx512f, AIO_ISA_X86_AVX512)
#elif defined(__aarch64__)
    ROWS(4, neon, AIO_ISA_ARM_NEON)
#endif
};

const size_t aio_argext_variant_count = sizeof aio_argext_variants / sizeof aio_argext_variants[0];
