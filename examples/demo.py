"""The aio demo: one model, run stock and under aio-run, side by side.

    python examples/demo.py            # after `make`

Prints the latency of each, the speed-up, and aio's per-op report (which
ops ran accelerated, which fell back and why)."""
import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "bench"))


def worker(batch, tokens):
    import torch
    import tiny_models
    from side_by_side import time_median
    model = tiny_models.build()
    x = torch.randn(batch, tokens, 768)
    with torch.inference_mode():
        ref = model(x)
        latency = time_median(lambda: model(x), repeats=9)
        out = model(x)
    print(json.dumps({"latency_s": latency, "checksum": float(out.double().sum()),
                      "max_abs": float(out.abs().max()), "drift": float((out - ref).abs().max())}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.worker:
        return worker(a.batch, a.tokens)
    from side_by_side import side_by_side
    args = ["--batch", str(a.batch), "--tokens", str(a.tokens)]
    stock, aio, report = side_by_side(Path(__file__), args, rounds=a.rounds, aio_env={"AIO_PROFILER": "1"})
    print(f"model: FeedForwardStack (examples/tiny_models.py), input {a.batch}x{a.tokens}x768, fp32, "
          f"{os.cpu_count()} threads, median of {a.rounds} alternating runs")
    print(f"  stock PyTorch : {stock['latency_s']*1e3:8.3f} ms")
    print(f"  aio-run       : {aio['latency_s']*1e3:8.3f} ms")
    print(f"  speed-up      : {stock['latency_s']/aio['latency_s']:.2f}x")
    rel = abs(stock["checksum"] - aio["checksum"]) / max(1e-30, abs(stock["checksum"]))
    print(f"  output checksum relative difference vs stock: {rel:.2e}")
    print("per-op report (last aio run):")
    print("\n".join(l for l in report.splitlines() if l.startswith("aio:")))


if __name__ == "__main__":
    main()
