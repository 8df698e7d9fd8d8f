"""A small MLP under the preload behaves exactly as stock: autograd,
torch.compile, TorchScript trace + freeze, fork and multiprocessing."""
import json
import os
import sys
import tempfile

import pytest
import torch

from conftest import aio_lines, run, run_py_json

MODEL = """
import json, torch, torch.nn as nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(48, 96), nn.GELU(), nn.Linear(96, 96), nn.ReLU(), nn.Linear(96, 10))
x2 = torch.randn(7, 48)
x3 = torch.randn(3, 5, 48)
def dump(t):
    return t.detach().double().flatten().tolist()
"""


def compare(a, b, rtol=1e-4, atol=1e-5):
    torch.testing.assert_close(torch.tensor(a), torch.tensor(b), rtol=rtol, atol=atol)


def both(code, env=None, **kw):
    """Run code under the preload and stock; return both results."""
    aio, p = run_py_json(MODEL + code, env=env, **kw)
    stock, _ = run_py_json(MODEL + code, preload=False, env=env, **kw)
    return aio, stock, p


ACCEL = """
def accelerated():
    import ctypes
    d = torch._C._dispatch_dump("aten::addmm")
    return "dispatch/module.cpp" in d
"""


def test_forward_and_autograd_match_stock():
    code = ACCEL + """
x = x2.clone().requires_grad_()
y = model(x)
y.pow(2).sum().backward()
out = {"y": dump(y), "dx": dump(x.grad), "ours": accelerated()}
for name, p in model.named_parameters():
    out[name] = dump(p.grad)
y3 = model(x3)
out["y3"] = dump(y3)
print(json.dumps(out))
"""
    aio, stock, _ = both(code)
    assert aio.pop("ours") is True and stock.pop("ours") is False
    assert aio.keys() == stock.keys()
    for k in aio:
        compare(aio[k], stock[k])


def test_inference_mode_and_no_grad():
    code = """
with torch.inference_mode():
    a = model(x3)
with torch.no_grad():
    b = model(x2)
print(json.dumps({"a": dump(a), "b": dump(b)}))
"""
    aio, stock, _ = both(code)
    for k in aio:
        compare(aio[k], stock[k])


def test_torch_compile_runs_and_matches():
    code = """
compiled = torch.compile(model)
with torch.no_grad():
    y = compiled(x2)
    y3 = compiled(x3)
print(json.dumps({"y": dump(y), "y3": dump(y3)}))
"""
    aio, stock, _ = both(code, timeout=600)
    for k in aio:
        compare(aio[k], stock[k])


def test_jit_trace_and_freeze_run_and_match():
    code = """
model.eval()
with torch.no_grad():
    traced = torch.jit.freeze(torch.jit.trace(model, x2))
    y = traced(x2)
    y2 = traced(x2 * 2)
    scripted = torch.jit.freeze(torch.jit.script(model))
    z = scripted(x2)
print(json.dumps({"y": dump(y), "y2": dump(y2), "z": dump(z)}))
"""
    aio, stock, _ = both(code)
    for k in aio:
        compare(aio[k], stock[k])


def test_meta_and_fake_tensors_unaffected():
    code = """
from torch._subclasses.fake_tensor import FakeTensorMode
m = torch.empty(7, 48, device="meta")
ym = torch.nn.functional.linear(m, torch.empty(5, 48, device="meta"), torch.empty(5, device="meta"))
with FakeTensorMode():
    f = torch.nn.functional.linear(torch.empty(3, 4, 48), torch.empty(6, 48), torch.empty(6))
print(json.dumps({"meta": list(ym.shape), "meta_dev": str(ym.device), "fake": list(f.shape)}))
"""
    aio, stock, _ = both(code)
    assert aio == stock == {"meta": [7, 5], "meta_dev": "meta", "fake": [3, 4, 6]}


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_workers(method):
    code = f"""
import multiprocessing as mp
def work(seed):
    torch.manual_seed(seed)
    lin = torch.nn.Linear(64, 32)
    x = torch.randn(9, 64)
    y = lin(x)
    ref = x.double() @ lin.weight.double().t() + lin.bias.double()
    return float((y.double() - ref).abs().max())
if __name__ == "__main__":
    # A GEMM big enough to run on the thread pool before the fork: stock
    # PyTorch's OpenMP pool would hang the forked children after this
    # (pytorch#41197); ours must not.
    torch.nn.functional.linear(torch.randn(64, 512), torch.randn(512, 512))
    with mp.get_context("{method}").Pool(2) as pool:
        errs = pool.map(work, range(4))
    print(json.dumps({{"errs": errs}}))
"""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(MODEL + code)
    try:
        p = run([sys.executable, f.name], timeout=300)
    finally:
        os.unlink(f.name)
    errs = json.loads(p.stdout.strip().splitlines()[-1])["errs"]
    assert len(errs) == 4 and max(errs) < 1e-4
    assert aio_lines(p.stderr) == []


def test_os_fork_child_computes_correctly():
    """Stock PyTorch hangs here: the parent's GEMMs start the OpenMP pool and
    the forked child waits for workers that did not survive the fork
    (pytorch#41197). Under aio the child runs on one thread and is correct."""
    code = """
import os
model(x2)
# Start the pool for sure: aio's small-tensor activations stay serial and
# no longer start it as stock's gelu did.
torch.nn.functional.linear(torch.randn(64, 512), torch.randn(512, 512))
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    y = model(x3)
    os.write(w, json.dumps({"y": dump(y), "threads": torch.get_num_threads()}).encode())
    os._exit(0)
os.close(w)
data = b""
while chunk := os.read(r, 1 << 16):
    data += chunk
os.waitpid(pid, 0)
child = json.loads(data)
print(json.dumps({"child": child["y"], "child_threads": child["threads"], "parent": dump(model(x3))}))
"""
    aio, _ = run_py_json(MODEL + code, timeout=120)
    stock, _ = run_py_json(MODEL + "print(json.dumps(dump(model(x3))))", preload=False)
    compare(aio["child"], stock)
    compare(aio["parent"], stock)
    assert aio["child_threads"] == 1
