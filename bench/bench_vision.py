"""Vision and audio models (examples/vision_models.py), batch 1 and 8
latency, one subprocess per mode and round, modes alternating, medians:

  stock fp32, stock channels_last, stock model.bfloat16(), torch.compile
  (stock), aio fp32, aio implicit bf16 and fp16 (the Convolution and
  FullyConnected/MatMul classes: AIO_IMPLICIT_*_TRANSFORM_FILTER=".*"),
  aio implicit bf16 on the channels_last model,
  and zentorch (torch.compile(backend="zentorch")) when bench/setup_peers.sh
  has made its venv (never in the product's environment).

    python bench/bench_vision.py [--models resnet50,yolo] [--batches 1,8]
                                 [--modes stock,aio_bf16] [--rounds R] [--threads N] [--cpu-time]

Writes bench/results/vision.{md,json,png}. Ratios are against stock fp32
of the same round set."""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker  # noqa: E402

VENV = Path(os.environ.get("AIO_BENCH_VENV", ROOT / "build/bench-venv"))
# mode: (under aio, env, how the worker prepares the model)
MODES = {
    "stock": (False, {}, "fp32"),
    "stock_cl": (False, {}, "cl"),
    "stock_bf16": (False, {}, "bf16"),
    "compile": (False, {}, "compile"),
    "aio": (True, {}, "fp32"),
    "aio_bf16": (True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"}, "fp32"),
    "aio_fp16": (True, {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER": ".*"}, "fp32"),
    "aio_bf16_cl": (True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"}, "cl"),
    "zentorch": (False, {}, "zentorch"),
}


def worker(a):
    import torch
    sys.path.insert(0, str(ROOT / "examples"))
    import vision_models
    torch.set_num_threads(a.threads)
    out = {}
    for name in a.models.split(","):
        model, make = vision_models.build(name, "bench")
        for b in map(int, a.batches.split(",")):
            x = make(b)
            m = model
            if a.prep == "cl" and x.dim() in (4, 5):
                fmt = torch.channels_last if x.dim() == 4 else torch.channels_last_3d
                m, x = model.to(memory_format=fmt), x.contiguous(memory_format=fmt)
            elif a.prep == "bf16":
                m, x = model.bfloat16(), x.bfloat16()
            elif a.prep == "compile":
                m = torch.compile(model)
            elif a.prep == "zentorch":
                import zentorch  # noqa: F401
                m = torch.compile(model, backend="zentorch")
            with torch.no_grad():
                for _ in range(3):  # warm-up: compile, weight conversion (second sighting)
                    m(x)
                ts = []
                # --cpu-time (1 thread): the process's CPU time, which a
                # loaded machine inflates far less than wall-clock time.
                clock = time.process_time if a.cpu_time else time.perf_counter
                t_end = time.perf_counter() + a.seconds
                while len(ts) < 3 or (time.perf_counter() < t_end and len(ts) < 50):
                    t0 = clock()
                    m(x)
                    ts.append(clock() - t0)
            out[f"{name} b{b}"] = statistics.median(ts)
            if a.prep == "bf16":
                model = model.float()
    print(json.dumps(out))


def plot(path, modes, table):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    keys = list(table)
    fig, ax = plt.subplots(figsize=(max(6, len(keys) * 1.2), 4))
    w = 0.8 / max(1, len(modes))
    for i, mode in enumerate(modes):
        ax.bar([k + i * w for k in range(len(keys))], [table[key].get(mode, 0) for key in keys], w, label=mode)
    ax.set_xticks([k + 0.4 - w / 2 for k in range(len(keys))], keys, rotation=30, ha="right")
    ax.set_ylabel("speed-up vs stock fp32")
    ax.axhline(1, color="k", lw=0.5)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="resnet50,mobilenet_v3,yolo,unet3d,whisper")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=2.0, help="timing budget per model and batch")
    ap.add_argument("--cpu-time", action="store_true", help="time CPU seconds (use with --threads 1)")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--prep", default="fp32")
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    modes = [m for m in a.modes.split(",") if m in MODES]
    if "stock" not in modes:
        modes.insert(0, "stock")
    if "zentorch" in modes and not (VENV / "bin/python").exists():
        print(f"zentorch: skipped ({VENV} missing; run bench/setup_peers.sh)", file=sys.stderr)
        modes.remove("zentorch")
    base = ["--models", a.models, "--batches", a.batches, "--threads", str(a.threads), "--seconds", str(a.seconds)] + (
        ["--cpu-time"] if a.cpu_time else [])
    times = {}
    for _ in range(a.rounds):
        for mode in modes:
            aio, env, prep = MODES[mode]
            py = VENV / "bin/python" if mode == "zentorch" else None
            res, _ = run_worker(Path(__file__), base + ["--prep", prep], aio=aio, env=env, python=py)
            for k, v in res.items():
                times.setdefault(k, {}).setdefault(mode, []).append(v)
    med = {k: {m: statistics.median(v) for m, v in d.items()} for k, d in times.items()}
    ratio = {k: {m: d["stock"] / t for m, t in d.items()} for k, d in med.items()}
    load = os.getloadavg()[0]
    clock = "CPU time" if a.cpu_time else "wall time"
    md = [f"# Vision models, {a.threads} thread(s), {clock}, median of {a.rounds} alternating rounds (load {load:.1f})", "",
          "ms (speed-up vs stock fp32)", "",
          "| model | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for k, d in med.items():
        md.append(f"| {k} | " + " | ".join(f"{d[m] * 1e3:.1f} ({ratio[k][m]:.2f}x)" if m in d else "—"
                                            for m in modes) + " |")
    res_dir = ROOT / "bench/results"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "vision.json").write_text(json.dumps({"threads": a.threads, "load": load, "ms": med,
                                                     "speedup": ratio}, indent=1))
    (res_dir / "vision.md").write_text("\n".join(md) + "\n")
    plot(res_dir / "vision.png", modes, ratio)
    print("\n".join(md))


if __name__ == "__main__":
    main()
