"""EmbeddingBag and Embedding: aten::_embedding_bag(_forward_only) and
aten::embedding give stock's results (all four EmbeddingBag outputs, every
mode, per_sample_weights, include_last_offset, padding_idx, int32/int64
indices, fp32/fp16/bf16 tables), stock's errors for bad input, stock's
training bit for bit; the compressed tables of the EmbeddingBag filters stay
within their bound and are never served stale; the per-op report shows what
ran and the cache's size."""
import json
import sys

import pytest
import torch

from conftest import ROOT, aio_lines, run, run_py, run_py_json

CASES = ROOT / "tests/python/workloads/embedding_cases.py"
COMPRESSED = ROOT / "tests/python/workloads/embedding_compressed.py"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("emb")
    prof = d / "prof.json"
    # AIO_IGNORE_POLICY: our kernels also where stock's fast path is faster, to test them.
    run([sys.executable, str(CASES), str(d / "aio.pt")], env={"AIO_PROFILER_FILE": prof, "AIO_IGNORE_POLICY": 1})
    run([sys.executable, str(CASES), str(d / "stock.pt")], preload=False)
    return torch.load(d / "aio.pt"), torch.load(d / "stock.pt"), json.loads(prof.read_text())["ops"]


def test_same_cases_ran(results):
    aio, stock, _ = results
    assert aio.keys() == stock.keys() and len(aio) > 500


def _tol(dtype):
    return {torch.float32: 1e-5, torch.float16: 1e-3, torch.bfloat16: 8e-3}.get(dtype, 0)


def test_outputs_match_stock(results):
    aio, stock, _ = results
    exact_sums = 0
    for name, want_all in stock.items():
        got_all = aio[name]
        assert got_all.keys() == want_all.keys(), f"{name}: {got_all} vs {want_all}"
        for key, want in want_all.items():
            got = got_all[key]
            if isinstance(want, str):
                continue  # errors: test_errors_match_stock
            assert got.shape == want.shape and got.dtype == want.dtype, f"{name} {key}"
            if not want.is_floating_point() or name.startswith(("train", "Embedding", "error")):
                # Index outputs, gathers and everything on stock: identical.
                assert torch.equal(got, want), f"{name} {key}"
            elif " sum " in name and "psw=False" in name and "float32" in name:
                # Unweighted fp32 sums add the rows in stock's order, from 0.
                assert torch.equal(got, want), f"{name} {key}"
                exact_sums += 1
            else:
                torch.testing.assert_close(got, want, rtol=_tol(want.dtype), atol=_tol(want.dtype),
                                           msg=f"{name} {key}")
    assert exact_sums > 20


def test_errors_match_stock(results):
    aio, stock, _ = results
    errors = {n: v["error"] for n, v in stock.items() if "error" in v}
    assert len(errors) >= 18
    for name, text in errors.items():
        assert aio[name] == {"error": text}, name


def test_training_is_stock(results):
    aio, stock, _ = results
    names = [n for n in stock if n.startswith("train")]
    assert len(names) == 7
    for n in names:
        for k in stock[n]:
            assert torch.equal(aio[n][k], stock[n][k]), f"{n} {k}"


def test_report_shows_what_ran(results):
    *_, ops = results
    for op in ("aten::_embedding_bag", "aten::_embedding_bag_forward_only", "aten::embedding"):
        assert ops[op]["accelerated"] > 0, op
    fb = ops["aten::_embedding_bag_forward_only"]["fallback"]
    # double tables, the transposed table, bad input
    assert fb.get("dtype", 0) > 0 and fb.get("strides", 0) > 0 and fb.get("args", 0) > 0
    assert ops["aten::_embedding_bag"]["fallback"].get("args", 0) > 0  # training


@pytest.mark.parametrize("fmt,var", [("qu8", "AIO_QUANTIZE_INT8_FILTER"),
                                     ("f16", "AIO_IMPLICIT_FP16_TRANSFORM_FILTER"),
                                     ("bf16", "AIO_IMPLICIT_BF16_TRANSFORM_FILTER")])
def test_compressed_tables_bounded_and_never_stale(tmp_path, fmt, var):
    prof = tmp_path / "prof.json"
    p = run([sys.executable, str(COMPRESSED), fmt],
            env={var: "EmbeddingBag", "AIO_PROFILER_FILE": prof, "AIO_DEBUG_MODE": 3,
                 "AIO_IGNORE_POLICY": 1})  # small tables: the policy would keep them on stock fp32
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert len(res) == 18
    for name, (ratio, cos) in res.items():
        assert ratio <= 1.0, f"{name}: error {ratio:.3g} x the compression bound (stale table?)"
        assert cos > 0.9999, name
    # Each table's first sighting is exact fp32, compressed from the second:
    # the test sees both.
    assert res["sum call 0"][0] < 1e-3 and res["sum call 1"][0] > 1e-2
    want = {"qu8": "uint8 per-row", "f16": "fp16", "bf16": "bf16"}[fmt]
    assert any(f"EmbeddingBag: {want} tables" in l for l in aio_lines(p.stderr)), p.stderr
    gauge = json.loads(prof.read_text())["gauges"]["weight_cache_bytes"]
    per_elem = 1 if fmt == "qu8" else 2
    assert gauge["peak"] >= 5000 * 64 * per_elem  # the report shows the cache's size


def test_mixed_mode_fc_fp16_embedding_int8():
    """Both filters: the spec's mixed mode, FullyConnected fp16 and EmbeddingBag int8."""
    p = run_py("""
        import torch
        lin = torch.nn.Linear(64, 64); emb = torch.nn.EmbeddingBag(100, 64)
        with torch.no_grad():
            for _ in range(3):
                lin(emb(torch.arange(20), torch.tensor([0, 5])))
        """, env={"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag", "AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "FullyConnected",
                  "AIO_DEBUG_MODE": 3})
    lines = aio_lines(p.stderr)
    assert any("FullyConnected: weights as fp16" in l for l in lines), p.stderr
    assert any("EmbeddingBag: uint8 per-row tables" in l for l in lines), p.stderr


def test_policy_defers_to_stock_fast_path(tmp_path):
    """Uncompressed sum/mean without padding_idx and Embedding stay on stock
    (measured faster); max, padding_idx and compressed tables run aio's."""
    prof = tmp_path / "prof.json"
    run_py("""
        import torch, torch.nn.functional as F
        w = torch.randn(100, 16); i = torch.randint(0, 100, (30,)); o = torch.tensor([0, 10, 20])
        F.embedding_bag(i, w, o, mode="sum"); F.embedding_bag(i, w, o, mode="mean")
        F.embedding_bag(i, w, o, mode="max"); F.embedding_bag(i, w, o, mode="sum", padding_idx=3)
        F.embedding(i, w)
        """, env={"AIO_PROFILER_FILE": prof})
    ops = json.loads(prof.read_text())["ops"]
    bag = ops["aten::_embedding_bag_forward_only"]
    assert bag["calls"] == 4 and bag["accelerated"] == 2 and bag["fallback"] == {"policy": 2}
    assert ops["aten::embedding"]["fallback"] == {"policy": 1}


def test_policy_cache_resident_tables_stay_fp32(tmp_path):
    """Under a compression filter, an fp32 table that fits the last-level
    cache (32 MiB) stays on stock, exactly and with no compressed copy; a
    larger one is compressed. max and padding_idx calls still run aio's."""
    prof = tmp_path / "prof.json"
    out, _ = run_py_json("""
        import json, torch, torch.nn.functional as F
        small = torch.randn(1000, 64); big = torch.randn(140000, 64)  # 0.25 MiB, 34 MiB
        i = torch.randint(0, 1000, (30,)); o = torch.tensor([0, 10, 20])
        err = []
        for w in (small, big):
            for _ in range(4):  # compressed from the second use
                got = F.embedding_bag(i, w, o, mode="sum")
            ref = w.double()[i].view(3, 10, 64).sum(1)
            err.append((got.double() - ref).abs().max().item())
        F.embedding_bag(i, small, o, mode="max")
        print(json.dumps(err))
        """, env={"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag", "AIO_PROFILER_FILE": prof})
    ops = json.loads(prof.read_text())["ops"]
    bag = ops["aten::_embedding_bag_forward_only"]
    # small: 4 sums on stock (policy); big: 4 sums on aio; max on aio.
    assert bag["calls"] == 9 and bag["fallback"] == {"policy": 4} and bag["accelerated"] == 5, bag
    assert out[0] < 1e-4, out  # the small table: fp32 sums, no int8 error
    assert out[1] > 1e-3, out  # the big one: int8 rows (step (max - min) / 255)
