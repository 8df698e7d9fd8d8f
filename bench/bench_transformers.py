"""Transformer inference latency, side by side in one run: BERT-base
(full-size config, random weights) at batch 1 and 8, and Llama prefill
(TinyLlama widths, fewer layers, batch 1), sequence 128. Modes: stock fp32,
torch.compile (inductor) fp32, zentorch fp32 and bf16 (AMD's plug-in,
torch.compile(backend="zentorch"), from the bench venv), stock
model.bfloat16() (stock, and under aio), aio fp32 and aio's implicit BF16 / INT8 modes; ratios
against stock fp32, compile times apart, cosine of the output against stock
fp32, and % of the machine's measured peak per model and per GEMM shape.

    bench/setup_peers.sh    # once: build/bench-venv with zentorch
    python bench/bench_transformers.py [--rounds 2] [--llama-layers 8] [--threads N]
        [--modes a,b] [--workloads a,b] [--no-breakdown] [--no-gemms] [--peak FILE] [--cpu-time]

Every mode runs in its own subprocess (zentorch's in the venv's python), so
this process's torch never imports a peer. Also measures where stock's time
goes (torch.profiler, self CPU time per aten op) and prints aio's per-op
report (calls, accelerated, fallbacks) for each aio mode. % of peak = model
FLOPs per batch (torch's FlopCounterMode) / time / (peak per core x
threads), the peak from bench_peak's JSON (`make bench-peak`; see
bench/peak.py). Writes bench/results/transformers{_tN}.{md,json,png}."""
import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peak as peakmod  # noqa: E402
from side_by_side import BUILD, ROOT, run_worker, time_median  # noqa: E402

SEQ = 128
LLAMA = dict(hidden_size=2048, intermediate_size=5632, num_attention_heads=32, num_key_value_heads=4,
             vocab_size=32000, max_position_embeddings=512, tie_word_embeddings=False)
WORKLOADS = ["bert-base b1", "bert-base b8", "llama prefill b1"]
VENV_PY = Path(BUILD) / "bench-venv/bin/python"  # bench/setup_peers.sh
# glibc's settings under aio's default AIO_HEAP_KEEP_MB=1024 (interpose/heap_keep.c).
HEAP_KEEP_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1024 << 20)}
# name: (runner, model transform, env, precision for % of peak); runner:
# stock | aio (under aio-run) | peer (stock torch in the bench venv)
MODES = {
    "stock fp32": ("stock", "none", {}, "fp32"),
    "inductor fp32": ("stock", "inductor", {}, "fp32"),
    "zentorch fp32": ("peer", "zentorch", {}, "fp32"),
    "zentorch bf16": ("peer", "zentorch-bf16", {}, "bf16"),
    "stock bf16": ("stock", "bf16", {}, "bf16"),
    "aio fp32": ("aio", "none", {}, "fp32"),
    "aio implicit bf16": ("aio", "none", {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"}, "bf16"),
    "aio implicit int8": ("aio", "none", {"AIO_QUANTIZE_INT8_FILTER": ".*"}, "int8"),
    # model.bfloat16() under aio: its explicit-bf16 rules (attention, small-M Linear)
    "aio bf16": ("aio", "bf16", {}, "bf16"),
    # The peers with glibc set as AIO_HEAP_KEEP_MB sets it under aio (freed
    # memory kept for reuse): how much of a gap is the allocator, not kernels.
    "zentorch fp32 +heap": ("peer", "zentorch", dict(HEAP_KEEP_ENV), "fp32"),
    "zentorch bf16 +heap": ("peer", "zentorch-bf16", dict(HEAP_KEEP_ENV), "bf16"),
    "stock fp32 +heap": ("stock", "none", dict(HEAP_KEEP_ENV), "fp32"),
}
# GEMM shapes (K, N) of each model's Linear layers; M = batch x SEQ.
GEMMS = {"bert": [(768, 768), (768, 3072), (3072, 768)],
         "llama": [(2048, 2048), (2048, 256), (2048, 5632), (5632, 2048)]}
# Stock op groups for the breakdown (self CPU time of aten ops).
GROUPS = {
    "aten::addmm": "linear (addmm)", "aten::mm": "linear (mm)", "aten::bmm": "bmm", "aten::baddbmm": "bmm",
    "aten::_softmax": "softmax", "aten::native_layer_norm": "layer_norm", "aten::gelu": "gelu",
    "aten::silu": "silu", "aten::_scaled_dot_product_flash_attention_for_cpu": "sdpa",
    "aten::_scaled_dot_product_attention_math": "sdpa", "aten::embedding": "embedding",
    "aten::index_select": "embedding",
}


def transform_model(model, transform):
    """The mode's model: bf16 weights and/or torch.compile."""
    import torch
    if transform in ("bf16", "zentorch-bf16"):
        model = model.bfloat16()
    if transform == "inductor":
        model = torch.compile(model)
    elif transform.startswith("zentorch"):
        import zentorch  # noqa: F401  (registers the backend; only in the bench venv)
        model = torch.compile(model, backend="zentorch")
    return model


def first_tensor(out):
    """The model's main output (last hidden state or logits)."""
    return out[0] if isinstance(out, (tuple, list)) else next(iter(out.values()))


def build(name, llama_layers, transform="none"):
    import torch
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    if name.startswith("bert"):
        model = transform_model(BertModel(BertConfig()).eval(), transform)
        batch = int(name.split("b")[-1])
        ids = torch.randint(0, 30522, (batch, SEQ), generator=g)
        mask = torch.ones(batch, SEQ, dtype=torch.long)
        return lambda: model(ids, attention_mask=mask)
    model = transform_model(LlamaForCausalLM(LlamaConfig(**LLAMA, num_hidden_layers=llama_layers)).eval(),
                            transform)
    ids = torch.randint(0, LLAMA["vocab_size"], (1, SEQ), generator=g)
    # Prefill as generate() runs it: logits of the last position only.
    return lambda: model(ids, logits_to_keep=1)


def cpu_median(fn, repeats):
    """Median process CPU seconds per call (after one warm call). With one
    intra-op thread, all of a call's work is CPU time of this process, and
    time spent descheduled by other jobs on a loaded machine is not."""
    import time
    fn()
    samples = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def worker(a):
    import time

    # transformers imports torchvision when it is installed; a torchvision
    # built for another torch fails to load its ops ("torchvision::nms does
    # not exist") and takes BertModel's import down with it. The models here
    # need no vision code: hide it (find_spec then reports it absent).
    sys.modules.setdefault("torchvision", None)
    import torch
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.gemms:
        return print(json.dumps(gemm_worker(a)))
    res, compile_s = {}, {}
    for name in a.workloads.split(","):
        # Built outside inference mode, as models are loaded: parameters
        # made under it are inference tensors, which implicit modes skip.
        fn = build(name, a.llama_layers, a.transform)
        with torch.inference_mode():
            t0 = time.perf_counter()
            out = fn()  # compiles (compiled modes); implicit modes convert weights on the second call
            if a.transform not in ("none", "bf16"):
                compile_s[name] = time.perf_counter() - t0
            if a.outputs:  # a later call: implicit modes convert weights on the second one
                fn()
                torch.save(first_tensor(fn()).float(), Path(a.outputs) / f"{name.replace(' ', '_')}.pt")
            if a.flops:
                from torch.utils.flop_counter import FlopCounterMode
                with FlopCounterMode(display=False) as fc:
                    fn()
                res[name] = fc.get_total_flops()
            elif a.breakdown:
                res[name] = breakdown(fn)
            else:
                res[name] = (cpu_median(fn, a.repeats) if a.cpu_time
                             else time_median(fn, repeats=a.repeats, min_time=0))
        del fn
    if compile_s:
        res["_compile_s"] = compile_s
    print(json.dumps(res))


def gemm_worker(a):
    """Seconds per nn.Linear call at each model's GEMM shapes (this mode's
    weights: bf16 for the bf16 transform, implicit modes by env)."""
    import torch
    res = {}
    for name in a.workloads.split(","):
        fam = "bert" if name.startswith("bert") else "llama"
        m = SEQ * (int(name.split("b")[-1]) if fam == "bert" else 1)
        for k, n in GEMMS[fam]:
            key = f"{m}x{k}x{n}"
            if key in res:
                continue
            lin = torch.nn.Linear(k, n).eval()  # outside inference mode, as model weights
            if a.transform in ("bf16", "zentorch-bf16"):
                lin = lin.bfloat16()
            x = torch.randn(m, k, dtype=lin.weight.dtype)
            with torch.inference_mode():
                lin(x)
                res[key] = time_median(lambda: lin(x), repeats=a.repeats, min_time=0.01)
    return res


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
    ap.add_argument("--transform", default="none", help="worker: model transform of the mode")
    ap.add_argument("--outputs", default="", help="worker: save each workload's first output here")
    ap.add_argument("--flops", action="store_true", help="worker: count FLOPs instead of timing")
    ap.add_argument("--gemms", action="store_true", help="worker: time the models' GEMM shapes")
    ap.add_argument("--no-gemms", action="store_true", help="skip the per-GEMM-shape table")
    ap.add_argument("--cpu-time", action="store_true",
                    help="process CPU time instead of wall time (needs --threads 1; for loaded machines)")
    ap.add_argument("--peak", default=str(Path(BUILD) / "bench/peak.json"), help="bench_peak's JSON")
    a = ap.parse_args()
    if a.worker:
        return worker(a)
    if a.cpu_time and a.threads != 1:
        raise SystemExit("--cpu-time measures one thread: pass --threads 1")
    res_dir = ROOT / "bench/results"
    res_dir.mkdir(parents=True, exist_ok=True)
    args = ["--workloads", a.workloads, "--llama-layers", str(a.llama_layers), "--repeats", str(a.repeats),
            "--threads", str(a.threads)] + (["--cpu-time"] if a.cpu_time else [])
    modes = a.modes.split(",")
    if not VENV_PY.exists() and any(MODES[m][0] == "peer" for m in modes):
        print(f"note: {VENV_PY} missing (run bench/setup_peers.sh): zentorch modes skipped", flush=True)
        modes = [m for m in modes if MODES[m][0] != "peer"]
    times = {m: {} for m in modes}
    compile_s = {m: {} for m in modes}
    profs = {}
    tmp = Path(tempfile.mkdtemp())

    def run_mode(m, extra=(), outputs=None):
        runner, transform, env, _ = MODES[m]
        env = dict(env)
        if runner == "aio":
            env["AIO_PROFILER_FILE"] = str(tmp / f"{m.replace(' ', '_')}.json")
        wargs = list(args) + ["--transform", transform, *extra]
        if outputs:
            wargs += ["--outputs", str(outputs)]
        r, _ = run_worker(Path(__file__), wargs, aio=runner == "aio", env=env,
                          python=VENV_PY if runner == "peer" else None)
        if runner == "aio" and not extra:
            profs[m] = json.loads(Path(env["AIO_PROFILER_FILE"]).read_text())
        return r

    for rnd in range(a.rounds):  # modes alternate within each round
        for m in modes:
            out_dir = None
            if rnd == 0:  # outputs once, for the cosine against stock fp32
                out_dir = tmp / m.replace(" ", "_")
                out_dir.mkdir()
            r = run_mode(m, outputs=out_dir)
            for k, v in r.pop("_compile_s", {}).items():
                compile_s[m].setdefault(k, []).append(v)
            for k, v in r.items():
                times[m].setdefault(k, []).append(v)
            print(f"round {rnd + 1} {m}: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in r.items()), flush=True)
    med = {m: {k: statistics.median(v) for k, v in d.items()} for m, d in times.items()}
    comp = {m: {k: statistics.median(v) for k, v in d.items()} for m, d in compile_s.items() if d}
    base = med.get("stock fp32", {})
    wl = a.workloads.split(",")
    threads = a.threads or os.cpu_count()
    peak = peakmod.load(a.peak)
    flops = run_mode("stock fp32", ["--flops"]) if peak else {}
    cos = cosines(tmp, modes, wl)
    header = (f"BERT-base (random weights) and Llama prefill (TinyLlama widths, {a.llama_layers} layers, "
              f"random weights), sequence {SEQ}; {threads} threads; median of {a.rounds} rounds x "
              f"{a.repeats} calls{' (process CPU time)' if a.cpu_time else ''}; ratio = stock fp32 time / mode time")
    lines = [header, "", "| mode | " + " | ".join(wl) + " |", "|---|" + "---:|" * len(wl)]
    summary = {"seq": SEQ, "llama_layers": a.llama_layers, "threads": threads, "median_s": med,
               "compile_s": comp, "cosine_vs_stock_fp32": cos, "flops": flops, "peak": peak,
               "speedup_vs_stock_fp32": {}, "percent_of_peak": {}}
    for m in modes:
        cells = []
        for w in wl:
            t = med[m].get(w)
            sp = base[w] / t if t and w in base else float("nan")
            summary["speedup_vs_stock_fp32"].setdefault(m, {})[w] = sp
            cells.append(f"{t * 1e3:.1f} ms ({sp:.2f}x)" if t else "-")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += detail_tables(modes, wl, med, comp, cos, flops, peak, threads, summary)
    print("\n".join(lines) + "\n", flush=True)  # the model table before the slower extras
    if not a.no_gemms:
        lines += gemm_table(run_mode, modes, peak, threads, summary)
    plot(res_dir / f"transformers{'_t%d' % a.threads if a.threads else ''}.png", modes, wl, summary)
    for m, prof in profs.items():
        lines += ["", f"aio per-op report, {m} (all workloads, warm-up included):", "",
                  "| op | calls | accelerated | fallback reasons |", "|---|---:|---:|---|"] + op_report(prof)
    summary["aio_ops"] = profs
    if not a.no_breakdown:
        r = run_mode("stock fp32", ["--breakdown"])
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


def cosines(tmp, modes, wl):
    """Cosine of each mode's first output against stock fp32's."""
    import torch
    out = {}
    for m in modes:
        for w in wl:
            f = lambda mode: tmp / mode.replace(" ", "_") / f"{w.replace(' ', '_')}.pt"
            if f(m).exists() and f("stock fp32").exists():
                x, y = torch.load(f(m)).flatten().double(), torch.load(f("stock fp32")).flatten().double()
                out.setdefault(m, {})[w] = float(torch.nn.functional.cosine_similarity(x, y, dim=0))
    return out


def detail_tables(modes, wl, med, comp, cos, flops, peak, threads, summary):
    lines = []
    if comp:
        lines += ["", "Compile time of the compiled modes (first call, s; median over rounds, not in the times above):",
                  "", "| mode | " + " | ".join(wl) + " |", "|---|" + "---:|" * len(wl)]
        lines += [f"| {m} | " + " | ".join(f"{c.get(w, float('nan')):.1f}" for w in wl) + " |" for m, c in comp.items()]
    if cos:
        lines += ["", "Cosine of the output (last hidden state / last logits) against stock fp32:", "",
                  "| mode | " + " | ".join(wl) + " |", "|---|" + "---:|" * len(wl)]
        lines += [f"| {m} | " + " | ".join(f"{c.get(w, float('nan')):.6f}" for w in wl) + " |" for m, c in cos.items()]
    if flops and peak:
        notes = []
        lines += ["", f"GFLOP/s and % of peak ({threads} threads x per-core peak of the mode's precision; "
                  f"GFLOP per batch: " + ", ".join(f"{w} {flops[w] / 1e9:.1f}" for w in wl if w in flops) + "):",
                  "", "| mode | ceiling | " + " | ".join(wl) + " |", "|---|---|" + "---:|" * len(wl)]
        for m in modes:
            prec = MODES[m][3]
            key, v, exact = peakmod.ceiling(peak, prec)
            cells = []
            for w in wl:
                t, f = med[m].get(w), flops.get(w)
                pc = peakmod.percent(f, t, peak, prec, threads) if f and t else None
                summary["percent_of_peak"].setdefault(m, {})[w] = pc
                cells.append(f"{f / t / 1e9:.0f} ({pc:.0f}%)" if pc is not None else "-")
            ceil = f"{key} {v:.0f}{'' if exact else '*'}" if key else "-"
            if not exact and key:
                notes.append(f"{prec}: no such dot instruction here, fp32 FMA peak shown")
            lines.append(f"| {m} | {ceil} | " + " | ".join(cells) + " |")
        for n in dict.fromkeys(notes):
            lines.append(f"\n\\* {n}")
    return lines


def gemm_table(run_mode, modes, peak, threads, summary):
    """nn.Linear at the models' GEMM shapes in the non-compiled modes."""
    gm = [m for m in modes if MODES[m][1] in ("none", "bf16")]
    res = {m: run_mode(m, ["--gemms"]) for m in gm}
    summary["gemm_s"] = res
    shapes = list(next(iter(res.values()), {}))
    lines = ["", "GEMM shapes (nn.Linear, M x K x N): GFLOP/s (% of the mode's peak, "
             f"{threads} threads); one run, median of calls:", "",
             "| mode | " + " | ".join(shapes) + " |", "|---|" + "---:|" * len(shapes)]
    for m in gm:
        cells = []
        for s in shapes:
            mm, k, n = (int(x) for x in s.split("x"))
            f, t = 2.0 * mm * k * n, res[m][s]
            pc = peakmod.percent(f, t, peak, MODES[m][3], threads)
            cells.append(f"{f / t / 1e9:.0f}" + (f" ({pc:.0f}%)" if pc is not None else ""))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def plot(path, modes, wl, summary):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(1.5 + 1.6 * len(wl), 4))
    width = 0.8 / max(1, len(modes))
    for i, m in enumerate(modes):
        ys = [summary["speedup_vs_stock_fp32"][m].get(w, 0) for w in wl]
        ax.bar([j + i * width for j in range(len(wl))], ys, width, label=m)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(wl))], wl)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_ylabel("speed-up vs stock fp32")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
