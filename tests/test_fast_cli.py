"""The click-free start-up path of `qt-lint check` parses exactly as click does.

`qt_lint.main.parse_fast` handles the plain check command lines (what pre-commit runs);
every other command line goes to click. Each case runs both ways and must give the same
exit code, standard output and standard error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qt_lint.main import _run_click, guarded, main, parse_fast
from tests.conftest import git

FILES = {
    "ops/run.sh": "#!/bin/bash\npython3 ops/train.py\ncd ops\n",
    "systemd/quantum-backend.service": "[Service]\nUser=root\nExecStart=/usr/bin/python3 x\n",
    "app/svc.py": 'import subprocess\nsubprocess.run(["python3", "x.py"])\n',
    ".env": "A=1\n",
    "lint.toml": 'ignore = ["QT104"]\n',  # an explicit --config
    "README.md": "# x\n",
    "vendor/skip.sh": "#!/bin/sh\npython3 a.py\n",
}

FAST = [
    ["check"],
    ["check", "ops/run.sh"],
    ["check", "--force-exclude", "ops/run.sh", "systemd/quantum-backend.service", ".env"],
    ["check", "--no-cache", "--format", "json", "app/svc.py"],
    ["check", "--format=github", "--select", "QT1", "ops/run.sh", "app/svc.py"],
    ["check", "--select=QT101,QT104", "--ignore", "QT104", "ops/run.sh"],
    ["check", "--extend-select", "QT1", "--exit-zero", "--statistics", "."],
    ["check", "--isolated", "--strict", "ops/run.sh"],
    ["check", "--exclude", "vendor", "--exclude=ops", "."],
    ["check", "--force-exclude", "--exclude", "vendor", "vendor/skip.sh"],
    ["check", "--extend-exclude", "vendor", "--extend-exclude=ops", "."],
    ["check", "--", "ops/run.sh"],
    ["check", "missing.sh"],
    ["check", "--select", "QT999", "ops/run.sh"],  # a usage error: exit 2, same message
    ["check", "ops/run.sh", "--format", "sarif"],
    ["check", "--config", "lint.toml", "ops/run.sh", "app/svc.py"],
    ["check", "--config=lint.toml", "--isolated", "ops/run.sh"],
    ["check", "--config", "missing.toml", "ops/run.sh"],  # exit 2, same message
    ["check", "--quiet", "ops/run.sh"],
    ["check", "-q", "--statistics", "."],
    ["check", "--format", "json", "-o", "out.json", "ops/run.sh"],
    ["check", "--format=sarif", "--output-file=out.sarif", "--quiet", "."],
]

CLICK_ONLY = [
    [], ["--help"], ["check", "--help"], ["check", "-h"], ["rules"], ["check", "--fix"],
    ["check", "--format", "yaml"], ["check", "--format"], ["check", "--strict=yes"],
    ["check", "--unknown"], ["check", "-"], ["check", "--jobs", "2"],
    ["check", "--config", "ops"], ["check", "--show-files"], ["check", "--config"],
    ["check", "--config", "strict = true"], ["check", "--config", "lint.toml", "--config", "x=1"],
    ["check", "-o", "ops"], ["check", "-o"],
]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git("init", "-q", "-b", "main", cwd=tmp_path)
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git("add", "-A", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QT_LINT_CACHE_DIR", str(tmp_path / ".cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.mark.parametrize("argv", FAST, ids=" ".join)
def test_fast_path_matches_click(argv: list[str], tree: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_fast(argv) is not None
    fast = main(argv), *capsys.readouterr()
    slow = guarded(lambda: _run_click(argv), False), *capsys.readouterr()
    assert fast == slow
    assert fast[0] in (0, 1, 2)
    assert fast[1] or fast[2]  # something was said


@pytest.mark.parametrize("argv", CLICK_ONLY, ids=" ".join)
def test_other_command_lines_go_to_click(argv: list[str], tree: Path) -> None:
    assert parse_fast(argv) is None


def test_fast_path_does_not_import_click(tree: Path) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom qt_lint.main import main\nrc = main(['check', 'ops/run.sh'])\n"
            "assert 'click' not in sys.modules, 'click imported'\nprint(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True,
                          text=True, check=False, env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "1"


def test_fast_options_match_click() -> None:
    """Every option the fast path parses is a click option of `check` with the same
    destination and the same shape (a flag, or one value; --exclude repeatable), and every
    click option is a field of CheckOptions (the command builds it from its kwargs)."""
    import dataclasses

    import click

    from qt_lint.cli import check
    from qt_lint.main import _FLAGS, _VALUED
    from qt_lint.runner import CheckOptions

    params = {opt: p for p in check.params if isinstance(p, click.Option) for opt in p.opts}
    for flag, dest in _FLAGS.items():
        assert flag in params, flag
        assert params[flag].name == dest and params[flag].is_flag, flag
    for option, dest in _VALUED.items():
        assert option in params, option
        param = params[option]
        assert param.name == dest and not param.is_flag, option
        repeatable = ("--exclude", "--extend-exclude", "--config")
        assert param.multiple == (option in repeatable), option
        assert isinstance(param.type, (click.types.StringParamType, click.Choice,
                                       click.Path)), option
    fields = {f.name for f in dataclasses.fields(CheckOptions)}
    assert {p.name for p in check.params} == fields - {"config_overrides"}  # from --config
