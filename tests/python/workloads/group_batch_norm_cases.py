"""Deterministic GroupNorm / BatchNorm (eval) / InstanceNorm cases through
the public modules, run once under the preload and once stock; the test
compares the two result files. NCHW and channels_last, 1-D..3-D, affine
or not, gradients where the case needs them, and the inputs the shared
statistics must get right: constant groups, one-element groups, a mean far
larger than the spread. Each case also stores float64 results of the same
module, so the test can compare both runs' errors. Run as:
    python group_batch_norm_cases.py OUT.pt
"""
import sys
import zlib

import torch
import torch.nn as nn

CL = {4: torch.channels_last, 5: torch.channels_last_3d}


def rnd(g, *shape, scale=1.0, offset=0.0):
    return torch.randn(tuple(shape), generator=g) * scale + offset


def randomize(m, g):
    with torch.no_grad():
        for p in list(m.parameters()) + list(m.buffers()):
            if p.dtype.is_floating_point:
                p.copy_(torch.rand(p.shape, generator=g) + 0.5 if "var" in str(p) else rnd(g, *p.shape))
        if getattr(m, "running_var", None) is not None:
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            m.running_mean.copy_(rnd(g, *m.running_mean.shape))
    return m


def run_case(m, x, layout, grad):
    if layout == "cl":
        x = x.contiguous(memory_format=CL[x.dim()])
    x = x.clone().requires_grad_(grad)
    y = m(x)
    out = {"y": y.detach(), "stride": torch.tensor(y.stride())}
    if grad:
        y.pow(2).sum().backward()
        out["gx"] = x.grad
        for name, p in m.named_parameters():
            out["g" + name] = p.grad
    with torch.no_grad():
        out["y64"] = m.double()(x.detach().double())
    m.float()
    return out


def cases():
    out = []
    shapes = {1: (3, 12, 10), 2: (2, 32, 7, 9), 3: (2, 16, 3, 4, 5)}
    for d, shape in shapes.items():
        for layout in (("contig", "cl") if d > 1 else ("contig",)):
            for affine in (True, False):
                for kind in ("gn", "bn", "in"):
                    for inp in ("randn", "offset", "const", "tiny"):
                        for grad in ((False, True) if inp == "randn" else (False,)):
                            def f(g, d=d, shape=shape, layout=layout, affine=affine, kind=kind, inp=inp, grad=grad):
                                c = shape[1]
                                if kind == "gn":
                                    m = nn.GroupNorm(8 if c % 8 == 0 else 4, c, affine=affine)
                                elif kind == "bn":
                                    m = getattr(nn, f"BatchNorm{d}d")(c, affine=affine).eval()
                                else:
                                    m = getattr(nn, f"InstanceNorm{d}d")(c, affine=affine)
                                randomize(m, g)
                                x = {"randn": lambda: rnd(g, *shape),
                                     "offset": lambda: rnd(g, *shape, scale=0.5, offset=3e3),
                                     "const": lambda: torch.full(shape, 2.7) + 0 * rnd(g, *shape),
                                     "tiny": lambda: rnd(g, *shape, scale=1e-4)}[inp]()
                                return run_case(m, x, layout, grad)
                            out.append((f"{kind} {d}d {layout} affine{affine} {inp} grad{grad}", f))
    # One-element groups (C == groups, one pixel) and BatchNorm1d on (N, C).
    out.append(("gn one-element groups", lambda g: run_case(randomize(nn.GroupNorm(6, 6), g), rnd(g, 2, 6, 1, 1), "contig", False)))
    out.append(("bn 1d NC", lambda g: run_case(randomize(nn.BatchNorm1d(20).eval(), g), rnd(g, 5, 20), "contig", False)))
    # Fallbacks (stock runs, bit for bit) and a transposed input.
    out.append(("fallback gn f64", lambda g: {"y": nn.GroupNorm(4, 8).double()(rnd(g, 2, 8, 5, 5).double())}))
    out.append(("gn transposed input (group_norm makes it contiguous)", lambda g: {"y": nn.GroupNorm(4, 8)(rnd(g, 2, 5, 8, 5).transpose(1, 2))}))
    out.append(("fallback bn train running stats", lambda g: {"y": nn.BatchNorm2d(8).train()(rnd(g, 2, 8, 5, 5))}))
    return out


def main():
    results = {}
    for name, fn in cases():
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        results[name] = fn(g)
    torch.save(results, sys.argv[1])


if __name__ == "__main__":
    main()
