"""H111-H114, H161: the repository, data, database and model folders, and the qt user."""

from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.host.check import (
    ERROR,
    FAIL,
    PASS,
    Audit,
    HostCheck,
    HostExample,
    HostResult,
    describe,
    under_tmp,
    writers,
)
from qt_lint.host.collect import DATA_SUBDIRS
from qt_lint.host.snapshot import Stat

ARCHIVE_NAME = lazyre.compile(r"^(?:\d{8}(?:T?\d{4,6})?|\d{10,})_[A-Za-z0-9][A-Za-z0-9.-]*_"
                          r"[A-Za-z0-9][A-Za-z0-9.-]*$")
REPO = "/home/qt/quantum_trader"
DATA = "/opt/quantum/data"
MODELS = "/opt/quantum/ai_engine/models"


def _qt(audit: Audit) -> tuple[int | None, int | None]:
    c = audit.config.contract
    return audit.snapshot.users.get(c.user), audit.snapshot.groups.get(c.group)


class RepoRoot(HostCheck):
    """
    ## What it does
    Checks that the repository root (`contract.repo-root`) is a directory, not a symbolic
    link, is a git work tree (has `.git`) and is owned by the contract's user.

    ## Why is this bad?
    Contract A: all code lives at one path, cloned with git, never reached through a link;
    relative paths in units and ops scripts resolve from it. A link or a copy elsewhere
    makes what runs differ from what was reviewed.

    ## Example
    `/home/qt/quantum_trader -> /opt/quantum_trader`, or a tarball copy without `.git`.

    ## Use instead
    `git clone <repo> /home/qt/quantum_trader` as `qt`.

    ## Remediation
    Remove the link, clone the repository to the root as `qt`
    (`sudo -u qt git clone <url> /home/qt/quantum_trader`), and `chown -R qt:qt` it.
    """

    code = "H111"
    name = "repo-root"
    section = "A"
    summary = "Repo root exists, is a git work tree, is not a symlink, owned by qt"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={REPO: {"kind": "symlink", "target": "/opt/quantum_trader"}},
                           status=FAIL, object=REPO),
               HostExample(stats={REPO: {"uid": 0}}, status=FAIL, object=REPO),
               HostExample(stats={f"{REPO}/.git": {"kind": "missing"}}, status=FAIL,
                           object=REPO))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        root = audit.config.contract.repo_root
        info = s.stat(root)
        uid, _ = _qt(audit)
        problems = []
        if info.kind == "error":
            yield self.result(ERROR, root, "git work tree owned by qt", describe(info, s))
            return
        if info.kind == "symlink":
            problems.append("is a symbolic link")
        elif info.kind != "dir":
            problems.append("is missing" if info.kind == "missing" else f"is a {info.kind}")
        if s.stat(f"{root}/.git").kind not in ("dir", "file"):
            problems.append("is not a git work tree (no .git)")
        if info.kind == "dir" and uid is None and s.accounts_error:
            yield self.result(ERROR, root, "git work tree owned by qt",
                              f"owner not judged: {s.accounts_error}")
            return
        if info.kind == "dir" and (uid is None or info.uid != uid):
            problems.append(f"is owned by {s.owner(info.uid)}")
        yield self.result(FAIL if problems else PASS, root,
                          "a directory, a git work tree, owned by qt",
                          "; ".join(problems) or describe(info, s))


class DataDirs(HostCheck):
    """
    ## What it does
    Checks the data folder (`contract.data-dir`) and its `redis_dumps`, `training_data`,
    `model_checkpoints` and `backups` subfolders: directories owned `qt:qt`, mode 0755,
    not under `/tmp` or `/var/tmp` (links included).

    ## Why is this bad?
    Contract A: all persistent state lives here and must survive the repository's deletion;
    `/tmp` is emptied at boot, and a folder others can write lets them replace state.

    ## Example
    `/opt/quantum/data -> /tmp/qt-data`, or `backups/` owned by root with mode 0777.

    ## Use instead
    `install -d -o qt -g qt -m 0755 /opt/quantum/data/{redis_dumps,training_data,...}`.

    ## Remediation
    Create the folders with `install -d -o qt -g qt -m 0755`, move state out of `/tmp`,
    and point the link (if any) at a persistent disk.
    """

    code = "H112"
    name = "data-dirs"
    section = "A"
    summary = "Data dir and subfolders exist, owned qt:qt, mode 755, not under /tmp"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={f"{DATA}/backups": {"mode": 0o777}}, status=FAIL,
                           object=f"{DATA}/backups"),
               HostExample(stats={DATA: {"kind": "symlink", "target": "/tmp/data",
                                         "resolved": "/tmp/data", "resolved_kind": "dir"}},
                           status=FAIL, object=DATA))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        uid, gid = _qt(audit)
        for path in (c.data_dir, *(f"{c.data_dir}/{sub}" for sub in DATA_SUBDIRS)):
            info = s.stat(path)
            expected = "directory qt:qt 0755, not under /tmp"
            if info.kind == "error":
                yield self.result(ERROR, path, expected, describe(info, s))
                continue
            if (uid is None or gid is None) and s.accounts_error:
                yield self.result(ERROR, path, expected,
                                  f"owner not judged: {s.accounts_error}")
                continue
            problems = []
            where = info.resolved or info.real or path
            if under_tmp(path) or under_tmp(info.resolved) or under_tmp(info.real):
                problems.append(f"under /tmp ({where})")
            if info.kind != "dir" or info.uid != uid or info.gid != gid or info.mode != 0o755:
                problems.append(describe(info, s))
            yield self.result(FAIL if problems else PASS, path, expected,
                              "; ".join(problems) or describe(info, s))


class Database(HostCheck):
    """
    ## What it does
    Checks that the database at `contract.db-path` exists, is an SQLite file (its header),
    and passes `PRAGMA quick_check`, opened read-only.

    ## Why is this bad?
    Contract E's dependency validation: `test -f /opt/quantum/data/quantum_trader.db ||
    exit 1`. A missing or corrupt database makes services fail at their first query, after
    they started and took positions.

    ## Example
    A 0-byte file, a text file, or a database whose pages are damaged.

    ## Use instead
    The SQLite database created by the backend's migrations, owned by `qt`.

    ## Remediation
    Restore the database from `/opt/quantum/data/backups/`, or recreate it with the
    backend's migrations; check `sqlite3 /opt/quantum/data/quantum_trader.db
    'PRAGMA quick_check'` prints `ok`.
    """

    code = "H113"
    name = "database"
    section = "E"
    summary = "Database at DB_PATH exists, is SQLite, passes PRAGMA quick_check (read-only)"
    _DB = "/opt/quantum/data/quantum_trader.db"
    VALID = (HostExample(),)
    INVALID = (HostExample(facts={"db": {"path": _DB, "header_ok": False}}, status=FAIL,
                           object=_DB),
               HostExample(stats={_DB: {"kind": "missing"}}, status=FAIL, object=_DB),
               HostExample(facts={"db": {"path": _DB, "header_ok": True,
                                         "quick_check": "*** in database main ***"}},
                           status=FAIL, object=_DB))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        db = s.db
        path = db.get("path", audit.config.contract.db_path)
        info = s.stat(path)
        expected = "an SQLite file that passes PRAGMA quick_check (read-only)"
        if info.kind == "error" or "error" in db:
            yield self.result(ERROR, path, expected, db.get("error") or describe(info, s))
        elif info.kind != "file":
            yield self.result(FAIL, path, expected, describe(info, s))
        elif not db.get("header_ok"):
            yield self.result(FAIL, path, expected,
                              f"not an SQLite database ({info.size} bytes, no SQLite header)")
        elif db.get("quick_check") != "ok":
            yield self.result(FAIL, path, expected, f"quick_check: {db.get('quick_check')}")
        else:
            yield self.result(PASS, path, expected, f"SQLite, {info.size} bytes, quick_check ok")


class ModelDirs(HostCheck):
    """
    ## What it does
    Checks that the models folder (`contract.model-dir`) has `active/`, `shadow/` and
    `archive/`, and that every archive entry is named `<timestamp>_<model>_<version>`.

    ## Why is this bad?
    Contract F: models move shadow -> canary -> active only through the canary script,
    which backs up into `archive/` under a timestamped name; without the folders, or with
    backups named by hand, a rollback cannot find the previous model.

    ## Example
    No `shadow/`; an archive entry `old_model.pkl`.

    ## Use instead
    `archive/20260110T0200_xgboost_P0.4`.

    ## Remediation
    Create the missing folders (`install -d -o qt -g qt`), and rename archive entries to
    `<YYYYMMDDTHHMM>_<model>_<version>` (never delete them: contract F).
    """

    code = "H114"
    name = "model-dirs"
    section = "F"
    summary = "Models dir has active/, shadow/, archive/ with <timestamp>_<model>_<version> entries"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={f"{MODELS}/shadow": {"kind": "missing"}}, status=FAIL,
                           object=f"{MODELS}/shadow"),
               HostExample(facts={"archive_entries": ["old_model.pkl"]}, status=FAIL,
                           object=f"{MODELS}/archive entries"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        base = audit.config.contract.model_dir
        user = audit.config.contract.user
        for sub in ("active", "shadow", "archive"):
            info = s.stat(f"{base}/{sub}")
            status = PASS if info.kind == "dir" else ERROR if info.kind == "error" else FAIL
            # contract J: qt may write the models; nobody else but root may (a model
            # swapped into active/ by another account is an activation nobody confirmed)
            others = [w for w in writers(info, s, user) if not w.startswith(f"{user} ")]
            if status == PASS and others:
                status = FAIL
            yield self.result(status, f"{base}/{sub}", "a directory no one but qt and root "
                              "can write", (f"writable by {', '.join(others)}: " if others
                                            else "") + describe(info, s))
        if s.archive_error == "missing":
            yield self.result(FAIL, f"{base}/archive entries", "<timestamp>_<model>_<version>",
                              "no archive folder: there is nothing a rollback could restore")
            return
        if s.archive_error:
            yield self.result(ERROR, f"{base}/archive entries", "<timestamp>_<model>_<version>",
                              f"cannot list: {s.archive_error}")
            return
        bad = [name for name in s.archive_entries if not ARCHIVE_NAME.match(name)]
        yield self.result(FAIL if bad else PASS, f"{base}/archive entries",
                          "<timestamp>_<model>_<version>",
                          ("misnamed: " + ", ".join(bad[:10])) if bad else
                          f"{len(s.archive_entries)} entries")


class QtUser(HostCheck):
    """
    ## What it does
    Checks that the contract's user (`contract.user`, `qt`) exists in the host's
    `/etc/passwd` and is not uid 0.

    ## Why is this bad?
    Contract J: services run as `qt`, never root. A `qt` with uid 0 is root under another
    name, and every `User=qt` unit then runs with full privileges.

    ## Example
    `qt:x:0:0::/home/qt:/bin/bash`.

    ## Use instead
    `adduser --system --group --home /home/qt qt`.

    ## Remediation
    Create the user with `adduser --system --group qt`; never give it uid 0.
    """

    code = "H161"
    name = "qt-user"
    section = "J"
    summary = "The qt user exists and is not uid 0"
    VALID = (HostExample(),)
    INVALID = (HostExample(facts={"users": {"root": 0, "qt": 0}}, status=FAIL, object="user qt"),
               HostExample(facts={"users": {"root": 0}}, status=FAIL, object="user qt"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        user = audit.config.contract.user
        uid = s.users.get(user)
        for problem in s.accounts_bad:
            yield self.result(ERROR, problem.split(": ", 1)[0], "an account line glibc reads",
                              problem.split(": ", 1)[-1])
        if s.accounts_error and uid is None:
            yield self.result(ERROR, f"user {user}", "exists, uid != 0", s.accounts_error)
        elif uid is None:
            yield self.result(FAIL, f"user {user}", "exists, uid != 0", "no such user")
        else:
            yield self.result(PASS if uid != 0 else FAIL, f"user {user}", "exists, uid != 0",
                              f"uid {uid}")


class Secrets(HostCheck):
    """
    ## What it does
    Checks the secrets folder (`contract.secrets-dir`, `/opt/quantum/secrets`): it is a
    directory, others cannot read, list or enter it, and no file in it can be read by its
    group or by others; no one but root and `qt` can write it.

    ## Why is this bad?
    Contract C: secrets are kept out of env files and live only here. A secrets folder
    others can read leaks the exchange keys to every account on the host; a missing one
    means the secrets are somewhere the audit does not look.

    ## Example
    `/opt/quantum/secrets` with mode 0755, or `binance.key` with mode 0644.

    ## Use instead
    `install -d -o qt -g qt -m 0700 /opt/quantum/secrets`, each file mode 0600 (or 0400).

    ## Remediation
    `chmod 0700 /opt/quantum/secrets && chmod 0600 /opt/quantum/secrets/*`; rotate every
    secret that was readable by others.
    """

    code = "H116"
    name = "secrets"
    section = "C"
    summary = "The secrets folder exists, others cannot read it, its files are 0600/0400"
    _DIR = "/opt/quantum/secrets"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={_DIR: {"mode": 0o755}}, status=FAIL, object=_DIR),
               HostExample(stats={_DIR: {"kind": "missing"}}, status=FAIL, object=_DIR),
               HostExample(stats={f"{_DIR}/binance.key": {"mode": 0o640}},
                           facts={"secrets_entries": [f"{_DIR}/binance.key"]},
                           status=FAIL, object=f"{_DIR}/binance.key"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        folder = c.secrets_dir
        info = s.stat(folder)
        expected = "a directory others cannot read or enter, no one but qt and root write"
        if info.kind != "dir":
            status = ERROR if info.kind == "error" else FAIL
            yield self.result(status, folder, expected, describe(info, s))
            return
        others = [w for w in writers(info, s, c.user) if not w.startswith(f"{c.user} ")]
        problems = [f"writable by {', '.join(others)}"] if others else []
        if (info.mode or 0) & 0o007 or _acl_grants(info, 0o4):
            problems.append("others (or an ACL entry) can read or enter it")
        yield self.result(FAIL if problems else PASS, folder, expected,
                          "; ".join([*problems, describe(info, s)]))
        if s.secrets_error:
            yield self.result(ERROR, f"{folder} entries", "every file judged",
                              s.secrets_error)
        for path in s.secrets_entries:
            entry = s.stat(path)
            want = "a file only its owner can read"
            if entry.kind == "error":
                yield self.result(ERROR, path, want, describe(entry, s))
            elif entry.kind == "dir":
                bad = (entry.mode or 0) & 0o077 or _acl_grants(entry, 0o7)
                yield self.result(FAIL if bad else PASS, path, "a folder only its owner "
                                  "can enter", describe(entry, s))
            else:
                bad = entry.kind != "file" or (entry.mode or 0) & 0o077 or \
                    _acl_grants(entry, 0o4)
                yield self.result(FAIL if bad else PASS, path, want, describe(entry, s))


def _acl_grants(info: Stat, bits: int) -> bool:
    """Whether an extended ACL gives any named user or group (root aside) `bits`."""
    from qt_lint.host.check import ACL_GROUP, ACL_MASK, ACL_USER

    if not info.acl or len(info.acl) <= 3:
        return False
    mask = next((p for t, p, _ in info.acl if t == ACL_MASK), 7)
    return any(tag in (ACL_USER, ACL_GROUP) and perm & mask & bits and ident != 0
               for tag, perm, ident in info.acl)


class RepoConfig(HostCheck):
    """
    ## What it does
    Reads the repository's own qt-lint configuration (`qt-lint.toml`, or `pyproject.toml`
    with `[tool.qt-lint]`) and reports every host-side value it would change were it
    applied: `[contract]` values, `per-file-ignores` that reach host paths (`/etc/quantum`,
    `/etc/systemd/system`), `severity` and `unsuppressible`. The audit never applies it: it
    takes its configuration from `--config`, else a root-owned `/etc/quantum/qt-lint.toml`
    that only root can write, else the contract's defaults.

    ## Why is this bad?
    Contract J: `qt` owns the repository, so a configuration there is written by the user
    the audit judges. Applied, `per-file-ignores = {"**" = ["QT601"]}` would pass
    `AUTO_ACTIVATION=enabled` in a root-owned env file, and `[contract] redis-hosts` would
    point the audit at a remote Redis. Reporting it shows that someone tried, or that the
    team keeps host values where they cannot be trusted.

    ## Example
    `per-file-ignores = {"**" = ["QT601"]}`, or a `[contract]` table with another
    `db-path`, in `/home/qt/quantum_trader/qt-lint.toml`.

    ## Use instead
    Host-side values in `/etc/quantum/qt-lint.toml` (`root:root 0644`); the repository's
    configuration only for the repository's own files.

    ## Remediation
    Move the values to `/etc/quantum/qt-lint.toml` (`install -o root -g root -m 0644`),
    or pass `--config`; remove them from the repository's configuration.
    """

    code = "H162"
    name = "repo-config"
    section = "J"
    summary = "The repository's qt-lint configuration changes no host-side value"
    VALID = (HostExample(), HostExample(facts={"repo_config": {
        "path": f"{REPO}/pyproject.toml", "differences": []}}))
    INVALID = (HostExample(facts={"repo_config": {
        "path": f"{REPO}/qt-lint.toml", "differences": ["per-file-ignores.'**' = ['QT601']"]}},
        status=FAIL, object=f"{REPO}/qt-lint.toml"),
        HostExample(facts={"repo_config": {"path": f"{REPO}/pyproject.toml",
                                           "error": "larger than the read limit"}},
                    status=ERROR, object=f"{REPO}/pyproject.toml"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        info = audit.snapshot.repo_config
        expected = "no host-side value (the audit does not apply it)"
        repo = audit.snapshot.stat(audit.snapshot.repo_root)
        if not info and repo.kind != "dir" and repo.resolved_kind != "dir":
            yield self.result(ERROR, f"{audit.snapshot.repo_root} configuration", expected,
                              "the repository is not there to read "
                              f"({describe(repo, audit.snapshot)})")
        elif not info:
            yield self.result(PASS, f"{audit.snapshot.repo_root} configuration", expected,
                              "none")
        elif "error" in info:
            yield self.result(ERROR, info["path"], expected, info["error"])
        else:
            changes = info.get("differences", [])
            yield self.result(FAIL if changes else PASS, info["path"], expected,
                              ("would change: " + "; ".join(changes)) if changes else
                              "changes nothing on the host side")
