"""Runs inside aarch64 Python under qemu-aarch64 (tests/arm/run_suite.py
starts it): computes a fixed set of seeded cases and saves every output, and
what it saw of its own threads, to one file that the host compares. The same
script is the stock reference (no preload), the AIO_PROCESS_MODE=0 run and
the aio runs, so every run computes the same things from the same inputs.

argv: OUT_FILE GROUP[,GROUP...]   groups: fp32 lowp bmm llama binding
An import of torch costs ~25 s under qemu, so one run covers many checks."""
import os
import sys
import time

T_START = time.time()
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT, GROUPS = sys.argv[1], sys.argv[2].split(",")
print(f"workload: import torch took {time.time() - T_START:.1f} s, {time.process_time():.1f} s of CPU",
      file=sys.stderr, flush=True)
HAVE_AIO_OPS = hasattr(torch.ops, "aio") and hasattr(torch.ops.aio, "rope")
out = {}


def seeded(seed, *shape, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g).to(dtype)


def linear(seed, k, n, bias):
    torch.manual_seed(seed)
    return nn.Linear(k, n, bias=bias)


# (m, k, n, bias): around the 8x12 NEON tile, odd sizes, M = 1 (decode),
# M > 32 (bf16 dot products) and M > 128 (bf16 rounds activations too).
LINEARS = [(1, 64, 33, True), (3, 257, 100, False), (8, 1024, 512, True), (17, 96, 64, True),
           (64, 512, 256, False), (2, 5, 3, True), (150, 256, 96, True)]


def rope_reference(q, pos, theta):
    """Llama's rotary embedding (transformers' rotate_half form), in fp32."""
    d = q.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = pos.to(torch.float32)[:, None, :, None] * inv  # [b, 1, s, d/2]
    emb = torch.cat([ang, ang], dim=-1)
    cos, sin = emb.cos(), emb.sin()
    rot = torch.cat([-q[..., d // 2:], q[..., :d // 2]], dim=-1)
    return q * cos + rot * sin


def rms_reference(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def group_fp32():
    for i, (m, k, n, bias) in enumerate(LINEARS):
        lin = linear(100 + i, k, n, bias)
        out[f"linear_{m}x{k}x{n}"] = lin(seeded(i, m, k))
    lin = linear(120, 128, 64, True)
    out["linear_3d"] = lin(seeded(20, 2, 7, 128))
    a, b, c = seeded(21, 13, 70), seeded(22, 70, 45), seeded(23, 45)
    out["addmm_beta_alpha"] = torch.addmm(c, a, b, beta=0.5, alpha=2.0)
    out["mm"] = torch.mm(a, b)
    out["mm_wT"] = torch.mm(a, seeded(24, 45, 70).t())
    out["bmm"] = torch.bmm(seeded(25, 4, 33, 64), seeded(26, 4, 64, 40))
    out["baddbmm"] = torch.baddbmm(seeded(27, 4, 33, 40), seeded(25, 4, 33, 64), seeded(26, 4, 64, 40),
                                   beta=0.5, alpha=1.5)
    q, kk = seeded(28, 1, 4, 16, 32), seeded(29, 1, 4, 16, 32)
    out["matmul_qkT"] = q @ kk.transpose(-1, -2)
    # norms
    x, w = seeded(30, 5, 768), seeded(31, 768)
    out["rms_norm"] = F.rms_norm(x, (768,), w, 1e-6)
    out["rms_norm_bf16"] = F.rms_norm(x.bfloat16(), (768,), w.bfloat16(), 1e-6).float()
    ln = nn.LayerNorm(512)
    with torch.no_grad():
        ln.weight.copy_(seeded(32, 512))
        ln.bias.copy_(seeded(33, 512))
    out["layer_norm"] = ln(seeded(34, 7, 512))
    # custom ops against their formulas (stock has no aio ops)
    q = seeded(35, 2, 4, 9, 64)
    pos = torch.arange(3, 12).unsqueeze(0).expand(2, 9).contiguous()
    if HAVE_AIO_OPS:
        out["aio_rope"] = torch.ops.aio.rope(q, pos, 10000.0)
        out["aio_rope_strided"] = torch.ops.aio.rope(q.transpose(1, 2).contiguous().transpose(1, 2), pos, 10000.0)
        out["aio_rms_norm"] = torch.ops.aio.rms_norm(x, w, 1e-6)
    else:
        out["aio_rope"] = rope_reference(q, pos, 10000.0)
        out["aio_rope_strided"] = out["aio_rope"]
        out["aio_rms_norm"] = rms_reference(x, w, 1e-6)
    # softmax
    s = seeded(36, 6, 1000) * 4
    out["softmax"] = torch.softmax(s, -1)
    out["log_softmax"] = torch.log_softmax(s, -1)
    out["softmax_3d"] = torch.softmax(seeded(37, 3, 4, 77), -1)
    # activations, on a length off every vector width and a 2-D tensor
    for shape_name, t in (("n4099", seeded(38, 4099) * 3), ("33x257", seeded(39, 33, 257) * 3)):
        for name, fn in (("gelu", F.gelu), ("gelu_tanh", lambda v: F.gelu(v, approximate="tanh")),
                         ("silu", F.silu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh),
                         ("relu", F.relu), ("relu6", F.relu6), ("leaky_relu", F.leaky_relu),
                         ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid),
                         ("exp", torch.exp), ("log", lambda v: torch.log(v.abs() + 1e-3))):
            out[f"act_{name}_{shape_name}"] = fn(t)
    # attention: causal SDPA, and grouped-query
    q, k, v = seeded(40, 1, 4, 32, 64), seeded(41, 1, 4, 32, 64), seeded(42, 1, 4, 32, 64)
    out["sdpa_causal"] = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    q, k, v = seeded(43, 2, 8, 17, 64), seeded(44, 2, 2, 17, 64), seeded(45, 2, 2, 17, 64)
    out["sdpa_causal_gqa"] = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)


def group_lowp():
    """Linear layers as implicit modes see them: the weight is converted the
    second time it is seen unchanged, so the third call is the measured one."""
    for i, (m, k, n, bias) in enumerate(LINEARS):
        lin = linear(100 + i, k, n, bias)
        x = seeded(i, m, k)
        for _ in range(3):
            y = lin(x)
        out[f"lowp_linear_{m}x{k}x{n}"] = y


def group_bmm():
    """Activation x activation products (the MatMul class)."""
    a, b = seeded(50, 4, 150, 64), seeded(51, 4, 64, 40)
    out["lowp_bmm"] = torch.bmm(a, b)
    q, k = seeded(52, 1, 4, 33, 64), seeded(53, 1, 4, 33, 64)
    out["lowp_matmul_qkT"] = q @ k.transpose(-1, -2)


def group_llama():
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg).eval()
    ids = torch.randint(0, 256, (1, 12), generator=torch.Generator().manual_seed(7))
    for _ in range(2):  # implicit modes convert on the second sighting
        logits = model(ids).logits
    out["llama_logits"] = logits
    out["llama_generate"] = model.generate(ids, max_new_tokens=8, do_sample=False, min_new_tokens=8,
                                           pad_token_id=0)


def group_binding():
    """Where this process's threads may run, after the OpenMP pool ran."""
    x, w = seeded(60, 256, 512), seeded(61, 512, 512)
    for _ in range(3):
        F.gelu(x @ w)
    masks = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            text = open(f"/proc/self/task/{tid}/status").read()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Cpus_allowed_list:"):
                masks[int(tid)] = line.split(":", 1)[1].strip()
    out["_binding"] = {"pid": os.getpid(), "masks": masks, "threads": torch.get_num_threads(),
                       "allowed": sorted(os.sched_getaffinity(0))}


t0 = time.time()
with torch.no_grad():
    for g in GROUPS:
        globals()["group_" + g]()
        print(f"workload: group {g} done at {time.time() - t0:.1f} s, {time.process_time():.1f} s of CPU",
              file=sys.stderr, flush=True)
out["_meta"] = {"have_aio_ops": HAVE_AIO_OPS, "torch": torch.__version__, "seconds": time.time() - t0,
                "cuda": torch.cuda.is_available()}
torch.save(out, OUT)
print(f"workload: {len(out)} entries in {time.time() - t0:.1f} s -> {OUT}")
