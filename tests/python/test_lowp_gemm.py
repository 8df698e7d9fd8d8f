"""Explicit fp16/bf16 models (aten::addmm/mm/bmm on Half/BFloat16) and the
implicit bf16 filters for MatMul and large-M FullyConnected: results agree
with stock to the dtype's rounding, the profiler shows the accelerated
paths, and results really were computed from bf16-rounded operands where
the filter asks for it."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run
from host_caps import x86_without_bf16_dot

CASES = ROOT / "tests/python/workloads/bmm_cases.py"


def _run_both(d, env):
    prof = d / "prof.json"
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={**env, "AIO_PROFILER_FILE": prof})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False, env=env)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())


@pytest.fixture(scope="module")
def explicit(tmp_path_factory):
    return _run_both(tmp_path_factory.mktemp("lowp"), {"BMM_CASES_SET": "lowp"})


@pytest.fixture(scope="module")
def implicit(tmp_path_factory):
    d = tmp_path_factory.mktemp("implicit")
    prof = d / "prof.json"
    env = {"BMM_CASES_SET": "implicit"}
    run([sys.executable, str(CASES), str(d / "aio.pt")],
        env={**env, "AIO_PROFILER_FILE": prof, "AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "MatMul|FullyConnected"})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False, env=env)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())


def _close(got, want, eps, name):
    # Both round the fp32 accumulation once to the output dtype; orders of
    # summation differ, so allow a few units of the dtype's rounding,
    # relative to the result's scale.
    scale = want.float().abs().max().item() + 1e-6
    torch.testing.assert_close(got.float(), want.float(), rtol=4 * eps, atol=4 * eps * scale, msg=name)


def test_explicit_fp16_bf16_match_stock(explicit):
    aio, stock, _ = explicit
    assert aio.keys() == stock.keys() and len(aio) > 40
    for name, want in stock.items():
        got = aio[name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        _close(got, want, torch.finfo(want.dtype).eps, name)


def test_explicit_profiler(explicit):
    *_, prof = explicit
    ops = prof["ops"]
    for op in ("aten::addmm", "aten::mm", "aten::bmm", "aten::addmm.out", "aten::mm.out", "aten::baddbmm"):
        e = ops[op]
        assert e["calls"] == e["accelerated"] + sum(e["fallback"].values()), op
    # Linear: fp16 at M > 1 and bf16 at M <= 4 (weight-only kernels on the
    # 2-byte weight); fp16 mm/bmm/out= (fp32 kernel on converted operands).
    assert ops["aten::addmm"]["accelerated"] >= 12
    assert ops["aten::mm"]["accelerated"] >= 8
    assert ops["aten::addmm.out"]["accelerated"] >= 1
    assert ops["aten::mm.out"]["accelerated"] >= 1
    assert ops["aten::bmm"]["accelerated"] >= 2
    assert ops["aten::baddbmm"]["accelerated"] >= 1
    if x86_without_bf16_dot():
        # No bf16 arithmetic in stock either: bf16 Linear/mm at every M take
        # the fp32 route; fp16 M == 1 and bf16 bmm stay stock.
        assert ops["aten::addmm"]["accelerated"] >= 24
        assert 1 <= ops["aten::addmm"]["fallback"].get("policy", 0) < 10
        assert ops["aten::bmm"]["fallback"].get("policy", 0) >= 2
    else:
        # Measured faster in stock: bf16 beyond M = 4 and bf16 bmm, fp16 M == 1.
        assert ops["aten::addmm"]["fallback"].get("policy", 0) >= 10
        assert ops["aten::bmm"]["fallback"].get("policy", 0) >= 2


def test_implicit_bf16_matmul_and_fc(implicit):
    aio, stock, prof = implicit
    assert aio.keys() == stock.keys()
    no_dot = x86_without_bf16_dot()
    rounded = 0
    for name, want in stock.items():
        got = aio[name]
        err = (got - want).abs().max().item()
        # bf16 operands: relative error ~ 2^-8 per product, K-summed.
        assert err <= 0.02 * want.abs().max().item() + 1e-4, (name, err)
        # M <= 128 Linear: bf16 weight-only kernel; larger: bf16-dot kernel.
        # Without bf16 dot products (x86 without AVX512_BF16) only the
        # weight-only kernel rounds; MatMul and large-M Linear stay fp32.
        bf16_names = ("imp_linear_64x",) if no_dot else ("imp_bmm_12", "imp_bmm_4", "imp_baddbmm_12", "imp_linear")
        if name.startswith(bf16_names):
            assert err > 1e-5, f"{name}: identical to fp32, bf16 path did not run"
            rounded += 1
        elif name == "imp_bmm_small" or no_dot:
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4, msg=name)  # stays fp32
    assert rounded == (1 if no_dot else 6)
    ops = prof["ops"]
    # (fp32 MatMul leaves 2x40x33x35 to stock by its small-product policy)
    assert ops["aten::bmm"]["accelerated"] >= (3 if no_dot else 4)
    assert ops["aten::baddbmm"]["accelerated"] >= (2 if no_dot else 3)


INT8_F16_CODE = r"""
import json, torch
torch.manual_seed(0)
lin = torch.nn.Linear(256, 96).half()
x = torch.randn(3, 256).half()
with torch.no_grad():
    lin(x)  # first sighting: the weight cache packs on the second
    y = lin(x)
    ref = torch.nn.functional.linear(x.double(), lin.weight.double(), lin.bias.double())
scale = ref.abs().max().item()
print(json.dumps({"dtype": str(y.dtype), "err": (y.double() - ref).abs().max().item() / scale}))
"""


@pytest.mark.parametrize("out_dtype", ["FP16", "FP32"])
def test_int8_convert_out_dtype_fp16_model(out_dtype):
    from conftest import run_py_json
    res, _ = run_py_json(INT8_F16_CODE, env={"AIO_QUANTIZE_INT8_FILTER": "FullyConnected",
                                              "AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE": out_dtype})
    assert res["dtype"] == "torch.float16"
    if out_dtype == "FP16":
        # int8 weights: per-channel rounding of W (~0.4% of max|W|) shows,
        # well above fp16 rounding alone, and stays small.
        assert 2e-3 < res["err"] < 3e-2, res
    else:
        # FP32: INT8 leaves fp16 models alone (fp16 weight, fp32 math).
        assert res["err"] < 2e-3, res
