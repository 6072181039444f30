"""The GitHub Action (`action.yml`) and the GitLab CI template (`ci/gitlab-qt-lint.yml`) run
their own commands against a sample repository: a base branch that passes, and a pull
request that adds a breach. The action's steps run as the runner runs them (`bash
--noprofile --norc -eo pipefail`, its expressions filled in, `$GITHUB_PATH` honoured),
install step included; the template's script runs with the installed qt-lint (its
`before_script` is the job image's set-up)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, git


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("sample")
    git("init", "-q", "-b", "main", cwd=repo)
    (repo / "ops").mkdir()
    (repo / "ops" / "ok.sh").write_text("#!/bin/bash\necho ok\n")
    (repo / "qt-lint.toml").write_text("")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    base = git("rev-parse", "HEAD", cwd=repo).strip()
    git("checkout", "-q", "-b", "pr", cwd=repo)
    (repo / "ops" / "train.sh").write_text("#!/bin/bash\npython3 ops/train.py\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "pr", cwd=repo)
    return repo, base


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m.group(1)], text)


@pytest.mark.slow
def test_github_action_runs_the_gate(sample: tuple[Path, str], tmp_path: Path) -> None:
    repo, base = sample
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    values = {"github.action_path": str(ROOT)}
    for name, spec in action["inputs"].items():
        values[f"inputs.{name}"] = str(spec.get("default", ""))
    values["inputs.base-ref"] = base  # the pull request's target
    path_file = tmp_path / "github_path"
    path_file.write_text("")
    env = {**{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
           "RUNNER_TEMP": str(tmp_path), "GITHUB_PATH": str(path_file),
           "QT_LINT_CACHE_DIR": str(tmp_path / "cache")}
    results = []
    for step in action["runs"]["steps"]:
        step_env = {**env, **{k: _fill(str(v), values) for k, v in step.get("env", {}).items()}}
        extra = [line for line in path_file.read_text().splitlines() if line]
        step_env["PATH"] = os.pathsep.join([*reversed(extra), env["PATH"]])
        assert step["shell"] == "bash"
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               _fill(step["run"], values)], cwd=repo, env=step_env,
                              capture_output=True, text=True, timeout=900, check=False)
        results.append(proc)
    install, check = results
    assert install.returncode == 0, install.stderr[-2000:]
    assert check.returncode == 1, check.stderr
    assert check.stdout.splitlines() == [
        "::error file=ops/train.sh,line=2,col=1,title=QT101 bare-python::`python3` is a "
        "system python; run the venv interpreter /opt/quantum/venvs/<venv>/bin/python"]
    sarif = json.loads((repo / "qt-lint.sarif").read_text())
    schema = json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]] == ["ops/train.sh"]
    # the same action on the base branch passes
    git("checkout", "-q", base, cwd=repo)
    try:
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               _fill(action["runs"]["steps"][1]["run"], values)], cwd=repo,
                              env={**step_env, **{k: _fill(str(v), values) for k, v in
                                                  action["runs"]["steps"][1]["env"].items()}},
                              capture_output=True, text=True, timeout=300, check=False)
    finally:
        git("checkout", "-q", "pr", cwd=repo)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_gitlab_template_writes_the_code_quality_report(sample: tuple[Path, str],
                                                         tmp_path: Path) -> None:
    import shutil
    import sys

    repo, base = sample
    job = yaml.safe_load((ROOT / "ci" / "gitlab-qt-lint.yml").read_text())["qt-lint"]
    report = job["artifacts"]["reports"]["codequality"]
    script = "\n".join(job["script"])
    exe = shutil.which("qt-lint", path=str(Path(sys.executable).parent))
    assert exe
    env = {**os.environ, **{k: str(v) for k, v in job["variables"].items()},
           "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "QT_LINT_CACHE_DIR": str(tmp_path),
           "PATH": os.pathsep.join([str(Path(exe).parent), os.environ["PATH"]])}
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "ops/train.sh:2:1: QT101" in proc.stdout  # the job log gets the text report
    quality = json.loads((repo / report).read_text())
    assert [(q["check_name"], q["location"]["path"], q["location"]["lines"]["begin"])
            for q in quality] == [("QT101", "ops/train.sh", 2)]
    assert all(q["fingerprint"] and q["severity"] in ("major", "minor", "critical",
                                                      "blocker", "info") for q in quality)
    (repo / report).unlink()


@pytest.mark.parametrize(("spec", "index", "accepted"), [
    ("qt-lint", "", False),  # the public index's qt-lint: anyone's
    ("qt-lint==0.1.0", "", False),  # pinned, but still looked up on the public index
    ("qt-lint==0.1.0", "https://pypi.internal.example/simple", True),
    ("qt-lint", "https://pypi.internal.example/simple", False),  # not pinned
    ("qt-lint @ git+https://git.example.org/qt-lint.git@v0.1.0", "", True),
    ("qt-lint @ git+https://git.example.org/qt-lint.git", "", False),  # no tag or commit
    ("./dist/qt_lint-0.1.0-py3-none-any.whl", "", True),
    ("", "", False),
])
def test_gitlab_template_installs_only_a_pinned_qt_lint_from_your_repository_or_index(
        spec: str, index: str, accepted: bool, tmp_path: Path) -> None:
    """No dependency confusion: the job's install guard runs as the job runs it."""
    job = yaml.safe_load((ROOT / "ci" / "gitlab-qt-lint.yml").read_text())["qt-lint"]
    guard = next(line for line in job["before_script"] if "QT_LINT_SPEC" in line and
                 "case" in line)
    env = {**os.environ, "QT_LINT_SPEC": spec, "QT_LINT_INDEX_URL": index}
    proc = subprocess.run(["sh", "-e", "-c", guard], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30, check=False)
    assert (proc.returncode == 0) is accepted, proc.stderr
    if not accepted:
        assert proc.returncode == 2 and "is not a pinned install" in proc.stderr
    install = job["before_script"][-1]
    assert '--index-url "$QT_LINT_INDEX_URL"' in install and "extra-index-url" not in install
