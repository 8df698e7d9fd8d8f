#!/usr/bin/env bash
# Builds an aarch64 root in which the real aarch64 PyTorch 2.13 wheel runs
# under qemu-user on an x86 machine (recipe: design-notes §7a):
#   ROOT/sysroot   Debian arm64 packages unpacked with dpkg -x (python3.11,
#                  libc, libstdc++, libgomp, libnuma, libelf, ...): qemu's -L
#                  prefix, also the include/lib dirs for cross-building aio;
#                  CUDA stub libraries; a Neoverse N1 /proc/cpuinfo and MIDR
#   ROOT/site      PyPI's aarch64 wheels unzipped (torch, numpy, transformers
#                  and what importing transformers needs): the PYTHONPATH
# Everything downloaded is cached under ROOT; each stage leaves a stamp, so a
# second run only checks stamps (under a second). Needs: apt-get, pip, unzip,
# aarch64-linux-gnu-gcc (scripts/setup.sh installs them).
# The host's apt/dpkg state is not touched: apt runs on a private state dir
# (APT::Architecture=arm64), so no `dpkg --add-architecture` on the machine.
#
# Usage: scripts/aarch64-sysroot.sh [ROOT]   (default build/aarch64-root)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(mkdir -p "${1:-build/aarch64-root}" && cd "${1:-build/aarch64-root}" && pwd)
SYS=$ROOT/sysroot
SITE=$ROOT/site
PY=${PYTHON:-python3}
CROSS_CC=${AARCH64_CC:-aarch64-linux-gnu-gcc}
CROSS_NM=${AARCH64_NM:-aarch64-linux-gnu-nm}
# Bump a stage's number to rebuild it after changing its recipe.
STAMP_VER=1
say() { echo "aarch64-sysroot: $*"; }
stamp_ok() { [ -f "$ROOT/.stamp-$1" ] && [ "$(cat "$ROOT/.stamp-$1")" = "$STAMP_VER $2" ]; }
stamp_set() { echo "$STAMP_VER $2" > "$ROOT/.stamp-$1"; }

# --- 1. Debian arm64 packages -------------------------------------------
DEBS=(libc6 libgcc-s1 libstdc++6 libgomp1 zlib1g libexpat1 libffi8 libssl3
      libbz2-1.0 liblzma5 libsqlite3-0 libuuid1 libtinfo6 libncursesw6
      libreadline8 libzstd1 libdb5.3 libnsl2 libtirpc3 libcrypt1 libgssapi-krb5-2
      libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1
      media-types
      python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
      libnuma1 libelf1
      # headers and link names for cross-building the preload
      libnuma-dev libelf-dev libzstd-dev zlib1g-dev)
DEB_KEY=$(printf '%s ' "${DEBS[@]}" | sha1sum | cut -c1-12)
if ! stamp_ok debs "$DEB_KEY"; then
  say "downloading ${#DEBS[@]} Debian arm64 packages"
  A=$ROOT/apt
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$ROOT/debs"
  : > "$A/status"
  APT=(apt-get -q -o Dir::State::Lists="$A/lists" -o Dir::State::status="$A/status"
       -o Dir::Cache="$A/cache" -o APT::Architecture=arm64 -o APT::Architectures::=arm64
       -o APT::Sandbox::User=root)
  "${APT[@]}" update >/dev/null
  (cd "$ROOT/debs" && "${APT[@]}" download "${DEBS[@]/%/:arm64}" >/dev/null)
  rm -rf "$SYS"; mkdir -p "$SYS"
  rm -f "$ROOT/.stamp-stubs" "$ROOT/.stamp-pyc"   # they live in the sysroot
  for d in "$ROOT"/debs/*.deb; do dpkg -x "$d" "$SYS"; done
  stamp_set debs "$DEB_KEY"
fi

# --- 2. PyPI aarch64 wheels ---------------------------------------------
# Same versions as the host's (setup.sh installs those), so the x86 and the
# aarch64 runs test the same torch and transformers.
hostver() { "$PY" -c "import importlib.metadata as m; print(m.version('$1').split('+')[0])" 2>/dev/null || true; }
pin() { local v; v=$(hostver "$1"); if [ -n "$v" ]; then echo "$1==$v"; else echo "$1"; fi; }
# torch's own deps (pure Python) and what `import transformers` plus a Llama
# forward/generate import (found by running it on a minimal site): regex,
# pyyaml, safetensors, tokenizers have C/Rust code (aarch64 wheels);
# safetensors and tokenizers are only version-checked at import.
WHEELS=(torch==2.13.0 "$(pin numpy)"
        typing_extensions sympy mpmath filelock fsspec networkx jinja2 markupsafe
        "$(pin transformers)" "$(pin huggingface_hub)" "$(pin tokenizers)"
        "$(pin safetensors)" "$(pin regex)" "$(pin pyyaml)" packaging tqdm
        httpx2 httpcore2 h11 idna truststore)
WHEEL_KEY=$(printf '%s ' "${WHEELS[@]}" | sha1sum | cut -c1-12)
if ! stamp_ok wheels "$WHEEL_KEY"; then
  say "downloading aarch64 wheels: ${WHEELS[*]}"
  mkdir -p "$ROOT/wheels"
  "$PY" -m pip download -q --no-deps --only-binary=:all: \
      --platform manylinux_2_28_aarch64 --platform manylinux_2_17_aarch64 \
      --platform manylinux2014_aarch64 --python-version 3.11 \
      -d "$ROOT/wheels" "${WHEELS[@]}" 2> >(grep -v 'is ignored: it is neither' >&2 || true)
  rm -rf "$SITE"; mkdir -p "$SITE"
  rm -f "$ROOT/.stamp-stubs" "$ROOT/.stamp-pyc"
  # Only one version per project (an older cached one would shadow).
  "$PY" - "$ROOT/wheels" "$SITE" "${WHEELS[@]}" <<'PYEOF'
import sys, os, re, zipfile
wdir, site, reqs = sys.argv[1], sys.argv[2], sys.argv[3:]
norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()
want = {}
for r in reqs:
    name, _, ver = r.partition("==")
    want[norm(name)] = ver
picked = {}
for f in sorted(os.listdir(wdir)):
    if not f.endswith(".whl"):
        continue
    name, ver = f.split("-")[:2]
    n = norm(name)
    if n in want and (not want[n] or ver.split("+")[0] == want[n]):
        picked[n] = f          # sorted: the newest of several unpinned wins
missing = set(want) - set(picked)
if missing:
    sys.exit(f"aarch64-sysroot: no wheel for {sorted(missing)} in {wdir}")
for f in picked.values():
    zipfile.ZipFile(os.path.join(wdir, f)).extractall(site)
# zipfile drops the exec bits; shared objects do not need them, scripts are unused.
PYEOF
  stamp_set wheels "$WHEEL_KEY"
fi

# --- 3. CUDA stubs ------------------------------------------------------
# PyPI's aarch64 torch is a CUDA build: its libraries need libcudart.so.13,
# libcublas.so.13, libcudnn.so.9, ... For each such SONAME, a stub with one
# function (returning 0) per symbol torch imports from it, and the same
# version nodes (a versioned reference to a library without the node makes
# ld.so assert). torch.cuda.is_available() is then False.
if ! stamp_ok stubs "$WHEEL_KEY-3"; then
  say "building CUDA stub libraries"
  "$PY" - "$SITE/torch/lib" "$SYS" "$ROOT/stub-src" "$CROSS_CC" "${CROSS_NM%nm}readelf" <<'PYEOF'
import os, re, subprocess, sys
from collections import defaultdict
tlib, sysroot, work, cc, readelf = sys.argv[1:]
out_dir = os.path.join(sysroot, "usr/lib/aarch64-linux-gnu")
os.makedirs(work, exist_ok=True)
def present(soname):
    dirs = [tlib, os.path.join(sysroot, "lib/aarch64-linux-gnu"), out_dir, "/usr/aarch64-linux-gnu/lib"]
    return any(os.path.exists(os.path.join(d, soname)) and
               not os.path.exists(os.path.join(d, soname + ".aio-stub")) for d in dirs)
# soname -> version node -> symbols
want = defaultdict(lambda: defaultdict(set))
unversioned = {}
def defined(path):
    out = subprocess.run([readelf, "--dyn-syms", "-W", path], capture_output=True, text=True).stdout
    return {p[7].split("@")[0] for p in map(str.split, out.splitlines())
            if len(p) >= 8 and p[6] != "UND" and p[0].endswith(":")}
for f in sorted(os.listdir(tlib)):
    if ".so" not in f:
        continue
    path = os.path.join(tlib, f)
    dyn = subprocess.run([readelf, "-d", "-W", path], capture_output=True, text=True).stdout
    needed = [n for n in re.findall(r"\(NEEDED\).*\[(.*)\]", dyn) if not present(n)]
    if not needed:
        continue
    # Which file each version name is needed from (.gnu.version_r), per consumer.
    vers = subprocess.run([readelf, "-V", "-W", path], capture_output=True, text=True).stdout
    node_file, cur = {}, None
    for line in vers.splitlines():
        m = re.search(r"File: (\S+)", line)
        if m:
            cur = m.group(1); continue
        m = re.search(r"Name: (\S+)", line)
        if m and cur:
            node_file[m.group(1)] = cur
    syms = subprocess.run([readelf, "--dyn-syms", "-W", path], capture_output=True, text=True).stdout
    for line in syms.splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[6] != "UND" or "@" not in parts[7]:
            continue
        sym, _, node = parts[7].partition("@")
        node = node.lstrip("@").split(" ")[0]
        node = re.sub(r" \(\d+\)$", "", node)
        fname = node_file.get(node)
        if fname in needed:
            want[fname][node].add(sym)
    for n in needed:              # unversioned-only libraries: still a file to load
        want[n]
    # Unversioned references bind to whichever loaded library defines them
    # (torch's libraries are linked with -z now, so each must exist): those
    # no present library defines go to the first missing library this one needs.
    for line in syms.splitlines():
        parts = line.split()
        if len(parts) == 8 and parts[6] == "UND" and parts[4] == "GLOBAL" and "@" not in parts[7]:
            unversioned[parts[7]] = needed[0]
have = set()
for d in [tlib, os.path.join(tlib, "../../torch.libs"), os.path.join(sysroot, "lib/aarch64-linux-gnu"),
          out_dir, "/usr/aarch64-linux-gnu/lib"]:
    for f in (os.listdir(d) if os.path.isdir(d) else []):
        p = os.path.join(d, f)
        if ".so" in f and os.path.isfile(p) and not os.path.exists(p + ".aio-stub") \
                and not f.endswith(".aio-stub") and not os.path.islink(p):
            have |= defined(p)
for sym, soname in unversioned.items():
    if sym not in have:
        want[soname][""].add(sym)
for soname, nodes in sorted(want.items()):
    base = os.path.join(work, soname)
    with open(base + ".c", "w") as c, open(base + ".map", "w") as m:
        c.write("/* aio CUDA stub: every function returns 0 (never called on CPU). */\n")
        named = sorted(n for n in nodes if n)
        for node, syms in sorted(nodes.items()):
            for s in sorted(syms):
                c.write(f"int {s}(void) {{ return 0; }}\n")
        for i, node in enumerate(named):
            syms = set(nodes[node])
            if i == len(named) - 1:  # unversioned references bind to a default version too
                syms |= nodes.get("", set())
            m.write(node + " {\n  global:\n" + "".join(f"    {s};\n" for s in sorted(syms)) + "};\n")
        if not named:             # unversioned only: export everything, no nodes
            m.write("{ global: *; };\n")
    subprocess.run([cc, "-shared", "-fPIC", "-o", os.path.join(out_dir, soname),
                    "-Wl,-soname," + soname, "-Wl,--version-script=" + base + ".map", base + ".c"],
                   check=True)
    open(os.path.join(out_dir, soname + ".aio-stub"), "w").close()
    print(f"aarch64-sysroot: stub {soname}: " +
          ", ".join(f"{n or 'unversioned'} ({len(s)})" for n, s in sorted(nodes.items())))
PYEOF
  stamp_set stubs "$WHEEL_KEY-3"
fi

# --- 4. Bytecode ---------------------------------------------------------
# Compiled here by the host's python3.11 (same .pyc magic as Debian's 3.11):
# compiling torch's and transformers' modules under emulation would cost
# every run tens of seconds.
if ! stamp_ok pyc "$WHEEL_KEY-$DEB_KEY"; then
  say "compiling bytecode"
  "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
    { echo "aarch64-sysroot: $PY is not Python 3.11 (.pyc would not match)" >&2; exit 1; }
  "$PY" -m compileall -q -j 0 -x '/tests?/' "$SITE" "$SYS/usr/lib/python3.11" >/dev/null 2>&1 || true
  stamp_set pyc "$WHEEL_KEY-$DEB_KEY"
fi

# --- 5. What the guest reads as /proc/cpuinfo and the MIDR ---------------
# qemu-user looks every path up under -L first. pytorch's cpuinfo parses
# /proc/cpuinfo (the host's x86 one crashes it at import) and oneDNN reads
# midr_el1: a Neoverse N1 (Altra), one entry per host CPU. Rewritten on every
# run (cheap), so the CPU count follows the machine.
NCPU=$(getconf _NPROCESSORS_CONF)
mkdir -p "$SYS/proc"
: > "$SYS/proc/cpuinfo.tmp"
for ((i = 0; i < NCPU; i++)); do
  cat >> "$SYS/proc/cpuinfo.tmp" <<EOF
processor	: $i
BogoMIPS	: 50.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x3
CPU part	: 0xd0c
CPU revision	: 1

EOF
  mkdir -p "$SYS/sys/devices/system/cpu/cpu$i/regs/identification"
  echo 0x00000000413fd0c1 > "$SYS/sys/devices/system/cpu/cpu$i/regs/identification/midr_el1"
  # The fake cpuN folder hides the host's from a directory listing (aio
  # finds a CPU's NUMA node as a nodeN entry there): link the host's entries.
  for e in /sys/devices/system/cpu/cpu$i/*; do
    [ -e "$e" ] && [ "${e##*/}" != regs ] && ln -sfn "$e" "$SYS/sys/devices/system/cpu/cpu$i/${e##*/}"
  done
done
mv "$SYS/proc/cpuinfo.tmp" "$SYS/proc/cpuinfo"
# A machine with fewer CPUs than the one that built the cache: drop the extra.
for d in "$SYS"/sys/devices/system/cpu/cpu*; do
  i=${d##*/cpu}; [ "$i" -lt "$NCPU" ] 2>/dev/null || rm -rf "$d"
done
say "ok: $ROOT (sysroot, site; $NCPU CPUs as Neoverse N1)"
