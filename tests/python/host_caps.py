"""What the host CPU can do, for tests whose expected routes depend on it."""
import platform


def cpu_flags():
    """The x86 feature flags of /proc/cpuinfo (empty elsewhere)."""
    if platform.machine() != "x86_64":
        return set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def x86_has_avx512():
    """The AVX-512 subsets aio's avx512 kernels require."""
    return {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= cpu_flags()


def x86_without_bf16_dot():
    """x86 without AVX512_BF16 (and the AVX-512 base aio requires with it):
    explicit bf16 Linear then runs on aio's fp32 route at every M instead of
    deferring M > 4 to stock (docs/never-slower.md)."""
    if platform.machine() != "x86_64":
        return False
    return not (x86_has_avx512() and "avx512_bf16" in cpu_flags())
