"""The gate reads pull requests: git output is read exactly, and nothing the scanned
repository names as a program ever runs (issue: --diff-base dropped findings; fsmonitor,
filters and textconv ran on the runner)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.conftest import git, qt_lint

UNIT_BAD = "[Service]\nUser=root\nExecStart=/opt/quantum/venvs/backend/bin/python x.py\n"


def _commit_base(repo: Path) -> None:
    (repo / "README.md").write_text("base\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)


def _new_findings(repo: Path, *extra: str) -> list[tuple[str, int, str]]:
    proc = qt_lint("check", "--isolated", "--select", "QT101,QT402,QT004,QT001",
                   "--diff-base", "HEAD", "--format", "json", *extra, ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]]


def _modify_tracked(repo: Path, name: str, before: bytes, after: bytes) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(before)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    path.write_bytes(after)


@pytest.mark.parametrize("name", ["ops/with space.sh", "ops/tab\there.sh", "ops/prévu.sh",
                                  "ops/line\nbreak.sh"])
def test_changed_lines_of_unusual_names(repo: Path, name: str) -> None:
    _modify_tracked(repo, name, b"#!/bin/bash\necho ok\n",
                    b"#!/bin/bash\necho ok\npython3 new.py\n")
    found = _new_findings(repo)
    assert [(line, code) for _, line, code in found] == [(3, "QT101")]


def test_noprefix_in_user_config(repo: Path, tmp_path: Path) -> None:
    _modify_tracked(repo, "ops/a.sh", b"echo ok\n", b"echo ok\npython3 x.py\n")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[diff]\n\tnoprefix = true\n\tmnemonicPrefix = true\n")
    proc = qt_lint("check", "--isolated", "--diff-base", "HEAD", "--format", "json", ".",
                   cwd=repo, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home)})
    assert [(f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]] == \
        [(2, "QT101")]


def test_gitattributes_binary_or_nodiff_counts_whole(repo: Path) -> None:
    """The pull request's own .gitattributes makes git hide the change's lines."""
    (repo / ".gitattributes").write_text("diff.sh -diff\nbinary.sh binary\n")
    (repo / "ops").mkdir()
    for name in ("diff.sh", "binary.sh"):
        (repo / "ops" / name).write_text("python3 old.py\necho\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    for name in ("diff.sh", "binary.sh"):
        (repo / "ops" / name).write_text("python3 old.py\necho changed\n")
    found = _new_findings(repo)
    assert ("ops/diff.sh", 1, "QT101") in found and ("ops/binary.sh", 1, "QT101") in found


def test_unit_gaining_a_nul_byte(repo: Path) -> None:
    _modify_tracked(repo, "systemd/quantum-a.service", b"[Service]\nUser=qt\n",
                    b"[Service]\nUser=qt\0User=root\n")
    found = _new_findings(repo)
    assert ("systemd/quantum-a.service", 2, "QT004") in found
    assert ("systemd/quantum-a.service", 3, "QT402") in found


def test_undecodable_change_counts_whole(repo: Path) -> None:
    _modify_tracked(repo, "ops/a.sh", b"python3 old.py\necho\n", b"python3 old.py\necho \xff\n")
    assert _new_findings(repo) == [("ops/a.sh", 2, "QT001")]


def test_option_shaped_revision_is_refused(repo: Path) -> None:
    _commit_base(repo)
    proc = qt_lint("check", "--diff-base=--output=/tmp/qt-lint-pwned", ".", cwd=repo)
    assert proc.returncode == 2
    assert not Path("/tmp/qt-lint-pwned").exists()


# --- repository-controlled programs -----------------------------------------------------

def _hostile(repo: Path, marker: Path) -> None:
    """A repository whose config and attributes name, for every hook git offers, a program
    that leaves a marker file."""
    touch = f"touch {shlex.quote(str(marker))}"
    script = repo.parent / "evil.sh"
    script.write_text(f"#!/bin/sh\n{touch}\ncat\n")
    script.chmod(0o755)
    cfg = repo / ".git" / "config"
    cfg.write_text(cfg.read_text() + f"""
[core]
\tfsmonitor = {script}
\tpager = {script}
\thooksPath = {repo.parent}
[filter "evil"]
\tclean = {script}
\tsmudge = {script}
\tprocess = {script}
\trequired = true
[diff "evil"]
\ttextconv = {script}
\tcommand = {script}
[diff]
\texternal = {script}
[pager]
\tdiff = {script}
""")
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    for hook in ("post-checkout", "post-index-change", "fsmonitor-watchman"):
        (repo.parent / hook).write_text(f"#!/bin/sh\n{touch}\n")
        (repo.parent / hook).chmod(0o755)


def test_no_repository_program_runs(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    (repo / "ops").mkdir()
    (repo / "ops" / "a.sh").write_text("python3 a.py\n")
    (repo / "systemd").mkdir()
    (repo / "systemd" / "quantum-backend.service").write_text(UNIT_BAD)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    (repo / "ops" / "a.sh").write_text("python3 a.py\npython3 b.py\n")
    _hostile(repo, marker)
    unit = "systemd/quantum-backend.service"
    runs = [
        ("check", "."),
        ("check", "ops/a.sh"),
        ("check", unit),
        ("check", "--isolated", unit),
        ("check", "--no-cache", "--force-exclude", unit),
        ("check", "--diff-base", "HEAD", "."),
        ("check", "--diff-base", "HEAD", "--format", "sarif", "."),
        ("check", "--show-files", "."),
        ("check", "--write-baseline", str(tmp_path / "b.json"), "."),
        ("check", "--baseline", str(tmp_path / "b.json"), "."),
        ("check", "--diff", "."),
    ]
    for args in runs:
        proc = qt_lint(*args, cwd=repo)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        assert not marker.exists(), f"a repository program ran during: qt-lint {' '.join(args)}"
    proc = qt_lint("check", "--stdin-filename", unit, "-", cwd=repo, input=UNIT_BAD.encode())
    assert not marker.exists(), "a repository program ran during --stdin-filename"
    # the planted programs do run when git is asked plainly: the test can fail
    import subprocess

    subprocess.run(["git", "diff", "HEAD"], cwd=repo, capture_output=True, check=False)
    assert marker.exists(), "the hostile repository is not hostile: the test proves nothing"


def test_pull_request_cannot_switch_the_gate_off(repo: Path) -> None:
    """The pull request adds a breach and, beside it, config and baseline that hide it."""
    (repo / "qt-lint.toml").write_text('require-suppression-reason = true\n'
                                       'baseline = "qt-lint-baseline.json"\n')
    (repo / "ops").mkdir()
    (repo / "ops" / "old.sh").write_text("python3 legacy.py\n")
    assert qt_lint("check", "--write-baseline", "qt-lint-baseline.json", ".",
                   cwd=repo).returncode == 0
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    git("branch", "target", cwd=repo)
    # the pull request
    (repo / "systemd").mkdir()
    (repo / "systemd" / "quantum-backend.service").write_text(UNIT_BAD)
    (repo / "ops" / "new.sh").write_text("python3 new.py\n")
    (repo / "qt-lint.toml").write_text('baseline = "qt-lint-baseline.json"\n'
                                       'ignore = ["QT402"]\n')
    assert qt_lint("check", "--write-baseline", "qt-lint-baseline.json", ".",
                   cwd=repo).returncode == 0
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "pr", cwd=repo)
    assert qt_lint("check", ".", cwd=repo).returncode == 0  # what the PR's own config says
    proc = qt_lint("check", "--base-config", "target", "--format", "json", ".", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    found = {(f["path"], f["line"], f["code"], f["message"])
             for f in json.loads(proc.stdout)["findings"]}
    codes = {(path, code) for path, _, code, _ in found}
    assert ("systemd/quantum-backend.service", "QT402") in codes  # judged with the base
    assert ("ops/new.sh", "QT101") in codes  # the PR's baseline entries are not used
    assert ("ops/old.sh", "QT101") not in codes  # the base's baseline is
    assert ("qt-lint.toml", 2, "QT005", "stops running QT402") in found
    assert ("qt-lint.toml", 1, "QT005",
            "switches `require-suppression-reason` off") in found
    assert any(p == "qt-lint-baseline.json" and c == "QT005" and "adds" in m
               for p, _, c, m in found)
    bad = qt_lint("check", "--base-config", "--output=x", ".", cwd=repo)
    assert bad.returncode == 2
