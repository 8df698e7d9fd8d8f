"""GPTQ checkpoints on aio's int4/int8 kernels: torch.ops.aio.gptq_linear.

Under the aio preload (build/aio-run or LD_PRELOAD), after loading a
GPTQ-format transformers model (AutoGPTQ / optimum / transformers' GPTQ
integration, "v1" packing: qzeros store zero - 1):

    import sys; sys.path.insert(0, "examples")
    from aio_gptq import swap_gptq_linears
    n = swap_gptq_linears(model)   # each quantized Linear -> AioGPTQLinear

Every module with `qweight`, `qzeros`, `scales`, `g_idx` tensors and a
`bits` of 4 or 8 is replaced in place by an AioGPTQLinear holding the very
same tensors (no copy) and calling torch.ops.aio.gptq_linear. Act-order
checkpoints (g_idx not sorted) are supported. Also here: `pack_gptq`, the
project's reference packer (round-to-nearest quantization in GPTQ's
packing: tests and benches make checkpoints from random weights with it,
offline), and `dequantize_gptq`, the float64 reference of the format.
"""
import torch


def pack_gptq(weight, bits=4, group_size=128, act_order=False, generator=None):
    """weight [N, K] float -> dict(qweight, qzeros, scales, g_idx, bits) in
    GPTQ's v1 packing, asymmetric min/max per group (round to nearest).
    act_order: input columns are assigned to groups in a random order (as
    GPTQ's desc_act does by Hessian order), so g_idx is not sorted."""
    assert bits in (4, 8)
    w = weight.detach().double()
    n, k = w.shape
    pf, maxq = 32 // bits, (1 << bits) - 1
    gs = k if group_size in (-1, None) else group_size
    assert k % pf == 0 and n % pf == 0 and k % gs == 0
    groups = k // gs
    order = torch.randperm(k, generator=generator) if act_order else torch.arange(k)
    g_idx = torch.empty(k, dtype=torch.int32)
    g_idx[order] = (torch.arange(k) // gs).to(torch.int32)
    scales = torch.empty(groups, n, dtype=torch.float64)
    zeros = torch.empty(groups, n, dtype=torch.int64)
    for g in range(groups):
        cols = w[:, g_idx == g]
        lo = cols.min(1).values.clamp(max=0)
        hi = cols.max(1).values.clamp(min=0)
        s = ((hi - lo) / maxq).clamp(min=1e-10)
        scales[g] = s
        zeros[g] = torch.round(-lo / s).clamp(1, maxq)  # >= 1: v1 stores zero - 1
    scales16 = scales.to(torch.float16)
    s_full = scales16.double()[g_idx.long()].t()  # [n, k]
    z_full = zeros[g_idx.long()].t()
    q = torch.clamp(torch.round(w / s_full) + z_full, 0, maxq).to(torch.int64)  # [n, k]
    qt = q.t().contiguous()  # [k, n]
    qweight = torch.zeros(k // pf, n, dtype=torch.int64)
    for j in range(pf):
        qweight |= qt[j::pf] << (bits * j)
    qzeros = torch.zeros(groups, n // pf, dtype=torch.int64)
    zm1 = zeros - 1
    for j in range(pf):
        qzeros |= zm1[:, j::pf] << (bits * j)
    def as_i32(t):  # the low 32 bits as int32 (two's complement)
        u = t & 0xFFFFFFFF
        return torch.where(u >= 1 << 31, u - (1 << 32), u).to(torch.int32)
    return dict(qweight=as_i32(qweight), qzeros=as_i32(qzeros), scales=scales16, g_idx=g_idx, bits=bits)


def dequantize_gptq(qweight, qzeros, scales, g_idx, bits):
    """The format's meaning in float64: W [N, K]."""
    pf, mask = 32 // bits, (1 << bits) - 1
    qw = qweight.to(torch.int64) & 0xFFFFFFFF
    k, n = qw.shape[0] * pf, qw.shape[1]
    q = torch.stack([(qw >> (bits * j)) & mask for j in range(pf)], 1).reshape(k, n)
    qz = qzeros.to(torch.int64) & 0xFFFFFFFF
    z = torch.stack([(qz >> (bits * j)) & mask for j in range(pf)], 2).reshape(qz.shape[0], -1)[:, :n] + 1
    gi = g_idx.long()
    return (scales.double()[gi] * (q.double() - z.double()[gi])).t()


class AioGPTQLinear(torch.nn.Module):
    """A GPTQ-quantized Linear run by torch.ops.aio.gptq_linear."""

    def __init__(self, qweight, qzeros, scales, g_idx, bits, bias=None):
        super().__init__()
        self.bits = int(bits)
        self.in_features = qweight.shape[0] * (32 // self.bits)
        self.out_features = qweight.shape[1]
        for name, t in (("qweight", qweight), ("qzeros", qzeros), ("scales", scales), ("g_idx", g_idx)):
            self.register_buffer(name, t)
        self.register_buffer("bias", bias)

    @classmethod
    def from_module(cls, m):
        bias = getattr(m, "bias", None)
        return cls(m.qweight, m.qzeros, m.scales, m.g_idx, m.bits, bias if isinstance(bias, torch.Tensor) else None)

    def forward(self, x):
        return torch.ops.aio.gptq_linear(x, self.qweight, self.qzeros, self.scales, self.g_idx, self.bits, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bits={self.bits}"


def is_gptq_linear(m):
    return (all(isinstance(getattr(m, a, None), torch.Tensor) for a in ("qweight", "qzeros", "scales", "g_idx"))
            and getattr(m, "bits", None) in (4, 8) and not isinstance(m, AioGPTQLinear))


def swap_gptq_linears(model):
    """Replaces every GPTQ quantized linear module of model in place; returns
    how many. Needs the aio preload (torch.ops.aio.gptq_linear)."""
    if not hasattr(torch.ops.aio, "gptq_linear"):
        raise RuntimeError("torch.ops.aio.gptq_linear is missing: run under the aio preload (build/aio-run)")
    swaps = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
             if is_gptq_linear(child)]
    for parent, name, child in swaps:
        setattr(parent, name, AioGPTQLinear.from_module(child))
    return len(swaps)
