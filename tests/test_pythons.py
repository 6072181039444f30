"""The same findings on every supported CPython: the Python fixtures (3.12 f-strings
included) and the examples, checked by qt-lint installed under each interpreter that
`scripts/test` found (`QT_LINT_PYTHONS`: pyenv's 3.10-3.13 on these machines)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYTHONS = [p for p in os.environ.get("QT_LINT_PYTHONS", "").split() if os.access(p, os.X_OK)]


def _findings(python: str, target: Path) -> tuple[str, list[tuple[str, int, int, str, str]]]:
    proc = subprocess.run(
        [python, "-c", "import sys; from qt_lint.main import main; sys.exit(main())",
         "check", "--isolated", "--no-cache", "--format", "json", "."],
        cwd=target, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "QT_LINT_CACHE_DIR": str(target / ".no-cache")})
    assert proc.returncode in (0, 1), proc.stderr
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    doc = json.loads(proc.stdout)
    return version, sorted((f["path"], f["line"], f["column"], f["code"], f["message"])
                           for f in doc["findings"])


@pytest.mark.slow
@pytest.mark.skipif(len(PYTHONS) < 2, reason="scripts/test sets QT_LINT_PYTHONS (needs two "
                    "or more CPythons, pyenv's on these machines)")
@pytest.mark.parametrize("target", ["fixtures/python", "examples"])
def test_every_python_gives_the_same_findings(target: str) -> None:
    results = [_findings(python, ROOT / target) for python in PYTHONS]
    versions = [v for v, _ in results]
    assert len({v.rsplit(".", 1)[0] for v in versions}) == len(versions), versions
    first_version, first = results[0]
    assert first, "nothing found: the comparison would prove nothing"
    for version, found in results[1:]:
        assert found == first, (f"Python {version} differs from {first_version}: "
                                f"{sorted(set(found) ^ set(first))[:10]}")
    if target == "fixtures/python":
        assert not [f for f in first if f[0].endswith("fstrings312.py")], \
            "a valid 3.12 f-string file must be analysed, not reported"
