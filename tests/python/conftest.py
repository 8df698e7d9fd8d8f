"""Shared helpers: every test runs real subprocesses, with and without the
preload, against the real installed torch."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("AIO_BUILD_DIR", ROOT / "build"))
PRELOAD = BUILD / "libaio_preload.so"
AIO_RUN = BUILD / "aio-run"
PRINT_CONFIG = BUILD / "aio-print-config"


def clean_env(**extra):
    """The caller's environment minus any AIO_* or LD_PRELOAD, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_") and k != "LD_PRELOAD"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, preload=True, env=None, timeout=300, check=True, **kw):
    """Run cmd (list) with the preload (or not); return CompletedProcess."""
    e = clean_env(**(env or {}))
    if preload:
        e["LD_PRELOAD"] = str(PRELOAD)
    p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def run_py(code, preload=True, env=None, **kw):
    """Run a Python snippet in a fresh interpreter."""
    return run([sys.executable, "-c", textwrap.dedent(code)], preload=preload, env=env, **kw)


def run_py_json(code, preload=True, env=None, **kw):
    """Run a snippet whose last stdout line is JSON; return (obj, proc)."""
    p = run_py(code, preload=preload, env=env, **kw)
    return json.loads(p.stdout.strip().splitlines()[-1]), p


def aio_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("aio:")]


@pytest.fixture(scope="session", autouse=True)
def built():
    missing = [p for p in (PRELOAD, AIO_RUN, PRINT_CONFIG, BUILD / "libaio_dispatch.so") if not p.exists()]
    if missing:
        pytest.fail(f"build first (make): missing {', '.join(map(str, missing))}")
