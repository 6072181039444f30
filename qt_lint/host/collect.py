"""Reading a host into a Snapshot: the only code of the audit that touches the host.

Read-only by construction: files are stat-ed and read, never written or executed; the
database is opened read-only and immutable; Redis gets PING, CONFIG GET and INFO only,
on a loopback address; the only programs run are `systemd-analyze` and `systemctl show`,
each with a timeout. With `--root DIR` every path is read below DIR, symbolic links are
resolved inside DIR, and owners come from DIR's own etc/passwd and etc/group.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat as stat_module
import subprocess
import time
import urllib.request
from typing import Any

from qt_lint.config import Config
from qt_lint.host.snapshot import SNAPSHOT_VERSION, Snapshot, Stat, TextFile, pyvenv_values

DATA_SUBDIRS = ("redis_dumps", "training_data", "model_checkpoints", "backups")
SYSTEMD_DIR = "/etc/systemd/system"
TOOL_TIMEOUT = 10.0
MAX_TEXT = 1024 * 1024


class HostError(Exception):
    """The audit cannot start (the root is unreadable, ...): exit 2."""


class Reader:
    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.paths: dict[str, Stat] = {}
        self.texts: dict[str, TextFile] = {}

    def real(self, path: str) -> str:
        """The auditor's path of a host path: every folder on the way resolved inside the
        root, as a chroot would (an absolute link in /opt/quantum must not reach out)."""
        if self.root == "/":
            return path
        return self.root + self._parent_inside(path)

    def _parent_inside(self, path: str, hops: int = 0) -> str:
        """`path` with every folder before its last component resolved inside the root."""
        parts = [p for p in path.split("/") if p]
        current = "/"
        for part in parts[:-1]:
            current = self._folder_inside(os.path.join(current, part), hops)
        return os.path.join(current, parts[-1]) if parts else "/"

    def _folder_inside(self, path: str, hops: int) -> str:
        """A folder path with its own links (and its parents') resolved inside the root."""
        path = self._parent_inside(os.path.normpath(path), hops)
        real = self.root + path
        if hops < 40 and os.path.islink(real):
            target = os.readlink(real)
            joined = target if target.startswith("/") else os.path.join(
                os.path.dirname(path), target)
            return self._folder_inside(joined, hops + 1)
        return path

    def _resolve(self, path: str, hops: int = 0) -> tuple[str | None, str]:
        """Follow symbolic links inside the root: (host path, kind) or (None, reason)."""
        if hops > 40:
            return None, "symbolic link loop"
        try:
            st = os.lstat(self.real(path))
        except OSError as exc:
            return None, _reason(exc)
        if stat_module.S_ISLNK(st.st_mode):
            target = os.readlink(self.real(path))
            nxt = target if target.startswith("/") else os.path.join(os.path.dirname(path),
                                                                     target)
            return self._resolve(os.path.normpath(nxt), hops + 1)
        return path, _kind(st.st_mode)

    def stat(self, path: str) -> Stat:
        path = os.path.normpath(path)
        if path in self.paths:
            return self.paths[path]
        try:
            st = os.lstat(self.real(path))
        except OSError as exc:
            kind = "missing" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else "error"
            result = Stat(path, kind, error=None if kind == "missing" else _reason(exc))
            self.paths[path] = result
            return result
        kind = _kind(st.st_mode)
        target = resolved = resolved_kind = None
        executable = False
        if kind == "symlink":
            target = os.readlink(self.real(path))
            resolved, resolved_kind = self._resolve(path)
            if resolved is not None:
                try:
                    rst = os.stat(self.real(resolved))
                    executable = stat_module.S_ISREG(rst.st_mode) and bool(rst.st_mode & 0o111)
                except OSError:
                    pass
        else:
            executable = kind == "file" and bool(st.st_mode & 0o111)
        result = Stat(path, kind, st.st_uid, st.st_gid, stat_module.S_IMODE(st.st_mode),
                      st.st_size, target, resolved, resolved_kind, executable)
        self.paths[path] = result
        return result

    def read(self, path: str) -> TextFile:
        path = os.path.normpath(path)
        if path in self.texts:
            return self.texts[path]
        info = self.stat(path)
        text = error = None
        if info.kind in ("file", "symlink"):
            try:
                with open(self.real(path), "rb") as handle:
                    data = handle.read(MAX_TEXT)
                text = data.decode("utf-8").replace("\r\n", "\n")
            except OSError as exc:
                error = _reason(exc)
            except UnicodeDecodeError:
                error = "not valid UTF-8"
        else:
            error = info.error or ("missing" if info.kind == "missing" else f"a {info.kind}")
        result = TextFile(info, text, error)
        self.texts[path] = result
        return result

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.real(path)))
        except OSError:
            return []


def _kind(mode: int) -> str:
    if stat_module.S_ISLNK(mode):
        return "symlink"
    if stat_module.S_ISREG(mode):
        return "file"
    if stat_module.S_ISDIR(mode):
        return "dir"
    return "other"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or type(exc).__name__


def _accounts(reader: Reader) -> tuple[dict[str, int], dict[str, int], str | None]:
    users: dict[str, int] = {}
    groups: dict[str, int] = {}
    errors = []
    for path, table in (("/etc/passwd", users), ("/etc/group", groups)):
        got = reader.read(path)
        if got.text is None:
            errors.append(f"{path}: {got.error}")
            continue
        for line in got.text.splitlines():
            parts = line.split(":")
            if len(parts) >= 3 and parts[2].isdigit():
                table[parts[0]] = int(parts[2])
    return users, groups, "; ".join(errors) or None


def collect(config: Config, root: str = "/", repo: str | None = None,
            redis_host: str | None = None, redis_port: int | None = None,
            timeout: float = 2.0) -> Snapshot:
    if not os.path.isdir(root) or not os.access(root, os.R_OK | os.X_OK):
        raise HostError(f"--root {root}: not a readable folder")
    c = config.contract
    reader = Reader(root)
    users, groups, accounts_error = _accounts(reader)

    repo_root = repo or c.repo_root
    reader.stat(repo_root)
    reader.stat(f"{repo_root}/.git")
    reader.stat(c.data_dir)
    for sub in DATA_SUBDIRS:
        reader.stat(f"{c.data_dir}/{sub}")
    for sub in ("", "/active", "/shadow", "/archive"):
        reader.stat(c.model_dir + sub)
    archive_entries = reader.listdir(f"{c.model_dir}/archive")
    for venv in c.venvs:
        base = f"{c.venv_root}/{venv}"
        reader.stat(base)
        reader.stat(f"{base}/bin/python")
        cfg = reader.read(f"{base}/pyvenv.cfg")
        for key, value in pyvenv_values(cfg.text or "").items():
            if key == "home":
                reader.stat(value)
                for name in ("python3", "python"):
                    reader.stat(f"{value.rstrip('/')}/{name}")
            elif key == "executable":
                reader.stat(value)

    # env files and units
    reader.stat(c.env_dir)
    env_files = [f"{c.env_dir}/{n}" for n in reader.listdir(c.env_dir)]
    for path in env_files:
        reader.read(path)
    units: list[str] = []
    for name in reader.listdir(SYSTEMD_DIR):
        full = f"{SYSTEMD_DIR}/{name}"
        if not name.startswith(c.unit_prefix):
            continue
        if name.endswith((".service", ".timer", ".socket")):
            units.append(full)
            reader.read(full)
        elif name.endswith((".service.d", ".timer.d", ".socket.d")):
            for conf in reader.listdir(full):
                if conf.endswith(".conf"):
                    units.append(f"{full}/{conf}")
                    reader.read(f"{full}/{conf}")
    for service in {c.service_of_unit(os.path.basename(u).rsplit(".", 1)[0])
                    for u in units if u.endswith(".service")}:
        reader.stat(f"{c.env_dir}/{service}.env")
    for folder in (c.env_dir, SYSTEMD_DIR, c.venv_root):
        path = folder
        while True:
            reader.stat(path)
            if path == "/":
                break
            path = os.path.dirname(path)

    # the repository's copies of the units (drift), its wrapper and Makefile
    repo_units = _repo_units(reader, repo_root)
    for path in repo_units.values():
        reader.read(path)
    reader.stat(f"{repo_root}/{c.wrapper}")
    reader.read(f"{repo_root}/Makefile")

    live = root == "/" and _systemd_is_pid1()
    return Snapshot(
        version=SNAPSHOT_VERSION, root=reader.root, live=live, users=users, groups=groups,
        accounts_error=accounts_error, paths=reader.paths, texts=reader.texts,
        env_files=env_files, units=units, repo_units=repo_units,
        archive_entries=archive_entries,
        db=_database(reader, c.db_path),
        redis=_redis(redis_host or c.redis_hosts[0], redis_port or c.redis_port, timeout,
                     c.redis_hosts),
        services=_services(units, live) if live else {},
        analyze=_analyze(reader, units),
    )


def _repo_units(reader: Reader, repo_root: str) -> dict[str, str]:
    found: dict[str, str] = {}
    base = reader.real(repo_root)
    if not os.path.isdir(base):
        return found
    for current, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "node_modules")]
        for name in files:
            if name.endswith((".service", ".timer", ".socket")):
                host = os.path.join(current, name)
                host = host if reader.root == "/" else host[len(reader.root):]
                found.setdefault(name, host)
    return found


def _database(reader: Reader, path: str) -> dict[str, Any]:
    info = reader.stat(path)
    out: dict[str, Any] = {"path": path}
    if info.kind != "file":
        return out
    real = reader.real(path)
    try:
        with open(real, "rb") as handle:
            out["header_ok"] = handle.read(16) == b"SQLite format 3\x00"
    except OSError as exc:
        out["error"] = _reason(exc)
        return out
    if not out["header_ok"]:
        return out
    uri = f"file:{urllib.request.pathname2url(real)}?mode=ro&immutable=1"
    started = time.monotonic()
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=TOOL_TIMEOUT)
        connection.set_progress_handler(
            lambda: 1 if time.monotonic() - started > TOOL_TIMEOUT else 0, 10_000)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
        out["quick_check"] = "; ".join(str(r[0]) for r in rows[:5])
    except sqlite3.Error as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _redis(host: str, port: int, timeout: float, local: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"host": host, "port": port}
    if host not in local:
        out["error"] = f"{host} is not a loopback address; the audit only talks to localhost"
        return out
    import redis

    client = redis.Redis(host=host, port=port, socket_timeout=timeout,
                         socket_connect_timeout=timeout)
    try:
        out["ping"] = "PONG" if client.ping() else "no PONG"
    except redis.RedisError as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    try:
        config = client.config_get("appendonly")
        config.update(client.config_get("bind"))
        config.update(client.config_get("protected-mode"))
        out["config"] = {str(k): str(v) for k, v in config.items()}
    except redis.RedisError as exc:  # CONFIG renamed or forbidden: fall back to INFO
        out["config_error"] = f"{type(exc).__name__}: {exc}"
        try:
            info = client.info("persistence")
            out["config"] = {"appendonly": "yes" if info.get("aof_enabled") else "no"}
        except redis.RedisError:
            pass
    finally:
        client.close()
    return out


def _systemd_is_pid1() -> bool:
    try:
        with open("/proc/1/comm") as handle:
            return handle.read().strip() == "systemd"
    except OSError:
        return False


def _services(units: list[str], live: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    systemctl = shutil.which("systemctl")
    for unit in units:
        name = os.path.basename(unit)
        if not name.endswith(".service"):
            continue
        entry: dict[str, Any] = {}
        if systemctl is None:
            entry["error"] = "systemctl not found"
            out[name] = entry
            continue
        try:
            proc = subprocess.run(
                [systemctl, "show", name, "-p", "ActiveState,MainPID,FragmentPath,DropInPaths"],
                capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False)
            for line in proc.stdout.splitlines():
                key, _, value = line.partition("=")
                entry[key] = value
        except (OSError, subprocess.TimeoutExpired) as exc:
            entry["error"] = type(exc).__name__
        pid = entry.get("MainPID", "0")
        if pid.isdigit() and int(pid) > 0:
            entry.update(_process(int(pid)))
        out[name] = entry
    return out


def _process(pid: int) -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    info["uid"] = int(line.split()[1])
        info["cwd"] = os.readlink(f"/proc/{pid}/cwd")
        info["exe"] = os.readlink(f"/proc/{pid}/exe")
    except OSError as exc:
        info["process_error"] = _reason(exc)
    return info


def _analyze(reader: Reader, units: list[str]) -> dict[str, Any]:
    tool = shutil.which("systemd-analyze")
    fragments = [u for u in units if not u.endswith(".conf")]
    if tool is None or not fragments:
        return {"available": tool is not None, "lines": []}
    args = [tool, "verify", "--man=no"]
    if reader.root != "/":
        args.append(f"--root={reader.root}")
    args += [reader.real(u) for u in fragments]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False,
                              env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"available": True, "error": type(exc).__name__, "lines": []}
    lines = [line.replace(reader.root, "") if reader.root != "/" else line
             for line in proc.stderr.splitlines() if line.strip()]
    return {"available": True, "lines": lines}
