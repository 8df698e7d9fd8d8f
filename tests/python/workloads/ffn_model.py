"""A small FeedForwardStack (examples/tiny_models.py) run once, its output
checked against the same model in float64; prints one line naming the torch
version and the error, then JSON. Run under aio-run by test_torch_versions.py
and by make test-oldtorch, once per supported torch in CI."""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
import tiny_models  # noqa: E402

model = tiny_models.build(dim=256, hidden=1024, blocks=2)
x = torch.randn(2, 8, 256)
with torch.no_grad():
    y = model(x)
    ref = model.double()(x.double())
err = (y.double() - ref).abs().max().item()
print(f"torch {torch.__version__}: FeedForwardStack 2x8x256, max abs error {err:.2e} vs float64")
print(json.dumps({"err": err, "torch": torch.__version__}))
