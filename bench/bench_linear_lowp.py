"""Explicit low-precision nn.Linear (model.bfloat16() / model.half()): aio
vs stock in the same dtype and vs stock fp32, side by side.

    python bench/bench_linear_lowp.py [--threads N] [--rounds R] [--shapes MxKxN,...]
                                      [--dtypes bf16,fp16]

Stock and aio workers alternate round by round; each cell is the median of
the rounds (each round itself a median of time_median batches). Prints a
Markdown table and writes bench/results/linear_lowp.{json,md}. Weights
cycle through copies past the last-level cache, as in bench_linear.py."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

SHAPES = [(16, 768, 768), (32, 768, 3072), (128, 768, 768), (128, 768, 3072), (128, 3072, 768),
          (128, 1024, 4096), (128, 4096, 1024), (512, 768, 768)]
COLD_BYTES = 128 << 20


def worker(shapes, dtypes, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    dt = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    out = {}
    for (m, k, n) in shapes:
        copies = max(1, min(32, (COLD_BYTES + 2 * n * k - 1) // (2 * n * k)))
        for name in ["fp32"] + dtypes:
            t = dt[name]
            x = torch.randn(m, k).to(t)
            ws = [(torch.randn(n, k).to(t), torch.randn(n).to(t)) for _ in range(copies)]
            step = iter(range(1 << 62))

            def call():
                w, b = ws[next(step) % copies]
                return F.linear(x, w, b)
            with torch.inference_mode():
                for _ in range(2 * copies):
                    call()
                out[f"{name}:{m}x{k}x{n}"] = time_median(call, repeats=7)
            del ws
    # bmm at BERT-base attention shapes (12 heads, s128): QK^T and PV
    for (b, m, k, n) in [(12, 128, 64, 128), (12, 128, 128, 64)]:
        for name in ["fp32"] + dtypes:
            t = dt[name]
            p, q = torch.randn(b, m, k).to(t), torch.randn(b, k, n).to(t)
            with torch.inference_mode():
                out[f"{name}:bmm{b}x{m}x{k}x{n}"] = time_median(lambda: torch.bmm(p, q), repeats=7)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shapes", default="")
    ap.add_argument("--dtypes", default="bf16,fp16")
    a = ap.parse_args()
    shapes = SHAPES
    if a.shapes:
        shapes = [tuple(int(v) for v in s.split("x")) for s in a.shapes.split(",")]
    dtypes = a.dtypes.split(",")
    if a.worker:
        import os
        return worker(shapes, dtypes, a.threads or os.cpu_count())
    args = ["--dtypes", a.dtypes] + (["--threads", str(a.threads)] if a.threads else []) + \
        (["--shapes", a.shapes] if a.shapes else [])
    runs = {"stock": [], "aio": []}
    for _ in range(a.rounds):
        runs["stock"].append(run_worker(Path(__file__), args, aio=False)[0])
        runs["aio"].append(run_worker(Path(__file__), args, aio=True)[0])
    med = {who: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for who, rs in runs.items()}
    st, ai = med["stock"], med["aio"]
    head = "| M x K x N | stock fp32 ms | " + " | ".join(
        f"stock {d} ms | aio {d} ms | aio {d} vs stock {d} | aio {d} vs stock fp32" for d in dtypes) + " |"
    rows = [head, "|---|---:|" + "---:|---:|---:|---:|" * len(dtypes)]
    keys = [f"{m}x{k}x{n}" for (m, k, n) in shapes] + ["bmm12x128x64x128", "bmm12x128x128x64"]
    for key in keys:
        f32 = st[f"fp32:{key}"]
        cells = []
        for d in dtypes:
            s, x = st[f"{d}:{key}"], ai[f"{d}:{key}"]
            cells.append(f"{s*1e3:.3f} | {x*1e3:.3f} | {s/x:.2f}x | {f32/x:.2f}x")
        rows.append(f"| {key} | {f32*1e3:.3f} | " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    print(table)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "linear_lowp.md").write_text(table + "\n")
    (res / "linear_lowp.json").write_text(json.dumps({"seconds": med}, indent=1))


if __name__ == "__main__":
    main()
