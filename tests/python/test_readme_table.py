"""README.md's variable table is the generated one, verbatim: it is produced
by `aio-print-config --markdown` from the option table in env/options.c and
pasted between two marker lines. A missing README or missing markers fail
(never skip): the table is part of the release."""
from conftest import PRINT_CONFIG, ROOT, run

BEGIN = "<!-- aio-options:begin -->"
END = "<!-- aio-options:end -->"


def test_readme_table_matches_generated():
    readme = ROOT / "README.md"
    assert readme.exists(), f"{readme} does not exist"
    lines = readme.read_text().splitlines()
    assert lines.count(BEGIN) == 1, f"README.md needs exactly one line {BEGIN!r}"
    assert lines.count(END) == 1, f"README.md needs exactly one line {END!r}"
    b, e = lines.index(BEGIN), lines.index(END)
    assert b < e, "the begin marker must come before the end marker"
    in_readme = lines[b + 1:e]
    # Blank lines around the table are Markdown formatting, not content.
    while in_readme and not in_readme[0].strip():
        in_readme.pop(0)
    while in_readme and not in_readme[-1].strip():
        in_readme.pop()
    generated = run([str(PRINT_CONFIG), "--markdown"], preload=False).stdout.splitlines()
    assert len(generated) > 2 and generated[0].startswith("| Variable |"), generated[:3]
    assert in_readme == generated, (
        "README.md's table differs from `build/aio-print-config --markdown`; "
        "regenerate it between the markers")


def test_readme_op_table_matches_generated():
    """The op table (scripts/op_table.py) between its markers, verbatim."""
    import sys
    sys.path.insert(0, str(ROOT / "scripts"))
    import op_table
    lines = (ROOT / "README.md").read_text().splitlines()
    b, e = lines.index("<!-- aio-op-table:begin -->"), lines.index("<!-- aio-op-table:end -->")
    assert lines[b + 1:e] == op_table.markdown().splitlines(), (
        "README.md's op table differs from scripts/op_table.py; run scripts/update-readme-table.py")
    assert all(v in op_table.VERDICT for _, _, v, _ in op_table.OPS)
