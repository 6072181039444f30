"""git is started without the `subprocess` module (qt_lint.git.Background): its output,
its exit status, its error message, a timeout and a missing git behave as with
subprocess."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from qt_lint import git


def _repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.service").write_text("[Unit]\n")
    (tmp_path / "b c.sh").write_text("x\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    return tmp_path


def test_output_status_and_errors_as_subprocess_gives_them(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert git.run(str(root), "ls-files", "-z") == subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True).stdout
    listing = git.popen(str(root), "ls-files", "-z", "--", "*.service")
    assert listing.communicate(timeout=30) == (b"a.service\0", b"")
    assert listing.returncode == 0
    with pytest.raises(git.GitError, match=r"(?i)not a valid object name"):
        git.run(str(root), "cat-file", "-p", "nosuchrev")
    assert git.run(str(root), "cat-file", "-p", "nosuchrev", check=False) == b""
    failed = git.popen(str(tmp_path / "missing"), "ls-files")
    failed.communicate(timeout=30)
    assert failed.returncode != 0


def test_a_large_output_and_stderr_together_do_not_block(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    for i in range(3000):
        (root / f"file-with-a-long-name-{i:05d}.txt").write_text("")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    out = git.run(str(root), "ls-files", "-z")
    assert out.count(b"\0") == 3002


def test_a_missing_git_and_a_timeout_are_git_errors(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(git.GitError, match="git failed"):
        git.run(str(tmp_path), "status")
    slow = tmp_path / "bin"
    slow.mkdir()
    (slow / "git").write_text("#!/bin/sh\nsleep 30\n")
    (slow / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{slow}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setattr(git, "TIMEOUT", 0.5)
    start = time.monotonic()
    with pytest.raises(git.GitError, match="TimeoutError"):
        git.run(str(tmp_path), "status")
    assert time.monotonic() - start < 10
