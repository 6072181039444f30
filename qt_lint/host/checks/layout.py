"""H111-H114, H161: the repository, data, database and model folders, and the qt user."""

from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.host.checks import ERROR, FAIL, PASS, Audit, CheckResult, describe, under_tmp
from qt_lint.host.collect import DATA_SUBDIRS

ARCHIVE_NAME = re.compile(r"^(?:\d{8}(?:T?\d{4,6})?|\d{10,})_[A-Za-z0-9][A-Za-z0-9.-]*_"
                          r"[A-Za-z0-9][A-Za-z0-9.-]*$")


def _qt(audit: Audit) -> tuple[int | None, int | None]:
    c = audit.config.contract
    return audit.snapshot.users.get(c.user), audit.snapshot.groups.get(c.group)


def h111_repo(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    root = audit.config.contract.repo_root
    info = s.stat(root)
    uid, _ = _qt(audit)
    problems = []
    if info.kind == "error":
        yield CheckResult("H111", ERROR, root, "git work tree owned by qt", describe(info, s))
        return
    if info.kind == "symlink":
        problems.append("is a symbolic link")
    elif info.kind != "dir":
        problems.append("is missing" if info.kind == "missing" else f"is a {info.kind}")
    if s.stat(f"{root}/.git").kind not in ("dir", "file"):
        problems.append("is not a git work tree (no .git)")
    if info.kind == "dir" and (uid is None or info.uid != uid):
        problems.append(f"is owned by {s.owner(info.uid)}")
    yield CheckResult("H111", FAIL if problems else PASS, root,
                      "a directory, a git work tree, owned by qt",
                      "; ".join(problems) or describe(info, s))


def h112_data(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    uid, gid = _qt(audit)
    for path in (c.data_dir, *(f"{c.data_dir}/{sub}" for sub in DATA_SUBDIRS)):
        info = s.stat(path)
        expected = "directory qt:qt 0755, not under /tmp"
        if info.kind == "error":
            yield CheckResult("H112", ERROR, path, expected, describe(info, s))
            continue
        problems = []
        if under_tmp(path) or under_tmp(info.resolved):
            problems.append(f"under /tmp ({info.resolved or path})")
        if info.kind != "dir" or info.uid != uid or info.gid != gid or info.mode != 0o755:
            problems.append(describe(info, s))
        yield CheckResult("H112", FAIL if problems else PASS, path, expected,
                          "; ".join(problems) or describe(info, s))


def h113_database(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    db = s.db
    path = db.get("path", audit.config.contract.db_path)
    info = s.stat(path)
    expected = "an SQLite file that passes PRAGMA quick_check (read-only)"
    if info.kind == "error" or "error" in db:
        yield CheckResult("H113", ERROR, path, expected, db.get("error") or describe(info, s))
    elif info.kind != "file":
        yield CheckResult("H113", FAIL, path, expected, describe(info, s))
    elif not db.get("header_ok"):
        yield CheckResult("H113", FAIL, path, expected,
                          f"not an SQLite database ({info.size} bytes, no SQLite header)")
    elif db.get("quick_check") != "ok":
        yield CheckResult("H113", FAIL, path, expected, f"quick_check: {db.get('quick_check')}")
    else:
        yield CheckResult("H113", PASS, path, expected,
                          f"SQLite, {info.size} bytes, quick_check ok")


def h114_models(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    base = audit.config.contract.model_dir
    for sub in ("active", "shadow", "archive"):
        info = s.stat(f"{base}/{sub}")
        status = PASS if info.kind == "dir" else ERROR if info.kind == "error" else FAIL
        yield CheckResult("H114", status, f"{base}/{sub}", "a directory", describe(info, s))
    bad = [name for name in s.archive_entries if not ARCHIVE_NAME.match(name)]
    yield CheckResult("H114", FAIL if bad else PASS, f"{base}/archive entries",
                      "<timestamp>_<model>_<version>",
                      ("misnamed: " + ", ".join(bad[:10])) if bad else
                      f"{len(s.archive_entries)} entries")


def h161_user(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    user = audit.config.contract.user
    uid = s.users.get(user)
    if s.accounts_error and uid is None:
        yield CheckResult("H161", ERROR, f"user {user}", "exists, uid != 0", s.accounts_error)
    elif uid is None:
        yield CheckResult("H161", FAIL, f"user {user}", "exists, uid != 0", "no such user")
    else:
        yield CheckResult("H161", PASS if uid != 0 else FAIL, f"user {user}",
                          "exists, uid != 0", f"uid {uid}")
