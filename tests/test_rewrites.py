"""`sed -i` as qt-lint applies it to a unit a script edits (qt_lint.rewrites), proven
against GNU sed itself on generated files and `s` commands (literals, anchors, `.`, `*`,
bracket classes, `\\(...\\)` groups, `&`, `\\1`, the `g` flag, another separator).
Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 25x more examples."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.rewrites import apply_sed

EXAMPLES = 2500 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 100
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])

LINES = st.lists(st.sampled_from(["[Service]", "User=qt", "User=root", "Group=qt",
                                  "ExecStart=/opt/quantum/venvs/backend/bin/python -m x",
                                  "RestartSec=5", "# User=qt", "", "A=b=c", "x.y*z"]),
                 min_size=1, max_size=6)
PATTERN_PARTS = st.sampled_from(["User", "=", "qt", "root", ".", "*", "[a-z]", "[0-9]",
                                 "\\(qt\\)", "\\(U\\)ser", "e", "x\\.y", "\\*"])
REPLACEMENTS = st.sampled_from(["root", "qt", "&", "\\1", "X=&", "[\\1]", "", "a\\&b"])


@st.composite
def substitution(draw: st.DrawFn) -> str:
    parts = draw(st.lists(PATTERN_PARTS, min_size=1, max_size=3))
    pattern = "".join(parts)
    if draw(st.booleans()):
        pattern = "^" + pattern
    if draw(st.booleans()):
        pattern += "$"
    replacement = draw(REPLACEMENTS)
    if "\\1" in replacement and "\\(" not in pattern:
        replacement = "Z"  # sed rejects a reference to a group the pattern lacks
    sep = draw(st.sampled_from(["/", "|", "#"]))
    flags = draw(st.sampled_from(["", "g"]))
    return f"s{sep}{pattern}{sep}{replacement}{sep}{flags}"


def _gnu_sed(text: str, script: str) -> str:
    sed = shutil.which("sed")
    assert sed, "sed is missing"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "unit"
        path.write_text(text)
        # a script sed rejects leaves the file as it was (sed exits 1, the edit is lost)
        subprocess.run([sed, "-i", "-e", script, str(path)], check=False, timeout=10,
                       capture_output=True, env={"LC_ALL": "C"})
        return path.read_text()


@PROFILE
@given(LINES, st.lists(substitution(), min_size=1, max_size=2))
def test_an_edit_is_what_gnu_sed_makes(lines: list[str], scripts: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    script = ";".join(scripts)
    edited = apply_sed(text, [script])
    # None: qt-lint does not follow the edit and judges the file as it was; right only
    # where sed leaves it so too
    assert (text if edited is None else edited) == _gnu_sed(text, script), script


def test_a_command_sed_runs_that_qt_lint_does_not_follow_leaves_the_file() -> None:
    assert apply_sed("User=qt\n", ["/x/d"]) is None
    assert apply_sed("User=qt\n", ["1i User=root"]) is None
