#!/usr/bin/env python3
"""The Arm suite: aio's aarch64 preload and dispatch module inside the real
aarch64 PyTorch 2.13 wheel under qemu-aarch64, compared with stock aarch64
PyTorch under the same emulator (`make test-arm`).

Each run is one qemu process running tests/arm/workload.py, which saves its
outputs; every comparison is done here, on the host, afterwards. An import
of torch under qemu costs ~25 s of CPU, so there are few runs, two at a time:

  CPU model    runs
  neoverse-n1  stock, AIO_PROCESS_MODE=0, aio fp32, implicit fp16, bf16, int8
  max          stock, aio fp32, implicit bf16, int8   (i8mm, bf16, SVE)

Checked: the preload loads, passes the ABI check and registers its kernels;
the ISA and kernels picked (debug log); the per-op report (AIO_PROFILER_FILE)
counts accelerated calls; fp32 ops within 1e-4 of stock; implicit modes by
relative error and cosine as tests/python/test_implicit_modes.py; a tiny
Llama's logits and greedy tokens; worker threads pinned; AIO_PROCESS_MODE=0
silent and bit-identical to stock. Prints PASS/FAIL lines and one summary
line; exits 1 on any failure."""
import argparse
import concurrent.futures
import json
import math
import os
import pathlib
import subprocess
import sys
import time

import torch

HERE = pathlib.Path(__file__).resolve().parent
WORKLOAD = HERE / "workload.py"
N1, MAX = "neoverse-n1", "max"
ALL = "fp32,lowp,bmm,llama"
FC = "FullyConnected"
# name: (cpu, preloaded, AIO_* environment, workload groups)
RUNS = {
    "n1-stock": (N1, False, {}, ALL),
    "n1-off": (N1, True, {"AIO_PROCESS_MODE": "0"}, "fp32,llama"),
    "n1-fp32": (N1, True, {}, "fp32,llama,binding"),
    "n1-fp16": (N1, True, {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER": FC}, "lowp,llama"),
    "n1-bf16": (N1, True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": FC}, "lowp,llama"),
    # int8 wins over bf16 for FullyConnected, so bf16 MatMul rides along.
    "n1-int8": (N1, True, {"AIO_QUANTIZE_INT8_FILTER": FC, "AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "MatMul"},
                "lowp,bmm,llama"),
    "max-stock": (MAX, False, {}, ALL),
    "max-fp32": (MAX, True, {}, "fp32,llama,binding"),
    "max-bf16": (MAX, True, {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER": FC}, "lowp,llama"),
    "max-int8": (MAX, True, {"AIO_QUANTIZE_INT8_FILTER": FC, "AIO_IMPLICIT_BF16_TRANSFORM_FILTER": "MatMul"},
                 "lowp,bmm,llama"),
}
# Bounds of tests/python/test_implicit_modes.py (relative error vs fp32).
LOWP_BOUND = {"fp16": 1e-3, "bf16": 8e-3, "int8": 2e-2}
# fp32 ops vs stock, as tests/python/test_gemm_ops.py; bf16 rms_norm: one
# bf16 rounding apart at most.
FP32_TOL = dict(rtol=1e-4, atol=1e-4)
BF16_TOL = dict(rtol=1.6e-2, atol=1.6e-2)
# Ops that the fp32 run must have accelerated at least once (per-op report).
FP32_OPS = ["aten::addmm", "aten::mm", "aten::bmm", "aten::baddbmm", "aten::rms_norm", "aten::native_layer_norm",
            "aten::_softmax", "aten::_log_softmax", "aten::gelu", "aten::silu", "aten::sigmoid", "aten::tanh",
            "aten::_scaled_dot_product_flash_attention_for_cpu"]

results = []  # (ok, name, detail)


def check(ok, name, detail=""):
    results.append((bool(ok), name, detail))
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""), flush=True)
    return ok


def run_one(name, args, work):
    cpu, preloaded, aio_env, groups = RUNS[name]
    root = pathlib.Path(args.root).resolve()
    sysroot, site = root / "sysroot", root / "site"
    out = work / f"{name}.pt"
    prof = work / f"{name}.report.json"
    for p in (out, prof):
        p.unlink(missing_ok=True)
    # Guest environment through -E: an LD_PRELOAD in qemu's own environment
    # would be loaded into the x86 emulator.
    genv = {"PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error",
            "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}
    if preloaded:
        genv["LD_PRELOAD"] = str(pathlib.Path(args.libs).resolve() / "libaio_preload.so")
        genv.update({"AIO_DEBUG_MODE": "3", "AIO_PROFILER_FILE": str(prof)})
        genv.update(aio_env)
    cmd = [args.qemu, "-cpu", cpu, "-L", str(sysroot)]
    for k, v in genv.items():
        cmd += ["-E", f"{k}={v}"]
    cmd += [str(sysroot / "usr/bin/python3.11"), str(WORKLOAD), str(out), groups]
    host_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("AIO_", "PYTHON", "LD_", "OMP_", "KMP_", "MKL_"))}
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=host_env, capture_output=True, text=True, timeout=args.timeout)
        rc, so, se = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, so, se = "timeout", e.stdout or "", e.stderr or ""
        so, se = (s.decode() if isinstance(s, bytes) else s for s in (so, se))
    dt = time.time() - t0
    (work / f"{name}.log").write_text(f"$ {' '.join(cmd)}\n--- stdout\n{so}\n--- stderr\n{se}")
    res = {"rc": rc, "stderr": se, "seconds": dt, "out": None, "report": None}
    if rc == 0 and out.exists():
        res["out"] = torch.load(out, weights_only=False)
    if prof.exists():
        res["report"] = json.loads(prof.read_text())
    print(f"  ran {name} ({cpu}) in {dt:.0f} s, rc {rc}", flush=True)
    return name, res


def rel(y, ref):
    ref = ref.double()
    return ((y.double() - ref).norm() / ref.norm()).item()


def cos(y, ref):
    return torch.nn.functional.cosine_similarity(y.double().flatten(), ref.double().flatten(), dim=0).item()


def log_line(stderr, start):
    return next((l for l in stderr.splitlines() if start in l), "")


def check_loaded(name, r):
    se = r["stderr"]
    check("imported symbols of" in se and "are exported by the loaded torch" in se, f"{name}: ABI check passed",
          log_line(se, "symbol") or se[-400:])
    line = log_line(se, "active:")
    n = int(line.split("active:")[1].split()[0]) if "kernels registered" in line else 0
    check(n >= 40, f"{name}: kernels registered ({n})", line or se[-400:])
    check(r["out"]["_meta"]["have_aio_ops"], f"{name}: torch.ops.aio.rope / rms_norm exist")
    bad = [l for l in se.splitlines() if "Traceback" in l or "running on stock PyTorch" in l or "failed" in l]
    check(not bad, f"{name}: no failures logged", "\n".join(bad)[:400])


def check_isa(name, cpu, r):
    se = r["stderr"]
    line = log_line(se, "kernels: isa [")
    isa = line.split("[", 1)[1].split("]")[0].split() if line else []
    gemm = line.rsplit("f32 gemm", 1)[1].strip() if "f32 gemm" in line else ""
    want = {"neon", "dotprod", "fp16"} | ({"i8mm", "bf16", "sve"} if cpu == MAX else set())
    ok = want <= set(isa) and (cpu == MAX or not ({"i8mm", "bf16", "sve"} & set(isa)))
    check(ok, f"{name}: ISA detected {sorted(want)}" + ("" if cpu == MAX else ", no i8mm/bf16/sve"), line)
    check("neon" in gemm, f"{name}: f32 GEMM is a NEON kernel ({gemm})", line)


def check_report(name, r, ops):
    rep = r["report"]
    if not check(rep is not None and "ops" in rep, f"{name}: per-op report written"):
        return
    missing = [op for op in ops if rep["ops"].get(op, {}).get("accelerated", 0) <= 0]
    check(not missing, f"{name}: report counts accelerated calls of {len(ops)} ops",
          f"none for {missing}; report: { {k: v.get('accelerated') for k, v in rep['ops'].items()} }")


def check_fp32(name, got, ref):
    bad = []
    keys = [k for k in ref if not k.startswith(("_", "lowp_", "llama_"))]
    for k in keys:
        tol = BF16_TOL if k.endswith("_bf16") else FP32_TOL
        try:
            torch.testing.assert_close(got[k], ref[k], **tol)
        except (AssertionError, KeyError) as e:
            bad.append(f"{k}: {str(e).splitlines()[0] if str(e) else 'missing'}")
    check(not bad, f"{name}: {len(keys)} fp32 ops match stock (rtol/atol 1e-4)", "; ".join(bad[:6]))


def check_llama(name, got, ref, lowp=None):
    lg, lr = got["llama_logits"], ref["llama_logits"]
    if lowp is None:
        ok = torch.allclose(lg, lr, rtol=1e-3, atol=1e-3)
        check(ok, f"{name}: tiny Llama logits match stock", f"max diff {(lg - lr).abs().max().item():.3g}")
        check(torch.equal(got["llama_generate"], ref["llama_generate"]), f"{name}: greedy generate = stock tokens",
              f"{got['llama_generate'].tolist()} vs {ref['llama_generate'].tolist()}")
    else:
        c = cos(lg, lr)
        check(c > 0.99, f"{name}: tiny Llama logits cosine {c:.5f} > 0.99 vs stock fp32")
        g, s = got["llama_generate"], ref["llama_generate"]
        check(g.shape == s.shape, f"{name}: greedy generate ran ({g.shape[1]} tokens)")


def check_lowp(name, mode, got, ref):
    keys = [k for k in ref if k.startswith("lowp_linear_")]
    stats = {k: (rel(got[k], ref[k]), cos(got[k], ref[k])) for k in keys}
    bad = {k: v for k, v in stats.items() if not (v[0] < LOWP_BOUND[mode] and v[1] > 0.99)}
    worst = max(v[0] for v in stats.values())
    check(not bad, f"{name}: {len(keys)} Linear shapes rel < {LOWP_BOUND[mode]}, cos > 0.99 (worst rel {worst:.2e})",
          str(bad))
    # The mode really ran: the error is that of the format, not of fp32.
    check(worst > 1e-5, f"{name}: {mode} weights really used (worst rel {worst:.2e} > 1e-5)")


def check_binding(name, r):
    b = r["out"].get("_binding")
    if not b:
        return check(False, f"{name}: binding probe ran")
    allowed = ",".join(map(str, b["allowed"]))
    masks = {int(k): v for k, v in b["masks"].items()}
    main = masks.get(b["pid"], "?")
    workers = [v for t, v in masks.items() if t != b["pid"] and v != main]
    if len(b["allowed"]) < 2 or b["threads"] < 2:
        return check(True, f"{name}: binding not checked ({len(b['allowed'])} CPUs, {b['threads']} threads)")
    single = [w for w in workers if w.isdigit()]
    # AIO_SKIP_MASTER_THREAD=1: the main thread keeps the mask, each of the
    # threads-1 pool workers gets a CPU of its own.
    ok = len(single) == b["threads"] - 1 and len(set(single)) == len(single) and len(single) == len(workers)
    check(ok, f"{name}: {b['threads'] - 1} OpenMP worker(s) pinned to own CPUs, main thread keeps {main}",
          f"masks {masks}, allowed {allowed}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="build/aarch64-root")
    ap.add_argument("--libs", default="build/aarch64")
    ap.add_argument("--work", default="build/arm-suite")
    ap.add_argument("--qemu", default=os.environ.get("QEMU_AARCH64", "qemu-aarch64"))
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--only", default="", help="comma-separated run names (default: all)")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    names = [n for n in RUNS if not args.only or n in args.only.split(",")]
    t0 = time.time()
    # Longest first: the stock runs compute every group.
    order = sorted(names, key=lambda n: -len(RUNS[n][3]))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        runs = dict(ex.map(lambda n: run_one(n, args, work), order))
    for name in names:
        r = runs[name]
        if not check(r["out"] is not None, f"{name}: ran to the end",
                     f"rc {r['rc']}; see {work / (name + '.log')}: ...{r['stderr'][-1500:]}"):
            continue
        check(not r["out"]["_meta"]["cuda"], f"{name}: torch {r['out']['_meta']['torch']} on CPU (CUDA stubs)")
    for name in names:
        cpu, preloaded, env, groups = RUNS[name]
        r = runs[name]
        ref_name = ("n1" if cpu == N1 else "max") + "-stock"
        if ref_name not in runs and (work / f"{ref_name}.pt").exists():
            # --only without the stock run: the reference a previous run saved
            runs[ref_name] = {"out": torch.load(work / f"{ref_name}.pt", weights_only=False)}
            print(f"  (reference {ref_name} from the previous run's {work / ref_name}.pt)")
        ref = runs.get(ref_name)
        if r["out"] is None or name.endswith("-stock"):
            continue
        if ref is None or ref["out"] is None:
            check(False, f"{name}: stock reference of {cpu} missing")
            continue
        got, want = r["out"], ref["out"]
        if env.get("AIO_PROCESS_MODE") == "0":
            aio_lines = [l for l in r["stderr"].splitlines() if l.startswith("aio")]
            check(not aio_lines, f"{name}: AIO_PROCESS_MODE=0 prints nothing", "\n".join(aio_lines)[:400])
            check(not got["_meta"]["have_aio_ops"] and r["report"] is None,
                  f"{name}: AIO_PROCESS_MODE=0 registers nothing, writes no report")
            keys = [k for k in got if not k.startswith("_")]
            diff = [k for k in keys if not torch.equal(got[k], want[k])]
            check(not diff, f"{name}: {len(keys)} outputs bit-identical to stock", str(diff[:8]))
            continue
        check_loaded(name, r)
        check_isa(name, cpu, r)
        mode = next((m for m, v in (("int8", "AIO_QUANTIZE_INT8_FILTER"), ("fp16", "AIO_IMPLICIT_FP16_TRANSFORM_FILTER"),
                                    ("bf16", "AIO_IMPLICIT_BF16_TRANSFORM_FILTER")) if env.get(v) == FC), None)
        if mode is None:
            check_fp32(name, got, want)
            check_llama(name, got, want)
            check_binding(name, r)
            check_report(name, r, FP32_OPS)
            continue
        se = r["stderr"]
        fc = log_line(se, "FullyConnected: weights as")
        check("weight cache: packed" in se, f"{name}: weights converted ({fc.split('aio: ')[-1]})", fc)
        check_lowp(name, mode, got, want)
        check_llama(name, got, want, lowp=mode)
        check_report(name, r, ["aten::addmm", "aten::mm"])
        if mode == "int8":
            kern = "aio_qd8_f32_qc8w_gemm__" + ("neoni8mm" if cpu == MAX else "neondot")
            check(kern in fc, f"{name}: int8 x int8 kernel {kern}", fc)
        if mode == "bf16":
            line = log_line(se, "bf16-dot GEMM")
            if cpu == MAX:
                check("FullyConnected(M>128)" in line, f"{name}: bf16 dot products for M > 128 ({line.split('GEMM')[-1]})", line or "no bf16-dot line")
            else:
                check(not line, f"{name}: no bf16 dot products on N1 (weight-only bf16)", line)
        if "bmm" in groups:
            mm = [k for k in want if k.startswith("lowp_bmm") or k.startswith("lowp_matmul")]
            st = {k: (rel(got[k], want[k]), cos(got[k], want[k])) for k in mm}
            if cpu == MAX:
                ok = all(v[0] < LOWP_BOUND["bf16"] and v[1] > 0.99 for v in st.values()) and max(v[0] for v in st.values()) > 1e-5
                check(ok, f"{name}: bf16 MatMul (bmm, matmul) rel < 8e-3, cos > 0.99, bf16 really used", str(st))
            else:
                ok = all(v[0] < 1e-5 for v in st.values()) and "MatMul: no bf16 dot-product" in se
                check(ok, f"{name}: bf16 MatMul stays fp32 on N1 (no bf16 dot products)", str(st))
    npass = sum(ok for ok, _, _ in results)
    nfail = len(results) - npass
    secs = {n: round(runs[n]["seconds"]) for n in names}
    print(f"arm suite: {npass} passed, {nfail} failed in {time.time() - t0:.0f} s (runs: {secs})")
    if nfail:
        print("arm suite FAILED:", *[f"  {n}: {d[:300]}" for ok, n, d in results if not ok], sep="\n")
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    main()
