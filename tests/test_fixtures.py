"""Every fixture folder `fixtures/<kind>/<code>/` holds `fire/` files whose findings of that
code are exactly `expected.txt` (`path:line:col: CODE message`, the message users read), and
`silent/` files that must produce none of it. `QT_LINT_UPDATE_SNAPSHOTS=1` rewrites the
expected files (see tests/test_snapshots.py); review the diff before committing."""

from __future__ import annotations

from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config, load_config
from qt_lint.registry import all_rules, known_codes
from tests.conftest import FIXTURES
from tests.test_snapshots import UPDATE

CASES = sorted(p for p in FIXTURES.glob("*/qt[0-9][0-9][0-9]") if p.is_dir())


def _config(case: Path, root: Path) -> Config:
    own = case / "qt-lint.toml"
    if own.is_file():
        loaded = load_config(own, case, known_codes())
        from dataclasses import replace

        return replace(loaded, root=root)
    return Config(root=root, select=(case.name.upper(),))


def _found(case: Path, part: str) -> list[str]:
    root = case / part
    code = case.name.upper()
    findings = check([root], _config(case, root), jobs=1).findings
    return [f"{f.path_rel}:{f.line}:{f.column}: {f.code} {f.message}"
            for f in _rel(findings, root) if f.code == code]


class _Rel:
    def __init__(self, path_rel: str, line: int, column: int, code: str, message: str) -> None:
        self.path_rel, self.line, self.column, self.code = path_rel, line, column, code
        self.message = message


def _rel(findings: list, root: Path) -> list[_Rel]:  # type: ignore[type-arg]
    out = []
    for f in findings:
        path = Path(f.path)
        absolute = path if path.is_absolute() else (Path.cwd() / path)
        out.append(_Rel(absolute.resolve().relative_to(root.resolve()).as_posix(), f.line,
                        f.column, f.code, f.message))
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fire(case: Path) -> None:
    if UPDATE:
        found = sorted(_found(case, "fire"))
        (case / "expected.txt").write_text("".join(f"{line}\n" for line in found))
    expected = (case / "expected.txt").read_text().split("\n")
    expected = sorted(line for line in expected if line.strip())
    assert expected, f"{case}: expected.txt lists nothing"
    assert sorted(_found(case, "fire")) == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_silent(case: Path) -> None:
    assert any((case / "silent").rglob("*")), f"{case}: no must-not-fire files"
    assert _found(case, "silent") == []


def test_every_rule_has_fixtures() -> None:
    covered = {case.name.upper() for case in CASES}
    missing = sorted(code for code in all_rules() if code not in covered)
    assert missing == [], f"rules without fixtures: {missing}"
