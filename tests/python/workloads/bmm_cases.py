"""Runs bmm/baddbmm/matmul and explicit fp16/bf16 GEMM cases and saves
{name: tensor} to argv[1]. Run with and without aio; the tests compare.
BMM_CASES_SET=lowp|fp32|implicit|all (default all)."""
import os
import sys

import torch

torch.manual_seed(0)
out = {}
which = os.environ.get("BMM_CASES_SET", "all")


def r(*shape, dtype=torch.float32):
    return torch.randn(*shape).to(dtype)


def fp32_cases():
    # Attention-like and edge shapes, B as row-major and as transposed view.
    # Matrices of more than 8 rows and under 2^16 multiply-adds go to stock
    # by policy (3x12x1x32, 5x16x32x1 check that path); the rest run aio.
    sizes = [(1, 1, 1, 1), (3, 5, 7, 9), (12, 13, 33, 160), (4, 31, 17, 128), (2, 1, 65, 64),
             (16, 64, 64, 64), (12, 128, 128, 64), (3, 12, 1, 32), (1, 300, 70, 40), (5, 16, 32, 1),
             (2, 61, 97, 33), (3, 8, 300, 7)]
    for (b, m, n, k) in sizes:
        a = r(b, m, k)
        out[f"bmm_{b}x{m}x{n}x{k}"] = torch.bmm(a, r(b, k, n))
        out[f"bmm_bt_{b}x{m}x{n}x{k}"] = torch.bmm(a, r(b, n, k).transpose(1, 2))
        s = r(n)
        out[f"baddbmm_{b}x{m}x{n}x{k}"] = torch.baddbmm(s, a, r(b, k, n), beta=0.5, alpha=2.0)
        out[f"baddbmm_full_{b}x{m}x{n}x{k}"] = torch.baddbmm(r(b, m, n), a, r(b, n, k).transpose(1, 2))
    # Transposed A (a stride pattern the kernel does not take), expanded
    # batch (stride 0), sliced batch stride, non-contiguous A rows.
    a = r(4, 40, 64)
    out["bmm_at"] = torch.bmm(r(4, 64, 40).transpose(1, 2), r(4, 64, 50))
    out["bmm_expand_b"] = torch.bmm(a, r(1, 64, 50).expand(4, 64, 50))
    out["bmm_expand_a"] = torch.bmm(r(1, 40, 64).expand(4, 40, 64), r(4, 64, 50))
    out["bmm_slice"] = torch.bmm(r(8, 40, 130)[::2, :, ::2][:, :, :64], r(4, 64, 60)[:, :, :50])
    out["bmm_rows"] = torch.bmm(r(4, 80, 64)[:, ::2, :], r(4, 64, 50))
    out["bmm_bt_slice"] = torch.bmm(a, r(4, 60, 70)[:, :50, :64].transpose(1, 2))
    out["bmm_batch0"] = torch.bmm(r(0, 3, 4), r(0, 4, 5))
    out["bmm_k0"] = torch.bmm(r(2, 3, 0), r(2, 0, 5))
    out["baddbmm_alpha0"] = torch.baddbmm(r(2, 3, 5), r(2, 3, 4), r(2, 4, 5), alpha=0.0)
    out["baddbmm_beta0_nan"] = torch.baddbmm(torch.full((2, 3, 5), float("nan")), r(2, 3, 4), r(2, 4, 5), beta=0.0)
    # out= variants: fresh, wrong shape (stock resizes), aliasing self.
    o = torch.empty(3, 17, 90)
    torch.bmm(r(3, 17, 110), r(3, 110, 90), out=o)
    out["bmm_out"] = o
    o = torch.empty(0)
    torch.bmm(r(3, 17, 110), r(3, 110, 90), out=o)
    out["bmm_out_resize"] = o
    o = r(3, 17, 90)
    torch.baddbmm(o, r(3, 17, 110), r(3, 110, 90), beta=0.5, out=o)
    out["baddbmm_out_alias"] = o
    o = r(3, 17, 90)
    o.baddbmm_(r(3, 17, 110), r(3, 110, 90))
    out["baddbmm_inplace"] = o
    # torch.matmul: 3-D x 3-D, 4-D (folds to bmm), 3-D x 2-D (folds to mm),
    # broadcast batch.
    q, k, v = r(2, 4, 33, 64), r(2, 4, 40, 64), r(2, 4, 40, 64)
    p = torch.softmax(q @ k.transpose(-2, -1) / 8.0, dim=-1)
    out["matmul_4d_qk"] = q @ k.transpose(-2, -1)
    out["matmul_4d_pv"] = p @ v
    out["matmul_3d2d"] = r(3, 17, 24) @ r(24, 19)
    out["matmul_bcast"] = r(3, 1, 17, 24) @ r(5, 24, 19)
    out["matmul_double"] = r(3, 5, 6, dtype=torch.float64) @ r(3, 6, 7, dtype=torch.float64)
    # Autograd through bmm (its backward runs bmm with transposed views).
    qa, ka = r(6, 40, 64).requires_grad_(), r(6, 48, 64).requires_grad_()
    va = r(6, 48, 40).requires_grad_()
    y = torch.softmax(torch.bmm(qa, ka.transpose(1, 2)), -1).bmm(va)
    (y * r(6, 40, 40)).sum().backward()
    out["grad_y"] = y.detach()
    out["grad_q"], out["grad_k"], out["grad_v"] = qa.grad, ka.grad, va.grad


def lowp_cases():
    for dt in (torch.bfloat16, torch.float16):
        tag = str(dt).split(".")[1]
        for (m, k, n) in [(1, 64, 48), (4, 256, 130), (37, 128, 96), (1, 40, 24), (200, 96, 64), (129, 64, 33)]:
            lin = torch.nn.Linear(k, n).to(dt)
            x = r(m, k, dtype=dt)
            with torch.no_grad():
                out[f"linear_{tag}_{m}x{k}x{n}"] = lin(x)
                out[f"linear_nobias_{tag}_{m}x{k}x{n}"] = torch.nn.functional.linear(x, lin.weight)
                out[f"linear3d_{tag}_{m}x{k}x{n}"] = lin(x.reshape(1, m, k))
        out[f"mm_{tag}"] = torch.mm(r(9, 33, dtype=dt), r(33, 40, dtype=dt))
        out[f"mm_wt_{tag}"] = torch.mm(r(9, 32, dtype=dt), r(40, 32, dtype=dt).t())
        out[f"addmm_beta_{tag}"] = torch.addmm(r(9, 40, dtype=dt), r(9, 32, dtype=dt), r(40, 32, dtype=dt).t(),
                                               beta=0.5, alpha=2.0)
        o = torch.empty(9, 40, dtype=dt)
        torch.mm(r(9, 32, dtype=dt), r(40, 32, dtype=dt).t(), out=o)
        out[f"mm_out_{tag}"] = o
        o = r(9, 40, dtype=dt)
        torch.addmm(o, r(9, 32, dtype=dt), r(40, 32, dtype=dt).t(), out=o)
        out[f"addmm_out_alias_{tag}"] = o
        out[f"bmm_{tag}"] = torch.bmm(r(6, 40, 64, dtype=dt), r(6, 33, 64, dtype=dt).transpose(1, 2))
        out[f"bmm_pv_{tag}"] = torch.bmm(r(6, 40, 33, dtype=dt), r(6, 33, 64, dtype=dt))
        out[f"baddbmm_{tag}"] = torch.baddbmm(r(48, dtype=dt), r(6, 40, 64, dtype=dt), r(6, 64, 48, dtype=dt),
                                              beta=0.25)
        # A self of another dtype must still raise, as in stock.
        try:
            torch.addmm(r(40), r(9, 32, dtype=dt), r(40, 32, dtype=dt).t())
            out[f"addmm_mixed_{tag}"] = torch.tensor(0.0)
        except RuntimeError:
            out[f"addmm_mixed_{tag}"] = torch.tensor(1.0)
        # Autograd in bf16/fp16: grads through addmm/mm.
        lin = torch.nn.Linear(32, 24).to(dt)
        x = r(5, 32, dtype=dt).requires_grad_()
        lin(x).float().square().sum().backward()
        out[f"grad_x_{tag}"], out[f"grad_w_{tag}"] = x.grad, lin.weight.grad


def implicit_cases():
    # Run under the implicit bf16 filters: MatMul (bmm) and FullyConnected
    # at large M go to the bf16-dot kernel; small shapes stay fp32.
    for (b, m, n, k) in [(12, 64, 64, 64), (4, 100, 70, 128), (2, 40, 33, 35)]:
        a = r(b, m, k)
        out[f"imp_bmm_{b}x{m}x{n}x{k}"] = torch.bmm(a, r(b, n, k).transpose(1, 2))
        out[f"imp_baddbmm_{b}x{m}x{n}x{k}"] = torch.baddbmm(r(n), a, r(b, k, n), beta=0.5)
    out["imp_bmm_small"] = torch.bmm(r(3, 4, 5), r(3, 5, 6))
    for (m, k, n) in [(200, 96, 80), (300, 64, 130), (64, 64, 64)]:
        lin = torch.nn.Linear(k, n)
        x = r(m, k)
        with torch.no_grad():
            lin(x)  # first use fills the weight cache
            out[f"imp_linear_{m}x{k}x{n}"] = lin(x)


if which == "implicit":
    implicit_cases()
if which in ("fp32", "all"):
    fp32_cases()
if which in ("lowp", "all"):
    lowp_cases()
torch.save(out, sys.argv[1])
