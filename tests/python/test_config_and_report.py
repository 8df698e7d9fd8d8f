"""Config as a torch process sees it: bad values give one line and the
default; debug levels; the ISA cap; the profiler's table and JSON."""
import json

import pytest

from conftest import aio_lines, run_py, run_py_json
from host_caps import x86_has_avx512

LINEAR = """
import json, torch
torch.manual_seed(0)
lin = torch.nn.Linear(64, 40)
x = torch.randn(6, 64)
with torch.no_grad():
    y = lin(x)
    ref = x.double() @ lin.weight.double().t() + lin.bias.double()
print(json.dumps({"err": (y.double() - ref).abs().max().item(), "threads": torch.get_num_threads()}))
"""


@pytest.mark.parametrize("var,value,accepted", [
    ("AIO_DEBUG_MODE", "abc", "0..4"),
    ("AIO_NUM_THREADS", "-3", "1.."),
    ("AIO_PROCESS_MODE", "2", "0"),
    ("AIO_QUANTIZE_INT8_FILTER", "(unclosed", "regex"),
    ("AIO_NUMA_CPUS", "0-", "CPU list"),
    ("AIO_NUMA_CPUS", "4000", "allowed"),
    ("AIO_MAX_ISA", "avx9000", "avx512"),
    ("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", "FP64", "FP16"),
])
def test_bad_value_is_one_line_and_default(var, value, accepted):
    r, p = run_py_json(LINEAR, env={var: value})
    lines = aio_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert var in lines[0] and value in lines[0] and accepted in lines[0], lines[0]
    assert "using default" in lines[0]
    assert r["err"] < 1e-4


def test_bad_value_is_silent_without_torch():
    p = run_py("print('hi')", env={"AIO_DEBUG_MODE": "abc", "AIO_NUM_THREADS": "x"})
    assert p.stdout == "hi\n" and p.stderr == ""


def test_deprecated_alias_is_one_note():
    _, p = run_py_json(LINEAR, env={"AIO_QUANTIZE_INT8": "ALL"})
    lines = aio_lines(p.stderr)
    assert len(lines) == 1 and "AIO_QUANTIZE_INT8_FILTER" in lines[0] and "deprecated" in lines[0], p.stderr


def test_debug_0_silences_warnings():
    _, p = run_py_json(LINEAR, env={"AIO_DEBUG_MODE": "0", "AIO_NUM_THREADS": "x"})
    assert p.stderr == ""


def test_debug_3_prints_config_kernels_and_first_fallback():
    code = LINEAR + "torch.mm(torch.ones(3, 3, dtype=torch.float64), torch.ones(3, 3, dtype=torch.float64))\n"
    _, p = run_py_json(code, env={"AIO_DEBUG_MODE": "3"})
    err = p.stderr
    assert "found torch" in err and "imported symbols" in err
    assert "f32 gemm aio_f32_gemm" in err
    assert "AIO_PROCESS_MODE" in err and "AIO_MERGE_LINEAR" in err
    assert "aten::mm: falling back to stock (dtype)" in err
    assert "Overriding a previously registered kernel" not in err


@pytest.mark.parametrize("isa", ["reference", "avx2", "avx512"])
def test_isa_cap_selects_kernel_and_stays_correct(isa):
    r, p = run_py_json(LINEAR, env={"AIO_MAX_ISA": isa, "AIO_DEBUG_MODE": "3"})
    assert r["err"] < 1e-4
    chosen = [l for l in p.stderr.splitlines() if "f32 gemm" in l]
    assert len(chosen) == 1
    # a cap above what the CPU has picks the best it does have
    want = {"reference": "__ref", "avx2": "avx2", "avx512": "avx512" if x86_has_avx512() else "avx2"}[isa]
    assert want in chosen[0], chosen[0]


def test_profiler_table_at_exit():
    _, p = run_py_json(LINEAR, env={"AIO_PROFILER": "1"})
    lines = aio_lines(p.stderr)
    assert lines[0].startswith("aio: per-op report")
    addmm = [l for l in lines if l.split()[1:2] == ["aten::addmm"]]
    assert len(addmm) == 1
    calls, accelerated, fallback = map(int, addmm[0].split()[2:5])
    assert calls >= 1 and accelerated >= 1 and calls == accelerated + fallback


def report_rows(lines):
    """The op rows of the table: every line between the header and the summary."""
    head = next(i for i, l in enumerate(lines) if l.split()[1:3] == ["op", "calls"])
    end = next(i for i, l in enumerate(lines) if l.startswith("aio: summary:"))
    return [l.split()[1:] for l in lines[head + 1:end]], lines[end]


def test_profiler_lists_called_ops_slowest_first_with_summary(tmp_path):
    """Level 1: only ops that were called, sorted by time, each with its share
    of time on aio's kernels; one summary line that adds up; the JSON keeps
    every op."""
    prof = tmp_path / "prof.json"
    code = LINEAR + """
torch.mm(torch.ones(3, 3, dtype=torch.float64), torch.ones(3, 3, dtype=torch.float64))
with torch.no_grad():
    for _ in range(3):
        torch.relu(torch.randn(1000))
"""
    _, p = run_py_json(code, env={"AIO_PROFILER": "1", "AIO_PROFILER_FILE": str(prof)})
    rows, summary = report_rows(aio_lines(p.stderr))
    data = json.loads(prof.read_text())["ops"]
    called = {k for k, v in data.items() if v["calls"]}
    assert {r[0] for r in rows} == called and {"aten::addmm", "aten::mm", "aten::relu"} <= called
    assert len(data) > len(rows) + 10, "the JSON keeps the ops that were not called"
    times = [float(r[4]) for r in rows]
    assert times == sorted(times, reverse=True)
    by_name = {r[0]: r for r in rows}
    mm = by_name["aten::mm"]  # float64: every call falls back
    assert mm[2] == "0" and mm[3] == mm[1] and mm[5] == "0.0" and mm[6] == f"dtype={mm[1]}", mm
    assert float(by_name["aten::addmm"][5]) == 100.0
    for name, r in by_name.items():
        assert int(r[1]) == data[name]["calls"] and int(r[2]) == data[name]["accelerated"]
        assert 0 <= data[name]["accelerated_ns"] <= data[name]["ns"]
    acc, total = (int(w) for w in summary.split()[2:5:2])
    assert (acc, total) == (sum(int(r[2]) for r in rows), sum(int(r[1]) for r in rows)), summary
    assert "ms in aio kernels" in summary and "ms in fallbacks" in summary


def test_profiler_level_2_lists_every_op(tmp_path):
    prof = tmp_path / "prof.json"
    _, p = run_py_json(LINEAR, env={"AIO_PROFILER": "2", "AIO_PROFILER_FILE": str(prof)})
    rows, _ = report_rows(aio_lines(p.stderr))
    assert sorted(r[0] for r in rows) == sorted(json.loads(prof.read_text())["ops"])
    calls = [int(r[1]) for r in rows]
    first_zero = calls.index(0)
    assert first_zero >= 1 and not any(calls[first_zero:]), "called ops first, then the rest"


def test_profiler_json_pid_expansion(tmp_path):
    path = tmp_path / "prof-%p.json"
    code = LINEAR + "import os; print(json.dumps({'pid': os.getpid()}))\n"
    r, _ = run_py_json(code, env={"AIO_PROFILER_FILE": str(path)})
    data = json.loads((tmp_path / f"prof-{r['pid']}.json").read_text())
    assert data["pid"] == r["pid"]
    assert data["ops"]["aten::addmm"]["accelerated"] == 1


def test_process_mode_0_writes_no_report(tmp_path):
    path = tmp_path / "prof.json"
    _, p = run_py_json(LINEAR, env={"AIO_PROCESS_MODE": "0", "AIO_PROFILER": "1", "AIO_PROFILER_FILE": str(path)})
    assert not path.exists() and p.stderr == ""


FORK_THREADS = """
import json, os, torch
big = os.environ["BIG"] == "1"
k = 512 if big else 8
torch.nn.functional.linear(torch.randn(64, k), torch.randn(k, k))
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    y = torch.nn.functional.linear(torch.randn(64, 512), torch.randn(512, 512))
    os.write(w, json.dumps({"threads": torch.get_num_threads(), "ok": bool(torch.isfinite(y).all())}).encode())
    os._exit(0)
os.close(w)
child = json.loads(os.read(r, 4096))
os.waitpid(pid, 0)
child["parent_threads"] = torch.get_num_threads()
print(json.dumps(child))
"""


needs_two_cpus = pytest.mark.skipif(len(__import__("os").sched_getaffinity(0)) < 2,
                                    reason="a thread pool needs two CPUs")


@needs_two_cpus
def test_fork_after_our_pool_started_runs_single_threaded():
    r, _ = run_py_json(FORK_THREADS, env={"BIG": "1"}, timeout=120)
    assert r["threads"] == 1 and r["ok"] and r["parent_threads"] > 1


@needs_two_cpus
def test_fork_before_any_pool_keeps_threads():
    """A tiny GEMM runs on the calling thread: the child keeps its threads."""
    r, _ = run_py_json(FORK_THREADS, env={"BIG": "0"}, timeout=120)
    assert r["threads"] == r["parent_threads"] > 1 and r["ok"]
