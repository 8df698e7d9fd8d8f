"""Runs a few parallel ops and reports, as one JSON line, where every thread
of this process may run (from /proc, as an outside observer sees it), which
threads the ops started (the OpenMP pool), the memory policy of the main
thread, and optionally what fork / spawn DataLoader workers and a subprocess
see. argv: any of "loader", "subprocess", "sample", "setthreads1"."""
import ctypes
import json
import os
import subprocess
import sys
import threading
import time

import torch


def tasks():
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            text = open(f"/proc/self/task/{tid}/status").read()
        except OSError:
            continue
        d = dict(l.split(":\t", 1) for l in text.splitlines() if ":\t" in l)
        out[int(tid)] = {"cpus": d["Cpus_allowed_list"].strip(), "mems": d["Mems_allowed_list"].strip()}
    return out


def mempolicy():
    """get_mempolicy(2) of the calling thread: (mode, node mask)."""
    libc = ctypes.CDLL(None, use_errno=True)
    mode = ctypes.c_int(-1)
    mask = (ctypes.c_ulong * 16)()
    nr = {"x86_64": 239, "aarch64": 236}[os.uname().machine]
    rc = libc.syscall(nr, ctypes.byref(mode), mask, ctypes.c_ulong(1024), ctypes.c_void_p(0), ctypes.c_ulong(0))
    return [mode.value, mask[0]] if rc == 0 else ["errno", ctypes.get_errno()]


def work():
    torch.manual_seed(0)
    x = torch.randn(256, 512)
    w = torch.randn(512, 512)
    for _ in range(3):
        y = torch.nn.functional.gelu(x @ w)
        torch.nn.functional.gelu(torch.randn(1 << 18))
    return float(y.sum())


class DS(torch.utils.data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        # A string passes through the DataLoader's collation untouched.
        return json.dumps({"cpus": sorted(os.sched_getaffinity(0)), "threads": torch.get_num_threads()})


def loader(ctx):
    dl = torch.utils.data.DataLoader(DS(), num_workers=1, multiprocessing_context=ctx, batch_size=None)
    return [json.loads(s) for s in dl]


def main():
    args = set(sys.argv[1:])
    main_tid = threading.get_native_id()
    before = set(tasks())
    seen = set()
    stop = threading.Event()
    sampler_tid = []

    def sample():  # the main thread's mask while it runs parallel regions
        sampler_tid.append(threading.get_native_id())
        while not stop.is_set():
            seen.add(tasks().get(main_tid, {}).get("cpus"))
            time.sleep(0.0002)

    if "sample" in args:
        t = threading.Thread(target=sample)
        t.start()
        t0 = time.time()
        while time.time() - t0 < 0.6:
            work()
        stop.set()
        t.join()
    if "setthreads1" in args:
        torch.set_num_threads(1)
    result = work()
    after = tasks()
    new = sorted(set(after) - before - set(sampler_tid))
    r = {
        "pid": os.getpid(),
        "torch_threads": torch.get_num_threads(),
        "main": after[main_tid],
        "new": [after[t] for t in new],
        "others": [v for t, v in after.items() if t != main_tid and t not in new],
        "mempolicy": mempolicy(),
        "result": result,
        "seen_main": sorted(s for s in seen if s),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_", "KMP_"))},
    }
    if "loader" in args:
        r["loader_fork"] = loader("fork")
        r["loader_spawn"] = loader("spawn")
    if "subprocess" in args:
        r["subprocess"] = subprocess.run(["sh", "-c", "sed -n 's/^Cpus_allowed_list:\t//p' /proc/self/status"],
                                         capture_output=True, text=True).stdout.strip()
    print(json.dumps(r))


if __name__ == "__main__":
    main()
