from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config
from qt_lint.finding import Finding

ROOT = Path(__file__).resolve().parent.parent
# the tests never read or write the user's result cache
os.environ.setdefault("QT_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="qt-lint-test-cache-"))
FIXTURES = ROOT / "fixtures"


def run_check(root: Path, paths: list[Path] | None = None, **config: object) -> list[Finding]:
    """Check `paths` (default: `root`) with `root` as the project root, in this process."""
    cfg = Config(root=root, **config)  # type: ignore[arg-type]
    return check(paths or [root], cfg, jobs=1).findings


def qt_lint_exe() -> str:
    """The console script installed beside the running interpreter."""
    return shutil.which("qt-lint", path=str(Path(sys.executable).parent)) or "qt-lint"


def qt_lint(*args: str, cwd: Path, input: bytes | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would."""
    exe = qt_lint_exe()
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [exe, *args], cwd=cwd, input=input, capture_output=True, env=full_env, check=False,
        timeout=120,
    ) if input is not None else subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, env=full_env, check=False,
        timeout=120,
    )


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A fresh git repository in a temp folder."""
    git("init", "-q", "-b", "main", cwd=tmp_path)
    yield tmp_path


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """A compliant contract host under a temporary --root (tests/hosttree.py)."""
    from tests.hosttree import build_host

    root = tmp_path / "host"
    root.mkdir()
    build_host(root)
    return root
