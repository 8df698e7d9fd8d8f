"""Per-layer convolution speed, stock (oneDNN) vs aio processes alternating,
medians per shape; ratios > 1 mean aio is faster. Shape classes: ResNet-50
layers (stem 7x7, 3x3, 1x1 reduce/expand, strided 1x1 downsample), a
MobileNet depthwise 3x3, Whisper's Conv1d front end, a UNet-3D 3x3x3;
NCHW and channels_last, batch 1. The policy in dispatch/override_conv.cpp
follows these numbers (docs/never-slower.md).

    python bench/bench_conv.py [--quick | --small] [--threads N] [--rounds R] [--bf16]

--bf16: aio runs with AIO_IMPLICIT_BF16_TRANSFORM_FILTER=Convolution, and
the stock worker also times each layer after .bfloat16() (model and input
bf16, what a user would otherwise do), so the table has aio implicit bf16
against stock fp32 and stock bf16.

Writes bench/results/conv.{json,md} (conv_bf16.* with --bf16)."""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, side_by_side, time_median  # noqa: E402

# name: (dims, cin, cout, k, stride, pad, groups, spatial)
LAYERS = {
    "resnet stem 7x7/2": (2, 3, 64, 7, 2, 3, 1, (224, 224)),
    "resnet 3x3 64": (2, 64, 64, 3, 1, 1, 1, (56, 56)),
    "resnet 3x3 256/2": (2, 256, 256, 3, 2, 1, 1, (28, 28)),
    "resnet 3x3 512": (2, 512, 512, 3, 1, 1, 1, (7, 7)),
    "resnet 1x1 64->256": (2, 64, 256, 1, 1, 0, 1, (56, 56)),
    "resnet 1x1 1024->256": (2, 1024, 256, 1, 1, 0, 1, (14, 14)),
    "resnet 1x1 2048->512": (2, 2048, 512, 1, 1, 0, 1, (7, 7)),
    "resnet 1x1/2 512->1024": (2, 512, 1024, 1, 2, 0, 1, (28, 28)),
    "mobilenet dw 3x3 96": (2, 96, 96, 3, 1, 1, 96, (56, 56)),
    "whisper conv1d 80->384": (1, 80, 384, 3, 1, 1, 1, (3000,)),
    "unet3d 3x3x3 32": (3, 32, 32, 3, 1, 1, 1, (16, 32, 32)),
    # Small layers, where a call's fixed cost dominates.
    "small 3x3 16->32 9x11": (2, 16, 32, 3, 1, 1, 1, (9, 11)),
    "small 3x3 64->64 14x14": (2, 64, 64, 3, 1, 1, 1, (14, 14)),
    "small 1x1 32->64 7x8": (2, 32, 64, 1, 1, 0, 1, (7, 8)),
    "small 1x1 256->256 7x7": (2, 256, 256, 1, 1, 0, 1, (7, 7)),
    "small conv1d 16->32 30": (1, 16, 32, 3, 1, 1, 1, (30,)),
    "small 3x3x3 8->16 5x6x7": (3, 8, 16, 3, 1, 1, 1, (5, 6, 7)),
}
SMALL = [k for k in LAYERS if k.startswith("small")]
QUICK = ["resnet 3x3 64", "resnet 1x1 1024->256", "resnet 3x3 512", "mobilenet dw 3x3 96"]


def worker(args):
    import torch
    import torch.nn as nn
    torch.set_num_threads(args.threads)
    out = {}
    for name in (SMALL if args.small else QUICK if args.quick else LAYERS):
        d, cin, cout, k, s, p, g, sp = LAYERS[name]
        m = getattr(nn, f"Conv{d}d")(cin, cout, k, stride=s, padding=p, groups=g)
        x = torch.randn((1, cin) + sp)
        import copy
        layouts = [("nchw", m, x)]
        if d > 1:
            fmt = torch.channels_last if d == 2 else torch.channels_last_3d
            layouts.append(("cl", copy.deepcopy(m).to(memory_format=fmt), x.contiguous(memory_format=fmt)))
        with torch.no_grad():
            for lay, mod, inp in layouts:
                out[f"{name} {lay}"] = time_median(lambda: mod(inp), repeats=7)
                # Only the stock worker (side_by_side strips AIO_* from its env).
                if args.bf16 and "AIO_IMPLICIT_BF16_TRANSFORM_FILTER" not in os.environ:
                    mb, ib = copy.deepcopy(mod).bfloat16(), inp.bfloat16()
                    out[f"{name} {lay} bf16"] = time_median(lambda: mb(ib), repeats=7)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--small", action="store_true", help="only the small layers")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bf16", action="store_true", help="aio implicit bf16 vs stock fp32 and stock bf16")
    ap.add_argument("--worker", action="store_true")
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    wargs = ["--threads", str(args.threads)] + (["--quick"] if args.quick else []) + (["--small"] if args.small else [])
    if args.bf16:
        wargs.append("--bf16")
    aio_env = {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "Convolution"} if args.bf16 else None
    stock, aio, _ = side_by_side(Path(__file__), wargs, rounds=args.rounds, aio_env=aio_env)
    keys = [k for k in stock if not k.endswith(" bf16")]
    rows = [(k, stock[k] * 1e3, aio[k] * 1e3, stock[k] / aio[k]) + ((stock[k + " bf16"] / aio[k],) if args.bf16 else ())
            for k in keys]
    mode = "aio implicit bf16" if args.bf16 else "aio"
    md = [f"# Convolution layers, batch 1, {args.threads} thread(s), median of {args.rounds} alternating rounds",
          "", f"| layer | stock fp32 ms | {mode} ms | vs stock fp32 |" + (" vs stock bf16 |" if args.bf16 else ""),
          "|---|---:|---:|---:|" + ("---:|" if args.bf16 else "")]
    md += ["| " + " | ".join([r[0], f"{r[1]:.3f}", f"{r[2]:.3f}"] + [f"{x:.2f}x" for x in r[3:]]) + " |" for r in rows]
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    stem = "conv_bf16" if args.bf16 else "conv"
    (res / f"{stem}.json").write_text(json.dumps({"threads": args.threads, "rows": rows}, indent=1))
    (res / f"{stem}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
