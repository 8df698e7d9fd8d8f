/* ISA detection against the kernel's own view (/proc/cpuinfo), which
 * already drops features whose register state the OS does not enable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "aio_isa.h"

/* Is `flag` a whole word in the first "flags"/"Features" line? -1: no file. */
static int cpuinfo_has(const char *flag)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    static char line[16384];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0 && strncmp(line, "Features", 8) != 0)
            continue;
        found = 0;
        for (char *tok = strtok(strchr(line, ':') + 1, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
            if (strcmp(tok, flag) == 0)
                found = 1;
        break;
    }
    fclose(f);
    return found;
}

#if defined(__x86_64__)
Test(isa, matches_proc_cpuinfo)
{
    if (cpuinfo_has("fpu") < 0)
        cr_skip_test("no /proc/cpuinfo flags line");
    const unsigned isa = aio_isa_detect();
    const int avx2 = cpuinfo_has("avx2") == 1 && cpuinfo_has("fma") == 1 && cpuinfo_has("f16c") == 1;
    const int avx512 = avx2 && cpuinfo_has("avx512f") == 1 && cpuinfo_has("avx512bw") == 1 &&
                       cpuinfo_has("avx512dq") == 1 && cpuinfo_has("avx512vl") == 1;
    cr_expect_eq(!!(isa & AIO_ISA_X86_AVX2), avx2);
    cr_expect_eq(!!(isa & AIO_ISA_X86_AVX512), avx512);
    cr_expect_eq(!!(isa & AIO_ISA_X86_AVX512_VNNI), avx512 && cpuinfo_has("avx512_vnni") == 1);
    cr_expect_eq(!!(isa & AIO_ISA_X86_AVX512_BF16), avx512 && cpuinfo_has("avx512_bf16") == 1);
    cr_expect_eq(isa & 0xff00u, 0u, "no ARM flags on x86");
}
#elif defined(__aarch64__)
Test(isa, matches_proc_cpuinfo)
{
    if (cpuinfo_has("fp") < 0)
        cr_skip_test("no /proc/cpuinfo Features line");
    const unsigned isa = aio_isa_detect();
    cr_expect_eq(!!(isa & AIO_ISA_ARM_NEON), cpuinfo_has("asimd") == 1);
    cr_expect_eq(!!(isa & AIO_ISA_ARM_DOTPROD), cpuinfo_has("asimddp") == 1);
    cr_expect_eq(!!(isa & AIO_ISA_ARM_SVE), cpuinfo_has("sve") == 1);
    cr_expect_eq(!!(isa & AIO_ISA_ARM_I8MM), cpuinfo_has("i8mm") == 1);
    cr_expect_eq(!!(isa & AIO_ISA_ARM_BF16), cpuinfo_has("bf16") == 1);
}
#endif

Test(isa, detect_is_stable)
{
    cr_expect_eq(aio_isa_detect(), aio_isa_detect());
}

Test(isa, describe)
{
    char buf[128];
    aio_isa_describe(0, buf, sizeof buf);
    cr_expect_str_eq(buf, "none");
    aio_isa_describe(AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI, buf, sizeof buf);
    cr_expect_str_eq(buf, "avx2 avx512 avx512_vnni");
    aio_isa_describe(AIO_ISA_ARM_NEON | AIO_ISA_ARM_SVE, buf, sizeof buf);
    cr_expect_str_eq(buf, "neon sve");
    /* Truncation keeps a terminated prefix. */
    char small[8];
    aio_isa_describe(AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_BF16, small, sizeof small);
    cr_expect_lt(strlen(small), sizeof small);
    cr_expect_eq(strncmp(small, "avx2", 4), 0);
}
