"""Deterministic activation and softmax cases, run once under the preload
and once stock; tests/python/test_activation_ops.py compares the result
files. Each case stores its output, its input after the call (in-place
forms), and, for autograd cases, the input's grad. Run as:
    python act_cases.py OUT.pt
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SPECIALS = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-40, -1e-40, 3.0, -3.0, 6.0, 88.0, -88.0,
            -100.0, 100.0, 1e30, -1e30, 1e-7, -1e-7]

# name -> (functional, in-place or None, out-form or None, 16-bit accelerated)
ACTS = {
    "relu": (F.relu, lambda x: x.relu_(), None, True),
    "relu6": (F.relu6, lambda x: F.relu6(x, inplace=True), None, True),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: F.hardtanh_(x, -0.5, 2.0),
                 lambda x, o: torch.ops.aten.hardtanh.out(x, -0.5, 2.0, out=o), True),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: F.leaky_relu_(x, 0.2),
                   lambda x, o: torch._C._nn.leaky_relu(x, 0.2, out=o), True),
    "gelu": (F.gelu, lambda x: torch.ops.aten.gelu_(x), lambda x, o: torch._C._nn.gelu(x, out=o), True),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: torch.ops.aten.gelu_(x, approximate="tanh"),
                  lambda x, o: torch._C._nn.gelu(x, approximate="tanh", out=o), True),
    "silu": (F.silu, lambda x: F.silu(x, inplace=True), lambda x, o: torch._C._nn.silu(x, out=o), True),
    "sigmoid": (torch.sigmoid, lambda x: x.sigmoid_(), lambda x, o: torch.sigmoid(x, out=o), False),
    "tanh": (torch.tanh, lambda x: x.tanh_(), lambda x, o: torch.tanh(x, out=o), False),
    "hardswish": (F.hardswish, lambda x: F.hardswish(x, inplace=True), lambda x, o: torch._C._nn.hardswish(x, out=o),
                  False),
    "hardsigmoid": (F.hardsigmoid, lambda x: F.hardsigmoid(x, inplace=True),
                    lambda x, o: torch._C._nn.hardsigmoid(x, out=o), False),
    # elementwise math aio overrides because it measured faster (exp, log)
    "exp": (torch.exp, lambda x: x.exp_(), lambda x, o: torch.exp(x, out=o), False),
    "log": (torch.log, lambda x: x.log_(), lambda x, o: torch.log(x, out=o), False),
}
MODULES = {
    "nn.ReLU(inplace)": lambda: nn.ReLU(inplace=True),
    "nn.ReLU6(inplace)": lambda: nn.ReLU6(inplace=True),
    "nn.SiLU(inplace)": lambda: nn.SiLU(inplace=True),
    "nn.GELU": lambda: nn.GELU(),
    "nn.GELU(tanh)": lambda: nn.GELU(approximate="tanh"),
    "nn.LeakyReLU(inplace)": lambda: nn.LeakyReLU(0.1, inplace=True),
    "nn.Hardswish(inplace)": lambda: nn.Hardswish(inplace=True),
    "nn.Hardsigmoid": lambda: nn.Hardsigmoid(),
    "nn.Sigmoid": lambda: nn.Sigmoid(),
    "nn.Tanh": lambda: nn.Tanh(),
    "nn.Softmax(-1)": lambda: nn.Softmax(-1),
    "nn.LogSoftmax(-1)": lambda: nn.LogSoftmax(-1),
}
SHAPES = [(), (0,), (1,), (7,), (16,), (17,), (33,), (3, 17, 5), (64, 129), (70001,)]


def rand(g, shape, dtype=torch.float32, scale=4.0):
    return (torch.randn(shape, generator=g) * scale).to(dtype)


def with_specials(g, n, dtype=torch.float32):
    x = rand(g, (n,))
    x[: len(SPECIALS)] = torch.tensor(SPECIALS)
    return x.to(dtype)


def cases():
    out = []

    def add(name, fn):
        out.append((name, fn))

    for op, (fn, fn_, fn_out, half) in ACTS.items():
        dts = [torch.float32] + ([torch.float16, torch.bfloat16] if half else []) + [torch.float64]
        for dt in dts:
            for shape in SHAPES if dt == torch.float32 else [(33,), (64, 129)]:
                add(f"{op} {dt} {shape}", lambda g, fn=fn, s=shape, dt=dt: fn(rand(g, s, dt)))
            add(f"{op} {dt} specials", lambda g, fn=fn, dt=dt: fn(with_specials(g, 40, dt)))
        if op in ("relu", "hardswish", "gelu"):  # past the cheap ops' policy limit
            add(f"{op} 1.1M elements", lambda g, fn=fn: fn(rand(g, (1100000,))))
        if op == "relu":
            add("relu int32", lambda g: F.relu(torch.randint(-5, 5, (40,), generator=g, dtype=torch.int32)))
        # Strides: transposed and channels-last are dense (accelerated), a
        # slice or an expand is not (fallback `strides`).
        add(f"{op} transposed", lambda g, fn=fn: fn(rand(g, (33, 65)).t()))
        add(f"{op} channels_last", lambda g, fn=fn: fn(rand(g, (2, 5, 7, 9)).to(memory_format=torch.channels_last)))
        add(f"{op} sliced", lambda g, fn=fn: fn(rand(g, (9, 130))[:, 1:129:2]))
        add(f"{op} expanded", lambda g, fn=fn: fn(rand(g, (1, 40)).expand(6, 40)))
        add(f"{op} storage offset", lambda g, fn=fn: fn(rand(g, (100,))[3:]))
        # In place: the tensor itself is the result (also transposed).
        add(f"{op}_ inplace", lambda g, fn_=fn_: fn_(with_specials(g, 77)))
        add(f"{op}_ inplace transposed", lambda g, fn_=fn_: fn_(rand(g, (17, 33)).t()))
        add(f"{op}_ inplace sliced", lambda g, fn_=fn_: (lambda b: (fn_(b[:, ::2]), b)[1])(rand(g, (8, 10))))
        if half:
            add(f"{op}_ inplace bf16", lambda g, fn_=fn_: fn_(rand(g, (50,), torch.bfloat16)))
        if fn_out is not None:
            add(f"{op} out fresh", lambda g, f=fn_out: f(rand(g, (5, 37)), torch.empty(5, 37)))
            add(f"{op} out aliases input", lambda g, f=fn_out: (lambda x: f(x, x))(rand(g, (5, 37))))
            add(f"{op} out resized", lambda g, f=fn_out: f(rand(g, (5, 37)), torch.empty(0)))
            add(f"{op} out partial overlap -> stock error",
                lambda g, f=fn_out: _error(lambda: (lambda b: f(b[:40], b[10:50]))(rand(g, (60,)))))
            # (a transposed out= is not a case: stock's structured out path
            # leaves such an out uninitialised in 2.13, so results are noise)
            add(f"{op} out float64", lambda g, f=fn_out: _error(
                lambda: f(rand(g, (5, 37)), torch.empty(5, 37, dtype=torch.float64))))

    # Softmax family: last dim (accelerated), other dims and strided inputs
    # (fallback), masked rows, 16-bit, dtype= upcast, out=.
    for name, fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        for shape in [(), (1,), (7,), (3, 1), (3, 17), (5, 1000), (2, 3, 16, 128), (4, 4097)]:
            add(f"{name} {shape} dim-1", lambda g, fn=fn, s=shape: fn(rand(g, s), -1))
        # 16-bit: the result next to the fp64 result rounded to the dtype
        for dt in (torch.bfloat16, torch.float16):
            add(f"{name} [2,3,16,128] {dt} with rounded fp64",
                lambda g, fn=fn, dt=dt: (lambda x: torch.stack([fn(x, -1), fn(x.double(), -1).to(dt)]))(
                    rand(g, (2, 3, 16, 128), dt)))
        add(f"{name} fp16 dtype=float32", lambda g, fn=fn: fn(rand(g, (6, 50), torch.float16), -1, dtype=torch.float32))
        add(f"{name} fp64", lambda g, fn=fn: fn(rand(g, (6, 50), torch.float64), -1))
        add(f"{name} dim0", lambda g, fn=fn: fn(rand(g, (6, 50)), 0))
        add(f"{name} dim1 of 3", lambda g, fn=fn: fn(rand(g, (4, 6, 5)), 1))
        add(f"{name} [N,C,1] dim1", lambda g, fn=fn: fn(rand(g, (4, 6, 1)), 1))
        add(f"{name} transposed", lambda g, fn=fn: fn(rand(g, (30, 20)).t(), -1))
        add(f"{name} zero rows", lambda g, fn=fn: fn(rand(g, (0, 8)), -1))

        def masked(g, fn=fn):
            x = rand(g, (4, 37))
            x[0, 5:] = float("-inf")  # causal-style mask
            x[1, :] = float("-inf")   # all masked: NaN row
            x[2, 3] = float("inf")    # +inf: NaN row
            x[3, 7] = float("nan")
            return fn(x, -1)
        add(f"{name} masked and degenerate rows", masked)
        add(f"{name} large logits", lambda g, fn=fn: fn(rand(g, (3, 300), scale=200.0), -1))
        op = torch.ops.aten._softmax if name == "softmax" else torch.ops.aten._log_softmax
        add(f"{name} out fresh", lambda g, op=op: op.out(rand(g, (6, 50)), -1, False, out=torch.empty(6, 50)))
        add(f"{name} out aliases input", lambda g, op=op: (lambda x: op.out(x, -1, False, out=x))(rand(g, (6, 50))))
        add(f"{name} out wrong dtype -> stock error",
            lambda g, op=op: _error(lambda: op.out(rand(g, (6, 50)), -1, False, out=torch.empty(6, 50,
                                                                                            dtype=torch.float64))))
        add(f"{name} half_to_float -> stock error",
            lambda g, op=op: _error(lambda: op(rand(g, (6, 50), torch.float16), -1, True)))

    add("log positive", lambda g: torch.log(rand(g, (3, 1000)).abs() * 100))
    add("exp wide range", lambda g: torch.exp(rand(g, (3, 1000), scale=40.0)))

    for name, make in MODULES.items():
        add(f"module {name}", lambda g, make=make: make()(rand(g, (4, 8, 33))))

    # Autograd through every op: grads must equal stock's.
    grad_ops = {k: v[0] for k, v in ACTS.items()}
    grad_ops["log"] = lambda x: torch.log(x.abs() + 0.1)
    grad_ops["softmax"] = lambda x: torch.softmax(x, -1)
    grad_ops["log_softmax"] = lambda x: torch.log_softmax(x, -1)
    for op, fn in grad_ops.items():
        def graded(g, fn=fn):
            x = rand(g, (6, 45)).requires_grad_()
            y = fn(x)
            y.backward(rand(g, (6, 45)))
            return torch.stack([y.detach(), x.grad])
        add(f"grad {op}", graded)

    def inplace_grad(g):  # in-place after a differentiable op
        x = rand(g, (5, 40)).requires_grad_()
        y = x * 2
        F.silu(y, inplace=True)
        torch.relu_(y)
        y.sum().backward()
        return torch.stack([y.detach(), x.grad])
    add("grad inplace silu_ relu_", inplace_grad)
    return out


def _error(fn):
    """The first line of the error stock raises, or the result if none."""
    try:
        return fn()
    except RuntimeError as e:
        return str(e).splitlines()[0]


def main(path):
    results = {}
    for i, (name, fn) in enumerate(cases()):
        g = torch.Generator().manual_seed(1000 + i)
        results[name] = fn(g)
    torch.save(results, path)


if __name__ == "__main__":
    main(sys.argv[1])
