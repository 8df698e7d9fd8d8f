/* Every gather-reduce kernel this architecture compiles, references first,
 * then per format in ISA order (the last the CPU runs wins). */
#include "aio_embedding.h"
#include "aio_isa.h"

#define DECLARE(isa)                                                                          \
    void aio_f32_embedding_bag__##isa(const aio_embedding_bag_args *, int64_t, int64_t, float *);  \
    void aio_f16_embedding_bag__##isa(const aio_embedding_bag_args *, int64_t, int64_t, float *);  \
    void aio_bf16_embedding_bag__##isa(const aio_embedding_bag_args *, int64_t, int64_t, float *); \
    void aio_qu8_embedding_bag__##isa(const aio_embedding_bag_args *, int64_t, int64_t, float *);
DECLARE(ref)
DECLARE(avx2)
DECLARE(avx512f)
DECLARE(neon)

#define ROWS(isa, flag)                                                                     \
    {"aio_f32_embedding_bag__" #isa, AIO_EMB_F32, flag, aio_f32_embedding_bag__##isa},    \
    {"aio_f16_embedding_bag__" #isa, AIO_EMB_F16, flag, aio_f16_embedding_bag__##isa},    \
    {"aio_bf16_embedding_bag__" #isa, AIO_EMB_BF16, flag, aio_bf16_embedding_bag__##isa}, \
    {"aio_qu8_embedding_bag__" #isa, AIO_EMB_QU8, flag, aio_qu8_embedding_bag__##isa},

const aio_embedding_bag_variant aio_embedding_bag_variants[] = {
    ROWS(ref, 0)
#if defined(__x86_64__)
    ROWS(avx2, AIO_ISA_X86_AVX2)
    ROWS(avx512f, AIO_ISA_X86_AVX512)
#elif defined(__aarch64__)
    ROWS(neon, AIO_ISA_ARM_NEON)
#endif
};

const size_t aio_embedding_bag_variant_count = sizeof aio_embedding_bag_variants / sizeof aio_embedding_bag_variants[0];
