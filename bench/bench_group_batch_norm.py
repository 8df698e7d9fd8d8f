"""GroupNorm, BatchNorm (eval) and InstanceNorm speed at vision shapes
(ResNet/UNet activations, NCHW and channels_last), stock vs aio processes
alternating, medians per shape; ratios > 1 mean aio is faster.

    python bench/bench_group_batch_norm.py [--quick] [--threads N] [--rounds R]

Writes bench/results/group_batch_norm.{json,md}."""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, side_by_side, time_median  # noqa: E402

SHAPES = [(1, 64, 56, 56), (1, 256, 56, 56), (1, 512, 28, 28), (8, 64, 56, 56), (1, 32, 16, 32, 32)]
QUICK = [(1, 64, 56, 56), (1, 512, 28, 28), (1, 32, 16, 32, 32)]


def worker(args):
    import torch
    import torch.nn as nn
    torch.set_num_threads(args.threads)
    out = {}
    for shape in (QUICK if args.quick else SHAPES):
        c, d = shape[1], len(shape) - 2
        x = torch.randn(shape)
        cl = x.contiguous(memory_format=torch.channels_last if d == 2 else torch.channels_last_3d)
        mods = {"GroupNorm(32)": nn.GroupNorm(32, c), f"BatchNorm{d}d eval": getattr(nn, f"BatchNorm{d}d")(c).eval(),
                f"InstanceNorm{d}d": getattr(nn, f"InstanceNorm{d}d")(c, affine=True)}
        with torch.no_grad():
            for name, m in mods.items():
                for lay, inp in (("nchw", x), ("cl", cl)):
                    out[f"{name} {lay} {tuple(shape)}"] = time_median(lambda: m(inp), repeats=9)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", action="store_true")
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    wargs = ["--threads", str(args.threads)] + (["--quick"] if args.quick else [])
    stock, aio, _ = side_by_side(Path(__file__), wargs, rounds=args.rounds)
    rows = [(k, stock[k] * 1e6, aio[k] * 1e6, stock[k] / aio[k]) for k in stock]
    md = [f"# GroupNorm / BatchNorm / InstanceNorm, {args.threads} thread(s), median of {args.rounds} alternating rounds",
          "", "| case | stock µs | aio µs | aio speed-up |", "|---|---:|---:|---:|"]
    md += [f"| {k} | {s:.1f} | {a:.1f} | {r:.2f}x |" for k, s, a, r in rows]
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "group_batch_norm.json").write_text(json.dumps({"threads": args.threads, "rows": rows}, indent=1))
    (res / "group_batch_norm.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
