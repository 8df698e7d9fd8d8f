"""Deterministic rms_norm / layer_norm cases through the public APIs
(F.rms_norm, nn.RMSNorm, F.layer_norm, nn.LayerNorm), run once under the
preload and once stock; the test compares the two result files. Outputs
and, for cases that require grad, input and parameter gradients. Run as:
    python norm_cases.py OUT.pt
"""
import sys

import torch
import torch.nn.functional as F

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
HIDDEN = [1, 7, 16, 17, 63, 64, 65, 768, 1023]


def rnd(g, *shape, dtype=torch.float32, scale=1.0):
    return (torch.randn(tuple(shape), generator=g) * scale).to(dtype)


def layouts(g, rows, n, dtype):
    """(name, tensor) views of one [2, rows, n] input: contiguous, a column
    slice of a wider buffer, transposed rows, an expanded batch, 1-D."""
    x = rnd(g, 2, rows, n, dtype=dtype)
    wide = rnd(g, 2, rows, n + 5, dtype=dtype)[..., 2:n + 2]
    tr = rnd(g, 2, n, rows, dtype=dtype).transpose(1, 2)
    ex = rnd(g, 1, rows, n, dtype=dtype).expand(2, rows, n)
    return [("contig", x), ("slice", wide), ("transposed", tr), ("expanded", ex), ("1d", x[0, 0])]


def cases():
    out = []

    def add(name, fn):
        out.append((name, fn))

    for dn, dt in DTYPES.items():
        for n in HIDDEN:
            for lay in range(5):
                for w_on in (True, False):
                    def f(g, dt=dt, n=n, lay=lay, w_on=w_on):
                        name, x = layouts(g, 3, n, dt)[lay]
                        w = rnd(g, n, dtype=dt) if w_on else None
                        return {"y": F.rms_norm(x, (n,), w, 1e-6)}
                    add(f"rms_norm {dn} n{n} layout{lay} w{w_on}", f)
        # eps=None (finfo eps), tiny inputs where eps matters, 2-D normalized shape.
        add(f"rms_norm {dn} eps None", lambda g, dt=dt: {"y": F.rms_norm(rnd(g, 4, 96, dtype=dt), (96,))})
        add(f"rms_norm {dn} tiny", lambda g, dt=dt: {"y": F.rms_norm(rnd(g, 4, 96, dtype=dt, scale=1e-3), (96,), None, 1e-6)})
        add(f"rms_norm {dn} 2d shape", lambda g, dt=dt: {"y": F.rms_norm(rnd(g, 3, 4, 24, dtype=dt), (4, 24), rnd(g, 4, 24, dtype=dt))})

        def module(g, dt=dt, grad=False):
            m = torch.nn.RMSNorm(384, eps=1e-5, dtype=dt)
            with torch.no_grad():
                m.weight.copy_(rnd(g, 384, dtype=dt))
            x = rnd(g, 2, 5, 384, dtype=dt).requires_grad_(grad)
            if not grad:
                with torch.no_grad():
                    return {"y": m(x)}
            y = m(x)
            (y.float() * rnd(g, 2, 5, 384)).sum().backward()
            return {"y": y.detach(), "gx": x.grad, "gw": m.weight.grad}
        add(f"nn.RMSNorm {dn} no_grad", module)
        add(f"nn.RMSNorm {dn} grad", lambda g, module=module: module(g, grad=True))

    # functorch transforms see stock's decomposition.
    def func_grad(g):
        x, w = rnd(g, 4, 48), rnd(g, 48)
        gx = torch.func.grad(lambda t: F.rms_norm(t, (48,), w, 1e-6).pow(2).sum())(x)
        vm = torch.vmap(lambda t: F.rms_norm(t, (48,), w, 1e-6))(rnd(g, 3, 4, 48))
        return {"gx": gx, "vmap": vm}
    add("rms_norm functorch", func_grad)

    # Mixed dtypes: stock promotes; we defer.
    add("rms_norm bf16 input f32 weight", lambda g: {"y": F.rms_norm(rnd(g, 3, 64, dtype=torch.bfloat16), (64,), rnd(g, 64))})
    add("rms_norm f64", lambda g: {"y": F.rms_norm(rnd(g, 3, 64, dtype=torch.float64), (64,), rnd(g, 64, dtype=torch.float64))})
    add("rms_norm empty", lambda g: {"y": F.rms_norm(rnd(g, 0, 64), (64,), rnd(g, 64))})

    for n in HIDDEN + [4096]:
        for rows in (1, 5, 33):
            def ln(g, n=n, rows=rows):
                x = rnd(g, rows, n, scale=3.0) + 2.0
                return {"y": F.layer_norm(x, (n,), rnd(g, n), rnd(g, n), 1e-5),
                        "y_nowb": F.layer_norm(x, (n,), None, None, 1e-5)}
            add(f"layer_norm f32 rows{rows} n{n}", ln)

    def ln_grad(g, dt=torch.float32):
        m = torch.nn.LayerNorm(200, dtype=dt)
        with torch.no_grad():
            m.weight.copy_(rnd(g, 200, dtype=dt))
            m.bias.copy_(rnd(g, 200, dtype=dt))
        x = rnd(g, 3, 7, 200, dtype=dt).requires_grad_()
        y = m(x)
        (y.float() * rnd(g, 3, 7, 200)).sum().backward()
        return {"y": y.detach(), "gx": x.grad, "gw": m.weight.grad, "gb": m.bias.grad}
    add("nn.LayerNorm f32 grad", ln_grad)
    add("nn.LayerNorm bf16 grad", lambda g: ln_grad(g, torch.bfloat16))
    add("layer_norm f32 2d shape", lambda g: {"y": F.layer_norm(rnd(g, 2, 3, 5, 40), (5, 40), rnd(g, 5, 40), rnd(g, 5, 40))})
    # 2^19 elements and more: stock by policy (docs/never-slower.md).
    add("layer_norm f32 policy", lambda g: {"y": F.layer_norm(rnd(g, 160, 4096), (4096,), rnd(g, 4096), rnd(g, 4096))})
    add("layer_norm f32 transposed", lambda g: {"y": F.layer_norm(rnd(g, 64, 6).t(), (64,))})
    add("layer_norm native stats", lambda g: dict(zip(("y", "mean", "rstd"), torch.native_layer_norm(rnd(g, 2, 3, 48), [48], None, None, 1e-5))))
    return out


def main(path):
    torch.manual_seed(0)
    results = {}
    for i, (name, fn) in enumerate(cases()):
        g = torch.Generator().manual_seed(1000 + i)
        results[name] = fn(g)
    torch.save(results, path)


if __name__ == "__main__":
    main(sys.argv[1])
