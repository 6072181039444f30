"""The real pre-commit, in a real git repository, against this checkout's hook definition."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, git


def _snapshot_of_checkout(tmp: Path) -> tuple[Path, str]:
    """This working tree (committed or not) as a one-commit repository pre-commit can clone."""
    snap = tmp / "qt-lint-snapshot"
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = os.fsdecode(raw)
        src = ROOT / rel
        if not src.is_file():
            continue
        dst = snap / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
    git("init", "-q", "-b", "main", cwd=snap)
    git("add", "-A", cwd=snap)
    git("commit", "-q", "-m", "snapshot", cwd=snap)
    return snap, git("rev-parse", "HEAD", cwd=snap).strip()


@pytest.mark.slow
def test_hook_blocks_env_file_commit_then_passes(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=str(Path(os.sys.executable).parent))
    assert pre_commit, "pre-commit is a test dependency"
    snap, rev = _snapshot_of_checkout(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    git("init", "-q", "-b", "main", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snap}\n    rev: {rev}\n    hooks:\n      - id: qt-lint\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run([pre_commit, "install"], cwd=work, env=env, check=True,
                   capture_output=True)
    (work / ".env").write_text("BINANCE_API_KEY=\n")
    (work / "app.py").write_text("print('ok')\n")
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    blocked = subprocess.run(["git", "commit", "-m", "add env"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=600)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert ".env:1:1: QT301" in out
    subprocess.run(["git", "rm", "-q", "--cached", ".env"], cwd=work, check=True)
    (work / ".env").unlink()
    passed = subprocess.run(["git", "commit", "-m", "no env"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "qt-lint" in passed.stdout + passed.stderr


def test_readme_rev_is_this_version_and_a_tag() -> None:
    """The README's `rev:` is `v<version>`, and the repository carries that tag (a clone
    without tags, such as a shallow CI checkout, cannot tell)."""
    import re

    from qt_lint import __version__

    revs = re.findall(r"^\s+rev: (\S+)", (ROOT / "README.md").read_text(), re.M)
    assert revs and set(revs) == {f"v{__version__}"}
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an sdist)")
    tags = git("tag", "--list", cwd=ROOT).split()
    if not tags:
        # a clone without tags (a shallow CI checkout, a mirror that drops them): the
        # pre-commit page must then give the forms that need none, a commit and a path
        ci = (ROOT / "docs/ci.md").read_text()
        assert re.search(r"^\s+rev: [0-9a-f]{40}\b", ci, re.M), "no commit form in docs/ci.md"
        assert re.search(r"^\s+- repo: local$", ci, re.M), "no local form in docs/ci.md"
        return
    assert f"v{__version__}" in tags
    assert git("cat-file", "-t", f"v{__version__}", cwd=ROOT).strip() == "tag"  # annotated
