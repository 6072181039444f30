"""The host-check type: the same shape as a rule (code, name, contract section, docs in
ruff's headings plus `## Remediation`, VALID/INVALID examples that are tests), judging a
`Snapshot` instead of a file. Checks are pure functions of the snapshot; fail closed: a
check that cannot verify reports `error`, which fails the audit like `fail`.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from qt_lint.config import Config
from qt_lint.finding import Finding, Kind
from qt_lint.host.snapshot import Snapshot, Stat

if TYPE_CHECKING:
    from qt_lint.project import Project
    from qt_lint.settings import RunSettings

PASS, FAIL, ERROR, NA = "pass", "fail", "error", "n/a"


@dataclass(frozen=True)
class HostResult:
    """One verdict of a check on one object (a file, a folder, a service, Redis)."""

    code: str
    status: str
    object: str
    expected: str = ""
    actual: str = ""
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    multiline: bool = False  # `actual` is a diff, printed line by line


@dataclass(frozen=True)
class Audit:
    """What one host audit judges: a snapshot, its configuration and options."""

    snapshot: Snapshot
    config: Config
    offline: bool = False
    service: str | None = None
    # the operator's opt-out of `systemd-analyze verify` (--no-systemd-analyze), by name
    without_analyze: bool = False

    def wanted(self, unit_or_service: str) -> bool:
        """--service narrows the audit to one service (by name or unit name)."""
        if self.service is None:
            return True
        c = self.config.contract
        name = unit_or_service.rsplit("/", 1)[-1].split(".", 1)[0]
        return self.service in (name, c.service_of_unit(name), f"{c.unit_prefix}{self.service}")

    @functools.cached_property
    def project(self) -> Project:
        """The snapshot's files as a repository, built once per audit."""
        from qt_lint.project import Project, RecordedFiles

        files = RecordedFiles({p: t.text for p, t in self.snapshot.texts.items()
                               if t.text is not None},
                              {p: st.resolved for p, st in self.snapshot.paths.items()
                               if st.kind == "symlink" and st.resolved})
        return Project(Path("/"), self.config, files, unit_paths=list(self.snapshot.units))

    def judge(self, path: str, kind: Kind, codes: frozenset[str]) -> list[Finding]:
        """The QT rules on a file of the snapshot, as in a repository check, with QT001
        always: a file the rules refuse (over max-file-size, a line over max-line-length)
        is not analysed, which the caller reports as ERROR (see `not_analysed`)."""
        from qt_lint.classify import Target
        from qt_lint.engine import check_file
        from qt_lint.settings import RunSettings

        text = self.snapshot.text(path).text or ""
        codes = codes | {"QT001"}
        settings = self._settings.get(codes)
        if settings is None:
            settings = self._settings[codes] = RunSettings.build(self.config, active=codes)
        result = check_file(Target(path, path, path.lstrip("/"), kind), settings,
                            self.project, data=text.encode())
        return list(result.findings)

    @functools.cached_property
    def _settings(self) -> dict[frozenset[str], RunSettings]:
        """The run settings of each selection of codes, built once per audit."""
        return {}


def not_analysed(findings: tuple[Finding, ...] | list[Finding]) -> str | None:
    """Why a judged file was not analysed (its QT001 messages), or None. In the host
    audit, what was not analysed is never a pass: the caller reports ERROR."""
    refused = [f"{f.path}:{f.line}: {f.message}" for f in findings if f.code == "QT001"]
    return "not analysed: " + "; ".join(refused) if refused else None


@dataclass(frozen=True)
class HostExample:
    """A compliant host (`qt_lint.host.examples.compliant`) with these changes. INVALID
    examples name the `status` and `object` of a result the check must give; VALID ones
    must give only `pass` (and `n/a` where nothing applies)."""

    stats: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> Stat fields
    texts: dict[str, str | None] = field(default_factory=dict)  # path -> text, None: unreadable
    facts: dict[str, Any] = field(default_factory=dict)  # Snapshot fields replaced whole
    offline: bool = True
    status: str = ""
    object: str = ""


class HostCheck:
    """Base class of every host check. Subclasses set the metadata and implement `run`.

    The docstring is the user documentation: `## What it does`, `## Why is this bad?`,
    `## Example`, `## Use instead`, `## Remediation`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    section: ClassVar[str]
    summary: ClassVar[str]
    VALID: ClassVar[tuple[HostExample, ...]] = ()
    INVALID: ClassVar[tuple[HostExample, ...]] = ()

    def run(self, audit: Audit) -> Iterator[HostResult]:
        return iter(())

    def result(self, status: str, obj: str, expected: str = "", actual: str = "",
               findings: tuple[Finding, ...] = ()) -> HostResult:
        return HostResult(self.code, status, obj, expected, actual, findings)

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def remediation(cls) -> str:
        """The text under `## Remediation`."""
        docs = cls.docs()
        _, found, rest = docs.partition("## Remediation")
        return rest.split("\n## ", 1)[0].strip() if found else ""


def describe(stat: Stat, snapshot: Snapshot) -> str:
    if stat.kind == "missing":
        return "missing"
    if stat.kind == "error":
        return f"unreadable ({stat.error})"
    mode = f"{stat.mode:04o}" if stat.mode is not None else "?"
    if stat.acl and len(stat.acl) > 3:
        mode += "+acl"
    where = f" -> {stat.resolved or stat.target}" if stat.kind == "symlink" else ""
    return (f"{stat.kind}{where} {snapshot.owner(stat.uid)}:{snapshot.group(stat.gid)} "
            f"{mode}")


def under_tmp(path: str | None) -> bool:
    if not path:
        return False
    return path in ("/tmp", "/var/tmp") or path.startswith(("/tmp/", "/var/tmp/"))


def parents(path: str) -> list[str]:
    out = [path]
    while path != "/":
        path = os.path.dirname(path)
        out.append(path)
    return out


# POSIX ACL entry tags (linux/posix_acl.h)
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = 1, 2, 4, 8, 0x10, 0x20
_WRITE = 2


def user_groups(snapshot: Snapshot, user: str) -> set[int]:
    """The gids of a user's primary group and of every group that lists it (the host's
    /etc/passwd and /etc/group), as login would set them."""
    gids = set()
    if user in snapshot.user_gids:
        gids.add(snapshot.user_gids[user])
    for name, members in snapshot.group_members.items():
        if user in members and name in snapshot.groups:
            gids.add(snapshot.groups[name])
    return gids


def user_can_write(stat: Stat, snapshot: Snapshot, user: str) -> str | None:
    """How `user` can write `stat` as the kernel decides (owner class, then named user
    entries, then the owning and named groups: if one matches and none grants, denied;
    else others; the ACL mask limits named entries and groups), or None."""
    if stat.kind == "symlink":
        return None  # a link's own mode is never used; its folder and target are judged
    uid = snapshot.users.get(user)
    gids = user_groups(snapshot, user)
    mode = stat.mode or 0
    if uid is not None and stat.uid == uid:
        return f"{user} (owner)" if mode & 0o200 else None
    acl = stat.acl if stat.acl and len(stat.acl) > 3 else None
    if acl is None:
        if stat.gid in gids:
            return f"{user} (group {snapshot.group(stat.gid)})" if mode & 0o020 else None
        return f"{user} (as others)" if mode & 0o002 else None
    mask = next((p for t, p, _ in acl if t == ACL_MASK), 7)
    for tag, perm, ident in acl:
        if tag == ACL_USER and ident == uid:
            return f"{user} (ACL user entry)" if perm & mask & _WRITE else None
    matched = False
    for tag, perm, ident in acl:
        if (tag == ACL_GROUP_OBJ and stat.gid in gids) or (tag == ACL_GROUP and ident in gids):
            matched = True
            if perm & mask & _WRITE:
                gid = stat.gid if tag == ACL_GROUP_OBJ else ident
                return f"{user} (group {snapshot.group(gid)}, ACL)"
    if matched:
        return None
    other = next((p for t, p, _ in acl if t == ACL_OTHER), 0)
    return f"{user} (as others)" if other & _WRITE else None


def writers(stat: Stat, snapshot: Snapshot, user: str) -> list[str]:
    """Who other than root can write `stat`: `user` (see `user_can_write`), others, and
    any other user or group an ACL entry lets write."""
    if stat.kind == "symlink":
        return []
    out: list[str] = []
    mine = user_can_write(stat, snapshot, user)
    if mine and not mine.endswith("(as others)"):
        out.append(mine)
    if (stat.mode or 0) & 0o002:
        out.append("others")
    acl = stat.acl if stat.acl and len(stat.acl) > 3 else None
    if acl is not None:
        uid = snapshot.users.get(user)
        gids = user_groups(snapshot, user)
        mask = next((p for t, p, _ in acl if t == ACL_MASK), 7)
        for tag, perm, ident in acl:
            if not perm & mask & _WRITE or ident == 0:
                continue
            if tag == ACL_USER and ident != uid:
                out.append(f"user {snapshot.owner(ident)} (ACL)")
            elif tag == ACL_GROUP and ident not in gids:
                out.append(f"group {snapshot.group(ident)} (ACL)")
    return out


def default_writers(stat: Stat, snapshot: Snapshot, user: str) -> list[str]:
    """Who a folder's default ACL lets write what is created in it later (a drop-in root
    adds with `echo > file`: with a default ACL the umask is not applied): named users and
    groups, the owning group, others; root aside."""
    acl = stat.default_acl
    if not acl:
        return []
    mask = next((p for t, p, _ in acl if t == ACL_MASK), 7)
    out = []
    for tag, perm, ident in acl:
        if tag == ACL_USER and perm & mask & _WRITE and ident != 0:
            out.append(f"user {snapshot.owner(ident)} (default ACL)")
        elif tag == ACL_GROUP and perm & mask & _WRITE and ident != 0:
            out.append(f"group {snapshot.group(ident)} (default ACL)")
        elif tag == ACL_GROUP_OBJ and perm & mask & _WRITE and stat.gid not in (0, None):
            out.append(f"group {snapshot.group(stat.gid)} (default ACL)")
        elif tag == ACL_OTHER and perm & _WRITE:
            out.append("others (default ACL)")
    return out
