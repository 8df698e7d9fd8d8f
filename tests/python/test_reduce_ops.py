"""max/min(dim) and argmax/argmin overrides (dispatch/override_reduce.cpp):
bit-identical to stock over shapes, dims, strides, dtypes, edge sizes and
NaN/inf/tie placement, autograd, torch.compile and TorchScript
(workloads/reduce_cases.py runs once under aio, once stock); the profiler
shows the accelerated calls and why the others fell back."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run, run_py_json

CASES = ROOT / "tests/python/workloads/reduce_cases.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("reduce")
    prof = d / "prof.json"
    # AIO_PROFILER_FILE: per-op counts of accelerated calls and fallbacks
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())


def same(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (a.dtype == b.dtype and a.shape == b.shape and a.stride() == b.stride()
            and torch.equal(a.view(-1).view(torch.uint8) if a.is_floating_point() else a,
                            b.view(-1).view(torch.uint8) if b.is_floating_point() else b))


def test_same_cases_ran(results):
    aio, stock, _ = results
    assert aio.keys() == stock.keys()
    assert len(aio) > 1500


def test_bit_identical_to_stock(results):
    aio, stock, _ = results
    bad = [k for k in stock if not same(aio[k], stock[k])]
    assert not bad, f"{len(bad)} cases differ, first: {bad[:5]}"


def test_nan_propagates_as_stock(results):
    aio, _, _ = results
    v, i = aio["float32 nan n65 max d-1 k0"]
    assert torch.isnan(v).all() and i.tolist() == [32, 64, 0]
    v, i = aio["bfloat16 nan n17 min d1 k0"]
    assert torch.isnan(v).all() and i.tolist() == [8, 16, 0]


def test_profiler_shows_accelerated_and_fallbacks(results):
    *_, prof = results
    ops = prof["ops"]
    for op in ("aten::max.dim", "aten::min.dim", "aten::argmax", "aten::argmin"):
        e = ops[op]
        assert e["calls"] == e["accelerated"] + sum(e["fallback"].values()), op
        assert e["accelerated"] >= 100, op
        fb = e["fallback"]
        assert fb.get("dtype", 0) >= 5, op       # float64, float16, ints
        assert fb.get("strides", 0) >= 10, op    # non-last dims, transposed, strided columns
        assert fb.get("empty", 0) >= 2, op


def test_large_rows_and_threads():
    """Rows split over two threads agree with stock's answer in one process."""
    code = f"""
import torch, json
torch.manual_seed(1); torch.set_num_threads(2)
res = []
for dt in (torch.float32, torch.bfloat16):
  x = torch.randn(300, 4097).to(dt)
  x[7, 4000] = float('nan'); x[9, :] = 1.0
  v, i = x.max(-1); a = x.argmin(-1)
  ref_i = torch.tensor([int(torch.nonzero(torch.isnan(r))[0]) if torch.isnan(r).any() else
                        int(torch.nonzero(r == r.float().max().to(r.dtype))[0]) for r in x])
  ref_a = torch.tensor([int(torch.nonzero(torch.isnan(r))[0]) if torch.isnan(r).any() else
                        int(torch.nonzero(r == r.float().min().to(r.dtype))[0]) for r in x])
  res += [bool((i == ref_i).all()), bool((a == ref_a).all()), bool(torch.equal(v[8], x[8, i[8]]))]
print(json.dumps(res))
"""
    assert run_py_json(code)[0] == [True] * 6


def test_torch_compile_matches_float64_stock(tmp_path):
    """A compiled graph (AOT autograd, aten ops run eagerly) reaches the
    override; float64, which stays on stock, gives the same indices."""
    code = """
import torch, json
torch.manual_seed(2)
x = torch.randn(16, 1000); x[3, 10] = float('nan')
v, i = torch.compile(lambda t: t.max(-1), backend="aot_eager")(x)
a = torch.compile(lambda t: t.argmin(-1), backend="aot_eager")(x.bfloat16())
rv, ri = x.double().max(-1)
print(json.dumps([torch.equal(i, ri), torch.equal(v.double().nan_to_num(7.0), rv.nan_to_num(7.0)),
                  torch.equal(a, x.bfloat16().double().argmin(-1))]))
"""
    prof = tmp_path / "prof.json"
    obj, _ = run_py_json(code, env={"AIO_PROFILER_FILE": str(prof)})
    assert obj == [True, True, True]
    ops = json.loads(prof.read_text())["ops"]
    assert ops["aten::max.dim"]["accelerated"] >= 1 and ops["aten::argmin"]["accelerated"] >= 1
