"""GroupNorm, BatchNorm (eval) and InstanceNorm under aio give stock's
results and gradients (NCHW and channels_last, 1-D..3-D), are no less
exact than stock against float64 on constant, tiny and large-offset
inputs, keep stock's output strides, and the profiler shows which calls
ran on aio and which fell back."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run

CASES = ROOT / "tests/python/workloads/group_batch_norm_cases.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("gbn")
    prof = d / "prof.json"
    # The paths stock wins by speed (policy) are checked with the policy lifted.
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof, "AIO_IGNORE_POLICY": "1"})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())["ops"]


def test_same_cases(results):
    aio, stock, _ = results
    assert aio.keys() == stock.keys() and len(aio) > 150


def test_matches_stock(results):
    aio, stock, _ = results
    checked, stock_worse = 0, []
    for name, outs in aio.items():
        for key, got in outs.items():
            want = stock[name][key]
            if key in ("stride", "y64") or name.startswith("fallback"):
                assert torch.equal(got, want), f"{name} {key}"
                continue
            assert got.shape == want.shape and got.dtype == want.dtype, f"{name} {key}"
            scale = want.abs().max().item() + 1
            # Summation order differs; on large-offset inputs both carry the
            # rounding of the fp32 inputs themselves, relative to the spread.
            atol = (2e-3 if " offset " in name else 2e-5) * scale
            if key == "y" and "y64" in outs:
                e_aio = (got.double() - outs["y64"]).abs().max().item()
                e_stock = (want.double() - outs["y64"]).abs().max().item()
                if e_stock > 10 * e_aio + atol:
                    # Stock is the inexact one (its channels_last GroupNorm
                    # cancels when |mean| >> std, e.g. 1e3 off on a 3e3
                    # offset, 7e-4 on constant input): hold aio to float64.
                    torch.testing.assert_close(got.double(), outs["y64"], rtol=1e-4, atol=atol, msg=f"{name} {key}")
                    stock_worse.append(name)
                    checked += 1
                    continue
            torch.testing.assert_close(got, want, rtol=1e-4, atol=atol, msg=f"{name} {key}")
            checked += 1
    assert checked > 200
    # Known: stock's channels_last GroupNorm on large-offset and constant inputs.
    assert all(n.startswith("gn") and " cl " in n for n in stock_worse), stock_worse


def test_no_less_exact_than_stock(results):
    """Against float64 of the same module: aio's error is at most stock's
    (plus fp32 rounding of the output) everywhere, and 0 where the input is
    constant and the module has no affine part (up to the float64
    reference's own rounding, < 1e-12; stock's error there is ~1e-5)."""
    aio, stock, _ = results
    worse = []
    for name, outs in aio.items():
        if "y64" not in outs:
            continue
        ref = outs["y64"]
        e_aio = (outs["y"].double() - ref).abs().max().item()
        e_stock = (stock[name]["y"].double() - ref).abs().max().item()
        ulp = ref.abs().max().item() * 2 ** -23 + 1e-30
        if e_aio > max(e_stock, 4 * ulp):
            worse.append((name, e_aio, e_stock))
        if " const " in name and "affineFalse" in name and not name.startswith("bn"):
            assert e_aio < 1e-12, (name, e_aio)
    assert not worse, worse[:5]


def test_profiler_counts(results):
    *_, ops = results
    gn, bn = ops["aten::native_group_norm"], ops["aten::native_batch_norm"]
    # 1-D..3-D x layouts x affine x inputs (+grad) for each kind, plus extras.
    assert gn["accelerated"] >= 50, gn
    # The float64 reference runs of every case go to stock (dtype);
    # group_norm makes a transposed input contiguous before the op.
    assert gn["fallback"].get("dtype", 0) >= 50, gn
    # Eval BatchNorm and InstanceNorm (training mode, no running stats) on
    # aio; training with running stats on stock.
    assert bn["accelerated"] >= 90, bn
    assert bn["fallback"].get("args", 0) >= 1, bn


def test_policy_sends_slow_classes_to_stock(tmp_path):
    """Without the knob: channels_last GroupNorm and NCHW eval BatchNorm run
    on stock (policy); NCHW GroupNorm, channels_last eval BatchNorm and
    InstanceNorm on aio."""
    prof = tmp_path / "prof.json"
    code = """
import torch, torch.nn as nn
x = torch.randn(2, 16, 5, 5)
cl = x.contiguous(memory_format=torch.channels_last)
with torch.no_grad():
    gn, bn, inn = nn.GroupNorm(4, 16), nn.BatchNorm2d(16).eval(), nn.InstanceNorm2d(16)
    gn(x); gn(cl); bn(x); bn(cl); inn(x)
"""
    run([sys.executable, "-c", code], env={"AIO_PROFILER_FILE": prof})
    ops = json.loads(prof.read_text())["ops"]
    gn, bn = ops["aten::native_group_norm"], ops["aten::native_batch_norm"]
    assert gn["accelerated"] == 1 and gn["fallback"] == {"policy": 1}, gn
    assert bn["accelerated"] == 2 and bn["fallback"] == {"policy": 1}, bn


def test_layer_norm_constant_and_one_element_rows_exact():
    """LayerNorm shares the statistics: constant rows (padding tokens) give
    exactly 0 with unit weight and zero bias, as stock does; one-element
    rows give the bias exactly."""
    from conftest import run_py_json
    res, _ = run_py_json("""
        import json, torch, torch.nn.functional as F
        x = torch.full((4, 768), 12.3)
        y = F.layer_norm(x, (768,), torch.ones(768), torch.zeros(768))
        b = torch.randn(1)
        y1 = F.layer_norm(torch.randn(5, 1) * 100, (1,), torch.randn(1), b)
        print(json.dumps([y.abs().max().item(), (y1 - b).abs().max().item()]))
    """, env={"AIO_PROFILER": "1"})
    assert res == [0.0, 0.0], res
