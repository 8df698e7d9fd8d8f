"""Deterministic addmm/mm/linear cases, run once under the preload and once
stock; the test compares the two result files. Run as:
    python gemm_cases.py OUT.pt
"""
import os
import sys

import torch
import torch.nn.functional as F

SIZES = [1, 2, 3, 7, 13, 16, 17, 31, 33, 64, 97, 128, 257]


# Reference mode: fp32 inputs are rounded to fp32 but computed in fp64.
REFERENCE = os.environ.get("GEMM_CASES_REFERENCE") == "1"


def inputs(gen, *shape, dtype=torch.float32):
    t = torch.randn(tuple(shape), generator=gen, dtype=torch.float64).to(dtype)
    return t.double() if REFERENCE and dtype == torch.float32 else t


def cases():
    """Yield (name, fn) pairs; fn returns a tensor. Inputs are drawn inside
    fn from a generator seeded by the case index, so both runs agree."""
    out = []

    def add(name, fn):
        out.append((name, fn))

    # nn.Linear-shaped calls over sizes around tiles, 2-D and 3-D, +/- bias.
    shapes = [(m, k, n) for m in (1, 3, 8, 17, 64) for k in (1, 7, 64, 97, 257) for n in (1, 16, 33, 128)]
    for (m, k, n) in shapes:
        for bias in (True, False):
            def f(g, m=m, k=k, n=n, bias=bias):
                x, w = inputs(g, m, k), inputs(g, n, k)
                b = inputs(g, n) if bias else None
                return F.linear(x, w, b)
            add(f"linear2d m{m} k{k} n{n} bias{bias}", f)
    for (b0, m, k, n) in [(2, 3, 64, 33), (4, 1, 97, 128), (3, 17, 31, 16)]:
        for bias in (True, False):
            def f(g, b0=b0, m=m, k=k, n=n, bias=bias):
                x, w = inputs(g, b0, m, k), inputs(g, n, k)
                return F.linear(x, w, inputs(g, n) if bias else None)
            add(f"linear3d {b0}x{m} k{k} n{n} bias{bias}", f)
    # Non-contiguous and transposed inputs.
    add("linear x transposed", lambda g: F.linear(inputs(g, 64, 13).t(), inputs(g, 33, 64), inputs(g, 33)))
    add("linear x sliced", lambda g: F.linear(inputs(g, 9, 130)[:, 1:129:2], inputs(g, 17, 64), inputs(g, 17)))
    add("linear x 3d permuted", lambda g: F.linear(inputs(g, 5, 4, 32).permute(1, 0, 2), inputs(g, 16, 32), inputs(g, 16)))
    add("linear w contiguous-transposed", lambda g: F.linear(inputs(g, 8, 32), inputs(g, 32, 24).t(), inputs(g, 24)))
    add("linear w strided rows", lambda g: F.linear(inputs(g, 8, 32), inputs(g, 24, 64)[:, :32], None))
    # addmm semantics: beta/alpha and every broadcast of self.
    for sname, sshape in [("row", (33,)), ("full", (17, 33)), ("1xN", (1, 33)), ("Mx1", (17, 1)), ("scalar", ())]:
        for beta, alpha in [(1, 1), (0.5, 2.0), (0, 1), (1, -1.5)]:
            def f(g, sshape=sshape, beta=beta, alpha=alpha):
                s = inputs(g, *sshape)
                if beta == 0 and s.dim() > 0:
                    s = s.clone()
                    s.view(-1)[0] = float("nan")  # beta=0 must ignore self, NaN included
                return torch.addmm(s, inputs(g, 17, 40), inputs(g, 40, 33), beta=beta, alpha=alpha)
            add(f"addmm self={sname} beta{beta} alpha{alpha}", f)
    add("addmm alpha0", lambda g: torch.addmm(inputs(g, 5), inputs(g, 3, 4), inputs(g, 4, 5), alpha=0))
    # mm with both B layouts and edge sizes.
    for m in (1, 5, 64):
        for k in (1, 31, 128):
            for n in (1, 17, 96):
                add(f"mm rowmajor m{m} k{k} n{n}", lambda g, m=m, k=k, n=n: torch.mm(inputs(g, m, k), inputs(g, k, n)))
                add(f"mm transB m{m} k{k} n{n}", lambda g, m=m, k=k, n=n: torch.mm(inputs(g, m, k), inputs(g, n, k).t()))
    add("matmul 3d x 2d", lambda g: torch.matmul(inputs(g, 3, 7, 40), inputs(g, 40, 9)))
    add("mm empty M", lambda g: torch.mm(inputs(g, 0, 8), inputs(g, 8, 4)))
    add("mm empty K", lambda g: torch.mm(inputs(g, 3, 0), inputs(g, 0, 4)))
    add("mm large", lambda g: torch.mm(inputs(g, 200, 300), inputs(g, 300, 260)))
    add("linear large decode", lambda g: F.linear(inputs(g, 1, 1024), inputs(g, 1000, 1024), inputs(g, 1000)))
    # out= variants: fresh, aliasing self (in-place accumulate), wrong size.
    def addmm_out_fresh(g):
        o = torch.empty(6, 10, dtype=torch.float64 if REFERENCE else torch.float32)
        torch.addmm(inputs(g, 10), inputs(g, 6, 20), inputs(g, 20, 10), out=o)
        return o
    add("addmm out fresh", addmm_out_fresh)

    def addmm_out_alias(g):
        s = inputs(g, 6, 10)
        torch.addmm(s, inputs(g, 6, 20), inputs(g, 20, 10), beta=0.5, out=s)
        return s
    add("addmm out aliases self", addmm_out_alias)

    def mm_out_resize(g):
        o = torch.empty(0, dtype=torch.float64 if REFERENCE else torch.float32)
        torch.mm(inputs(g, 6, 20), inputs(g, 20, 10), out=o)
        return o
    add("mm out needs resize", mm_out_resize)

    def mm_out_strided(g):
        o = torch.zeros(6, 24, dtype=torch.float64 if REFERENCE else torch.float32)[:, ::2]
        torch.mm(inputs(g, 6, 20), inputs(g, 20, 12), out=o)
        return o
    add("mm out strided", mm_out_strided)
    # Dtypes that must take the stock kernel.
    for dt in (torch.float16, torch.bfloat16, torch.float64):
        add(f"linear {dt}", lambda g, dt=dt: F.linear(inputs(g, 5, 24, dtype=dt), inputs(g, 7, 24, dtype=dt), inputs(g, 7, dtype=dt)))
        add(f"mm {dt}", lambda g, dt=dt: torch.mm(inputs(g, 5, 24, dtype=dt), inputs(g, 24, 7, dtype=dt)))
    add("mm int64", lambda g: torch.mm(torch.randint(-9, 9, (5, 6), generator=g), torch.randint(-9, 9, (6, 4), generator=g)))
    add("mm int32", lambda g: torch.mm(torch.randint(-9, 9, (5, 6), generator=g, dtype=torch.int32),
                                        torch.randint(-9, 9, (6, 4), generator=g, dtype=torch.int32)))
    return out


def main(path):
    results = {}
    for i, (name, fn) in enumerate(cases()):
        g = torch.Generator().manual_seed(1000 + i)
        results[name] = fn(g)
    torch.save(results, path)


if __name__ == "__main__":
    main(sys.argv[1])
