/* Every activation kernel this architecture compiles, references first. */
#include "aio_act.h"
#include "aio_isa.h"

#define AIO_ACT_DECLARE_ONE(name, isa) void aio_f32_##name##__##isa(const aio_act_args *, size_t, size_t);
#define AIO_ACT_DECLARE(isa)                  \
    AIO_ACT_DECLARE_ONE(relu, isa)            \
    AIO_ACT_DECLARE_ONE(clamp, isa)           \
    AIO_ACT_DECLARE_ONE(leaky_relu, isa)      \
    AIO_ACT_DECLARE_ONE(gelu, isa)            \
    AIO_ACT_DECLARE_ONE(gelu_tanh, isa)       \
    AIO_ACT_DECLARE_ONE(silu, isa)            \
    AIO_ACT_DECLARE_ONE(sigmoid, isa)         \
    AIO_ACT_DECLARE_ONE(tanh, isa)            \
    AIO_ACT_DECLARE_ONE(hardswish, isa)       \
    AIO_ACT_DECLARE_ONE(hardsigmoid, isa)     \
    AIO_ACT_DECLARE_ONE(exp, isa)             \
    AIO_ACT_DECLARE_ONE(log, isa)
AIO_ACT_DECLARE(ref)
AIO_ACT_DECLARE(avx2)
AIO_ACT_DECLARE(avx512f)
AIO_ACT_DECLARE(neon)

#define ROW(name, OP, isa, flag) {"aio_f32_" #name "__" #isa, OP, flag, aio_f32_##name##__##isa},
#define ROWS(isa, flag)                                    \
    ROW(relu, AIO_ACT_RELU, isa, flag)                     \
    ROW(clamp, AIO_ACT_CLAMP, isa, flag)                   \
    ROW(leaky_relu, AIO_ACT_LEAKY_RELU, isa, flag)         \
    ROW(gelu, AIO_ACT_GELU, isa, flag)                     \
    ROW(gelu_tanh, AIO_ACT_GELU_TANH, isa, flag)           \
    ROW(silu, AIO_ACT_SILU, isa, flag)                     \
    ROW(sigmoid, AIO_ACT_SIGMOID, isa, flag)               \
    ROW(tanh, AIO_ACT_TANH, isa, flag)                     \
    ROW(hardswish, AIO_ACT_HARDSWISH, isa, flag)           \
    ROW(hardsigmoid, AIO_ACT_HARDSIGMOID, isa, flag)       \
    ROW(exp, AIO_ACT_EXP, isa, flag)                       \
    ROW(log, AIO_ACT_LOG, isa, flag)

const aio_act_variant aio_act_variants[] = {
    ROWS(ref, 0)
#if defined(__x86_64__)
    ROWS(avx2, AIO_ISA_X86_AVX2)
    ROWS(avx512f, AIO_ISA_X86_AVX512)
#elif defined(__aarch64__)
    ROWS(neon, AIO_ISA_ARM_NEON)
#endif
};

const size_t aio_act_variant_count = sizeof aio_act_variants / sizeof aio_act_variants[0];

const char *aio_act_op_name(int op)
{
    static const char *const names[AIO_ACT_COUNT] = {"relu", "clamp", "leaky_relu", "gelu", "gelu_tanh",
                                                     "silu", "sigmoid", "tanh", "hardswish", "hardsigmoid",
                                                     "exp", "log"};
    return op >= 0 && op < AIO_ACT_COUNT ? names[op] : "?";
}
