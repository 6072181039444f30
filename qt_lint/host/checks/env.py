"""H131-H132: env files (owner, mode, content) and the folders nobody but root may write."""

from __future__ import annotations

import os
from collections.abc import Iterator

from qt_lint.finding import Kind
from qt_lint.host.check import (
    ERROR,
    FAIL,
    PASS,
    Audit,
    HostCheck,
    HostExample,
    HostResult,
    default_writers,
    describe,
    not_analysed,
    parents,
    writers,
)
from qt_lint.host.collect import SYSTEMD_DIR, UNIT_PATHS

# the content rules RULES.md names for H131 (QT301/QT302 judge a repository, not a host)
ENV_CODES = frozenset({"QT205", "QT305", "QT307", "QT502", "QT503", "QT601"})
_ENV = "/etc/quantum/backend.env"


class EnvFiles(HostCheck):
    """
    ## What it does
    Checks each service's env file in `/etc/quantum/` (`contract.env-dir`; one per
    installed unit, and every file found there): it exists, is owned `root:qt`, has mode
    0640 exactly, and its content passes QT205, QT305, QT307, QT502, QT503 and QT601.

    ## Why is this bad?
    Contract C: environment comes only from these files, owned by root and readable by
    `qt`; a file `qt` can write lets a compromised service change its own configuration,
    one others can read leaks it, and wrong content (a remote Redis, auto-activation on,
    a secret) is a breach the unit inherits.

    ## Example
    `/etc/quantum/backend.env` owned `qt:qt` mode 0644, with `AUTO_ACTIVATION=enabled`.

    ## Use instead
    `install -o root -g qt -m 0640 backend.env /etc/quantum/backend.env`, content as
    contract C.

    ## Remediation
    `chown root:qt /etc/quantum/<service>.env && chmod 0640 /etc/quantum/<service>.env`;
    fix the content findings listed (secrets move to `/opt/quantum/secrets/`).
    """

    code = "H131"
    name = "env-files"
    section = "C"
    summary = "Each service's env file exists, root:qt 0640, content passes the env rules"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={_ENV: {"mode": 0o644}}, status=FAIL, object=_ENV),
               HostExample(stats={_ENV: {"kind": "missing"}}, status=FAIL, object=_ENV),
               HostExample(texts={_ENV: "REPO_ROOT=/home/qt/quantum_trader\n"
                                        "AUTO_ACTIVATION=enabled\n"},
                           status=FAIL, object=_ENV))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        root_uid, qt_gid = s.users.get("root", 0), s.groups.get(c.group)
        expected = f"root:{c.group} 0640, content passes QT205/QT305/QT307/QT502/QT503/QT601"
        services = sorted({c.service_of_unit(os.path.basename(u).rsplit(".", 1)[0])
                           for u in s.units if u.endswith(".service")
                           and os.path.basename(u).startswith(c.unit_prefix)})
        paths = sorted(set(s.env_files) | {f"{c.env_dir}/{svc}.env" for svc in services})
        for path in paths:
            if not audit.wanted(path):
                continue
            got = s.text(path)
            info = got.stat
            if info.kind == "missing" or got.error == "missing":
                yield self.result(FAIL, path, expected, "missing" if info.kind == "missing"
                                  else f"missing: {describe(info, s)}")
                continue
            if qt_gid is None and s.accounts_error:
                yield self.result(ERROR, path, expected, f"owner not judged: {s.accounts_error}")
                continue
            problems = []
            if info.kind != "file" or info.uid != root_uid or info.gid != qt_gid or \
                    info.mode != 0o640:
                problems.append(describe(info, s))
            elif who := writers(info, s, c.user):
                problems.append(f"writable by {', '.join(who)} ({describe(info, s)})")
            if got.text is None:
                yield self.result(ERROR, path, expected,
                                  "; ".join([*problems, f"content not readable: {got.error}"]))
                continue
            findings = tuple(audit.judge(path, Kind.ENV, ENV_CODES))
            if refused := not_analysed(findings):
                yield self.result(ERROR, path, expected, "; ".join([*problems, refused]),
                                  findings)
                continue
            if findings:
                problems.append(f"{len(findings)} content finding(s)")
            yield self.result(FAIL if problems else PASS, path, expected,
                              "; ".join(problems) or describe(info, s), findings)


class NotWritable(HostCheck):
    """
    ## What it does
    Checks that `/etc/quantum`, every folder of systemd's unit search path the host has
    (`/etc/systemd/system`, `/run/systemd/system`, `/usr/lib/systemd/system`, ...) and the
    venv root, and every folder above them, are not writable by the contract's user nor by
    others. Write access is decided as the kernel decides it: the owner, the user's groups
    (its primary group and every group of the host's `/etc/group` that lists it), the mode
    bits and the POSIX access ACL (named user and group entries, limited by the mask). Any
    other non-root user or group an ACL entry lets write is reported too.

    ## Why is this bad?
    Contract J: `qt` cannot modify units, env files or installed packages. A folder it can
    write lets a compromised service replace its own unit (`User=root`), its env file or
    its interpreter, and so gain root at the next restart.

    ## Example
    `/etc/quantum` owned `qt`, or `/opt/quantum/venvs` with mode 0777.

    ## Use instead
    `root:root 0755` (`/etc/quantum` may be `root:qt 0750`).

    ## Remediation
    `chown root:root <folder> && chmod go-w <folder>` for each folder listed; `setfacl -b
    <folder>` removes ACL entries that let anyone write; take `qt` out of a group that
    may write it (`gpasswd -d qt <group>`).
    """

    code = "H132"
    name = "not-writable"
    section = "J"
    summary = ("/etc/quantum, unit search folders, venvs and their parents not writable by qt "
               "(mode, groups, ACLs)")
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={"/etc/quantum": {"uid": 1000, "mode": 0o750}}, status=FAIL,
                           object="/etc/quantum"),
               HostExample(stats={"/opt/quantum/venvs": {"mode": 0o777}}, status=FAIL,
                           object="/opt/quantum/venvs"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        expected = f"not writable by {c.user} (owner, group, ACL) or others"
        if c.user not in s.users:
            why = s.accounts_error or f"no user {c.user} in /etc/passwd"
            yield self.result(ERROR, "/", expected, f"who can write not judged: {why}")
            return
        seen = set()
        folders = [c.env_dir, *UNIT_PATHS, c.venv_root]
        while folders:
            folder = folders.pop(0)
            for path in parents(folder):
                if path in seen:
                    continue
                seen.add(path)
                info = s.stat(path)
                if info.kind == "missing" and folder in UNIT_PATHS and folder != SYSTEMD_DIR:
                    continue  # a search folder the host does not have
                if path not in s.paths and folder in UNIT_PATHS:
                    continue  # not collected (an older snapshot)
                if info.kind in ("error", "missing"):
                    status = ERROR if info.kind == "error" else FAIL
                    yield self.result(status, path, expected, describe(info, s))
                    continue
                if info.kind == "symlink" and info.resolved:
                    folders.append(info.resolved)  # the folder it leads to is judged too
                yield self._judge(audit, path, expected)
        # every object the audit judges, not only folders: unit files and drop-ins (and
        # where a link leads), drop-in folders, pyvenv.cfg, the interpreters, redis.conf
        for path in s.guarded:
            todo = [path]
            while todo:
                here = todo.pop()
                if here in seen:
                    continue
                seen.add(here)
                info = s.stat(here)
                if info.kind == "missing":
                    continue
                if info.kind == "symlink" and info.resolved:
                    todo.append(info.resolved)
                yield self._judge(audit, here, expected)
        for base, tree in sorted(s.trees.items()):
            obj = f"{base} (every entry)"
            if tree.get("error"):
                yield self.result(ERROR, obj, expected,
                                  f"{tree.get('entries', 0)} entries read, then: {tree['error']}")
                continue
            found = []
            for entry in tree.get("notable", []):
                if who := writers(s.stat(entry), s, c.user):
                    found.append(f"{entry} by {', '.join(who)}")
            more = f" (and {tree['more']} more not owned by root)" if tree.get("more") else ""
            yield self.result(FAIL if found else PASS, obj, expected,
                              ("writable: " + "; ".join(found[:10]) + more) if found else
                              f"{tree.get('entries', 0)} entries, none writable by "
                              f"{c.user} or others{more}")

    def _judge(self, audit: Audit, path: str, expected: str) -> HostResult:
        s = audit.snapshot
        user = audit.config.contract.user
        info = s.stat(path)
        if info.kind == "error":
            return self.result(ERROR, path, expected, describe(info, s))
        who = writers(info, s, user) + default_writers(info, s, user)
        return self.result(FAIL if who else PASS, path, expected,
                           (f"writable by {', '.join(who)}: " if who else "")
                           + describe(info, s))
