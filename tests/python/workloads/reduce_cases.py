"""Deterministic max/min(dim) and argmax/argmin cases, run once under the
preload and once stock; tests/python/test_reduce_ops.py compares the result
files (bit for bit: values are elements of the input, indices integers).
Covers random shapes, every dim, keepdim, non-contiguous views (padded
rows, transposed, expanded, sliced), fp32/bf16 and dtypes that stay stock,
edge sizes (1 element, rows of 1, empty), ties, +-0, +-inf and NaN in
every position, autograd and TorchScript, and the errors.
    python reduce_cases.py OUT.pt
"""
import sys

import torch

torch.manual_seed(0)
out = {}


def record(name, fn):
    try:
        r = fn()
    except Exception as e:  # the error text must match stock's
        out[name] = f"error {type(e).__name__}: {str(e).splitlines()[0]}"
        return
    out[name] = tuple(t.clone() for t in r) if isinstance(r, tuple) else r.clone()


def ops(name, x):
    for d in range(-x.dim(), x.dim()) if x.dim() else [0]:
        for kd in (False, True):
            record(f"{name} max d{d} k{int(kd)}", lambda: tuple(x.max(d, keepdim=kd)))
            record(f"{name} min d{d} k{int(kd)}", lambda: tuple(torch.min(x, d, kd)))
            record(f"{name} argmax d{d} k{int(kd)}", lambda: x.argmax(d, keepdim=kd))
            record(f"{name} argmin d{d} k{int(kd)}", lambda: torch.argmin(x, dim=d, keepdim=kd))
    record(f"{name} argmax all", lambda: x.argmax())
    record(f"{name} argmin all k1", lambda: x.argmin(keepdim=True))


def specials(n, kind, dt):
    x = (torch.randn(3, n) * 4).round()  # coarse values: ties in every row
    if kind == "nan":
        x[0, n // 2] = float("nan")
        x[1, n - 1] = float("nan")
        x[2, 0] = float("nan")
        x[2, n - 1] = float("nan")
    elif kind == "inf":
        x[0, n // 3] = float("inf")
        x[1, :] = float("-inf")
        x[2, n // 2] = float("-inf")
    elif kind == "zeros":
        x[:] = 0.0
        x[:, ::3] = -0.0
    elif kind == "allnan":
        x[:] = float("nan")
    return x.to(dt)


with torch.inference_mode():
    for dt in (torch.float32, torch.bfloat16):
        tag = str(dt).split(".")[1]
        for shape in [(1,), (7,), (16,), (17,), (33,), (1, 1), (5, 1), (1, 300), (4, 31), (3, 64), (2, 3, 129),
                      (2, 1, 3, 40), (8, 1000), (1, 32000), (70000,)]:
            ops(f"{tag} {shape}", torch.randn(shape).to(dt))
        for n in (1, 2, 15, 16, 17, 63, 64, 65, 257):
            for kind in ("nan", "inf", "zeros", "allnan"):
                ops(f"{tag} {kind} n{n}", specials(n, kind, dt))
        base = torch.randn(6, 40).to(dt)
        ops(f"{tag} padded rows", base[:, :33])
        ops(f"{tag} transposed", base.t())
        ops(f"{tag} every other column", base[:, ::2])
        ops(f"{tag} expanded rows", torch.randn(1, 50).to(dt).expand(4, 50))
        ops(f"{tag} expanded cols", torch.randn(5, 1).to(dt).expand(5, 9))
        ops(f"{tag} 3d slice", torch.randn(4, 5, 24).to(dt)[1:, ::2, 3:])
        ops(f"{tag} channels_last", torch.randn(2, 8, 5, 6).to(dt).contiguous(memory_format=torch.channels_last))
        ops(f"{tag} empty rows", torch.randn(0, 5).to(dt))
        ops(f"{tag} empty cols", torch.randn(5, 0).to(dt))
        ops(f"{tag} 0-dim", torch.tensor(3.0).to(dt))
        record(f"{tag} dim out of range", lambda: torch.randn(3, 4).to(dt).max(2))
        record(f"{tag} argmax dim out of range", lambda: torch.randn(3, 4).to(dt).argmax(-3))
    for dt in (torch.float64, torch.float16, torch.int32, torch.int64, torch.uint8):
        ops(f"stock dtype {dt}", (torch.randn(4, 37) * 50).to(dt))
    # out= forms stay stock and must still work
    v, i = torch.empty(0), torch.empty(0, dtype=torch.long)
    record("max out=", lambda: tuple(torch.max(torch.randn(4, 9), 1, out=(v, i))))

# autograd through max(dim) reads the indices
x = torch.randn(6, 20, requires_grad=True)
vals, idx = x.max(-1)
(vals * torch.arange(6.0)).sum().backward()
out["grad max dim"] = x.grad.clone()
x = torch.randn(6, 20, dtype=torch.bfloat16, requires_grad=True)
x.min(1, keepdim=True)[0].sum().backward()
out["grad min dim bf16"] = x.grad.clone()

# TorchScript reaches the same ops (torch.compile: test_reduce_ops.py)
logits = torch.randn(4, 1000)


def greedy(t: torch.Tensor) -> torch.Tensor:
    return t.argmax(-1)


out["jit argmax"] = torch.jit.script(greedy)(logits)

torch.save(out, sys.argv[1])
