"""H145, H163, H164: privilege the contract takes from `qt` (J) and a unit, a sudoers rule,
a group or a setuid interpreter would give back."""

from __future__ import annotations

import os
import re
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
    user_groups,
)
from qt_lint.host.snapshot import Snapshot

_UNIT = "/etc/systemd/system/quantum-backend.service"
_DROPIN = "/etc/systemd/system/quantum-backend.service.d/override.conf"
PRIVILEGED_GROUPS = ("root", "sudo", "wheel", "admin", "adm", "docker", "disk", "shadow",
                     "lxd", "libvirt", "systemd-journal")
UNIT_GROUPS = ("root", "0", "disk", "sudo", "wheel", "adm", "docker", "shadow")
SAFETY_SWITCHES = ("AUTO_ACTIVATION", "SHADOW_MODE")


def golden_backend() -> str:
    from qt_lint.host.checks.units import golden_backend as golden

    return golden()


def _with_dropin(text: str, status: str = "", obj: str = "") -> HostExample:
    """The compliant host with a drop-in of quantum-backend.service holding `text`."""
    return HostExample(texts={_DROPIN: "[Service]\n" + text},
                       facts={"dropins": {_UNIT: [_DROPIN]}}, status=status, object=obj)


class UnitPrivilege(HostCheck):
    """
    ## What it does
    For each judged service (fragment and drop-ins, as systemd merges them), finds the
    settings that give back what `User=qt` took: `AmbientCapabilities=` with any
    capability; `CapabilityBoundingSet=` with anything but the empty set;
    `SupplementaryGroups=` naming `root`, `disk`, `sudo`, `wheel`, `adm`, `docker` or
    `shadow`; `UnsetEnvironment=` of a safety switch (`AUTO_ACTIVATION`, `SHADOW_MODE`:
    the service then runs with its built-in default, not the env file's value);
    `BindPaths=`/`BindReadOnlyPaths=` whose destination lies over a venv or
    `/etc/quantum`; `RootDirectory=`/`RootImage=` inside `qt`'s home or the repository.
    Binds and root directories are read as systemd reads them (quotes, an escaped `\\:`,
    the `-` prefix, `:options`, specifiers such as `%h`, an empty assignment resetting
    the list); a path bound over itself (a read-only venv) gives nothing back.

    ## Why is this bad?
    Contract J: a service that needs root is wrong, and a `User=qt` unit with ambient
    capabilities, the `disk` group or an interpreter bound over its venv from a folder
    `qt` writes is root by another name. Contract F: unsetting a safety switch turns
    auto-activation on by default.

    ## Example
    A drop-in with `AmbientCapabilities=CAP_SYS_ADMIN`, or
    `BindPaths=/home/qt/bin:/opt/quantum/venvs/backend/bin`.

    ## Use instead
    The golden template: none of these settings.

    ## Remediation
    Remove the setting from the unit or drop-in, `systemctl daemon-reload`, restart the
    service; if the service seems to need it, redesign the service (contract J).
    """

    code = "H145"
    name = "unit-privilege"
    section = "J"
    summary = ("No unit gives back what User=qt took (capabilities, groups, unset safety "
               "switches, binds over venvs, a root in qt's files)")
    VALID = (HostExample(), _with_dropin("CapabilityBoundingSet=\n"))
    INVALID = (
        _with_dropin("AmbientCapabilities=CAP_SYS_ADMIN\n", FAIL, _UNIT),
        _with_dropin("SupplementaryGroups=disk\n", FAIL, _UNIT),
        _with_dropin("UnsetEnvironment=AUTO_ACTIVATION\n", FAIL, _UNIT),
        _with_dropin("BindReadOnlyPaths=/home/qt/py:/opt/quantum/venvs/backend/bin/python\n",
                     FAIL, _UNIT),
        _with_dropin("RootDirectory=/home/qt/root\n", FAIL, _UNIT),
    )

    def run(self, audit: Audit) -> Iterator[HostResult]:
        from qt_lint.host.checks.units import judged_fragments
        from qt_lint.parsers.systemd import Unit, parse

        s = audit.snapshot
        expected = "no capability, privileged group, unset safety switch, bind over a " \
                   "venv or /etc/quantum, or root directory in qt's files"
        for fragment in judged_fragments(audit):
            if not fragment.endswith(".service"):
                continue
            files = [fragment, *s.dropins.get(fragment, [])]
            unread = [f"{f}: {s.text(f).error}" for f in files if s.text(f).text is None]
            if unread:
                yield self.result(ERROR, fragment, expected, "; ".join(unread))
                continue
            docs = [parse(s.text(f).text or "", f, "service") for f in files]
            unit = Unit(os.path.basename(fragment), docs[0], docs[1:])
            problems = unit_privilege(unit, audit)
            yield self.result(FAIL if problems else PASS, fragment, expected,
                              "; ".join(problems) or "none")


def unit_privilege(unit: object, audit: Audit) -> list[str]:
    """What a merged unit gives back of the privilege `User=qt` took."""
    from qt_lint.parsers.systemd import Unit
    from qt_lint.parsers.unitvalues import bind_mounts, path_setting
    from qt_lint.unit_runtime import ROOT_KEYS

    assert isinstance(unit, Unit)
    c = audit.config.contract
    out: list[str] = []

    def where(a: object) -> str:
        return f"{getattr(a, 'file', '?')}:{getattr(a, 'line', '?')}"

    ambient = unit.values("Service", "AmbientCapabilities")
    if ambient:
        out.append(f"AmbientCapabilities={ambient[-1].value} ({where(ambient[-1])})")
    bounding = unit.values("Service", "CapabilityBoundingSet")
    if bounding:
        out.append(f"CapabilityBoundingSet={bounding[-1].value} beyond none "
                   f"({where(bounding[-1])})")
    for word, a, _ in unit.words("Service", "SupplementaryGroups"):
        if word in UNIT_GROUPS:
            out.append(f"SupplementaryGroups={word} ({where(a)})")
    for word, a, _ in unit.words("Service", "UnsetEnvironment"):
        if word.split("=", 1)[0] in SAFETY_SWITCHES:
            out.append(f"UnsetEnvironment={word}: the safety switch is not the env file's "
                       f"({where(a)})")
    guarded = (c.venv_root, c.env_dir)
    for bind in bind_mounts(unit):  # read as systemd reads them (qt_lint.parsers.unitvalues)
        target = bind.destination
        if bind.source != target and any(
                target == g or target.startswith(g.rstrip("/") + "/")
                or g.startswith(target.rstrip("/") + "/") for g in guarded):
            out.append(f"{bind.assignment.key}={'-' if bind.ignore_missing else ''}"
                       f"{bind.source}:{target}: over {target} ({where(bind.assignment)})")
    home = os.path.dirname(c.repo_root.rstrip("/")) or "/"
    for key in ROOT_KEYS:
        found = path_setting(unit, key)
        if found is None:
            continue
        path, setting, _ = found
        if path == home or path.startswith(home.rstrip("/") + "/"):
            out.append(f"{key}={setting.value}: in {c.user}'s files ({where(setting)})")
    return out


class AccountPrivilege(HostCheck):
    """
    ## What it does
    Checks that `qt` (`contract.user`) has no way to root: no sudoers rule applies to it
    (`/etc/sudoers` and what it includes, `/etc/sudoers.d/*` as sudo reads them: rules for
    `qt`, its uid, `ALL`, a `User_Alias` naming it, or a `%group` it is in; `NOPASSWD`
    named), it is in none of the groups that are root by another name (`root`, `sudo`,
    `wheel`, `admin`, `adm`, `docker`, `disk`, `shadow`, `lxd`, `libvirt`,
    `systemd-journal`), and no account but `root` has uid 0.

    ## Why is this bad?
    Contract J: `qt` cannot modify units, install packages or change `/etc/quantum`
    ("requires sudo"). A sudoers rule, the `docker` or `disk` group, or a second uid-0
    account gives a compromised service all of that.

    ## Example
    `qt ALL=(ALL) NOPASSWD: ALL` in `/etc/sudoers.d/qt`; `sudo:x:27:qt` in `/etc/group`;
    `toor:x:0:0::/root:/bin/sh` in `/etc/passwd`.

    ## Use instead
    Operators with their own accounts use sudo; `qt` runs the services only.

    ## Remediation
    Remove the sudoers rule (`visudo -f <file>`), take `qt` out of the group (`gpasswd
    -d qt <group>`), remove or renumber the extra uid-0 account.
    """

    code = "H163"
    name = "account-privilege"
    section = "J"
    summary = "qt has no sudoers rule, no root-equivalent group; no second uid-0 account"
    VALID = (HostExample(), HostExample(texts={"/etc/sudoers": "root ALL=(ALL:ALL) ALL\n"
                                               "%sudo ALL=(ALL:ALL) ALL\n"},
                                        facts={"sudoers": ["/etc/sudoers"]}))
    INVALID = (HostExample(texts={"/etc/sudoers.d/qt": "qt ALL=(ALL) NOPASSWD: ALL\n"},
                           facts={"sudoers": ["/etc/sudoers.d/qt"]}, status=FAIL,
                           object="/etc/sudoers.d/qt:1"),
               HostExample(facts={"groups": {"root": 0, "qt": 1000, "docker": 999},
                                  "group_members": {"docker": ["qt"]}},
                           status=FAIL, object="user qt groups"),
               HostExample(facts={"users": {"root": 0, "qt": 1000, "toor": 0}},
                           status=FAIL, object="user toor"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        if c.user not in s.users:
            yield self.result(ERROR, f"user {c.user}", "no way to root",
                              s.accounts_error or f"no user {c.user} in /etc/passwd")
            return
        gids = user_groups(s, c.user)
        names = {name for name, gid in s.groups.items() if gid in gids}
        bad = sorted(names & set(PRIVILEGED_GROUPS)) + (["gid 0"] if 0 in gids and
                                                        "root" not in names else [])
        yield self.result(FAIL if bad else PASS, f"user {c.user} groups",
                          "in no root-equivalent group",
                          ("in " + ", ".join(bad)) if bad else
                          "groups: " + (", ".join(sorted(names)) or "none"))
        for user, uid in sorted(s.users.items()):
            if uid == 0 and user != "root":
                yield self.result(FAIL, f"user {user}", "uid 0 for root only", "uid 0")
        for problem in s.sudoers_errors:
            yield self.result(ERROR, problem.split(": ", 1)[0], "read as sudo reads it",
                              problem.split(": ", 1)[-1])
        rules = 0
        for path in s.sudoers:
            text = s.text(path).text
            if text is None:
                yield self.result(ERROR, path, "read as sudo reads it",
                                  s.text(path).error or "unreadable")
                continue
            for line, rule in sudoers_rules_for(text, c.user, s):
                rules += 1
                tag = " (NOPASSWD)" if "NOPASSWD" in rule else ""
                yield self.result(FAIL, f"{path}:{line}", f"no sudoers rule for {c.user}",
                                  f"applies to {c.user}{tag}: {rule[:200]}")
        if not rules:
            yield self.result(PASS, "sudoers", f"no sudoers rule for {c.user}",
                              f"{len(s.sudoers)} file(s) read, no rule applies to {c.user}"
                              if s.sudoers else "no /etc/sudoers (sudo not installed)")


_ALIAS = lazyre.compile(r"^User_Alias\s+(.*)$")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """sudoers lines: `\\` continues a line; `#` starts a comment unless it is an
    include directive or a `#uid`."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        line = raw
        if not re.match(r"\s*#include", line):
            line = re.sub(r"(^|\s)#(?![0-9]).*$", "", line)
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield start, (pending + line).strip()
        pending = ""
    if pending:
        yield start, pending.strip()


def sudoers_rules_for(text: str, user: str, s: Snapshot) -> list[tuple[int, str]]:
    """The rules of one sudoers file that apply to `user` (line, rule text)."""
    uid = s.users.get(user)
    gids = user_groups(s, user)
    groups = {name for name, gid in s.groups.items() if gid in gids}
    aliases: dict[str, list[str]] = {}

    def matches(item: str) -> bool:
        item = item.strip()
        if item in ("ALL", user) or (uid is not None and item == f"#{uid}"):
            return True
        if item.startswith("%#"):
            return item[2:].isdecimal() and int(item[2:]) in gids
        if item.startswith(("%:", "%")):
            return item.lstrip("%:") in groups
        if item in aliases:
            return _applies(aliases[item], matches)
        return False

    out = []
    for number, line in _logical_lines(text):
        if not line or line.startswith(("Defaults", "#include", "@include", "Host_Alias",
                                        "Runas_Alias", "Cmnd_Alias", "Cmd_Alias")):
            continue
        alias = _ALIAS.match(line)
        if alias:
            for part in alias.group(1).split(":"):
                name, _, members = part.partition("=")
                aliases[name.strip()] = [m for m in members.split(",") if m.strip()]
            continue
        head = line.split("=", 1)[0]
        head = re.sub(r"\s*,\s*", ",", head.strip())
        users = head.split(None, 1)[0].split(",") if head else []
        if users and _applies(users, matches):
            out.append((number, line))
    return out


def _applies(items: list[str], matches: object) -> bool:
    """A sudoers list applies when its last matching item is not negated."""
    assert callable(matches)
    verdict = False
    for item in items:
        item = item.strip()
        negated = item.startswith("!")
        if matches(item.lstrip("!")):
            verdict = not negated
    return verdict


class SetuidInterpreters(HostCheck):
    """
    ## What it does
    Checks that no interpreter the services run, and nothing in a venv, is setuid or
    setgid: each venv's `bin/python` and what it resolves to, the `home=` interpreters of
    `pyvenv.cfg`, and every entry of the venv trees.

    ## Why is this bad?
    Contract J: a setuid-root Python runs any script `qt` hands it as root; `qt` needs no
    more than to name it.

    ## Example
    `/usr/bin/python3.11` with mode 4755.

    ## Use instead
    Interpreters mode 0755, owned by root.

    ## Remediation
    `chmod u-s,g-s <file>`; find who set it (`dpkg -S`, the image build) and rotate what
    it could reach.
    """

    code = "H164"
    name = "setuid-interpreters"
    section = "J"
    summary = "No interpreter the services run, nothing in a venv, is setuid or setgid"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={"/usr/bin/python3": {"mode": 0o4755}}, status=FAIL,
                           object="/usr/bin/python3"),)

    def run(self, audit: Audit) -> Iterator[HostResult]:
        from qt_lint.host.snapshot import pyvenv_values

        s = audit.snapshot
        c = audit.config.contract
        expected = "not setuid or setgid"
        targets: list[str] = []
        for venv in c.venvs:
            base = f"{c.venv_root}/{venv}"
            targets.append(f"{base}/bin/python")
            home = pyvenv_values(s.text(f"{base}/pyvenv.cfg").text or "").get("home")
            if home:
                targets += [f"{home.rstrip('/')}/{n}" for n in ("python3", "python")]
        seen: set[str] = set()
        for path in targets:
            info = s.stat(path)
            hops = 0
            while info.kind == "symlink" and info.resolved and hops < 40:
                info, hops = s.stat(info.resolved), hops + 1
            if info.path in seen or info.kind == "missing":
                continue
            seen.add(info.path)
            if info.kind == "error":
                yield self.result(ERROR, info.path, expected, describe(info, s))
                continue
            special = (info.mode or 0) & 0o6000
            yield self.result(FAIL if special else PASS, info.path, expected,
                              describe(info, s))
        for base, tree in sorted(s.trees.items()):
            found = [p for p in tree.get("notable", []) if (s.stat(p).mode or 0) & 0o6000
                     and s.stat(p).kind == "file"]
            if found:
                yield self.result(FAIL, f"{base} (every entry)", expected,
                                  "setuid/setgid: " + ", ".join(found[:10]))
