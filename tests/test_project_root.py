"""Where the project root is, the folder findings' repository paths are relative to (and
what QT606 or the canary's own rules recognise by their path): found from the paths
checked, never from the current folder alone, with or without `--isolated` (which ignores
the configuration, not the root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git, qt_lint

_MAKEFILE = ("RUN := ops/run.sh ai-engine\n.PHONY: quality-gate\nquality-gate:\n"
             "\t-$(RUN) ops/model_safety/quality_gate.py\n")
_CANARY = "#!/bin/sh\nset -e\n[ -t 0 ] || exit 1\necho activated\n"


def _repo(root: Path, marker: str) -> Path:
    repo = root / "repo"
    (repo / "ops" / "model_safety").mkdir(parents=True)
    (repo / "Makefile").write_text(_MAKEFILE)
    (repo / "ops" / "model_safety" / "quality_gate.py").write_text("raise SystemExit(2)\n")
    (repo / "ops" / "model_safety" / "canary_activate.sh").write_text(_CANARY)
    if marker == "git":
        git("init", "-q", cwd=repo)
    elif marker == "pyproject":
        (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return repo


def _codes(proc_stdout: str) -> list[tuple[str, str]]:
    doc = json.loads(proc_stdout)
    return sorted({(Path(f["path"]).name, f["code"]) for f in doc["findings"]})


@pytest.mark.parametrize("marker", ["git", "pyproject", "none"])
@pytest.mark.parametrize("isolated", [True, False])
@pytest.mark.parametrize("where", ["outside", "parent", "inside-ops", "inside"])
def test_the_root_is_found_from_the_paths_checked(tmp_path: Path, marker: str, isolated: bool,
                                                  where: str) -> None:
    repo = _repo(tmp_path, marker)
    (tmp_path / "elsewhere").mkdir()
    cwd, target = {"outside": (tmp_path / "elsewhere", str(repo)), "parent": (tmp_path, "repo"),
                   "inside-ops": (repo / "ops", ".."), "inside": (repo, ".")}[where]
    args = ["check", "--no-cache", "--select", "QT606,QT601", "--format", "json"]
    proc = qt_lint(*args, *(["--isolated"] if isolated else []), target, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    # the Makefile's `-` prefix is QT606's; the canary is the canary (no QT601 for being
    # run by automation), wherever qt-lint runs from
    if marker == "none" and where != "inside":
        # nothing marks a project: the current folder is the root, as before (a system
        # file checked from elsewhere, /etc/cron.d/x, keeps the absolute path its kind and
        # rules read), and repo/Makefile is not the root's Makefile
        assert _codes(proc.stdout) == [], proc.stdout
        return
    assert _codes(proc.stdout) == [("Makefile", "QT606")], (proc.stdout, proc.stderr)


def test_a_system_file_checked_from_elsewhere_keeps_its_kind(tmp_path: Path) -> None:
    """Without a project around it, a file under an `etc/cron.d` folder is still a
    crontab when qt-lint runs from another folder (its path, not its folder, is read)."""
    cron = tmp_path / "image" / "etc" / "cron.d"
    cron.mkdir(parents=True)
    (cron / "quantum").write_text("0 6 * * * qt /home/qt/quantum_trader/ops/model_safety/"
                                  "canary_activate.sh xgb v1\n")
    (tmp_path / "elsewhere").mkdir()
    for isolated in ([], ["--isolated"]):
        proc = qt_lint("check", "--no-cache", "--select", "QT601", "--format", "json",
                       *isolated, str(cron / "quantum"), cwd=tmp_path / "elsewhere")
        assert _codes(proc.stdout) == [("quantum", "QT601")], proc.stdout
