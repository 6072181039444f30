"""Memory of a run grows with its findings, not with what it read (issue 27: under 300 MiB
at 10x the benchmark tree). Each file's text, parse tree and facts are freed when the file
is done; what a run keeps per file is its target and its findings."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

FILE = '''"""Module {i}."""
import subprocess


def job_{i}(rows: list[int]) -> int:
    subprocess.run(["sudo", "systemctl", "restart", "quantum-{i}"])
    total = 0
    for row in rows:
        if row % 3 == 0:
            total += row * {i}
        elif row % 5 == 0:
            total -= row
        else:
            total ^= row
    return total
''' + "".join(f'''

def helper_{{i}}_{n}(a: int, b: int = {n}) -> dict[str, int]:
    values = {{{{"a": a, "b": b, "sum": a + b, "diff": a - b}}}}
    return {{{{k: v * {n} for k, v in values.items() if v}}}}
''' for n in range(12))

PROBE = """
import sys, tracemalloc
from pathlib import Path
from qt_lint import api
from qt_lint.settings import load
root = Path(sys.argv[1])
config = load(None, root, True, ())
tracemalloc.start()
run = api.check([root], config, jobs=1)
held, peak = tracemalloc.get_traced_memory()
print(len(run.findings), held, peak)
"""


def _measure(root: Path, files: int) -> tuple[int, int, int]:
    root.mkdir()
    for i in range(files):
        (root / f"mod_{i}.py").write_text(FILE.format(i=i))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(PROBE), str(root)],
                         capture_output=True, text=True, check=True).stdout.split()
    found, held, peak = (int(v) for v in out)
    return found, held, peak


def test_memory_grows_with_findings_not_with_files_read(tmp_path: Path) -> None:
    """Four times the files: the traced memory (held at the end and at its peak) grows by
    less than 8 KiB per added file, each of which is 2.6 KB of text, a parse tree of about
    ten times that and one finding. Keeping every file's text, tree or facts to the end
    would cost several times the bound."""
    small, large = 40, 160
    found_s, held_s, peak_s = _measure(tmp_path / "small", small)
    found_l, held_l, peak_l = _measure(tmp_path / "large", large)
    assert (found_s, found_l) == (small, large)  # every file parsed, one finding each
    budget = 8 * 1024 * (large - small)
    assert held_l - held_s < budget, (held_s, held_l)
    assert peak_l - peak_s < budget, (peak_s, peak_l)
