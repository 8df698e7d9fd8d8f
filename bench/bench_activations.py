"""Activations and softmax, stock vs aio, side by side.

Times each op at small (1K), medium (64K) and large (4M) element counts and
at the shapes BERT and Llama hit, in alternating stock and aio subprocesses
(bench/side_by_side.py), and prints medians and the speed-up. fp16/bf16 rows
for the ops the product table lists with explicit fp16.

  python bench/bench_activations.py [--rounds 3] [--quick] [--threads N] [--ops a,b] [--json FILE]
  python bench/bench_activations.py --elementwise   # stock add/mul/exp/sum vs a copy

--elementwise answers "could an override of add/mul/div/exp/sum win?": it
times the stock op next to a plain copy of the same bytes (the memory
floor) and, for exp, next to aio's own vector exp kernel called directly
(ctypes, one thread each). Results: docs/never-slower.md."""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import BUILD, side_by_side, time_median  # noqa: E402

SIZES = {"1K": (1024,), "64K": (65536,), "4M": (4 * 1024 * 1024,)}
MODEL = {
    "gelu": [("bert_ffn", (128, 3072))],
    "gelu_tanh": [("bert_ffn", (128, 3072))],
    "silu": [("llama_1x32x4096", (1, 32, 4096)), ("llama_mlp", (1, 1, 11008))],
    "relu": [("resnet", (8, 64, 56, 56))],
    "softmax": [("bert_attn", (8, 12, 128, 128)), ("llama_attn", (1, 32, 1, 512)), ("vocab", (8, 32000))],
    "log_softmax": [("vocab", (8, 32000))],
}
HALF_OPS = ("relu", "relu6", "leaky_relu", "gelu", "silu", "softmax", "log_softmax")


def ops():
    import torch
    import torch.nn.functional as F
    return {
        "relu": F.relu,
        "relu_": lambda x: x.relu_(),
        "relu6": F.relu6,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
        "gelu": F.gelu,
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": F.silu,
        "silu_": lambda x: F.silu(x, inplace=True),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "hardswish": F.hardswish,
        "hardsigmoid": F.hardsigmoid,
        "softmax": lambda x: torch.softmax(x, -1),
        "log_softmax": lambda x: torch.log_softmax(x, -1),
        "exp": torch.exp,
        "log": torch.log,  # inputs made positive in worker()
    }


def cases(quick, only=None):
    out = []
    for op in ops():
        if only and op not in only:
            continue
        base = op.rstrip("_")
        for tag, shape in SIZES.items():
            if quick and tag == "4M":
                continue
            shp = shape if "softmax" not in op else (shape[0] // 1024, 1024)
            out.append((op, "float32", tag, shp))
        for tag, shape in MODEL.get(op, []):
            out.append((op, "float32", tag, shape))
        if base in HALF_OPS and op == base:
            for dt in ("float16", "bfloat16"):
                shape = MODEL.get(op, [("64K", (64, 1024))])[0]
                out.append((op, dt, shape[0], shape[1]))
    return out


def worker(quick, threads, only):
    import torch
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    fns = ops()
    res = {}
    with torch.inference_mode():
        for op, dt, tag, shape in cases(quick, only):
            x = (torch.randn(shape) * 3).to(getattr(torch, dt))
            if op == "log":
                x = x.abs() + 0.1
            f = fns[op]
            # in-place ops rewrite the same buffer each call
            res[f"{op}|{dt}|{tag}"] = time_median(lambda: f(x), repeats=9)
    print(json.dumps(res))


def elementwise():
    """Stock elementwise ops next to the memory floor and aio's exp kernel."""
    import ctypes
    import torch
    torch.set_num_threads(1)
    # the dispatch module resolves torch symbols from the process: make the
    # already-loaded torch libraries global first
    tlib = Path(torch.__file__).parent / "lib"
    for name in ("libc10.so", "libtorch_cpu.so"):
        ctypes.CDLL(str(tlib / name), mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL | os.RTLD_LAZY)
    lib = ctypes.CDLL(str(BUILD / "libaio_dispatch.so"))
    vexp = lib.aio_f32_vexp__avx512f
    vexp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    rows = []
    with torch.inference_mode():
        for tag, shape in SIZES.items():
            x = torch.randn(shape)
            y = torch.randn(shape)
            o = torch.empty(shape)
            n = x.numel()
            copy = time_median(lambda: o.copy_(x), repeats=9)
            r = {"size": tag, "copy_out": copy}
            r["add_out"] = time_median(lambda: torch.add(x, y, out=o), repeats=9)
            r["mul_out"] = time_median(lambda: torch.mul(x, y, out=o), repeats=9)
            r["div_out"] = time_median(lambda: torch.div(x, y, out=o), repeats=9)
            r["exp_out"] = time_median(lambda: torch.exp(x, out=o), repeats=9)
            r["aio_vexp"] = time_median(lambda: vexp(x.data_ptr(), o.data_ptr(), n), repeats=9)
            r["sum"] = time_median(lambda: x.sum(), repeats=9)
            rows.append(r)
    print("one thread; microseconds (median)")
    keys = list(rows[0].keys())[1:]
    print("size | " + " | ".join(keys))
    for r in rows:
        print(r["size"] + " | " + " | ".join(f"{r[k] * 1e6:.1f}" for k in keys))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--elementwise", action="store_true")
    # Threads: on a loaded 2-core VM, 2-thread runs measure the scheduler
    # (a descheduled OpenMP worker stalls a barrier for a time slice).
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ops", help="comma-separated subset, e.g. relu,softmax")
    a = ap.parse_args()
    if a.worker:
        return worker(a.quick, a.threads, a.ops.split(",") if a.ops else None)
    if a.elementwise:
        return elementwise()
    args = (["--quick"] if a.quick else []) + ["--threads", str(a.threads)] + (["--ops", a.ops] if a.ops else [])
    stock, aio, _ = side_by_side(Path(__file__), args, rounds=a.rounds)
    print(f"{a.threads} thread(s), median of {a.rounds} alternating rounds")
    print(f"{'op':<13} {'dtype':<9} {'shape':<16} {'stock us':>10} {'aio us':>10} {'speed-up':>9}")
    rows = []
    for k in stock:
        op, dt, tag = k.split("|")
        s, g = stock[k] * 1e6, aio[k] * 1e6
        rows.append({"op": op, "dtype": dt, "shape": tag, "stock_us": s, "aio_us": g, "speedup": s / g})
        print(f"{op:<13} {dt:<9} {tag:<16} {s:>10.2f} {g:>10.2f} {s / g:>8.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
