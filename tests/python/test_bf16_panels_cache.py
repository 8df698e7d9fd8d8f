"""bf16 Linear on the bf16-dot kernel with the weight packed ahead of time
as its pair panels (weight cache format 33): explicit model.bfloat16() at
M = 32..64 rows (every M >= 32 under AIO_IGNORE_POLICY=1, as run here),
implicit bf16 above M = 128. Same results as stock to bf16
rounding, never stale. Skipped where the CPU has no bf16 dot products."""
import pytest

from conftest import run_py_json
from host_caps import x86_without_bf16_dot

PRELUDE = """
import json, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
def rel(y, ref):
    return ((y.double() - ref).norm() / ref.norm()).item()
def ref_of(lin, x):
    out = x.double() @ lin.weight.double().t()
    return out + lin.bias.double() if lin.bias is not None else out
"""

# One bf16 rounding of the result (explicit) or of both operands
# (implicit), fp32 sums over K <= 1024.
BF16_BOUND = 1e-2

pytestmark = pytest.mark.skipif(x86_without_bf16_dot(), reason="no bf16 dot products on this CPU")


def _native_bf16_dot():
    import platform
    return platform.machine() == "x86_64"


def test_explicit_bf16_panels_match_and_never_stale():
    if not _native_bf16_dot():
        pytest.skip("bf16 panels are wired for the AVX512_BF16 kernel only")
    code = PRELUDE + """
res = {}
with torch.no_grad():
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for (m, k, n) in [(32, 64, 33), (37, 200, 70), (128, 768, 768), (130, 100, 1000), (200, 33, 64)]:
            lin = nn.Linear(k, n).bfloat16()
            x = torch.randn(m, k).bfloat16()
            lin(x)          # first sighting: per-call packing
            y = lin(x)      # second: cached panels
            res[f"{m}x{k}x{n}t{threads}"] = rel(y, ref_of(lin, x))
    lin = nn.Linear(256, 128).bfloat16()
    x = torch.randn(64, 256).bfloat16()
    lin(x); lin(x)
    lin.weight.mul_(2)                                   # in-place update
    res["inplace"] = rel(lin(x), ref_of(lin, x))
    lin(x)
    lin.load_state_dict(nn.Linear(256, 128).bfloat16().state_dict())
    res["load_state_dict"] = rel(lin(x), ref_of(lin, x))
    lin(x)
    lin.weight.data.copy_(torch.randn(128, 256).bfloat16())  # .data bypasses the counter
    res["data_write"] = rel(lin(x), ref_of(lin, x))
    for i in range(4):                                   # freed memory reused
        l2 = nn.Linear(256, 128).bfloat16()
        l2(x); y = l2(x)
        res[f"reuse{i}"] = rel(y, ref_of(l2, x))
        del l2
print(json.dumps(res))
"""
    # AIO_IGNORE_POLICY: the panels at every M >= 32, not only where they
    # measured faster than stock
    res, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3", "AIO_IGNORE_POLICY": "1"})
    assert p.stderr.count("(fmt 33,") >= 10, p.stderr[-2000:]
    for k, v in res.items():
        assert v < BF16_BOUND, (k, v)


def test_implicit_bf16_panels_match_and_never_stale():
    if not _native_bf16_dot():
        pytest.skip("bf16 panels are wired for the AVX512_BF16 kernel only")
    code = PRELUDE + """
res = {}
with torch.no_grad():
    lin = nn.Linear(256, 192)
    x = torch.randn(160, 256)
    lin(x); y = lin(x)
    res["cached"] = rel(y, ref_of(lin, x))
    lin.weight.mul_(-3)
    res["inplace"] = rel(lin(x), ref_of(lin, x))
print(json.dumps(res))
"""
    res, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3",
                                    "AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "FullyConnected"})
    assert "(fmt 33," in p.stderr, p.stderr[-2000:]
    for k, v in res.items():
        assert v < BF16_BOUND, (k, v)
