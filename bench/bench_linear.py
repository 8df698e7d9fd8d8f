"""fp32 nn.Linear (aten::addmm / aten::mm) speed, aio vs stock, side by side.

    python bench/bench_linear.py [--quick] [--threads N] [--modes fp32,fp16,bf16,int8]

Prints a Markdown table of median latencies and the stock/aio ratio (>1 is
aio faster) and writes bench/results/linear.{json,md}.

Each shape cycles through enough copies of its weight to exceed the last-
level cache (like the layers of a real model), so decode-sized shapes are
measured streaming weights from memory, not from a warm cache."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

MODES = {  # aio modes compared with stock fp32 in the same run
    "fp32": {},
    "fp16": {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "FullyConnected"},
    "bf16": {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "FullyConnected"},
    "int8": {"AIO_QUANTIZE_INT8_FILTER": "FullyConnected"},
    "int4": {"AIO_QUANTIZE_INT4_FILTER": "FullyConnected"},
    # fp32 without the weight cache: W packed on every call at M >= 16
    # (what the pre-packed panels replace)
    "fp32_percall": {"AIO_WEIGHT_CACHE_MB": "0"},
}

SHAPES = [  # (M, K, N): tiny, decode, small batch and encoder shapes
    (1, 16, 16), (4, 64, 64), (16, 128, 128), (64, 256, 64), (2048, 64, 16),
    (1, 768, 768), (1, 1024, 4096), (1, 4096, 1024), (1, 2048, 2048), (1, 4096, 4096),
    (8, 768, 768), (8, 2048, 2048), (8, 4096, 4096),
    (32, 768, 3072), (32, 2048, 2048),
    (128, 768, 768), (128, 768, 3072), (128, 3072, 768),
    (512, 768, 768), (512, 1024, 4096),
]
COLD_BYTES = 256 << 20  # weight bytes cycled per shape: well past any L3 here
QUICK = [(1, 1024, 4096), (8, 2048, 2048), (128, 768, 3072), (512, 768, 768)]


def worker(shapes, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {}
    for (m, k, n) in shapes:
        # Weights are made outside inference mode, as a model's parameters
        # are (inference tensors have no version counter, so aio does not
        # cache converted forms of them).
        copies = max(1, min(64, (COLD_BYTES + 4 * n * k - 1) // (4 * n * k)))
        x = torch.randn(m, k)
        ws = [(torch.randn(n, k), torch.randn(n)) for _ in range(copies)]
        step = iter(range(1 << 62))

        def call():
            w, b = ws[next(step) % copies]
            return F.linear(x, w, b)
        with torch.inference_mode():
            # Implicit modes convert a weight on its second sighting: use
            # every copy twice first, so the timing is of steady-state
            # inference and not of the one-off conversion.
            for _ in range(2 * copies):
                call()
            out[f"{m}x{k}x{n}"] = time_median(call)
        del ws
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shapes", default="", help="MxKxN,... instead of the built-in list")
    ap.add_argument("--modes", default="fp32", help="comma-separated: " + ",".join(MODES))
    a = ap.parse_args()
    shapes = QUICK if a.quick else SHAPES
    if a.shapes:
        shapes = [tuple(int(v) for v in s.split("x")) for s in a.shapes.split(",")]
    if a.worker:
        import os
        return worker(shapes, a.threads or os.cpu_count())
    args = (["--quick"] if a.quick else []) + (["--threads", str(a.threads)] if a.threads else []) + \
        (["--shapes", a.shapes] if a.shapes else [])
    modes = a.modes.split(",")
    runs = {"stock": []} | {m: [] for m in modes}
    for _ in range(a.rounds):  # alternate stock and each mode, round by round
        runs["stock"].append(run_worker(Path(__file__), args, aio=False)[0])
        for m in modes:
            runs[m].append(run_worker(Path(__file__), args, aio=True, env=MODES[m])[0])
    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    stock = med["stock"]
    head = "| M x K x N | stock fp32 ms | " + " | ".join(f"aio {m} ms (speed-up)" for m in modes) + " |"
    rows = [head, "|---|---:|" + "---:|" * len(modes)]
    for key in stock:
        cells = [f"{med[m][key]*1e3:.4f} ({stock[key]/med[m][key]:.2f}x)" for m in modes]
        rows.append(f"| {key} | {stock[key]*1e3:.4f} | " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    print(table)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "linear.md").write_text(table + "\n")
    (res / "linear.json").write_text(json.dumps({"seconds": med}, indent=1))

if __name__ == "__main__":
    main()
