"""DLRM end to end on a small configuration (bench/dlrm_model.py): aio fp32
gives stock's logits, int8 tables (AIO_QUANTIZE_INT8_FILTER=EmbeddingBag)
and the mixed mode (FullyConnected fp16 + EmbeddingBag int8) stay close."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run_py

SCRIPT = f"""
import sys, json, torch
sys.path.insert(0, {str(ROOT / 'bench')!r})
from dlrm_model import DLRM, make_inputs
torch.manual_seed(0)
m = DLRM(13, [64, 32], [2000] * 8 + [300] * 18, 16, [64, 32]).eval()
g = torch.Generator().manual_seed(1)
x = make_inputs(m, 64, 20, g)
with torch.no_grad():
    outs = [m(*x) for _ in range(3)]  # the tables are compressed from their second use
print(json.dumps(outs[-1].tolist()))
"""


@pytest.fixture(scope="module")
def stock():
    return torch.tensor(json.loads(run_py(SCRIPT, preload=False).stdout.strip().splitlines()[-1]))


def _logits(env):
    return torch.tensor(json.loads(run_py(SCRIPT, env=env).stdout.strip().splitlines()[-1]))


def test_fp32_equals_stock(stock):
    got = _logits({"AIO_IGNORE_POLICY": "1"})
    torch.testing.assert_close(got, stock, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("env", [{"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag"},
                                 {"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag",
                                  "AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "FullyConnected"}],
                         ids=["int8 tables", "mixed fp16+int8"])
def test_compressed_bounded(stock, env):
    # AIO_IGNORE_POLICY: these tables fit the cache, where the policy keeps
    # them on stock fp32; the test wants the compressed kernels.
    got = _logits({**env, "AIO_IGNORE_POLICY": "1"})
    cos = torch.nn.functional.cosine_similarity(got, stock, dim=0).item()
    assert cos > 0.999, cos
    assert (got - stock).abs().max() < 0.05 * stock.abs().max() + 1e-3
    assert not torch.equal(got, stock)  # compression did happen
