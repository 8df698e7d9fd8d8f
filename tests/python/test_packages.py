"""The packages as a user gets them: the .deb installed into this machine
with dpkg (CI runs as root), a model run with /usr/bin/aio-run from a
directory outside the tree, then purged with nothing left behind; the .rpm
unpacked with rpm2cpio into a temporary root, its files compared with the
.deb's and its preload run from there; both packages' metadata; `make
install` into a DESTDIR; lintian."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, aio_lines, clean_env

VERSION = (ROOT / "VERSION").read_text().strip()
ARCH = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip() or "amd64"
TRIPLET = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[ARCH]
RPM_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}[ARCH]
DEB = BUILD / "pkg" / f"aio_{VERSION}_{ARCH}.deb"
RPM = BUILD / "pkg" / f"aio-{VERSION}-1.{RPM_ARCH}.rpm"
LIBDIR_DEB = f"/usr/lib/{TRIPLET}/aio"
MINORS = ["2.11", "2.12", "2.13"]

# A small model (two Linear layers and a GELU), its output checked against a
# float64 reference in the same process.
MODEL = """
import json, torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 32)).eval()
x = torch.randn(4, 64)
with torch.no_grad():
    y = model(x)
    ref = model.double()(x.double())
print(json.dumps({"err": (y.double() - ref).abs().max().item(), "torch": torch.__version__}))
"""


def sh(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def packages():
    """Builds both packages (make deb rpm: no-ops when up to date)."""
    for tool in ("dpkg-deb", "rpmbuild", "rpm2cpio", "cpio"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/setup.sh"
    sh(["make", "-s", "-C", str(ROOT), f"BUILD={BUILD}", "deb", "rpm"])
    return DEB, RPM


def model_run(cmd, cwd, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=clean_env(AIO_PROFILER="1", **(env or {})), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    import json
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["err"] < 1e-4, r
    lines = aio_lines(p.stderr)
    rows = {l.split()[1]: l.split() for l in lines if l.split()[1:2] and l.split()[1].startswith("aten::")}
    summary = [l for l in lines if l.startswith("aio: summary:")]
    assert "aten::addmm" in rows and int(rows["aten::addmm"][3]) >= 2, p.stderr  # both Linears accelerated
    assert len(summary) == 1, p.stderr
    return p


def dpkg(*args):
    """dpkg, waiting for the lock if another package tool holds it."""
    for _ in range(60):
        p = sh(["dpkg", *args], check=False, env=clean_env(DEBIAN_FRONTEND="noninteractive"))
        if p.returncode == 0 or "lock" not in p.stderr:
            return p
        time.sleep(2)
    return p


def deb_files(deb):
    """The regular files of a .deb, as absolute paths."""
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    listing = subprocess.run(["tar", "-tv"], input=tar, capture_output=True, check=True).stdout.decode()
    return {line.split()[-1].lstrip(".") for line in listing.splitlines() if line.startswith("-")}


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="dpkg -i needs root (CI runs as root)")


@needs_root
def test_deb_installs_runs_outside_the_tree_and_purges_clean(packages, tmp_path):
    deb, _ = packages
    if sh(["dpkg-query", "-W", "aio"], check=False).returncode == 0:
        dpkg("--purge", "aio")
    before = set(sh(["find", "/usr", "/etc", "-xdev"]).stdout.split())
    p = dpkg("-i", str(deb))
    assert p.returncode == 0, p.stderr
    try:
        assert Path("/usr/bin/aio-run").exists()
        for v in MINORS:
            assert Path(f"{LIBDIR_DEB}/libaio_dispatch-torch{v}.so").exists()
        outside = tmp_path / "somewhere"
        outside.mkdir()
        (outside / "model.py").write_text(MODEL)
        # No source tree in sight: the launcher finds its library relative to
        # itself, the preload its module beside it.
        p = model_run(["/usr/bin/aio-run", sys.executable, "model.py"], cwd=outside, env={"AIO_DEBUG_MODE": "3"})
        assert f"{LIBDIR_DEB}/libaio_dispatch-torch2.13.so" in p.stderr, p.stderr
        assert str(ROOT) not in p.stderr
        assert sh(["/usr/bin/aio-run", "--version"]).stdout.strip() == f"aio-run {VERSION}"
        assert "AIO_PROFILER" in sh(["/usr/bin/aio-run", "--print-config"]).stdout
    finally:
        p = dpkg("--purge", "aio")
    assert p.returncode == 0, p.stderr
    assert sh(["dpkg-query", "-W", "aio"], check=False).returncode != 0
    left = set(sh(["find", "/usr", "/etc", "-xdev"]).stdout.split()) - before
    ours = deb_files(deb)
    assert not [f for f in left if f in ours or "/aio/" in f or f.endswith("/aio") or "aio-run" in f
                or "aio-pytorch.7" in f], sorted(left)
    for f in ours:
        assert not Path(f).exists(), f
    assert not Path(LIBDIR_DEB).exists() and not Path("/usr/share/doc/aio").exists()
    assert not list(Path("/var/lib/dpkg/info").glob("aio.*"))


def rpm_unpack(rpm, root):
    root.mkdir()
    cpio = subprocess.Popen(["rpm2cpio", str(rpm)], stdout=subprocess.PIPE)
    p = subprocess.run(["cpio", "-idm", "--quiet"], stdin=cpio.stdout, cwd=root, capture_output=True, text=True)
    cpio.wait()
    assert p.returncode == 0 and cpio.returncode == 0, p.stderr
    return {"/" + str(f.relative_to(root)) for f in root.rglob("*") if f.is_file()}


def test_rpm_has_the_debs_files_and_its_preload_runs(packages, tmp_path):
    deb, rpm = packages
    root = tmp_path / "root"
    rpm_files = rpm_unpack(rpm, root)
    # Same files; the RPM layout has /usr/lib64/aio and a plain changelog.
    norm = {f.replace("/usr/lib64/aio/", f"{LIBDIR_DEB}/").replace("/doc/aio/changelog", "/doc/aio/changelog.gz")
            for f in rpm_files}
    assert norm == deb_files(deb)
    for v in MINORS:
        assert f"/usr/lib64/aio/libaio_dispatch-torch{v}.so" in rpm_files
    work = tmp_path / "work"
    work.mkdir()
    (work / "model.py").write_text(MODEL)
    model_run([sys.executable, "model.py"], cwd=work,
              env={"LD_PRELOAD": str(root / "usr/lib64/aio/libaio_preload.so")})
    # Its launcher finds ../lib64/aio from its own directory.
    p = model_run([str(root / "usr/bin/aio-run"), sys.executable, "model.py"], cwd=work, env={"AIO_DEBUG_MODE": "3"})
    assert str(root / "usr/lib64/aio/libaio_dispatch-torch2.13.so") in p.stderr


def test_package_metadata(packages):
    deb, rpm = packages
    info = sh(["rpm", "-qip", str(rpm)]).stdout
    fields = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in info.splitlines() if ":" in l}
    assert fields["Name"] == "aio" and fields["Version"] == VERSION and fields["Release"] == "1"
    assert fields["Architecture"] == RPM_ARCH and "PyTorch" in fields["Summary"]
    requires = sh(["rpm", "-qpR", str(rpm)]).stdout
    assert "numactl-libs" in requires and "elfutils-libelf" in requires
    assert "libnuma.so.1" in requires and "libelf.so.1" in requires
    assert "torch" not in requires.lower()
    ctl = {k: sh(["dpkg-deb", "-f", str(deb), k]).stdout.strip() for k in ("Package", "Version", "Architecture", "Depends")}
    assert ctl["Package"] == "aio" and ctl["Version"] == VERSION and ctl["Architecture"] == ARCH
    deps = [d.split()[0] for d in ctl["Depends"].split(",")]
    assert "libnuma1" in deps and "libelf1" in deps and not [d for d in deps if "torch" in d]


def test_make_install_destdir(tmp_path):
    dest = tmp_path / "dest"
    sh(["make", "-s", "-C", str(ROOT), f"BUILD={BUILD}", "install", f"DESTDIR={dest}", "PREFIX=/opt/aio-test"])
    lib = dest / "opt/aio-test/lib/aio"
    assert sorted(p.name for p in lib.iterdir()) == sorted(
        ["aio-print-config", "libaio_preload.so"] + [f"libaio_dispatch-torch{v}.so" for v in MINORS])
    assert (dest / "opt/aio-test/share/man/man7/aio-pytorch.7.gz").exists()
    # The launcher finds ../lib/aio relative to itself, wherever DESTDIR put it.
    p = sh([str(dest / "opt/aio-test/bin/aio-run"), "--print-config"])
    assert "AIO_PROCESS_MODE" in p.stdout


def test_man_page_lists_every_variable(packages, tmp_path):
    _, rpm = packages
    root = tmp_path / "root"
    rpm_unpack(rpm, root)
    import gzip
    page = gzip.decompress((root / "usr/share/man/man7/aio-pytorch.7.gz").read_bytes()).decode()
    config = sh([str(BUILD / "aio-print-config")]).stdout
    for name in (l.split()[0] for l in config.splitlines()):
        assert f".B {name}\n" in page, name
    assert "libaio_dispatch\\-torch2.11.so" in page


@pytest.mark.skipif(not shutil.which("lintian"), reason="lintian is installed by scripts/setup.sh")
def test_lintian_clean(packages):
    deb, _ = packages
    p = sh(["lintian", "--suppress-tags-from-file", str(ROOT / "packaging/lintian-suppressed"), str(deb)], check=False)
    bad = [l for l in p.stdout.splitlines() if l[:2] in ("E:", "W:")]
    assert not bad, p.stdout
