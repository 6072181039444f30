"""Engine properties: parallel runs equal serial ones; heavy parsers load only when needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config


def test_parallel_equals_serial(tmp_path: Path) -> None:
    for i in range(120):
        folder = tmp_path / f"svc{i % 7}"
        folder.mkdir(exist_ok=True)
        (folder / (".env" if i % 3 == 0 else f"n{i}.env.example")).write_text("A=1\n")
        (folder / f"x{i}.txt").write_text("python3 x.py\n")
    config = Config(root=tmp_path)
    serial = check([tmp_path], config, jobs=1)
    parallel = check([tmp_path], config, jobs=2)
    assert serial.findings == parallel.findings
    assert serial.files == parallel.files == 87  # 7 `.env` (one per folder) + 80 templates


def _mixed_tree(root: Path) -> None:
    for i in range(30):
        folder = root / f"svc{i % 5}"
        folder.mkdir(exist_ok=True)
        (folder / f"m{i}.py").write_text(
            f"import os\nP = '/tmp/state{i}'\nos.system('python3 x.py')\n")
        (folder / f"s{i}.sh").write_text(f"#!/bin/bash\npython3 job{i}.py > /tmp/out{i}\n")
        (folder / f"n{i}.env.example").write_text("A=1\n")
    units = root / "systemd"
    units.mkdir()
    for i in range(6):
        (units / f"quantum-x{i}.service").write_text("[Service]\nExecStart=/usr/bin/python3 x.py\n")


def test_parallel_equals_serial_across_kinds(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind, findings in the same order, and the project sent to workers once (it was
    pickled again with every chunk of tasks, losing what workers had learnt)."""
    from qt_lint.project import Project

    _mixed_tree(tmp_path)
    config = Config(root=tmp_path)
    serial = check([tmp_path], config, jobs=1)
    pickled = []
    getstate = Project.__getstate__

    def counted(self: Project) -> dict[str, object]:
        pickled.append(1)
        return getstate(self)

    monkeypatch.setattr(Project, "__getstate__", counted)
    parallel = check([tmp_path], config, jobs=2)
    assert parallel.findings == serial.findings
    assert {f.code for f in serial.findings} >= {"QT101", "QT203", "QT402"}
    assert parallel.files == serial.files == 96
    assert len(pickled) == 1


def test_env_only_run_imports_no_heavy_parser(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    code = (
        "import sys\n"
        "from qt_lint.main import main\n"
        f"rc = main(['check', {str(tmp_path)!r}])\n"
        "heavy = sorted(m for m in ('libcst', 'tree_sitter') if m in sys.modules)\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("1 []")


def test_python_parsed_only_where_a_rule_can_fire(tmp_path: Path) -> None:
    """By design (QT001 docs): no rule's text, no parse, so no syntax check either."""
    (tmp_path / "clean.py").write_text('print "py2, but nothing a rule looks for"\n')
    (tmp_path / "breach.py").write_text('import os\nprint "x"\nos.system("python3 t.py")\n')
    findings = check([tmp_path], Config(root=tmp_path), jobs=1).findings
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("breach.py", 2, "QT001")]


def test_a_python_file_that_does_not_parse_is_parsed_once(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    import qt_lint.parsers.python as py

    calls = []
    real = py.parse_tree

    def counting(text: str) -> object:
        calls.append(1)
        return real(text)

    monkeypatch.setattr(py, "parse_tree", counting)
    (tmp_path / "bad.py").write_text('import os\nprint "x"\nos.system("python3 t.py")\n')
    findings = check([tmp_path], Config(root=tmp_path), jobs=1).findings
    assert [f.code for f in findings] == ["QT001"]
    assert len(calls) == 1
