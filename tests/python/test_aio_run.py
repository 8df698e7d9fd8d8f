"""aio-run: the wrapper script's options, exit codes and environment."""
import json
import os
import re
import sys

import pytest

from conftest import AIO_RUN, PRELOAD, PRINT_CONFIG, ROOT, run

VERSION = (ROOT / "VERSION").read_text().strip()
PRELOAD_REAL = str(PRELOAD.resolve())
LIBZ = next((p for p in ("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                         "/lib64/libz.so.1", "/usr/lib64/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1")
             if os.path.exists(p)), None)

# Prints what the child sees: its environment and the objects mapped into it.
SHOW = ("import json, os; print(json.dumps({'env': dict(os.environ), "
        "'maps': sorted({l.split()[-1] for l in open('/proc/self/maps') if l.split()[-1].startswith('/')})}))")


def aio_run(*args, env=None, **kw):
    return run([str(AIO_RUN), *map(str, args)], preload=False, env=env, check=False, **kw)


def show(*opts, env=None):
    p = aio_run(*opts, sys.executable, "-c", SHOW, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout), p


def markdown_variables():
    md = run([str(PRINT_CONFIG), "--markdown"], preload=False).stdout
    names = re.findall(r"^\| `(AIO_[A-Z0-9_]+)` \|", md, re.M)
    assert len(names) >= 10, md  # the table really has rows
    return names


def test_help():
    p = aio_run("--help")
    assert p.returncode == 0
    assert p.stdout.startswith("usage: aio-run ")
    for opt in ("--disable", "--print-config", "--version", "--help", "--threads", "--cores", "--ninstances",
                "--ncores-per-instance", "--log-dir"):
        assert opt in p.stdout
    assert p.stderr == ""
    assert aio_run("-h").stdout == p.stdout


def test_version():
    p = aio_run("--version")
    assert (p.returncode, p.stdout, p.stderr) == (0, f"aio-run {VERSION}\n", "")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", VERSION), VERSION


def test_missing_command_is_127_with_one_line():
    p = aio_run("aio-no-such-command-xyz", "arg")
    assert p.returncode == 127
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert "aio-no-such-command-xyz" in lines[0]


def test_unknown_option_is_2():
    p = aio_run("--frobnicate", "true")
    assert p.returncode == 2
    assert len(p.stderr.splitlines()) == 1 and "--frobnicate" in p.stderr
    assert p.stdout == ""


def test_no_command_is_2():
    for args in ((), ("--",), ("--disable",)):
        p = aio_run(*args)
        assert p.returncode == 2, args
        assert len(p.stderr.splitlines()) == 1, p.stderr
        assert p.stdout == ""


def test_exit_status_passthrough():
    assert aio_run("bash", "-c", "exit 5").returncode == 5
    assert aio_run("--", "bash", "-c", "exit 7").returncode == 7
    assert aio_run("true").returncode == 0


def test_options_after_command_belong_to_command():
    # "--version" after the command is the command's argument, not ours.
    p = aio_run("bash", "-c", 'echo "$@"', "sh", "--version", "--disable")
    assert (p.returncode, p.stdout) == (0, "--version --disable\n")


def test_preload_is_loaded_and_first():
    r, p = show()
    assert r["env"]["LD_PRELOAD"] == PRELOAD_REAL
    assert PRELOAD_REAL in r["maps"]
    assert "AIO_PROCESS_MODE" not in r["env"]
    assert p.stderr == ""


def test_disable_sets_process_mode_0():
    r, _ = show("--disable")
    assert r["env"]["AIO_PROCESS_MODE"] == "0"
    assert r["env"]["LD_PRELOAD"] == PRELOAD_REAL  # loaded but off
    r, _ = show("--disable", env={"AIO_PROCESS_MODE": "1"})
    assert r["env"]["AIO_PROCESS_MODE"] == "0"


def test_users_ld_preload_kept_after_ours():
    assert LIBZ, "no libz.so.1 found to preload"
    r, _ = show(env={"LD_PRELOAD": LIBZ})
    assert r["env"]["LD_PRELOAD"] == f"{PRELOAD_REAL}:{LIBZ}"
    assert PRELOAD_REAL in r["maps"]
    assert os.path.realpath(LIBZ) in r["maps"] or LIBZ in r["maps"]


def test_works_through_a_symlink(tmp_path):
    link = tmp_path / "aio-run"
    link.symlink_to(AIO_RUN.resolve())
    p = run([str(link), sys.executable, "-c", SHOW], preload=False, check=False)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["env"]["LD_PRELOAD"] == PRELOAD_REAL


def test_print_config_lists_every_variable():
    p = aio_run("--print-config")
    assert p.returncode == 0, p.stderr
    printed = [l.split()[0] for l in p.stdout.splitlines() if l.strip()]
    names = markdown_variables()
    missing = [n for n in names if n not in printed]
    assert not missing, f"--print-config lacks {missing}\n{p.stdout}"
    assert len(printed) == len(set(printed))


def test_print_config_reflects_environment():
    p = aio_run("--print-config", env={"AIO_DEBUG_MODE": "3"})
    line = next(l for l in p.stdout.splitlines() if l.split()[:1] == ["AIO_DEBUG_MODE"])
    assert line.split()[1] == "3", line
    assert "(environment)" in line
    default = next(l for l in aio_run("--print-config").stdout.splitlines() if l.split()[:1] == ["AIO_DEBUG_MODE"])
    assert default.split()[1] == "2" and "(default)" in default


# ---- cores, threads, throughput mode, torchrun ------------------------------
TWO_CPUS = sorted(os.sched_getaffinity(0)) == [0, 1]
needs_two = pytest.mark.skipif(not TWO_CPUS, reason="written for CPUs 0 and 1 (the project VM)")
MASK = "sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status"
WORKLOADS = ROOT / "tests" / "python" / "workloads"


def one_error_line(p, *words):
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("aio-run: "), lines
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_threads_and_cores_set_the_variables():
    r, _ = show("--threads", "1")
    assert r["env"]["AIO_NUM_THREADS"] == "1" and "AIO_NUMA_CPUS" not in r["env"]
    p = aio_run("--cores", "0", "sh", "-c", f'{MASK}; echo "$AIO_NUMA_CPUS $AIO_NUM_THREADS"')
    assert (p.returncode, p.stdout.split()) == (0, ["0", "0", "1"]), p.stderr
    # Threads given by the user through OpenMP's variable are left alone.
    p = aio_run("--cores", "0", "sh", "-c", 'echo "${AIO_NUM_THREADS-unset}"', env={"OMP_NUM_THREADS": "1"})
    assert p.stdout == "unset\n"


@needs_two
def test_cores_accepts_both_grammars_in_order():
    for spec in ("1 0", "1,0"):
        p = aio_run("--cores", spec, "sh", "-c", f'{MASK}; echo "$AIO_NUMA_CPUS"')
        assert (p.returncode, p.stdout.split()) == (0, ["0-1", "1,0"]), (spec, p.stderr)
    p = aio_run("--cores=0-1", "sh", "-c", 'echo "$AIO_NUMA_CPUS"')
    assert p.stdout == "0,1\n"


@needs_two
def test_bad_core_and_thread_options():
    one_error_line(aio_run("--cores", "7", "true"), "CPU 7", "allowed set 0,1")
    one_error_line(aio_run("--cores", "0,0", "true"), "CPU 0 is listed twice")
    one_error_line(aio_run("--cores", "0-x", "true"), "'0-x'", "not a CPU list")
    one_error_line(aio_run("--cores", "", "true"), "not a CPU list")
    one_error_line(aio_run("--threads", "3", "true"), "--threads 3", "2 core(s)")
    one_error_line(aio_run("--threads", "0", "true"), "--threads '0'")
    one_error_line(aio_run("--threads", "two", "true"), "--threads 'two'")
    one_error_line(aio_run("--threads"), "--threads needs a value")
    one_error_line(aio_run("--ninstances", "3", "true"), "need 3 cores", "only 2")
    one_error_line(aio_run("--ninstances", "2", "--ncores-per-instance", "2", "true"), "need 4 cores")
    one_error_line(aio_run("--ncores-per-instance", "3", "true"), "need 3 cores")
    one_error_line(aio_run("--ninstances", "2", "--threads", "2", "true"), "--threads 2", "1 core(s) of each")
    # A restricted cpuset is what is allowed.
    p = run(["taskset", "-c", "1", str(AIO_RUN), "--cores", "0", "true"], preload=False, check=False)
    one_error_line(p, "CPU 0", "allowed set 1")
    p = run(["taskset", "-c", "1", str(AIO_RUN), "--ninstances", "2", "true"], preload=False, check=False)
    one_error_line(p, "only 1")


@needs_two
def test_smt_siblings_count_as_one_core(tmp_path):
    fixtures = ROOT / "tests" / "fixtures" / "sysfs"
    for tree in ("smt2", "smt2x4"):  # CPUs 0 and 1: siblings (thread_siblings_list; core_cpus_list)
        env = {"AIO_INTERNAL_SYSFS_CPU": str(fixtures / tree)}
        expect_one = tree == "smt2"
        p = aio_run("--ninstances", "2", "--log-dir", tmp_path, "true", env=env)
        if expect_one:
            one_error_line(p, "only 1 are available (0)")
        else:  # in smt2x4, 0 and 1 are separate cores (their siblings are 4 and 5)
            assert p.returncode == 0, p.stderr
    one_error_line(aio_run("--threads", "2", "true", env={"AIO_INTERNAL_SYSFS_CPU": str(fixtures / "smt2")}),
                   "--threads 2", "1 core(s)")


@needs_two
def test_print_config_shows_launcher_settings():
    p = aio_run("--threads", "2", "--cores", "1 0", "--print-config")
    got = {l.split()[0]: l.split()[1] for l in p.stdout.splitlines() if l.strip()}
    assert (got["AIO_NUM_THREADS"], got["AIO_NUMA_CPUS"]) == ("2", "1,0"), p.stdout


@needs_two
def test_instances_on_disjoint_cores_with_logs(tmp_path):
    logs = tmp_path / "logs"
    p = aio_run("--ninstances", "2", "--log-dir", logs, "sh", "-c",
                f'{MASK}; echo "$AIO_RUN_INSTANCE $AIO_NUMA_CPUS $AIO_NUM_THREADS $LD_PRELOAD"')
    assert p.returncode == 0, p.stderr
    got = [(logs / f"aio-run.instance-{i}.log").read_text().split() for i in range(2)]
    assert got == [["0", "0", "0", "1", PRELOAD_REAL], ["1", "1", "1", "1", PRELOAD_REAL]], got
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 2 and "instance 1 on cores 1" in p.stderr


@needs_two
def test_instances_partition_the_given_cores_in_order(tmp_path):
    p = aio_run("--cores", "1 0", "--ninstances", "2", "--log-dir", tmp_path, "sh", "-c", MASK)
    assert p.returncode == 0, p.stderr
    assert [(tmp_path / f"aio-run.instance-{i}.log").read_text() for i in range(2)] == ["1\n", "0\n"]


@needs_two
def test_instance_failure_is_reported(tmp_path):
    p = aio_run("--ninstances", "2", "--log-dir", tmp_path, "sh", "-c", 'echo oops; exit $((AIO_RUN_INSTANCE * 3))')
    assert p.returncode == 3
    fail = [l for l in p.stderr.splitlines() if "exited" in l]
    assert len(fail) == 1 and "instance 1 (cores 1) exited with status 3" in fail[0], p.stderr
    assert str(tmp_path / "aio-run.instance-1.log") in fail[0]
    assert (tmp_path / "aio-run.instance-1.log").read_text() == "oops\n"


@needs_two
def test_instances_run_torch_bound(tmp_path):
    p = aio_run("--ninstances", "2", "--log-dir", tmp_path, sys.executable, WORKLOADS / "binding_probe.py")
    assert p.returncode == 0, p.stderr
    for i in range(2):
        text = (tmp_path / f"aio-run.instance-{i}.log").read_text()
        r = json.loads(text.strip().splitlines()[-1])
        assert r["torch_threads"] == 1 and r["new"] == [], r  # one core each: one thread, no pool
        assert {r["main"]["cpus"]} | {t["cpus"] for t in r["others"]} == {str(i)}, r


@needs_two
def test_torchrun_ranks_get_their_own_cores(tmp_path):
    p = aio_run(sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--standalone",
                WORKLOADS / "torchrun_probe.py", tmp_path, timeout=240)
    assert p.returncode == 0, p.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{i}.json").read_text()) for i in range(2)]
    assert [r["local_rank"] for r in ranks] == [0, 1], ranks
    assert all(r["sum"] == [3.0] * 4 for r in ranks)
    # Every thread of rank k (gloo's included) is on core k alone.
    assert [r["masks"] for r in ranks] == [["0"], ["1"]], ranks
