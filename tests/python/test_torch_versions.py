"""One install serves several torch minor versions: the preload picks
libaio_dispatch-torch<major.minor>.so beside itself for the loaded torch,
and names the supported versions in its one line when none matches.

The choice is tested here with the real torch under a faked version.py
(a shadow package, as in test_loading.py) and stand-in modules that carry
only the version section; the real torch 2.12 (setup.sh's venv) runs a
model through build/libaio_dispatch-torch2.12.so, and `make test-oldtorch`
runs per-op suites on it."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AIO_RUN, BUILD, PRELOAD, ROOT, aio_lines, clean_env, run

OLD_PY = Path(os.environ.get("AIO_OLD_TORCH_PYTHON", "/opt/aio/venv-torch2.12/bin/python"))

LINEAR = """
import json, torch
torch.manual_seed(0)
lin = torch.nn.Linear(64, 40)
x = torch.randn(6, 64)
with torch.no_grad():
    y = lin(x)
    ref = x.double() @ lin.weight.double().t() + lin.bias.double()
print(json.dumps({"err": (y.double() - ref).abs().max().item(), "version": torch.__version__}))
"""

STAND_IN = 'const char v[] __attribute__((section(".aio_torch_version"), used)) = "%s";\n'


def torch_pkg_dir(python=sys.executable):
    return Path(subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('torch').origin)"],
                               capture_output=True, text=True, check=True).stdout.strip()).parent


@pytest.fixture(scope="module")
def install_dir(tmp_path_factory):
    """The preload with three modules beside it, as an install has them:
    2.13 the real build/libaio_dispatch.so, 2.11 and 2.12 stand-ins."""
    d = tmp_path_factory.mktemp("aio-lib")
    shutil.copy(PRELOAD, d / "libaio_preload.so")
    (d / "libaio_dispatch-torch2.13.so").symlink_to(BUILD / "libaio_dispatch.so")
    for v in ("2.11.0", "2.12.1"):
        src = d / f"stand_in_{v}.c"
        src.write_text(STAND_IN % v)
        subprocess.run(["gcc", "-shared", "-fPIC", "-o", d / f"libaio_dispatch-torch{v[:4]}.so", src], check=True)
    return d


def shadow_torch(top, version):
    """top/torch: the real package, linked entry by entry, with a version.py
    that claims version."""
    real = torch_pkg_dir()
    shadow = top / "torch"
    shadow.mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name != "version.py":
            (shadow / entry.name).symlink_to(entry)
    lines = [f"__version__ = '{version}'" if l.startswith("__version__") else l
             for l in (real / "version.py").read_text().splitlines()]
    (shadow / "version.py").write_text("\n".join(lines) + "\n")
    return top


def run_linear(preload, python=sys.executable, **env):
    p = run([str(python), "-c", LINEAR], preload=False, env={"LD_PRELOAD": preload, **env})
    return json.loads(p.stdout.strip().splitlines()[-1]), p


def test_installed_layout_picks_the_module_of_the_loaded_torch(install_dir, tmp_path):
    prof = tmp_path / "prof.json"
    r, p = run_linear(install_dir / "libaio_preload.so", AIO_DEBUG_MODE="3", AIO_PROFILER_FILE=prof)
    assert f"dispatch module {install_dir}/libaio_dispatch-torch2.13.so, built for torch 2.13" in p.stderr, p.stderr
    assert json.loads(prof.read_text())["ops"]["aten::addmm"]["accelerated"] == 1
    assert r["err"] < 1e-4


def test_faked_2_12_picks_the_2_12_module(install_dir, tmp_path):
    """version.py says 2.12.1 (the libraries are 2.13's): the 2.12 stand-in is
    the one opened; it has no entry point, so one warning and stock."""
    shadow = shadow_torch(tmp_path / "shadow", "2.12.1")
    r, p = run_linear(install_dir / "libaio_preload.so", PYTHONPATH=shadow, AIO_DEBUG_MODE="3")
    assert r["version"] == "2.12.1"
    assert f"dispatch module {install_dir}/libaio_dispatch-torch2.12.so, built for torch 2.12.1" in p.stderr
    assert "has no aio_dispatch_init; running on stock PyTorch kernels" in p.stderr
    assert r["err"] < 1e-4


@pytest.mark.parametrize("version", ["2.10.2", "2.14.0"])
def test_unsupported_torch_names_the_supported_versions(install_dir, tmp_path, version):
    shadow = shadow_torch(tmp_path / "shadow", version)
    r, p = run_linear(install_dir / "libaio_preload.so", PYTHONPATH=shadow)
    lines = aio_lines(p.stderr)
    assert len(lines) == 1 and p.stderr == lines[0] + "\n", p.stderr
    assert f"torch {version} at " in lines[0], lines[0]
    assert lines[0].endswith("is not supported: this aio build supports torch 2.11.x, 2.12.x and 2.13.x; "
                             "running on stock PyTorch kernels"), lines[0]
    assert r["err"] < 1e-4


def test_build_tree_falls_back_to_libaio_dispatch_so(tmp_path):
    """A build tree has libaio_dispatch.so for its own torch: still picked."""
    d = tmp_path / "tree"
    d.mkdir()
    shutil.copy(PRELOAD, d / "libaio_preload.so")
    (d / "libaio_dispatch.so").symlink_to(BUILD / "libaio_dispatch.so")
    r, p = run_linear(d / "libaio_preload.so", AIO_DEBUG_MODE="3")
    assert f"dispatch module {d}/libaio_dispatch.so, built for torch 2.13" in p.stderr, p.stderr


needs_old_torch = pytest.mark.skipif(not OLD_PY.exists(), reason=f"no torch 2.12 venv at {OLD_PY} (scripts/setup.sh)")


@needs_old_torch
def test_real_torch_2_12_runs_accelerated(tmp_path):
    """The same preload under the real torch 2.12: its own module, checked
    with libelf, registered, and the Linear accelerated and right."""
    module = BUILD / "libaio_dispatch-torch2.12.so"
    assert module.exists(), "make modules"
    prof = tmp_path / "prof.json"
    r, p = run_linear(PRELOAD, python=OLD_PY, AIO_DEBUG_MODE="3", AIO_PROFILER_FILE=prof)
    assert r["version"].startswith("2.12."), r
    assert f"dispatch module {module}, built for torch 2.12" in p.stderr, p.stderr
    assert "imported symbols of" in p.stderr
    data = json.loads(prof.read_text())
    assert data["torch_version"].startswith("2.12.") and data["ops"]["aten::addmm"]["accelerated"] == 1
    assert r["err"] < 1e-4


@pytest.mark.parametrize("python", [
    pytest.param(Path(sys.executable), id="torch-2.13"),
    pytest.param(OLD_PY, id="torch-2.12", marks=needs_old_torch)])
def test_same_model_accelerated_on_each_torch(python, tmp_path):
    """The same model under aio-run on 2.13 and on 2.12: its Linears, GELUs
    and LayerNorms run on aio's kernels and the output matches float64."""
    prof = tmp_path / "prof.json"
    p = run([str(AIO_RUN), str(python), str(ROOT / "tests/python/workloads/ffn_model.py")], preload=False,
            env={"AIO_PROFILER_FILE": prof})
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["err"] < 1e-3, r
    ops = json.loads(prof.read_text())["ops"]
    # fp32 forward on aio; the float64 reference forward falls back (dtype).
    assert ops["aten::addmm"]["accelerated"] == 5 and ops["aten::addmm"]["fallback"] == {"dtype": 5}
    assert ops["aten::gelu"]["accelerated"] == 2 and ops["aten::native_layer_norm"]["accelerated"] == 2
