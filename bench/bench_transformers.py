"""Transformer inference latency, stock vs aio side by side in one run:
BERT-base (full-size config, random weights) at batch 1 and 8, and Llama
prefill (TinyLlama widths, fewer layers, batch 1), sequence 128, in fp32 and
in aio's implicit BF16 / INT8 modes (ratios against stock fp32).

    python bench/bench_transformers.py [--rounds 2] [--llama-layers 8] [--threads N] [--no-breakdown]

Also measures where stock's time goes (torch.profiler, self CPU time per
aten op) and prints aio's per-op report (calls, accelerated, fallbacks) for
each mode. Writes bench/results/transformers.{md,json}."""
import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

SEQ = 128
LLAMA = dict(hidden_size=2048, intermediate_size=5632, num_attention_heads=32, num_key_value_heads=4,
             vocab_size=32000, max_position_embeddings=512, tie_word_embeddings=False)
WORKLOADS = ["bert-base b1", "bert-base b8", "llama prefill b1"]
MODES = {  # name: (under aio?, aio env)
    "stock fp32": (False, {}),
    "aio fp32": (True, {}),
    "aio implicit bf16": (True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"}),
    "aio implicit int8": (True, {"AIO_QUANTIZE_INT8_FILTER": ".*"}),
}
# Stock op groups for the breakdown (self CPU time of aten ops).
GROUPS = {
    "aten::addmm": "linear (addmm)", "aten::mm": "linear (mm)", "aten::bmm": "bmm", "aten::baddbmm": "bmm",
    "aten::_softmax": "softmax", "aten::native_layer_norm": "layer_norm", "aten::gelu": "gelu",
    "aten::silu": "silu", "aten::_scaled_dot_product_flash_attention_for_cpu": "sdpa",
    "aten::_scaled_dot_product_attention_math": "sdpa", "aten::embedding": "embedding",
    "aten::index_select": "embedding",
}


def build(name, llama_layers):
    import torch
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    if name.startswith("bert"):
        model = BertModel(BertConfig()).eval()
        batch = int(name.split("b")[-1])
        ids = torch.randint(0, 30522, (batch, SEQ), generator=g)
        mask = torch.ones(batch, SEQ, dtype=torch.long)
        return lambda: model(ids, attention_mask=mask)
    model = LlamaForCausalLM(LlamaConfig(**LLAMA, num_hidden_layers=llama_layers)).eval()
    ids = torch.randint(0, LLAMA["vocab_size"], (1, SEQ), generator=g)
    # Prefill as generate() runs it: logits of the last position only.
    return lambda: model(ids, logits_to_keep=1)


def worker(a):
    import torch
    if a.threads:
        torch.set_num_threads(a.threads)
    res = {}
    for name in a.workloads.split(","):
        # Built outside inference mode, as models are loaded: parameters
        # made under it are inference tensors, which implicit modes skip.
        fn = build(name, a.llama_layers)
        with torch.inference_mode():
            fn()  # implicit modes convert weights the second time they see them
            if a.breakdown:
                res[name] = breakdown(fn)
            else:
                res[name] = time_median(fn, repeats=a.repeats, min_time=0)
        del fn
    print(json.dumps(res))


def breakdown(fn):
    """Self CPU time share per aten op over a few calls of fn."""
    from torch.profiler import ProfilerActivity, profile
    fn()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            fn()
    ops = {e.key: e.self_cpu_time_total for e in prof.key_averages() if e.key.startswith("aten::")}
    total = sum(ops.values())
    return {k: v / total for k, v in sorted(ops.items(), key=lambda kv: -kv[1]) if v / total >= 0.002}


def group_shares(shares):
    out = {}
    for op, s in shares.items():
        key = GROUPS.get(op, "other elementwise/copies")
        out[key] = out.get(key, 0.0) + s
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def op_report(prof):
    rows = []
    for op, r in prof["ops"].items():
        if r["calls"]:
            fb = ", ".join(f"{k} {v}" for k, v in r["fallback"].items()) or "-"
            rows.append(f"| {op} | {r['calls']} | {r['accelerated']} | {fb} |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--llama-layers", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--breakdown", action="store_true", help="worker: profile instead of timing")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the stock torch.profiler breakdown")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    res_dir = ROOT / "bench/results"
    res_dir.mkdir(parents=True, exist_ok=True)
    args = ["--workloads", a.workloads, "--llama-layers", str(a.llama_layers), "--repeats", str(a.repeats),
            "--threads", str(a.threads)]
    modes = a.modes.split(",")
    times = {m: {} for m in modes}
    profs = {}
    tmp = Path(tempfile.mkdtemp())
    for rnd in range(a.rounds):  # modes alternate within each round
        for m in modes:
            aio, env = MODES[m]
            env = dict(env)
            if aio:
                env["AIO_PROFILER_FILE"] = str(tmp / f"{m.replace(' ', '_')}.json")
            r, _ = run_worker(Path(__file__), args, aio=aio, env=env)
            for k, v in r.items():
                times[m].setdefault(k, []).append(v)
            if aio:
                profs[m] = json.loads(Path(env["AIO_PROFILER_FILE"]).read_text())
            print(f"round {rnd + 1} {m}: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in r.items()), flush=True)
    med = {m: {k: statistics.median(v) for k, v in d.items()} for m, d in times.items()}
    base = med.get("stock fp32", {})
    wl = a.workloads.split(",")
    header = (f"BERT-base (random weights) and Llama prefill (TinyLlama widths, {a.llama_layers} layers, "
              f"random weights), sequence {SEQ}; {a.threads or os.cpu_count()} threads; median of {a.rounds} rounds x "
              f"{a.repeats} calls; ratio = stock fp32 time / mode time")
    lines = [header, "", "| mode | " + " | ".join(wl) + " |", "|---|" + "---:|" * len(wl)]
    summary = {"seq": SEQ, "llama_layers": a.llama_layers, "median_s": med, "speedup_vs_stock_fp32": {}}
    for m in modes:
        cells = []
        for w in wl:
            t = med[m].get(w)
            sp = base[w] / t if t and w in base else float("nan")
            summary["speedup_vs_stock_fp32"].setdefault(m, {})[w] = sp
            cells.append(f"{t * 1e3:.1f} ms ({sp:.2f}x)" if t else "-")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    for m, prof in profs.items():
        lines += ["", f"aio per-op report, {m} (all workloads, warm-up included):", "",
                  "| op | calls | accelerated | fallback reasons |", "|---|---:|---:|---|"] + op_report(prof)
    summary["aio_ops"] = profs
    if not a.no_breakdown:
        r, _ = run_worker(Path(__file__), args + ["--breakdown"], aio=False)
        summary["stock_breakdown"] = r
        lines += ["", "Where stock fp32 time goes (torch.profiler self CPU time, share of aten ops):", ""]
        groups = {w: group_shares(r[w]) for w in wl}
        keys = list(dict.fromkeys(k for w in wl for k in groups[w]))
        lines += ["| op group | " + " | ".join(wl) + " |", "|---|" + "---:|" * len(wl)]
        for k in keys:
            lines.append(f"| {k} | " + " | ".join(f"{groups[w].get(k, 0) * 100:.1f}%" for w in wl) + " |")
        lines += ["", "Top aten ops (self CPU share):", ""]
        for w in wl:
            lines.append(f"- {w}: " + ", ".join(f"{op} {s * 100:.1f}%" for op, s in list(r[w].items())[:8]))
    text = "\n".join(lines) + "\n"
    print(text)
    tag = f"_t{a.threads}" if a.threads else ""
    (res_dir / f"transformers{tag}.md").write_text(text)
    (res_dir / f"transformers{tag}.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
