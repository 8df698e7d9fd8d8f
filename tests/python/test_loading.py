"""Loading: the preload must be invisible to processes that never load
torch, must not break other libraries' dlopen search paths, must activate in
both ways torch arrives (Python import, DT_NEEDED of a C++ program), and must
turn every activation failure into exactly one warning on a working, stock
process.

Fixtures (C/C++ sources in tests/fixtures/) are compiled once per session
into a pytest tmp dir."""
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PRELOAD, ROOT, aio_lines, clean_env, run, run_py, run_py_json

FIXTURES = ROOT / "tests" / "fixtures"
OUR_FILE = "dispatch/module.cpp"  # the __FILE__ dispatch/module.cpp registers with
MISSING_SYMBOL = "_ZN3c1018aio_no_such_symbolEv"


def torch_pkg_dir():
    spec = importlib.util.find_spec("torch")
    assert spec and spec.origin, "torch is not importable"
    return Path(spec.origin).parent


def torch_version():
    return importlib.metadata.version("torch").split("+")[0]


def compile_cmd(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError(f"fixture build failed: {cmd}\n{p.stdout}\n{p.stderr}")


# A snippet's view of the CPU kernel aten::addmm dispatches to: the "CPU:"
# line of the dispatcher dump (the one that names the registering file).
CPU_LINE = """
def cpu_line(op="aten::addmm"):
    lines = [l for l in torch._C._dispatch_dump(op).splitlines() if l.startswith("CPU:")]
    assert len(lines) == 1, lines
    return lines[0]
"""

# nn.Linear (with bias: addmm) and a plain matmul (mm) against float64.
LINEAR_CHECK = """
def linear_check():
    torch.manual_seed(0)
    lin = torch.nn.Linear(97, 33)
    x = torch.randn(19, 97)
    b = torch.randn(97, 41)
    with torch.no_grad():
        y = lin(x)
        ref = x.double() @ lin.weight.double().t() + lin.bias.double()
        z = x @ b
    return {"linear_diff": (y.double() - ref).abs().max().item(),
            "mm_diff": (z.double() - x.double() @ b.double()).abs().max().item(),
            "shape": list(y.shape)}
"""


def torch_probe(extra=""):
    """Import torch, report the addmm CPU kernel line and numerics as JSON."""
    return (
        "import json, torch\n" + CPU_LINE + LINEAR_CHECK + textwrap.dedent(extra) +
        "\nr = linear_check()\nr['cpu'] = cpu_line()\nr['file'] = torch.__file__\n"
        "r['maps'] = open('/proc/self/maps').read()\nprint(json.dumps(r))\n"
    )


def assert_numerics(r):
    assert r["shape"] == [19, 33]
    assert r["linear_diff"] < 1e-4, r["linear_diff"]
    assert r["mm_diff"] < 1e-4, r["mm_diff"]


# ---------------------------------------------------------------------------
# Non-torch processes: byte-for-byte unchanged, silent, no threads.

NON_TORCH_COMMANDS = [
    ["/bin/true"],
    ["bash", "-c", "echo x"],
    ["gcc", "--version"],
    [sys.executable, "-c", "print(1)"],
    ["bash", "-c", "exit 3"],
]


@pytest.mark.parametrize("cmd", NON_TORCH_COMMANDS, ids=["true", "bash-echo", "gcc-version", "python-print", "bash-exit-3"])
def test_non_torch_command_unchanged(cmd):
    base = run(cmd, preload=False, check=False)
    pre = run(cmd, preload=True, check=False)
    assert pre.returncode == base.returncode
    assert pre.stdout == base.stdout
    assert pre.stderr == ""
    assert base.stderr == ""
    if cmd[0] == "bash" and cmd[-1] == "exit 3":
        assert pre.returncode == 3
    if cmd[-1] == "echo x":
        assert pre.stdout == "x\n"


def test_non_torch_python_with_debug_and_bad_values_is_silent():
    # Diagnostics are held back until torch arrives: a non-torch process with
    # maximum verbosity and a rejected value still prints nothing.
    env = {"AIO_DEBUG_MODE": "4", "AIO_NUM_THREADS": "banana"}
    p = run_py("print('ok')", env=env)
    assert p.stdout == "ok\n"
    assert p.stderr == ""


def test_preload_is_really_loaded():
    # Guards the tests above against passing because the preload never loaded.
    p = run_py("print(any('libaio_preload.so' in l for l in open('/proc/self/maps')))")
    assert p.stdout == "True\n"


THREADS = """
for l in open('/proc/self/status'):
    if l.startswith('Threads:'):
        print(l.split()[1])
"""


def test_no_threads_in_non_torch_python():
    assert run_py(THREADS, preload=False).stdout == "1\n"
    p = run_py(THREADS, preload=True)
    assert p.stdout == "1\n"
    assert p.stderr == ""


# ---------------------------------------------------------------------------
# Other libraries' dlopen search paths (RUNPATH, RPATH, $ORIGIN).

@pytest.fixture(scope="session")
def runpath_fixtures(tmp_path_factory):
    """tmp/{runpath,rpath}/libouter.so with deps/{libinner,libmid}.so, and
    tmp/main. deps/ is on no system path and not in LD_LIBRARY_PATH."""
    top = tmp_path_factory.mktemp("runpath")
    src = FIXTURES / "runpath"
    for kind, flag in (("runpath", "--enable-new-dtags"), ("rpath", "--disable-new-dtags")):
        deps = top / kind / "deps"
        deps.mkdir(parents=True)
        compile_cmd(["gcc", "-shared", "-fPIC", "-o", deps / "libinner.so", src / "inner.c"])
        compile_cmd(["gcc", "-shared", "-fPIC", "-o", deps / "libmid.so", src / "mid.c", "-ldl"])
        compile_cmd(["gcc", "-shared", "-fPIC", "-o", top / kind / "libouter.so", src / "outer.c",
                     f"-Wl,{flag}", "-Wl,-rpath,$ORIGIN/deps", f"-L{deps}", "-lmid", "-ldl"])
        dyn = subprocess.run(["readelf", "-d", top / kind / "libouter.so"], capture_output=True, text=True).stdout
        tag = "(RUNPATH)" if kind == "runpath" else "(RPATH)"
        assert tag in dyn and "$ORIGIN/deps" in dyn, dyn
    compile_cmd(["gcc", "-o", top / "main", src / "main.c", "-ldl"])
    return top


@pytest.mark.parametrize("kind", ["runpath", "rpath"])
@pytest.mark.parametrize("entry", ["outer_bare", "outer_origin"])
def test_dlopen_through_callers_search_path(runpath_fixtures, kind, entry):
    """libouter.so dlopens libinner.so by bare name (its own DT_RUNPATH or
    DT_RPATH) or by "$ORIGIN/deps/libinner.so" (expanded relative to the
    caller). Both must work with the preload exactly as without it."""
    outer = runpath_fixtures / kind / "libouter.so"
    cmd = [runpath_fixtures / "main", outer, entry]
    env = {"LD_LIBRARY_PATH": ""}
    expected = f"inner=42\nfrom={runpath_fixtures / kind / 'deps' / 'libinner.so'}\n"
    base = run(cmd, preload=False, env=env, check=False)
    assert (base.returncode, base.stdout) == (0, expected), base
    pre = run(cmd, preload=True, env=env, check=False)
    assert pre.stdout == expected
    assert pre.returncode == 0
    assert pre.stderr == ""


@pytest.mark.parametrize("kind", ["runpath", "rpath"])
def test_dlopen_from_dependency_inherits_rpath(runpath_fixtures, kind):
    """libmid.so (no search path of its own, a DT_NEEDED of libouter.so)
    dlopens libinner.so by bare name. glibc searches the DT_RPATH of the
    objects that loaded the caller, so this works natively with DT_RPATH and
    fails with DT_RUNPATH (not inherited). The preload must not change
    either outcome."""
    cmd = [runpath_fixtures / "main", runpath_fixtures / kind / "libouter.so", "outer_mid"]
    env = {"LD_LIBRARY_PATH": ""}
    base = run(cmd, preload=False, env=env, check=False)
    if kind == "rpath":
        assert (base.returncode, base.stdout) == (
            0, f"inner=42\nfrom={runpath_fixtures / 'rpath' / 'deps' / 'libinner.so'}\n")
    else:
        assert (base.returncode, base.stdout) == (1, "inner=-1\nfrom=dlopen failed\n")
    pre = run(cmd, preload=True, env=env, check=False)
    assert (pre.returncode, pre.stdout, pre.stderr) == (base.returncode, base.stdout, "")


# ---------------------------------------------------------------------------
# import torch

def test_import_torch_activates_silently():
    r, p = run_py_json(torch_probe())
    assert p.stderr == ""  # nothing at all at the default debug level
    assert "Overriding a previously registered kernel" not in p.stderr
    assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:"), r["cpu"]
    assert_numerics(r)


def test_import_torch_without_preload_is_stock():
    # The baseline the activation test is compared against: stock names
    # torch's own generated file, never ours.
    r, p = run_py_json(torch_probe(), preload=False)
    assert OUR_FILE not in r["cpu"]
    assert "RegisterCPU" in r["cpu"], r["cpu"]
    assert_numerics(r)


def test_process_mode_0_leaves_torch_stock():
    r, p = run_py_json(torch_probe(), env={"AIO_PROCESS_MODE": "0"})
    assert OUR_FILE not in r["cpu"]
    assert "RegisterCPU" in r["cpu"], r["cpu"]
    assert "libaio_dispatch.so" not in r["maps"]
    assert p.stderr == ""
    assert_numerics(r)


def test_process_mode_0_is_silent_even_at_debug_4():
    r, p = run_py_json(torch_probe(), env={"AIO_PROCESS_MODE": "0", "AIO_DEBUG_MODE": "4"})
    assert p.stderr == ""
    assert OUR_FILE not in r["cpu"]


def test_debug_4_logs_activation():
    # The counterpart of the silence tests: at debug 4 activation is logged,
    # so silence above is a property of the level, not of a dead logger.
    r, p = run_py_json(torch_probe(), env={"AIO_DEBUG_MODE": "4"})
    lines = aio_lines(p.stderr)
    assert any(l.startswith("aio: active: ") for l in lines), p.stderr
    assert "Overriding a previously registered kernel" not in p.stderr
    assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:")


# ---------------------------------------------------------------------------
# libtorch as DT_NEEDED of a C++ program

@pytest.fixture(scope="session")
def torch_cpp_program(tmp_path_factory):
    tdir = torch_pkg_dir()
    inc = tdir / "include"
    if not (inc / "ATen" / "ATen.h").exists() or not (inc / "ATen/core/dispatch/Dispatcher.h").exists():
        pytest.skip(f"the torch wheel at {tdir} ships no C++ headers (include/ATen/ATen.h)")
    abi = subprocess.run([sys.executable, "-c", "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))"],
                         capture_output=True, text=True, env=clean_env()).stdout.strip() or "1"
    out = tmp_path_factory.mktemp("torch_needed") / "torch_needed"
    compile_cmd(["g++", "-std=c++17", "-O1", f"-D_GLIBCXX_USE_CXX11_ABI={abi}",
                 "-isystem", inc, "-isystem", inc / "torch/csrc/api/include",
                 FIXTURES / "torch_needed" / "main.cpp", "-o", out,
                 f"-L{tdir / 'lib'}", "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10",
                 f"-Wl,-rpath,{tdir / 'lib'}"])
    needed = subprocess.run(["readelf", "-d", out], capture_output=True, text=True).stdout
    assert "[libtorch_cpu.so]" in needed and "[libc10.so]" in needed, needed
    return out


def parse_kv(stdout):
    return dict(l.split("=", 1) for l in stdout.splitlines() if "=" in l)


def test_cpp_program_linked_to_libtorch(torch_cpp_program, tmp_path):
    base = run([torch_cpp_program], preload=False)
    kv = parse_kv(base.stdout)
    assert kv["ours"] == "0", base.stdout
    assert float(kv["addmm_maxdiff"]) < 1e-4 and float(kv["mm_maxdiff"]) < 1e-4

    prof = tmp_path / "prof.json"
    pre = run([torch_cpp_program], env={"AIO_PROFILER_FILE": prof})
    kv = parse_kv(pre.stdout)
    assert pre.stderr == ""
    assert kv["ours"] == "1", pre.stdout
    assert kv["cpu_kernel"].startswith(f"CPU: registered at {OUR_FILE}:"), kv["cpu_kernel"]
    assert float(kv["addmm_maxdiff"]) < 1e-4, kv
    assert float(kv["mm_maxdiff"]) < 1e-4, kv
    report = json.loads(prof.read_text())
    assert report["torch_version"].split("+")[0] == torch_version()
    addmm = report["ops"]["aten::addmm"]
    assert addmm["calls"] == 3  # the program calls at::addmm exactly three times
    assert addmm["accelerated"] > 0, report
    assert report["ops"]["aten::mm"]["accelerated"] > 0, report


def test_cpp_program_process_mode_0(torch_cpp_program):
    p = run([torch_cpp_program], env={"AIO_PROCESS_MODE": "0", "AIO_DEBUG_MODE": "4"})
    assert parse_kv(p.stdout)["ours"] == "0"
    assert p.stderr == ""


# ---------------------------------------------------------------------------
# Unsupported torch, simulated for real with a shadow package

def make_shadow(top, lib_as_dir):
    """top/torch/: a symlink to every entry of the real torch package except
    version.py, a copy claiming 2.99.0. lib_as_dir: torch/lib is a real
    directory of symlinks to each library (else torch/lib is itself a
    symlink to the real lib directory)."""
    real = torch_pkg_dir()
    shadow = top / "torch"
    shadow.mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name == "version.py":
            continue
        if entry.name == "lib" and lib_as_dir:
            (shadow / "lib").mkdir()
            for lib in entry.iterdir():
                (shadow / "lib" / lib.name).symlink_to(lib)
            continue
        (shadow / entry.name).symlink_to(entry)
    text = (real / "version.py").read_text()
    lines = ["__version__ = '2.99.0'" if l.startswith("__version__") else l for l in text.splitlines()]
    assert lines != text.splitlines(), "version.py has no __version__ line"
    (shadow / "version.py").write_text("\n".join(lines) + "\n")
    return top


SHADOW_PROBE = torch_probe("""
assert torch.__version__ == '2.99.0', torch.__version__
""")


@pytest.mark.parametrize("lib_as_dir", [True, False], ids=["lib-files-linked", "lib-dir-linked"])
def test_unsupported_torch_version_warns_once_and_runs_stock(tmp_path, lib_as_dir):
    """torch.__version__ is 2.99.0: one warning, stock kernels. torch_find.c
    reads the version "from the path as loaded, not resolved", i.e. the
    version.py of the package whose lib/ libtorch_cpu was loaded from; that
    must hold whether lib/ holds links to the libraries or is itself a link
    (lib-dir-linked: "<lib>/../version.py" resolved by the kernel walks out
    of the linked directory to the real package's version.py)."""
    shadow = make_shadow(tmp_path / "shadow", lib_as_dir)
    r, p = run_py_json(SHADOW_PROBE, env={"PYTHONPATH": shadow})
    assert r["file"] == str(shadow / "torch" / "__init__.py")
    lines = aio_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert "torch 2.99.0" in lines[0] and "not supported" in lines[0], lines[0]
    assert p.stderr == lines[0] + "\n"
    assert OUR_FILE not in r["cpu"]
    assert "libaio_dispatch.so" not in r["maps"]
    assert_numerics(r)


def test_version_check_off_loads_anyway(tmp_path):
    # AIO_TORCH_VERSION_CHECK=0: the version is not compared; every symbol the
    # module needs exists (it is really 2.13), so aio activates, silently.
    shadow = make_shadow(tmp_path / "shadow", lib_as_dir=True)
    r, p = run_py_json(SHADOW_PROBE, env={"PYTHONPATH": shadow, "AIO_TORCH_VERSION_CHECK": "0"})
    assert r["file"] == str(shadow / "torch" / "__init__.py")
    assert p.stderr == ""
    assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:"), r["cpu"]
    assert_numerics(r)


# ---------------------------------------------------------------------------
# Dispatch module problems: one warning, stock torch, exit 0

@pytest.fixture(scope="session")
def missing_symbol_module(tmp_path_factory):
    out = tmp_path_factory.mktemp("fake_dispatch") / "libfake_dispatch.so"
    compile_cmd(["g++", "-std=c++17", "-shared", "-fPIC", f'-DFAKE_TORCH_VERSION="{torch_version()}"',
                 "-o", out, FIXTURES / "fake_dispatch" / "missing_symbol.cpp"])
    syms = subprocess.run(["nm", "-D", "--undefined-only", out], capture_output=True, text=True).stdout
    assert MISSING_SYMBOL in syms, syms
    sec = subprocess.run(["readelf", "-p", ".aio_torch_version", out], capture_output=True, text=True).stdout
    assert torch_version() in sec, sec
    return out


def test_missing_symbol_warns_once_before_loading(missing_symbol_module):
    r, p = run_py_json(torch_probe(), env={"AIO_DISPATCH_LIB": missing_symbol_module})
    lines = aio_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert MISSING_SYMBOL in lines[0], lines[0]
    assert "stock" in lines[0], lines[0]
    assert p.stderr == lines[0] + "\n"
    assert "FAKE-DISPATCH-INIT-RAN" not in p.stdout + p.stderr
    # Refused by the import check, not by dlopen: never mapped.
    assert str(missing_symbol_module) not in r["maps"]
    assert OUR_FILE not in r["cpu"]
    assert_numerics(r)


def test_nonexistent_dispatch_lib_warns_once(tmp_path):
    missing = tmp_path / "no" / "such" / "libaio_dispatch.so"
    r, p = run_py_json(torch_probe(), env={"AIO_DISPATCH_LIB": missing})
    lines = aio_lines(p.stderr)
    assert len(lines) == 1, p.stderr
    assert str(missing) in lines[0], lines[0]
    assert p.stderr == lines[0] + "\n"
    assert OUR_FILE not in r["cpu"]
    assert "libaio_dispatch.so" not in r["maps"]
    assert_numerics(r)


def test_nonexistent_dispatch_lib_is_silent_without_torch(tmp_path):
    p = run_py("print(2)", env={"AIO_DISPATCH_LIB": tmp_path / "nope.so"})
    assert (p.stdout, p.stderr) == ("2\n", "")


# ---------------------------------------------------------------------------
# Concurrency

DLOPEN_STORM = """
import ctypes, json, threading
errors = []
def storm(n=40):
    def work(i):
        try:
            for k in range(n):
                ctypes.CDLL(("libm.so.6", "libz.so.1", "libbz2.so.1.0", "libz.so.1")[(i + k) % 4])
        except Exception as e:
            errors.append(repr(e))
    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts: t.start()
    return ts
for t in storm(): t.join()                     # before torch
imported = {}
def imp():
    import torch
    imported['torch'] = torch
ts = storm() + [threading.Thread(target=imp)]  # torch arrives mid-storm
ts[-1].start()
for t in ts: t.join()
torch = imported['torch']
for t in storm(): t.join()                     # after torch
""" + CPU_LINE + LINEAR_CHECK + """
r = linear_check(); r['cpu'] = cpu_line(); r['errors'] = errors
print(json.dumps(r))
"""


def test_concurrent_dlopen_around_import_torch():
    r, p = run_py_json(DLOPEN_STORM, timeout=120)
    assert r["errors"] == []
    assert p.stderr == ""
    assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:"), r["cpu"]
    assert_numerics(r)


def test_two_concurrent_torch_imports():
    env = clean_env(LD_PRELOAD=str(PRELOAD))
    code = torch_probe()
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for pr in procs:
        out, err = pr.communicate(timeout=120)
        assert pr.returncode == 0, err
        assert err == ""
        r = json.loads(out.strip().splitlines()[-1])
        assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:")
        assert_numerics(r)


def test_activation_with_many_objects_loaded_before_torch(tmp_path):
    """A large application may have hundreds of shared objects loaded before
    it imports torch. The import check must still see torch's exports."""
    so = tmp_path / "x.so"
    src = tmp_path / "x.c"
    src.write_text("int f(void) { return 1; }\n")
    compile_cmd(["gcc", "-shared", "-fPIC", "-o", so, src])
    n = 300
    data = so.read_bytes()
    for i in range(n):  # copies, not links: distinct inodes load separately
        (tmp_path / f"lib{i}.so").write_bytes(data)
    code = f"""
import ctypes
handles = [ctypes.CDLL('{tmp_path}/lib%d.so' % i) for i in range({n})]
""" + torch_probe()
    r, p = run_py_json(code)
    assert sum(f"{tmp_path}/lib" in l for l in r["maps"].splitlines()) >= n
    assert p.stderr == ""
    assert r["cpu"].startswith(f"CPU: registered at {OUR_FILE}:"), r["cpu"]
    assert_numerics(r)
