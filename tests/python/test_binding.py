"""Threads, core binding and memory binding, observed from outside the way a
user would check them: /proc/<pid>/task/*/status (Cpus_allowed_list,
Mems_allowed_list), get_mempolicy, thread counts, and what DataLoader
workers and subprocesses inherit. The VM has CPUs 0 and 1, no SMT and one
NUMA node; fake sysfs trees (tests/fixtures/sysfs) stand in for SMT and
other NUMA nodes, and a seccomp filter stands in for a container that
refuses memory policies.

Every probe is an independent subprocess; they run a few at a time in one
session-scoped fixture to keep the suite short."""
import concurrent.futures
import json
import os
import subprocess
import sys

import pytest

from conftest import AIO_RUN, PRELOAD, ROOT, aio_lines, clean_env

PROBE = str(ROOT / "tests" / "python" / "workloads" / "binding_probe.py")
SYSFS = ROOT / "tests" / "fixtures" / "sysfs"
DENY_SRC = ROOT / "tests" / "fixtures" / "seccomp" / "deny_mempolicy.c"
MPOL_DEFAULT, MPOL_BIND = 0, 2

pytestmark = pytest.mark.skipif(sorted(os.sched_getaffinity(0)) != [0, 1],
                                reason="these checks are written for CPUs 0 and 1 (the project VM)")


def preloaded(env=None):
    e = clean_env(**(env or {}))
    e["LD_PRELOAD"] = str(PRELOAD.resolve())
    return e


# name -> (command prefix, environment, probe arguments). preload=None: stock.
CASES = {
    "stock": ([], None, []),
    "default": ([], {}, ["sample", "subprocess"]),
    "off": ([], {"AIO_PROCESS_MODE": "0", "AIO_NUMA_CPUS": "1", "AIO_NUM_THREADS": "1"}, []),
    "nobind": ([], {"AIO_CPU_BIND": "0", "AIO_MEM_BIND": "0"}, []),
    "numa_spaces_reversed": ([], {"AIO_NUMA_CPUS": "1 0"}, []),
    "numa_one_core": ([], {"AIO_NUMA_CPUS": "1", "AIO_NUM_THREADS": "2"}, ["subprocess"]),
    "skip0": ([], {"AIO_SKIP_MASTER_THREAD": "0"}, ["sample", "subprocess", "loader"]),
    "taskset": (["taskset", "-c", "1", str(AIO_RUN)], {}, ["subprocess"]),
    "threads1": ([], {"AIO_NUM_THREADS": "1", "AIO_MEM_BIND": "1"}, []),
    "threads2_omp1": ([], {"AIO_NUM_THREADS": "2", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, []),
    "set_num_threads": ([], {"AIO_NUM_THREADS": "2"}, ["setthreads1"]),
    "mem_refused": (["DENY"], {"AIO_MEM_BIND": "1"}, []),
    "mem_refused_default": (["DENY"], {}, []),
    "mem_node7": ([], {"AIO_MEM_BIND": "1", "AIO_INTERNAL_SYSFS_CPU": str(SYSFS / "node7")}, []),
    "smt": ([], {"AIO_INTERNAL_SYSFS_CPU": str(SYSFS / "smt2")}, []),
}


@pytest.fixture(scope="session")
def deny_mempolicy(tmp_path_factory):
    exe = tmp_path_factory.mktemp("seccomp") / "deny_mempolicy"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(DENY_SRC)], check=True)
    return str(exe)


@pytest.fixture(scope="session")
def probes(deny_mempolicy):
    def one(name):
        prefix, env, args = CASES[name]
        prefix = [deny_mempolicy if p == "DENY" else p for p in prefix]
        e = clean_env(**(env or {})) if name == "stock" else preloaded(env)
        if prefix[-1:] == [str(AIO_RUN)]:
            e.pop("LD_PRELOAD")  # aio-run adds it
        p = subprocess.run(prefix + [sys.executable, PROBE, *args], env=e, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, f"{name}: exit {p.returncode}\n{p.stderr}"
        return name, (json.loads(p.stdout.strip().splitlines()[-1]), p.stderr)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        return dict(ex.map(one, CASES))


def cpus(r):
    return [t["cpus"] for t in r["new"]]


def test_stock_pool_workers_float(probes):
    r, _ = probes["stock"]
    assert r["torch_threads"] == 2
    assert cpus(r) == ["0-1"]  # one OpenMP worker, unpinned
    r, err = probes["off"]  # AIO_PROCESS_MODE=0: every other variable ignored
    assert (r["torch_threads"], cpus(r), r["main"]["cpus"]) == (2, ["0-1"], "0-1"), r
    assert r["mempolicy"] == [MPOL_DEFAULT, 0] and aio_lines(err) == [], err
    r, err = probes["nobind"]  # AIO_CPU_BIND=0: as stock
    assert cpus(r) == ["0-1"] and r["main"]["cpus"] == "0-1"
    assert aio_lines(err) == [], err


def test_default_pins_the_worker_and_nothing_else(probes):
    r, err = probes["default"]
    assert aio_lines(err) == [], err
    assert r["torch_threads"] == 2
    assert cpus(r) == ["1"]  # worker 1 -> core 1; core 0 is the master's
    assert r["main"]["cpus"] == "0-1"  # the importing thread is not pinned
    assert all(t["cpus"] == "0-1" for t in r["others"]), r["others"]
    assert all(t["mems"] == "0" for t in r["new"] + r["others"] + [r["main"]])
    # No inherited single-core trap: no OpenMP binding variables were set,
    # and children of every kind get the whole mask.
    assert r["env"] == {}, r["env"]
    assert r["subprocess"] == "0-1"
    # AIO_SKIP_MASTER_THREAD=1 (the default): the master is never pinned.
    assert r["seen_main"] == ["0-1"]
    stock, _ = probes["stock"]
    assert r["result"] == pytest.approx(stock["result"], rel=1e-3)


def test_numa_cpus_in_list_order(probes):
    r, err = probes["numa_spaces_reversed"]  # the spec's grammar; "0-1" ranges: unit tests
    assert cpus(r) == ["0"]  # "1 0": worker 1 takes the 2nd listed core
    assert r["main"]["cpus"] == "0-1" and aio_lines(err) == [], err


def test_numa_cpus_confines_the_process(probes):
    r, err = probes["numa_one_core"]
    assert r["torch_threads"] == 2
    assert cpus(r) == ["1"] and r["main"]["cpus"] == "1"
    assert all(t["cpus"] == "1" for t in r["others"])
    assert r["subprocess"] == "1"
    warn = [l for l in aio_lines(err) if "share cores" in l]
    assert len(warn) == 1, err  # oversubscription is said once


def test_skip_master_thread_0(probes):
    r, err = probes["skip0"]
    assert aio_lines(err) == [], err
    # The master is on core 0 while it runs regions, back on the whole mask
    # between them (default: never pinned, see above).
    assert "0" in r["seen_main"], r["seen_main"]
    assert r["main"]["cpus"] == "0-1"
    assert cpus(r) == ["1"]
    # Children started by the master get the whole mask: a subprocess, fork
    # and spawn DataLoader workers (which also keep DataLoader's one thread).
    assert r["subprocess"] == "0-1"
    for ctx in ("loader_fork", "loader_spawn"):
        assert [w["cpus"] for w in r[ctx]] == [[0, 1], [0, 1]], (ctx, r[ctx])
        assert all(w["threads"] == 1 for w in r[ctx]), r[ctx]


def test_restricted_cpuset(probes):
    r, err = probes["taskset"]
    assert aio_lines(err) == [], err
    assert r["torch_threads"] == 1  # torch sees one CPU; no pool, nothing to pin
    assert r["new"] == []
    assert r["main"]["cpus"] == "1" and r["subprocess"] == "1"


def test_thread_counts(probes):
    r, err = probes["threads1"]
    assert r["torch_threads"] == 1 and r["new"] == [] and aio_lines(err) == []
    r, err = probes["threads2_omp1"]
    assert r["torch_threads"] == 2 and cpus(r) == ["1"]  # exactly one worker: no oversubscription
    warn = aio_lines(err)
    assert len(warn) == 1 and "AIO_NUM_THREADS=2" in warn[0] and "OMP_NUM_THREADS=1" in warn[0], err
    # torch.set_num_threads still rules, for torch's ops and aio's alike.
    r, err = probes["set_num_threads"]
    assert r["torch_threads"] == 1 and r["new"] == [], r


def test_memory_binding(probes):
    assert probes["threads1"][0]["mempolicy"] == [MPOL_BIND, 1]  # AIO_MEM_BIND=1: node 0
    assert probes["default"][0]["mempolicy"] == [MPOL_BIND, 1]
    assert probes["nobind"][0]["mempolicy"] == [MPOL_DEFAULT, 0]  # AIO_MEM_BIND=0
    assert probes["stock"][0]["mempolicy"] == [MPOL_DEFAULT, 0]
    # The cpuset's memory nodes are the kernel's business, never changed.
    assert probes["default"][0]["main"]["mems"] == probes["stock"][0]["main"]["mems"]


def test_refused_memory_policy_warns_and_runs(probes):
    r, err = probes["mem_refused"]
    lines = aio_lines(err)
    assert len(lines) == 1 and "AIO_MEM_BIND" in lines[0] and "EPERM" in lines[0], err
    assert r["mempolicy"] == [MPOL_DEFAULT, 0]
    assert cpus(r) == ["1"]  # core binding still done
    assert r["result"] == pytest.approx(probes["stock"][0]["result"], rel=1e-3)
    # On by default rather than asked for: no warning for every container run.
    r, err = probes["mem_refused_default"]
    assert aio_lines(err) == [] and r["mempolicy"] == [MPOL_DEFAULT, 0], err


def test_invalid_node_warns_and_runs(probes):
    r, err = probes["mem_node7"]
    lines = aio_lines(err)
    assert len(lines) == 1 and "node 7" in lines[0] and "EINVAL" in lines[0], err
    assert r["mempolicy"] == [MPOL_DEFAULT, 0]


def test_smt_siblings_are_not_separate_cores(probes):
    # CPUs 0 and 1 as SMT siblings: one core, so both threads share CPU 0.
    r, err = probes["smt"]
    assert cpus(r) == ["0"], r
    assert len([l for l in aio_lines(err) if "share cores" in l]) == 1, err


def test_inert_without_torch():
    # A process that never loads torch: no pinning, no output, whatever is set.
    env = preloaded({"AIO_NUMA_CPUS": "1", "AIO_MEM_BIND": "1", "AIO_SKIP_MASTER_THREAD": "0"})
    p = subprocess.run([sys.executable, "-c", "import os, threading; t = threading.Thread(target=print); t.start(); "
                        "t.join(); print(sorted(os.sched_getaffinity(0)))"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "\n[0, 1]\n", "")


def test_threads_and_children_of_a_pinned_worker_get_the_whole_mask(tmp_path):
    # A pool worker (pinned to one core) starts a thread and forks a child:
    # neither may inherit the worker's single core.
    lib = tmp_path / "libspawn.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-fopenmp", "-O2", "-o", str(lib),
                    str(ROOT / "tests" / "fixtures" / "pinned_spawn" / "spawn_from_worker.c")], check=True)
    code = ("import ctypes, json, torch; torch.nn.functional.gelu(torch.randn(1 << 20)); "
            f"lib = ctypes.CDLL({str(lib)!r}); out = (ctypes.c_int * 3)(); lib.spawn_from_worker(out); "
            "print(json.dumps(list(out)))")
    p = subprocess.run([sys.executable, "-c", code], env=preloaded(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [1, 2, 2], p.stdout  # worker: 1 CPU; its thread and child: both
