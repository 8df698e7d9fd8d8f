"""LLM decode, tokens/s: a Llama-architecture causal LM (transformers, random
weights from a config, no downloads), batch 1, greedy, side by side in one run
against the best stock alternatives.

    python bench/bench_llm_decode.py [--size 1b|tiny] [--new-tokens 64] [--modes ...]

Each mode runs in its own subprocess (stock ones without the preload, aio ones
under build/aio-run, the torchao peers in the bench venv of
bench/setup_peers.sh; a missing venv skips them). Reported per mode: decode tokens/s, speed-up over stock
fp32 eager, the roofline (measured read bandwidth / weight bytes read per
token) and the fraction of it reached, and accuracy against stock fp32: top-1
agreement and logits cosine over a teacher-forced sequence; and the start-up
time, the first (4-token) generate call, which for the torch.compile modes is
mostly compilation, reported apart from tokens/s.
Writes bench/results/llm_decode.{md,json,png}."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import AIO_RUN, ROOT, _env  # noqa: E402

SIZES = {
    # About 1.1 B parameters (TinyLlama-1.1B's shape).
    "1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
               num_key_value_heads=4, vocab_size=32000),
    # About 0.1 B parameters: a run that fits a loaded shared machine.
    "small": dict(hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12,
                  num_key_value_heads=4, vocab_size=32000),
    # For a quick check of the harness.
    "tiny": dict(hidden_size=256, intermediate_size=688, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=1000),
}

MODES = {  # name: (under aio?, aio env, how the model is prepared)
    "stock fp32": (False, {}, "fp32"),
    "stock bf16": (False, {}, "bf16"),
    "stock dynamic int8": (False, {}, "dynamic_int8"),
    "stock torch.compile": (False, {}, "compile"),
    "aio fp32": (True, {}, "fp32"),
    "aio implicit fp16": (True, {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER": "FullyConnected"}, "fp32"),
    "aio implicit bf16": (True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "FullyConnected"}, "fp32"),
    "aio int8": (True, {"AIO_QUANTIZE_INT8_FILTER": "FullyConnected"}, "fp32"),
    'aio backend="aio" fp32': (True, {}, "aio_compile"),
    'aio backend="aio" int8': (True, {"AIO_QUANTIZE_INT8_FILTER": "FullyConnected"}, "aio_compile"),
    "torchao int8 torch.compile": (False, {}, "torchao_int8"),
    "torchao int4 torch.compile": (False, {}, "torchao_int4"),
    "aio int4": (True, {"AIO_QUANTIZE_INT4_FILTER": "FullyConnected"}, "fp32"),
    # the other group sizes (accuracy against bytes; not in the default run)
    "aio int4 g32": (True, {"AIO_QUANTIZE_INT4_FILTER": "FullyConnected", "AIO_QUANTIZE_INT4_GROUP_SIZE": "32"},
                     "fp32"),
    "aio int4 g128": (True, {"AIO_QUANTIZE_INT4_FILTER": "FullyConnected", "AIO_QUANTIZE_INT4_GROUP_SIZE": "128"},
                      "fp32"),
    # every Linear (K a multiple of 128) packed as a 4-bit GPTQ checkpoint (group 128) by the reference
    # packer (round to nearest, not GPTQ's solver), run by torch.ops.aio.gptq_linear
    "aio gptq 4-bit": (True, {}, "gptq4"),
}
OPTIONAL_MODES = {"aio int4 g32", "aio int4 g128"}
# Preparations that need the peers' venv (bench/setup_peers.sh).
PEER_PREPS = {"torchao_int8", "torchao_int4"}
PEER_PYTHON = ROOT / "build/bench-venv/bin/python"
# Bytes of weights each mode reads per decoded token, per parameter, for the
# Linear layers (embeddings are a row lookup; the LM head is a Linear).
BYTES_PER_PARAM = {"fp32": 4, "bf16": 2, "dynamic_int8": 1, "compile": 4,
                   "aio implicit fp16": 2, "aio implicit bf16": 2, "aio int8": 1,
                   "aio_compile": 4, 'aio backend="aio" int8': 1, "torchao_int8": 1, "torchao_int4": 0.5,
                   # int4: half a byte plus an fp32 scale and zero term per group (64 by default)
                   "aio int4": 0.5 + 8 / 64, "gptq4": 0.5 + 8 / 128,
                   "aio int4 g32": 0.5 + 8 / 32, "aio int4 g128": 0.5 + 8 / 128}


def _block_torchvision():
    """transformers imports torchvision when it is installed, and a
    torchvision built for another torch fails to import and takes
    transformers with it (scripts/setup.sh keeps PyPI's out of
    site-packages for that reason). The bench needs no vision code."""
    sys.modules.setdefault("torchvision", None)


def build_model(size, prep):
    import torch
    _block_torchvision()
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(**SIZES[size], max_position_embeddings=512, tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg).eval()
    linear_params = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    if prep == "bf16":
        model = model.to(torch.bfloat16)
    elif prep == "dynamic_int8":
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    elif prep == "gptq4":
        sys.path.insert(0, str(ROOT / "examples"))
        from aio_gptq import AioGPTQLinear, pack_gptq
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                # GPTQ packing needs K a multiple of the group and N of 8
                # (the tiny config's 688-wide MLP is not: those stay fp32)
                if isinstance(child, torch.nn.Linear) and child.in_features % 128 == 0 \
                        and child.out_features % 8 == 0:
                    d = pack_gptq(child.weight, 4, 128)
                    setattr(parent, name, AioGPTQLinear(d["qweight"], d["qzeros"], d["scales"], d["g_idx"], 4,
                                                        child.bias))
    elif prep == "compile":
        model.forward = torch.compile(model.forward)
    elif prep == "aio_compile":
        model.forward = torch.compile(model.forward, backend="aio", options={"modelname": f"llama-{size}"})
    elif prep in ("torchao_int8", "torchao_int4"):
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_
        if prep == "torchao_int8":
            quantize_(model, Int8DynamicActivationInt8WeightConfig())
        else:  # the CPU int4 path (opaque packing, _weight_int4pack_mm_for_cpu)
            from torchao.prototype.quantization.int4 import PrototypeInt4WeightOnlyConfig
            quantize_(model, PrototypeInt4WeightOnlyConfig(group_size=128))
        model.forward = torch.compile(model.forward)
    return model, linear_params


def worker(size, prep, prompt_len, new_tokens):
    import torch
    model, linear_params = build_model(size, prep)
    vocab = SIZES[size]["vocab_size"]
    g = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, vocab, (1, prompt_len), generator=g)
    teacher = torch.randint(0, vocab, (1, 96), generator=g)
    with torch.inference_mode():
        # Warm-up: compiles, packs weights (aio), fills caches. Its time is
        # what a user waits before the first tokens.
        t0 = time.perf_counter()
        model.generate(prompt, max_new_tokens=4, min_new_tokens=4, do_sample=False)
        t_startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = model.generate(prompt, max_new_tokens=1, min_new_tokens=1, do_sample=False)
        t_prefill = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = model.generate(prompt, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False)
        t_total = time.perf_counter() - t0
        logits = model(teacher).logits[0].float()
    decode_s = max(1e-9, t_total - t_prefill)
    torch.save({"logits": logits, "tokens": out[0, prompt_len:]}, os.environ["BENCH_OUT"])
    print(json.dumps({"tokens_per_s": (new_tokens - 1) / decode_s, "prefill_s": t_prefill,
                      "startup_s": t_startup, "linear_params": linear_params}))


def read_bandwidth_gbs():
    """Streaming read bandwidth with all threads (torch sum over 1 GiB)."""
    import torch
    x = torch.ones(1 << 28)
    x.sum()
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        x.sum()
        best = max(best, x.numel() * 4 / (time.perf_counter() - t0) / 1e9)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--size", default="1b", choices=SIZES)
    ap.add_argument("--prep", default="fp32")
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--modes", default=",".join(m for m in MODES if m not in OPTIONAL_MODES))
    ap.add_argument("--reps", type=int, default=1, help="alternating rounds over the modes; medians reported")
    a = ap.parse_args()
    if a.worker:
        return worker(a.size, a.prep, a.prompt, a.new_tokens)
    import torch
    res_dir = ROOT / "bench/results"
    res_dir.mkdir(parents=True, exist_ok=True)
    bw = read_bandwidth_gbs()
    results = {}
    runs = {}
    for rep in range(a.reps):  # rounds alternate the modes, so load changes hit all of them
        for name in a.modes.split(","):
            aio, env, prep = MODES[name]
            out = res_dir / ("llm_" + "".join(ch if ch.isalnum() else "_" for ch in name) + ".pt")
            cmd = [sys.executable, __file__, "--worker", "--size", a.size, "--prep", prep, "--prompt", str(a.prompt),
                   "--new-tokens", str(a.new_tokens)]
            if prep in PEER_PREPS:
                if not PEER_PYTHON.exists():
                    print(f"{name}: skipped: no peers' venv (run bench/setup_peers.sh)")
                    continue
                cmd[0] = str(PEER_PYTHON)
            if aio:
                cmd = [str(AIO_RUN)] + cmd
            p = subprocess.run(cmd, env=_env({**env, "BENCH_OUT": str(out)}), capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{name}: failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["out"] = torch.load(out)
            out.unlink()
            runs.setdefault(name, []).append(r)
            print(f"{name}: {r['tokens_per_s']:.2f} tokens/s, start-up {r['startup_s']:.1f} s", flush=True)
    for name, rs in runs.items():
        r = dict(rs[-1])
        for key in ("tokens_per_s", "startup_s", "prefill_s"):
            r[key] = statistics.median(x[key] for x in rs)
        r["reps"] = len(rs)
        results[name] = r
    base = results.get("stock fp32")
    rows = ["| mode | tokens/s | vs stock fp32 | roofline tokens/s | of roofline | top-1 agreement | logits cosine "
            "| start-up s (compile) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    summary = {"read_bandwidth_gbs": bw, "modes": {}}
    for name, r in results.items():
        prep = MODES[name][2]
        bpp = BYTES_PER_PARAM.get(name, BYTES_PER_PARAM.get(prep, 4))
        ceiling = bw * 1e9 / (r["linear_params"] * bpp)
        agree = cosv = float("nan")
        if base:
            la, lb = r["out"]["logits"], base["out"]["logits"]
            agree = (la.argmax(-1) == lb.argmax(-1)).float().mean().item()
            cosv = torch.nn.functional.cosine_similarity(la.double().flatten(), lb.double().flatten(), dim=0).item()
        speed = r["tokens_per_s"] / base["tokens_per_s"] if base else float("nan")
        rows.append(f"| {name} | {r['tokens_per_s']:.2f} | {speed:.2f}x | {ceiling:.1f} | "
                    f"{r['tokens_per_s'] / ceiling:.0%} | {agree:.3f} | {cosv:.4f} | {r['startup_s']:.1f} |")
        summary["modes"][name] = {"tokens_per_s": r["tokens_per_s"], "speedup_vs_stock_fp32": speed,
                                  "roofline_tokens_per_s": ceiling, "top1_agreement": agree, "logits_cosine": cosv,
                                  "startup_s": r["startup_s"]}
    table = "\n".join(rows)
    header = (f"Llama-architecture model, {a.size} config, random weights, batch 1, {a.prompt}-token prompt, "
              f"{a.new_tokens} new tokens, greedy; {torch.get_num_threads()} thread(s); read bandwidth {bw:.1f} GB/s; "
              f"medians of {a.reps} alternating round(s); load average {os.getloadavg()[0]:.1f} at the end")
    print(header)
    print(table)
    (res_dir / "llm_decode.md").write_text(header + "\n\n" + table + "\n")
    (res_dir / "llm_decode.json").write_text(json.dumps(summary, indent=1))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        names = list(summary["modes"])
        vals = [summary["modes"][n]["tokens_per_s"] for n in names]
        fig, ax = plt.subplots(figsize=(9, 4))
        ax.barh(names, vals, color=["#888" if n.startswith("stock") else "#2a7" for n in names])
        ax.set_xlabel("decode tokens/s (higher is better)")
        ax.set_title(f"Llama {a.size}, batch 1, {os.cpu_count()} threads")
        fig.tight_layout()
        fig.savefig(res_dir / "llm_decode.png", dpi=100)
    except ImportError:
        pass


if __name__ == "__main__":
    main()
