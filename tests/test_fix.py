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


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("kind", sorted(p.name for p in CASES.iterdir()))
def test_fix_matches_expected_bytes_and_is_idempotent(kind: str, unsafe: bool,
                                                      tmp_path: Path) -> None:
    """`--fix` applies the safe fixes (`expected/`); `--unsafe-fixes` also those that change
    what runs, as whom, where, or what a unit needs to start (`expected-unsafe/`)."""
    work = _copy(kind, tmp_path)
    modes = {p.name: p.stat().st_mode for p in work.iterdir()}
    flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
    first = qt_lint("check", *flags, ".", cwd=work)
    assert "Traceback" not in first.stderr
    wanted = CASES / kind / ("expected-unsafe" if unsafe else "expected")
    for expected in sorted(wanted.iterdir()):
        got = (work / expected.name).read_bytes()
        assert got == expected.read_bytes(), f"{expected.name} differs after {flags}"
        assert (work / expected.name).stat().st_mode == modes[expected.name]
    snapshot = {p.name: p.read_bytes() for p in work.iterdir()}
    second = qt_lint("check", *flags, ".", cwd=work)
    assert "Fixed" not in second.stdout
    assert {p.name: p.read_bytes() for p in work.iterdir()} == snapshot
    assert second.stdout == first.stdout.replace("Fixed 3 files.\n", "")
    assert not [p for p in work.iterdir() if p.name.startswith(".qt-lint-")]


def test_safe_fixes_leave_who_where_and_what_starts_alone(tmp_path: Path) -> None:
    """What `--fix` leaves for a human: User=/Group= (who), WorkingDirectory= (where), a
    mandatory or other EnvironmentFile= and BindsTo= (what the unit needs to start)."""
    work = _copy("systemd-unit", tmp_path)
    qt_lint("check", "--fix", ".", cwd=work)
    proc = qt_lint("check", ".", cwd=work)
    remaining = sorted({line.split()[1] for line in proc.stdout.splitlines() if ": QT" in line})
    # QT410: the Requires= of contract D's start order is what the unit needs to start too
    assert remaining == ["QT304", "QT401", "QT402", "QT404", "QT407", "QT410"]
    assert "[*]" not in proc.stdout  # nothing safe is left undone
    proc = qt_lint("check", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert proc.returncode == 0, proc.stdout
    assert "EnvironmentFile=/etc/quantum/train.env" in (work / "quantum-train.service").read_text()


def test_fix_leaves_baselined_findings_and_shows_what_it_fixed(tmp_path: Path) -> None:
    """With a baseline, --fix changes only what is new; --show-fixes lists what it fixed;
    --exit-non-zero-on-fix fails a run that changed files."""
    work = _copy("systemd-unit", tmp_path)
    qt_lint("check", "--write-baseline", "base.json", ".", cwd=work)
    unit = work / "quantum-execution.service"
    unit.write_text(unit.read_text().replace("Type=simple", "Type=simple\nStandardOutput=syslog"))
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    proc = qt_lint("check", "--baseline", "base.json", "--fix", "--show-fixes",
                   "--exit-non-zero-on-fix", ".", cwd=work)
    assert proc.returncode == 1, proc.stdout
    changed = sorted(p.name for p in work.iterdir() if p.read_bytes() != before[p.name])
    assert changed == ["quantum-execution.service"]
    text = unit.read_text()
    assert "StandardOutput=journal" in text and "RestartSec=3" in text  # the baselined one stays
    assert proc.stdout.splitlines()[-2:] == [
        "Fixed 1 finding:",
        "  quantum-execution.service:8:16: QT408 StandardOutput=syslog: service output goes "
        "to the journal"]
    again = qt_lint("check", "--baseline", "base.json", "--fix", "--exit-non-zero-on-fix", ".",
                    cwd=work)
    assert again.returncode == 0, again.stdout  # nothing new, nothing changed


def test_diff_applies_with_git_apply(tmp_path: Path) -> None:
    """The recipe of docs/fixes.md: `qt-lint check --diff | git apply --unidiff-zero` gives what
    --fix writes (the diff has no context lines, so none can carry a secret)."""
    import subprocess

    from tests.conftest import git

    work = _copy("systemd-unit", tmp_path)
    git("init", "-q", cwd=work)
    git("add", "-A", cwd=work)
    from tests.conftest import qt_lint_exe

    # bytes: a CRLF unit's lines keep their CR in the patch
    patch = subprocess.run([qt_lint_exe(), "check", "--diff", "."], cwd=work,
                           capture_output=True, check=False).stdout
    assert b"\r\n" in patch
    applied = subprocess.run(["git", "apply", "--unidiff-zero", "-"], input=patch, cwd=work,
                             capture_output=True, check=False)
    assert applied.returncode == 0, applied.stderr
    for expected in sorted((CASES / "systemd-unit" / "expected").iterdir()):
        assert (work / expected.name).read_bytes() == expected.read_bytes()


def test_diff_prints_patch_writes_nothing(tmp_path: Path) -> None:
    work = _copy("systemd-unit", tmp_path)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    proc = qt_lint("check", "--diff", ".", cwd=work)
    assert proc.returncode == 1
    assert "--- a/quantum-backend.service" in proc.stdout
    assert "+StandardError=journal" in proc.stdout and "-StandardError=syslog" in proc.stdout
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
    assert "+RestartSec=10" in proc.stdout  # changed lines only: no context to leak from


def test_fix_from_stdin_prints_fixed_text(tmp_path: Path) -> None:
    data = (FIXTURES / "fix/systemd-unit/input/quantum-backend.service").read_bytes()
    proc = qt_lint("check", "--fix", "--isolated", "--stdin-filename",
                   "quantum-backend.service", "-", cwd=tmp_path, input=data)
    expected = (FIXTURES / "fix/systemd-unit/expected/quantum-backend.service").read_bytes()
    assert proc.stdout == expected
