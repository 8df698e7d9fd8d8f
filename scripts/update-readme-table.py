#!/usr/bin/env python3
"""Regenerate README.md's variable table from the option table
(build/aio-print-config --markdown). tests/python/test_readme_table.py fails
when the two drift apart."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- aio-options:begin -->", "<!-- aio-options:end -->"
tool = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "build") / "aio-print-config"
table = subprocess.run([str(tool), "--markdown"], check=True, capture_output=True, text=True).stdout.rstrip("\n")
readme = ROOT / "README.md"
text = readme.read_text()
head, rest = text.split(BEGIN + "\n", 1)
_, tail = rest.split(END, 1)
readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")

# The op table of issue 12 (scripts/op_table.py), between its own markers.
sys.path.insert(0, str(ROOT / "scripts"))
import op_table  # noqa: E402

OBEGIN, OEND = "<!-- aio-op-table:begin -->", "<!-- aio-op-table:end -->"
text = readme.read_text()
head, rest = text.split(OBEGIN + "\n", 1)
_, tail = rest.split(OEND, 1)
readme.write_text(f"{head}{OBEGIN}\n{op_table.markdown()}\n{OEND}{tail}")
