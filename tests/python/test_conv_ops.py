"""Convolutions under aio give stock's results, output strides and
gradients (Conv1d/2d/3d, strides, paddings, dilation, groups, 1x1, NCHW and
channels_last, TorchScript, meta tensors); the profiler shows which calls
ran on aio and which stayed on stock, and why."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run

CASES = ROOT / "tests/python/workloads/conv_cases.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    prof = d / "prof.json"
    # Stock is faster for every fp32 class measured (policy): the lowering
    # is exercised with the policy lifted.
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof, "AIO_IGNORE_POLICY": "1"})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())["ops"]


def test_policy_keeps_fp32_conv_on_stock(tmp_path):
    """Without the knob, fp32 convolutions run on stock (reason policy)."""
    prof = tmp_path / "prof.json"
    run([sys.executable, "-c", "import torch; torch.nn.Conv2d(16, 32, 3)(torch.randn(1, 16, 9, 9))"],
        env={"AIO_PROFILER_FILE": prof})
    conv = json.loads(prof.read_text())["ops"]["aten::_convolution"]
    assert conv["accelerated"] == 0 and conv["fallback"] == {"policy": 1}, conv


def test_same_cases(results):
    aio, stock, _ = results
    assert aio.keys() == stock.keys() and len(aio) > 60


def test_matches_stock(results):
    aio, stock, _ = results
    checked = 0
    for name, outs in aio.items():
        for key, got in outs.items():
            want = stock[name][key]
            assert got.shape == want.shape and got.dtype == want.dtype, f"{name} {key}"
            if key in ("stride", "shape") or name.startswith("fallback"):
                assert torch.equal(got, want), f"{name} {key}"
                continue
            # Summation order differs from oneDNN's.
            scale = want.abs().max().item() + 1e-6
            torch.testing.assert_close(got, want, rtol=1e-4, atol=2e-5 * scale, msg=f"{name} {key}")
            checked += 1
    assert checked > 70


def test_profiler_counts(results):
    *_, ops = results
    conv = ops["aten::_convolution"]
    assert conv["accelerated"] >= 40, conv
    fb = conv["fallback"]
    # depthwise (policy), f64 (dtype), transposed and tracing (args).
    assert fb.get("policy", 0) >= 4 and fb.get("dtype", 0) >= 1 and fb.get("args", 0) >= 1, conv
