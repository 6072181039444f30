"""Writes go only where intended, and a baseline loses nothing (issue: a planted
`<baseline>.tmp` link was followed; --fix wrote through links, broke hard links and owners,
turned LF lines into CRLF; checking one file shrank a 3,361-entry baseline to 4)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.conftest import git, qt_lint

UNIT = ("[Unit]\nDescription=x\n[Service]\nUser=root\n"
        "ExecStart=/opt/quantum/venvs/backend/bin/python -m x\n")


def test_write_baseline_never_follows_a_planted_link(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.sh").write_text("python3 x.py\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    os.symlink(victim, repo / "b.json.tmp")
    proc = qt_lint("check", "--isolated", "--write-baseline", "b.json", ".", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n"
    assert json.loads((repo / "b.json").read_text())["findings"]


def test_fix_never_writes_through_a_link_out_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    outside = tmp_path / "quantum-backend.service"
    outside.write_text(UNIT)
    os.symlink(outside, repo / "quantum-backend.service")
    proc = qt_lint("check", "--isolated", "--fix", "--unsafe-fixes", "--select", "QT402",
                   "quantum-backend.service", cwd=repo)
    # not read, so nothing to fix (issue 25 item 13), and reported whatever is selected
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "QT001 a symbolic link to a file outside the repository: not read" in proc.stdout
    assert outside.read_text() == UNIT


def test_fix_follows_a_link_inside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "units").mkdir()
    (tmp_path / "units" / "quantum-backend.service").write_text(UNIT)
    os.symlink("units/quantum-backend.service", tmp_path / "quantum-backend.service")
    proc = qt_lint("check", "--isolated", "--fix", "--unsafe-fixes", "--select", "QT402",
                   "quantum-backend.service", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.path.islink(tmp_path / "quantum-backend.service")
    assert "User=qt" in (tmp_path / "units" / "quantum-backend.service").read_text()


def test_fix_keeps_hard_links_owner_group_and_mode(tmp_path: Path) -> None:
    unit = tmp_path / "quantum-backend.service"
    unit.write_text(UNIT)
    os.link(unit, tmp_path / "copy.service.bak")
    os.chmod(unit, 0o640)
    if os.geteuid() == 0:
        os.chown(unit, 1234, 4321)
    proc = qt_lint("check", "--isolated", "--fix", "--unsafe-fixes", "--select", "QT402", unit.name,
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "User=qt" in (tmp_path / "copy.service.bak").read_text()  # same inode
    st = unit.stat()
    assert st.st_mode & 0o777 == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (1234, 4321)


def test_fix_keeps_owner_when_replacing(tmp_path: Path) -> None:
    unit = tmp_path / "quantum-backend.service"
    unit.write_text(UNIT)
    if os.geteuid() == 0:
        os.chown(unit, 1234, 4321)
    qt_lint("check", "--isolated", "--fix", "--unsafe-fixes", "--select", "QT402", unit.name,
            cwd=tmp_path)
    if os.geteuid() == 0:
        assert (unit.stat().st_uid, unit.stat().st_gid) == (1234, 4321)
    assert "User=qt" in unit.read_text()


def test_fix_keeps_each_lines_own_ending(tmp_path: Path) -> None:
    unit = tmp_path / "quantum-backend.service"
    unit.write_bytes(UNIT.replace("Description=x\n", "Description=x\r\n").encode())
    qt_lint("check", "--isolated", "--fix", "--unsafe-fixes", "--select", "QT402", unit.name,
            cwd=tmp_path)
    data = unit.read_bytes()
    assert data.count(b"\r\n") == 1 and b"Description=x\r\n" in data
    assert b"User=qt\n" in data


def _baselined_repo(repo: Path) -> None:
    for name in ("a.sh", "b.sh", "c.sh"):
        (repo / name).write_text("python3 x.py\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "base", cwd=repo)
    proc = qt_lint("check", "--write-baseline", "b.json", ".", cwd=repo)
    assert proc.returncode == 0


def test_subset_check_reports_no_stale_entries_of_other_files(repo: Path) -> None:
    _baselined_repo(repo)
    proc = qt_lint("check", "--baseline", "b.json", "a.sh", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    assert "0 baseline entries no longer match" in proc.stdout, proc.stdout
    (repo / "b.sh").write_text("echo fixed\n")
    proc = qt_lint("check", "--baseline", "b.json", "b.sh", cwd=repo)
    assert "1 baseline entry no longer match" in proc.stdout, proc.stdout


def test_write_baseline_with_paths_keeps_every_other_entry(repo: Path) -> None:
    _baselined_repo(repo)
    before = json.loads((repo / "b.json").read_text())["findings"]
    (repo / "a.sh").write_text("python3 x.py\npython3 y.py\n")
    proc = qt_lint("check", "--write-baseline", "b.json", "a.sh", cwd=repo)
    assert proc.returncode == 0
    after = json.loads((repo / "b.json").read_text())["findings"]
    assert {e["path"] for e in after} == {"a.sh", "b.sh", "c.sh"}
    assert sum(e["count"] for e in after if e["path"] == "a.sh") == 2
    assert [e for e in after if e["path"] != "a.sh"] == \
        [e for e in before if e["path"] != "a.sh"]
    (repo / "c.sh").unlink()
    qt_lint("check", "--write-baseline", "b.json", "a.sh", cwd=repo)
    assert "c.sh" not in {e["path"] for e in json.loads((repo / "b.json").read_text())
                          ["findings"]}


def test_cache_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    """The cache follows the same rules: an entry is replaced, a link at its path is not
    followed, and its temporary files are created exclusively."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (tmp_path / "a.sh").write_text("python3 x.py\n")
    env = {"QT_LINT_CACHE_DIR": str(cache)}
    qt_lint("check", "--isolated", "a.sh", cwd=tmp_path, env=env)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    indexes = [p for p in cache.glob("*/*") if p.name != "used"]  # the file's entry
    assert indexes
    for index in indexes:
        index.unlink()
        os.symlink(victim, index)
    (tmp_path / "a.sh").write_text("python3 y.py\n")  # a change, so the index is rewritten
    proc = qt_lint("check", "--isolated", "a.sh", cwd=tmp_path, env=env)
    assert proc.returncode == 1 and "QT101" in proc.stdout
    assert victim.read_text() == "precious\n"
    assert all(not index.is_symlink() for index in indexes)


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a device node (needs root)")
def test_output_file_that_is_a_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    """`-o /dev/null` as root replaced the machine's /dev/null with a regular file (the
    atomic rename); a device, or a link to one the user named (`/dev/stdout`), is written
    to as a shell's `>` would, and stays what it is."""
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link = tmp_path / "stdout"
    link.symlink_to(null)
    (tmp_path / "a.sh").write_text("python3 x.py\n")
    for target in (null, link):
        proc = qt_lint("check", "--isolated", "--no-cache", "-o", str(target), "a.sh",
                       cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert stat.S_ISCHR(os.lstat(null).st_mode) and link.is_symlink()
    host = qt_lint("host", "--root", str(tmp_path / "no-host"), "-o", str(null), cwd=tmp_path)
    assert "Traceback" not in host.stderr and stat.S_ISCHR(os.lstat(null).st_mode)


def test_output_file_that_is_a_fifo_gets_the_report(tmp_path: Path) -> None:
    fifo = tmp_path / "report"
    os.mkfifo(fifo)
    (tmp_path / "a.sh").write_text("python3 x.py\n")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = qt_lint("check", "--isolated", "--no-cache", "--format", "json", "-o", str(fifo),
                   "a.sh", cwd=tmp_path)
    reader.join(timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["findings"][0]["code"] == "QT101"
