"""Units end to end: `unit new`, systemd-analyze, cross-unit rules on one changed file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qt_lint.parsers.systemd import exec_commands, parse
from tests.conftest import FIXTURES, git, qt_lint

SERVICES = [("backend", ["--script", "-m backend.main"]),
            ("ai-engine", ["--script", "-m ai_engine.main"]),
            ("execution", ["--script", "-m execution.main"]),
            ("rl-agent", ["--script", "-m rl_agent.main"]),
            ("ai-engine-train", ["--oneshot", "--script", "ops/training/train_patchtst.py"])]


def _new(tmp_path: Path) -> Path:
    folder = tmp_path / "systemd"
    folder.mkdir()
    (tmp_path / "qt-lint.toml").write_text("")
    for service, args in SERVICES:
        proc = qt_lint("unit", "new", service, *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (folder / f"quantum-{service}.service").write_text(proc.stdout)
    return folder


def test_unit_new_passes_check_clean(tmp_path: Path) -> None:
    _new(tmp_path)
    proc = qt_lint("check", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "All checks passed (6 files checked)" in proc.stdout  # 5 units + qt-lint.toml


def test_unit_new_never_guesses_a_venv(tmp_path: Path) -> None:
    proc = qt_lint("unit", "new", "risk", "--script", "-m risk", cwd=tmp_path)
    assert proc.returncode == 2 and "no venv is mapped to quantum-risk" in proc.stderr
    proc = qt_lint("unit", "new", "backend", "--venv", "ai-engine", "--script", "x.py",
                   cwd=tmp_path)
    assert proc.returncode == 2 and "maps quantum-backend to 'backend'" in proc.stderr
    proc = qt_lint("unit", "new", "risk", "--venv", "execution", "--script", "x.py",
                   cwd=tmp_path)
    assert proc.returncode == 0 and "venvs/execution/bin/python x.py" in proc.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_unit_new_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    folder = _new(tmp_path)
    for unit in sorted(folder.iterdir()):
        proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                              capture_output=True, text=True, timeout=60, check=False)
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        # a build machine has neither the venvs nor the qt user: those are the only complaints
        other = [line for line in lines
                 if not re.search(r"is not executable|Failed to resolve user|"
                                  r"Failed to resolve group|User .* not found", line)]
        assert other == [], unit.name


def test_cross_unit_rules_see_the_whole_repo_from_one_file(repo: Path) -> None:
    src = FIXTURES / "systemd-unit/qt410/fire"
    shutil.copytree(src, repo / "systemd")
    (repo / "qt-lint.toml").write_text('select = ["QT410"]\n')
    git("add", "-A", cwd=repo)
    # pre-commit passes only the changed file: the cycle is still seen, and only that
    # file's findings are reported
    proc = qt_lint("check", "systemd/quantum-report.service", cwd=repo)
    assert proc.stdout.splitlines()[0] == (
        "systemd/quantum-report.service:3:50: QT410 ordering cycle among "
        "quantum-backend.service -> quantum-report.service")
    assert "quantum-ai-engine" not in proc.stdout.split("\n", 1)[1]


def test_dropin_checked_alone_is_merged_with_its_fragment(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "systemd-unit/qt402/fire", tmp_path / "u")
    (tmp_path / "qt-lint.toml").write_text("")
    # the fragment says User=root, its drop-in User=qt: systemd runs it as qt, so the
    # drop-in is clean; the fragment is reported, since `cp systemd/*.service` (contract K)
    # installs it without the drop-in
    dropin = qt_lint("check", "--select", "QT402", "u/quantum-sizing.service.d/10-user.conf",
                     cwd=tmp_path)
    assert dropin.returncode == 0, dropin.stdout
    fragment = qt_lint("check", "--select", "QT402", "u/quantum-sizing.service", cwd=tmp_path)
    assert fragment.returncode == 1
    assert "u/quantum-sizing.service:10:6: QT402 User=root in the fragment: the drop-in that " \
        "sets User=qt is not installed" in fragment.stdout


def test_unit_only_run_imports_no_other_parser(tmp_path: Path) -> None:
    """A unit check parses units only: neither the Python analysis nor tree-sitter is
    imported (the unit's Exec lines are split as systemd splits them)."""
    shutil.copytree(FIXTURES / "systemd-unit/qt401/fire", tmp_path / "u")
    code = ("import sys\nfrom qt_lint.main import main\n"
            f"main(['check', '--isolated', {str(tmp_path / 'u')!r}])\n"
            "print(sorted(m for m in ('qt_lint.parsers.python', 'qt_lint.parsers.systemd',"
            " 'tree_sitter', 'libcst') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "['qt_lint.parsers.systemd']"


@pytest.mark.parametrize(("value", "program", "argv"), [
    ("-/usr/bin/python3 -u script.py", "/usr/bin/python3", ["-u", "script.py"]),
    ("@/usr/bin/python3 py3 x.py", "/usr/bin/python3", ["x.py"]),
    ("!!/bin/echo 'a b' \"c\\\"d\"", "/bin/echo", ["a b", 'c"d']),
    (":/bin/true ; /bin/false x", "/bin/true", []),
])
def test_exec_word_splitting(value: str, program: str, argv: list[str]) -> None:
    first = exec_commands(value)[0]
    assert [w.text for w in first] == [program, *argv]


@pytest.mark.parametrize(("line", "prefixes"), [
    ("ExecStart=/bin/x a", [("", 0)]),  # (prefix, index in the value)
    ("ExecStartPre=+/bin/x ; !!/bin/y ; /bin/z", [("+", 0), ("!!", 10), ("", 21)]),
    ("ExecStop=-@/bin/x x0 +not-a-prefix", [("-@", 0)]),  # only a command's first word
    ("ExecStart=", []),
    ("User=+root", []),  # not a command line
])
def test_exec_prefixes_are_those_of_each_commands_first_word(
        line: str, prefixes: list[tuple[str, int]]) -> None:
    """What QT402 judges (`+`: full privileges, `!`: no user switch), as the rules get it
    from an assignment of `FileContext.unit_document`."""
    doc = parse(f"[Service]\n{line}\n", "x.service", "service")
    assignment = doc.sections[0].assignments[0]
    assert assignment.exec_prefixes() == prefixes


def test_a_unit_document_yields_the_commands_of_its_exec_lines() -> None:
    doc = parse("[Service]\nExecStart=/bin/bash -c 'cd /x && ./run'\nUser=qt\n", "x.service")
    assert [(c.origin, c.name) for c in doc.commands()] == [
        ("ExecStart", "bash"), ("ExecStart script", "cd"), ("ExecStart script", "run")]


def test_parser_positions_continuations_and_resets() -> None:
    text = ("[Service]\nExecStart=/a/b \\\n  --x \\\n# comment inside\n  --y\n"
            "Environment=A=1\nEnvironment=\nEnvironment=B=2\n")
    doc = parse(text, "x.service", "service")
    exec_start = doc.sections[0].assignments[0]
    assert exec_start.value == "/a/b    --x    --y"  # the backslash becomes a space
    assert exec_start.position(exec_start.value.index("--y")) == (5, 3)
    from qt_lint.parsers.systemd import Unit

    unit = Unit("x.service", doc)
    assert [a.value for a in unit.values("Service", "Environment")] == ["B=2"]
    assert doc.problems == []


def test_start_order_is_the_tracked_units_and_the_ones_checked(tmp_path: Path) -> None:
    """In git, the cross-unit graph holds what git tracks (the commit's view) plus the units
    being checked: an untracked unit lying in the tree changes nobody else's findings."""
    shutil.copytree(FIXTURES / "systemd-unit" / "qt410" / "fire", tmp_path, dirs_exist_ok=True)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("rm", "-q", "--cached", "quantum-report.service", cwd=tmp_path)  # untracked now

    def qt410(*files: str) -> list[str]:
        proc = qt_lint("check", "--no-cache", "--select", "QT410", *files, cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        return re.findall(r"^(\S+:\d+:\d+): QT410", proc.stdout, re.M)

    # quantum-backend <-> quantum-report is a cycle only when quantum-report counts
    assert qt410("quantum-backend.service") == []
    assert qt410("quantum-backend.service", "quantum-report.service") == [
        "quantum-backend.service:3:50", "quantum-report.service:3:50"]
    assert "quantum-report.service:3:50" in qt410(".")  # a walk checks untracked files too
    git("add", "quantum-report.service", cwd=tmp_path)
    assert qt410("quantum-backend.service") == ["quantum-backend.service:3:50"]
