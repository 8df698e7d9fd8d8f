"""EmbeddingBag and Embedding speed, side by side in one run: stock fp32,
aio fp32, aio with uint8 tables (AIO_QUANTIZE_INT8_FILTER=EmbeddingBag) and
with fp16 tables (AIO_IMPLICIT_FP16_TRANSFORM_FILTER=EmbeddingBag).

    python bench/bench_embedding.py [--quick] [--rounds N] [--cpu-time]

--cpu-time: one intra-op thread, each call timed in this thread's CPU time
(median of 40 calls): on a shared machine, wall time with two threads
mostly measures who else holds the cores.

Shapes: the issue's target (1M x 128 fp32 table, batch 2048, 80 lookups per
bag, sum), DLRM-like batches 1 and 64, mean mode, per-sample weights, and
nn.Embedding gathers (token embeddings). Indices are uniform over the
table, so rows come from DRAM. Medians of alternating processes; ratios are
stock time / aio time (> 1: aio faster). Writes
bench/results/embedding.{json,md,png}."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

# name: (kind, rows, dim, batch, lookups per bag, mode, per-sample weights)
SHAPES = {
    "bag 1M x 128, b2048 x 80, sum": ("bag", 1_000_000, 128, 2048, 80, "sum", False),
    "bag 1M x 128, b64 x 80, sum": ("bag", 1_000_000, 128, 64, 80, "sum", False),
    "bag 1M x 128, b1 x 80, sum": ("bag", 1_000_000, 128, 1, 80, "sum", False),
    "bag 1M x 64, b2048 x 20, mean": ("bag", 1_000_000, 64, 2048, 20, "mean", False),
    "bag 1M x 64, b2048 x 20, sum+psw": ("bag", 1_000_000, 64, 2048, 20, "sum", True),
    "bag 100K x 32, b2048 x 40, sum": ("bag", 100_000, 32, 2048, 40, "sum", False),
    "embedding 32000 x 2048, 512 tokens": ("emb", 32000, 2048, 512, 1, None, False),
    "embedding 1M x 128, 16384 ids": ("emb", 1_000_000, 128, 16384, 1, None, False),
}
QUICK = ["bag 1M x 128, b2048 x 80, sum", "bag 1M x 128, b64 x 80, sum", "embedding 32000 x 2048, 512 tokens"]
CONFIGS = {
    "aio fp32": {},
    "aio int8 tables": {"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag"},
    "aio fp16 tables": {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "EmbeddingBag"},
}


def cpu_time_median(fn, calls=40):
    """Median CPU seconds of this thread per call (one intra-op thread: all
    the work runs here; being descheduled does not count)."""
    import time
    for _ in range(3):
        fn()
    samples = []
    for _ in range(calls):
        t0 = time.thread_time()
        fn()
        samples.append(time.thread_time() - t0)
    return statistics.median(samples)


def worker(names, cpu_time=False):
    import torch
    if cpu_time:
        torch.set_num_threads(1)
    import torch.nn as nn
    import torch.nn.functional as F
    torch.manual_seed(0)
    out = {}
    tables = {}
    for name in names:
        kind, rows, dim, batch, per, mode, psw_on = SHAPES[name]
        if (rows, dim) not in tables:
            tables[(rows, dim)] = nn.Parameter(torch.randn(rows, dim))  # an nn.Module's weight
        w = tables[(rows, dim)]
        with torch.no_grad():
            if kind == "bag":
                # Several index sets, cycled, so no call finds the last one's rows in cache.
                sets = []
                for _ in range(4):
                    idx = torch.randint(0, rows, (batch * per,))
                    off = torch.arange(0, batch * per, per)
                    psw = torch.rand(batch * per) if psw_on else None
                    sets.append((idx, off, psw))
                it = iter(range(1 << 30))
                def fn():
                    idx, off, psw = sets[next(it) % 4]
                    return F.embedding_bag(idx, w, off, mode=mode, per_sample_weights=psw)
            else:
                sets = [torch.randint(0, rows, (batch,)) for _ in range(4)]
                it = iter(range(1 << 30))
                fn = lambda: F.embedding(sets[next(it) % 4], w)
            out[name] = cpu_time_median(fn) if cpu_time else time_median(fn, repeats=9, min_time=0.05)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu-time", action="store_true")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    if a.worker:
        return worker(a.names, a.cpu_time)
    extra = ["--cpu-time"] if a.cpu_time else []
    names = QUICK if a.quick else list(SHAPES)
    times = {"stock fp32": {}, **{c: {} for c in CONFIGS}}
    for _ in range(a.rounds):  # alternate stock and every aio configuration
        s, _ = run_worker(__file__, extra + names, aio=False)
        for k, v in s.items():
            times["stock fp32"].setdefault(k, []).append(v)
        for c, env in CONFIGS.items():
            r, _ = run_worker(__file__, extra + names, aio=True, env=env)
            for k, v in r.items():
                times[c].setdefault(k, []).append(v)
    med = {c: {k: statistics.median(v) for k, v in d.items()} for c, d in times.items()}
    import os
    load = os.getloadavg()[0]
    clock = "1 thread, CPU time" if a.cpu_time else "wall time, default threads"
    lines = [f"# EmbeddingBag / Embedding vs stock fp32 ({clock}; median of {a.rounds} alternating runs, load {load:.1f})", "",
             "| shape | stock fp32 ms | " + " | ".join(f"{c} ms (x)" for c in CONFIGS) + " |",
             "|---|---|" + "---|" * len(CONFIGS)]
    for n in names:
        st = med["stock fp32"][n]
        cells = [f"{med[c][n] * 1e3:.3f} ({st / med[c][n]:.2f}x)" for c in CONFIGS]
        lines.append(f"| {n} | {st * 1e3:.3f} | " + " | ".join(cells) + " |")
    md = "\n".join(lines) + "\n"
    print(md)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    tag = "embedding_cpu" if a.cpu_time else "embedding"
    (res / f"{tag}.md").write_text(md)
    (res / f"{tag}.json").write_text(json.dumps({"load": load, "clock": clock, "seconds": med}, indent=1))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(10, 4.5))
        width = 0.8 / len(CONFIGS)
        for i, c in enumerate(CONFIGS):
            ax.bar([j + i * width for j in range(len(names))],
                   [med["stock fp32"][n] / med[c][n] for n in names], width, label=c)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks([j + width for j in range(len(names))], names, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("speed-up vs stock fp32")
        ax.legend()
        fig.tight_layout()
        fig.savefig(res / f"{tag}.png", dpi=110)
    except ImportError:
        pass


if __name__ == "__main__":
    main()
