"""H141-H144: installed units as systemd sees them, drift, live processes, identity."""

from __future__ import annotations

import os
from collections.abc import Iterator

from qt_lint.finding import Kind
from qt_lint.host.checks import ERROR, FAIL, NA, PASS, Audit, CheckResult

UNIT_CODES = frozenset({
    "QT101", "QT103", "QT203", "QT205", "QT304", "QT400", "QT401", "QT402", "QT403", "QT404",
    "QT405", "QT406", "QT407", "QT408", "QT409", "QT410", "QT501", "QT601",
})


def _fragments(audit: Audit) -> list[str]:
    return [u for u in audit.snapshot.units if not u.endswith(".conf") and audit.wanted(u)]


def h141_units(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    venvs = audit.config.contract.venv_root.rstrip("/") + "/"
    # a venv interpreter that is missing is H121's offence, not the unit's
    analyze = [line for line in s.analyze.get("lines", [])
               if not (f"Command {venvs}" in line and "is not executable" in line)]
    if not _fragments(audit):
        yield CheckResult("H141", FAIL, "/etc/systemd/system",
                          f"installed {audit.config.contract.unit_prefix}* units",
                          "none installed")
    for fragment in _fragments(audit):
        name = os.path.basename(fragment)
        files = [fragment, *[u for u in s.units if u.startswith(f"{fragment}.d/")]]
        unreadable = [f"{f}: {s.text(f).error}" for f in files if s.text(f).text is None]
        if unreadable:
            yield CheckResult("H141", ERROR, fragment, "passes the QT4 rules",
                              "; ".join(unreadable))
            continue
        findings = tuple(f for path in files for f in audit.judge(path, Kind.UNIT, UNIT_CODES))
        notes = [line for line in analyze if name in line]
        actual = []
        if findings:
            actual.append(f"{len(findings)} finding(s)")
        actual += [f"systemd-analyze: {line}" for line in notes]
        yield CheckResult("H141", FAIL if actual else PASS, fragment,
                          "passes the QT4 rules (fragment and drop-ins)"
                          + (" and systemd-analyze verify" if s.analyze.get("available") else ""),
                          "; ".join(actual) or "clean", findings)
    named = {os.path.basename(f) for f in s.units}
    other = [line for line in analyze if not any(n in line for n in named)]
    if other:
        yield CheckResult("H141", FAIL, "systemd-analyze verify", "no complaint", "; ".join(other))


def h142_drift(audit: Audit) -> Iterator[CheckResult]:
    from qt_lint.fix import unified_diff

    s = audit.snapshot
    for fragment in _fragments(audit):
        name = os.path.basename(fragment)
        repo_path = s.repo_units.get(name)
        installed = s.text(fragment).text
        if installed is None:
            yield CheckResult("H142", ERROR, fragment, "same as the repository copy",
                              s.text(fragment).error or "unreadable")
            continue
        if repo_path is None:
            yield CheckResult("H142", FAIL, fragment, "same as the repository copy",
                              "no copy in the repository")
            continue
        repo_text = s.text(repo_path).text
        if repo_text is None:
            yield CheckResult("H142", ERROR, fragment, f"same as {repo_path}",
                              s.text(repo_path).error or "unreadable")
        elif repo_text == installed:
            yield CheckResult("H142", PASS, fragment, f"same as {repo_path}", "identical")
        else:
            yield CheckResult("H142", FAIL, fragment, f"same as {repo_path}",
                              unified_diff(name, repo_text, installed).rstrip())


def h143_processes(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    services = [f for f in _fragments(audit) if f.endswith(".service")]
    expected = "main process not root, cwd the repository root, executable in its venv"
    if not s.live:
        why = "not a live host (systemd is not PID 1, or --root/--snapshot-in)"
        for fragment in services or ["running services"]:
            yield CheckResult("H143", NA if audit.offline else ERROR, fragment, expected,
                              why + ("" if audit.offline else "; use --offline for images"))
        return
    for fragment in services:
        name = os.path.basename(fragment)
        info = s.services.get(name, {})
        if "error" in info or "process_error" in info:
            yield CheckResult("H143", ERROR, name, expected,
                              info.get("error") or info.get("process_error", ""))
            continue
        if info.get("ActiveState") != "active" or info.get("MainPID", "0") in ("", "0"):
            yield CheckResult("H143", FAIL, name, expected,
                              f"not running ({info.get('ActiveState', 'unknown')})")
            continue
        venv = c.venv_for_unit(name.rsplit(".", 1)[0])
        problems = []
        if info.get("uid") == 0:
            problems.append("runs as root")
        if info.get("cwd") != c.repo_root:
            problems.append(f"cwd {info.get('cwd')}")
        exe = str(info.get("exe", ""))
        if not exe.startswith(f"{c.venv_root}/{venv or ''}"):
            problems.append(f"executable {exe}")
        yield CheckResult("H143", FAIL if problems else PASS, name, expected,
                          "; ".join(problems) or f"pid {info.get('MainPID')}, uid "
                          f"{info.get('uid')}, {exe}")


def h144_identity(audit: Audit) -> Iterator[CheckResult]:
    from qt_lint.parsers.envfile import parse_env
    from qt_lint.parsers.systemd import Unit, parse

    s = audit.snapshot
    c = audit.config.contract
    services = [f for f in _fragments(audit) if f.endswith(".service")]
    expected = ("unit, env file, venv, SERVICE_NAME= and SyslogIdentifier= name one "
                "service")
    for fragment in services:
        unit_name = os.path.basename(fragment)
        stem = unit_name.rsplit(".", 1)[0]
        service = c.service_of_unit(stem)
        problems = []
        if not stem.startswith(c.unit_prefix):
            problems.append(f"unit not named {c.unit_prefix}<service>")
        env_path = f"{c.env_dir}/{service}.env"
        env = s.text(env_path)
        if env.stat.kind == "missing":
            problems.append(f"no {env_path}")
        elif env.text is not None:
            entry = parse_env(env.text).get("SERVICE_NAME")
            if entry is None or entry.value != service:
                problems.append(f"SERVICE_NAME={entry.value if entry else '(missing)'}")
        text = s.text(fragment).text or ""
        docs = [parse(text, fragment, "service")]
        docs += [parse(s.text(u).text or "", u, "service") for u in s.units
                 if u.startswith(f"{fragment}.d/")]
        ident = Unit(unit_name, docs[0], docs[1:]).last("Service", "SyslogIdentifier")
        if ident is None or ident.value != stem:
            problems.append(f"SyslogIdentifier={ident.value if ident else '(missing)'}")
        venv = c.venv_for_unit(stem)  # its existence is H121's
        yield CheckResult("H144", FAIL if problems else PASS, unit_name, expected,
                          "; ".join(problems) or f"{service}: {env_path}, venv {venv}")
    if audit.service is not None:
        return
    names = {c.service_of_unit(os.path.basename(f).rsplit(".", 1)[0]) for f in services}
    for path in s.env_files:
        service = os.path.basename(path).removesuffix(".env")
        if os.path.basename(path) != c.common_env and service not in names:
            yield CheckResult("H144", FAIL, path, "an env file of an installed unit",
                              "orphan: no quantum unit reads it")
    used = {c.venv_for_unit(f"{c.unit_prefix}{n}") for n in names}
    for venv in c.venvs:
        if venv not in used and s.stat(f"{c.venv_root}/{venv}").kind == "dir":
            yield CheckResult("H144", FAIL, f"{c.venv_root}/{venv}",
                              "a venv of an installed unit", "orphan: no quantum unit uses it")
