"""Scripts nobody marked as scripts (issue 25.4): files a unit, Makefile, crontab or
script runs or sources as shell are analysed as shell whatever their names; a git
submodule's files are reported as not analysed (QT001), never skipped silently."""

from __future__ import annotations

from pathlib import Path

from qt_lint.api import check
from qt_lint.config import Config
from tests.conftest import git


def _codes(root: Path, select: str) -> list[tuple[str, int, str]]:
    run = check([root], Config(root=root, select=(select,)), jobs=1)
    return sorted((Path(f.path).resolve().relative_to(root.resolve()).as_posix(), f.line,
                   f.code) for f in run.findings)


def test_a_file_run_by_a_shell_is_shell(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops/go.sh").write_text("#!/bin/bash\nbash ops/prepare.txt\nsource ops/lib.inc\n")
    (tmp_path / "ops/prepare.txt").write_text("python3 x.py\n")
    (tmp_path / "ops/lib.inc").write_text("\n\npython3 lib.py\n")
    (tmp_path / "ops/notes.txt").write_text("python3 never runs\n")
    (tmp_path / "crontab").write_text("* * * * * sh ops/cron_job\n")
    (tmp_path / "ops/cron_job").write_text("python3 c.py\n")
    assert _codes(tmp_path, "QT101") == [("ops/cron_job", 1, "QT101"),
                                         ("ops/lib.inc", 3, "QT101"),
                                         ("ops/prepare.txt", 1, "QT101")]


def test_a_submodule_is_reported_not_skipped(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    git("init", "-q", cwd=sub)
    (sub / "run.sh").write_text("python3 x.py\n")
    git("add", ".", cwd=sub)
    git("commit", "-qm", "sub", cwd=sub)
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub),
        "vendor/tools", cwd=repo)
    (repo / "ok.sh").write_text("echo ok\n")
    run = check([repo], Config(root=repo), jobs=1)
    found = [(Path(f.path).name, f.code, f.message) for f in run.findings]
    assert ("tools", "QT001", "not analysed: submodule (its files belong to another "
            "repository; run qt-lint there)") in found
