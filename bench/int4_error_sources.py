"""Where the int4 mode's error comes from, in stock PyTorch (no preload): the
bench_llm_decode model's Linears with their weights fake-quantized as the
int4 packer does (group-wise, per method), their inputs fake-quantized per
token to int8 as the qd8 kernels do, or both; logits cosine and top-1
agreement against fp32 over bench_llm_decode's teacher-forced sequence, and
the per-layer relative RMS error of the weights.

    python bench/int4_error_sources.py [--size 1b|small|tiny] [--groups 32,64,128]

Methods: "minmax" (the packer before the clipping search: asymmetric
min/max with 0 in range, integer zero point) and "search" (the packer now:
kernels/qc4w-gemm/qc4w_quantize.c's clipped ranges with the least-squares
refit of scale and offset), mirrored here in torch."""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_llm_decode as bld  # noqa: E402


def q_minmax(w, group):
    n, k = w.shape
    x = w.reshape(n, k // group, group).double()
    lo = x.amin(-1, keepdim=True).clamp(max=0)
    hi = x.amax(-1, keepdim=True).clamp(min=0)
    s = (hi - lo) / 15
    s = torch.where(s > 0, s, torch.ones_like(s))
    z = torch.round(-lo / s)
    q = (torch.round(x / s) + z).clamp(0, 15)
    return (s * (q - z)).reshape(n, k)


def q_search(w, group, shrink=(1.0, 0.94, 0.88, 0.82)):
    """Mirror of qc4w_quantize.c: each clipped range gives codes and a
    least-squares (sw, off); the one with the least refit error has its
    codes moved to the nearest level, and is kept where it beats min/max."""
    n, k = w.shape
    x = w.reshape(n, k // group, group).double()
    base = q_minmax(w, group).reshape(x.shape).double()
    base_e = ((base - x) ** 2).sum(-1, keepdim=True)
    mn, mx = x.amin(-1, keepdim=True), x.amax(-1, keepdim=True)
    xm = x.mean(-1, keepdim=True)
    sxx_c = ((x - xm) ** 2).sum(-1, keepdim=True)
    best = torch.full_like(base_e, float("inf"))
    bsw, boff = torch.zeros_like(base_e), torch.zeros_like(base_e)
    for f in shrink:
        s = ((mx - mn) * f / 15).clamp(min=1e-30)
        q = torch.floor((x - mn * f) / s + 0.5).clamp(0, 15)
        qm = q.mean(-1, keepdim=True)
        var = ((q - qm) ** 2).sum(-1, keepdim=True)
        cov = ((q - qm) * (x - xm)).sum(-1, keepdim=True)
        ok = var > 0
        sw = torch.where(ok, cov / var.clamp(min=1e-30), torch.zeros_like(var))
        e = torch.where(ok & (sw > 0), sxx_c - cov ** 2 / var.clamp(min=1e-30), torch.full_like(var, float("inf")))
        b = e < best
        best, bsw, boff = torch.where(b, e, best), torch.where(b, sw, bsw), torch.where(b, xm - sw * qm, boff)
        del q
    q = torch.floor((x - boff) / bsw.clamp(min=1e-30) + 0.5).clamp(0, 15)
    d = bsw * q + boff
    e = ((d - x) ** 2).sum(-1, keepdim=True)
    return torch.where((e < base_e) & (bsw > 0), d, base).reshape(n, k)


def fq_act(x):
    """Per-token symmetric int8, sa = max|x| / 127 (aio_qd8_gemm.h, a_offset 0)."""
    s = x.abs().amax(-1, keepdim=True) / 127
    s = torch.where(s > 0, s, torch.ones_like(s))
    return torch.round(x / s).clamp(-127, 127) * s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1b", choices=bld.SIZES)
    ap.add_argument("--groups", default="32,64,128")
    ap.add_argument("--methods", default="minmax,search")
    a = ap.parse_args()
    torch.manual_seed(0)
    model, _ = bld.build_model(a.size, "fp32")
    vocab = bld.SIZES[a.size]["vocab_size"]
    g = torch.Generator().manual_seed(1)
    torch.randint(0, vocab, (1, 32), generator=g)  # the prompt, as bench_llm_decode draws it
    teacher = torch.randint(0, vocab, (1, 96), generator=g)
    lins = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    orig = [m.weight.detach().clone() for m in lins]
    with torch.inference_mode():
        ref = model(teacher).logits[0].double()

    def score(label, extra=""):
        with torch.inference_mode():
            out = model(teacher).logits[0].double()
        cos = torch.nn.functional.cosine_similarity(out.flatten(), ref.flatten(), dim=0).item()
        top1 = (out.argmax(-1) == ref.argmax(-1)).double().mean().item()
        print(f"| {label} | {cos:.4f} | {top1:.3f} | {extra} |", flush=True)

    print("| variant | logits cosine | top-1 agreement | weight rel. RMS error (mean over Linears) |")
    print("|---|---:|---:|---:|")
    hooks = [m.register_forward_pre_hook(lambda mod, args: (fq_act(args[0]),)) for m in lins]
    score("activations int8 per token only")
    for h in hooks:
        h.remove()
    for method in a.methods.split(","):
        fn = {"minmax": q_minmax, "search": q_search}[method]
        for group in [int(x) for x in a.groups.split(",")]:
            errs = []
            for m, w in zip(lins, orig):
                k = w.shape[1]
                if k % group:
                    continue
                d = fn(w, group)
                errs.append(((d - w.double()).norm() / w.double().norm()).item())
                m.weight.data.copy_(d.float())
            score(f"weights int4 {method} g{group} only", f"{sum(errs) / len(errs):.4f}")
            hooks = [m.register_forward_pre_hook(lambda mod, args: (fq_act(args[0]),)) for m in lins]
            score(f"weights int4 {method} g{group} + activations int8", "")
            for h in hooks:
                h.remove()
            for m, w in zip(lins, orig):
                m.weight.data.copy_(w)


if __name__ == "__main__":
    main()
