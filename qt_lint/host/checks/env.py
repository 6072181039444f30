"""H131-H132: env files (owner, mode, content) and the folders nobody but root may write."""

from __future__ import annotations

import os
from collections.abc import Iterator

from qt_lint.finding import Kind
from qt_lint.host.checks import (
    ERROR,
    FAIL,
    PASS,
    Audit,
    CheckResult,
    describe,
    parents,
)
from qt_lint.host.collect import SYSTEMD_DIR

ENV_CODES = frozenset({"QT205", "QT305", "QT307", "QT502", "QT503", "QT601"})


def h131_env_files(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    root_uid, qt_gid = s.users.get("root", 0), s.groups.get(c.group)
    expected = f"root:{c.group} 0640, content passes QT205/QT305/QT307/QT502/QT503/QT601"
    services = sorted({c.service_of_unit(os.path.basename(u).split(".", 1)[0])
                       for u in s.units if u.endswith(".service")})
    paths = sorted(set(s.env_files) | {f"{c.env_dir}/{svc}.env" for svc in services})
    for path in paths:
        if not audit.wanted(path):
            continue
        got = s.text(path)
        info = got.stat
        if info.kind == "missing":
            yield CheckResult("H131", FAIL, path, expected, "missing")
            continue
        problems = []
        if info.kind != "file" or info.uid != root_uid or info.gid != qt_gid or info.mode != 0o640:
            problems.append(describe(info, s))
        if got.text is None:
            yield CheckResult("H131", ERROR, path, expected,
                              "; ".join([*problems, f"content not readable: {got.error}"]))
            continue
        findings = tuple(audit.judge(path, Kind.ENV, ENV_CODES))
        if findings:
            problems.append(f"{len(findings)} content finding(s)")
        yield CheckResult("H131", FAIL if problems else PASS, path, expected,
                          "; ".join(problems) or describe(info, s), findings)


def h132_not_writable(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    qt_uid, qt_gid = s.users.get(c.user), s.groups.get(c.group)
    seen = set()
    for folder in (c.env_dir, SYSTEMD_DIR, c.venv_root):
        for path in parents(folder):
            if path in seen:
                continue
            seen.add(path)
            info = s.stat(path)
            expected = "not writable by qt or others"
            if info.kind in ("error", "missing"):
                status = ERROR if info.kind == "error" else FAIL
                yield CheckResult("H132", status, path, expected, describe(info, s))
                continue
            mode = info.mode or 0
            who = []
            if mode & 0o002:
                who.append("others")
            if qt_uid is not None and info.uid == qt_uid and mode & 0o200:
                who.append(f"{c.user} (owner)")
            if qt_gid is not None and info.gid == qt_gid and mode & 0o020:
                who.append(f"{c.group} (group)")
            yield CheckResult("H132", FAIL if who else PASS, path, expected,
                              (f"writable by {', '.join(who)}: " if who else "")
                              + describe(info, s))
