"""AIO_HEAP_KEEP_MB: freed tensor memory stays in the heap, so a model's
outputs stop page-faulting on every op. Counted in minor page faults (the
kernel's own count, not a timing); the loop frees 64 MiB of 16 MiB blocks
per step, past glibc's trim threshold, as a model's layers do."""
from conftest import run_py

FAULTS = """
import resource, torch
torch.set_num_threads(1)
def faults(): return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
x = torch.randn(512, 1024)
for _ in range(3):
    ts = [torch.empty(4 << 20).fill_(1) for _ in range(4)]; del ts
f0 = faults()
for _ in range(50):
    ts = [torch.empty(4 << 20).fill_(1) for _ in range(4)]
    y = (x * 2).sum()
    del ts
print(faults() - f0)
"""


def faults(env=None):
    return int(run_py(FAULTS, env=env).stdout.split()[-1])


def test_freed_outputs_do_not_fault_again():
    kept, released = faults(), faults({"AIO_HEAP_KEEP_MB": 0})
    # 50 steps x 64 MiB touched = 819,200 pages if every block faulted in
    # anew; glibc's own heuristics keep some (how many varies with the
    # environment), aio's settings keep nearly all.
    assert released > 50000, released
    assert kept < released / 4, (kept, released)


def test_user_malloc_settings_win():
    p = run_py("import torch", env={"MALLOC_TRIM_THRESHOLD_": "100000", "AIO_DEBUG_MODE": 3})
    assert "AIO_HEAP_KEEP_MB not applied: MALLOC_TRIM_THRESHOLD_ is set" in p.stderr
    assert faults({"MALLOC_TRIM_THRESHOLD_": "100000"}) > 50000
    p = run_py("import torch", env={"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=100000", "AIO_DEBUG_MODE": 3})
    assert "AIO_HEAP_KEEP_MB not applied: GLIBC_TUNABLES is set" in p.stderr


def test_applied_on_activation_only():
    p = run_py("import torch", env={"AIO_DEBUG_MODE": 3})
    assert "aio: heap: blocks up to 32 MiB from the heap, up to 1024 MiB" in p.stderr
    p = run_py("import json", env={"AIO_DEBUG_MODE": 3})  # no torch: inert and silent
    assert p.stderr == ""
    p = run_py("import torch", env={"AIO_DEBUG_MODE": 3, "AIO_PROCESS_MODE": 0})
    assert "heap:" not in p.stderr
