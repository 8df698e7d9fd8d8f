"""Deterministic convolution cases through the public API (nn.Conv1d/2d/3d,
F.conv2d, TorchScript), run once under the preload and once stock; the test
compares the two result files. Strides, paddings (zeros, 'same', reflect),
dilations, groups, depthwise, 1x1, NCHW and channels_last, bias or none,
gradients, meta tensors. Run as:
    python conv_cases.py OUT.pt
"""
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

CL = {4: torch.channels_last, 5: torch.channels_last_3d}


def run_case(m, x, layout, grad=False):
    if layout == "cl":
        x = x.contiguous(memory_format=CL[x.dim()])
        m = m.to(memory_format=CL[x.dim()])
    x = x.clone().requires_grad_(grad)
    y = m(x)
    out = {"y": y.detach(), "stride": torch.tensor(y.stride())}
    if grad:
        y.pow(2).sum().backward()
        out["gx"] = x.grad
        out["gw"] = m.weight.grad
    return out


def cases():
    out = []
    # (dims, in_ch, out_ch, kernel, stride, padding, dilation, groups, spatial)
    specs = [
        (2, 16, 32, 3, 1, 1, 1, 1, (9, 11)),
        (2, 16, 32, 3, 2, 1, 1, 1, (10, 9)),
        (2, 3, 16, 7, 2, 3, 1, 1, (20, 20)),     # ResNet stem
        (2, 32, 64, 1, 1, 0, 1, 1, (7, 8)),      # 1x1
        (2, 32, 64, 1, 2, 0, 1, 1, (7, 8)),      # 1x1 stride 2 (downsample)
        (2, 16, 32, 3, 1, 2, 2, 1, (9, 9)),      # dilation
        (2, 32, 32, 3, 1, 1, 1, 4, (8, 8)),      # groups
        (2, 32, 32, 3, 1, 1, 1, 32, (8, 8)),     # depthwise (stock by policy)
        (2, 16, 24, (3, 5), (2, 1), (0, 2), 1, 1, (9, 12)),
        (1, 16, 32, 3, 1, 1, 1, 1, (30,)),       # Whisper-style Conv1d
        (1, 16, 32, 3, 2, 1, 1, 1, (31,)),
        (1, 16, 32, 1, 1, 0, 1, 1, (17,)),
        (3, 8, 16, 3, 1, 1, 1, 1, (5, 6, 7)),    # UNet-3D
        (3, 8, 16, 3, 2, 0, 1, 2, (6, 7, 5)),
        (3, 8, 16, 1, 1, 0, 1, 1, (3, 4, 5)),
    ]
    for i, (d, cin, cout, k, s, p, dil, g, sp) in enumerate(specs):
        for layout in (("contig", "cl") if d > 1 else ("contig",)):
            for bias in (True, False):
                # Gradients (stock's backward under our forward) for one
                # spec per dimensionality and the 1x1 path.
                for grad in ((False, True) if bias and i in (0, 3, 9, 12) else (False,)):
                    def f(gen, d=d, cin=cin, cout=cout, k=k, s=s, p=p, dil=dil, g=g, sp=sp, layout=layout, bias=bias,
                          grad=grad):
                        m = getattr(nn, f"Conv{d}d")(cin, cout, k, stride=s, padding=p, dilation=dil, groups=g, bias=bias)
                        with torch.no_grad():
                            for q in m.parameters():
                                q.copy_(torch.randn(q.shape, generator=gen) * 0.2)
                        x = torch.randn((2, cin) + sp, generator=gen)
                        return run_case(m, x, layout, grad)
                    out.append((f"conv{i} {d}d k{k} s{s} p{p} d{dil} g{g} {layout} bias{bias} grad{grad}", f))
    for mode in ("same", "valid"):
        out.append((f"padding {mode}", lambda gen, mode=mode: {"y": F.conv2d(torch.randn(1, 8, 9, 9, generator=gen),
                    torch.randn(16, 8, 4, 3, generator=gen), padding=mode)}))
    out.append(("padding reflect", lambda gen: run_case(nn.Conv2d(8, 16, 3, padding=1, padding_mode="reflect"),
                                                        torch.randn(1, 8, 9, 9, generator=gen), "contig")))
    out.append(("mixed layout input cl weight contig", lambda gen: {"y": F.conv2d(
        torch.randn(1, 8, 9, 9, generator=gen).contiguous(memory_format=torch.channels_last),
        torch.randn(16, 8, 3, 3, generator=gen), padding=1)}))

    def scripted(gen):
        m = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 8, 1))
        t = torch.jit.trace(m, torch.randn(1, 8, 10, 10))
        return {"y": t(torch.randn(1, 8, 10, 10, generator=gen))}
    out.append(("torchscript", scripted))
    out.append(("meta", lambda gen: {"shape": torch.tensor(F.conv2d(torch.empty(2, 8, 9, 9, device="meta"),
                                                                     torch.empty(16, 8, 3, 3, device="meta"),
                                                                     stride=2).shape)}))
    out.append(("fallback f64", lambda gen: {"y": F.conv2d(torch.randn(1, 8, 9, 9, generator=gen).double(),
                                                           torch.randn(16, 8, 3, 3, generator=gen).double())}))
    out.append(("fallback transposed", lambda gen: {"y": nn.ConvTranspose2d(8, 4, 3)(torch.randn(1, 8, 5, 5, generator=gen))}))
    return out


def main():
    results = {}
    torch.manual_seed(0)
    for name, fn in cases():
        torch.manual_seed(zlib.crc32(name.encode()))
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        results[name] = fn(g)
    torch.save(results, sys.argv[1])


if __name__ == "__main__":
    main()
