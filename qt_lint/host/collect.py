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
import stat as stat_module
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qt_lint import lazyre
from qt_lint.config import Config, Contract
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
        acl = default = None
        if kind in ("file", "dir"):
            try:
                acl = parse_acl(self.fs.getxattr(path, "system.posix_acl_access"))
                if kind == "dir":
                    default = parse_acl(self.fs.getxattr(path, "system.posix_acl_default"))
            except (OSError, OutOfTime):
                acl = default = None
        return Stat(path, kind, st.st_uid, st.st_gid, st.st_mode & 0o7777, st.st_size,
                    found.link, resolved, resolved_kind, executable, acl=acl,
                    real=found.path if found.path != path else None, default_acl=default)

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
            text, error = self._decoded(path, self.limit, follow=True)
        result = TextFile(info, text, error)
        self.texts[path] = result
        return result

    def read_owned(self, path: str, top: str, uid: int | None,
                   limit: int = MAX_TEXT) -> TextFile:
        """A file of a tree the audited user controls (the repository, below `top`),
        opened without following links: a link (the file itself, or a folder on the way
        below `top`) or a file owned by anyone but `uid` is reported, its content never
        read (the user could point it at /etc/shadow)."""
        path = os.path.normpath(path)
        if path in self.texts:
            return self.texts[path]
        info = self.stat(path)
        text = error = None
        try:
            real_top = self.fs.lookup(top, follow=True).path
        except (OSError, OutOfTime):
            real_top = top
        expected = os.path.normpath(real_top + path[len(top):]) if path.startswith(top) \
            else path
        if info.kind == "missing":
            error = "missing"
        elif info.kind == "error":
            error = info.error
        elif info.kind == "symlink":
            error = (f"a symbolic link (to {info.target}): not read (files of {top} are "
                     "opened without following links)")
        elif (info.real or path) != expected:
            error = (f"reached through a symbolic link (really {info.real}): not read "
                     f"(files of {top} are opened without following links)")
        elif uid is not None and info.uid != uid:
            error = f"owned by uid {info.uid}, not the repository's owner: not read"
        elif info.kind != "file":
            error = f"a {info.kind}, not a regular file"
        else:
            text, error = self._decoded(path, limit, follow=False)
        result = TextFile(info, text, error)
        self.texts[path] = result
        return result

    def _decoded(self, path: str, limit: int, follow: bool) -> tuple[str | None, str | None]:
        """(text, None) of a file read as UTF-8 (CRLF as LF), or (None, why not)."""
        try:
            data, _ = self.fs.read(path, limit, follow=follow)
            return data.decode("utf-8").replace("\r\n", "\n"), None
        except OutOfTime:
            return None, TIME_UP
        except OSError as exc:
            return None, reason(exc)
        except UnicodeDecodeError:
            return None, "not valid UTF-8"

    def listdir(self, path: str) -> tuple[list[str], str | None]:
        """(names, None), or ([], why) when the folder is missing or cannot be listed."""
        try:
            return self.fs.listdir(path), None
        except OutOfTime:
            return [], TIME_UP
        except OSError as exc:
            return [], "missing" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else reason(exc)


def _accounts(reader: Reader) -> dict[str, Any]:
    """Users and groups as glibc's files backend reads them (qt_lint/parsers/accounts.py).
    A group name on several lines keeps each line's members: the later lines are kept
    under `name:<line>` keys (no group name has a `:`), with their own gid, so that every
    line naming a user counts, as initgroups() counts it (commented-out lines included);
    gshadow members are members too. Lines glibc cannot parse are named (`accounts_bad`)."""
    from qt_lint.parsers.accounts import gshadow_members, parse_group, parse_passwd

    users: dict[str, int] = {}
    user_gids: dict[str, int] = {}
    groups: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    errors = []
    bad: list[str] = []
    texts: dict[str, str] = {}
    for path in ("/etc/passwd", "/etc/group"):
        got = reader.read(path)
        if got.text is None:
            errors.append(f"{path}: {got.error}")
            continue
        texts[path] = got.text
    passwd = parse_passwd(texts.get("/etc/passwd", ""))
    group_lines = parse_group(texts.get("/etc/group", ""))
    for user in passwd:
        users.setdefault(user.name, user.uid)
        user_gids.setdefault(user.name, user.gid)
    for group in group_lines:
        key = group.name if group.name not in groups else f"{group.name}:{group.line}"
        groups[key] = group.gid
        members[key] = list(group.members)
    named = {g.line for g in group_lines}
    for group in parse_group(texts.get("/etc/group", ""), login=True):
        if group.line not in named and group.members:  # a comment initgroups() reads
            groups[f"{group.name}:{group.line}"] = group.gid
            members[f"{group.name}:{group.line}"] = list(group.members)
    for path, valid in (("/etc/passwd", {u.line for u in passwd}), ("/etc/group", named)):
        for number, line in enumerate(texts.get(path, "").split("\n"), 1):
            text = line.lstrip(" \t\n\v\f\r")
            if number in valid or not text or text.startswith(("#", "+", "-")):
                continue
            parts = line.split(":")
            # glibc skips what it cannot parse; the audit says so (a uid of `²` is no
            # number to the kernel, whatever str.isdigit thinks)
            bad.append(f"{path}:{number}: {parts[0][:32]!r}: id {parts[2][:16]!r} is not a "
                       "number" if len(parts) >= 3 else f"{path}:{number}: not name:password:id")
    shadow = reader.read("/etc/gshadow")
    if shadow.text is not None:
        for name, names in gshadow_members(shadow.text).items():
            if name in groups and names:
                groups[f"{name}:gshadow"] = groups[name]
                members[f"{name}:gshadow"] = list(names)
    elif shadow.error != "missing":
        errors.append(f"/etc/gshadow: {shadow.error}")
    return {"users": users, "user_gids": user_gids, "groups": groups,
            "group_members": members, "accounts_error": "; ".join(errors) or None,
            "accounts_bad": bad[:50]}


def recognisable(reader: Reader) -> bool:
    """An image or host, not an empty folder or a failed mount: it has an /etc with
    accounts or systemd configuration."""
    return any(reader.stat(p).kind in ("file", "dir", "symlink")
               for p in ("/etc/passwd", "/etc/systemd", "/etc/os-release"))


def collect(config: Config, root: str = "/", redis_host: str | None = None,
            redis_port: int | None = None, timeout: float = 2.0,
            redis_password: str | None = None, time_limit: float = 300.0,
            main_pid: Callable[[str], tuple[int | None, str | None]] | None = None,
            ) -> Snapshot:
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

        guarded = _guarded(reader, config, units, dropins)
        trees = {f"{c.venv_root}/{venv}": _tree(reader, f"{c.venv_root}/{venv}")
                 for venv in c.venvs if reader.stat(f"{c.venv_root}/{venv}").kind == "dir"}
        sudoers, sudoers_errors = _sudoers(reader)
        reader.stat(c.secrets_dir)
        secret_names, secrets_error = reader.listdir(c.secrets_dir)
        secrets_entries = [f"{c.secrets_dir}/{n}" for n in secret_names[:MAX_SECRETS]]
        for path in secrets_entries:
            reader.stat(path)
        if len(secret_names) > MAX_SECRETS:
            secrets_error = f"more than {MAX_SECRETS} entries: the rest not judged"

        # the repository's copies of the units (drift), its wrapper and Makefile
        # (opened without following links, only when qt owns them, bounded in size
        # each and in total: the repository is what qt controls)
        repo_units, repo_units_error = _repo_units(reader, repo_root)
        qt_uid = accounts["users"].get(c.user)
        budget = MAX_REPO_UNITS_TOTAL
        for paths in repo_units.values():
            for path in paths:
                if budget <= 0:
                    reader.texts[path] = TextFile(reader.stat(path), None,
                                                  f"the repository's unit files exceed "
                                                  f"{MAX_REPO_UNITS_TOTAL} bytes in all: "
                                                  "not read")
                    continue
                got = reader.read_owned(path, repo_root, qt_uid,
                                        min(MAX_TEXT, config.max_file_size))
                budget -= len(got.text or "")
        reader.read_owned(f"{repo_root}/{c.wrapper}", repo_root, qt_uid)
        reader.read_owned(f"{repo_root}/Makefile", repo_root, qt_uid)
        _model_safety(reader, c, qt_uid)
        repo_files, repo_files_read, repo_files_error = _repo_activation(reader, config,
                                                                         qt_uid)
        repo_config = _repo_config(reader, config, qt_uid)
        hostname = reader.read("/etc/hostname").text if root != "/" else socket.gethostname()

        live = os.path.abspath(root) == "/"
        redis = (_redis(redis_host or c.redis_hosts[0], redis_port or c.redis_port, timeout,
                        c.redis_hosts, redis_password, deadline, c.redis_unit, main_pid)
                 if live
                 else _redis_image(reader, config, search))
        for path in redis.get("conf_files", [REDIS_CONF] if live else []):
            guarded.append(path)
            _resolve(reader, path)
        systemd_live = live and _systemd_is_pid1()
        return Snapshot(
            version=SNAPSHOT_VERSION, root=reader.root, live=systemd_live,
            repo_root=repo_root, hostname=(hostname or "").strip() or None,
            paths=reader.paths, texts=reader.texts, env_files=env_files, units=units,
            dropins=dropins, unit_errors=unit_errors, repo_units=repo_units,
            repo_units_error=repo_units_error, archive_entries=archive_entries,
            archive_error=archive_error, repo_config=repo_config,
            repo_files=repo_files, repo_files_read=repo_files_read,
            repo_files_error=repo_files_error,
            db=_database(reader, c.db_path, deadline),
            redis=redis,
            services=_services(units) if systemd_live else {},
            guarded=guarded, trees=trees, sudoers=sudoers, sudoers_errors=sudoers_errors,
            secrets_entries=secrets_entries, secrets_error=secrets_error,
            analyze=_analyze(reader, units, deadline),
            **accounts,
        )
    finally:
        reader.fs.close()


@dataclass(frozen=True)
class Search:
    """systemd's search path as the image has it: every unit fragment systemd would load
    (name -> path, highest priority wins), the names listed in each search folder, the
    folders that could not be listed, and the templates with an enabled instance
    (template name -> instance names)."""

    fragments: dict[str, str]
    listed: dict[str, list[str]]
    errors: list[str]
    instances: dict[str, list[str]]
    names: dict[str, frozenset[str]] = field(default_factory=dict)  # listed, as sets


WANTS_SUFFIXES = (".wants", ".requires", ".upholds")


MAX_SECRETS = 1000
MAX_REPO_UNITS_TOTAL = 64 * 1024 * 1024
MAX_TREE = 200_000
MAX_NOTABLE = 1000
SUDOERS = "/etc/sudoers"


def _resolve(reader: Reader, path: str) -> Stat:
    """Stat a path and, when it is a link, what it resolves to (judged as well)."""
    info = reader.stat(path)
    if info.kind == "symlink" and info.resolved:
        reader.stat(info.resolved)
    return info


def _guarded(reader: Reader, config: Config, units: list[str],
             dropins: dict[str, list[str]]) -> list[str]:
    """Every file and folder beyond the search folders whose write access H132 judges:
    each unit file and drop-in (and what a link leads to), each drop-in folder, each
    venv's `pyvenv.cfg`, `bin`, `bin/python` and the interpreter it resolves to, the
    `home=` folder and its interpreters."""
    c = config.contract
    out: list[str] = []
    for unit in units:
        out.append(unit)
        for dropin in dropins.get(unit, []):
            out += [os.path.dirname(dropin), dropin]
    for venv in c.venvs:
        base = f"{c.venv_root}/{venv}"
        out += [base, f"{base}/pyvenv.cfg", f"{base}/bin", f"{base}/bin/python"]
        cfg = reader.read(f"{base}/pyvenv.cfg")
        home = pyvenv_values(cfg.text or "").get("home")
        if home:
            out += [home.rstrip("/") or "/", *(f"{home.rstrip('/')}/{n}"
                                              for n in ("python3", "python"))]
    kept = []
    for path in dict.fromkeys(os.path.normpath(p) for p in out):
        info = _resolve(reader, path)
        if info.kind != "missing":
            kept.append(path)
    return kept


def _tree(reader: Reader, base: str) -> dict[str, Any]:
    """A venv's whole tree, links not followed: how many entries, and those that anyone
    but root might write (not owned by root, group- or other-writable, or with an ACL),
    recorded as stats for H132 to judge."""
    from qt_lint.host.inroot import TooLarge

    entries = 0
    notable: list[str] = []
    more = 0
    try:
        for folder, items, dfd in reader.fs.entries(base, frozenset(), MAX_TREE):
            for name, st in items:
                entries += 1
                acl = None
                if not stat_module.S_ISLNK(st.st_mode):
                    try:
                        acl = parse_acl(os.getxattr(f"/proc/self/fd/{dfd}/{name}",
                                                    "system.posix_acl_access",
                                                    follow_symlinks=False))
                    except OSError:
                        acl = None
                if st.st_uid == 0 and not st.st_mode & 0o6022 and not (acl and len(acl) > 3):
                    continue
                if stat_module.S_ISLNK(st.st_mode) and st.st_uid == 0:
                    continue  # a root-owned link: its mode is never used
                if len(notable) >= MAX_NOTABLE:
                    more += 1
                    continue
                path = f"{folder}/{name}"
                notable.append(path)
                reader.paths[path] = Stat(path, kind_of(st.st_mode), st.st_uid, st.st_gid,
                                          st.st_mode & 0o7777, st.st_size, acl=acl)
    except OutOfTime:
        return {"entries": entries, "notable": notable, "error": TIME_UP}
    except (OSError, TooLarge) as exc:
        return {"entries": entries, "notable": notable, "error": reason(exc)}
    return {"entries": entries, "notable": notable, "more": more}


def _sudoers(reader: Reader) -> tuple[list[str], list[str]]:
    """/etc/sudoers and what it includes (`@include`, `@includedir`, and their `#` forms;
    by default Debian's /etc/sudoers.d), as sudo reads them: in an included folder, files
    whose names end in `~` or contain a `.` are skipped."""
    files: list[str] = []
    errors: list[str] = []
    todo = [SUDOERS]
    while todo and len(files) < 200:
        path = todo.pop(0)
        if path in files:
            continue
        got = reader.read(path)
        if got.text is None:
            if got.error != "missing":
                errors.append(f"{path}: {got.error}")
            continue
        files.append(path)
        for line in got.text.splitlines():
            words = line.split()
            if len(words) < 2 or words[0] not in ("@include", "#include", "@includedir",
                                                   "#includedir"):
                continue
            target = words[1]
            if not target.startswith("/"):
                target = os.path.join(os.path.dirname(path), target)
            if words[0].endswith("dir"):
                names, why = reader.listdir(target)
                if why and why != "missing":
                    errors.append(f"{target}: {why}")
                todo += [f"{target}/{n}" for n in names if "." not in n and
                         not n.endswith("~")]
            else:
                todo.append(target)
    return files, errors


# where cron reads schedules: the system crontab's folder, Debian's and RHEL's spools
CRON_DIRS = ("/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron")
# the folders /etc/crontab and /etc/anacrontab hand to run-parts: scripts, not crontabs
RUN_PARTS_DIRS = ("/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly",
                  "/etc/cron.monthly")
ANACRONTAB = "/etc/anacrontab"
# systemd's user unit search path (`systemd-analyze --user unit-paths`, less the generator
# folders): shared ones, and those under a user's home
USER_UNIT_DIRS = ("/etc/systemd/user", "/run/systemd/user", "/usr/local/lib/systemd/user",
                  "/usr/lib/systemd/user")
USER_HOME_UNIT_DIRS = (".config/systemd/user", ".local/share/systemd/user")
# the names run-parts runs without --lsbsysinit or --regex (debianutils' default, as the
# system crontab and the anacrontab call it): others are skipped
RUN_PARTS_NAME = lazyre.compile(r"\A[A-Za-z0-9_-]+\Z")


def _model_safety(reader: Reader, c: Contract, qt_uid: int | None) -> None:
    """The repository's model-safety scripts (read as the repository's other files: no link
    followed, owned by qt) and every crontab (H152, H153). A folder that exists but cannot
    be listed is recorded as an unreadable text of that folder."""
    for script in (c.canary_script, c.quality_gate, c.rollback_script):
        reader.read_owned(f"{c.repo_root}/{script}", c.repo_root, qt_uid)
    reader.read("/etc/crontab")
    reader.read("/etc/default/cron")  # EXTRA_OPTS="-l": LSB names in /etc/cron.d (H153)
    for folder in CRON_DIRS:
        names, error = reader.listdir(folder)
        if error is not None and error != "missing":
            reader.texts[folder] = TextFile(reader.stat(folder), None, f"cannot list: {error}")
        for name in sorted(names):
            path = f"{folder}/{name}"
            # cron reads a crontab through a link; a folder is no crontab (the spool's
            # crontabs/); anything else (a FIFO, a link to nothing) is kept unreadable
            info = reader.stat(path)
            if info.kind == "symlink" and info.resolved:
                reader.stat(info.resolved)  # cron wants the target owned by root too (H153)
            if info.kind != "dir":
                got = reader.read(path)
                if got.text is None and got.error == "missing":
                    reader.texts[path] = TextFile(got.stat, None, "a link to nothing")
    reader.read(ANACRONTAB)
    for folder in run_parts_named(reader.texts):
        _run_parts(reader, folder)
    _user_units(reader, c, qt_uid)


def _user_units(reader: Reader, c: Contract, qt_uid: int | None) -> None:
    """The service and timer units of systemd's user managers (`systemctl --user`, which
    lingering keeps running without a login): the shared folders, read as the system's
    units are, and the contract user's own (under its home, which it controls: no link
    followed, owned by it)."""
    home = _home(reader, c.user)
    for folder in USER_UNIT_DIRS + tuple(f"{home}/{d}" for d in USER_HOME_UNIT_DIRS):
        names, error = reader.listdir(folder)
        if error is not None and error != "missing":
            reader.texts[folder] = TextFile(reader.stat(folder), None, f"cannot list: {error}")
        for name in sorted(names):
            if not name.endswith((".service", ".timer")):
                continue
            path = f"{folder}/{name}"
            if folder.startswith(home + "/"):
                reader.read_owned(path, home, qt_uid, MAX_TEXT)
            elif reader.stat(path).kind != "dir":
                got = reader.read(path)
                if got.text is None and got.error == "missing":
                    reader.texts[path] = TextFile(got.stat, None, "a link to nothing")


def _home(reader: Reader, user: str) -> str:
    """The user's home folder by /etc/passwd (`/home/<user>` when it has none)."""
    text = reader.read("/etc/passwd").text or ""
    for line in text.split("\n"):
        fields = line.split(":")
        if fields[0] == user and len(fields) > 5 and fields[5].startswith("/"):
            return os.path.normpath(fields[5])
    return f"/home/{user}"


def run_parts_named(texts: dict[str, TextFile]) -> list[str]:
    """The run-parts folders: the four of cron's, and those the crontabs name (`run-parts
    /opt/quantum/cron` in /etc/anacrontab)."""
    from qt_lint.parsers.crontab import run_parts_folders

    found = list(RUN_PARTS_DIRS)
    for path in sorted(texts):
        text = texts[path].text
        if text is None or not (path in ("/etc/crontab", ANACRONTAB) or any(
                path.startswith(folder + "/") for folder in CRON_DIRS)):
            continue
        for folder in run_parts_folders(text):
            folder = os.path.normpath(folder)
            if folder not in found and folder != "/":
                found.append(folder)
    return found


def _run_parts(reader: Reader, folder: str) -> None:
    """The scripts of a run-parts folder, as run-parts picks them: a name of letters,
    digits, `_` and `-`; an executable file (a folder, or a file without an execute bit,
    is skipped). A link (run-parts follows it) or another kind of entry (a FIFO, a device)
    is kept unreadable, never read: H153 reports it as an error."""
    info = reader.stat(folder)
    if info.kind == "symlink":
        reader.texts[folder] = TextFile(info, None, f"a symbolic link (to {info.target}): "
                                        "run-parts lists what it points to; not followed")
        return
    names, error = reader.listdir(folder)
    if error is not None and error != "missing":
        reader.texts[folder] = TextFile(reader.stat(folder), None, f"cannot list: {error}")
    for name in sorted(names):
        if not RUN_PARTS_NAME.match(name):
            continue
        path = f"{folder}/{name}"
        info = reader.stat(path)
        if info.kind == "dir" or (info.kind == "file" and not info.executable):
            continue
        if info.kind == "symlink":
            reader.texts[path] = TextFile(info, None, f"a symbolic link (to {info.target}): "
                                          "run-parts runs what it points to; not followed")
        elif info.kind != "file":
            reader.texts[path] = TextFile(info, None, info.error or
                                          "neither a file nor a folder: run-parts cannot run it")
        else:
            reader.read(path)


# the repository files H154 judges with QT601 (activation by other means), read in all
ACTIVATION_CODES = frozenset({"QT601"})
MAX_REPO_FILES_TOTAL = 256 * 1024 * 1024
_HEAD = 256


def _repo_activation(reader: Reader, config: Config, qt_uid: int | None
                     ) -> tuple[dict[str, str], int, str | None]:
    """The repository's files that QT601 could fire on (path -> kind), with their texts
    kept; how many of its files of a kind QT601 reads were read; why the walk stopped.
    Every file is classified as `check` classifies it and tested with `check`'s
    prefilters: a file that fails them is proven clean by its text and not kept. A file
    of such a kind that cannot be read (a link, another owner, over the size bound, the
    time limit) is kept as unreadable: H154 reports it as an error."""
    from qt_lint.classify import classify
    from qt_lint.engine import may_fire
    from qt_lint.finding import Kind
    from qt_lint.registry import rule

    c = config.contract
    top = c.repo_root.rstrip("/")
    # units: the installed ones are H141's (with QT601), a repository copy that is not
    # installed runs nothing (H142 compares the installed ones with it)
    kinds = rule("QT601").kinds - {Kind.UNIT}
    kept: dict[str, str] = {}
    read = 0
    budget = MAX_REPO_FILES_TOTAL
    limit = min(MAX_TEXT, config.max_file_size)
    top_stat = reader.stat(c.repo_root)
    if top_stat.kind == "symlink":  # H111 reports it; its files are never read through it
        return kept, read, (f"{c.repo_root} is a symbolic link (to {top_stat.target}): not "
                            "followed")
    try:
        for folder, names in reader.fs.walk(c.repo_root, REPO_SKIP, MAX_REPO_ENTRIES):
            for name in names:
                path = f"{folder.rstrip('/')}/{name}"
                rel = path[len(top) + 1:]
                stated = path in reader.paths
                kind = classify(rel, lambda p=path: _head(reader, p))  # type: ignore[misc]
                if kind is None or kind not in kinds:
                    if not stated:  # the shebang's stat: not part of the snapshot
                        reader.paths.pop(path, None)
                    continue
                if path in reader.texts:  # read for another check (the canary, the gate)
                    kept[path] = kind.value
                    continue
                if budget <= 0:  # one error for the rest, not one per file
                    return kept, read, (f"its files of the kinds QT601 reads exceed "
                                        f"{MAX_REPO_FILES_TOTAL} bytes in all: the rest "
                                        "not read")
                got = reader.read_owned(path, c.repo_root, qt_uid, limit)
                if got.error == TIME_UP:
                    del reader.texts[path]
                    return kept, read, TIME_UP
                read += 1
                budget -= len(got.text or "")
                if got.text is None or may_fire(rel, kind, got.text, config,
                                                ACTIVATION_CODES):
                    kept[path] = kind.value
                else:  # proven clean by its text: not kept in the snapshot
                    del reader.texts[path]
                    if not stated:
                        reader.paths.pop(path, None)
    except OutOfTime:
        return kept, read, TIME_UP
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return kept, read, "missing"
        return kept, read, f"{c.repo_root}: {reason(exc)}"
    return kept, read, None


def _head(reader: Reader, path: str) -> bytes:
    """The first bytes of a regular file of the repository (its shebang), never through
    a link; b"" when it cannot be read (the file then has no kind by its shebang)."""
    if reader.stat(path).kind != "file":
        return b""
    try:
        fd, _ = reader.fs.open_file(path)
    except (OSError, OutOfTime):
        return b""
    try:
        return os.read(fd, _HEAD)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _unit_names(reader: Reader) -> Search:
    fragments: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    errors: list[str] = []
    seen: set[str] = set()
    for folder in UNIT_PATHS:
        try:
            real = reader.fs.lookup(folder, follow=True).path
        except (OSError, OutOfTime):
            real = folder
        if real in seen:
            continue
        seen.add(real)  # systemd resolves its search folders and keeps the first of each
        names, why = reader.listdir(real)
        if why and why != "missing":
            errors.append(f"{real}: {why}")  # a unit there would be judged by nothing
        listed[real] = names
        for name in names:
            if name.rsplit(".", 1)[-1] in UNIT_TYPES:
                fragments.setdefault(name, f"{real}/{name}")
    instances: dict[str, list[str]] = {}
    for folder, names in listed.items():
        for name in names:
            if not name.endswith(WANTS_SUFFIXES):
                continue
            wanted, why = reader.listdir(f"{folder}/{name}")
            if why and why != "missing":
                errors.append(f"{folder}/{name}: {why}")
            for unit in wanted:
                stem, _, kind = unit.rpartition(".")
                prefix, at, instance = stem.partition("@")
                if at and instance and kind in UNIT_TYPES:
                    instances.setdefault(f"{prefix}@.{kind}", []).append(unit)
    return Search(fragments, listed, errors, instances,
                  {folder: frozenset(names) for folder, names in listed.items()})


def masked(info: Stat) -> bool:
    """A unit or drop-in systemd treats as masked: a link to /dev/null (whether or not the
    image has a /dev), or an empty regular file."""
    if info.kind == "symlink":
        return info.target == "/dev/null" or info.resolved == "/dev/null"
    return info.kind == "file" and info.size == 0


def dropin_dirs(name: str) -> list[str]:
    """The drop-in folder names of a unit in one search folder, in systemd's order:
    `<name>.d`, then each dash prefix (`quantum-ai-.service.d`, `quantum-.service.d`)."""
    stem, _, kind = name.rpartition(".")
    out = [f"{name}.d"]
    parts = stem.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        out.append("-".join(parts[:cut]) + f"-.{kind}.d")
    return out


def _dropins(reader: Reader, search: Search, name: str, errors: list[str],
             aliases: Sequence[str] = ()) -> list[str]:
    """The drop-ins systemd applies to unit `name` (a template's also apply to each of its
    instances, whose own folders are read too; a unit's to each of its `aliases`, links
    to it under another name), masked ones left out, in its order."""
    kind = name.rsplit(".", 1)[-1]
    names = [name, *search.instances.get(name, [])] if "@." in name else [name]
    names += aliases
    listed = search.names or {k: frozenset(v) for k, v in search.listed.items()}
    folders = [f"{folder}/{d}" for n in names for folder in listed
               for d in dropin_dirs(n) if d in listed[folder]]
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
        if masked(reader.stat(file)):
            continue  # a masked drop-in
        reader.read(file)
        files.append(file)
    return files


def _alias_target(info: Stat, name: str, real_folders: set[str]) -> str | None:
    """The unit a link named `name` in a unit folder is an alias of (a link to a unit of
    another name in the search path); None for anything else."""
    if info.kind != "symlink" or not info.resolved or \
            os.path.dirname(info.resolved) not in real_folders:
        return None
    target = os.path.basename(info.resolved)
    return target if target != name else None


def find_units(reader: Reader, config: Config, search: Search | None = None,
               ) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The units the audit judges, each with the drop-ins systemd applies to it, in the
    order it applies them: those named with the contract's prefix, and any whose parsed,
    unescaped, normalised `Exec*=` or `WorkingDirectory=` (fragment or drop-in) runs the
    repository or a venv; templates only through an enabled instance; a timer, socket or
    path unit whose unit is judged. A masked unit never runs and an alias (a link to a
    unit of another name in the search path) is its target, judged under its own name."""
    c = config.contract
    search = search or _unit_names(reader)
    errors = list(search.errors)
    marks = (c.repo_root.rstrip("/") or "/", c.venv_root.rstrip("/") or "/")
    real_folders = set(search.listed)
    chosen: dict[str, str] = {}
    dropins: dict[str, list[str]] = {}
    activators: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}  # a unit -> the links to it (systemd reads their .d/)
    for name, path in sorted(search.fragments.items()):
        target = _alias_target(reader.stat(path), name, real_folders)
        if target is not None:
            aliases.setdefault(target, []).append(name)
    for name, path in sorted(search.fragments.items()):
        if "@." in name and name not in search.instances:
            continue  # a template runs only as an instance
        info = reader.stat(path)
        if masked(info):
            continue
        if _alias_target(info, name, real_folders) is not None:
            continue  # an alias: its target is judged under its own name
        if not name.startswith(c.unit_prefix) and path.startswith(("/usr/lib/", "/lib/")) \
                and info.size and info.size > 64 * 1024:
            continue
        got = reader.read(path)
        if got.text is None:
            if name.startswith(c.unit_prefix):
                chosen[name] = path
            elif got.error != "missing":
                errors.append(f"{path}: {got.error}")
            continue
        files = _dropins(reader, search, name, errors, aliases.get(name, ()))
        kind = name.rsplit(".", 1)[-1]
        texts = [got.text, *(reader.read(f).text or "" for f in files)]
        if name.startswith(c.unit_prefix) or any(runs_from(t, path, kind, marks)
                                                   for t in texts):
            chosen[name] = path
            dropins[path] = files
        elif kind != "service":
            activated = _activated(texts, path, name)
            if activated:
                activators[name] = activated
    for name, target in activators.items():
        if target in chosen:
            path = search.fragments[name]
            chosen[name] = path
            dropins[path] = _dropins(reader, search, name, errors)
    units = sorted(chosen.values())
    for path in units:
        dropins.setdefault(path, _dropins(reader, search, os.path.basename(path), errors,
                                          aliases.get(os.path.basename(path), ())))
        # the links of its `.requires/` folder are Requires= (QT410 reads them)
        links, why = reader.listdir(f"{path}.requires")
        if why and why != "missing":
            errors.append(f"{path}.requires: {why}")
        for link in links:
            reader.stat(f"{path}.requires/{link}")
    return units, dropins, errors


_PATH_IN = lazyre.compile(r"/[^\s'\";&|<>()`=:,]*")


def runs_from(text: str, path: str, kind: str, marks: tuple[str, ...]) -> bool:
    """Whether a unit file runs code from (or in) one of the folders `marks`: its Exec*=
    words and WorkingDirectory=, as systemd parses them (continuations joined, quotes and
    escapes undone), each path in them normalised (`//`, `/./`, `..`)."""
    from qt_lint.command_model import EXEC_KEYS
    from qt_lint.parsers.systemd import exec_commands, parse

    doc = parse(text, path, kind)
    for section in doc.sections:
        for a in section.assignments:
            if a.key in EXEC_KEYS:
                words = [w.text for command in exec_commands(a.value) for w in command]
            elif a.key in ("WorkingDirectory", "RootDirectory"):
                words = [a.value.lstrip("-")]
            else:
                continue
            for word in words:
                for found in _PATH_IN.findall(word):
                    normal = os.path.normpath(found)
                    if any(normal == m or normal.startswith(m.rstrip("/") + "/")
                           for m in marks):
                        return True
    return False


def _activated(texts: list[str], path: str, name: str) -> str | None:
    """The unit a timer, socket or path unit starts (`Unit=`, else its own stem's
    service)."""
    from qt_lint.parsers.systemd import parse

    kind = name.rsplit(".", 1)[-1]
    target = None
    for text in texts:
        for section in parse(text, path, kind).sections:
            for a in section.assignments:
                if a.key == "Unit" and a.value:
                    target = a.value
    return target or f"{name.rsplit('.', 1)[0]}.service"


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
    installs = reader.stat(f"{repo_root}/systemd")
    if installs.kind == "symlink":  # where contract K installs from: never followed
        return found, (f"{repo_root}/systemd is a symbolic link (to {installs.target}): not "
                       "followed, its units not read")
    return found, None


def _repo_config(reader: Reader, config: Config, uid: int | None) -> dict[str, Any]:
    """What the repository's own qt-lint configuration would change on the host side.
    The audit never uses it (the user it audits can write it); it reports it."""
    from qt_lint.host.trust import MAX_CONFIG, repo_config_differences

    repo = config.contract.repo_root
    for name in ("qt-lint.toml", "pyproject.toml"):
        path = f"{repo}/{name}"
        got = reader.read_owned(path, repo, uid, MAX_CONFIG)
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
           password: str | None, deadline: float, unit: str,
           main_pid: Callable[[str], tuple[int | None, str | None]] | None = None,
           ) -> dict[str, Any]:
    """The live host's Redis: who holds the port (from the kernel's tables and /proc) and
    the Redis unit's main process (`systemctl show`, when systemd is PID 1), then PING
    and the settings the contract names in one bounded exchange (the password is used
    for AUTH only, never recorded)."""
    from qt_lint.host.liveredis import exchange, listener

    out: dict[str, Any] = {"source": "live", "host": host, "port": port, "unit": unit}
    if host not in local:
        out["error"] = f"{host} is not a loopback address; the audit only talks to localhost"
        return out
    try:
        out["listener"] = listener(host, port)
    except OSError as exc:
        out["listener"] = {"error": reason(exc)}
    pid, why = (main_pid or _main_pid)(unit)
    out["main_pid"] = pid
    if why:
        out["main_pid_error"] = why
    out.update(exchange(host, port, password, timeout, deadline))
    return out


def _main_pid(unit: str) -> tuple[int | None, str | None]:
    """The unit's main process as systemd knows it, or why that is not known."""
    if not _systemd_is_pid1():
        return None, ("systemd is not PID 1 here: which process is the Redis unit's main "
                      "process is not known")
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return None, "systemctl not found"
    try:
        proc = subprocess.run([systemctl, "show", "-p", "MainPID", "--value", "--", unit],
                              capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"systemctl show: {type(exc).__name__}"
    return main_pid_from_show(proc.stdout)


def main_pid_from_show(output: str) -> tuple[int | None, str | None]:
    """`systemctl show -p MainPID --value` (or `MainPID=N`) as recorded."""
    value = output.strip().removeprefix("MainPID=")
    if not value.isdecimal():
        return None, f"systemctl show answered {value[:40]!r}"
    if int(value) == 0:
        return None, "the Redis unit has no main process (not running)"
    return int(value), None


REDIS_DEFAULTS = {"appendonly": "no", "bind": "", "protected-mode": "yes", "port": "6379"}


def _redis_image(reader: Reader, config: Config, search: Search) -> dict[str, Any]:
    """An image's Redis as systemd would start it, from its own files: the contract's
    Redis unit (fragment and drop-ins: masked, enabled, its `ExecStart=`), the config file
    that command names (with its includes), then the command's `--option value` words,
    which Redis applies after the file. Nothing is contacted."""
    c = config.contract
    out: dict[str, Any] = {"source": "image", "conf": REDIS_CONF, "unit": c.redis_unit}
    fragments, listed = search.fragments, search.listed
    path = fragments.get(c.redis_unit)
    options: list[tuple[str, str]] = []
    conf: str | None = REDIS_CONF
    if path is None:
        out["installed"] = False
    else:
        info = reader.stat(path)
        out["installed"] = not masked(info)
        if out["installed"]:
            problems: list[str] = []
            unit_files = _dropins(reader, search, c.redis_unit, problems)
            command = problems[0] if problems else _redis_command(reader, path, unit_files)
            if isinstance(command, str):
                out["error"] = command
                return out
            out["command"] = command[:1]  # the program only: options may carry secrets
            conf, options = redis_arguments(command[1:])
            out["conf"] = conf or "(no config file: Redis's built-in defaults)"
    settings: dict[str, str] = {}
    conf_files: list[str] = []
    origins: dict[str, str] = {}
    problem = _read_redis_conf(reader, conf, settings, 0, conf_files, origins) \
        if conf else None
    out["conf_files"] = conf_files
    if problem:
        out["error"] = problem
    else:
        for key, value in options:
            if key in REDIS_DEFAULTS:
                settings[key] = value
                origins[key] = f"ExecStart= of {c.redis_unit} (--{key})"
            elif key == "requirepass":
                settings[key] = "set"
        out["config"] = {key: settings.get(key, default)
                         for key, default in REDIS_DEFAULTS.items()}
        # where each value was set: the line an operator changes (a built-in default: none)
        out["origins"] = {key: origins.get(key, "Redis's built-in default")
                          for key in REDIS_DEFAULTS}
        out["requirepass"] = "requirepass" in settings  # whether set, never the value
        out["overrides"] = sorted({k for k, _ in options if k in REDIS_DEFAULTS})
    enabled = []
    for folder in ("/etc/systemd/system",):
        for name in listed.get(folder, []):
            if name.endswith(WANTS_SUFFIXES):
                names, _ = reader.listdir(f"{folder}/{name}")
                if c.redis_unit in names:
                    enabled.append(f"{folder}/{name}/{c.redis_unit}")
    out["enabled"] = enabled
    return out


def _redis_command(reader: Reader, fragment: str, dropins: list[str]) -> list[str] | str:
    """The words of the `ExecStart=` systemd would run for the Redis unit (an empty
    assignment resets the list), or why it is not known."""
    from qt_lint.parsers.systemd import Unit, exec_commands, parse

    docs = []
    for file in (fragment, *dropins):
        got = reader.read(file)
        if got.text is None:
            return f"{file}: {got.error}"
        docs.append(parse(got.text, file, "service"))
    unit = Unit(os.path.basename(fragment), docs[0], docs[1:])
    starts = unit.values("Service", "ExecStart")
    if not starts:
        return f"{fragment}: no ExecStart=: how Redis starts is not known"
    commands = exec_commands(starts[-1].value)
    if not commands:
        return f"{fragment}: an empty ExecStart="
    return [w.text for w in commands[0]]


def redis_arguments(args: list[str]) -> tuple[str | None, list[tuple[str, str]]]:
    """`redis-server [configfile] [--name value ...]`: the config file named (None: Redis's
    built-in defaults) and the options, in order, as the directives Redis appends after
    the file (`--bind 0.0.0.0 ::1` is `bind 0.0.0.0 ::1`)."""
    conf = None
    if args and not args[0].startswith("--"):
        conf, args = args[0], args[1:]
    options: list[tuple[str, list[str]]] = []
    for word in args:
        if word.startswith("--") and len(word) > 2:
            options.append((word[2:].lower(), []))
        elif options:
            options[-1][1].append(word)
    return conf, [(key, " ".join(values)) for key, values in options]


def _read_redis_conf(reader: Reader, path: str, settings: dict[str, str],
                     depth: int, files: list[str] | None = None,
                     origins: dict[str, str] | None = None) -> str | None:
    """redis.conf as redis-server reads it (qt_lint/parsers/redisconf.py: quoting, any
    case, `include` with a glob), into `settings`; each file read is added to `files`; the
    reason when Redis would refuse it."""
    from qt_lint.parsers.redisconf import RedisConfError, read_redis_conf

    del depth  # read_redis_conf bounds the nesting itself

    def read(name: str) -> tuple[str | None, str | None]:
        name = name if name.startswith("/") else "/" + name
        got = reader.read(name)
        if files is not None and got.stat.kind != "missing":
            files.append(os.path.normpath(name))
        return got.text, got.error

    def listdir(folder: str) -> tuple[list[str], str | None]:
        return reader.listdir(folder if folder.startswith("/") else "/" + folder)

    try:
        settings.update(read_redis_conf(path, read, listdir,
                                        frozenset({*REDIS_DEFAULTS, "requirepass"}), origins))
    except RedisConfError as exc:
        return str(exc)
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
    # at most half of what is left: judging must have time too
    budget = min(60.0, max(1.0, (deadline - time.monotonic()) / 2))
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
