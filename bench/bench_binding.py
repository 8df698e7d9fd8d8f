"""Core binding benchmark, two parts, every variant interleaved round by
round so that machine noise hits them alike (medians over rounds):

1. Latency p50/p99 of one small model forward (examples/tiny_models.py,
   2 intra-op threads) while another process keeps one core busy:
   stock, aio without binding, aio with binding (AIO_SKIP_MASTER_THREAD=1,
   the default) and aio with the master pinned per region (=0).
2. Aggregate throughput: `aio-run --ninstances 2` (one thread each, on
   disjoint cores) against one aio process with 2 threads.

usage: python bench/bench_binding.py [--rounds 5] [--seconds 4] [--load-cpu 1]
                                    [--threads 2] [--skip-throughput] [--out NAME]
Results are printed and written to bench/results/bench_binding.json."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from side_by_side import AIO_RUN, _env  # noqa: E402

MODEL_KW = dict(dim=512, hidden=2048, blocks=2)
TOKENS = 16


def worker(mode, seconds):
    sys.path.insert(0, str(ROOT / "examples"))
    import torch
    import tiny_models

    model = tiny_models.build(**MODEL_KW)
    x = torch.randn(TOKENS, MODEL_KW["dim"])
    with torch.inference_mode():
        for _ in range(20):
            model(x)
        lat, t_end = [], time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            model(x)
            lat.append(time.perf_counter() - t0)
    lat.sort()
    print(json.dumps({"n": len(lat), "seconds": seconds, "threads": torch.get_num_threads(),
                      "p50": lat[len(lat) // 2], "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}))


def run_json(cmd, env):
    p = subprocess.run(cmd, env=_env(env), capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{cmd} failed: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


LATENCY_VARIANTS = {
    "stock": (False, {}),
    "aio_nobind": (True, {"AIO_CPU_BIND": "0"}),
    "aio_bind_skip_master": (True, {"AIO_CPU_BIND": "1", "AIO_SKIP_MASTER_THREAD": "1"}),
    "aio_bind_pin_master": (True, {"AIO_CPU_BIND": "1", "AIO_SKIP_MASTER_THREAD": "0"}),
}


def latency_round(seconds, threads):
    out = {}
    for name, (aio, env) in LATENCY_VARIANTS.items():
        cmd = [sys.executable, __file__, "--worker", "latency", "--seconds", str(seconds)]
        out[name] = run_json(([str(AIO_RUN), "--threads", str(threads)] if aio else []) + cmd,
                             {"OMP_NUM_THREADS": str(threads), **env} if not aio else env)
    return out


def throughput_round(seconds):
    cmd = [sys.executable, __file__, "--worker", "throughput", "--seconds", str(seconds)]
    one = run_json([str(AIO_RUN), "--threads", "2", *cmd], {})
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([str(AIO_RUN), "--ninstances", "2", "--log-dir", d, *cmd], env=_env({}),
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"--ninstances failed: {p.stderr}")
        inst = [json.loads(Path(d, f"aio-run.instance-{i}.log").read_text().strip().splitlines()[-1])
                for i in range(2)]
    return {"one_process_2_threads": one["n"] / seconds, "two_instances": sum(r["n"] for r in inst) / seconds,
            "instance_threads": [r["threads"] for r in inst]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--load-cpu", default="1", help="CPU kept busy by a competing process during part 1")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads in part 1")
    ap.add_argument("--skip-throughput", action="store_true", help="part 1 only")
    ap.add_argument("--out", default="bench_binding.json", help="file name under bench/results")
    a = ap.parse_args()
    if a.worker:
        return worker(a.worker, a.seconds)

    hog = subprocess.Popen(["taskset", "-c", a.load_cpu, sys.executable, "-c", "while True: pass"])
    try:
        lat = [latency_round(a.seconds, a.threads) for _ in range(a.rounds)]
    finally:
        hog.kill()
        hog.wait()
    thr = [] if a.skip_throughput else [throughput_round(a.seconds) for _ in range(a.rounds)]

    med = lambda xs: statistics.median(xs)
    res = {"latency_ms": {}, "throughput_per_s": {}, "rounds": a.rounds, "seconds": a.seconds,
           "model": MODEL_KW, "tokens": TOKENS, "load_cpu": a.load_cpu, "threads": a.threads,
           "loadavg_at_end": os.getloadavg()}
    print(f"Part 1: latency with CPU {a.load_cpu} busy, {a.threads} intra-op thread(s); median over {a.rounds} rounds")
    base = med([r["stock"]["p50"] for r in lat])
    for name in LATENCY_VARIANTS:
        p50 = med([r[name]["p50"] for r in lat]) * 1e3
        p99 = med([r[name]["p99"] for r in lat]) * 1e3
        res["latency_ms"][name] = {"p50": p50, "p99": p99}
        print(f"  {name:24s} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  p50 vs stock {p50 / (base * 1e3):5.2f}x")
    for a_, b_ in (("aio_bind_skip_master", "aio_nobind"), ("aio_bind_pin_master", "aio_bind_skip_master")):
        r50 = med([r[a_]["p50"] / r[b_]["p50"] for r in lat])
        r99 = med([r[a_]["p99"] / r[b_]["p99"] for r in lat])
        res["latency_ms"][f"{a_}/{b_}"] = {"p50_ratio": r50, "p99_ratio": r99}
        print(f"  {a_} / {b_}: p50 {r50:.2f}x  p99 {r99:.2f}x  (per-round ratios, median)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    if not thr:
        (out / a.out).write_text(json.dumps(res, indent=1))
        return
    one = med([r["one_process_2_threads"] for r in thr])
    two = med([r["two_instances"] for r in thr])
    ratio = med([r["two_instances"] / r["one_process_2_threads"] for r in thr])
    res["throughput_per_s"] = {"one_process_2_threads": one, "two_instances": two, "ratio": ratio}
    print(f"Part 2: throughput, forwards/s: one process x 2 threads {one:.1f}, "
          f"--ninstances 2 {two:.1f}  ->  {ratio:.2f}x")
    (out / a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
