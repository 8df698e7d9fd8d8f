"""aten::bmm / baddbmm overrides (fp32; torch.matmul on 3-D and 4-D
inputs): same results as stock over shapes, strides (transposed, expanded,
sliced), batch 0/1, out= and autograd; the profiler shows the accelerated
path ran; torch.compile still works on top."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run, run_py_json

CASES = ROOT / "tests/python/workloads/bmm_cases.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("bmm")
    prof = d / "prof.json"
    env = {"BMM_CASES_SET": "fp32"}
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={**env, "AIO_PROFILER_FILE": prof})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False, env=env)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())


def test_fp32_matches_stock(results):
    aio, stock, _ = results
    assert aio.keys() == stock.keys() and len(aio) > 50
    for name, want in stock.items():
        got = aio[name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4, equal_nan=True, msg=name)


def test_autograd_grads_match_stock(results):
    aio, stock, _ = results
    for name in ("grad_q", "grad_k", "grad_v"):
        assert aio[name].abs().sum() > 0
        torch.testing.assert_close(aio[name], stock[name], rtol=1e-4, atol=1e-4, msg=name)


def test_profiler_shows_accelerated_and_reasons(results):
    *_, prof = results
    ops = prof["ops"]
    for op in ("aten::bmm", "aten::bmm.out", "aten::baddbmm", "aten::baddbmm.out"):
        e = ops[op]
        assert e["calls"] == e["accelerated"] + sum(e["fallback"].values()), op
    assert ops["aten::bmm"]["accelerated"] >= 28  # bmm, 4-D matmul, autograd
    assert ops["aten::bmm"]["fallback"].get("policy", 0) >= 2  # small matrices
    assert ops["aten::baddbmm"]["accelerated"] >= 18
    assert ops["aten::bmm"]["fallback"].get("strides", 0) >= 1  # transposed A
    assert ops["aten::bmm"]["fallback"].get("empty", 0) >= 2
    assert ops["aten::bmm"]["fallback"].get("dtype", 0) >= 1  # float64
    assert ops["aten::bmm.out"]["fallback"].get("out", 0) >= 1  # needs resize
    assert ops["aten::baddbmm.out"]["accelerated"] >= 1  # out aliases self
    assert ops["aten::baddbmm"]["fallback"].get("args", 0) >= 1  # alpha == 0


def test_compile_and_meta_unaffected():
    code = r"""
import json, torch
torch.manual_seed(0)
def attn(q, k, v):
    return torch.softmax(q @ k.transpose(-2, -1) * 0.125, -1) @ v
q, k, v = (torch.randn(2, 4, 16, 32) for _ in range(3))
eager = attn(q, k, v)
compiled = torch.compile(attn, backend="aot_eager")(q, k, v)
m = torch.bmm(torch.empty(3, 4, 5, device="meta"), torch.empty(3, 5, 6, device="meta"))
print(json.dumps({"diff": (eager - compiled).abs().max().item(), "meta": list(m.shape),
                  "meta_dev": str(m.device)}))
"""
    out, _ = run_py_json(code)
    assert out["diff"] < 1e-5
    assert out["meta"] == [3, 4, 6] and out["meta_dev"] == "meta"
