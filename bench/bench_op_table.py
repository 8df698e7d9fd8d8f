"""The rest of the op table, stock vs aio, side by side, next to the memory floor.

Ops: index (advanced-indexing gather), index_select, maximum/minimum,
max/min (full and along a dim), sum, mean, sqrt, rsqrt, pow, neg, topk,
where, scatter, index_add; fp32 and bf16; at model-like shapes (LLM hidden
2048/4096 at 1-2048 tokens, BERT 768, vision NCHW activations, vocab
logits, MoE routing).

Stock and aio run in alternating subprocesses (bench/side_by_side.py), the
median of the rounds is reported, for each thread count asked. The stock
worker also times a plain copy moving the same number of bytes as the op
reads and writes (`floor`): stock/floor near 1 means the op already runs at
memory (or cache) speed and an override has nothing to win; small tensors
are bound by the per-call overhead instead (a few µs), which the floor
shows too, since a copy pays it as well.

  python bench/bench_op_table.py [--rounds 3] [--threads 1,2] [--quick] [--cpu-time] [--ops sum,topk]

Writes bench/results/op_table.{json,md}. Results: docs/never-slower.md."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import ROOT, run_worker, time_median  # noqa: E402

LLM = [(1, 4096), (128, 2048), (2048, 4096)]   # tokens x hidden
BERT = [(128, 768)]
NCHW = [(8, 64, 56, 56), (1, 256, 56, 56)]
QUICK_LLM = [(1, 4096), (128, 2048)]


def make_cases(quick):
    """[(key, builder)]: builder(torch, dtype) -> (fn, bytes_moved)."""
    out = []
    tok_hid = (QUICK_LLM if quick else LLM) + BERT

    def add(op, tag, build, dtypes=("float32", "bfloat16")):
        for dt in dtypes:
            out.append((f"{op}|{dt}|{tag}", build))

    def sz(t, dt):
        return t.numel() * t.element_size()

    for t, h in tok_hid:
        tag = f"{t}x{h}"

        def unary(fn):
            def b(torch, dt, t=t, h=h):
                x = torch.rand(t, h).add_(0.1).to(dt)
                return (lambda: fn(torch, x)), 2 * sz(x, dt)
            return b
        add("sqrt", tag, unary(lambda torch, x: torch.sqrt(x)))
        add("rsqrt", tag, unary(lambda torch, x: torch.rsqrt(x)))
        add("neg", tag, unary(lambda torch, x: torch.neg(x)))
        add("pow2", tag, unary(lambda torch, x: x.pow(2)))
        add("pow1.5", tag, unary(lambda torch, x: x.pow(1.5)))

        def binary(fn):
            def b(torch, dt, t=t, h=h):
                x, y = torch.randn(t, h).to(dt), torch.randn(t, h).to(dt)
                return (lambda: fn(torch, x, y)), 3 * sz(x, dt)
            return b
        add("maximum", tag, binary(lambda torch, x, y: torch.maximum(x, y)))
        add("minimum", tag, binary(lambda torch, x, y: torch.minimum(x, y)))
        add("pow_tensor", tag, binary(lambda torch, x, y: torch.pow(x.abs(), y)))

        def where(torch, dt, t=t, h=h):
            x, y = torch.randn(t, h).to(dt), torch.randn(t, h).to(dt)
            m = torch.rand(t, h) > 0.5
            return (lambda: torch.where(m, x, y)), 3 * sz(x, dt) + m.numel()
        add("where", tag, where)

        def reduce(fn, out_rows):
            def b(torch, dt, t=t, h=h):
                x = torch.randn(t, h).to(dt)
                return (lambda: fn(torch, x)), sz(x, dt) + (t * x.element_size() if out_rows else 0)
            return b
        add("sum_all", tag, reduce(lambda torch, x: x.sum(), False))
        add("sum_dim-1", tag, reduce(lambda torch, x: x.sum(-1), True))
        add("sum_dim0", tag, reduce(lambda torch, x: x.sum(0), False))
        add("mean_dim-1", tag, reduce(lambda torch, x: x.mean(-1), True))
        add("max_all", tag, reduce(lambda torch, x: x.max(), False))
        add("min_all", tag, reduce(lambda torch, x: x.min(), False))
        add("max_dim-1", tag, reduce(lambda torch, x: x.max(-1), True))
        add("min_dim-1", tag, reduce(lambda torch, x: x.min(-1), True))
        add("amax_dim-1", tag, reduce(lambda torch, x: x.amax(-1), True))
        add("argmax_dim-1", tag, reduce(lambda torch, x: x.argmax(-1), True))

        # Gathers: pick t rows (with repeats) out of a [max(t, 512), h] table.
        def gather(fn):
            def b(torch, dt, t=t, h=h):
                rows = max(t, 512)
                x = torch.randn(rows, h).to(dt)
                idx = torch.randint(0, rows, (t,))
                return (lambda: fn(torch, x, idx)), 2 * t * h * x.element_size() + idx.numel() * 8
            return b
        add("index_rows", tag, gather(lambda torch, x, idx: x[idx]))
        add("index_select0", tag, gather(lambda torch, x, idx: torch.index_select(x, 0, idx)))

        def gather_cols(fn):
            def b(torch, dt, t=t, h=h):
                x = torch.randn(t, h).to(dt)
                idx = torch.randint(0, h, (h // 2,))
                return (lambda: fn(torch, x, idx)), t * h * x.element_size() + idx.numel() * 8
            return b
        add("index_select-1", tag, gather_cols(lambda torch, x, idx: torch.index_select(x, 1, idx)))

        # MoE combine: add t*2 expert rows back into t token rows.
        def index_add(torch, dt, t=t, h=h):
            out0 = torch.zeros(t, h).to(dt)
            src = torch.randn(2 * t, h).to(dt)
            idx = torch.arange(t).repeat(2)
            return (lambda: out0.index_add_(0, idx, src)), 4 * t * h * out0.element_size() + idx.numel() * 8
        add("index_add_", tag, index_add)

        def scatter(torch, dt, t=t, h=h):
            x = torch.randn(t, h).to(dt)
            idx = torch.argsort(torch.rand(t, h), dim=-1)
            return (lambda: x.scatter(-1, idx, x)), 3 * sz(x, dt) + idx.numel() * 8
        add("scatter-1", tag, scatter)

    # Sampling and routing: topk over vocab logits and over experts.
    for rows, cols, k in ([(1, 32000, 50), (8, 32000, 50), (1, 128256, 50), (2048, 64, 6), (2048, 8, 2)]
                          if not quick else [(1, 32000, 50), (2048, 8, 2)]):
        def topk(torch, dt, rows=rows, cols=cols, k=k):
            x = torch.randn(rows, cols).to(dt)
            return (lambda: torch.topk(x, k, dim=-1)), x.numel() * x.element_size()
        add("topk", f"{rows}x{cols}k{k}", topk)

        def greedy(torch, dt, rows=rows, cols=cols):
            x = torch.randn(rows, cols).to(dt)
            return (lambda: torch.argmax(x, -1)), x.numel() * x.element_size()
        if cols >= 32000:
            add("argmax_vocab", f"{rows}x{cols}", greedy)

    # Vision: global average pool as mean over (2, 3); channel max (CBAM).
    for shape in (NCHW if not quick else NCHW[:1]):
        tag = "x".join(map(str, shape))

        def r(fn, shape=shape):
            def b(torch, dt):
                x = torch.randn(shape).to(dt)
                return (lambda: fn(torch, x)), x.numel() * x.element_size()
            return b
        add("mean_hw", tag, r(lambda torch, x: x.mean((2, 3))))
        add("sum_hw", tag, r(lambda torch, x: x.sum((2, 3))))
        add("amax_c", tag, r(lambda torch, x: x.amax(1)))
        add("max_c", tag, r(lambda torch, x: x.max(1)))

        def msk(torch, dt, shape=shape):
            x = torch.randn(shape).to(dt)
            m = torch.rand(shape) > 0.5
            return (lambda: torch.where(m, x, 0.0)), 2 * x.numel() * x.element_size() + m.numel()
        add("where_scalar", tag, msk)
    return out


def worker(quick, threads, only, floor, cpu_time):
    import time
    import torch
    if cpu_time:  # this thread's CPU time: time spent descheduled does not count
        time.perf_counter = time.thread_time
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    res = {}
    with torch.inference_mode():
        for key, build in make_cases(quick):
            op = key.split("|")[0]
            if only and op not in only:
                continue
            dt = getattr(torch, key.split("|")[1])
            fn, nbytes = build(torch, dt)
            res[key] = time_median(fn, repeats=7, min_time=0.01)
            if floor:
                # a copy moving the same bytes: half read, half written
                n = max(1, nbytes // 8)
                src, dst = torch.empty(n), torch.empty(n)
                src.fill_(1.0)
                res[key + "|floor"] = time_median(lambda: dst.copy_(src), repeats=7, min_time=0.01)
                res[key + "|bytes"] = nbytes
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--floor", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--cpu-time", action="store_true", help="time 1-thread runs in thread CPU time (loaded machines)")
    ap.add_argument("--ops", help="comma-separated subset of op names (first column)")
    a = ap.parse_args()
    only = a.ops.split(",") if a.ops else None
    if a.worker:
        return worker(a.quick, int(a.threads), only, a.floor, a.cpu_time)
    common = (["--quick"] if a.quick else []) + (["--cpu-time"] if a.cpu_time else []) + (["--ops", a.ops] if a.ops else [])
    lines = [f"median of {a.rounds} alternating stock/aio rounds; floor: a copy moving the op's bytes "
             "(stock process); >1 = aio faster", "",
             "| op | dtype | shape | threads | stock us | aio us | stock/aio | floor us | stock/floor | GB/s stock |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    rows = []
    for th in map(int, a.threads.split(",")):
        s_runs, a_runs = [], []
        for _ in range(a.rounds):
            s_runs.append(run_worker(Path(__file__), ["--threads", str(th), "--floor", *common], aio=False)[0])
            a_runs.append(run_worker(Path(__file__), ["--threads", str(th), *common], aio=True)[0])
        med = lambda runs, k: statistics.median(r[k] for r in runs)
        for k in a_runs[0]:
            op, dt, tag = k.split("|")
            s, g, f = med(s_runs, k) * 1e6, med(a_runs, k) * 1e6, med(s_runs, k + "|floor") * 1e6
            nbytes = s_runs[0][k + "|bytes"]
            row = {"op": op, "dtype": dt, "shape": tag, "threads": th, "stock_us": s, "aio_us": g,
                   "speedup": s / g, "floor_us": f, "stock_over_floor": s / f, "bytes": nbytes,
                   "stock_gbps": nbytes / s / 1e3}
            rows.append(row)
            lines.append(f"| {op} | {dt} | {tag} | {th} | {s:.1f} | {g:.1f} | {s / g:.2f} | {f:.1f} | "
                         f"{s / f:.2f} | {row['stock_gbps']:.1f} |")
    table = "\n".join(lines)
    print(table)
    res = ROOT / "bench/results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "op_table.json").write_text(json.dumps({"rounds": a.rounds, "rows": rows}, indent=1))
    (res / "op_table.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
