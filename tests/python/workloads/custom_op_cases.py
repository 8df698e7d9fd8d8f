"""torch.ops.aio.rms_norm / torch.ops.aio.rope under the preload, checked
in-process against the spec's reference Python (rotate_half /
apply_rotary_pos_emb with Llama's rotary embedding; RMSNorm as pow/mean/
rsqrt/mul), plus meta/fake tensors, torch.compile, the forward-only
backward and bad-input errors. Prints one JSON line of findings."""
import json
import sys

import torch
import torch.nn.functional as F

TOL = {torch.float32: 1e-5, torch.bfloat16: 2 ** -7, torch.float16: 2 ** -9, torch.float64: 1e-12}


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_reference(q, position_ids, theta):
    """Llama: cos/sin from inv_freq and positions (fp32), then
    apply_rotary_pos_emb with unsqueeze_dim=1, computed in fp32/fp64."""
    ct = torch.float64 if q.dtype == torch.float64 else torch.float32
    d = q.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float) / d))
    freqs = position_ids[..., None].to(ct) * inv_freq.to(ct)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)
    qf = q.to(ct)
    return (qf * cos) + (rotate_half(qf) * sin)


def rms_reference(x, w, eps):
    ct = torch.float64 if x.dtype == torch.float64 else torch.float32
    xf = x.to(ct)
    y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return y * w.to(ct) if w is not None else y


def rel_err(got, want):
    """max |got - want| relative to the largest |want| of the row: the
    scale rounding errors live on (elementwise relative error is
    meaningless for outputs that cancel to ~0)."""
    if got.numel() == 0:
        return 0.0
    want = want.double()
    scale = want.abs().amax(dim=-1, keepdim=True).clamp_min(1e-30)
    return ((got.double() - want).abs() / scale).max().item()


def main():
    g = torch.Generator().manual_seed(0)
    res = {"rms": [], "rope": [], "errors": {}}

    def rnd(*shape, dtype=torch.float32):
        return torch.randn(shape, generator=g).to(dtype)

    for dt in (torch.float32, torch.bfloat16, torch.float16, torch.float64):
        for n in (1, 2, 15, 16, 17, 63, 64, 65, 768, 4097):
            for layout in ("contig", "slice", "transposed", "3d"):
                if layout == "contig":
                    x = rnd(5, n, dtype=dt)
                elif layout == "slice":
                    x = rnd(5, n + 3, dtype=dt)[:, 1:n + 1]
                elif layout == "transposed":
                    x = rnd(n, 5, dtype=dt).t()
                else:
                    x = rnd(2, 3, n, dtype=dt)
                for w in (rnd(n, dtype=dt), None):
                    y = torch.ops.aio.rms_norm(x, w, 1e-6)
                    ok_meta = y.shape == x.shape and y.dtype == x.dtype and y.is_contiguous()
                    err = rel_err(y, rms_reference(x, w, 1e-6))
                    res["rms"].append([str(dt), n, layout, w is not None, err, err <= TOL[dt] and ok_meta])
        # Weight of another dtype is cast to the input's.
    y = torch.ops.aio.rms_norm(rnd(3, 32, dtype=torch.bfloat16), rnd(32), 1e-5)
    res["rms_mixed_dtype"] = str(y.dtype)

    cases = []
    for dt in (torch.float32, torch.bfloat16, torch.float16, torch.float64):
        for d in (2, 6, 32, 64, 128):
            cases.append((dt, 2, 3, 7, d, "transposed", False, 2048, 10000.0))
        cases.append((dt, 1, 4, 1, 128, "contig", False, 5000, 500000.0))  # decode step
        cases.append((dt, 2, 2, 9, 64, "contig", True, 100, 10000.0))       # [1, seq] positions
        cases.append((dt, 2, 2, 5, 34, "last_strided", False, 50, 10000.0))
    cases.append((torch.float32, 1, 2, 4, 16, "negative_pos", False, 10, 10000.0))
    cases.append((torch.float32, 1, 2, 4, 16, "float_pos", False, 10, 10000.0))
    cases.append((torch.float32, 1, 2, 0, 16, "contig", False, 10, 10000.0))  # empty seq
    for dt, b, h, s, d, layout, bcast, maxpos, theta in cases:
        if layout == "transposed":  # q_proj(x).view(b, s, h, d).transpose(1, 2)
            q = rnd(b, s, h, d, dtype=dt).transpose(1, 2)
        elif layout == "last_strided":
            q = rnd(b, h, s, 2 * d, dtype=dt)[..., ::2]
        else:
            q = rnd(b, h, s, d, dtype=dt)
        pos = torch.randint(0, maxpos, (1 if bcast else b, s), generator=g)
        if layout == "negative_pos":
            pos = pos - 5
        if layout == "float_pos":
            pos = pos.float() + 0.5
        y = torch.ops.aio.rope(q, pos, theta)
        want = rope_reference(q, pos.expand(b, s), theta)
        err = rel_err(y, want)
        # fp32 angles carry pos * 2^-24 of rounding in the reference itself.
        tol = TOL[dt] + (maxpos * 2 ** -23 if dt == torch.float64 else 0)
        ok = y.shape == q.shape and y.dtype == q.dtype and y.is_contiguous() and err <= tol
        res["rope"].append([str(dt), b, h, s, d, layout, bcast, maxpos, theta, err, ok])

    # Meta and fake tensors: shapes and dtypes only.
    xm = torch.empty(4, 7, 96, device="meta", dtype=torch.bfloat16)
    qm = torch.empty(2, 8, 5, 64, device="meta", dtype=torch.float16)
    pm = torch.empty(1, 5, device="meta", dtype=torch.long)
    res["meta"] = [list(torch.ops.aio.rms_norm(xm, None, 1e-6).shape), str(torch.ops.aio.rms_norm(xm, None, 1e-6).dtype),
                   list(torch.ops.aio.rope(qm, pm, 1e4).shape), str(torch.ops.aio.rope(qm, pm, 1e4).dtype)]
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode() as mode:
        fx = mode.from_tensor(torch.randn(3, 64))
        fq = mode.from_tensor(torch.randn(1, 2, 3, 16))
        fp = mode.from_tensor(torch.arange(3).view(1, 3))
        res["fake"] = [list(torch.ops.aio.rms_norm(fx, None, 1e-6).shape), list(torch.ops.aio.rope(fq, fp, 1e4).shape),
                       list(F.rms_norm(fx, (64,)).shape)]

    # torch.compile(fullgraph) over the custom ops and F.rms_norm.
    def block(x, w, q, pos):
        return torch.ops.aio.rms_norm(x, w, 1e-6) * 2, torch.ops.aio.rope(q, pos, 10000.0) + 1, F.rms_norm(x, (64,), w, 1e-6)
    x, w, q, pos = rnd(3, 64), rnd(64), rnd(1, 2, 3, 16), torch.arange(3).view(1, 3)
    eager = block(x, w, q, pos)
    compiled = torch.compile(block, fullgraph=True)(x, w, q, pos)
    res["compile"] = max((a - b).abs().max().item() for a, b in zip(eager, compiled))

    # Forward-only: backward raises a clear error.
    for name, fn in (("rms_norm", lambda t: torch.ops.aio.rms_norm(t, None, 1e-6)),
                     ("rope", lambda t: torch.ops.aio.rope(t.view(1, 1, 2, 4), torch.arange(2).view(1, 2), 1e4))):
        t = torch.randn(2, 4, requires_grad=True)
        out = fn(t)
        res[f"requires_grad_{name}"] = out.requires_grad
        try:
            out.sum().backward()
            res["errors"][f"backward_{name}"] = "no error"
        except RuntimeError as e:
            res["errors"][f"backward_{name}"] = str(e).splitlines()[0]
    with torch.no_grad():
        res["no_grad_ok"] = not torch.ops.aio.rms_norm(torch.randn(2, 4, requires_grad=True), None, 1e-6).requires_grad

    # Bad input: one clear error, the process keeps going.
    for name, fn in (("rope_rank", lambda: torch.ops.aio.rope(torch.randn(2, 3, 8), torch.zeros(2, 3, dtype=torch.long), 1e4)),
                     ("rope_odd", lambda: torch.ops.aio.rope(torch.randn(1, 1, 2, 5), torch.zeros(1, 2, dtype=torch.long), 1e4)),
                     ("rope_pos", lambda: torch.ops.aio.rope(torch.randn(1, 1, 2, 4), torch.zeros(1, 3, dtype=torch.long), 1e4)),
                     ("rms_weight", lambda: torch.ops.aio.rms_norm(torch.randn(2, 4), torch.randn(5), 1e-6)),
                     ("rms_int", lambda: torch.ops.aio.rms_norm(torch.ones(2, 4, dtype=torch.long), None, 1e-6))):
        try:
            fn()
            res["errors"][name] = "no error"
        except RuntimeError as e:
            res["errors"][name] = str(e).splitlines()[0]
    res["alive"] = torch.ops.aio.rms_norm(torch.ones(1, 4), None, 0.0).sum().item()
    print(json.dumps(res))


if __name__ == "__main__":
    main()
