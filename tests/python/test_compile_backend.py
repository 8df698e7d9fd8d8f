"""torch.compile(backend="aio"): there with no import under the preload,
absent without it; same outputs as stock eager on a small Llama and a
BERT-like encoder (fp32 and the implicit int8 filter); Linears sharing an
input merged unless AIO_MERGE_LINEAR=0; merged weights never stale; graph
breaks; grad mode untouched. Models are plain torch (no transformers), so
the test does not depend on what else is installed."""
import json

import pytest

from conftest import run_py, run_py_json

MODELS = r"""
import json, sys, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
torch.set_num_threads(2)

class LlamaBlock(nn.Module):
    def __init__(s, d=96, heads=4, kv=2, inter=176):
        super().__init__()
        s.h, s.kv, s.hd = heads, kv, d // heads
        s.norm1 = nn.RMSNorm(d, eps=1e-6); s.norm2 = nn.RMSNorm(d, eps=1e-6)
        s.q_proj = nn.Linear(d, d, bias=False); s.k_proj = nn.Linear(d, kv * s.hd, bias=False)
        s.v_proj = nn.Linear(d, kv * s.hd, bias=False); s.o_proj = nn.Linear(d, d, bias=False)
        s.gate_proj = nn.Linear(d, inter, bias=False); s.up_proj = nn.Linear(d, inter, bias=False)
        s.down_proj = nn.Linear(inter, d, bias=False)
    def forward(s, x):
        b, t, _ = x.shape
        h = s.norm1(x)
        q = s.q_proj(h).view(b, t, s.h, s.hd).transpose(1, 2)
        k = s.k_proj(h).view(b, t, s.kv, s.hd).transpose(1, 2)
        v = s.v_proj(h).view(b, t, s.kv, s.hd).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        x = x + s.o_proj(a.transpose(1, 2).reshape(b, t, -1))
        h = s.norm2(x)
        return x + s.down_proj(F.silu(s.gate_proj(h)) * s.up_proj(h))

class TinyLlama(nn.Module):
    def __init__(s, vocab=300, d=96, layers=2, graph_break=False):
        super().__init__()
        s.emb = nn.Embedding(vocab, d); s.layers = nn.ModuleList(LlamaBlock(d) for _ in range(layers))
        s.norm = nn.RMSNorm(d); s.lm_head = nn.Linear(d, vocab, bias=False); s.graph_break = graph_break
    def forward(s, ids):
        x = s.emb(ids)
        for i, l in enumerate(s.layers):
            x = l(x)
            if s.graph_break and i == 0:
                torch._dynamo.graph_break()
        return s.lm_head(s.norm(x))

class BertLayer(nn.Module):
    def __init__(s, d=128, heads=4, inter=256):
        super().__init__()
        s.h, s.hd = heads, d // heads
        s.query = nn.Linear(d, d); s.key = nn.Linear(d, d); s.value = nn.Linear(d, d)
        s.dense = nn.Linear(d, d); s.ln1 = nn.LayerNorm(d)
        s.inter = nn.Linear(d, inter); s.out = nn.Linear(inter, d); s.ln2 = nn.LayerNorm(d)
    def forward(s, x):
        b, t, d = x.shape
        sh = lambda y: y.view(b, t, s.h, s.hd).permute(0, 2, 1, 3)
        q, k, v = sh(s.query(x)), sh(s.key(x)), sh(s.value(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / s.hd ** 0.5, -1) @ v
        x = s.ln1(x + s.dense(att.permute(0, 2, 1, 3).reshape(b, t, d)))
        return s.ln2(x + s.out(F.gelu(s.inter(x))))

class TinyBert(nn.Module):
    def __init__(s, layers=2):
        super().__init__()
        s.layers = nn.ModuleList(BertLayer() for _ in range(layers))
    def forward(s, x):
        for l in s.layers:
            x = l(x)
        return x

llama, bert, llama_gb = TinyLlama().eval(), TinyBert().eval(), TinyLlama(graph_break=True).eval()
llama_gb.load_state_dict(llama.state_dict())
g = torch.Generator().manual_seed(1)
ids = [torch.randint(0, 300, (1, t), generator=g) for t in (1, 17)]
xs = [torch.randn(2, 19, 128, generator=g)]
"""

# Everything each mode runs, in order: eager outputs (the reference when run
# without the preload), then with backend="aio" (under the preload).
WORK = MODELS + r"""
compiled, full = sys.argv[1] == "compile", sys.argv[3] == "full"
def c(m):
    return torch.compile(m, backend="aio", options={"modelname": "test"}) if compiled else m
out = {}
with torch.no_grad():
    fl, fb, fg = c(llama), c(bert), c(llama_gb)
    out["llama"] = [fl(i) for i in ids]
    out["bert"] = [fb(x) for x in xs]
    if full:
        out["llama_graph_break"] = [fg(i) for i in ids]
    # In-place update after compile (version counter), a write through .data
    # (no counter), load_state_dict: each must be seen by the next call.
    llama.layers[0].q_proj.weight.mul_(1.5)
    out["after_inplace"] = [fl(ids[1])]
    llama.layers[1].up_proj.weight.data.copy_(torch.randn(llama.layers[1].up_proj.weight.shape, generator=g))
    out["after_data_write"] = [fl(ids[1])]
    sd = {k: v + 0.01 for k, v in bert.state_dict().items()}
    bert.load_state_dict(sd)
    out["after_load_state_dict"] = [fb(xs[0])]
if full:  # grad mode on: the graph runs unchanged, gradients as stock
    torch.manual_seed(3)
    fg2 = c(TinyBert(layers=1).train())
    x = torch.randn(1, 6, 128, requires_grad=True)
    w = torch.randn(1, 6, 128)  # a loss not cancelled by the LayerNorm
    (fg2(x) * w).sum().backward()
    out["grad"] = [x.grad]
torch.save(out, sys.argv[2])
mod = sys.modules.get("_aio_compile")
print(json.dumps({"merged_bytes": mod.merged_linear_bytes() if mod else None,
                  "listed": full and "aio" in torch._dynamo.list_backends()}))
"""


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    p = tmp_path_factory.mktemp("compile") / "work.py"
    p.write_text(WORK)
    return p


@pytest.fixture(scope="module")
def stock(script, tmp_path_factory):
    out = tmp_path_factory.mktemp("stock") / "stock.pt"
    import sys
    from conftest import run
    run([sys.executable, str(script), "eager", str(out), "full"], preload=False)
    import torch
    return torch.load(out)


def _compiled(script, tmp_path, env, full=False):
    import sys
    from conftest import run
    out = tmp_path / "aio.pt"
    p = run([sys.executable, str(script), "compile", str(out), "full" if full else "quick"],
            env={"AIO_DEBUG_MODE": "3", **env})
    import torch
    return torch.load(out), json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def _compare(res, ref, cos_min=None, rel_max=2e-5):
    import torch
    assert set(res) <= set(ref)
    for k in res:
        for a, b in zip(res[k], ref[k]):
            a, b = a.double(), b.double()
            if cos_min is not None:
                cos = torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0).item()
                assert cos > cos_min, (k, cos)
            else:
                rel = ((a - b).norm() / b.norm()).item()
                assert rel < rel_max, (k, rel)


def test_fp32_matches_stock_eager_and_merges(script, stock, tmp_path):
    res, info, err = _compiled(script, tmp_path, {"AIO_PROFILER": "1"}, full=True)
    assert set(res) == set(stock)
    _compare(res, stock)
    # Per Llama layer: QKV and gate/up merged, SiLU*mul fused; per BERT
    # layer: QKV merged, GELU in place on the intermediate Linear.
    assert "2 Linear groups merged, 2 epilogues fused" in err or "4 Linear groups merged, 2 epilogues fused" in err, err
    assert "merging 3 linears, [96, 48, 48] outputs" in err and "merging 2 linears, [176, 176] outputs" in err
    assert "merging 3 linears, [128, 128, 128] outputs" in err
    assert "runs unchanged: grad mode is on" in err
    assert info["merged_bytes"] > 0 and info["listed"]
    assert f"merged_linear_bytes: {info['merged_bytes']} at exit" in err


def test_merge_linear_0_merges_nothing(script, stock, tmp_path):
    res, info, err = _compiled(script, tmp_path, {"AIO_MERGE_LINEAR": "0"})
    _compare(res, stock)
    assert "merging" not in err and " 0 Linear groups merged" in err
    assert info["merged_bytes"] == 0


def test_int8_filter_compiled_matches_stock(script, stock, tmp_path):
    res, _, err = _compiled(script, tmp_path, {"AIO_QUANTIZE_INT8_FILTER": "FullyConnected"})
    _compare(res, stock, cos_min=0.99)
    assert "merging 3 linears" in err


def test_without_aio_backend_is_unknown():
    code = """
import torch
try:
    torch.compile(torch.nn.Linear(2, 2), backend="aio")(torch.ones(1, 2))
except Exception as e:
    print(type(e).__name__, str(e).splitlines()[0])
"""
    p = run_py(code, preload=False)
    assert "InvalidBackend" in p.stdout and "aio" in p.stdout, p.stdout + p.stderr

