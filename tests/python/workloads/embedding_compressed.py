"""Compressed EmbeddingBag tables (run under aio with an EmbeddingBag filter):
errors against a float64 reference for fresh tables, and for tables changed
after they were cached (in-place op, a write through .data, load_state_dict,
a freed table whose memory a new one reuses). Prints one JSON line:
{case: [max error / bound, cosine]}, a stale table shows as a ratio far
above 1."""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
fmt = sys.argv[1]  # qu8, f16 or bf16: what the filter in force keeps
res = {}


def reference(w, idx, off, psw, mode):
    w = w.double()
    out = []
    ends = off[1:].tolist() + [idx.numel()]
    for b, s in enumerate(off.tolist()):
        rows = w[idx[s:ends[b]]]
        if psw is not None:
            rows = rows * psw[s:ends[b]].double()[:, None]
        if rows.shape[0] == 0:
            out.append(torch.zeros(w.shape[1], dtype=torch.float64))
        elif mode == "sum":
            out.append(rows.sum(0))
        elif mode == "mean":
            out.append(rows.mean(0))
        else:
            out.append(rows.max(0).values)
    return torch.stack(out)


def bound(w, idx, off, psw, mode):
    """The largest error compression can make: per element, half a uint8
    step of its row ((max - min) / 510), or the 16-bit rounding, summed
    over the bag (weighted)."""
    w = w.double()
    if fmt == "qu8":
        step = (w.max(1).values - w.min(1).values) / 510
    else:
        step = w.abs().max(1).values * (2 ** -11 if fmt == "f16" else 2 ** -8)
    ends = off[1:].tolist() + [idx.numel()]
    out = []
    for b, s in enumerate(off.tolist()):
        e = step[idx[s:ends[b]]]
        if psw is not None:
            e = e * psw[s:ends[b]].double().abs()
        n = max(1, ends[b] - s)
        out.append(e.sum() / (n if mode == "mean" else 1) if mode != "max" else (e.max() if e.numel() else 0))
    return torch.tensor(out)[:, None] * 1.01 + 1e-6


def check(name, w, idx, off, psw=None, mode="sum"):
    got = F.embedding_bag(idx, w, off, mode=mode, per_sample_weights=psw).double()
    want = reference(w, idx, off, psw, mode)
    ratio = ((got - want).abs() / bound(w, idx, off, psw, mode)).max().item()
    cos = F.cosine_similarity(got.flatten(), want.flatten(), dim=0).item()
    res[name] = [ratio, cos]


def batch(rows, n_bags=64, max_len=30):
    lens = torch.randint(0, max_len, (n_bags,))
    off = torch.zeros(n_bags, dtype=torch.long)
    off[1:] = torch.cumsum(lens, 0)[:-1]
    return torch.randint(0, rows, (int(lens.sum()),)), off


with torch.no_grad():
    emb = nn.EmbeddingBag(5000, 64, mode="sum")
    idx, off = batch(5000)
    psw = torch.rand(idx.numel())
    for mode in ("sum", "mean", "max"):
        for rep in range(3):  # the first call is exact (fp32), then compressed
            check(f"{mode} call {rep}", emb.weight, idx, off, mode=mode)
    check("per_sample_weights", emb.weight, idx, off, psw=psw)
    # Changed after it was cached: each must be seen.
    emb.weight.add_(1.0)
    check("after add_", emb.weight, idx, off)
    emb.weight.data.mul_(-2.0)
    check("after .data.mul_", emb.weight, idx, off)
    new = nn.EmbeddingBag(5000, 64, mode="sum")
    emb.load_state_dict(new.state_dict())
    check("after load_state_dict", emb.weight, idx, off)
    check("after load_state_dict again", emb.weight, idx, off)
    # A freed table and a new one in its memory (same size, same allocator bucket).
    t = torch.randn(3000, 32)
    i2, o2 = batch(3000)
    check("table A", t, i2, o2)
    check("table A again", t, i2, o2)
    del t
    t = torch.randn(3000, 32) * 5
    check("table B (reused memory)", t, i2, o2)
    check("table B again", t, i2, o2)

print(json.dumps(res))
