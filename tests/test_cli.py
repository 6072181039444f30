"""The command line as users and tools drive it: exit codes, formats, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qt_lint.main import main
from tests.conftest import ROOT, git, qt_lint


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_acceptance_core_repo(repo: Path) -> None:
    _write(repo, {".env": "A=1\n", "config/.env.example": "A=\n",
                  "deploy/DEPLOY_testnet.env": "T=1\n", "Dockerfile": "FROM x\n",
                  "clean.py": "print('hello')\n"})
    git("add", "-A", cwd=repo)
    proc = qt_lint("check", "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["version"] == 1
    got = [(f["path"], f["line"], f["column"], f["code"]) for f in doc["findings"]]
    assert got == [
        (".env", 1, 1, "QT301"),
        ("Dockerfile", 1, 1, "QT501"),
        ("config/.env.example", 1, 1, "QT302"),
        ("deploy/DEPLOY_testnet.env", 1, 1, "QT301"),
        # since the env-file rules: a `<name>.env` under deploy/ is an /etc/quantum file,
        # and this one lacks the required variables
        ("deploy/DEPLOY_testnet.env", 1, 1, "QT307"),
    ]
    summary = {k: doc["summary"][k] for k in ("files", "findings", "by_code")}
    assert summary == {"files": 5, "findings": 5,
                       "by_code": {"QT301": 2, "QT302": 1, "QT307": 1, "QT501": 1}}
    for finding in doc["findings"]:
        assert {"path", "line", "column", "code", "name", "severity", "message",
                "section"} <= set(finding)
    for name in (".env", "config/.env.example", "deploy/DEPLOY_testnet.env", "Dockerfile"):
        (repo / name).unlink()
    proc = qt_lint("check", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    assert "All checks passed" in proc.stdout


def test_misspelt_key_exits_2_naming_both(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": '[tool.qt-lint]\nselct = ["QT301"]\n'})
    proc = qt_lint("check", cwd=tmp_path)
    assert proc.returncode == 2
    assert "selct" in proc.stderr and "'select'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("toml", "needle"), [
    ('select = "QT301"', "select: expected a list of strings"),
    ('select = ["QT999"]', "unknown rule code 'QT999'"),
    ("strict = 1", "strict: expected true or false"),
    ('[contract]\nrepo-rot = "/x"', "contract.repo-rot: unknown key; did you mean 'repo-root'"),
    ('[contract]\nrepo-root = "relative"', "contract.repo-root: expected an absolute path"),
    ('[contract]\nservice-venvs = {"quantum-x" = "nope"}',
     "contract.service-venvs.quantum-x: venv 'nope' is not one of contract.venvs"),
    ("severity = { QT301 = \"fatal\" }", "severity.QT301: expected \"error\" or \"warning\""),
    ("select = [", "invalid TOML"),
])
def test_broken_config_exits_2(tmp_path: Path, toml: str, needle: str) -> None:
    _write(tmp_path, {"qt-lint.toml": toml + "\n", ".env": "A=1\n"})
    code = main(["check", str(tmp_path)])
    assert code == 2
    proc = qt_lint("check", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert needle in proc.stderr, proc.stderr


def test_cli_select_validated(tmp_path: Path) -> None:
    proc = qt_lint("check", "--select", "QT30X", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "--select: unknown rule code 'QT30X'" in proc.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    proc = qt_lint("check", "--config", "nope.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "nope.toml" in proc.stderr


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    _write(tmp_path, {".env.example": "A=\n"})
    assert qt_lint("check", ".", cwd=tmp_path).returncode == 0
    assert qt_lint("check", "--strict", ".", cwd=tmp_path).returncode == 1
    _write(tmp_path, {"qt-lint.toml": "strict = true\n"})
    assert qt_lint("check", ".", cwd=tmp_path).returncode == 1
    assert qt_lint("check", "--exit-zero", ".", cwd=tmp_path).returncode == 0


def test_select_ignore_severity_and_per_file_ignores(tmp_path: Path) -> None:
    _write(tmp_path, {".env": "A=1\n", "legacy/old.env": "A=1\n", "Dockerfile": "FROM x\n",
                      "qt-lint.toml": 'per-file-ignores = { "legacy/**" = ["QT301"] }\n'
                                      'severity = { QT501 = "warning" }\n'})
    proc = qt_lint("check", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert [(f["path"], f["code"], f["severity"]) for f in doc["findings"]] == [
        (".env", "QT301", "error"), ("Dockerfile", "QT501", "warning")]
    proc = qt_lint("check", "--format", "json", "--select", "QT5", ".", cwd=tmp_path)
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["QT501"]
    assert proc.returncode == 0  # a warning now
    proc = qt_lint("check", "--format", "json", "--ignore", "QT3", ".", cwd=tmp_path)
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["QT501"]


def test_gitignore_honoured_and_explicit_files_checked(repo: Path) -> None:
    _write(repo, {".gitignore": "secret/\n", "secret/.env": "A=1\n", "vendor/.env": "A=1\n",
                  "qt-lint.toml": 'extend-exclude = ["vendor"]\n'})
    proc = qt_lint("check", ".", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    # named explicitly (as pre-commit does): checked despite the exclude ...
    proc = qt_lint("check", "vendor/.env", cwd=repo)
    assert proc.returncode == 1 and "vendor/.env:1:1: QT301" in proc.stdout
    # ... unless --force-exclude
    proc = qt_lint("check", "--force-exclude", "vendor/.env", cwd=repo)
    assert proc.returncode == 0


def test_walk_outside_git_uses_default_excludes(tmp_path: Path) -> None:
    _write(tmp_path, {".venv/x.env": "A=1\n", "node_modules/y.env": "A=1\n", "app/z.env": "A=1\n"})
    proc = qt_lint("check", "--show-files", ".", cwd=tmp_path)
    assert proc.stdout.split() == ["env-file", "app/z.env"]


def test_show_files_lists_kinds(tmp_path: Path) -> None:
    _write(tmp_path, {"run": "#!/usr/bin/env bash\necho hi\n", "tool": "#!/usr/bin/python3\n",
                      "a.service": "", "a.service.d/override.conf": "", "Makefile": "",
                      "ops/cron.d/jobs": "", "notes.txt": "python3 x.py\n", ".envrc": "",
                      "compose.yaml": "", "x.py": ""})
    proc = qt_lint("check", "--show-files", ".", cwd=tmp_path)
    assert proc.returncode == 0
    listed = dict(reversed(line.split()) for line in proc.stdout.splitlines())
    assert listed == {
        "run": "shell", "tool": "python", "a.service": "systemd-unit",
        "a.service.d/override.conf": "systemd-unit", "Makefile": "makefile",
        "ops/cron.d/jobs": "crontab", "compose.yaml": "compose", "x.py": "python",
    }


def test_stdin_filename(tmp_path: Path) -> None:
    proc = qt_lint("check", "--stdin-filename", "deploy/prod.env", "-", cwd=tmp_path,
                   input=b"A=1\n")
    assert proc.returncode == 1
    assert b"deploy/prod.env:1:1: QT301" in proc.stdout
    proc = qt_lint("check", "-", cwd=tmp_path, input=b"")
    assert proc.returncode == 2 and b"--stdin-filename" in proc.stderr


def test_nonexistent_path_is_reported_not_skipped(tmp_path: Path) -> None:
    proc = qt_lint("check", "nope.env", cwd=tmp_path)
    assert proc.returncode == 1
    assert "nope.env:1:1: QT001 no such file or directory" in proc.stdout


def test_color_only_on_tty_and_no_color(tmp_path: Path) -> None:
    _write(tmp_path, {".env": "A=1\n"})
    proc = qt_lint("check", ".", cwd=tmp_path)
    assert "\033[" not in proc.stdout  # a pipe is not a TTY


def test_rules_explain_version(tmp_path: Path) -> None:
    proc = qt_lint("rules", "--format", "json", cwd=tmp_path)
    codes = [r["code"] for r in json.loads(proc.stdout)]
    assert codes == sorted(codes) and "QT301" in codes
    proc = qt_lint("explain", "QT301", cwd=tmp_path)
    assert proc.returncode == 0 and "## Why is this bad?" in proc.stdout
    proc = qt_lint("explain", "QT31", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown rule code" in proc.stderr
    assert qt_lint("--version", cwd=tmp_path).stdout.startswith("qt-lint, version ")


def test_explain_and_list_host_checks(tmp_path: Path) -> None:
    proc = qt_lint("explain", "H131", cwd=tmp_path)
    assert proc.returncode == 0 and "## Remediation" in proc.stdout and "0640" in proc.stdout
    proc = qt_lint("explain", "H999", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown host check code 'H999'" in proc.stderr
    proc = qt_lint("rules", "--host", "--format", "json", cwd=tmp_path)
    codes = [c["code"] for c in json.loads(proc.stdout)]
    assert codes == sorted(codes) and "H131" in codes and "QT301" not in codes


def test_internal_error_is_one_line_exit_3(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import qt_lint.api

    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(qt_lint.api, "check", boom)
    assert main(["check", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.strip() == "qt-lint: internal error: ValueError (run with --debug for the traceback)"
    assert main(["check", "--debug", str(tmp_path)]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_a_reader_that_stops_early_does_not_turn_findings_into_a_pass(tmp_path: Path) -> None:
    """A reader that goes away (`qt-lint check | head -1` in a CI script): the findings
    still fail the run, and no traceback."""
    import subprocess

    from tests.conftest import qt_lint_exe

    script = "#!/bin/bash\n" + "".join(f"python3 ops/job_{i}.py\n" for i in range(5000))
    _write(tmp_path, {"many.sh": script})
    proc = subprocess.Popen([qt_lint_exe(), "check", "--no-cache", "many.sh"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the report is written
    assert proc.wait(timeout=120) == 1
    assert proc.stderr.read() == b""


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    from tests.conftest import qt_lint_exe

    proc = subprocess.Popen([qt_lint_exe(), "check", "--stdin-filename", "x.sh", "-"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(2)  # started, and waiting for standard input
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"Traceback" not in err and out == b""


def test_one_run_serves_ci_and_a_person(tmp_path: Path) -> None:
    """`-o FILE` writes --format to the file and the text report to the terminal;
    `--quiet` drops the summary; `--statistics` shows counts instead of the findings; the
    summary counts the files with findings among those checked."""
    _write(tmp_path, {"ops/a.sh": "python3 a.py\npython3 b.py\n", "ops/b.sh": "echo ok\n",
                      "ops/c.sh": "python3 c.py\n"})
    proc = qt_lint("check", "--isolated", "--no-cache", "--format", "sarif", "-o",
                   "out/report.sarif", ".", cwd=tmp_path)
    assert proc.returncode == 2 and "out/report.sarif" in proc.stderr  # no folder: exit 2
    (tmp_path / "out").mkdir()
    proc = qt_lint("check", "--isolated", "--no-cache", "--format", "sarif", "-o",
                   "out/report.sarif", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "ops/a.sh:1:1: QT101 `python3` is a system python; run the venv interpreter "
        "/opt/quantum/venvs/<venv>/bin/python",
        "ops/a.sh:2:1: QT101 `python3` is a system python; run the venv interpreter "
        "/opt/quantum/venvs/<venv>/bin/python",
        "ops/c.sh:1:1: QT101 `python3` is a system python; run the venv interpreter "
        "/opt/quantum/venvs/<venv>/bin/python",
        "Found 3 errors in 2 of 3 files checked."]
    sarif = json.loads((tmp_path / "out" / "report.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 3
    quiet = qt_lint("check", "--isolated", "--no-cache", "-q", ".", cwd=tmp_path)
    assert quiet.stdout.splitlines() == proc.stdout.splitlines()[:3]
    stats = qt_lint("check", "--isolated", "--no-cache", "--statistics", ".", cwd=tmp_path)
    assert stats.stdout.splitlines() == ["3  QT101  bare-python",
                                         "Found 3 errors in 2 of 3 files checked."]
    clean = qt_lint("check", "--isolated", "--no-cache", "-q", "ops/b.sh", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_progress_line_only_on_a_terminal(tmp_path: Path) -> None:
    """A run longer than a second shows `checked N/M files` on a terminal's standard error
    and erases it; with standard error a pipe (CI) nothing is added."""
    import os
    import pty
    import subprocess

    from tests.conftest import qt_lint_exe

    body = "import subprocess\n" + "".join(
        f'subprocess.run(["python3", "job{i}.py"])\nX{i} = "/opt/quantum/x{i}"\n'
        for i in range(60))
    _write(tmp_path, {f"app/m{i}.py": body for i in range(900)})
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    leader, follower = pty.openpty()
    proc = subprocess.run([qt_lint_exe(), "check", "--isolated", "--no-cache", "-j", "1",
                           "--statistics", "."], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=follower, env=env, timeout=300, check=False)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 1
    assert b"\rqt-lint: checked " in shown and b"/900 files" in shown
    assert shown.endswith(b"\r\x1b[K")  # erased: the terminal is left clean
    piped = qt_lint("check", "--isolated", "--no-cache", "-j", "1", "--statistics", ".",
                    cwd=tmp_path, env={"CI": ""})
    assert "checked" not in piped.stderr


def test_exclude_replaces_and_extend_exclude_adds(tmp_path: Path) -> None:
    """ruff's semantics: `--exclude` replaces the configured and default excludes,
    `--extend-exclude` adds to them."""
    _write(tmp_path, {".venv/x.sh": "python3 a.py\n", "vendor/y.sh": "python3 b.py\n",
                      "legacy/z.sh": "python3 c.py\n", "ops/ok.sh": "echo ok\n",
                      "qt-lint.toml": 'extend-exclude = ["legacy"]\n'})

    def listed(*args: str) -> list[str]:
        proc = qt_lint("check", "--show-files", *args, ".", cwd=tmp_path)
        return sorted(line.split()[-1] for line in proc.stdout.splitlines()
                      if line.endswith(".sh"))

    assert listed() == ["ops/ok.sh", "vendor/y.sh"]
    assert listed("--extend-exclude", "vendor") == ["ops/ok.sh"]
    assert listed("--exclude", "vendor") == [".venv/x.sh", "ops/ok.sh"]  # config extends


def test_explain_by_name(tmp_path: Path) -> None:
    by_code = qt_lint("explain", "QT402", cwd=tmp_path).stdout
    assert qt_lint("explain", "unit-root", cwd=tmp_path).stdout == by_code
    assert qt_lint("explain", "unit_root", cwd=tmp_path).stdout == by_code
    assert qt_lint("explain", "redis-ping", cwd=tmp_path).stdout.startswith("# H101")
    wrong = qt_lint("explain", "unit-rot", cwd=tmp_path)
    assert wrong.returncode == 2 and "did you mean unit-root?" in wrong.stderr


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    """The completion recipe of docs/getting-started.md: click's bash source, and
    completions from it."""
    assert "_QT_LINT_COMPLETE=bash_source qt-lint" in (ROOT / "docs" / "getting-started.md"
                                                        ).read_text()
    source = qt_lint(cwd=tmp_path, env={"_QT_LINT_COMPLETE": "bash_source"})
    assert "_qt_lint_completion()" in source.stdout and "complete -o" in source.stdout
    words = qt_lint(cwd=tmp_path, env={"_QT_LINT_COMPLETE": "bash_complete",
                                       "COMP_WORDS": "qt-lint check --out", "COMP_CWORD": "2"})
    assert sorted(words.stdout.split()) == ["plain,--output-file", "plain,--output-format"]


def test_argument_order_never_changes_the_result(tmp_path: Path) -> None:
    """The configuration comes from the deepest folder holding every path given: `check
    b/x.sh a/x.sh` and `check a/x.sh b/x.sh` judge alike; files of one subproject get its
    own configuration."""
    _write(tmp_path, {"qt-lint.toml": "",
                      "a/qt-lint.toml": 'ignore = ["QT101"]\n', "a/x.sh": "python3 a.py\n",
                      "b/x.sh": "python3 b.py\n"})
    one = qt_lint("check", "--no-cache", "a/x.sh", "b/x.sh", cwd=tmp_path)
    two = qt_lint("check", "--no-cache", "b/x.sh", "a/x.sh", cwd=tmp_path)
    assert (one.returncode, one.stdout) == (two.returncode, two.stdout)
    assert "a/x.sh:1:1: QT101" in one.stdout and "b/x.sh:1:1: QT101" in one.stdout
    alone = qt_lint("check", "--no-cache", "a/x.sh", cwd=tmp_path)  # a's own configuration
    assert (alone.returncode, "QT101" in alone.stdout) == (0, False)


def test_config_key_value_overrides_and_the_schema(tmp_path: Path) -> None:
    """`--config KEY=VALUE` (TOML) lays one setting over the file; the JSON Schema that
    `qt-lint config --schema` prints accepts every valid configuration this suite uses and
    rejects what the loader rejects."""
    _write(tmp_path, {"qt-lint.toml": 'ignore = ["QT104"]\n',
                      "ops/a.sh": "cd ops\npython3 a.py\n"})
    base = qt_lint("check", "--no-cache", ".", cwd=tmp_path)
    assert "QT101" in base.stdout and "QT104" not in base.stdout
    over = qt_lint("check", "--no-cache", "--config", 'ignore = ["QT101"]', ".", cwd=tmp_path)
    assert "QT101" not in over.stdout and "QT104" in over.stdout
    user = qt_lint("check", "--no-cache", "--config", 'contract.venv-root = "/srv/venvs"',
                   "--config", "select = ['QT101']", ".", cwd=tmp_path)
    assert "/srv/venvs/<venv>/bin/python" in user.stdout
    for bad, needle in (("strict = yes", "neither a file nor a TOML"),
                        ("strict = 1", "strict: expected true or false"),
                        ("selct = []", "did you mean 'select'")):
        proc = qt_lint("check", "--config", bad, ".", cwd=tmp_path)
        assert proc.returncode == 2 and needle in proc.stderr, (bad, proc.stderr)
    import jsonschema

    schema = json.loads(qt_lint("config", "--schema", cwd=tmp_path).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    valid = {"select": ["QT1", "ALL"], "strict": True, "per-file-ignores": {"t/*": ["QT201"]},
             "severity": {"QT104": "error"}, "docs-url": "https://x.example/{code}.md",
             "contract": {"user": "svc", "redis-port": 6380, "service-venvs": {"a": "b"},
                          "repo-root": "/srv/qt"}}
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(valid))
    for invalid in ({"selct": []}, {"strict": "yes"}, {"contract": {"repo-root": "rel"}},
                    {"contract": {"usr": "x"}}, {"severity": {"QT104": "fatal"}}):
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(invalid)), invalid
