"""RMSNorm, RoPE and LayerNorm speed at Llama/BERT shapes (tokens 1..512 x
hidden 768..4096), ratios side by side in one run.

    python bench/bench_norm_rope.py [--quick] [--threads N]

Two tables (>1 means aio faster):
  1. fused custom ops vs the unfused spec reference Python, both under aio
     in one process: torch.ops.aio.rms_norm vs LlamaRMSNorm's pow/mean/
     rsqrt/mul; torch.ops.aio.rope vs Llama's rotary embedding (cos/sin
     from positions) + apply_rotary_pos_emb for the query;
  2. stock vs aio for unmodified code: F.rms_norm (nn.RMSNorm) and
     F.layer_norm (nn.LayerNorm), alternating stock and aio processes.
Writes bench/results/norm_rope.{json,md}."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

TOKENS = [1, 8, 32, 128, 512]
HIDDEN = [768, 2048, 4096]
QUICK_TOKENS, QUICK_HIDDEN = [1, 32, 512], [768, 4096]
HEAD_DIM = {768: 64, 2048: 64, 4096: 128}  # BERT-base / TinyLlama / Llama-7B


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    import torch
    return torch.cat((-x2, x1), dim=-1)


def reference_rope(q, position_ids, inv_freq):
    import torch
    freqs = position_ids[..., None].float() * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(q.dtype).unsqueeze(1), emb.sin().to(q.dtype).unsqueeze(1)
    return (q * cos) + (rotate_half(q) * sin)


def reference_rms(x, w, eps):
    import torch
    dt = x.dtype
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(dt)


def shapes(quick):
    return [(t, h) for h in (QUICK_HIDDEN if quick else HIDDEN) for t in (QUICK_TOKENS if quick else TOKENS)]


def worker(part, quick, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {}
    with torch.inference_mode():
        for (t, h) in shapes(quick):
            for dn, dt in (("f32", torch.float32), ("bf16", torch.bfloat16)):
                x = torch.randn(1, t, h).to(dt)
                w = torch.randn(h).to(dt)
                if part == "custom":
                    d = HEAD_DIM[h]
                    heads = h // d
                    q = torch.randn(1, t, heads, d).to(dt).transpose(1, 2)  # q_proj(x).view().transpose()
                    pos = torch.arange(t).view(1, t)
                    inv = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.float) / d))
                    out[f"rms {dn} t{t} h{h} ref"] = time_median(lambda: reference_rms(x, w, 1e-6), repeats=7)
                    out[f"rms {dn} t{t} h{h} aio"] = time_median(lambda: torch.ops.aio.rms_norm(x, w, 1e-6), repeats=7)
                    out[f"rope {dn} t{t} h{h} ref"] = time_median(lambda: reference_rope(q, pos, inv), repeats=7)
                    out[f"rope {dn} t{t} h{h} aio"] = time_median(lambda: torch.ops.aio.rope(q, pos, 10000.0), repeats=7)
                else:
                    out[f"rms_norm {dn} t{t} h{h}"] = time_median(lambda: F.rms_norm(x, (h,), w, 1e-6), repeats=7)
                    if dt == torch.float32:
                        b = torch.randn(h)
                        out[f"layer_norm {dn} t{t} h{h}"] = time_median(lambda: F.layer_norm(x, (h,), w, b, 1e-5),
                                                                        repeats=7)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--part", default="aten")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.worker:
        import os
        worker(a.part, a.quick, a.threads or os.cpu_count())
        return
    args = ["--threads", str(a.threads)] + (["--quick"] if a.quick else [])
    lines = []
    # 1. custom ops vs the reference code, same process (aio).
    runs = [run_worker(Path(__file__), ["--part", "custom", *args], aio=True)[0] for _ in range(a.rounds)]
    custom = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    lines += ["| op | dtype | tokens | hidden | reference us | aio us | ref/aio |", "|---|---|---|---|---|---|---|"]
    for k in custom:
        if not k.endswith(" ref"):
            continue
        op, dn, t, h, _ = k.split()
        ref, fused = custom[k], custom[k[:-3] + "aio"]
        lines.append(f"| aio.{op} | {dn} | {t[1:]} | {h[1:]} | {ref * 1e6:.1f} | {fused * 1e6:.1f} | {ref / fused:.2f} |")
    # 2. stock vs aio for unmodified calls, alternating processes.
    stock_runs, aio_runs = [], []
    for _ in range(a.rounds):
        stock_runs.append(run_worker(Path(__file__), ["--part", "aten", *args], aio=False)[0])
        aio_runs.append(run_worker(Path(__file__), ["--part", "aten", *args], aio=True)[0])
    stock = {k: statistics.median(r[k] for r in stock_runs) for k in stock_runs[0]}
    aio = {k: statistics.median(r[k] for r in aio_runs) for k in aio_runs[0]}
    lines += ["", "| op | dtype | tokens | hidden | stock us | aio us | stock/aio |", "|---|---|---|---|---|---|---|"]
    for k in stock:
        op, dn, t, h = k.split()
        lines.append(f"| {op} | {dn} | {t[1:]} | {h[1:]} | {stock[k] * 1e6:.1f} | {aio[k] * 1e6:.1f} | {stock[k] / aio[k]:.2f} |")
    table = "\n".join(lines)
    print(table)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "norm_rope.json").write_text(json.dumps({"custom": custom, "stock": stock, "aio": aio}, indent=1))
    (res / "norm_rope.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
