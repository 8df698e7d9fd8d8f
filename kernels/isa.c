/* Instruction-set detection: what the CPU implements *and* the OS saves on
 * context switch (x86 XCR0), so a flag here means "safe to execute". */
#include "aio_isa.h"

#include <stdio.h>
#include <string.h>

#include "aio_config.h"

#if defined(__x86_64__)
#include <cpuid.h>

/* xgetbv via asm: the _xgetbv intrinsic would need -mxsave on this file. */
static unsigned long long read_xcr0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned aio_isa_detect(void)
{
    unsigned eax, ebx, ecx, edx;
    unsigned isa = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    const int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1;
    const int avx = (ecx >> 28) & 1, f16c = (ecx >> 29) & 1;
    if (!osxsave || !avx)
        return 0;
    const unsigned long long xcr0 = read_xcr0();
    /* XMM|YMM state for AVX; plus opmask, ZMM_Hi256, Hi16_ZMM for AVX-512. */
    const int os_avx = (xcr0 & 0x6) == 0x6;
    const int os_avx512 = (xcr0 & 0xe6) == 0xe6;
    if (!os_avx || __get_cpuid_max(0, NULL) < 7)
        return 0;

    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned leaf7_ebx = ebx, leaf7_ecx = ecx;
    const int avx2 = (leaf7_ebx >> 5) & 1;
    if (avx2 && fma && f16c)
        isa |= AIO_ISA_X86_AVX2;
    /* F(16) DQ(17) BW(30) VL(31); our AVX-512 kernels also use FMA/AVX2
     * forms, present on every AVX-512 part, so require the AVX2 group. */
    const unsigned avx512_bits = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
    if ((isa & AIO_ISA_X86_AVX2) && os_avx512 && (leaf7_ebx & avx512_bits) == avx512_bits) {
        isa |= AIO_ISA_X86_AVX512;
        if ((leaf7_ecx >> 11) & 1)
            isa |= AIO_ISA_X86_AVX512_VNNI;
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        if ((eax >> 5) & 1)
            isa |= AIO_ISA_X86_AVX512_BF16;
    }
    return isa;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

/* Kernel ABI bit numbers (asm/hwcap.h); spelled out so old headers work. */
#define AIO_HWCAP_FPHP (1ul << 9)
#define AIO_HWCAP_ASIMD (1ul << 1)
#define AIO_HWCAP_ASIMDHP (1ul << 10)
#define AIO_HWCAP_ASIMDDP (1ul << 20)
#define AIO_HWCAP_SVE (1ul << 22)
#define AIO_HWCAP2_I8MM (1ul << 13)
#define AIO_HWCAP2_BF16 (1ul << 14)

unsigned aio_isa_detect(void)
{
    const unsigned long hw = getauxval(AT_HWCAP);
    const unsigned long hw2 = getauxval(AT_HWCAP2);
    unsigned isa = 0;
    if (!(hw & AIO_HWCAP_ASIMD))
        return 0;
    isa |= AIO_ISA_ARM_NEON;
    if (hw & AIO_HWCAP_ASIMDDP)
        isa |= AIO_ISA_ARM_DOTPROD;
    /* fp16 arithmetic needs both the scalar and the vector forms. */
    if ((hw & AIO_HWCAP_FPHP) && (hw & AIO_HWCAP_ASIMDHP))
        isa |= AIO_ISA_ARM_FP16;
    if (hw2 & AIO_HWCAP2_I8MM)
        isa |= AIO_ISA_ARM_I8MM;
    if (hw2 & AIO_HWCAP2_BF16)
        isa |= AIO_ISA_ARM_BF16;
    if (hw & AIO_HWCAP_SVE)
        isa |= AIO_ISA_ARM_SVE;
    return isa;
}

#else
unsigned aio_isa_detect(void) { return 0; }
#endif

#define AIO_ISA_X86_ALL                                                        \
    (AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI |         \
     AIO_ISA_X86_AVX512_BF16)
#define AIO_ISA_ARM_ALL                                                        \
    (AIO_ISA_ARM_NEON | AIO_ISA_ARM_DOTPROD | AIO_ISA_ARM_FP16 |               \
     AIO_ISA_ARM_I8MM | AIO_ISA_ARM_BF16 | AIO_ISA_ARM_SVE)

/* Each cap is the set of flags allowed at or below it. A cap names one
 * architecture, so on the other one it leaves nothing but the reference. */
unsigned aio_isa_apply_cap(unsigned isa, int cap)
{
    switch (cap) {
    case AIO_ISA_CAP_NATIVE: return isa;
    case AIO_ISA_CAP_REFERENCE: return 0;
    case AIO_ISA_CAP_AVX2: return isa & AIO_ISA_X86_AVX2;
    case AIO_ISA_CAP_AVX512: return isa & AIO_ISA_X86_ALL;
    case AIO_ISA_CAP_NEON: return isa & AIO_ISA_ARM_NEON;
    case AIO_ISA_CAP_SVE: return isa & AIO_ISA_ARM_ALL;
    default: return isa;
    }
}

void aio_isa_describe(unsigned isa, char *buf, unsigned len)
{
    static const struct { unsigned flag; const char *name; } names[] = {
        {AIO_ISA_X86_AVX2, "avx2"},
        {AIO_ISA_X86_AVX512, "avx512"},
        {AIO_ISA_X86_AVX512_VNNI, "avx512_vnni"},
        {AIO_ISA_X86_AVX512_BF16, "avx512_bf16"},
        {AIO_ISA_ARM_NEON, "neon"},
        {AIO_ISA_ARM_DOTPROD, "dotprod"},
        {AIO_ISA_ARM_FP16, "fp16"},
        {AIO_ISA_ARM_I8MM, "i8mm"},
        {AIO_ISA_ARM_BF16, "bf16"},
        {AIO_ISA_ARM_SVE, "sve"},
    };
    if (!buf || len == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(isa & names[i].flag))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i].name);
        if (w < 0 || (size_t)w >= len - used) { /* no room: keep whole names only */
            buf[used] = '\0';
            return;
        }
        used += (size_t)w;
    }
    if (used == 0)
        snprintf(buf, len, "none");
}
