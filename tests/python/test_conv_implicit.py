"""Implicit bf16/fp16 convolutions (the `Convolution` filter class,
docs/filters.md): every case of workloads/conv_cases.py under
AIO_IMPLICIT_BF16_TRANSFORM_FILTER (policy lifted, so the bf16 lowering
runs at every shape it applies to) stays within bf16 rounding of stock
fp32; the FP16 filter `.*` covers convolutions; the policy keeps the
measured losing classes on stock; converted weights are never stale."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run, run_py_json

CASES = ROOT / "tests/python/workloads/conv_cases.py"
BF16 = {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "Convolution"}


def bf16_native():
    import platform
    from host_caps import x86_without_bf16_dot
    # aarch64 has its bf16 kernel too, but this file is checked on x86.
    return platform.machine() == "x86_64" and not x86_without_bf16_dot()


pytestmark = pytest.mark.skipif(not bf16_native(), reason="no bf16 dot-product instructions: conv stays fp32")


def cosine(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    return (a @ b / (a.norm() * b.norm() + 1e-30)).item()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("convbf16")
    prof = d / "prof.json"
    run([sys.executable, str(CASES), str(d / "aio.pt")],
        env={**BF16, "AIO_PROFILER_FILE": prof, "AIO_IGNORE_POLICY": "1"})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())["ops"]


def test_within_bf16_rounding(results):
    aio, stock, ops = results
    checked = 0
    for name, outs in aio.items():
        for key, got in outs.items():
            want = stock[name][key]
            assert got.shape == want.shape and got.dtype == want.dtype, f"{name} {key}"
            if key in ("stride", "shape"):
                assert torch.equal(got, want), f"{name} {key}"
                continue
            # bf16 operands: ~2^-9 relative per product, fp32 sums.
            scale = want.abs().max().item() + 1e-6
            err = (got - want).abs().max().item() / scale
            assert err < 2e-2 and cosine(got, want) > 0.9995, f"{name} {key}: err {err:.2e}"
            # Not the fp32 result: the bf16 route really ran (most cases).
            checked += err > 1e-6
    assert checked > 40
    assert ops["aten::_convolution"]["accelerated"] >= 40, ops["aten::_convolution"]


@pytest.mark.parametrize("var", ["AIO_IMPLICIT_BF16_TRANSFORM_FILTER", "AIO_IMPLICIT_FP16_TRANSFORM_FILTER"])
def test_filter_star_covers_convolution(tmp_path, var):
    """".*" reaches convolutions; a 1x1 (a class that wins) runs on aio, a
    NCHW 3x3 with 64 channels (a class that loses) stays on stock (policy)."""
    prof = tmp_path / "prof.json"
    code = """
import torch
with torch.no_grad():
    torch.nn.Conv2d(64, 128, 1)(torch.randn(1, 64, 14, 14))
    torch.nn.Conv2d(64, 64, 3, padding=1)(torch.randn(1, 64, 14, 14))
print("{}")
"""
    run_py_json(code, env={var: ".*", "AIO_PROFILER_FILE": prof})
    conv = json.loads(prof.read_text())["ops"]["aten::_convolution"]
    assert conv["accelerated"] == 1 and conv["fallback"] == {"policy": 1}, conv


def test_filter_other_names_leave_conv_fp32(tmp_path):
    prof = tmp_path / "prof.json"
    run_py_json("import torch; torch.nn.Conv2d(64, 128, 1)(torch.randn(1, 64, 14, 14)); print('{}')",
                env={"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "FullyConnected", "AIO_PROFILER_FILE": prof})
    conv = json.loads(prof.read_text())["ops"]["aten::_convolution"]
    assert conv["accelerated"] == 0, conv


def test_converted_weights_never_stale():
    """The bf16 weight is cached from the second call on; in-place updates,
    .data writes and load_state_dict are seen by the next call."""
    code = """
import json, torch
torch.manual_seed(0)
m = torch.nn.Conv2d(64, 96, 1).eval()
x = torch.randn(1, 64, 9, 9)
def ref():
    return torch.einsum('oc,nchw->nohw', m.weight[:, :, 0, 0].double(), x.double()) + m.bias.double()[:, None, None]
def err():
    with torch.no_grad():
        y = m(x).double()
    r = ref()
    return ((y - r).abs().max() / r.abs().max()).item()
out = {}
with torch.no_grad():
    out["first"], out["cached"] = err(), err()
    m.weight.mul_(-3.0)
    out["in_place"] = err()
    m.weight.data.copy_(torch.randn_like(m.weight))
    out["data"] = err()
    m.load_state_dict({"weight": torch.randn_like(m.weight), "bias": m.bias.clone()})
    out["load_state_dict"] = err()
    err()
    w2 = torch.nn.Conv2d(64, 96, 1).eval()
    del m
    m = w2
    out["new_module"] = err()
print(json.dumps(out))
"""
    res, _ = run_py_json(code, env=BF16)
    for k, e in res.items():
        assert e < 1e-2, (k, res)
