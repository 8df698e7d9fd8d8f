"""RMSNorm / LayerNorm / RoPE: aten::rms_norm and aten::native_layer_norm
give stock's results (and stock's gradients) through nn.RMSNorm,
F.rms_norm, nn.LayerNorm, F.layer_norm; torch.ops.aio.rms_norm and
torch.ops.aio.rope match the spec's reference Python, work on meta/fake
tensors and under torch.compile, refuse backward clearly; the profiler
shows the fused kernels ran."""
import json
import sys

import pytest
import torch

from conftest import ROOT, run

NORM_CASES = ROOT / "tests/python/workloads/norm_cases.py"
CUSTOM_CASES = ROOT / "tests/python/workloads/custom_op_cases.py"


@pytest.fixture(scope="module")
def norm_results(tmp_path_factory):
    d = tmp_path_factory.mktemp("norm")
    prof = d / "prof.json"
    run([sys.executable, str(NORM_CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof})
    run([sys.executable, str(NORM_CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())["ops"]


@pytest.fixture(scope="module")
def custom_results(tmp_path_factory):
    prof = tmp_path_factory.mktemp("custom") / "prof.json"
    p = run([sys.executable, str(CUSTOM_CASES)], env={"AIO_PROFILER_FILE": prof})
    return json.loads(p.stdout.strip().splitlines()[-1]), json.loads(prof.read_text())["ops"]


def test_same_cases_ran(norm_results):
    aio, stock, _ = norm_results
    assert aio.keys() == stock.keys() and len(aio) > 300


def _ulp(dtype):
    return {torch.float32: 1e-5, torch.bfloat16: 2 ** -7, torch.float16: 2 ** -9}.get(dtype, 0)


def test_rms_norm_matches_stock(norm_results):
    aio, stock, _ = norm_results
    checked = 0
    for name, outs in aio.items():
        if not (name.startswith("rms_norm") or name.startswith("nn.RMSNorm")):
            continue
        for key, got in outs.items():
            want = stock[name][key]
            assert got.shape == want.shape and got.dtype == want.dtype, name
            if " grad" in name or "functorch" in name or want.dtype == torch.float64:
                # requires_grad, functorch transforms and f64 take the stock
                # decomposition: identical.
                assert torch.equal(got, want), f"{name} {key}"
            else:
                # fp32 summation order differs; bf16/f16 may round one ulp apart.
                torch.testing.assert_close(got, want, rtol=_ulp(want.dtype), atol=1e-6, msg=f"{name} {key}")
            checked += 1
    assert checked > 280


def test_layer_norm_matches_stock_and_grads(norm_results):
    aio, stock, _ = norm_results
    checked = 0
    for name, outs in aio.items():
        if "ayer_norm" not in name and "LayerNorm" not in name:
            continue
        for key, got in outs.items():
            want = stock[name][key]
            assert got.shape == want.shape and got.dtype == want.dtype and got.stride() == want.stride(), name
            if want.dtype != torch.float32:
                assert torch.equal(got, want), f"{name} {key}"
                continue
            # Where normalized values cancel to ~0 (hidden 1), stock's own
            # result is rounding noise of x*rstd - mean*rstd, rstd = 1/sqrt(eps).
            atol = 2e-4 if " n1 " in name + " " else 2e-6
            torch.testing.assert_close(got, want, rtol=1e-5, atol=atol, msg=f"{name} {key}")
            checked += 1
    assert checked > 60


def test_profiler_shows_fused_norms_and_stock_for_autograd(norm_results):
    *_, ops = norm_results
    rms = ops["aten::rms_norm"]
    assert rms["accelerated"] >= 150, rms
    # requires_grad -> stock decomposition (args); transposed/expanded rows
    # -> stock (strides); mixed and f64 dtypes -> stock (dtype).
    assert rms["fallback"].get("args", 0) >= 3 and rms["fallback"].get("strides", 0) > 0, rms
    assert rms["fallback"].get("dtype", 0) >= 2, rms
    ln = ops["aten::native_layer_norm"]
    assert ln["accelerated"] >= 60 and ln["fallback"].get("dtype", 0) >= 1, ln
    assert ln["fallback"].get("policy", 0) == 1 and ln["fallback"].get("strides", 0) == 1, ln


def test_custom_rms_norm_matches_reference(custom_results):
    res, _ = custom_results
    bad = [c for c in res["rms"] if not c[-1]]
    assert len(res["rms"]) == 4 * 10 * 4 * 2 and not bad, bad[:5]
    assert res["rms_mixed_dtype"] == "torch.bfloat16"


def test_custom_rope_matches_reference(custom_results):
    res, _ = custom_results
    bad = [c for c in res["rope"] if not c[-1]]
    assert len(res["rope"]) == 4 * 8 + 3 and not bad, bad[:5]
    fp32 = [c[-2] for c in res["rope"] if c[0] == "torch.float32"]
    assert max(fp32) <= 1e-5


def test_custom_ops_meta_fake_and_compile(custom_results):
    res, _ = custom_results
    assert res["meta"] == [[4, 7, 96], "torch.bfloat16", [2, 8, 5, 64], "torch.float16"]
    assert res["fake"] == [[3, 64], [1, 2, 3, 16], [3, 64]]
    assert res["compile"] < 1e-5


def test_custom_ops_are_forward_only_with_clear_errors(custom_results):
    res, _ = custom_results
    err = res["errors"]
    assert res["requires_grad_rms_norm"] and res["requires_grad_rope"] and res["no_grad_ok"]
    assert err["backward_rms_norm"].startswith("aio::rms_norm is forward-only")
    assert err["backward_rope"].startswith("aio::rope is forward-only")
    assert "query_states must be [batch, heads, seq, head_dim]" in err["rope_rank"]
    assert "head_dim must be even" in err["rope_odd"]
    assert "position_ids must be" in err["rope_pos"]
    assert "weight must be 1-D" in err["rms_weight"]
    assert "must be floating point" in err["rms_int"]
    assert res["alive"] == pytest.approx(4.0)


def test_profiler_shows_custom_kernels_ran(custom_results):
    _, ops = custom_results
    assert ops["aio::rms_norm"]["accelerated"] >= 240 and ops["aio::rms_norm"]["fallback"] == {"dtype": 80}
    rope = ops["aio::rope"]
    assert rope["accelerated"] >= 27, rope
    # f64 -> composite (dtype); negative / fractional positions -> composite (args).
    assert rope["fallback"].get("dtype") == 8 and rope["fallback"].get("args") == 2, rope


def test_custom_ops_absent_without_preload():
    p = run([sys.executable, "-c", "import torch; print(hasattr(torch.ops.aio, 'rope'))"], preload=False)
    assert p.stdout.strip() == "False"
