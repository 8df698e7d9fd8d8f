/* Every softmax kernel this architecture compiles, references first. */
#include "aio_isa.h"
#include "aio_softmax.h"

#define DECLARE(isa)                                                                   \
    void aio_f32_softmax__##isa(const aio_softmax_args *, int64_t, int64_t);        \
    void aio_f32_log_softmax__##isa(const aio_softmax_args *, int64_t, int64_t);
DECLARE(ref)
DECLARE(avx2)
DECLARE(avx512f)
DECLARE(neon)

#define ROWS(isa, flag)                                                         \
    {"aio_f32_softmax__" #isa, 0, flag, aio_f32_softmax__##isa},                \
    {"aio_f32_log_softmax__" #isa, 1, flag, aio_f32_log_softmax__##isa},

const aio_softmax_variant aio_softmax_variants[] = {
    ROWS(ref, 0)
#if defined(__x86_64__)
    ROWS(avx2, AIO_ISA_X86_AVX2)
    ROWS(avx512f, AIO_ISA_X86_AVX512)
#elif defined(__aarch64__)
    ROWS(neon, AIO_ISA_ARM_NEON)
#endif
};

const size_t aio_softmax_variant_count = sizeof aio_softmax_variants / sizeof aio_softmax_variants[0];
