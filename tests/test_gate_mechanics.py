"""The gate's own mechanics cannot be turned (issue 25, items 8-14): --diff-base and
removed lines, fingerprints of what a finding is about, --base-config and a nested
configuration, the cache and untracked drop-ins, suppressions in heredocs, output
escaping, symlinks out of the repository, and bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config
from qt_lint.rules.examples import GOLDEN
from tests.conftest import git, qt_lint

GOOD_UNIT = GOLDEN  # the golden unit every rule example starts from


def _commit(repo: Path, message: str = "base") -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", message, cwd=repo)


def _findings(proc_stdout: str) -> list[tuple[str, int, str]]:
    return [(f["code"], f["line"], f["message"]) for f in json.loads(proc_stdout)["findings"]]


# --- 8: --diff-base counts findings that removed lines cause ----------------------------------

def test_diff_base_keeps_findings_that_deleted_lines_cause(repo: Path) -> None:
    unit = repo / "systemd" / "quantum-backend.service"
    unit.parent.mkdir()
    unit.write_text(GOOD_UNIT)
    _commit(repo)
    removed = ("User=qt\n", "WorkingDirectory=/home/qt/quantum_trader\n",
               "EnvironmentFile=/etc/quantum/backend.env\n")
    text = GOOD_UNIT
    for line in removed:
        text = text.replace(line, "")
    unit.write_text(text)
    proc = qt_lint("check", "--isolated", "--no-cache", "--diff-base", "HEAD", "--format",
                   "json", ".", cwd=repo)
    found = _findings(proc.stdout)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    codes = {code for code, line, _ in found if line == 7}  # the [Service] header
    assert {"QT402", "QT401"} <= codes
    messages = " ".join(m for _, _, m in found)
    assert "WorkingDirectory" in messages and "EnvironmentFile" in messages


def test_diff_base_does_not_report_old_findings_when_lines_are_removed(repo: Path) -> None:
    """Deleting a harmless line does not turn the file's old findings into new ones."""
    unit = repo / "systemd" / "quantum-backend.service"
    unit.parent.mkdir()
    legacy = GOOD_UNIT.replace("User=qt\n", "User=root\n").replace(
        "[Service]\n", "[Service]\n# a note\n")
    unit.write_text(legacy)
    _commit(repo)
    unit.write_text(legacy.replace("# a note\n", ""))
    proc = qt_lint("check", "--isolated", "--no-cache", "--diff-base", "HEAD", "--format",
                   "json", ".", cwd=repo)
    assert proc.returncode == 0 and _findings(proc.stdout) == [], proc.stdout


def test_diff_base_deleting_a_drop_in_counts_for_its_unit(repo: Path) -> None:
    folder = repo / "systemd"
    folder.mkdir()
    (folder / "quantum-backend.service").write_text(GOOD_UNIT.replace("User=qt\n", "User=root\n"))
    (folder / "quantum-backend.service.d").mkdir()
    override = folder / "quantum-backend.service.d" / "user.conf"
    override.write_text("[Service]\nUser=qt\n")
    _commit(repo)
    clean = qt_lint("check", "--isolated", "--no-cache", "--diff-base", "HEAD", ".", cwd=repo)
    assert clean.returncode == 0, clean.stdout
    override.unlink()
    proc = qt_lint("check", "--isolated", "--no-cache", "--diff-base", "HEAD", "--format",
                   "json", ".", cwd=repo)
    assert proc.returncode == 1
    assert ("QT402", 9) in [(c, line) for c, line, _ in _findings(proc.stdout)]


# --- 9: fingerprints of what a finding is about ---------------------------------------------

def _missing(*fields: str) -> str:
    text = GOOD_UNIT
    for name in fields:
        text = "".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith(f"{name}="))
    return text


def test_a_baselined_missing_field_does_not_absorb_another(repo: Path) -> None:
    unit = repo / "systemd" / "quantum-backend.service"
    unit.parent.mkdir()
    unit.write_text(_missing("SyslogIdentifier"))
    _commit(repo)
    adopt = qt_lint("check", "--isolated", "--no-cache", "--write-baseline", "b.json", ".",
                    cwd=repo)
    assert adopt.returncode == 0 and "Wrote 1 finding" in adopt.stdout
    assert json.loads((repo / "b.json").read_text())["version"] == 2
    unit.write_text(_missing("EnvironmentFile"))  # fixed one, broke another, same header
    proc = qt_lint("check", "--isolated", "--no-cache", "--baseline", "b.json", "--format",
                   "json", ".", cwd=repo)
    assert proc.returncode == 1
    found = _findings(proc.stdout)
    assert [c for c, _, _ in found] == ["QT401"] and "EnvironmentFile" in found[0][2]
    assert json.loads(proc.stdout)["summary"]["stale_baseline_entries"] == 1


def test_sarif_fingerprints_differ_for_findings_at_one_line(tmp_path: Path) -> None:
    unit = tmp_path / "quantum-backend.service"
    unit.write_text(_missing("SyslogIdentifier", "EnvironmentFile", "Restart"))
    findings = [f for f in check([unit], Config(root=tmp_path), jobs=1).findings
                if f.code == "QT401"]
    assert len(findings) == 3 and len({f.line for f in findings}) == 1
    assert len({f.anchor for f in findings}) == 3
    assert len({f.legacy for f in findings}) == 1  # what version 1 had: one fingerprint


def test_a_version_1_baseline_still_absorbs_its_findings(repo: Path) -> None:
    """Old baselines keep working: their entries match by version 1's fingerprint."""
    unit = repo / "systemd" / "quantum-backend.service"
    unit.parent.mkdir()
    unit.write_text(_missing("SyslogIdentifier"))
    _commit(repo)
    [finding] = check([unit], Config(root=repo), jobs=1).findings
    old = {"version": 1, "tool": "qt-lint", "findings": [
        {"path": "systemd/quantum-backend.service", "code": "QT401",
         "fingerprint": finding.legacy, "count": 1}]}
    (repo / "b.json").write_text(json.dumps(old))
    assert qt_lint("check", "--isolated", "--no-cache", "--baseline", "b.json", ".",
                   cwd=repo).returncode == 0
    # rewriting keeps the version 1 entries of files not checked, and writes version 2
    (repo / "other.sh").write_text("#!/bin/sh\npython3 x.py\n")
    qt_lint("check", "--isolated", "--no-cache", "--baseline", "b.json", "--write-baseline",
            "b.json", "other.sh", cwd=repo)
    document = json.loads((repo / "b.json").read_text())
    assert document["version"] == 2
    fingerprints = {e["path"]: e["fingerprint"] for e in document["findings"]}
    assert fingerprints["systemd/quantum-backend.service"] == "v1:" + finding.legacy
    assert qt_lint("check", "--isolated", "--no-cache", "--baseline", "b.json", ".",
                   cwd=repo).returncode == 0


# --- 11: the cache keys a unit by what is merged from disk, tracked or not ---------------------

def _unit_with_untracked_dropin(repo: Path) -> tuple[Path, Path]:
    unit = repo / "systemd" / "quantum-backend.service"
    unit.parent.mkdir()
    unit.write_text(_missing("SyslogIdentifier"))
    _commit(repo)
    folder = repo / "systemd" / "quantum-backend.service.d"
    folder.mkdir()
    dropin = folder / "local.conf"  # never added to git
    dropin.write_text("[Service]\nSyslogIdentifier=quantum-backend\n")
    return unit, dropin


def test_cache_keys_a_unit_by_its_untracked_drop_ins(repo: Path, tmp_path: Path) -> None:
    from qt_lint.cache import ResultCache
    from qt_lint.settings import RunSettings

    unit, dropin = _unit_with_untracked_dropin(repo)
    config = Config(root=repo)

    def run() -> list[str]:
        cache = ResultCache(tmp_path / "cache", RunSettings.build(config))
        return [f.code for f in check([unit], config, jobs=1, cache=cache).findings]

    assert run() == []  # merged with the drop-in on disk
    dropin.unlink()
    assert run() == ["QT401"]  # warm: the drop-in is gone, the unit lacks it again
    dropin.write_text("[Service]\nSyslogIdentifier=quantum-backend\n")
    assert run() == []


@pytest.mark.slow
def test_pre_commit_hook_sees_an_untracked_drop_in_go(repo: Path, tmp_path: Path) -> None:
    """The real hook, twice on the same staged unit with a warm cache: deleting the
    untracked drop-in that supplied a field makes the second run fail."""
    import os
    import shutil
    import subprocess

    from tests.test_precommit import _snapshot_of_checkout

    pre_commit = shutil.which("pre-commit", path=str(Path(os.sys.executable).parent))
    assert pre_commit, "pre-commit is a test dependency"
    snap, rev = _snapshot_of_checkout(tmp_path)
    _, dropin = _unit_with_untracked_dropin(repo)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snap}\n    rev: {rev}\n    hooks:\n      - id: qt-lint\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
           "QT_LINT_CACHE_DIR": str(tmp_path / "hook-cache")}

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "run", "qt-lint", "--files",
                               "systemd/quantum-backend.service"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600)

    first = hook()
    assert first.returncode == 0, first.stdout + first.stderr
    assert any((tmp_path / "hook-cache").iterdir())  # the second run is a warm one
    dropin.unlink()
    second = hook()
    assert second.returncode != 0, second.stdout + second.stderr
    assert "QT401" in second.stdout and "SyslogIdentifier" in second.stdout


# --- 12: a suppression inside a heredoc body is data -------------------------------------------

def _codes_of(tmp_path: Path, relpath: str, text: str) -> list[tuple[int, str]]:
    from qt_lint.classify import Target, classify
    from qt_lint.engine import check_file
    from qt_lint.settings import RunSettings

    kind = classify(relpath)
    assert kind is not None
    target = Target(relpath, str(tmp_path / relpath), relpath, kind)
    result = check_file(target, RunSettings.build(Config(root=tmp_path)), data=text.encode())
    return [(f.line, f.code) for f in result.findings]


def test_ignore_file_in_a_heredoc_body_suppresses_nothing(tmp_path: Path) -> None:
    script = ("#!/bin/bash\n"
              "cat > /opt/quantum/data/notes.txt <<'DOC'\n"
              "# qt-lint: ignore-file[QT101,QT702] only text in a file\n"
              "DOC\n"
              "bash <<EOF\n"
              "# qt-lint: ignore-file[QT101] inside a script fed to bash: still the outer data\n"
              "EOF\n"
              "echo '# qt-lint: ignore-file[QT101]'\n"
              "python3 x.py\n"
              "chmod 777 /opt/x\n")
    assert _codes_of(tmp_path, "ops/a.sh", script) == [(9, "QT101"), (10, "QT702")]
    # a real comment still suppresses, on its line or for the file (non-ASCII before it)
    real = "#!/bin/bash\n# qt-lint: ignore-file[QT702] é reason\npython3 x.py # qt-lint: " \
           "ignore[QT101] why\nchmod 777 /opt/x\n"
    assert _codes_of(tmp_path, "ops/a.sh", real) == []


# --- 13: output stays one line per finding; links out of the repository are not read ----------

INJECTION = 'REDIS_HOST="evil\n::stop-commands::token\n::error file=x::pwned"\n'


def test_multi_line_values_cannot_start_lines_in_any_report(repo: Path) -> None:
    (repo / "deploy").mkdir()
    (repo / "deploy" / "backend.env").write_text(INJECTION)
    (repo / "systemd").mkdir()
    (repo / "systemd" / "quantum-backend.service").write_text(GOOD_UNIT.replace(
        "SyslogIdentifier=quantum-backend\n",
        'SyslogIdentifier=quantum-backend\nEnvironment="REDIS_HOST=a\\\n::error x"\n'))
    for fmt in ("text", "github", "junit", "gitlab", "sarif", "json"):
        proc = qt_lint("check", "--isolated", "--no-cache", "--format", fmt, ".", cwd=repo)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stdout.splitlines()
        assert not [line for line in lines if line.lstrip().startswith("::") and
                    not line.startswith(("::error file=", "::warning file="))], fmt
        assert "QT503" in proc.stdout or fmt == "junit", fmt
    text = qt_lint("check", "--isolated", "--no-cache", ".", cwd=repo).stdout
    assert "`evil\\n::stop-commands::" in text


def test_a_link_out_of_the_repository_is_reported_not_read(
        repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("host")
    (outside / "backend.env").write_text("REDIS_HOST=internal-db-7\n")
    (outside / "quantum-x.service").write_text("[Service]\nUser=root\n")
    (repo / "deploy").mkdir()
    (repo / "systemd").mkdir()
    (repo / "deploy" / "backend.env").symlink_to(outside / "backend.env")
    (repo / "deploy" / "common.env").symlink_to("/proc/self/environ")
    (repo / "systemd" / "quantum-x.service").symlink_to(outside / "quantum-x.service")
    (repo / "deploy" / "real.sh").write_text("#!/bin/sh\npython3 x.py\n")
    (repo / "deploy" / "same.sh").symlink_to("real.sh")  # inside: read as usual
    _commit(repo)
    proc = qt_lint("check", "--isolated", "--no-cache", "--format", "json", ".", cwd=repo)
    found = [(f["path"], f["code"]) for f in json.loads(proc.stdout)["findings"]]
    assert proc.returncode == 1
    for link in ("deploy/backend.env", "deploy/common.env", "systemd/quantum-x.service"):
        assert (link, "QT001") in found
    assert "internal-db-7" not in proc.stdout
    assert not [code for path, code in found if path == "systemd/quantum-x.service"
                and code != "QT001"]
    assert ("deploy/same.sh", "QT101") in found


# --- 10: a nested configuration added by a pull request does not unseat the base's ------------

def test_a_nested_config_in_a_pull_request_keeps_the_base_gate(repo: Path) -> None:
    (repo / "qt-lint.toml").write_text('unsuppressible = ["QT402"]\nstrict = true\n'
                                       'require-suppression-reason = true\n')
    (repo / "systemd").mkdir()
    (repo / "systemd" / "quantum-backend.service").write_text(GOOD_UNIT)
    _commit(repo)
    git("branch", "target", cwd=repo)
    (repo / "systemd" / "qt-lint.toml").write_text('select = ["ALL"]\n')
    (repo / "systemd" / "quantum-backend.service").write_text(GOOD_UNIT.replace(
        "User=qt\n", "# qt-lint: ignore[QT402]\nUser=root\n"))
    _commit(repo, "pr")
    own = qt_lint("check", "--no-cache", "systemd", cwd=repo)
    assert own.returncode == 0, own.stdout  # what the pull request's own config says
    for paths in (["systemd"], ["systemd/quantum-backend.service", "systemd/qt-lint.toml"]):
        proc = qt_lint("check", "--no-cache", "--base-config", "target", "--format", "json",
                       *paths, cwd=repo)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        found = {(f["path"], f["code"], f["message"])
                 for f in json.loads(proc.stdout)["findings"]}
        codes = {(p, c) for p, c, _ in found}
        assert ("systemd/quantum-backend.service", "QT402") in codes  # unsuppressible
        assert ("systemd/quantum-backend.service", "QT003") in codes  # reason required
        assert ("systemd/qt-lint.toml", "QT005",
                "a configuration file the base does not have: merged, it would replace "
                "`qt-lint.toml` for the files below it") in found
        assert ("systemd/qt-lint.toml", "QT005",
                "lets inline comments suppress QT402") in found
