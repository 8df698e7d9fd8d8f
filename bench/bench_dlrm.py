"""DLRM inference (bench/dlrm_model.py: bottom MLP 13-512-256-64, 26
EmbeddingBag tables of dim 64, dot interaction, top MLP 415-512-256-1),
stock fp32 vs aio fp32, aio int8 tables and aio mixed (FullyConnected fp16 +
EmbeddingBag int8), batch 1, 64 and 2048, 20-80 lookups per bag, side by
side in one run (alternating processes, medians). Accuracy: cosine of the
click logits against stock fp32 on the same inputs.

    python bench/bench_dlrm.py [--size large|small] [--rounds N] [--cpu-time]

--cpu-time: one intra-op thread, calls timed in this thread's CPU time
(median): with two threads on a shared 2-core machine, wall time mostly
measures the neighbours (stock's batch 2048 read 28-506 ms in one run).

large: 8 tables of 2.5M rows + 18 of 20K (5.2 GB fp32: several GB, far
past the caches, within the 23 GB VM with one process at a time); small:
8 x 250K + 18 x 20K (0.6 GB). Writes bench/results/dlrm.{json,md,png}."""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

SIZES = {"large": [2_500_000] * 8 + [20_000] * 18, "small": [250_000] * 8 + [20_000] * 18}
BATCHES = [1, 64, 2048]
CONFIGS = {
    "aio fp32": {},
    "aio int8 tables": {"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag"},
    "aio mixed fp16+int8": {"AIO_QUANTIZE_INT8_FILTER": "EmbeddingBag",
                            "AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "FullyConnected"},
}


def cpu_time_median(fn, min_calls=5, min_time=0.5):
    """Median CPU seconds of this thread per call, over at least min_calls
    calls and min_time seconds."""
    import time
    fn()
    samples, total = [], 0.0
    while len(samples) < min_calls or total < min_time:
        t0 = time.thread_time()
        fn()
        samples.append(time.thread_time() - t0)
        total += samples[-1]
    return statistics.median(samples)


def worker(size, logits_file, cpu_time=False):
    import torch
    if cpu_time:
        torch.set_num_threads(1)
    from dlrm_model import DLRM, make_inputs
    torch.manual_seed(0)
    m = DLRM(13, [512, 256], SIZES[size], 64, [512, 256]).eval()
    out = {}
    logits = {}
    for b in BATCHES:
        g = torch.Generator().manual_seed(b)
        xs = [make_inputs(m, b, 80 if b < 2048 else 40, g) for _ in range(3)]
        it = iter(range(1 << 30))
        with torch.no_grad():
            logits[b] = m(*xs[0]).tolist()
            call = lambda: m(*xs[next(it) % 3])
            out[f"batch {b}"] = cpu_time_median(call) if cpu_time else time_median(call, repeats=7, min_time=0.1)
            logits[b] = m(*xs[0]).tolist()  # after the tables were compressed
    Path(logits_file).write_text(json.dumps(logits))
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--size", default="large", choices=list(SIZES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--logits", default="")
    ap.add_argument("--cpu-time", action="store_true")
    a = ap.parse_args()
    if a.worker:
        return worker(a.size, a.logits, a.cpu_time)
    import torch
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    times = {"stock fp32": {}, **{c: {} for c in CONFIGS}}
    logit_files = {c: res / f"dlrm_logits_{i}.json" for i, c in enumerate(times)}
    for _ in range(a.rounds):
        for c in times:
            args = ["--size", a.size, "--logits", str(logit_files[c])] + (["--cpu-time"] if a.cpu_time else [])
            r, _ = run_worker(__file__, args, aio=c != "stock fp32", env=CONFIGS.get(c, {}))
            for k, v in r.items():
                times[c].setdefault(k, []).append(v)
    med = {c: {k: statistics.median(v) for k, v in d.items()} for c, d in times.items()}
    ref = json.loads(logit_files["stock fp32"].read_text())
    cos = {}
    for c in CONFIGS:
        got = json.loads(logit_files[c].read_text())
        cos[c] = {b: torch.nn.functional.cosine_similarity(torch.tensor(got[b]), torch.tensor(ref[b]), dim=0).item()
                  if len(ref[b]) > 1 else float(abs(got[b][0] - ref[b][0]) <= 1e-3 * (abs(ref[b][0]) + 1))
                  for b in ref}
    for f in logit_files.values():
        f.unlink()
    load = os.getloadavg()[0]
    gb = sum(SIZES[a.size]) * 64 * 4 / 1e9
    clock = "1 thread, CPU time" if a.cpu_time else "wall time, default threads"
    lines = [f"# DLRM inference, {a.size} ({gb:.1f} GB of fp32 tables; {clock}), median of {a.rounds} alternating "
             f"runs, load {load:.1f}", "",
             "| batch | stock fp32 ms | " + " | ".join(f"{c} ms (x, cosine)" for c in CONFIGS) + " |",
             "|---|---|" + "---|" * len(CONFIGS)]
    for b in BATCHES:
        k = f"batch {b}"
        st = med["stock fp32"][k]
        cells = [f"{med[c][k] * 1e3:.2f} ({st / med[c][k]:.2f}x, {cos[c][str(b)]:.5f})" for c in CONFIGS]
        lines.append(f"| {b} | {st * 1e3:.2f} | " + " | ".join(cells) + " |")
    lines += ["", "Batch 1 has one logit: its 'cosine' is 1.0 when it is within 1e-3 relative of stock's."]
    md = "\n".join(lines) + "\n"
    print(md)
    tag = "dlrm_cpu" if a.cpu_time else "dlrm"
    (res / f"{tag}.md").write_text(md)
    (res / f"{tag}.json").write_text(json.dumps({"size": a.size, "gb": gb, "load": load, "clock": clock, "seconds": med,
                                               "cosine": cos}, indent=1))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4))
        w = 0.8 / len(CONFIGS)
        for i, c in enumerate(CONFIGS):
            ax.bar([j + i * w for j in range(len(BATCHES))],
                   [med["stock fp32"][f"batch {b}"] / med[c][f"batch {b}"] for b in BATCHES], w, label=c)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks([j + w for j in range(len(BATCHES))], [f"batch {b}" for b in BATCHES])
        ax.set_ylabel("speed-up vs stock fp32")
        ax.set_title(f"DLRM ({gb:.1f} GB tables)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(res / f"{tag}.png", dpi=110)
    except ImportError:
        pass


if __name__ == "__main__":
    main()
