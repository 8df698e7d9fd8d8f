/* Instruction-set detection, done once: cpuid on x86, getauxval on aarch64. */
#ifndef AIO_ISA_H
#define AIO_ISA_H

enum aio_isa_flag {
    AIO_ISA_X86_AVX2 = 1u << 0,        /* AVX2 + FMA + F16C */
    AIO_ISA_X86_AVX512 = 1u << 1,      /* AVX-512 F, BW, DQ, VL */
    AIO_ISA_X86_AVX512_VNNI = 1u << 2,
    AIO_ISA_X86_AVX512_BF16 = 1u << 3,
    AIO_ISA_ARM_NEON = 1u << 8,
    AIO_ISA_ARM_DOTPROD = 1u << 9,
    AIO_ISA_ARM_FP16 = 1u << 10,
    AIO_ISA_ARM_I8MM = 1u << 11,
    AIO_ISA_ARM_BF16 = 1u << 12,
    AIO_ISA_ARM_SVE = 1u << 13,
};

/* What this CPU (and OS, for x86 register state) supports. */
unsigned aio_isa_detect(void);

/* Clear every flag above the cap (enum aio_isa_cap from env/aio_config.h). */
unsigned aio_isa_apply_cap(unsigned isa, int cap);

/* "avx512 avx512_vnni ..." for logs. */
void aio_isa_describe(unsigned isa, char *buf, unsigned len);

#endif
