"""Bad input gets a clear QT001, never a traceback and never a silent pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qt_lint.config import Config
from tests.conftest import qt_lint, run_check


def _codes(root: Path, **cfg: object) -> list[tuple[str, int, int, str, str]]:
    return [(Path(f.path).name, f.line, f.column, f.code, f.message)
            for f in run_check(root, **cfg)]


def test_binary_undecodable_and_huge(tmp_path: Path) -> None:
    (tmp_path / "a.sh").write_bytes(b"A=1\nB=\0\n")
    (tmp_path / "b.env").write_bytes(b"A=1\nB=caf\xe9\n")
    (tmp_path / "c.env").write_bytes(b"A=" + b"x" * 5000 + b"\n")
    got = _codes(tmp_path, select=("QT001",), max_file_size=4096)
    assert got == [
        ("a.sh", 2, 3, "QT001", "binary file (contains a NUL byte), not analysed"),
        ("b.env", 2, 6, "QT001", "not valid UTF-8 (byte 0xe9), not analysed"),
        ("c.env", 1, 1, "QT001",
         "file is too large to analyse (5,003 bytes > max-file-size 4,096)"),
    ]


def test_name_rules_still_apply_to_unreadable_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"A=\xff")
    got = [(c, m[:6]) for _, _, _, c, m in _codes(tmp_path)]
    assert got == [("QT301", "env fi"), ("QT001", "not va")]


def test_env_file_with_nul_is_read_as_systemd_reads_it(tmp_path: Path) -> None:
    """systemd reads an env file up to its first NUL: not a binary file, but QT004."""
    (tmp_path / ".env").write_bytes(b"\0\0")
    got = [(c, m[:8]) for _, _, _, c, m in _codes(tmp_path)]
    assert got == [("QT004", "NUL byte"), ("QT301", "env file")]


def test_symlink_loop_and_broken_link(tmp_path: Path) -> None:
    os.symlink("loop.env", tmp_path / "loop.env")
    os.symlink("missing-target", tmp_path / "broken.env")
    got = [(n, m) for n, _, _, c, m in _codes(tmp_path, select=("QT001",))]
    assert got == [
        ("broken.env", "cannot read: no such file (or a broken symbolic link)"),
        ("loop.env", "cannot read: symbolic link loop"),
    ]


def test_directory_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")
    (tmp_path / "sub" / "x.env").write_text("A=1\n")
    assert [n for n, *_ in _codes(tmp_path)] == ["x.env"]


def test_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.env")
    got = [(n, c, m) for n, _, _, c, m in _codes(tmp_path, select=("QT001",))]
    assert got == [("pipe.env", "QT001", "not a regular file, not analysed")]


@pytest.mark.skipif(os.geteuid() != 0 and os.name != "posix", reason="posix only")
def test_unreadable_file(tmp_path: Path) -> None:
    """Run as an unprivileged user (root reads everything), via setpriv when we are root."""
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        _unreadable_file(tmp_path)
    finally:
        import shutil

        shutil.rmtree(tmp_path)


def _unreadable_file(tmp_path: Path) -> None:
    target = tmp_path / "secret.env"
    target.write_text("A=1\n")
    target.chmod(0)
    if os.geteuid() == 0:
        import shutil
        import subprocess
        import sys

        if shutil.which("setpriv") is None:
            pytest.skip("setpriv missing")
        tmp_path.chmod(0o755)
        exe = Path(sys.executable).parent / "qt-lint"
        proc = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(exe),
             "check", "--select", "QT001", str(target)],
            capture_output=True, text=True, check=False, cwd="/",
        )
        assert proc.returncode == 1, proc.stderr
        assert "QT001 cannot read: permission denied" in proc.stdout
    else:
        got = _codes(tmp_path, select=("QT001",))
        assert got[0][4] == "cannot read: permission denied"


def test_crlf_and_bom_are_read(tmp_path: Path) -> None:
    (tmp_path / "x.env").write_bytes(b"\xef\xbb\xbfA=1\r\nB=2\r\n")
    assert _codes(tmp_path, select=("QT001",)) == []


def test_config_dataclass_defaults_match_rules_md() -> None:
    c = Config().contract
    assert c.repo_root == "/home/qt/quantum_trader"
    assert c.venv_python("backend") == "/opt/quantum/venvs/backend/bin/python"
    assert c.venv_for_unit("quantum-rl-monitor") == "rl-agent"
    assert c.venv_for_script("ops/training/train_patchtst.py") == "ai-engine"
    assert c.service_of_unit("quantum-ai-engine") == "ai-engine"


def test_check_never_tracebacks_on_garbage_tree(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_bytes(os.urandom(2048))
    (tmp_path / "Dockerfile").write_bytes(os.urandom(512))
    proc = qt_lint("check", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_utf16_is_named_for_what_it_is(tmp_path: Path) -> None:
    """YAML may be UTF-16 (it is read); a shell script cannot (it is named, not "binary")."""
    from tests.conftest import qt_lint

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "redis.yaml").write_bytes(
        "redis:\n  host: quantum_redis\n".encode("utf-16"))
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "a.sh").write_bytes("python3 x.py\n".encode("utf-16"))
    proc = qt_lint("check", "--isolated", "--no-cache", ".", cwd=tmp_path)
    assert "config/redis.yaml:2:9: QT502" in proc.stdout, proc.stdout
    assert "ops/a.sh:1:1: QT001 UTF-16 text (byte-order mark)" in proc.stdout
    assert "binary" not in proc.stdout
