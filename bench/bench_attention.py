"""F.scaled_dot_product_attention, fp32, stock vs aio side by side, at
BERT / Llama attention shapes (HF layout: [B, L, H, E] projections viewed
as [B, H, L, E]); inference mode.

    python bench/bench_attention.py [--rounds 3]

Prints a Markdown table (stock ms, aio ms, speed-up) and writes
bench/results/attention.{md,json}."""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, side_by_side, time_median  # noqa: E402

# name: (B, H, L, E, kind); kind: plain | mask (padding, additive) | causal
CASES = {
    "bert b1 h12 L128 E64": (1, 12, 128, 64, "plain"),
    "bert b1 h12 L128 E64 mask": (1, 12, 128, 64, "mask"),
    "bert b8 h12 L128 E64": (8, 12, 128, 64, "plain"),
    "bert b8 h12 L128 E64 mask": (8, 12, 128, 64, "mask"),
    "bert b1 h12 L512 E64": (1, 12, 512, 64, "plain"),
    "bert b8 h12 L512 E64 mask": (8, 12, 512, 64, "mask"),
    "llama b1 h32 L128 E64 causal": (1, 32, 128, 64, "causal"),
    "llama b1 h32 L512 E64 causal": (1, 32, 512, 64, "causal"),
    "llama b1 h32 L128 E128 causal": (1, 32, 128, 128, "causal"),
    "llama b8 h32 L128 E128 causal": (8, 32, 128, 128, "causal"),
    "llama b1 h32 L512 E128 causal": (1, 32, 512, 128, "causal"),
    "decode b1 h32 L1 S512 E128": (1, 32, 1, 128, "decode"),
}


def worker(names, threads):
    import torch
    import torch.nn.functional as F
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    res = {}
    with torch.inference_mode():
        for name in names:
            B, H, L, E, kind = CASES[name]
            S = 512 if kind == "decode" else L
            q = torch.randn(B, L, H, E).transpose(1, 2)
            k = torch.randn(B, S, H, E).transpose(1, 2)
            v = torch.randn(B, S, H, E).transpose(1, 2)
            mask = None
            if kind == "mask":
                mask = torch.zeros(B, 1, 1, S)
                mask[B // 2:, ..., S * 3 // 4:] = float("-inf")
            causal = kind == "causal"
            res[name] = time_median(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal),
                                    repeats=9)
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    a = ap.parse_args()
    names = a.cases.split(",")
    if a.worker:
        return worker(names, a.threads)
    stock, aio, _ = side_by_side(Path(__file__), ["--cases", a.cases, "--threads", str(a.threads)],
                                 rounds=a.rounds)
    rows = ["| case | stock ms | aio ms | speed-up |", "|---|---:|---:|---:|"]
    for n in names:
        rows.append(f"| {n} | {stock[n] * 1e3:.3f} | {aio[n] * 1e3:.3f} | {stock[n] / aio[n]:.2f}x |")
    text = "\n".join(rows) + "\n"
    print(text)
    d = ROOT / "bench/results"
    d.mkdir(parents=True, exist_ok=True)
    (d / "attention.md").write_text(text)
    (d / "attention.json").write_text(json.dumps({"stock_s": stock, "aio_s": aio}, indent=1))


if __name__ == "__main__":
    main()
