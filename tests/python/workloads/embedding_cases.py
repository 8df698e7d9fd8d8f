"""EmbeddingBag / Embedding cases, run once under stock and once under aio
(tests/python/test_embedding_ops.py compares the two). Saves {case: {key:
tensor or error text}} to argv[1]."""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

MODES = ["sum", "mean", "max"]
out = {}


def bags(g, n_bags, max_len, rows, idt):
    lens = torch.randint(0, max_len + 1, (n_bags,), generator=g)
    lens[min(1, n_bags - 1)] = 0  # an empty bag
    off = torch.zeros(n_bags, dtype=torch.long)
    off[1:] = torch.cumsum(lens, 0)[:-1]
    idx = torch.randint(0, rows, (int(lens.sum()),), generator=g)
    return idx.to(idt), off.to(idt)


def record(name, fn):
    try:
        res = fn()
    except Exception as e:  # stock's error, compared as text
        out[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0]}"}
        return
    if isinstance(res, torch.Tensor):
        res = (res,)
    out[name] = {f"out{i}": t.detach().clone() for i, t in enumerate(res)}


torch.manual_seed(0)  # the global generator too (nn init, torch.randn)
g = torch.Generator().manual_seed(0)
case = 0
for dtype in (torch.float32, torch.float16, torch.bfloat16):
    for dim in (1, 7, 33, 128):
        rows = int(torch.randint(20, 300, (1,), generator=g))
        w = torch.randn(rows, dim, generator=g).to(dtype)
        for mode in MODES:
            for psw_on in ((False, True) if mode == "sum" else (False,)):
                for last in (False, True):
                    for pad in (None, 3):
                        for idt in ((torch.int64, torch.int32)[case % 2],):  # alternate: both seen per setting
                            case += 1
                            idx, off = bags(g, int(torch.randint(1, 40, (1,), generator=g)), 25, rows, idt)
                            if pad is not None and idx.numel() > 2:
                                idx[::5] = pad
                            if last:
                                off = torch.cat([off, torch.tensor([idx.numel()], dtype=idt)])
                            psw = torch.randn(idx.numel(), generator=g).to(dtype) if psw_on else None
                            tag = f"{dtype} dim={dim} {mode} psw={psw_on} last={last} pad={pad} {idt}"
                            m = MODES.index(mode)
                            p = -1 if pad is None else pad
                            # Every output of both aten ops; F.embedding_bag as users call it.
                            record(f"aten._embedding_bag {tag}", lambda: torch.ops.aten._embedding_bag(
                                w, idx, off, False, m, False, psw, last, p))
                            record(f"aten._embedding_bag_forward_only {tag}",
                                   lambda: torch.ops.aten._embedding_bag_forward_only(
                                       w, idx, off, False, m, False, psw, last, p))
                            record(f"F.embedding_bag {tag}", lambda: F.embedding_bag(
                                idx, w, off, mode=mode, per_sample_weights=psw, include_last_offset=last,
                                padding_idx=pad))

# nn.EmbeddingBag (a Parameter that requires grad) under no_grad and
# inference_mode, 2-D input (fixed-length bags), a row-strided table.
emb = nn.EmbeddingBag(500, 24, mode="mean")
x2 = torch.randint(0, 500, (16, 9), generator=g)
with torch.no_grad():
    record("nn.EmbeddingBag no_grad 2-D", lambda: emb(x2))
with torch.inference_mode():
    record("nn.EmbeddingBag inference_mode 2-D", lambda: emb(x2))
big = torch.randn(300, 40, generator=g)
idx, off = bags(g, 30, 10, 300, torch.int64)
record("strided table [:, :24]", lambda: F.embedding_bag(idx, big[:, :24], off))
record("transposed table", lambda: F.embedding_bag(idx % 40, big.t(), off))
record("double table", lambda: F.embedding_bag(idx, big.double(), off))

# Bad input: stock's error, word for word.
w = torch.randn(50, 8)
for name, (i, o) in {
    "index == rows": (torch.tensor([1, 50, 2]), torch.tensor([0, 1])),
    "index < 0": (torch.tensor([1, -1, 2]), torch.tensor([0, 2])),
    "int32 index == rows": (torch.tensor([1, 2, 50], dtype=torch.int32), torch.tensor([0, 1], dtype=torch.int32)),
    "offsets[0] != 0": (torch.tensor([1, 2, 3]), torch.tensor([1, 2])),
    "offsets past the end": (torch.tensor([1, 2, 3]), torch.tensor([0, 5])),
    "mixed index dtypes": (torch.tensor([1, 2, 3]), torch.tensor([0, 1], dtype=torch.int32)),
}.items():
    for mode in MODES:
        record(f"error {name} {mode}", lambda: F.embedding_bag(i, w, o, mode=mode))
record("error psw with mean", lambda: F.embedding_bag(torch.tensor([1, 2]), w, torch.tensor([0]), mode="mean",
                                                      per_sample_weights=torch.ones(2)))
record("error embedding index == rows", lambda: F.embedding(torch.tensor([[1, 50]]), w))
record("error embedding index < 0", lambda: F.embedding(torch.tensor([-3]), w))

# Training stays on stock: outputs and gradients bit-identical.
for sparse in (False, True):
    for mode in MODES[:2] if sparse else MODES:  # max has no sparse gradient
        torch.manual_seed(1)
        e = nn.EmbeddingBag(200, 16, mode=mode, sparse=sparse)
        idx, off = bags(g, 12, 8, 200, torch.int64)
        psw = torch.randn(idx.numel(), generator=g, requires_grad=True) if mode == "sum" else None
        y = e(idx, off, per_sample_weights=psw)
        (y * torch.arange(16.0)).sum().backward()
        gw = e.weight.grad.to_dense() if sparse else e.weight.grad
        out[f"train EmbeddingBag {mode} sparse={sparse}"] = {
            "y": y.detach(), "grad": gw, **({"psw_grad": psw.grad} if psw is not None else {})}
    torch.manual_seed(2)
    e = nn.Embedding(100, 12, padding_idx=4, sparse=sparse)
    ii = torch.tensor([[1, 4, 7], [4, 99, 0]])
    y = e(ii)
    (y * 3).sum().backward()
    out[f"train Embedding sparse={sparse}"] = {"y": y.detach(),
                                               "grad": e.weight.grad.to_dense() if sparse else e.weight.grad}

# Embedding forward: padding_idx, 2-D and int32 indices, 16-bit tables.
for dtype in (torch.float32, torch.float16, torch.bfloat16):
    e = nn.Embedding(300, 20, padding_idx=0).to(dtype)
    ii = torch.randint(0, 300, (7, 11), generator=g)
    ii[0, :3] = 0
    with torch.no_grad():
        record(f"Embedding {dtype} 2-D", lambda: e(ii))
        record(f"Embedding {dtype} int32", lambda: e(ii.int().flatten()))
        record(f"Embedding {dtype} scalar index", lambda: e(torch.tensor(5)))
w = torch.randn(100, 16)
w[3] = -0.0
record("Embedding keeps -0.0", lambda: F.embedding(torch.tensor([3, 3, 1]), w))

# TorchScript and meta tensors behave as stock.
traced = torch.jit.trace(nn.EmbeddingBag(64, 8, mode="sum").eval(), (torch.tensor([1, 2, 3, 4]), torch.tensor([0, 2])))
record("jit.trace EmbeddingBag", lambda: traced(torch.tensor([5, 6, 7]), torch.tensor([0, 1])))
record("meta EmbeddingBag", lambda: torch.tensor(list(F.embedding_bag(
    torch.tensor([1, 2, 3], device="meta"), torch.empty(10, 4, device="meta"), torch.tensor([0, 1], device="meta"),
    mode="max").shape)))

torch.save(out, sys.argv[1])
print(len(out))
