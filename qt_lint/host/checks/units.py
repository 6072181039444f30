"""H141-H144: installed units as systemd sees them, drift, live processes, identity."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator

from qt_lint.finding import Kind
from qt_lint.host.check import (
    ERROR,
    FAIL,
    NA,
    PASS,
    Audit,
    HostCheck,
    HostExample,
    HostResult,
    not_analysed,
)

_UNIT = "/etc/systemd/system/quantum-backend.service"
_REPO_UNIT = "/home/qt/quantum_trader/systemd/quantum-backend.service"


@functools.cache
def unit_codes() -> frozenset[str]:
    """Every rule that judges unit files (from the rule index), QT001-QT003 aside."""
    from qt_lint.rules.index import INDEX

    return frozenset(code for code, (_, kinds, engine) in INDEX.items()
                     if Kind.UNIT.value in kinds and not engine)


def golden_backend() -> str:
    from qt_lint.config import Contract
    from qt_lint.golden import render

    return render(Contract(), "backend", oneshot=False, script="-m backend.main",
                  venv="backend")


def judged_fragments(audit: Audit) -> list[str]:
    return [u for u in audit.snapshot.units if not u.endswith(".conf") and audit.wanted(u)]


class InstalledUnits(HostCheck):
    """
    ## What it does
    Judges each installed `quantum-*` unit in `/etc/systemd/system`, fragment merged with
    its drop-ins as systemd merges them, with every QT rule that applies to unit files
    (QT4 and the command, path and Docker rules); with `systemd-analyze` on the machine,
    `systemd-analyze verify` must print nothing about them.

    ## Why is this bad?
    Contract D: what runs is the installed unit, not the repository's copy. A `User=root`
    drop-in added on the server, or a unit that systemd refuses, breaks the contract
    where it matters.

    ## Example
    `/etc/systemd/system/quantum-backend.service.d/override.conf` with `User=root`.

    ## Use instead
    Units installed from the repository's golden copies (`qt-lint unit new`), no local
    overrides that change identity, environment or logging.

    ## Remediation
    Fix the listed findings in the repository's unit, reinstall it
    (`install -m 0644 systemd/<unit> /etc/systemd/system/`), remove local drop-ins that
    contradict it, `systemctl daemon-reload`.
    """

    code = "H141"
    name = "installed-units"
    section = "D"
    summary = "Installed quantum-* units (fragment + drop-ins) pass the unit rules"
    VALID = (HostExample(),)
    INVALID = (HostExample(texts={_UNIT: golden_backend().replace("User=qt", "User=root"),
                                  _REPO_UNIT: golden_backend().replace("User=qt", "User=root")},
                           status=FAIL, object=_UNIT),)

    def run(self, audit: Audit) -> Iterator[HostResult]:
        from qt_lint.secrets import redact_line

        s = audit.snapshot
        venvs = audit.config.contract.venv_root.rstrip("/") + "/"
        # a venv interpreter that is missing is H121's offence, not the unit's; a raw line
        # of systemd-analyze may quote a unit's text: redacted as the snapshot is
        analyze = [redact_line(line) for line in s.analyze.get("lines", [])
                   if not (f"Command {venvs}" in line and "is not executable" in line)]
        available = bool(s.analyze.get("available"))
        if not judged_fragments(audit):
            yield self.result(FAIL, "/etc/systemd/system",
                              f"installed {audit.config.contract.unit_prefix}* units",
                              "none installed")
        for fragment in judged_fragments(audit):
            name = os.path.basename(fragment)
            files = [fragment, *s.dropins.get(fragment, [])]
            unreadable = [f"{f}: {s.text(f).error}" for f in files if s.text(f).text is None]
            if unreadable:
                yield self.result(ERROR, fragment, "passes the QT4 rules",
                                  "; ".join(unreadable))
                continue
            findings = tuple(f for path in files
                             for f in audit.judge(path, Kind.UNIT, unit_codes()))
            notes = [line for line in analyze if name in line]
            actual = []
            if findings:
                actual.append(f"{len(findings)} finding(s)")
            actual += [f"systemd-analyze: {line}" for line in notes]
            verify = " and systemd-analyze verify" if available else ""
            refused = not_analysed(findings)
            yield self.result(ERROR if refused else FAIL if actual else PASS, fragment,
                              f"passes the QT4 rules (fragment and drop-ins){verify}",
                              "; ".join([*actual, *([refused] if refused else [])])
                              or "clean", findings)
        named = {os.path.basename(f) for f in s.units}
        other = [line for line in analyze if not any(n in line for n in named)]
        if other:
            yield self.result(FAIL, "systemd-analyze verify", "no complaint", "; ".join(other))
        if s.analyze.get("error"):
            yield self.result(ERROR, "systemd-analyze verify", "no complaint",
                              s.analyze["error"])
        elif not available and "available" in s.analyze and judged_fragments(audit):
            if audit.without_analyze:
                yield self.result(NA, "systemd-analyze verify", "no complaint",
                                  "not run: the operator opted out (--no-systemd-analyze)")
            else:
                yield self.result(ERROR, "systemd-analyze verify", "no complaint",
                                  "systemd-analyze is not installed: how systemd reads the "
                                  "units is not verified (install systemd, or opt out with "
                                  "--no-systemd-analyze)")
        for problem in s.unit_errors:
            yield self.result(ERROR, problem.split(":", 1)[0], "listed and read",
                              problem.split(":", 1)[-1].strip())


class UnitDrift(HostCheck):
    """
    ## What it does
    Compares each installed unit the audit judges with the repository's copy of the same
    name and shows the difference as a unified diff. The copy is `<repo>/systemd/<name>`
    (contract K installs from there); without one there, the only copy of that name
    anywhere in the repository; several copies and none in `systemd/` is reported as
    ambiguous (ERROR), and other copies beside `systemd/`'s are named in the result.

    ## Why is this bad?
    Contract K: a clean-slate install copies `systemd/*.service` from the repository. A
    unit edited on the server is lost at the next install, and what was reviewed is not
    what runs.

    ## Example
    `RestartSec=30` on the server, `RestartSec=10` in the repository.

    ## Use instead
    Change the unit in the repository, review it, install it from there.

    ## Remediation
    Port the server's change into the repository (or drop it), then reinstall the unit
    and `systemctl daemon-reload`.
    """

    code = "H142"
    name = "unit-drift"
    section = "K"
    summary = "An installed unit differs from the repository's copy (drift)"
    VALID = (HostExample(),)
    INVALID = (HostExample(texts={_UNIT: golden_backend().replace("RestartSec=10",
                                                                   "RestartSec=30")},
                           status=FAIL, object=_UNIT),
               HostExample(facts={"repo_units": {}}, status=FAIL, object=_UNIT))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        from qt_lint.fix import unified_diff
        from qt_lint.host.snapshot import same_text

        s = audit.snapshot
        for fragment in judged_fragments(audit):
            name = os.path.basename(fragment)
            installed = s.text(fragment).text
            if installed is None:
                yield self.result(ERROR, fragment, "same as the repository copy",
                                  s.text(fragment).error or "unreadable")
                continue
            repo_path, others = repo_copy(audit, name)
            if repo_path is None and others:
                yield self.result(ERROR, fragment, "one repository copy to compare with",
                                  f"{len(others)} copies, none in {s.repo_root}/systemd/: "
                                  + ", ".join(others))
                continue
            if repo_path is None:
                yield self.result(ERROR if s.repo_units_error else FAIL, fragment,
                                  "same as the repository copy",
                                  s.repo_units_error or "no copy in the repository")
                continue
            repo_text = s.text(repo_path).text
            same = repo_text is not None and same_text(s.text(repo_path), s.text(fragment))
            note = f" (also {len(others)} other copies: {', '.join(others)})" if others else ""
            if repo_text is None:
                yield self.result(ERROR, fragment, f"same as {repo_path}",
                                  (s.text(repo_path).error or "unreadable") + note)
            elif same:
                yield self.result(PASS, fragment, f"same as {repo_path}", "identical" + note)
            else:
                yield dataclasses.replace(
                    self.result(FAIL, fragment, f"same as {repo_path}",
                                unified_diff(name, repo_text, installed).rstrip() + note),
                    multiline=True)


def repo_copy(audit: Audit, name: str) -> tuple[str | None, list[str]]:
    """The repository copy a unit is compared with, and the other copies of its name:
    `<repo>/systemd/<name>` (where contract K installs from), else the only copy; several
    copies and none in `systemd/` is ambiguous (None)."""
    copies = sorted(audit.snapshot.repo_units.get(name, []))
    canonical = f"{audit.snapshot.repo_root}/systemd/{name}"
    if canonical in copies:
        return canonical, [c for c in copies if c != canonical]
    if len(copies) == 1:
        return copies[0], []
    return None, copies


class LiveProcesses(HostCheck):
    """
    ## What it does
    On a live host (systemd is PID 1), reads each quantum service's main process from
    `systemctl show` and `/proc`: it does not run as root, its working directory is the
    repository root, and it runs its venv's interpreter: the command line starts with the
    venv's `bin/python` (the kernel reports a venv's interpreter as its base interpreter in
    `/proc/PID/exe`, so that is checked against the venv's `pyvenv.cfg` `home=`). Offline
    (an image, a snapshot) the check is not applicable, and never a pass.

    ## Why is this bad?
    Contract J and D: the unit files may be right while the running process is not (a
    manual start, a unit not reloaded, an override elsewhere).

    ## Example
    `quantum-backend.service` running as uid 0 from `/root`.

    ## Use instead
    The process systemd started from the golden unit, as `qt`.

    ## Remediation
    `systemctl daemon-reload && systemctl restart <unit>`; find what started the process
    otherwise (`systemctl status`, `ps -o user,cmd`).
    """

    code = "H143"
    name = "live-processes"
    section = "J"
    summary = "Running quantum services: not root, cwd the repo root, executable in its venv"
    VALID = (HostExample(facts={"live": True, "services": {
        f"quantum-{name}.service": {
            "ActiveState": "active", "MainPID": "42", "uid": 1000,
            "cwd": "/home/qt/quantum_trader", "exe": "/usr/bin/python3.11",
            "argv": [f"/opt/quantum/venvs/{name}/bin/python", "-m", f"{name}.main"]}
        for name in ("backend", "ai-engine", "execution", "rl-agent")}}, offline=False),)
    INVALID = (HostExample(facts={"live": True, "services": {"quantum-backend.service": {
        "ActiveState": "active", "MainPID": "42", "uid": 0, "cwd": "/root",
        "exe": "/usr/bin/python3.11", "argv": ["/usr/bin/python3", "-m", "backend.main"]}}},
        offline=False, status=FAIL, object="quantum-backend.service"),
        HostExample(offline=False, status=ERROR, object=_UNIT))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        services = [f for f in judged_fragments(audit) if f.endswith(".service")]
        expected = "main process not root, cwd the repository root, executable in its venv"
        if not s.live:
            why = "not a live host (systemd is not PID 1, or --root/--snapshot-in)"
            for fragment in services or ["running services"]:
                yield self.result(NA if audit.offline else ERROR, fragment, expected,
                                  why + ("" if audit.offline else "; use --offline for images"))
            return
        for fragment in services:
            name = os.path.basename(fragment)
            info = s.services.get(name, {})
            if "error" in info or "process_error" in info:
                yield self.result(ERROR, name, expected,
                                  info.get("error") or info.get("process_error", ""))
                continue
            if info.get("ActiveState") != "active" or info.get("MainPID", "0") in ("", "0"):
                yield self.result(FAIL, name, expected,
                                  f"not running ({info.get('ActiveState', 'unknown')})")
                continue
            venv = c.venv_for_unit(name.rsplit(".", 1)[0])
            problems = []
            if info.get("uid") == 0:
                problems.append("runs as root")
            if info.get("cwd") != c.repo_root:
                problems.append(f"cwd {info.get('cwd')}")
            exe = str(info.get("exe", ""))
            argv = info.get("argv") or []
            problems += _interpreter_problems(audit, venv, argv[0] if argv else "", exe)
            yield self.result(FAIL if problems else PASS, name, expected,
                              "; ".join(problems) or f"pid {info.get('MainPID')}, uid "
                              f"{info.get('uid')}, {' '.join(argv[:3])}")


def _interpreter_problems(audit: Audit, venv: str | None, started: str, exe: str) -> list[str]:
    """Whether a process runs its venv's interpreter. The kernel reports a venv's
    `bin/python` as its base interpreter (`exe`), so the command line says which venv was
    started, and the venv's `pyvenv.cfg` says which base interpreter that must be."""
    from qt_lint.host.snapshot import pyvenv_values

    c = audit.config.contract
    if venv is None:
        return ["no venv is mapped to this unit (contract.service-venvs)"]
    base = f"{c.venv_root}/{venv}"
    if not started.startswith(f"{base}/bin/python"):
        return [f"started as {started or '?'}, not {base}/bin/python"]
    cfg = audit.snapshot.text(f"{base}/pyvenv.cfg")
    if cfg.text is None:
        return [f"{base}/pyvenv.cfg: {cfg.error}"]
    home = pyvenv_values(cfg.text).get("home", "").rstrip("/")
    if not (exe.startswith(f"{base}/") or (home and exe.startswith(f"{home}/"))):
        return [f"executable {exe} is neither in {base} nor its base interpreter (home={home})"]
    return []


class Identity(HostCheck):
    """
    ## What it does
    For each installed quantum service: the unit is named `quantum-<service>`, its env
    file `/etc/quantum/<service>.env` exists with `SERVICE_NAME=<service>`, and its
    `SyslogIdentifier=` is `quantum-<service>`; no env file, venv or unit is an orphan.

    ## Why is this bad?
    Contract D and H: one name ties a service's unit, environment, venv and journal
    together. A mismatch sends logs under another name, or loads another service's
    environment.

    ## Example
    `quantum-backend.service` reading `/etc/quantum/backend.env` with
    `SERVICE_NAME=api`.

    ## Use instead
    One service name everywhere.

    ## Remediation
    Rename to agree (unit, env file, `SERVICE_NAME=`, `SyslogIdentifier=`); remove orphan
    env files and venvs, or install their units.
    """

    code = "H144"
    name = "identity"
    section = "D"
    summary = "Unit, env file, venv, SERVICE_NAME= and SyslogIdentifier= agree; no orphans"
    VALID = (HostExample(),)
    INVALID = (HostExample(texts={"/etc/quantum/backend.env": "SERVICE_NAME=api\n"},
                           status=FAIL, object="quantum-backend.service"),
               HostExample(facts={"env_files": ["/etc/quantum/backend.env",
                                                "/etc/quantum/ai-engine.env",
                                                "/etc/quantum/execution.env",
                                                "/etc/quantum/rl-agent.env",
                                                "/etc/quantum/old.env"]},
                           status=FAIL, object="/etc/quantum/old.env"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        from qt_lint.parsers.envfile import parse_env
        from qt_lint.parsers.systemd import Unit, parse

        s = audit.snapshot
        c = audit.config.contract
        services = [f for f in judged_fragments(audit) if f.endswith(".service")]
        expected = ("unit, env file, venv, SERVICE_NAME= and SyslogIdentifier= name one "
                    "service")
        for fragment in services:
            unit_name = os.path.basename(fragment)
            stem = unit_name.rsplit(".", 1)[0]
            service = c.service_of_unit(stem)
            problems = []
            unread = ""
            if not stem.startswith(c.unit_prefix):
                problems.append(f"unit not named {c.unit_prefix}<service>")
            env_path = f"{c.env_dir}/{service}.env"
            env = s.text(env_path)
            if env.stat.kind == "missing":
                problems.append(f"no {env_path}")
            elif env.text is None:
                unread = f"{env_path}: {env.error}: SERVICE_NAME= not read"
            else:
                entry = parse_env(env.text).get("SERVICE_NAME")
                if entry is None or entry.value != service:
                    problems.append(f"SERVICE_NAME={entry.value if entry else '(missing)'}")
            text = s.text(fragment).text or ""
            docs = [parse(text, fragment, "service")]
            docs += [parse(s.text(u).text or "", u, "service")
                     for u in s.dropins.get(fragment, [])]
            ident = Unit(unit_name, docs[0], docs[1:]).last("Service", "SyslogIdentifier")
            if ident is None or ident.value != stem:
                problems.append(f"SyslogIdentifier={ident.value if ident else '(missing)'}")
            venv = c.venv_for_unit(stem)  # its existence is H121's
            if unread:  # what was never read never passes
                yield self.result(ERROR, unit_name, expected, "; ".join([*problems, unread]))
                continue
            yield self.result(FAIL if problems else PASS, unit_name, expected,
                              "; ".join(problems) or f"{service}: {env_path}, venv {venv}")
        if audit.service is not None:
            return
        names = {c.service_of_unit(os.path.basename(f).rsplit(".", 1)[0]) for f in services}
        for path in s.env_files:
            service = os.path.basename(path).removesuffix(".env")
            if os.path.basename(path) != c.common_env and service not in names:
                yield self.result(FAIL, path, "an env file of an installed unit",
                                  "orphan: no quantum unit reads it")
        used = {c.venv_for_unit(f"{c.unit_prefix}{n}") for n in names}
        for venv in c.venvs:
            if venv not in used and s.stat(f"{c.venv_root}/{venv}").kind == "dir":
                yield self.result(FAIL, f"{c.venv_root}/{venv}",
                                  "a venv of an installed unit", "orphan: no quantum unit uses it")
