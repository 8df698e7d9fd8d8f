"""F.scaled_dot_product_attention, stock vs aio side by side, at BERT, ViT,
Whisper-encoder and Llama attention shapes (HF layout: [B, L, H, E]
projections viewed as [B, H, L, E]), fp32 and bf16; inference mode.

    python bench/bench_attention.py [--rounds 3] [--threads N] [--cases a,b] [--cpu-time]

Prints a Markdown table (stock ms, aio ms, speed-up) and writes
bench/results/attention{_tN}.{md,json}."""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, side_by_side, time_median  # noqa: E402

# name: (B, H, L, E, kind, dtype); kind: plain | pad (BERT padding, boolean
# [B,1,1,S]) | pad4 (additive [B,1,L,S], as HF builds it) | causal | decode
CASES = {}
for dt in ("f32", "bf16"):
    CASES.update({
        f"bert b1 h12 L128 E64 {dt}": (1, 12, 128, 64, "plain", dt),
        f"bert b1 h12 L128 E64 pad {dt}": (1, 12, 128, 64, "pad", dt),
        f"bert b8 h12 L128 E64 {dt}": (8, 12, 128, 64, "plain", dt),
        f"bert b8 h12 L128 E64 pad4 {dt}": (8, 12, 128, 64, "pad4", dt),
        f"bert b1 h12 L512 E64 {dt}": (1, 12, 512, 64, "plain", dt),
        f"bert b8 h12 L512 E64 pad {dt}": (8, 12, 512, 64, "pad", dt),
        f"vit b1 h12 L197 E64 {dt}": (1, 12, 197, 64, "plain", dt),
        f"vit b8 h12 L197 E64 {dt}": (8, 12, 197, 64, "plain", dt),
        f"whisper-enc b1 h8 L1500 E64 {dt}": (1, 8, 1500, 64, "plain", dt),
        f"llama b1 h32 L128 E64 causal {dt}": (1, 32, 128, 64, "causal", dt),
        f"llama b1 h32 L512 E128 causal {dt}": (1, 32, 512, 128, "causal", dt),
        f"decode b1 h32 L1 S512 E128 {dt}": (1, 32, 1, 128, "decode", dt),
    })


def inputs(name):
    import torch
    B, H, L, E, kind, dt = CASES[name]
    dtype = torch.bfloat16 if dt == "bf16" else torch.float32
    S = 512 if kind == "decode" else L
    q = torch.randn(B, L, H, E, dtype=dtype).transpose(1, 2)
    k = torch.randn(B, S, H, E, dtype=dtype).transpose(1, 2)
    v = torch.randn(B, S, H, E, dtype=dtype).transpose(1, 2)
    mask = None
    if kind == "pad":
        mask = torch.ones(B, 1, 1, S, dtype=torch.bool)
        mask[B // 2:, ..., S * 3 // 4:] = False
    elif kind == "pad4":
        mask = torch.zeros(B, 1, L, S, dtype=dtype)
        mask[B // 2:, ..., S * 3 // 4:] = torch.finfo(dtype).min
    return q, k, v, mask, kind == "causal"


def cpu_time_best(fn, repeats=7):
    """Best of `repeats` calls in this thread's CPU time: with one intra-op
    thread all work runs here, and on a loaded machine being descheduled
    does not count (contention only slows a run, so the best is closest)."""
    import time
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t0)
    return best


def worker(names, threads, cpu_time=False):
    import torch
    import torch.nn.functional as F
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    res = {}
    with torch.inference_mode():
        for name in names:
            q, k, v, mask, causal = inputs(name)
            call = lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
            res[name] = cpu_time_best(call) if cpu_time else time_median(call, repeats=9)
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="best of 7 calls in thread CPU time (needs --threads 1; for loaded machines)")
    ap.add_argument("--ignore-policy", action="store_true",
                    help="aio side with AIO_IGNORE_POLICY=1: times aio's kernel where the policy defers to stock")
    a = ap.parse_args()
    names = a.cases.split(",")
    if a.worker:
        return worker(names, a.threads, a.cpu_time)
    if a.cpu_time and a.threads != 1:
        raise SystemExit("--cpu-time measures one thread: pass --threads 1")
    stock, aio, _ = side_by_side(Path(__file__), ["--cases", a.cases, "--threads", str(a.threads)] +
                                 (["--cpu-time"] if a.cpu_time else []),
                                 rounds=a.rounds, aio_env={"AIO_IGNORE_POLICY": "1"} if a.ignore_policy else None)
    rows = ["| case | stock ms | aio ms | speed-up |", "|---|---:|---:|---:|"]
    for n in names:
        rows.append(f"| {n} | {stock[n] * 1e3:.3f} | {aio[n] * 1e3:.3f} | {stock[n] / aio[n]:.2f}x |")
    text = "\n".join(rows) + "\n"
    print(text)
    d = ROOT / "bench/results"
    d.mkdir(parents=True, exist_ok=True)
    tag = (f"_t{a.threads}" if a.threads else "") + ("_cpu" if a.cpu_time else "") + ("_nopolicy" if a.ignore_policy else "")
    (d / f"attention{tag}.md").write_text(text)
    (d / f"attention{tag}.json").write_text(json.dumps({"stock_s": stock, "aio_s": aio}, indent=1))


if __name__ == "__main__":
    main()
