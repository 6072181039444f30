"""Building contract hosts under a temporary --root, and a real redis-server to audit."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qt_lint.config import Contract
from qt_lint.golden import render, wrapper
from qt_lint.golden_models import canary, makefile, quality_gate, rollback

QT = 1000
SERVICES = {"backend": "-m backend.main", "ai-engine": "-m ai_engine.main",
            "execution": "-m execution.main", "rl-agent": "-m rl_agent.main"}
ENV = """REPO_ROOT=/home/qt/quantum_trader
DATA_DIR=/opt/quantum/data
MODEL_DIR=/opt/quantum/ai_engine/models
SERVICE_NAME={service}
LOG_LEVEL=INFO
PYTHONUNBUFFERED=1
REDIS_HOST=localhost
REDIS_PORT=6379
REDIS_DB=0
DB_PATH=/opt/quantum/data/quantum_trader.db
AUTO_ACTIVATION=disabled
SHADOW_MODE=enabled
"""

REDIS_CONF = """# Debian's redis.conf, as the contract wants it
bind 127.0.0.1 -::1
protected-mode yes
port 6379
appendonly yes
"""


def put(root: Path, path: str, text: str | bytes = "", mode: int = 0o644, uid: int = 0,
        gid: int = 0) -> Path:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text)
    os.chown(target, uid, gid)
    target.chmod(mode)
    return target


def folder(root: Path, path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Path:
    target = root / path.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    os.chown(target, uid, gid)
    target.chmod(mode)
    return target


def build_host(root: Path) -> Path:
    """A fully compliant contract host below `root`."""
    c = Contract()
    for path in ("/etc", "/etc/systemd", "/etc/systemd/system", "/opt", "/opt/quantum",
                 "/opt/quantum/venvs", "/usr", "/usr/bin", "/home", "/tmp"):
        folder(root, path, 0o1777 if path == "/tmp" else 0o755)
    root.chmod(0o755)
    put(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
        f"qt:x:{QT}:{QT}:qt:/home/qt:/bin/bash\n")
    put(root, "/etc/group", f"root:x:0:\nqt:x:{QT}:\n")
    folder(root, "/etc/quantum", 0o750, 0, QT)
    # the repository
    folder(root, "/home/qt", 0o755, QT, QT)
    repo = folder(root, c.repo_root, 0o755, QT, QT)
    folder(root, f"{c.repo_root}/.git", 0o755, QT, QT)
    put(root, f"{c.repo_root}/ops/run.sh", wrapper(c), 0o755, QT, QT)
    put(root, f"{c.repo_root}/Makefile", makefile(c), 0o644, QT, QT)
    for relpath, text in ((c.canary_script, canary(c)), (c.quality_gate, quality_gate(c)),
                          (c.rollback_script, rollback(c))):
        put(root, f"{c.repo_root}/{relpath}", text, 0o755, QT, QT)
    # data, database, models
    folder(root, c.data_dir, 0o755, QT, QT)
    for sub in ("redis_dumps", "training_data", "model_checkpoints", "backups"):
        folder(root, f"{c.data_dir}/{sub}", 0o755, QT, QT)
    db = root / c.db_path.lstrip("/")
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT)")
        connection.execute("INSERT INTO trades (symbol) VALUES ('BTCUSDT')")
    os.chown(db, QT, QT)
    folder(root, c.secrets_dir, 0o700, QT, QT)
    put(root, f"{c.secrets_dir}/exchange.key", "not a real key\n", 0o600, QT, QT)
    for sub in ("", "/active", "/shadow", "/archive"):
        folder(root, c.model_dir + sub, 0o755, QT, QT)
    put(root, f"{c.model_dir}/archive/20260110T0200_xgboost_P0.4", "model", 0o644, QT, QT)
    # interpreter and venvs (never executed)
    put(root, "/usr/bin/python3.11", "#!/not/run\n", 0o755)
    os.symlink("python3.11", root / "usr/bin/python3")
    for venv in c.venvs:
        base = f"{c.venv_root}/{venv}"
        folder(root, base)
        folder(root, f"{base}/bin")
        put(root, f"{base}/pyvenv.cfg",
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n")
        os.symlink("/usr/bin/python3", root / base.lstrip("/") / "bin/python")
    # the distribution's own units, as an image has them (systemd-analyze verify needs
    # sysinit.target and friends), and Redis from Debian's package
    system = Path("/lib/systemd/system")
    if system.is_dir():
        shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    redis_unit = system / "redis-server.service"
    put(root, "/usr/lib/systemd/system/redis-server.service",
        redis_unit.read_text() if redis_unit.is_file() else
        "[Unit]\nDescription=Redis\n\n[Service]\nExecStart=/usr/bin/redis-server\n")
    os.symlink("usr/lib", root / "lib")  # merged /usr, as Debian has it
    folder(root, "/etc/systemd/system/multi-user.target.wants")
    os.symlink("/lib/systemd/system/redis-server.service",
               root / "etc/systemd/system/multi-user.target.wants/redis-server.service")
    put(root, "/etc/redis/redis.conf", REDIS_CONF, 0o640)
    # units (installed and in the repository) and env files
    for service, script in SERVICES.items():
        venv = c.venv_for_unit(f"quantum-{service}") or "backend"
        unit = render(c, service, oneshot=False, script=script, venv=venv)
        put(root, f"/etc/systemd/system/quantum-{service}.service", unit)
        put(root, f"{c.repo_root}/systemd/quantum-{service}.service", unit, 0o644, QT, QT)
        put(root, f"/etc/quantum/{service}.env", ENV.format(service=service), 0o640, 0, QT)
    return repo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(tmp: Path, appendonly: str = "yes", bind: str = "127.0.0.1",
                 password: str | None = None, as_user: bool = True,
                 uid: int | None = None) -> Iterator[int]:
    """A real redis-server (Debian's package) on a free loopback port."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is missing: scripts/test installs it")
    port = free_port()
    # as Debian's unit runs it: by the redis account, which the audit requires of whoever
    # holds the port when systemd cannot name the unit's main process
    import pwd
    import tempfile

    account = pwd.getpwnam("redis")
    folder_ = Path(tempfile.mkdtemp(prefix=f"qt-lint-redis-{port}-"))
    os.chown(folder_, account.pw_uid, account.pw_gid)
    as_redis = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                "--clear-groups"] if os.geteuid() == 0 and as_user else []
    if uid is not None:  # someone else on the port: the audit must not take it for Redis
        os.chown(folder_, uid, uid)
        as_redis = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    proc = subprocess.Popen(
        [*as_redis, exe, "--port", str(port), "--bind", bind, "--appendonly", appendonly,
         "--protected-mode", "yes", "--dir", str(folder_), "--save", "",
         *(["--requirepass", password] if password else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder_, ignore_errors=True)
