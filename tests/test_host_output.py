"""`qt-lint host` for an operator: failures first with their remediation, n/a reasons said
once, `--failures-only`; `-o`, `--output-format`, `--color` as `check` (and ruff) have
them; `--help` under headings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import qt_lint
from tests.hosttree import build_host

ENV = "/etc/quantum/backend.env"


@pytest.fixture(scope="module")
def bad_host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-host") / "root"
    root.mkdir()
    build_host(root)
    for service in ("backend", "execution"):
        (root / f"etc/quantum/{service}.env").chmod(0o666)  # H131 fails twice
    return root


def _host(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = qt_lint("host", "--root", str(root), "--offline", *extra, cwd=root.parent,
                   env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout


def test_failures_first_with_remediation_once_and_na_reasons_once(bad_host: Path) -> None:
    code, out = _host(bad_host, env={"NO_COLOR": "1"})
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == f"H131 FAIL  {ENV}"
    assert lines[1].startswith("      expected:    root:qt 0640")
    assert lines[2] == "      actual:      file root:qt 0666"
    assert lines[3].startswith("      remediation: `chown root:qt")
    second = lines.index("H131 FAIL  /etc/quantum/execution.env")
    assert lines[second + 3] == "      remediation: as for H131 above (qt-lint explain H131)"
    first_pass = next(i for i, line in enumerate(lines) if " PASS " in line)
    assert all(" FAIL " not in line for line in lines[first_pass:])
    reason = [line for line in lines if "not a live host" in line]
    assert reason == ["      n/a:         not a live host (systemd is not PID 1, or "
                      "--root/--snapshot-in) (4 objects)"]
    assert sum(line.startswith("H143 N/A   ") for line in lines) == 4
    assert lines[-1].endswith("2 failed, 0 could not be verified, 4 not applicable.")


def test_failures_only(bad_host: Path) -> None:
    _, out = _host(bad_host, "--failures-only", env={"NO_COLOR": "1"})
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert heads[:-1] == [f"H131 FAIL  {ENV}", "H131 FAIL  /etc/quantum/execution.env"]
    assert "checks:" in heads[-1]


def test_output_file_means_what_it_means_for_check(bad_host: Path, tmp_path: Path) -> None:
    report = tmp_path / "audit.json"
    code, out = _host(bad_host, "--output-format", "json", "-o", str(report),
                      env={"NO_COLOR": "1"})
    assert code == 1 and out.startswith(f"H131 FAIL  {ENV}")  # the terminal: text
    assert json.loads(report.read_text())["ok"] is False  # the file: --format
    work = tmp_path / "repo"
    work.mkdir()
    (work / "qt-lint.toml").write_text("")
    (work / ".env").write_text("A=1\n")
    check = qt_lint("check", "--output-format", "json", "-o", "r.json", ".", cwd=work,
                    env={"NO_COLOR": "1"})
    assert ".env:1:1: QT301" in check.stdout
    assert json.loads((work / "r.json").read_text())["findings"][0]["code"] == "QT301"


def test_color_as_ruff_has_it(bad_host: Path, tmp_path: Path) -> None:
    red = "\033[31m"
    assert red not in _host(bad_host, env={"FORCE_COLOR": ""})[1]  # not a terminal
    assert red in _host(bad_host, env={"FORCE_COLOR": "1"})[1]
    assert red not in _host(bad_host, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    assert red in _host(bad_host, "--color", "always", env={"NO_COLOR": "1"})[1]
    assert red not in _host(bad_host, "--color", "never", env={"FORCE_COLOR": "1"})[1]
    work = tmp_path / "repo"
    work.mkdir()
    (work / "qt-lint.toml").write_text("")
    (work / ".env").write_text("A=1\n")
    assert red in qt_lint("check", ".", cwd=work, env={"FORCE_COLOR": "1"}).stdout
    assert red not in qt_lint("check", "--color", "never", ".", cwd=work,
                              env={"FORCE_COLOR": "1"}).stdout
    assert red in qt_lint("check", "--color", "always", ".", cwd=work,
                          env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize(("command", "headings"), [
    ("check", ["Output:", "Rule selection:", "File selection:", "Fixes:", "Adoption and CI:",
               "Configuration and run:"]),
    ("host", ["What is audited:", "Output:", "Redis (live host):", "Run and snapshots:"]),
])
def test_help_is_grouped(command: str, headings: list[str], tmp_path: Path) -> None:
    out = qt_lint(command, "--help", cwd=tmp_path).stdout
    found = [line for line in out.splitlines() if line.endswith(":") and
             not line.startswith(" ")]
    assert found[:len(headings)] == headings, found
    assert "Options:" not in found
