"""What users see, pinned: the complete text and JSON output of `qt-lint check` on the
example repository and on every fixture folder, messages and fingerprints included.

A change of wording, position, severity or fingerprint fails here until the snapshot is
regenerated and the diff reviewed (ruff's snapshot habit):

    QT_LINT_UPDATE_SNAPSHOTS=1 scripts/test tests/test_snapshots.py tests/test_fixtures.py
    git diff tests/snapshots fixtures     # review, then commit
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qt_lint.main import main
from tests.conftest import FIXTURES, ROOT

SNAPSHOTS = ROOT / "tests" / "snapshots"
UPDATE = os.environ.get("QT_LINT_UPDATE_SNAPSHOTS") == "1"

CASES = [ROOT / "examples" / "quantum_trader",
         *sorted(p for p in FIXTURES.glob("*/qt[0-9][0-9][0-9]") if p.is_dir())]


def _name(case: Path) -> str:
    return case.relative_to(ROOT).as_posix().replace("/", "__")


def _run(case: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    config = ["--config", "qt-lint.toml"] if (case / "qt-lint.toml").is_file() else ["--isolated"]
    argv = ["check", "--no-cache", "--format", fmt, *config, "."]
    code = main(argv)
    out, err = capsys.readouterr()
    return f"$ qt-lint {' '.join(argv)}\n# exit {code}\n{err}{out}"


def compare(path: Path, actual: str) -> None:
    """`actual` equals the stored snapshot (or replaces it with QT_LINT_UPDATE_SNAPSHOTS=1)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path}: run with QT_LINT_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (f"{path.relative_to(ROOT)} differs; review and regenerate "
                                "with QT_LINT_UPDATE_SNAPSHOTS=1")


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_output_pinned(case: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if not (case / "qt-lint.toml").is_file():
        # a fixture folder is a project of its own: outside qt-lint's work tree (whose
        # root and tracked units a run inside it would take), its root is the folder
        import shutil

        where = Path(shutil.copytree(case, tmp_path / case.name, symlinks=True))
    else:
        where = case
    monkeypatch.chdir(where)
    monkeypatch.setenv("NO_COLOR", "1")
    text = _run(case, "text", capsys)
    as_json = _run(case, "json", capsys)
    compare(SNAPSHOTS / f"{_name(case)}.txt", f"{text}\n{as_json}")


def test_no_orphan_snapshots() -> None:
    """A snapshot whose case is gone is deleted, not left to rot."""
    wanted = {f"{_name(c)}.txt" for c in CASES}
    orphans = sorted(p.name for p in SNAPSHOTS.glob("*.txt") if p.name not in wanted)
    assert orphans == []
