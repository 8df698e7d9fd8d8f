"""Run the same worker under stock PyTorch and under aio, alternating, and
collect per-key medians: ratios come from one run on one machine.

A worker is `python WORKER --worker` printing one JSON object
{key: seconds} as its last stdout line."""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("AIO_BUILD_DIR", ROOT / "build"))
AIO_RUN = BUILD / "aio-run"


def _env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_") and k != "LD_PRELOAD"}
    env.update(extra or {})
    return env


def run_worker(worker, args, aio, env=None, capture_stderr=False, python=None):
    """python: another interpreter (a peer's venv) instead of this one."""
    cmd = [str(python or sys.executable), str(worker), "--worker", *args]
    if aio:
        cmd = [str(AIO_RUN), *cmd]
    p = subprocess.run(cmd, env=_env(env), capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"worker failed ({'aio' if aio else python or 'stock'}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def side_by_side(worker, args=(), rounds=3, aio_env=None, stock_env=None):
    """Returns ({key: stock_median}, {key: aio_median}, last aio stderr)."""
    stock, aio, err = {}, {}, ""
    for _ in range(rounds):
        s, _ = run_worker(worker, args, aio=False, env=stock_env)
        a, err = run_worker(worker, args, aio=True, env=aio_env)
        for k, v in s.items():
            stock.setdefault(k, []).append(v)
        for k, v in a.items():
            aio.setdefault(k, []).append(v)
    med = lambda d: {k: statistics.median(v) for k, v in d.items()}
    return med(stock), med(aio), err


def time_median(fn, repeats=15, min_time=0.02):
    """Median seconds per call of fn over `repeats` batches of calls."""
    import time
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time or n >= 1 << 16:
            break
        n *= 2
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)
