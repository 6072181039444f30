"""Bounds on hostile sizes (issue 25 item 14), in tests/test_linear.py's style: measured
ratios between a size and a multiple of it, not absolute times, so a loaded machine does not
decide. Linear work grows by the multiple; quadratic by its square."""

from __future__ import annotations

import json
import time
from pathlib import Path

from qt_lint.api import check
from qt_lint.classify import Target
from qt_lint.config import Config
from qt_lint.engine import MAX_FINDINGS, check_file
from qt_lint.finding import Kind
from qt_lint.settings import RunSettings
from tests.conftest import git, qt_lint

UNIT = ("[Unit]\nDescription=x\nAfter=network-online.target redis-server.service\n"
        "Wants=network-online.target\nBindsTo=redis-server.service\n[Service]\nType=simple\n"
        "User=qt\nGroup=qt\nWorkingDirectory=/home/qt/quantum_trader\n"
        "EnvironmentFile=/etc/quantum/backend.env\n"
        "ExecStart=/opt/quantum/venvs/backend/bin/python -m app\nRestart=always\n"
        "RestartSec=10\nStandardOutput=journal\nStandardError=journal\n"
        "SyslogIdentifier=quantum-backend\n[Install]\nWantedBy=multi-user.target\n")


def _dropins_seconds(root: Path, count: int) -> float:
    folder = root / f"n{count}" / "quantum-backend.service.d"
    folder.mkdir(parents=True)
    (folder.parent / "quantum-backend.service").write_text(UNIT)
    for i in range(count):
        (folder / f"{i:05}.conf").write_text(f"[Service]\nEnvironment=X{i}=1\n")
    start = time.perf_counter()
    result = check([folder.parent], Config(root=folder.parent), jobs=1)
    seconds = time.perf_counter() - start
    assert result.files == count + 1 and result.findings == []
    return seconds


def test_many_drop_ins_in_one_folder_are_linear(tmp_path: Path) -> None:
    """Each drop-in is judged merged with all the others; parsing them again for each (or
    scanning all of them for each lookup) made 1,000 take a minute and 2,000 three."""
    small = min(_dropins_seconds(tmp_path / "a", 150), _dropins_seconds(tmp_path / "b", 150))
    large = _dropins_seconds(tmp_path / "c", 1200)  # 8x the files: quadratic is 64x
    assert large / small < 20, (small, large)


def _unit_findings(lines: int) -> tuple[float, list[tuple[int, str, str]]]:
    text = "[Service]\n" + "A=\n" * lines
    target = Target("quantum-a.service", "/r/quantum-a.service", "quantum-a.service",
                    Kind.UNIT)
    settings = RunSettings.build(Config(root=Path("/r")))
    start = time.perf_counter()
    result = check_file(target, settings, data=text.encode())
    return time.perf_counter() - start, [(f.line, f.code, f.message)
                                         for f in result.findings]


def test_findings_per_file_are_capped_and_the_rest_summarised() -> None:
    """A unit of 20,000 unknown keys: 1,000 findings and one QT001 that says more were
    found, never 20,000 findings (699,034 for a 2 MiB unit: 216 s and 2 GB)."""
    _, found = _unit_findings(20_000)
    assert len(found) == MAX_FINDINGS + 1
    summary = [f for f in found if f[1] == "QT001"]
    assert len(summary) == 1 and "QT400 found more than 1,000" in summary[0][2]
    assert summary[0][0] <= 1002  # where the findings not listed start


def test_a_unit_of_unknown_keys_is_linear() -> None:
    small = min(_unit_findings(10_000)[0], _unit_findings(10_000)[0])
    large = _unit_findings(80_000)[0]  # 8x
    assert large / small < 20, (small, large)
    # and fast in absolute terms: "did you mean" is asked for the first problems only
    assert large < 30


def test_a_deeply_nested_baseline_or_config_is_exit_2(repo: Path) -> None:
    (repo / "a.sh").write_text("#!/bin/sh\necho ok\n")
    (repo / "b.json").write_text("[" * 100_000 + "]" * 100_000)
    proc = qt_lint("check", "--isolated", "--baseline", "b.json", ".", cwd=repo)
    assert proc.returncode == 2 and "nested too deeply" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    (repo / "b.json").write_text(json.dumps({"version": 2, "findings": [[[[[]]]]] * 1}))
    proc = qt_lint("check", "--isolated", "--baseline", "b.json", ".", cwd=repo)
    assert proc.returncode == 2 and "not a qt-lint baseline" in proc.stderr
    (repo / "b.json").unlink()
    nested = "[tool.qt-lint]\nselect = " + "[" * 100_000 + "]" * 100_000 + "\n"
    (repo / "pyproject.toml").write_text(nested)
    proc = qt_lint("check", ".", cwd=repo)
    assert proc.returncode == 2 and "nested too deeply" in proc.stderr, proc.stderr
    # at the base of --base-config (the working tree's own is fine)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    git("branch", "target", cwd=repo)
    (repo / "pyproject.toml").write_text("[tool.qt-lint]\nstrict = true\n")
    proc = qt_lint("check", "--base-config", "target", ".", cwd=repo)
    assert proc.returncode == 2 and "nested too deeply" in proc.stderr, proc.stderr
    assert "RecursionError" not in proc.stderr
