"""End to end: vision and audio models (examples/vision_models.py, random
weights, offline, small inputs) under aio give stock's outputs: fp32 within
fp32 tolerance, implicit bf16/fp16 (filter ".*") within the cosine
documented in docs/accuracy.md; the profiler shows which ops ran on aio.
torchvision is imported through python/aio_torchvision.py (PyPI's wheel is
linked against the CUDA torch)."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run
from host_caps import x86_without_bf16_dot

WORKLOAD = r"""
import sys, torch
sys.path.insert(0, sys.argv[2])
import vision_models
torch.set_num_threads(2)
out = {}
for name in vision_models.MODELS:
    model, make = vision_models.build(name, "test")
    x = make(1)
    with torch.no_grad():
        model(x)  # implicit modes convert a weight the second time they see it
        y = model(x)
    ys = y if isinstance(y, list) else [y]
    for i, t in enumerate(ys):
        out[f"{name}.{i}"] = t
    if name == "resnet50":
        cl = model.to(memory_format=torch.channels_last)
        xc = x.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            cl(xc)
            out["resnet50_cl.0"] = cl(xc)
torch.save(out, sys.argv[1])
"""
MODES = {
    "stock": None,
    "aio": {},
    "bf16": {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"},
}
# The FP16 filter takes the same conv route on x86 (no fp16 arithmetic);
# test_conv_implicit.py checks that ".*" of it covers convolutions.
# docs/accuracy.md: implicit modes on these models (random weights).
MIN_COSINE = 0.99


def have_torchvision():
    try:
        sys.path.insert(0, str(ROOT / "python"))
        import aio_torchvision  # noqa: F401
        import torchvision  # noqa: F401
        return True
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not have_torchvision(), reason="torchvision not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("vision")
    res = {}
    for mode, env in MODES.items():
        f = d / f"{mode}.pt"
        extra = dict(env or {}, AIO_PROFILER_FILE=d / f"{mode}.json") if env is not None else None
        run([sys.executable, "-c", WORKLOAD, str(f), str(ROOT / "examples")], preload=env is not None, env=extra,
            timeout=600)
        prof = json.loads((d / f"{mode}.json").read_text())["ops"] if env is not None else None
        res[mode] = (torch.load(f), prof)
    return res


def cosine(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    return (a @ b / (a.norm() * b.norm() + 1e-30)).item()


def test_fp32_equals_stock(outputs):
    stock, _ = outputs["stock"]
    aio, _ = outputs["aio"]
    assert aio.keys() == stock.keys() and len(stock) >= 8
    for k, want in stock.items():
        got = aio[k]
        assert got.shape == want.shape and got.dtype == want.dtype, k
        scale = want.abs().max().item() + 1e-6
        torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-4 * scale, msg=k)


@pytest.mark.parametrize("mode", ["bf16"])
def test_implicit_within_cosine(outputs, mode):
    stock, _ = outputs["stock"]
    got, _ = outputs[mode]
    for k, want in stock.items():
        c = cosine(got[k], want)
        assert c > MIN_COSINE, (k, c)


def test_profiler_shows_aio_ops(outputs):
    _, fp32 = outputs["aio"]
    # UNet-3D's GroupNorm (NCHW) and InstanceNorm-free models: GroupNorm on aio in fp32.
    assert fp32["aten::native_group_norm"]["accelerated"] > 0, fp32["aten::native_group_norm"]
    # fp32 convolutions stay on stock (policy), and say so.
    conv = fp32["aten::_convolution"]
    assert conv["accelerated"] == 0 and conv["fallback"].get("policy", 0) > 0, conv
    if x86_without_bf16_dot():
        return
    _, prof = outputs["bf16"]
    conv = prof["aten::_convolution"]
    print(conv)
    # 1x1 convolutions (ResNet bottlenecks, MobileNet, YOLO heads), the
    # stems, Whisper's stride-1 Conv1d, channels_last 3x3 with >= 128
    # channels run on aio; the rest stays on stock by policy.
    assert conv["accelerated"] >= 60 and conv["fallback"].get("policy", 0) > 0, conv
