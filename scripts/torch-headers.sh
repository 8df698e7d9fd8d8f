#!/usr/bin/env bash
# torch-headers.sh MAJOR.MINOR OUTDIR: the C++ headers of the newest torch
# MAJOR.MINOR.* release, for building a dispatch module against it.
#
# Only the wheel is fetched (pip download --no-deps: no CUDA packages); only
# torch/include and torch/version.py are kept, so OUTDIR holds
# OUTDIR/torch/include/... and OUTDIR/torch/version.py (~60 MB) and the
# ~530 MB wheel is deleted. A wheel already in AIO_WHEEL_DIR (if set) is used
# instead of downloading. Idempotent: an existing OUTDIR/torch/version.py
# means done.
set -euo pipefail
ver=${1:?usage: torch-headers.sh MAJOR.MINOR OUTDIR}
out=${2:?usage: torch-headers.sh MAJOR.MINOR OUTDIR}
[[ $ver =~ ^[0-9]+\.[0-9]+$ ]] || { echo "torch-headers: '$ver' is not MAJOR.MINOR" >&2; exit 2; }
[ -f "$out/torch/version.py" ] && exit 0

PY=${PYTHON:-python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aio-torch-wheel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wheel=""
if [ -n "${AIO_WHEEL_DIR:-}" ]; then
    wheel=$(ls -1 "$AIO_WHEEL_DIR"/torch-"$ver".*-cp*-manylinux*_x86_64.whl 2>/dev/null | sort -V | tail -n1 || true)
fi
if [ -z "$wheel" ]; then
    echo "torch-headers: downloading the torch==$ver.* wheel (headers only are kept)" >&2
    # Any x86_64 cp311 wheel: the headers are the same on every platform
    # and for the CPU and CUDA builds alike (CUDA headers are extra files).
    "$PY" -m pip download -q --no-deps --no-cache-dir --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --python-version 3.11 "torch==$ver.*" -d "$tmp" >&2
    wheel=$(ls -1 "$tmp"/torch-*.whl | head -n1)
fi
mkdir -p "$out.part"
unzip -q -o "$wheel" 'torch/include/*' 'torch/version.py' -d "$out.part"
grep -q "^__version__ = '$ver\." "$out.part/torch/version.py" ||
    { echo "torch-headers: $wheel is not torch $ver" >&2; exit 1; }
rm -rf "$out"
mv "$out.part" "$out"
echo "torch-headers: $(sed -n "s/^__version__ = '\(.*\)'/\1/p" "$out/torch/version.py") headers in $out" >&2
