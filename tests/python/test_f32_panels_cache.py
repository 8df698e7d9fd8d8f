"""fp32 Linear at M >= 16 runs on weights packed ahead of time as the f32
GEMM's panels (weight cache format 32), with A packed once per call: same
results as stock, never stale, threads split without gaps."""
from conftest import run_py_json

PRELUDE = """
import json, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
def rel(y, ref):
    return ((y.double() - ref).norm() / ref.norm()).item()
def ref_of(lin, x):
    out = x.double() @ lin.weight.double().t()
    return out + lin.bias.double() if lin.bias is not None else out
"""

FP32_BOUND = 1e-5  # fp32 summation over K <= 4096 of random data


def test_panels_match_reference_over_shapes_and_threads():
    code = PRELUDE + """
out = []
with torch.no_grad():
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for (m, k, n, bias) in [(16, 64, 33, True), (17, 257, 100, False), (128, 768, 768, True),
                                (130, 100, 1000, True), (61, 600, 17, False), (40, 3, 300, True),
                                (512, 96, 64, True)]:
            lin = nn.Linear(k, n, bias=bias)
            x = torch.randn(m, k)
            lin(x)              # first sighting: per-call packing
            y = lin(x)          # second: cached panels
            x3 = torch.randn(2, m, k)
            y3 = lin(x3)        # folded 3-D input
            out.append({"shape": [m, k, n, threads], "rel": rel(y, ref_of(lin, x)),
                        "rel3": rel(y3, ref_of(lin, x3))})
print(json.dumps(out))
"""
    res, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3"})
    assert "weight cache: packed" in p.stderr and "(fmt 32," in p.stderr, p.stderr[-2000:]
    for r in res:
        assert r["rel"] < FP32_BOUND and r["rel3"] < FP32_BOUND, r


def test_panels_never_stale():
    code = PRELUDE + """
lin = nn.Linear(256, 128)
x = torch.randn(32, 256)
res = {}
with torch.no_grad():
    lin(x); lin(x)
    lin.weight.mul_(2)                       # in-place update: version counter
    res["inplace"] = rel(lin(x), ref_of(lin, x))
    lin(x)
    other = nn.Linear(256, 128)
    lin.load_state_dict(other.state_dict())  # copy_ into the same storage
    res["load_state_dict"] = rel(lin(x), ref_of(lin, x))
    lin(x)
    lin.weight.data.copy_(torch.randn(128, 256))  # .data: bypasses the counter
    res["data_write"] = rel(lin(x), ref_of(lin, x))
    lin(x)
    lin.weight.numpy()[:] = torch.randn(128, 256).numpy()  # numpy: bypasses it too
    res["numpy_write"] = rel(lin(x), ref_of(lin, x))
    lin.weight = nn.Parameter(torch.randn(128, 256))  # a new tensor
    lin(x)
    res["new_param"] = rel(lin(x), ref_of(lin, x))
    # Freed memory reused: weights of one shape freed and reallocated.
    for i in range(6):
        l2 = nn.Linear(256, 128)
        l2(x); y = l2(x)
        res[f"reuse{i}"] = rel(y, ref_of(l2, x))
        del l2
    # A weight view of another offset in the same storage.
    big = torch.randn(256, 256)
    a, b = big[:128], big[128:]
    F.linear(x, a); F.linear(x, a)
    res["view_b"] = rel(F.linear(x, b), x.double() @ b.double().t())
print(json.dumps(res))
"""
    res, _ = run_py_json(code)
    for k, v in res.items():
        assert v < FP32_BOUND, (k, res)


def test_inference_mode_weights_stay_exact_without_warning():
    code = PRELUDE + """
with torch.inference_mode():
    lin = nn.Linear(128, 64)
    x = torch.randn(32, 128)
    lin(x); lin(x)
    lin.weight.mul_(3)
    y = lin(x)
print(json.dumps({"rel": rel(y, ref_of(lin, x))}))
"""
    res, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3"})
    assert res["rel"] < FP32_BOUND
    assert "inference_mode" not in p.stderr  # the implicit-mode warning is not for fp32
    assert "(fmt 32," not in p.stderr


def test_budget_zero_packs_per_call():
    code = PRELUDE + """
lin = nn.Linear(256, 128); x = torch.randn(64, 256)
with torch.no_grad():
    lin(x); y = lin(x)
print(json.dumps({"rel": rel(y, ref_of(lin, x))}))
"""
    res, p = run_py_json(code, env={"AIO_WEIGHT_CACHE_MB": "0", "AIO_DEBUG_MODE": "3"})
    assert res["rel"] < FP32_BOUND
    assert "(fmt 32," not in p.stderr


def test_small_m_does_not_pack():
    code = PRELUDE + """
lin = nn.Linear(256, 128)
out = []
with torch.no_grad():
    for m in (1, 4, 8, 15):
        x = torch.randn(m, 256)
        lin(x); out.append(rel(lin(x), ref_of(lin, x)))
print(json.dumps({"rel": max(out)}))
"""
    res, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3"})
    assert res["rel"] < FP32_BOUND
    assert "(fmt 32," not in p.stderr  # decode keeps streaming the weight
