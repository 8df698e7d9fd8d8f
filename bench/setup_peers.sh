#!/usr/bin/env bash
# Peer back-ends for the benchmarks, in their own venv (build/bench-venv),
# never in the product's environment: bench_transformers.py runs each peer
# in a subprocess of this venv's python, so the main process's torch never
# imports them. Not part of scripts/setup.sh or the README's set-up.
#
#   bench/setup_peers.sh            # idempotent
#
# The venv sees the system site-packages (transformers, numpy) and pins
# torch to the same 2.13.0 release as the system's CPU wheel, so peers and
# stock run the same torch. zentorch 2.13.0.2 is AMD's ZenDNN plug-in
# (torch.compile(backend="zentorch")). torchao is PyTorch's own quantization
# library: bench_llm_decode.py's int8 (dynamic activation + weight) and int4
# (weight-only) peers, each under torch.compile (inductor).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AIO_BENCH_VENV:-$ROOT/build/bench-venv}"
PY="${PYTHON:-python3}"
ZENTORCH="zentorch==2.13.0.2"
TORCHAO="torchao==0.18.0"

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv --system-site-packages "$VENV"
fi
if ! "$VENV/bin/python" -c 'import zentorch' >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install -q "torch==2.13.0" "$ZENTORCH"
fi
if ! "$VENV/bin/python" -c 'import torchao' >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install -q --no-deps "$TORCHAO"
fi
"$VENV/bin/python" - <<'PY'
import torch, zentorch, torchao
print(f"bench venv: torch {torch.__version__}, zentorch {getattr(zentorch, '__version__', '?')}, "
      f"torchao {torchao.__version__}")
PY
