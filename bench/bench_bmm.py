"""bmm (attention products) and explicit fp16/bf16 Linear, aio vs stock,
side by side.

    python bench/bench_bmm.py [--quick] [--threads N] [--modes fp32,matmul_bf16,half,bf16,fc_bf16]

Modes (each compared with stock on the same inputs, in one run):
  fp32         fp32 Q @ K^T and P @ V via torch.matmul (bmm)
  matmul_bf16  the same under AIO_IMPLICIT_BF16_TRANSFORM_FILTER=MatMul
  half, bf16   nn.Linear on a model.half() / model.bfloat16() weight
  fc_bf16      fp32 nn.Linear under AIO_IMPLICIT_BF16_TRANSFORM_FILTER=FullyConnected
Prints Markdown tables of latencies (per side: the minimum over repeats
within a run, median over rounds) and stock/aio ratios (>1: aio
faster) and writes bench/results/bmm.{json,md}."""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker  # noqa: E402

ATTN = [  # (batch*heads, q_len, kv_len, head_dim)
    (12, 1, 128, 64), (12, 1, 512, 64), (32, 1, 512, 128), (12, 32, 32, 64), (12, 128, 128, 64),
    (12, 512, 512, 64), (16, 256, 256, 128), (32, 128, 128, 128), (32, 512, 512, 128),
]
LINEAR = [(1, 4096, 4096), (8, 2048, 2048), (32, 768, 3072), (128, 768, 3072), (256, 1024, 1024),
          (512, 768, 768), (512, 1024, 4096)]
QUICK_ATTN = [(12, 1, 512, 64), (12, 128, 128, 64), (12, 512, 512, 64)]
QUICK_LINEAR = [(1, 4096, 4096), (128, 768, 3072), (512, 1024, 4096)]
MODES = {
    "fp32": {}, "matmul_bf16": {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "MatMul"},
    "half": {}, "bf16": {}, "fc_bf16": {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "FullyConnected"},
}


def time_min(fn, repeats=21):
    """Fastest of `repeats` batches, per call: on a shared, loaded machine
    the minimum is the least disturbed sample of each side."""
    import time
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= 0.005 or n >= 1 << 14:
            break
        n *= 2
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def worker(mode, quick, threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {}
    with torch.inference_mode():
        if mode in ("fp32", "matmul_bf16"):
            for (bh, s, t, d) in (QUICK_ATTN if quick else ATTN):
                q, k, v = torch.randn(1, bh, s, d), torch.randn(1, bh, t, d), torch.randn(1, bh, t, d)
                p = torch.softmax(q @ k.transpose(-2, -1), -1)
                out[f"qk {bh}x{s}x{t}x{d}"] = time_min(lambda: q @ k.transpose(-2, -1))
                out[f"pv {bh}x{s}x{t}x{d}"] = time_min(lambda: p @ v)
            return out
    dt = {"half": torch.float16, "bf16": torch.bfloat16, "fc_bf16": torch.float32}[mode]
    if mode in ("half", "bf16") and not os.environ.get("BENCH_BMM_SHAPES"):
        with torch.inference_mode():
            for (bh, s, t, d) in (QUICK_ATTN if quick else ATTN[1::2]):
                q, k = torch.randn(1, bh, s, d).to(dt), torch.randn(1, bh, t, d).to(dt)
                p, v = torch.randn(1, bh, s, t).to(dt), torch.randn(1, bh, t, d).to(dt)
                out[f"qk {bh}x{s}x{t}x{d}"] = time_min(lambda: q @ k.transpose(-2, -1))
                out[f"pv {bh}x{s}x{t}x{d}"] = time_min(lambda: p @ v)
    shapes = QUICK_LINEAR if quick else LINEAR
    if os.environ.get("BENCH_BMM_SHAPES"):  # "M,K,N;M,K,N"
        shapes = [tuple(int(v) for v in t.split(",")) for t in os.environ["BENCH_BMM_SHAPES"].split(";")]
    for (m, k, n) in shapes:
        # Weights outside inference mode, as a model's parameters are; a few
        # copies so decode shapes stream the weight from memory.
        copies = max(1, min(16, (128 << 20) // (2 * n * k)))
        ws = [torch.nn.Linear(k, n).to(dt) for _ in range(copies)]
        x = torch.randn(m, k).to(dt)
        step = iter(range(1 << 62))
        with torch.inference_mode():
            out[f"linear {m}x{k}x{n}"] = time_min(lambda: ws[next(step) % copies](x), repeats=9)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--modes", default="fp32,matmul_bf16,half,bf16,fc_bf16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mode", default="fp32")
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.mode, a.quick, a.threads)))
        return
    results, md = {}, []
    for mode in a.modes.split(","):
        args = ["--mode", mode, "--threads", str(a.threads)] + (["--quick"] if a.quick else [])
        st, ai = {}, {}
        for _ in range(a.rounds):  # alternate stock and aio
            s, _ = run_worker(__file__, args, aio=False)
            x, _ = run_worker(__file__, args, aio=True, env=MODES[mode])
            for key in s:
                st.setdefault(key, []).append(s[key])
                ai.setdefault(key, []).append(x[key])
        md.append(f"\n### {mode} ({a.threads} threads)\n\n| shape | stock us | aio us | stock/aio |\n|---|---:|---:|---:|")
        for key in st:
            s, x = statistics.median(st[key]), statistics.median(ai[key])
            results[f"{mode} {key}"] = {"stock": s, "aio": x, "ratio": s / x}
            md.append(f"| {key} | {s * 1e6:.0f} | {x * 1e6:.0f} | {s / x:.2f} |")
        print("\n".join(md[-len(st) - 1:]), flush=True)
    outdir = ROOT / "bench/results"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "bmm.json").write_text(json.dumps(results, indent=1))
    (outdir / "bmm.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
