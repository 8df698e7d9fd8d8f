"""The machine's measured arithmetic peak (bench_peak's JSON, `make
bench-peak`: GFLOP/s per core per ISA slot) and percentages of it.

A mode's ceiling is the peak of the instructions it can use at best: fp32
FMA for fp32; vdpbf16ps for bf16 where the CPU has it, else fp32 FMA (bf16
is widened to fp32 there); the int8 dot instruction for int8 where there is
one, else the fp32 peak (marked: a reference, not the int8 ceiling)."""
import json
from pathlib import Path

FP32_KEYS = ("fp32_fma_avx512", "fp32_fma_avx2")
BF16_KEYS = ("bf16_dot_avx512",)
INT8_KEYS = ("int8_dot_avx512vnni", "int8_dot_avxvnni")


def load(path):
    """{key: GFLOP/s per core}, or {} when the file is missing."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def _first(peak, keys):
    for k in keys:
        if isinstance(peak.get(k), (int, float)):
            return k, float(peak[k])
    return None, None


def ceiling(peak, precision):
    """(key, GFLOP/s per core, exact) for precision fp32 | bf16 | int8;
    exact is False when the fp32 peak stands in for a missing slot."""
    fk, fv = _first(peak, FP32_KEYS)
    keys = {"bf16": BF16_KEYS, "int8": INT8_KEYS}.get(precision, ())
    k, v = _first(peak, keys)
    if k:
        return k, v, True
    return fk, fv, precision == "fp32"


def percent(flops, seconds, peak, precision, threads):
    """Achieved share of the ceiling (0-100), or None without a peak."""
    _, v, _ = ceiling(peak, precision)
    if not v or not seconds:
        return None
    return 100.0 * flops / seconds / (v * 1e9 * threads)
