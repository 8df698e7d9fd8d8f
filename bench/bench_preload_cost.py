"""What the preload costs where it has nothing to do, and on `import torch`.

    python bench/bench_preload_cost.py [--runs N]

Runs each command N times without and with LD_PRELOAD, alternating, and
prints the median wall time of each and the difference."""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELOAD = Path(os.environ.get("AIO_BUILD_DIR", ROOT / "build")) / "libaio_preload.so"

COMMANDS = {
    "/bin/true": ["/bin/true"],
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import torch'": [sys.executable, "-c", "import torch"],
}


def wall(cmd, preload):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_") and k != "LD_PRELOAD"}
    if preload:
        env["LD_PRELOAD"] = str(PRELOAD)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    print("| command | stock ms | preloaded ms | difference |")
    print("|---|---:|---:|---:|")
    for name, cmd in COMMANDS.items():
        runs = a.runs if "torch" not in name else max(5, a.runs // 3)
        base, pre = [], []
        for _ in range(runs):
            base.append(wall(cmd, False))
            pre.append(wall(cmd, True))
        b, p = statistics.median(base) * 1e3, statistics.median(pre) * 1e3
        print(f"| {name} | {b:.2f} | {p:.2f} | {p - b:+.2f} ms ({(p / b - 1) * 100:+.1f}%) |")


if __name__ == "__main__":
    main()
