"""`--fix` and `--diff` on real-world-shaped files, compared byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, qt_lint

CASES = FIXTURES / "fix"


def _copy(kind: str, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(CASES / kind / "input", work)
    (work / "qt-lint.toml").write_text("")  # the contract defaults, this folder as the root
    return work


@pytest.mark.parametrize("kind", sorted(p.name for p in CASES.iterdir()))
def test_fix_matches_expected_bytes_and_is_idempotent(kind: str, tmp_path: Path) -> None:
    work = _copy(kind, tmp_path)
    modes = {p.name: p.stat().st_mode for p in work.iterdir()}
    first = qt_lint("check", "--fix", ".", cwd=work)
    assert "Traceback" not in first.stderr
    for expected in sorted((CASES / kind / "expected").iterdir()):
        got = (work / expected.name).read_bytes()
        assert got == expected.read_bytes(), f"{expected.name} differs after --fix"
        assert (work / expected.name).stat().st_mode == modes[expected.name]
    snapshot = {p.name: p.read_bytes() for p in work.iterdir()}
    second = qt_lint("check", "--fix", ".", cwd=work)
    assert "Fixed" not in second.stdout
    assert {p.name: p.read_bytes() for p in work.iterdir()} == snapshot
    assert second.stdout == first.stdout.replace("Fixed 3 files.\n", "")
    assert not [p for p in work.iterdir() if p.name.startswith(".qt-lint-")]


def test_fixed_units_recheck_clean_for_fixed_codes(tmp_path: Path) -> None:
    work = _copy("systemd-unit", tmp_path)
    qt_lint("check", "--fix", ".", cwd=work)
    proc = qt_lint("check", ".", cwd=work)
    remaining = [line.split()[1] for line in proc.stdout.splitlines() if ": QT" in line]
    # only the unsafe EnvironmentFile change waits for a human (or --unsafe-fixes)
    assert remaining == ["QT304"]
    proc = qt_lint("check", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert proc.returncode == 0, proc.stdout
    assert "EnvironmentFile=/etc/quantum/train.env" in (work / "quantum-train.service").read_text()


def test_diff_prints_patch_writes_nothing(tmp_path: Path) -> None:
    work = _copy("systemd-unit", tmp_path)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    proc = qt_lint("check", "--diff", ".", cwd=work)
    assert proc.returncode == 1
    assert "--- a/quantum-backend.service" in proc.stdout
    assert "+User=qt" in proc.stdout and "-User=root" in proc.stdout
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before
    qt_lint("check", "--fix", ".", cwd=work)
    proc = qt_lint("check", "--diff", ".", cwd=work)
    assert proc.returncode == 0 and proc.stdout == ""


def test_diff_never_shows_a_secret(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    (work / "qt-lint.toml").write_text("")
    unit = (FIXTURES / "fix/systemd-unit/input/quantum-execution.service").read_text()
    unit = unit.replace("Type=simple", "Type=simple\nEnvironment=EXCHANGE_API_KEY=sk-live-9f8e7d")
    (work / "quantum-execution.service").write_text(unit)
    proc = qt_lint("check", "--diff", ".", cwd=work)
    assert proc.returncode == 1
    assert "sk-live-9f8e7d" not in proc.stdout + proc.stderr
    assert "+User=qt" in proc.stdout  # changed lines only: no context to leak from


def test_fix_from_stdin_prints_fixed_text(tmp_path: Path) -> None:
    data = (FIXTURES / "fix/systemd-unit/input/quantum-backend.service").read_bytes()
    proc = qt_lint("check", "--fix", "--isolated", "--stdin-filename",
                   "quantum-backend.service", "-", cwd=tmp_path, input=data)
    expected = (FIXTURES / "fix/systemd-unit/expected/quantum-backend.service").read_bytes()
    assert proc.stdout == expected
