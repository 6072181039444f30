"""Lines as systemd reads them (issue: a lone CR or NUL hid `User=root` from qt-lint).

systemd ends a line at LF, CRLF, a lone CR and NUL in unit files, and at LF or CR in env
files, where it also stops at the first NUL. qt-lint must see the same lines: the unit
cases are compared with `systemd-analyze verify` itself (no running systemd needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import qt_lint

HEAD = "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n"
CASES = {
    "lone-cr": HEAD + "# note\rRestar=always\n",
    "nul": HEAD + "User=qt\0Restar=always\n",
    "crlf": (HEAD + "Restar=always\n").replace("\n", "\r\n"),
    "cr-in-continuation": HEAD + "Environment=A=1 \\\n  B=2\rRestar=always\n",
    "two-nuls": HEAD + "\0\0Restar=always\n",
    "lf-cr": HEAD + "A=1\n\rRestar=always\n",
    "cr-cr-lf": HEAD + "A=1\r\r\nRestar=always\n",
    "nul-lf": HEAD + "A=1\0\nRestar=always\n",
    "cr-nul-lf": HEAD + "A=1\r\0\nRestar=always\n",
}


def _systemd_lines(path: Path) -> list[int]:
    assert shutil.which("systemd-analyze"), "scripts/test installs Debian's systemd package"
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    complaint = rf"{re.escape(path.name)}:(\d+): Unknown key '?Restar\b"
    return sorted(int(n) for n in re.findall(complaint, proc.stderr))


@pytest.mark.parametrize("name", sorted(CASES))
def test_unit_lines_match_systemd_analyze(name: str, tmp_path: Path) -> None:
    unit = tmp_path / "quantum-x.service"
    unit.write_bytes(CASES[name].encode())
    expected = _systemd_lines(unit)
    assert expected, "systemd-analyze reads the misspelt key"
    proc = qt_lint("check", "--isolated", "--select", "QT400", "--format", "json",
                   unit.name, cwd=tmp_path)
    import json

    found = sorted(f["line"] for f in json.loads(proc.stdout)["findings"]
                   if f["code"] == "QT400" and "Restar=" in f["message"])
    assert found == expected


def test_hidden_user_root_is_found(tmp_path: Path) -> None:
    """The issue's reproduction: exit 0 before, now QT402 on the hidden line and QT004."""
    (tmp_path / "quantum-a.service").write_bytes(b"[Service]\nUser=qt\n# c\rUser=root\n")
    proc = qt_lint("check", "--isolated", "--select", "QT402,QT004", "quantum-a.service",
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert "quantum-a.service:4:6: QT402" in proc.stdout
    assert "quantum-a.service:3:4: QT004" in proc.stdout


def test_hidden_env_lines_are_judged(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "backend.env").write_bytes(
        b"# note\rBINANCE_API_SECRET=x\rREDIS_HOST=quantum_redis\n")
    proc = qt_lint("check", "--isolated", "--select", "QT305,QT502,QT004", "deploy",
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert "backend.env:2:1: QT305" in proc.stdout
    assert "backend.env:3:12: QT502" in proc.stdout
    assert proc.stdout.count("QT004") == 2
    assert "=x" not in proc.stdout  # the secret's value is never printed


def test_env_reading_stops_at_nul(tmp_path: Path) -> None:
    """systemd never reads what follows a NUL in an env file: neither does the judgement."""
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "backend.env").write_bytes(b"A=1\0REDIS_HOST=quantum_redis\n")
    proc = qt_lint("check", "--isolated", "--select", "QT502,QT004", "deploy", cwd=tmp_path)
    assert "QT502" not in proc.stdout
    assert "backend.env:1:4: QT004 NUL byte: systemd stops reading" in proc.stdout
