"""aio-run: the wrapper script's options, exit codes and environment."""
import json
import os
import re
import sys

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
    for opt in ("--disable", "--print-config", "--version", "--help"):
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
