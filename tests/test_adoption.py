"""The adoption walk-through of docs/adoption.md, run end to end on a sample repository (the
example repository, committed): look, baseline, pre-commit (a commit blocked, then allowed),
the CI formats, fix, and a burn-down that leaves no new finding. Every command run here is
quoted from the page, so the page and the test cannot drift apart."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT, git

PAGE = (ROOT / "docs" / "adoption.md").read_text()


def _commands() -> list[str]:
    """The shell commands of the page, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", PAGE, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _local_hook() -> str:
    """docs/ci.md's `repo: local` form of the hook, as a whole configuration."""
    ci = (ROOT / "docs" / "ci.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", ci, re.S) if "repo: local" in b)
    return "repos:\n" + block


def test_the_walk_through_runs_end_to_end(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    pre_commit = shutil.which("pre-commit", path=str(bin_dir))
    assert pre_commit, "pre-commit is a test dependency"
    repo = tmp_path / "quantum_trader"
    shutil.copytree(ROOT / "examples" / "quantum_trader", repo)
    (repo / ".env").unlink()  # committed below as the breach the hook stops
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
           "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "XDG_CACHE_HOME": str(tmp_path),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    env.pop("PRE_COMMIT", None)

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=300, check=False)

    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "legacy", cwd=repo)
    commands = _commands()
    assert len(commands) == 9, commands
    look, look_json, baseline, sarif, gitlab, fix, burn, recheck, commit = commands
    assert recheck == "qt-lint check" and commit.startswith("git add -A && git commit")

    # 1. look
    proc = sh(look)
    assert proc.returncode == 1 and "QT" in proc.stdout, proc.stdout + proc.stderr
    proc = sh(look_json)
    assert proc.returncode == 1
    assert json.loads((repo / "qt-lint.json").read_text())["findings"]
    (repo / "qt-lint.json").unlink()

    # 2. baseline, configured as the page says
    proc = sh(baseline)
    assert proc.returncode == 0 and "Wrote" in proc.stdout, proc.stdout + proc.stderr
    assert 'baseline = ".qt-lint-baseline.json"' in PAGE
    with (repo / "qt-lint.toml").open("a") as handle:
        handle.write('baseline = ".qt-lint-baseline.json"\n')
    proc = sh("qt-lint check")
    assert proc.returncode == 0, proc.stdout

    # 3. pre-commit, the local form of docs/ci.md
    (repo / ".pre-commit-config.yaml").write_text(_local_hook())
    yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert sh(f"{pre_commit} install").returncode == 0
    git("add", "-A", cwd=repo)
    proc = sh("git commit -q -m adopt")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / ".env").write_text("BINANCE_API_KEY=\n")
    git("add", ".env", cwd=repo)
    blocked = sh("git commit -q -m 'add env'")
    assert blocked.returncode != 0 and ".env:1:1: QT301" in blocked.stdout + blocked.stderr
    git("rm", "-q", "--cached", ".env", cwd=repo)
    (repo / ".env").unlink()
    (repo / "ops" / "notes.sh").write_text("#!/bin/bash\necho ok\n")
    git("add", "-A", cwd=repo)
    allowed = sh("git commit -q -m 'a clean change'")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr

    # 4. the CI gate against the target branch
    git("remote", "add", "origin", str(repo), cwd=repo)
    git("fetch", "-q", "origin", cwd=repo)
    for command, report in ((sarif, "qt-lint.sarif"), (gitlab, "gl-code-quality.json")):
        proc = sh(command)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        document = json.loads((repo / report).read_text())
        assert document == [] if report.startswith("gl-") else document["runs"][0][
            "results"] == [], document
        (repo / report).unlink()

    # 5. fix what is new: all is baselined, so nothing changes and the hint says so
    before = git("status", "--porcelain", cwd=repo)
    proc = sh(fix)
    assert proc.returncode == 0, proc.stdout
    assert git("status", "--porcelain", cwd=repo) == before
    assert "baselined findings are fixable: --fix-baselined" in proc.stdout

    # 6. burn down: fixes applied, the baseline follows, nothing new, the commit passes
    entries = json.loads((repo / ".qt-lint-baseline.json").read_text())["findings"]
    proc = sh(burn)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed" in proc.stdout
    after = json.loads((repo / ".qt-lint-baseline.json").read_text())["findings"]
    assert sum(e["count"] for e in after) < sum(e["count"] for e in entries)
    proc = sh(recheck)
    assert proc.returncode == 0, proc.stdout
    assert "0 baseline entries no longer match" in proc.stdout, proc.stdout
    proc = sh(commit)  # through the hook
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git("status", "--porcelain", cwd=repo) == ""
