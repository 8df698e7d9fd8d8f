"""What epilogue fusion could save at BERT-base shapes (sequence 128), under
aio, in eager mode: the time of each op a GEMM epilogue could absorb (the
GELU after the FFN's first Linear, the residual add after each output
projection) next to the Linear it follows.

    build/aio-run python bench/bench_epilogue.py [--threads N] [--batch B] [--cpu-time]

Fusing GELU into the tile saves its separate pass over the activation
(read + write, and one dispatch); the GELU arithmetic itself remains in the
epilogue, so the saving is bounded by, not equal to, the op's time. Each
op is timed alternating with the others, median of 15 rounds."""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


CLOCK = time.perf_counter


def t_once(fn, reps):
    t0 = CLOCK()
    for _ in range(reps):
        fn()
    return (CLOCK() - t0) / reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--cpu-time", action="store_true",
                    help="time in this thread's CPU time (with --threads 1: immune to a busy machine)")
    a = ap.parse_args()
    global CLOCK
    if a.cpu_time:
        if a.threads != 1:
            raise SystemExit("--cpu-time needs --threads 1 (other threads' time is not counted)")
        CLOCK = time.thread_time
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = 128 * a.batch
    up, down, out = nn.Linear(768, 3072), nn.Linear(3072, 768), nn.Linear(768, 768)
    x = torch.randn(m, 768)
    h = torch.randn(m, 3072)
    r = torch.randn(m, 768)
    with torch.no_grad():
        ops = {
            "linear_768x3072": lambda: up(x),
            "gelu_3072": lambda: F.gelu(h),
            "linear_3072x768": lambda: down(h),
            "linear_768x768": lambda: out(x),
            "residual_add_768": lambda: r + x,
        }
        for f in ops.values():  # warm: weight caches, pool
            for _ in range(3):
                f()
        times = {k: [] for k in ops}
        for _ in range(15):
            for k, f in ops.items():
                times[k].append(t_once(f, 5))
    med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    # Per BERT layer: 1 GELU after the 768->3072 Linear; 2 residual adds
    # (after attention's output projection and after the FFN).
    layer_gemm = 4 * med["linear_768x768"] + med["linear_768x3072"] + med["linear_3072x768"]
    fusable = med["gelu_3072"] + 2 * med["residual_add_768"]
    res = {"us": med, "layer_linear_us": layer_gemm, "fusable_us": fusable,
           "fusable_vs_linear": fusable / layer_gemm, "m": m, "threads": a.threads}
    for k, v in med.items():
        print(f"{k:20s} {v:9.1f} us")
    print(f"per layer: Linear total {layer_gemm:.0f} us, GELU + 2 adds {fusable:.0f} us "
          f"({100 * fusable / layer_gemm:.1f}% of the Linear time)")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
