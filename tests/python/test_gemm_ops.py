"""aten::addmm / aten::mm overrides: same results as stock over shapes,
strides, broadcasts, out= and dtypes, and the profiler shows what ran."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run
from host_caps import x86_without_bf16_dot

CASES = ROOT / "tests/python/workloads/gemm_cases.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("gemm")
    prof = d / "prof.json"
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    run([sys.executable, str(CASES), str(d / "ref.pt")], preload=False, env={"GEMM_CASES_REFERENCE": "1"})
    return (torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), torch.load(d / "ref.pt"),
            json.loads(prof.read_text()))


def test_same_cases_ran(results):
    aio, stock, ref, _ = results
    assert aio.keys() == stock.keys() == ref.keys()
    assert len(aio) > 150


def test_fp32_matches_stock_and_fp64_reference(results):
    aio, stock, ref, _ = results
    checked = 0
    for name, got in aio.items():
        if got.dtype != torch.float32:
            continue
        want = stock[name]
        assert got.shape == want.shape and got.stride() == want.stride(), name
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4, equal_nan=True, msg=name)
        torch.testing.assert_close(got.double(), ref[name], rtol=1e-4, atol=1e-4, equal_nan=True, msg=name)
        checked += 1
    assert checked > 150


def test_other_dtypes_are_bit_identical_to_stock(results):
    aio, stock, _, _ = results
    others = [n for n, t in aio.items() if t.dtype != torch.float32]
    assert len(others) == 8
    for name in others:
        assert aio[name].dtype == stock[name].dtype, name
        if aio[name].dtype == torch.float16:  # accelerated (gemm_lowp.cpp): fp32 math, one rounding
            torch.testing.assert_close(aio[name], stock[name], rtol=4e-3, atol=4e-3, msg=name)
            continue
        assert torch.equal(aio[name], stock[name]), name


def test_profiler_counts_accelerated_and_fallbacks(results):
    *_, prof = results
    assert prof["torch_version"].startswith(torch.__version__.split("+")[0])
    ops = prof["ops"]
    for op in ("aten::addmm", "aten::mm", "aten::addmm.out", "aten::mm.out"):
        assert op in ops
        entry = ops[op]
        assert entry["calls"] == entry["accelerated"] + sum(entry["fallback"].values())
    assert ops["aten::addmm"]["accelerated"] >= 120  # linear with bias
    assert ops["aten::addmm"]["fallback"]["strides"] >= 1  # transposed activation
    assert ops["aten::mm"]["accelerated"] >= 150  # linear without bias, matmul, mm
    assert ops["aten::addmm.out"]["accelerated"] >= 2  # fresh and aliasing self
    # fp64/int: dtype; bf16 at M > 4: policy where the CPU has bf16 dot
    # products (elsewhere aio's fp32 route takes it; fp16 is accelerated,
    # test_lowp_gemm.py); empty M/K: empty; resize and strided out: out.
    assert ops["aten::mm"]["fallback"]["dtype"] >= 3
    if x86_without_bf16_dot():
        assert ops["aten::mm"]["fallback"].get("policy", 0) == 0
    else:
        assert ops["aten::mm"]["fallback"]["policy"] >= 1
    assert ops["aten::addmm"]["fallback"]["dtype"] >= 1
    assert ops["aten::mm"]["fallback"]["empty"] >= 2
    assert ops["aten::mm.out"]["fallback"]["out"] >= 2
    assert ops["aten::addmm"]["fallback"]["args"] >= 1  # alpha == 0
