"""BERT-base (full-size config, random weights, sequence 128) in reduced
precision, side by side in one run: stock fp32, stock `model.bfloat16()`,
the same bf16 model under aio, aio implicit bf16 (fp32 model with
AIO_IMPLICIT_BF16_TRANSFORM_FILTER=.*), and `model.half()` stock vs aio.

    python bench/bench_bert_lowp.py [--batches 1,8] [--rounds 3] [--threads N] [--modes ...]

Workers alternate round by round (stock, aio, stock, ...); each cell is the
median over rounds of a per-round median. Cosine similarity of every
mode's last_hidden_state against stock fp32 (same weights and inputs),
computed in fp64. Writes bench/results/bert_lowp.{md,json}."""
import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

SEQ = 128
MODES = {  # name: (under aio?, model dtype, aio env)
    "stock fp32": (False, "fp32", {}),
    "stock bf16": (False, "bf16", {}),
    "aio bf16": (True, "bf16", {}),
    "aio implicit bf16": (True, "fp32", {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": ".*"}),
    "stock fp16": (False, "fp16", {}),
    "aio fp16": (True, "fp16", {}),
}


def worker(a):
    import torch
    from transformers import BertConfig, BertModel
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = BertModel(BertConfig()).eval()
    dt = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[a.dtype]
    model = model.to(dt)
    out, saved = {}, {}
    for b in [int(x) for x in a.batches.split(",")]:
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(0, 30522, (b, SEQ), generator=g)
        mask = torch.ones(b, SEQ, dtype=torch.long)
        with torch.inference_mode():
            call = lambda: model(ids, attention_mask=mask).last_hidden_state  # noqa: E731
            for _ in range(2):  # implicit modes convert weights on the second sighting
                call()
            saved[f"b{b}"] = call().double()
            out[f"b{b}"] = time_median(call, repeats=a.repeats, min_time=0.0)
    torch.save(saved, a.save)
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--dtype", default="fp32")
    ap.add_argument("--save", default="")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--modes", default=",".join(MODES))
    a = ap.parse_args()
    import os
    a.threads = a.threads or os.cpu_count()
    if a.worker:
        return worker(a)
    import torch
    modes = a.modes.split(",")
    if "stock fp32" not in modes:
        modes = ["stock fp32"] + modes
    tmp = Path(tempfile.mkdtemp())
    runs = {m: [] for m in modes}
    for _ in range(a.rounds):
        for m in modes:
            aio, dt, env = MODES[m]
            args = ["--dtype", dt, "--save", str(tmp / f"{m}.pt"), "--batches", a.batches,
                    "--repeats", str(a.repeats), "--threads", str(a.threads)]
            runs[m].append(run_worker(Path(__file__), args, aio=aio, env=env)[0])
    med = {m: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for m, rs in runs.items()}
    ref = torch.load(tmp / "stock fp32.pt")
    cos = {}
    for m in modes:
        got = torch.load(tmp / f"{m}.pt")
        cos[m] = {k: torch.nn.functional.cosine_similarity(got[k].flatten(), ref[k].flatten(), dim=0).item()
                  for k in ref}
    batches = list(med["stock fp32"])
    head = "| mode | " + " | ".join(f"{b} ms | vs stock fp32 | vs stock bf16 | cosine" for b in batches) + " |"
    rows = [head, "|---|" + "---:|---:|---:|---:|" * len(batches)]
    for m in modes:
        cells = []
        for b in batches:
            t = med[m][b]
            vs_bf16 = f"{med['stock bf16'][b] / t:.2f}x" if "stock bf16" in med else "-"
            cells.append(f"{t*1e3:.1f} | {med['stock fp32'][b] / t:.2f}x | {vs_bf16} | {cos[m][b]:.6f}")
        rows.append(f"| {m} | " + " | ".join(cells) + " |")
    table = "\n".join(rows)
    print(f"threads {a.threads}, sequence {SEQ}, {a.rounds} rounds\n" + table)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "bert_lowp.md").write_text(table + "\n")
    (res / "bert_lowp.json").write_text(json.dumps({"seconds": med, "cosine": cos}, indent=1))


if __name__ == "__main__":
    main()
