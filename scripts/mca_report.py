#!/usr/bin/env python3
"""Cycle-model report of every marked micro-kernel loop (make mca).

Finds every kernels/ source that uses AIO_MCA_BEGIN (kernels/aio_mca.h),
compiles it to assembly with -DAIO_MCA (aarch64 and x86, the flags of the
real build come from kernels/mca.mk), cuts out each marked region and runs
llvm-mca on it for the cores of its architecture. Per region and core it
prints cycles per iteration, the FMA/dot pipe bound, the share of that
bound reached, and whether the loop touches the stack.

The region is the whole loop iteration, not only the text between the
markers: the markers carry no clobbers, so gcc may schedule loads, pointer
increments and the loop branch outside them. The script widens a region to
[loop head label, backward branch] when the first branch after
LLVM-MCA-END jumps back to a label before LLVM-MCA-BEGIN (column "loop":
"y"); otherwise it models the marked text as is ("n", suspicious).

A marker inlined into several functions (a static inline helper called
with different tile sizes) yields one region per function; each is named
by its enclosing function and the marker, e.g.
aio_f32_gemm_dot_ukernel_4x6__neon:dot_mrxnr__neon.
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys

# Instructions that issue to the FMA / dot-product pipes, by mnemonic.
# aarch64: vector fmla/fmls (by element too), integer and bf16 dot
# products and matrix multiplies. Scalar fmadd is not counted (no kernel
# uses it in a hot loop). x86: every vfmadd/vfnmadd/... form, VNNI and
# AVX512-BF16 dot products.
FMA_RE = {
    "aarch64": re.compile(r"^(fmla|fmls|sdot|udot|usdot|sudot|bfdot|smmla|ummla|usmmla|bfmmla|bfmlal[bt])$"),
    "x86": re.compile(r"^(v(fn?m(add|sub)(132|213|231)(p|s)[sd])|vpdpbusds?|vpdpwssds?|vdpbf16ps|vpmaddubsw)$"),
}
# Loads/stores that address the stack. gcc -O2 on x86 omits the frame
# pointer, so rbp is a plain register there unless the function sets it up.
STACK_RE = {
    "aarch64": re.compile(r"\[(sp|x29)\b"),
    "x86": re.compile(r"\(%rsp\b"),
}
X86_FP_RE = re.compile(r"\(%rbp\b")

# Pipes per class and core: FMA (vector fp32 FMA) and DOT (int8/bf16 dot
# products, matrix multiplies). The numbers are those of LLVM 19's
# scheduling models (which the vendors tuned) and agree with the vendor
# guides; `--probe-pipes` re-derives them from the model by timing a
# stream of independent instructions of each class.
#  neoverse-n1: two 128-bit FP/ASIMD pipes V0/V1 both execute FMLA and
#    SDOT/UDOT, throughput 2/cycle (Arm Neoverse N1 Software Optimization
#    Guide, section 3.15/3.16; AArch64SchedNeoverseN1.td: N1UnitV, 2 units).
#    N1 has no i8mm/bf16; regions using them are modelled with the
#    instructions enabled, the figures are the model's default, not N1.
#  ampere1: two 128-bit FP/ASIMD pipes (X and Y) for FMLA, SDOT, SMMLA,
#    BFDOT, BFMMLA (AArch64SchedAmpere1.td: Ampere1UnitXY, 2 units;
#    FMA/dot/mmla all Ampere1Write_*_2XY or _1XY with XY = 2 pipes).
#  znver3/znver4: two FMA pipes FP0/FP1 (256-bit; 512-bit ops are double
#    pumped on Zen 4, counted as 2 per zmm op) (AMD Software Optimization
#    Guide for Zen 3/Zen 4, "Floating-point unit"; X86ScheduleZnver3/4.td).
PIPES = {
    "neoverse-n1": {"fma": 2, "dot": 2},
    "ampere1": {"fma": 2, "dot": 2},
    "znver3": {"fma": 2, "dot": 2},
    "znver4": {"fma": 2, "dot": 2},
}
NO_AVX512 = ("znver3", "znver2", "znver1")
ARCH_CPUS = {"aarch64": ["neoverse-n1", "ampere1"], "x86": ["znver4"]}
MCA_TRIPLE = {"aarch64": "aarch64-linux-gnu", "x86": "x86_64-linux-gnu"}
# Extensions the kernels enable by target attribute; llvm-mca must parse
# them on every core (the model's figures for a core without the feature
# are marked in the table).
MCA_MATTR = {"aarch64": "+neon,+fullfp16,+dotprod,+i8mm,+bf16",
             "x86": "+avx2,+fma,+avx512f,+avx512bw,+avx512vl,+avx512vnni,+avx512bf16,+avxvnni"}
ITER = 200


def marked_sources(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "kernels", "**", "*.c"), recursive=True)):
        with open(path, errors="replace") as f:
            if "AIO_MCA_BEGIN(" in f.read():
                out.append(path)
    return out


def compile_asm(cc, flags, src, out):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = shlex.split(cc) + shlex.split(flags) + ["-DAIO_MCA", "-S", src, "-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit(f"mca: compiling {src} failed: {' '.join(cmd)}")
    with open(out) as f:
        return f.read().splitlines()


LABEL_RE = re.compile(r"^([.\w$]+):")
FUNC_RE = re.compile(r"^\s*\.type\s+([\w.$]+),\s*[@%]function")


def is_instr(line):
    s = line.strip()
    if not s or s.startswith((".", "#", "//", "@")) or LABEL_RE.match(s):
        return False
    return True


def mnemonic(line):
    return line.strip().split(None, 1)[0].lower()


def branch_target(line, arch):
    """Label a conditional/unconditional direct branch jumps to, or None."""
    s = line.strip()
    m = mnemonic(s)
    if arch == "aarch64":
        conds = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge",
                 "lt", "gt", "le", "al")
        if m == "b" or (m.startswith("b.") and m[2:] in conds) or (m[0] == "b" and m[1:] in conds):
            return s.split(None, 1)[1].strip()
        if m in ("cbz", "cbnz"):
            return s.split(",")[-1].strip()
        if m in ("tbz", "tbnz"):
            return s.split(",")[-1].strip()
    else:
        if m.startswith("j") and m != "jmpq":
            parts = s.split(None, 1)
            if len(parts) == 2 and not parts[1].startswith("*"):
                return parts[1].strip()
    return None


def regions(lines, arch):
    """Yield (function, marker, body lines, widened-to-loop flag)."""
    func = "?"
    labels = {}
    uses_fp = {}
    for i, l in enumerate(lines):
        m = FUNC_RE.match(l)
        if m:
            func = m.group(1)
        lm = LABEL_RE.match(l.strip())
        if lm:
            labels[lm.group(1)] = i
        if arch == "x86" and re.search(r"mov[q]?\s+%rsp,\s*%rbp", l):
            uses_fp[func] = True
    func = "?"
    i = 0
    while i < len(lines):
        l = lines[i]
        m = FUNC_RE.match(l)
        if m:
            func = m.group(1)
        if "LLVM-MCA-BEGIN" in l:
            name = l.split("LLVM-MCA-BEGIN", 1)[1].strip()
            j = i + 1
            while j < len(lines) and "LLVM-MCA-END" not in lines[j]:
                if "LLVM-MCA-BEGIN" in lines[j] or FUNC_RE.match(lines[j]):
                    break  # gcc moved this copy's END elsewhere
                j += 1
            if j >= len(lines) or "LLVM-MCA-END" not in lines[j]:
                yield func, name, None, False, False
                i = j
                continue
            start, end, widened = i + 1, j, False
            # the loop's backward branch: the first branch after END
            ninstr = 0
            for k in range(j + 1, len(lines)):
                if "LLVM-MCA-BEGIN" in lines[k] or FUNC_RE.match(lines[k]) or ninstr > 40:
                    break
                if is_instr(lines[k]):
                    ninstr += 1
                    t = branch_target(lines[k], arch)
                    if t is not None:
                        h = labels.get(t)
                        if h is not None and h < i:
                            start, end, widened = h + 1, k + 1, True
                        break
            body = [x for x in lines[start:end]]
            yield func, name, body, widened, uses_fp.get(func, False)
            i = j
        i += 1


def mca_input(body, arch):
    """Instructions and labels of a region, with undefined branch targets
    defined after it so the assembler accepts it."""
    out, defined, used = [], set(), set()
    for l in body:
        s = l.strip()
        if "LLVM-MCA" in s:
            continue
        lm = LABEL_RE.match(s)
        if lm:
            out.append(lm.group(1) + ":")
            defined.add(lm.group(1))
            continue
        if not is_instr(l):
            continue
        s = s.split("//")[0].rstrip() if arch == "aarch64" else s.split("#")[0].rstrip()
        out.append("\t" + s)
        t = branch_target(s, arch)
        if t:
            used.add(t)
    text = "# LLVM-MCA-BEGIN r\n" + "\n".join(out) + "\n# LLVM-MCA-END\n"
    for t in sorted(used - defined):
        text += f"{t}:\n"
    return text


# The FP/ASIMD (vector) pipes of each core, by llvm-mca resource name:
# every vector instruction a loop needs (FMA/dot, but also the unpacking,
# conversions, zips, inserts) issues to these. The busiest one's pressure
# per iteration is the loop's V-pipe bound: cycles it cannot go below at
# its instruction mix, whatever the dependencies.
VPIPE_RE = {
    "neoverse-n1": re.compile(r"^N1UnitV[01]$"),
    "ampere1": re.compile(r"^Ampere1Unit[XY]$"),
    "znver4": re.compile(r"^Zn4FP[0-3]$"),
    "znver3": re.compile(r"^Zn3FP[0-3]$"),
}


def vpipe_bound(out, cpu):
    """Busiest vector pipe's cycles per iteration, from llvm-mca's
    'Resource pressure per iteration' table (None if not found)."""
    rx = VPIPE_RE.get(cpu)
    if rx is None:
        return None
    names, lines = {}, out.splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"^\[([\d.]+)\]\s+-\s+(\S+)", l)
        if m:
            names[m.group(1)] = m.group(2)
        if l.startswith("Resource pressure per iteration") and i + 2 < len(lines):
            cols = re.findall(r"\[([\d.]+)\]", lines[i + 1])
            vals = lines[i + 2].split()
            if len(cols) != len(vals):
                return None
            v = [0.0 if x == "-" else float(x) for c, x in zip(cols, vals) if rx.match(names.get(c, ""))]
            return max(v) if v else None
    return None


def run_mca(mca, arch, cpu, text):
    c, _, err = run_mca_full(mca, arch, cpu, text)
    return c, err


def run_mca_full(mca, arch, cpu, text):
    cmd = [mca, f"-mtriple={MCA_TRIPLE[arch]}", f"-mcpu={cpu}", f"-mattr={MCA_MATTR[arch]}",
           f"-iterations={ITER}", "-skip-unsupported-instructions=lack-sched"]
    r = subprocess.run(cmd, input=text, capture_output=True, text=True)
    if r.returncode != 0:
        # older llvm-mca: no -skip-unsupported-instructions
        r = subprocess.run(cmd[:-1], input=text, capture_output=True, text=True)
    if r.returncode != 0:
        return None, None, r.stderr.strip().splitlines()[:1]
    m = re.search(r"Total Cycles:\s+(\d+)", r.stdout)
    return int(m.group(1)) / ITER, vpipe_bound(r.stdout, cpu), None


_TPUT = {}


def model_cost(line, arch, cpu, mca):
    """Cycles one FMA/dot instruction occupies its pipes on `cpu`, from the
    model itself: up to 24 copies with distinct destinations (no dependencies
    between them, enough chains to cover the latency) run at pipes / occupancy per cycle."""
    s = line.strip().split("//")[0].strip() if arch == "aarch64" else line.strip().split("#")[0].strip()
    if arch == "aarch64":
        m = re.match(r"^(\S+\s+)v(\d+)(\.\w+)(.*)$", s)
        used = set(int(x) for x in re.findall(r"\bv(\d+)\.", s))
        free = [r for r in range(32) if r not in used][:24]
        copies = [f"{m.group(1)}v{r}{m.group(3)}{m.group(4)}" for r in free] if m else [s]
    else:
        m = re.match(r"^(.*%)([xyz]mm)(\d+)\s*$", s)
        used = set(int(x) for x in re.findall(r"%[xyz]mm(\d+)", s))
        lim = 32 if "zmm" in s else 16
        free = [r for r in range(lim) if r not in used][:24]
        copies = [f"{m.group(1)}{m.group(2)}{r}" for r in free] if m else [s]
    key = (cpu, re.sub(r"\d+", "N", s))
    if key not in _TPUT:
        c, _ = run_mca(mca, arch, cpu, "\n".join(copies) + "\n")
        _TPUT[key] = (c / len(copies)) if c else 0.5
    return _TPUT[key]


def model_bound(body, arch, cpu, mca):
    return sum(model_cost(l, arch, cpu, mca) for l in body
               if is_instr(l) and "LLVM-MCA" not in l and FMA_RE[arch].match(mnemonic(l)))


def fma_count(body, arch):
    n = 0
    for l in body:
        if not is_instr(l) or "LLVM-MCA" in l:
            continue
        m = mnemonic(l)
        if FMA_RE[arch].match(m):
            n += 1
    return n


def is_dot(body, arch):
    for l in body:
        if is_instr(l) and re.match(r"^(sdot|udot|usdot|sudot|bfdot|smmla|ummla|usmmla|bfmmla|vpdp|vdpbf16)",
                                    mnemonic(l)) or mnemonic(l) == "vpmaddubsw":
            return True
    return False


def stack_refs(body, arch, uses_fp):
    n = 0
    for l in body:
        if not is_instr(l) or "LLVM-MCA" in l:
            continue
        if STACK_RE[arch].search(l) or (arch == "x86" and uses_fp and X86_FP_RE.search(l)):
            n += 1
    return n


def probe_pipes(mca):
    """Independent-instruction streams: instructions per cycle = pipes."""
    streams = {
        ("aarch64", "fma"): "\n".join(f"fmla v{i}.4s, v30.4s, v31.4s" for i in range(24)),
        ("aarch64", "dot"): "\n".join(f"sdot v{i}.4s, v30.16b, v31.16b" for i in range(24)),
        ("x86", "fma"): "\n".join(f"vfmadd231ps %ymm14, %ymm15, %ymm{i}" for i in range(12)),
        ("x86", "dot"): "\n".join(f"vpdpbusd %ymm14, %ymm15, %ymm{i}" for i in range(12)),
    }
    for (arch, cls), body in streams.items():
        for cpu in ARCH_CPUS[arch] + (["znver3"] if arch == "x86" else []):
            c, err = run_mca(mca, arch, cpu, body + "\n")
            n = body.count("\n") + 1
            print(f"{cpu:12s} {cls}: {n / c:.2f} per cycle" if c else f"{cpu} {cls}: {err}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=".")
    ap.add_argument("--build", default="build/mca")
    ap.add_argument("--mca", default="llvm-mca-19")
    ap.add_argument("--aarch64-cc", default="aarch64-linux-gnu-gcc")
    ap.add_argument("--aarch64-flags", default="-O2 -march=armv8-a -std=gnu11 -D_GNU_SOURCE -Ienv -Ikernels")
    ap.add_argument("--x86-cc", default="gcc")
    ap.add_argument("--x86-flags", default="-O2 -fPIC -std=gnu11 -D_GNU_SOURCE -Ienv -Ikernels -Iinterpose")
    ap.add_argument("--x86-cpus", default="znver4", help="comma list (e.g. znver4,znver3)")
    ap.add_argument("--arch", default="aarch64,x86")
    ap.add_argument("--filter", default="", help="only regions whose name contains this")
    ap.add_argument("--target", type=float, default=85.0, help="percent of the pipe bound to flag below")
    ap.add_argument("--probe-pipes", action="store_true")
    ap.add_argument("--show-asm", default="", help="print the modelled text of regions matching this")
    args = ap.parse_args()
    ARCH_CPUS["x86"] = args.x86_cpus.split(",")
    if args.probe_pipes:
        probe_pipes(args.mca)
        return 0

    srcs = marked_sources(args.root)
    tools = {"aarch64": (args.aarch64_cc, args.aarch64_flags), "x86": (args.x86_cc, args.x86_flags)}
    rows = []
    for arch in args.arch.split(","):
        cc, flags = tools[arch]
        for src in srcs:
            rel = os.path.relpath(src, args.root)
            asm = compile_asm(cc, flags, src, os.path.join(args.build, arch, rel[:-2] + ".s"))
            seen = {}
            for func, name, body, widened, fp in regions(asm, arch):
                key = f"{func}:{name}" if func != name else name
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > 1:
                    key += f"#{seen[key]}"
                if args.filter and args.filter not in key:
                    continue
                text = mca_input(body, arch) if body is not None else ""
                if args.show_asm and args.show_asm in key:
                    print(f"--- {key} ({rel}) ---\n{text}")
                rows.append((arch, rel, key, body, widened, fp, text))

    hdr = f"{'region (function:marker)':64s} {'cpu':12s} {'cyc/it':>7s} {'fma':>4s} {'bound':>6s} {'%':>5s} {'vpipe':>5s} {'loop':>4s} {'stack':>5s}"
    print(hdr)
    print("-" * len(hdr))
    bad = 0
    for arch, rel, key, body, widened, fp, text in rows:
        if body is None:
            print(f"{key:64s} {'-':12s} UNPAIRED: BEGIN without END in the same function; "
                  "mark a simpler loop")
            bad += 1
            continue
        nf = fma_count(body, arch)
        cls = "dot" if is_dot(body, arch) else "fma"
        st = stack_refs(body, arch, fp)
        for cpu in ARCH_CPUS[arch]:
            if cpu in NO_AVX512 and "%zmm" in text:
                print(f"{key:64s} {cpu:12s}  n/a: no AVX-512 on this core")
                continue
            cyc, vb, err = run_mca_full(args.mca, arch, cpu, text)
            # the bound: each FMA/dot instruction's pipe occupancy on this
            # core from the model (PIPES above, or less where the model has
            # a slower form: N1 fcvt-free; AmpereOne SMMLA 1/cycle;
            # znver4 zmm and VNNI forms)
            bound = model_bound(body, arch, cpu, args.mca)
            if cyc is None:
                print(f"{key:64s} {cpu:12s} error: {err}")
                bad += 1
                continue
            pct = 100.0 * bound / cyc if cyc else 0.0
            flag = ""
            if st:
                flag += " STACK"
            if not widened:
                flag += " NOT-A-LOOP?"
            if pct < args.target and cpu == ARCH_CPUS[arch][0]:
                flag += f" <{args.target:.0f}%"
            vpct = f"{100.0 * vb / cyc:5.1f}" if vb is not None and cyc else "  n/a"
            print(f"{key:64s} {cpu:12s} {cyc:7.2f} {nf:4d} {bound:6.2f} {pct:5.1f} {vpct} {'y' if widened else 'n':>4s} {st:5d}{flag}")
    print(f"\n{len(rows)} regions from {len(srcs)} files. fma = FMA/dot instructions per iteration; "
          "bound = their pipe occupancy on the core (the model's own throughput of each); "
          "% = bound / modelled cycles; vpipe = the busiest FP/ASIMD pipe's cycles (every vector instruction of the loop, "
          "llvm-mca resource pressure) / modelled cycles: near 100 the loop is at the ceiling of its instruction mix, "
          "well below it latency or dependencies limit it; stack = loads/stores addressing sp/x29 (rsp) in the loop.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
