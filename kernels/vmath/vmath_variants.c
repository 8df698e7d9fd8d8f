/* Every vector-math variant this architecture compiles, references first. */
#include "aio_isa.h"
#include "aio_vmath.h"

#define AIO_VM_DECLARE(isa)                                           \
    void aio_f32_vexp__##isa(const float *, float *, size_t);     \
    void aio_f32_vlog__##isa(const float *, float *, size_t);     \
    void aio_f32_vtanh__##isa(const float *, float *, size_t);    \
    void aio_f32_verf__##isa(const float *, float *, size_t);     \
    void aio_f32_vsigmoid__##isa(const float *, float *, size_t);
AIO_VM_DECLARE(ref)
AIO_VM_DECLARE(avx2)
AIO_VM_DECLARE(avx512f)
AIO_VM_DECLARE(neon)

#define AIO_VM_ROWS(isa, flag)                                                   \
    {"aio_f32_vexp__" #isa, AIO_VM_EXP, flag, aio_f32_vexp__##isa},              \
    {"aio_f32_vlog__" #isa, AIO_VM_LOG, flag, aio_f32_vlog__##isa},              \
    {"aio_f32_vtanh__" #isa, AIO_VM_TANH, flag, aio_f32_vtanh__##isa},           \
    {"aio_f32_verf__" #isa, AIO_VM_ERF, flag, aio_f32_verf__##isa},              \
    {"aio_f32_vsigmoid__" #isa, AIO_VM_SIGMOID, flag, aio_f32_vsigmoid__##isa},

const aio_vmath_variant aio_vmath_variants[] = {
    AIO_VM_ROWS(ref, 0)
#if defined(__x86_64__)
    AIO_VM_ROWS(avx2, AIO_ISA_X86_AVX2)
    AIO_VM_ROWS(avx512f, AIO_ISA_X86_AVX512)
#elif defined(__aarch64__)
    AIO_VM_ROWS(neon, AIO_ISA_ARM_NEON)
#endif
};

const size_t aio_vmath_variant_count = sizeof aio_vmath_variants / sizeof aio_vmath_variants[0];
