"""make mca's vpipe column (scripts/mca_report.py): the busiest FP/ASIMD
pipe's pressure per iteration, read from llvm-mca's resource table. A
canned table checks the parsing; where llvm-mca-19 is installed, real
streams check that a one-pipe instruction counts on that pipe only."""
import importlib.util
import shutil

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("mca_report", ROOT / "scripts" / "mca_report.py")
mca_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mca_report)

CANNED = """Resources:
[0]   - N1UnitB
[1.0] - N1UnitD
[1.1] - N1UnitD
[2.0] - N1UnitL
[2.1] - N1UnitL
[3]   - N1UnitM
[4.0] - N1UnitS
[4.1] - N1UnitS
[5]   - N1UnitV0
[6]   - N1UnitV1


Resource pressure per iteration:
[0]    [1.0]  [1.1]  [2.0]  [2.1]  [3]    [4.0]  [4.1]  [5]    [6]    
 -      -      -     3.50   0.50    -     0.50   0.50   2.25   2.75   
"""


def test_canned_table_busiest_v_pipe():
    # the L pipes (3.5) are not V pipes; V1 (2.75) is the busiest of V0/V1
    assert mca_report.vpipe_bound(CANNED, "neoverse-n1") == pytest.approx(2.75)
    assert mca_report.vpipe_bound(CANNED, "ampere1") is None  # no Ampere1 units in this table
    assert mca_report.vpipe_bound(CANNED, "cortex-a53") is None  # no pipe list for that core
    assert mca_report.vpipe_bound("no table here", "neoverse-n1") is None


@pytest.mark.skipif(shutil.which("llvm-mca-19") is None, reason="llvm-mca-19 not installed")
def test_real_streams():
    # N1 runs USHR on V1 only: 8 of them keep V1 busy 8 cycles; AND takes either pipe
    ushr = "\n".join(f"ushr v{i}.16b, v30.16b, #4" for i in range(8)) + "\n"
    c, vb, err = mca_report.run_mca_full("llvm-mca-19", "aarch64", "neoverse-n1", ushr)
    assert err is None and vb == pytest.approx(8.0, abs=0.05) and c >= 8.0
    andv = "\n".join(f"and v{i}.16b, v30.16b, v31.16b" for i in range(8)) + "\n"
    c, vb, err = mca_report.run_mca_full("llvm-mca-19", "aarch64", "neoverse-n1", andv)
    assert err is None and vb == pytest.approx(4.0, abs=0.05)
    # loads alone: no V-pipe pressure
    ld = "\n".join(f"ldr q{i}, [x0, #{16 * i}]" for i in range(8)) + "\n"
    c, vb, err = mca_report.run_mca_full("llvm-mca-19", "aarch64", "neoverse-n1", ld)
    assert err is None and vb == pytest.approx(0.0)
