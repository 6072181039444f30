"""Reading a host into a Snapshot: the only code of the audit that touches the host.

Read-only by construction: files are stat-ed and read, never written or executed; the
database is checked in a private copy (or opened immutable when it has no write-ahead
log); Redis gets AUTH, PING, CONFIG GET and INFO only, on a loopback address, and only on
the live host; the only programs run are `systemd-analyze` and `systemctl show`, each
with a timeout. Every path is resolved inside the root (`qt_lint.host.inroot`), every read
is bounded, only regular files are opened, and the whole collection has a time budget:
what could not be read is recorded as an error, which the checks report as ERROR.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from typing import Any

from qt_lint.config import Config
from qt_lint.host.inroot import OutOfTime, Root, kind_of, parse_acl, reason
from qt_lint.host.snapshot import SNAPSHOT_VERSION, Snapshot, Stat, TextFile, pyvenv_values

DATA_SUBDIRS = ("redis_dumps", "training_data", "model_checkpoints", "backups")
SYSTEMD_DIR = "/etc/systemd/system"
# systemd's unit search path of the system manager, highest priority first (systemd 252,
# `systemd-analyze unit-paths`); /lib/systemd/system is the same folder on merged-/usr hosts
UNIT_PATHS = (
    "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
    "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
    "/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
    "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
    "/run/systemd/generator.late",
)
UNIT_TYPES = ("service", "timer", "socket", "path")
REDIS_CONF = "/etc/redis/redis.conf"
TOOL_TIMEOUT = 10.0
MAX_TEXT = 8 * 1024 * 1024  # units, env files, configuration: far above any real one
MAX_REPO_ENTRIES = 500_000
MAX_DB_COPY = 2 * 1024 * 1024 * 1024
REPO_SKIP = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
                       ".pytest_cache", ".ruff_cache", ".tox"})
TIME_UP = "the audit's time limit was reached before this was read"


class HostError(Exception):
    """The audit cannot start (the root is unreadable, empty, ...): exit 2."""


class Reader:
    """Stats and reads host paths inside the root, recording each answer once."""

    def __init__(self, root: str, deadline: float | None = None,
                 limit: int = MAX_TEXT) -> None:
        try:
            self.fs = Root(root, deadline)
        except OSError as exc:
            raise HostError(f"--root {root}: {reason(exc)}") from None
        self.root = self.fs.root
        self.limit = limit
        self.paths: dict[str, Stat] = {}
        self.texts: dict[str, TextFile] = {}

    def stat(self, path: str) -> Stat:
        path = os.path.normpath(path)
        if path in self.paths:
            return self.paths[path]
        result = self._stat(path)
        self.paths[path] = result
        return result

    def _stat(self, path: str) -> Stat:
        try:
            found = self.fs.lookup(path)
        except OutOfTime:
            return Stat(path, "error", error=TIME_UP)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return Stat(path, "missing")
            return Stat(path, "error", error=reason(exc))
        st = found.stat
        kind = kind_of(st.st_mode)
        resolved = resolved_kind = None
        executable = kind == "file" and bool(st.st_mode & 0o111)
        if kind == "symlink":
            try:
                target = self.fs.lookup(path, follow=True)
                resolved, resolved_kind = target.path, kind_of(target.stat.st_mode)
                executable = resolved_kind == "file" and bool(target.stat.st_mode & 0o111)
            except OutOfTime:
                resolved_kind = "error"
            except OSError as exc:
                resolved_kind = "missing" if exc.errno == errno.ENOENT else "error"
        acl = None
        if kind in ("file", "dir"):
            try:
                acl = parse_acl(self.fs.getxattr(path, "system.posix_acl_access"))
            except (OSError, OutOfTime):
                acl = None
        return Stat(path, kind, st.st_uid, st.st_gid, st.st_mode & 0o7777, st.st_size,
                    found.link, resolved, resolved_kind, executable, acl=acl)

    def read(self, path: str) -> TextFile:
        path = os.path.normpath(path)
        if path in self.texts:
            return self.texts[path]
        info = self.stat(path)
        text = error = None
        if info.kind == "missing" or (info.kind == "symlink" and info.resolved_kind == "missing"):
            error = "missing"
        elif info.kind == "error":
            error = info.error
        else:
            try:
                data, _ = self.fs.read(path, self.limit)
                text = data.decode("utf-8").replace("\r\n", "\n")
            except OutOfTime:
                error = TIME_UP
            except OSError as exc:
                error = reason(exc)
            except UnicodeDecodeError:
                error = "not valid UTF-8"
        result = TextFile(info, text, error)
        self.texts[path] = result
        return result

    def listdir(self, path: str) -> tuple[list[str], str | None]:
        """(names, None), or ([], why) when the folder is missing or cannot be listed."""
        try:
            return self.fs.listdir(path), None
        except OutOfTime:
            return [], TIME_UP
        except OSError as exc:
            return [], "missing" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else reason(exc)


def _accounts(reader: Reader) -> dict[str, Any]:
    users: dict[str, int] = {}
    user_gids: dict[str, int] = {}
    groups: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    errors = []
    for path in ("/etc/passwd", "/etc/group"):
        got = reader.read(path)
        if got.text is None:
            errors.append(f"{path}: {got.error}")
            continue
        for line in got.text.splitlines():
            parts = line.split(":")
            if len(parts) < 3 or not parts[2].isdigit():
                continue
            if path == "/etc/passwd":
                users.setdefault(parts[0], int(parts[2]))
                if len(parts) > 3 and parts[3].isdigit():
                    user_gids.setdefault(parts[0], int(parts[3]))
            else:
                groups.setdefault(parts[0], int(parts[2]))
                names = parts[3].split(",") if len(parts) > 3 and parts[3] else []
                members.setdefault(parts[0], [n.strip() for n in names if n.strip()])
    return {"users": users, "user_gids": user_gids, "groups": groups,
            "group_members": members, "accounts_error": "; ".join(errors) or None}


def recognisable(reader: Reader) -> bool:
    """An image or host, not an empty folder or a failed mount: it has an /etc with
    accounts or systemd configuration."""
    return any(reader.stat(p).kind in ("file", "dir", "symlink")
               for p in ("/etc/passwd", "/etc/systemd", "/etc/os-release"))


def collect(config: Config, root: str = "/", redis_host: str | None = None,
            redis_port: int | None = None, timeout: float = 2.0,
            redis_password: str | None = None, time_limit: float = 300.0) -> Snapshot:
    """Read the host below `root`. The repository is `config.contract.repo_root`."""
    if not os.path.isdir(root) or not os.access(root, os.R_OK | os.X_OK):
        raise HostError(f"--root {root}: not a readable folder")
    started = time.monotonic()
    deadline = started + time_limit
    c = config.contract
    reader = Reader(root, deadline)
    try:
        if not recognisable(reader):
            raise HostError(f"--root {root}: no /etc/passwd, /etc/systemd or /etc/os-release "
                            "there: an empty folder or a failed mount is not a host")
        accounts = _accounts(reader)
        repo_root = c.repo_root
        reader.stat(repo_root)
        reader.stat(f"{repo_root}/.git")
        reader.stat(c.data_dir)
        for sub in DATA_SUBDIRS:
            reader.stat(f"{c.data_dir}/{sub}")
        for sub in ("", "/active", "/shadow", "/archive"):
            reader.stat(c.model_dir + sub)
        archive_entries, archive_error = reader.listdir(f"{c.model_dir}/archive")
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

        reader.stat(c.env_dir)
        names, _ = reader.listdir(c.env_dir)
        env_files = [f"{c.env_dir}/{n}" for n in names if n.endswith(".env")]
        for path in env_files:
            reader.read(path)
        search = _unit_names(reader)
        units, dropins, unit_errors = find_units(reader, config, search)
        for service in {c.service_of_unit(os.path.basename(u).rsplit(".", 1)[0])
                        for u in units if u.endswith(".service")}:
            reader.read(f"{c.env_dir}/{service}.env")
        folders = [c.env_dir, *UNIT_PATHS, c.venv_root]
        while folders:
            path = folders.pop(0)
            while True:
                info = reader.stat(path)
                if info.kind == "symlink" and info.resolved and info.resolved not in reader.paths:
                    folders.append(info.resolved)
                if path == "/":
                    break
                path = os.path.dirname(path)

        # the repository's copies of the units (drift), its wrapper and Makefile
        repo_units, repo_units_error = _repo_units(reader, repo_root)
        for paths in repo_units.values():
            for path in paths:
                reader.read(path)
        reader.read(f"{repo_root}/{c.wrapper}")
        reader.read(f"{repo_root}/Makefile")
        repo_config = _repo_config(reader, config)
        hostname = reader.read("/etc/hostname").text if root != "/" else socket.gethostname()

        live = os.path.abspath(root) == "/"
        redis = (_redis(redis_host or c.redis_hosts[0], redis_port or c.redis_port, timeout,
                        c.redis_hosts, redis_password) if live
                 else _redis_image(reader, config, search))
        systemd_live = live and _systemd_is_pid1()
        return Snapshot(
            version=SNAPSHOT_VERSION, root=reader.root, live=systemd_live,
            repo_root=repo_root, hostname=(hostname or "").strip() or None,
            paths=reader.paths, texts=reader.texts, env_files=env_files, units=units,
            dropins=dropins, unit_errors=unit_errors, repo_units=repo_units,
            repo_units_error=repo_units_error, archive_entries=archive_entries,
            archive_error=archive_error, repo_config=repo_config,
            db=_database(reader, c.db_path, deadline),
            redis=redis,
            services=_services(units) if systemd_live else {},
            analyze=_analyze(reader, units, deadline),
            **accounts,
        )
    finally:
        reader.fs.close()


def _unit_names(reader: Reader) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every unit fragment systemd would load (name -> path, highest priority wins), and
    the names listed in each search folder."""
    fragments: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    seen: set[str] = set()
    for folder in UNIT_PATHS:
        try:
            real = reader.fs.lookup(folder, follow=True).path
        except (OSError, OutOfTime):
            real = folder
        if real in seen:
            continue
        seen.add(real)  # systemd resolves its search folders and keeps the first of each
        names, _ = reader.listdir(real)
        listed[real] = names
        for name in names:
            if name.rsplit(".", 1)[-1] in UNIT_TYPES and "@." not in name:
                fragments.setdefault(name, f"{real}/{name}")
    return fragments, listed


def dropin_dirs(name: str) -> list[str]:
    """The drop-in folder names of a unit in one search folder, in systemd's order:
    `<name>.d`, then each dash prefix (`quantum-ai-.service.d`, `quantum-.service.d`)."""
    stem, _, kind = name.rpartition(".")
    out = [f"{name}.d"]
    parts = stem.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        out.append("-".join(parts[:cut]) + f"-.{kind}.d")
    return out


def find_units(reader: Reader, config: Config,
               search: tuple[dict[str, str], dict[str, list[str]]] | None = None,
               ) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The units the audit judges (those named with the contract's prefix, and any that run
    code from the repository or a venv, in every search folder), each with the drop-ins
    systemd applies to it, in the order it applies them."""
    c = config.contract
    fragments, listed = search or _unit_names(reader)
    units: list[str] = []
    errors: list[str] = []
    marks = (c.repo_root.rstrip("/") + "/", c.venv_root.rstrip("/") + "/")
    for name, path in sorted(fragments.items()):
        if name.startswith(c.unit_prefix):
            reader.read(path)
            units.append(path)
            continue
        info = reader.stat(path)
        if info.kind == "symlink" and info.resolved in ("/dev/null", None):
            continue  # masked, or an alias whose target is judged under its own name
        if path.startswith(("/usr/lib/", "/lib/")) and info.size and info.size > 64 * 1024:
            continue
        got = reader.read(path)
        if got.text is None:
            if got.error != "missing":
                errors.append(f"{path}: {got.error}")
            continue
        if any(_runs_from(line, marks) for line in got.text.splitlines()):
            units.append(path)
    dropins: dict[str, list[str]] = {}
    for path in units:
        name = os.path.basename(path)
        kind = name.rsplit(".", 1)[-1]
        folders = [f"{folder}/{d}" for folder in listed for d in dropin_dirs(name)
                   if d in listed[folder]]
        folders += [f"{folder}/{kind}.d" for folder in listed if f"{kind}.d" in listed[folder]]
        chosen: dict[str, str] = {}
        for folder in folders:
            confs, why = reader.listdir(folder)
            if why and why != "missing":
                errors.append(f"{folder}: {why}")
            for conf in confs:
                if conf.endswith(".conf"):
                    chosen.setdefault(conf, f"{folder}/{conf}")
        files = []
        for conf in sorted(chosen):
            file = chosen[conf]
            info = reader.stat(file)
            if info.kind == "symlink" and info.resolved == "/dev/null":
                continue  # masked drop-in
            reader.read(file)
            files.append(file)
        dropins[path] = files
    return units, dropins, errors


def _runs_from(line: str, marks: tuple[str, ...]) -> bool:
    """Whether a unit line runs code from (or in) one of the folders `marks`."""
    key, sep, value = line.strip().partition("=")
    if not sep or not (key.startswith("Exec") or key == "WorkingDirectory"):
        return False
    return any(m in value or value.strip().rstrip("/") == m.rstrip("/") for m in marks)


def _repo_units(reader: Reader, repo_root: str) -> tuple[dict[str, list[str]], str | None]:
    found: dict[str, list[str]] = {}
    try:
        for folder, files in reader.fs.walk(repo_root, REPO_SKIP, MAX_REPO_ENTRIES):
            for name in files:
                if name.rsplit(".", 1)[-1] in UNIT_TYPES:
                    found.setdefault(name, []).append(os.path.join(folder, name))
    except OutOfTime:
        return found, TIME_UP
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return found, None
        return found, f"{repo_root}: {reason(exc)}"
    return found, None


def _repo_config(reader: Reader, config: Config) -> dict[str, Any]:
    """What the repository's own qt-lint configuration would change on the host side.
    The audit never uses it (the user it audits can write it); it reports it."""
    from qt_lint.host.trust import repo_config_differences

    repo = config.contract.repo_root
    for name in ("qt-lint.toml", "pyproject.toml"):
        path = f"{repo}/{name}"
        got = reader.read(path)
        if got.error == "missing":
            continue
        if got.text is None:
            return {"path": path, "error": got.error}
        if name == "pyproject.toml" and "[tool.qt-lint" not in got.text:
            continue
        try:
            return {"path": path, "differences": repo_config_differences(got.text, name,
                                                                         config)}
        except ValueError as exc:
            return {"path": path, "error": str(exc)}
    return {}


def _database(reader: Reader, path: str, deadline: float) -> dict[str, Any]:
    """`PRAGMA quick_check` as SQLite sees the database: with its write-ahead log when it
    has one, on a private copy (SQLite would otherwise create or change `-shm` in the
    root), else on the file itself opened immutable through its descriptor."""
    info = reader.stat(path)
    out: dict[str, Any] = {"path": path}
    if info.kind not in ("file", "symlink") or info.resolved_kind == "missing":
        return out
    try:
        fd, st = reader.fs.open_file(path)
    except (OSError, OutOfTime) as exc:
        out["error"] = reason(exc) if isinstance(exc, OSError) else TIME_UP
        return out
    try:
        out["header_ok"] = os.pread(fd, 16, 0) == b"SQLite format 3\x00"
        if not out["header_ok"]:
            return out
        wal = reader.stat(f"{path}-wal")
        if wal.kind == "file" and wal.size:
            out["wal"] = wal.size
            total = st.st_size + wal.size
            if total > MAX_DB_COPY:
                out["error"] = (f"database and write-ahead log are {total} bytes, over the "
                                f"{MAX_DB_COPY}-byte copy limit: not checked")
                return out
            with tempfile.TemporaryDirectory(prefix="qt-lint-db-") as private:
                copy = os.path.join(private, "db")
                _copy(fd, copy)
                wal_fd, _ = reader.fs.open_file(f"{path}-wal")
                try:
                    _copy(wal_fd, copy + "-wal")
                finally:
                    os.close(wal_fd)
                _quick_check(out, copy, deadline)
        else:
            _quick_check(out, f"file:/proc/self/fd/{fd}?mode=ro&immutable=1", deadline)
    except (OSError, OutOfTime) as exc:
        out["error"] = reason(exc) if isinstance(exc, OSError) else TIME_UP
    finally:
        os.close(fd)
    return out


def _copy(fd: int, target: str) -> None:
    with open(target, "xb") as handle:
        offset = 0
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            handle.write(chunk)
            offset += len(chunk)


def _quick_check(out: dict[str, Any], target: str, deadline: float) -> None:
    limit = min(deadline, time.monotonic() + 60)
    try:
        connection = sqlite3.connect(target, uri=target.startswith("file:"),
                                     timeout=TOOL_TIMEOUT)
        connection.set_progress_handler(lambda: 1 if time.monotonic() > limit else 0, 10_000)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
        out["quick_check"] = "; ".join(str(r[0]) for r in rows[:5])
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if "malformed" in message or "not a database" in message:
            out["quick_check"] = message  # a damaged database: what SQLite itself says
        else:
            out["error"] = f"{type(exc).__name__}: {message}"


def _redis(host: str, port: int, timeout: float, local: tuple[str, ...],
           password: str | None) -> dict[str, Any]:
    """The live host's Redis: PING and the settings the contract names (the password is
    used for AUTH only, never recorded)."""
    out: dict[str, Any] = {"source": "live", "host": host, "port": port}
    if host not in local:
        out["error"] = f"{host} is not a loopback address; the audit only talks to localhost"
        return out
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:  # an optional dependency: never a pass, and the way to install it
        out["error"] = ("redis-py is not installed, so Redis was not asked: install "
                        "qt-lint with its host extra (pip install 'qt-lint[host]')")
        return out

    # one attempt within the timeout: redis-py otherwise retries with backoff
    client = redis.Redis(host=host, port=port, password=password, socket_timeout=timeout,
                         socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))
    try:
        out["ping"] = "PONG" if client.ping() else "no PONG"
    except redis.RedisError as exc:
        out["error"] = f"{type(exc).__name__}: {_no_secret(str(exc), password)}"
        return out
    try:
        config: dict[Any, Any] = {}
        for key in ("appendonly", "bind", "protected-mode", "port"):
            config.update(client.config_get(key))
        out["config"] = {str(k): str(v) for k, v in config.items()}
    except redis.RedisError as exc:  # CONFIG renamed or forbidden: fall back to INFO
        out["config_error"] = f"{type(exc).__name__}: {_no_secret(str(exc), password)}"
        try:
            info = client.info("persistence")
            out["config"] = {"appendonly": "yes" if info.get("aof_enabled") else "no"}
        except redis.RedisError:
            pass
    finally:
        client.close()
    return out


def _no_secret(message: str, secret: str | None) -> str:
    return message.replace(secret, "****") if secret else message


REDIS_DEFAULTS = {"appendonly": "no", "bind": "", "protected-mode": "yes", "port": "6379"}


def _redis_image(reader: Reader, config: Config,
                 search: tuple[dict[str, str], dict[str, list[str]]]) -> dict[str, Any]:
    """An image's Redis, from its own files: redis.conf (with its includes) and whether
    the contract's Redis unit is installed and enabled. Nothing is contacted."""
    c = config.contract
    out: dict[str, Any] = {"source": "image", "conf": REDIS_CONF, "unit": c.redis_unit}
    settings: dict[str, str] = {}
    problem = _read_redis_conf(reader, REDIS_CONF, settings, 0)
    if problem:
        out["error"] = problem
    else:
        out["config"] = {key: settings.get(key, default)
                         for key, default in REDIS_DEFAULTS.items()}
        out["requirepass"] = "requirepass" in settings  # whether set, never the value
    fragments, listed = search
    path = fragments.get(c.redis_unit)
    if path is None:
        out["installed"] = False
    else:
        info = reader.stat(path)
        out["installed"] = not (info.kind == "symlink" and info.resolved == "/dev/null")
    enabled = []
    for folder in ("/etc/systemd/system",):
        for name in listed.get(folder, []):
            if name.endswith((".wants", ".requires")):
                names, _ = reader.listdir(f"{folder}/{name}")
                if c.redis_unit in names:
                    enabled.append(f"{folder}/{name}/{c.redis_unit}")
    out["enabled"] = enabled
    return out


def _read_redis_conf(reader: Reader, path: str, settings: dict[str, str],
                     depth: int) -> str | None:
    got = reader.read(path)
    if got.text is None:
        return f"{path}: {got.error}"
    for line in got.text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        key = words[0].lower()
        if key == "include" and len(words) > 1:
            if depth >= 8:
                return f"{path}: includes nested more than 8 deep"
            problem = _read_redis_conf(reader, words[1], settings, depth + 1)
            if problem:
                return problem
        elif key in REDIS_DEFAULTS:
            settings[key] = " ".join(w.strip('"') for w in words[1:])
        elif key == "requirepass":
            settings[key] = "set"
    return None


def _systemd_is_pid1() -> bool:
    try:
        with open("/proc/1/comm") as handle:
            return handle.read().strip() == "systemd"
    except OSError:
        return False


SHOW_PROPERTIES = "Id,ActiveState,MainPID,FragmentPath,DropInPaths"


def _services(units: list[str]) -> dict[str, dict[str, Any]]:
    names = [os.path.basename(u) for u in units if u.endswith(".service")]
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return {name: {"error": "systemctl not found"} for name in names}
    if not names:
        return {}
    try:
        proc = subprocess.run([systemctl, "show", "-p", SHOW_PROPERTIES, "--", *names],
                              capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {name: {"error": type(exc).__name__} for name in names}
    return services_from_show(proc.stdout, names)


def services_from_show(output: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """Each unit's `systemctl show` properties (blocks separated by blank lines, in the
    order asked), with its main process read from /proc."""
    out: dict[str, dict[str, Any]] = {}
    blocks = [b for b in output.strip("\n").split("\n\n") if b.strip()]
    for block in blocks:
        entry: dict[str, Any] = {}
        for line in block.splitlines():
            key, _, value = line.partition("=")
            entry[key] = value
        name = entry.get("Id")
        if name in names:
            out[name] = entry
    for name in names:
        entry = out.setdefault(name, {"error": "not in systemctl show's answer"})
        pid = entry.get("MainPID", "0")
        if pid.isdigit() and int(pid) > 0:
            entry.update(process(int(pid)))
    return out


def process(pid: int) -> dict[str, Any]:
    """What /proc says of a running process: uid, working folder, command line (the venv
    interpreter as started: the kernel reports a venv's base interpreter as `exe`)."""
    info: dict[str, Any] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    info["uid"] = int(line.split()[1])
        info["cwd"] = os.readlink(f"/proc/{pid}/cwd")
        info["exe"] = os.readlink(f"/proc/{pid}/exe")
        with open(f"/proc/{pid}/cmdline", "rb") as binary:
            argv = binary.read(64 * 1024).split(b"\0")
        info["argv"] = [a.decode("utf-8", "replace") for a in argv if a][:8]
    except OSError as exc:
        info["process_error"] = reason(exc)
    return info


def _analyze(reader: Reader, units: list[str], deadline: float) -> dict[str, Any]:
    """`systemd-analyze verify` on the units by name: it finds them (and their drop-ins)
    in the root's own search path, so no path of this machine is handed to it."""
    tool = shutil.which("systemd-analyze")
    names = sorted({os.path.basename(u) for u in units})
    if tool is None or not names:
        return {"available": tool is not None, "lines": []}
    args = [tool, "verify", "--man=no"]
    if reader.root != "/":
        args.append(f"--root={reader.root}")
    args += ["--", *names]
    budget = min(60.0, max(1.0, deadline - time.monotonic()))
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=budget,
                              check=False, errors="replace",
                              env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    except subprocess.TimeoutExpired:
        return {"available": True, "error": f"systemd-analyze verify did not finish in "
                f"{budget:.0f} s", "lines": []}
    except OSError as exc:
        return {"available": True, "error": f"systemd-analyze: {reason(exc)}", "lines": []}
    lines = [line.replace(reader.root, "") if reader.root != "/" else line
             for line in proc.stderr.splitlines() if line.strip()]
    return {"available": True, "lines": lines}
