"""Never exit 3 without a report, and nothing raw to a terminal or into XML: every input
that crashed qt-lint becomes a QT001 finding or a clear exit 2, with the report printed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import qt_lint, qt_lint_exe

UNIT_ROOT = ("[Unit]\nDescription=x\n[Service]\nUser=root\n"
             "ExecStart=/opt/quantum/venvs/backend/bin/python -m x\n")


def test_deeply_nested_shell_is_qt001(tmp_path: Path) -> None:
    (tmp_path / "deep.sh").write_text("echo " + "$(" * 500 + "x" + ")" * 500 + "\n")
    proc = qt_lint("check", "--isolated", "deep.sh", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "deep.sh:1:1: QT001 too deeply nested to analyse" in proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gitlab", "junit", "github"])
def test_undecodable_file_name_in_every_format(tmp_path: Path, fmt: str) -> None:
    name = os.fsdecode(b"bad\xff\x1b[31m.sh")
    (tmp_path / name).write_text("python3 x.py\n")
    proc = subprocess.run([qt_lint_exe(), "check", "--isolated", "--format", fmt, "."],
                          cwd=tmp_path, capture_output=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert b"\x1b" not in proc.stdout and b"\xff" not in proc.stdout
    assert b"bad\\\\xff" in proc.stdout or b"bad\\xff" in proc.stdout or \
        b"bad%5Cxff" in proc.stdout  # SARIF: the escaped name, percent-encoded
    text = proc.stdout.decode("utf-8")  # valid UTF-8 whatever the name
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(text)


def test_thousand_nested_folders_outside_git(tmp_path: Path) -> None:
    folders = [tmp_path / "tree"]
    for _ in range(1000):  # os.makedirs, shutil.rmtree and pytest's clean-up recurse
        folders.append(folders[-1] / "a")
    try:
        for folder in folders:
            folder.mkdir()
        (folders[-1] / "x.sh").write_text("python3 x.py\n")
        proc = qt_lint("check", "--isolated", "tree", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "x.sh:1:1: QT101" in proc.stdout
    finally:
        (folders[-1] / "x.sh").unlink(missing_ok=True)
        for folder in reversed(folders):
            if folder.exists():
                folder.rmdir()


def test_control_characters_in_messages_stay_escaped(tmp_path: Path) -> None:
    """A finding that quotes file content never sends its escape sequences to a terminal."""
    (tmp_path / "a.sh").write_text("cd \x1b]0;pwned\x07models && python3 x.py\n")
    proc = subprocess.run([qt_lint_exe(), "check", "--isolated", "a.sh"], cwd=tmp_path,
                          capture_output=True, check=False)
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout
    junit = qt_lint("check", "--isolated", "--format", "junit", "a.sh", cwd=tmp_path).stdout
    ET.fromstring(junit)


def other_user_env(home: Path) -> dict[str, str]:
    """The environment for qt-lint run as another user: not measured by coverage (its
    data file would be written where that user may not write)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    return {**env, "HOME": str(home)}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can use (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="qt-lint-ro-"))
    folder.chmod(0o777)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="runs qt-lint as another user (needs root)")
def test_fix_in_a_read_only_folder_reports_what_was_written(shared_dir: Path) -> None:
    nobody = 65534
    for name in ("ro", "rw"):
        (shared_dir / name).mkdir()
        (shared_dir / name / "quantum-backend.service").write_text(UNIT_ROOT)
        os.chown(shared_dir / name, nobody, nobody)
        os.chown(shared_dir / name / "quantum-backend.service", nobody, nobody)
    (shared_dir / "ro").chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP
                              | stat.S_IROTH | stat.S_IXOTH)
    proc = subprocess.run(
        ["setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups",
         qt_lint_exe(), "check", "--isolated", "--no-cache", "--fix", "--unsafe-fixes",
         "--select", "QT402",
         "ro", "rw"], cwd=shared_dir, capture_output=True, text=True, check=False,
        env=other_user_env(shared_dir))
    assert proc.returncode == 2, proc.stderr
    assert "could not write the fix to ro/quantum-backend.service" in proc.stderr
    assert "fixed and written: rw/quantum-backend.service" in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "User=qt" in (shared_dir / "rw" / "quantum-backend.service").read_text()
    assert "User=root" in (shared_dir / "ro" / "quantum-backend.service").read_text()
    assert "QT402" in proc.stdout or "Found" in proc.stdout or "checks passed" in proc.stdout


def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", qt_lint_exe(), *args],
        cwd=cwd, capture_output=True, text=True, check=False,
        env={**other_user_env(cwd), "GIT_CONFIG_COUNT": "1",
             "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"})


@pytest.mark.skipif(os.geteuid() != 0, reason="runs qt-lint as another user (needs root)")
@pytest.mark.parametrize("in_git", [True, False])
def test_unreadable_folder_is_reported_not_skipped(shared_dir: Path, in_git: bool) -> None:
    (shared_dir / "ops" / "locked").mkdir(parents=True)
    (shared_dir / "ops" / "locked" / "a.sh").write_text("python3 x.py\n")
    if in_git:
        subprocess.run(["git", "init", "-q"], cwd=shared_dir, check=True)
        subprocess.run(["git", "add", "-A"], cwd=shared_dir, check=True)
    for path in [shared_dir, *shared_dir.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    (shared_dir / "ops" / "locked").chmod(0)
    try:
        proc = _as_nobody("check", "--isolated", "--no-cache", ".", cwd=shared_dir)
    finally:
        (shared_dir / "ops" / "locked").chmod(0o755)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    expected = ("ops/locked/a.sh:1:1: QT001 cannot read: permission denied" if in_git else
                "ops/locked:1:1: QT001 cannot read this folder (Permission denied)")
    assert expected in proc.stdout, proc.stdout


@pytest.mark.parametrize("setting", ['baseline = "/dev/zero"', "max-file-size = 0",
                                     "max-file-size = 99999999999"])
def test_configuration_reads_are_bounded(tmp_path: Path, setting: str) -> None:
    (tmp_path / "qt-lint.toml").write_text(setting + "\n")
    (tmp_path / "a.sh").write_text("echo ok\n")
    proc = qt_lint("check", ".", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_cache_entry_linked_to_a_device_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (tmp_path / "a.sh").write_text("python3 x.py\n")
    env = {"QT_LINT_CACHE_DIR": str(cache)}
    qt_lint("check", "--isolated", "a.sh", cwd=tmp_path, env=env)
    entries = [p for p in cache.glob("*/*") if p.name != "used"]
    assert entries
    for entry in entries:
        entry.unlink()
        os.symlink("/dev/zero", entry)
    proc = qt_lint("check", "--isolated", "a.sh", cwd=tmp_path, env=env)
    assert proc.returncode == 1 and "QT101" in proc.stdout, proc.stderr


def test_source_that_is_a_fifo_or_huge_is_qt001(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.sh")
    with open(tmp_path / "big.sh", "wb") as handle:
        handle.truncate(600 * 1024 * 1024)  # sparse: costs nothing on disk
    proc = qt_lint("check", "--isolated", "pipe.sh", "big.sh", cwd=tmp_path)
    assert proc.returncode == 1
    assert "pipe.sh:1:1: QT001 not a regular file" in proc.stdout
    assert "big.sh:1:1: QT001 file is too large to analyse" in proc.stdout


def test_new_patterns_stay_linear_on_hostile_text(tmp_path: Path) -> None:
    """What a pull request can put in a file must not make the gate quadratic: blank
    lines before no `Exec*=`, long lines of slashes where script names are looked for,
    a file with thousands of activation calls, `$A$A$A...` of a long value, a script that
    writes hundreds of crontabs."""
    import time

    from qt_lint.runby import _EXEC, script_refs

    start = time.perf_counter()
    assert not list(_EXEC.finditer("\n" * 200_000))
    assert script_refs("x.sh " + "/" * 90_000) == ["x.sh"]
    assert time.perf_counter() - start < 2
    body = "def f(r, m):\n    r.train(m)\n" + "    r.promote(m)\n" * 20_000
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "many.py").write_text(body)
    value = "/opt/quantum/models/backups/" + "x" * 3000
    (tmp_path / "ops" / "expand.sh").write_text(
        f"A={value}\nrm -rf \"$A\"\nrm -rf \"$A$A$A$A$A$A\"\n" +
        "".join(f"echo '* * * * * qt /usr/bin/python3 /x{i}.py' > /etc/cron.d/q{i}\n"
                for i in range(205)))
    start = time.perf_counter()
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT001,QT101,QT601,QT603",
                   "ops", cwd=tmp_path)
    assert time.perf_counter() - start < 60
    lines = proc.stdout.splitlines()
    # 20,000 activation calls: the first 1,000 listed, the rest summarised (never dropped)
    assert sum(": QT601 " in line and ": QT001 " not in line for line in lines) == 1_000
    assert sum(": QT603 " in line for line in lines) == 1  # the long `$A$A...` is left as is
    assert sum(": QT101 " in line for line in lines) == 200
    assert sorted(line for line in lines if ": QT001 " in line) == [
        "ops/expand.sh:204:1: QT001 writes 205 units, crontabs and env files; the first 200 "
        "were analysed, not the rest",
        "ops/many.py:1003:1: QT001 too many findings to list: QT601 found more than 1,000; "
        "at most 1,000 are reported per file"]
