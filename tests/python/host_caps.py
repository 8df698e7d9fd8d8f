"""What the host CPU can do, for tests whose expected routes depend on it."""
import platform


def x86_without_bf16_dot():
    """x86 without AVX512_BF16 (and the AVX-512 base aio requires with it):
    explicit bf16 Linear then runs on aio's fp32 route at every M instead of
    deferring M > 4 to stock (docs/never-slower.md)."""
    if platform.machine() != "x86_64":
        return False
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    return not {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"} <= flags
