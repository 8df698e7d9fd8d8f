"""The rest of the op table (issue 12): for each op, whether aio overrides
it or why it stays on stock, with the measurement behind the verdict
(bench/bench_op_table.py; details in docs/never-slower.md).
scripts/update-readme-table.py renders OPS into README.md between the
aio-op-table markers; tests/python/test_readme_table.py checks it.

verdict: "aio"     overridden, measured faster
         "memory"  stock already runs at memory (or cache) speed
         "stock"   stock is slower than memory speed but aio has no kernel
                   yet (not done)"""

OPS = [
    # (ops, dtypes, verdict, measured): 1 thread, a 2-core VM at load 7-16
    ("`max.dim`, `min.dim` (`torch.max/min(x, dim)`), `argmax`, `argmin` over the last dim", "fp32, bf16", "aio",
     "max/min(dim) 2.9-5.6x (fp32 and bf16), argmax 3.3-6.0x fp32, 14-31x bf16 (thread CPU time); stock was 5-21x the floor"),
    ("`max`/`min`/`argmax` over another dim (e.g. NCHW channels)", "fp32, bf16", "stock",
     "stock 32-45x the floor at [8,64,56,56] max(1): not done (the kernel reads rows)"),
    ("`sum`, `mean` (all, last dim, dim 0, NCHW (2,3))", "fp32", "memory", "stock 0.25-1.0x the floor from 128x768 up"),
    ("`sum`, `mean`", "bf16", "stock", "stock 1.7-3.0x the floor (fp32 accumulation): not done"),
    ("`amax`, `amin`, `max()`, `min()` (no indices)", "fp32", "memory", "stock 0.4-1.3x the floor"),
    ("`amax`, `amin`, `max()`, `min()`", "bf16", "stock", "stock 1.2-4.3x the floor: not done"),
    ("`maximum`, `minimum` (elementwise)", "fp32, bf16", "memory", "stock 0.8-1.3x the floor"),
    ("`sqrt`, `neg`, `pow(x, 2)`", "fp32, bf16", "memory", "stock 0.2-1.7x the floor"),
    ("`rsqrt`", "fp32", "memory", "stock 0.65x the floor and up"),
    ("`rsqrt`", "bf16", "stock", "stock 4.7x the floor and up: not done"),
    ("`pow` with a fractional or tensor exponent", "fp32, bf16", "stock",
     "compute-bound (SLEEF powf): stock 7-21x the floor; not done"),
    ("`where`", "fp32, bf16", "stock",
     "stock 10-52x the floor with a random mask (a branch per element), ~2x with a uniform one: not done"),
    ("`index_select` dim 0", "fp32, bf16", "memory", "stock 0.44-0.47x the floor"),
    ("`index` (`x[idx]`), `index_select` on the last dim", "fp32, bf16", "stock",
     "`x[idx]` 2-5x and `index_select(x, -1, idx)` 5-34x the floor: not done"),
    ("`index_add_`", "fp32", "memory", "stock 0.4x the floor and up"),
    ("`index_add_`, `scatter`", "fp32, bf16", "stock", "`index_add_` bf16 1.9x, `scatter` 2.4-3x the floor: not done"),
    ("`topk`", "fp32, bf16", "stock",
     "stock 14-34x the floor (vocab 32000 k 50; MoE 2048x64 k 6 took 3.7 ms): not done"),
]

VERDICT = {
    "aio": "aio",
    "memory": "stock (memory speed)",
    "stock": "stock (not done: no aio kernel yet)",
}


def markdown():
    lines = ["| op | dtypes | runs on | measured (stock / aio or stock / memory floor) |", "|---|---|---|---|"]
    for ops, dts, verdict, measured in OPS:
        lines.append(f"| {ops} | {dts} | {VERDICT[verdict]} | {measured} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
