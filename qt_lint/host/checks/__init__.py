"""The H-checks: pure functions of a Snapshot. Fail closed: a check that cannot verify
reports `error`, which fails the audit like `fail`, and never stops the other checks."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qt_lint.config import Config
from qt_lint.finding import Finding, Kind
from qt_lint.host.snapshot import Snapshot, Stat

PASS, FAIL, ERROR, NA = "pass", "fail", "error", "n/a"


@dataclass(frozen=True)
class CheckResult:
    code: str
    status: str
    object: str
    expected: str = ""
    actual: str = ""
    findings: tuple[Finding, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Audit:
    snapshot: Snapshot
    config: Config
    offline: bool = False
    service: str | None = None

    def wanted(self, unit_or_service: str) -> bool:
        """--service narrows the audit to one service (by name or unit name)."""
        if self.service is None:
            return True
        c = self.config.contract
        name = unit_or_service.rsplit("/", 1)[-1].split(".", 1)[0]
        return self.service in (name, c.service_of_unit(name), f"{c.unit_prefix}{self.service}")

    def judge(self, path: str, kind: Kind, codes: frozenset[str]) -> list[Finding]:
        """The QT rules on a file of the snapshot, as in a repository check."""
        from qt_lint.classify import Target
        from qt_lint.engine import check_file
        from qt_lint.project import Project, RecordedFiles
        from qt_lint.settings import RunSettings

        text = self.snapshot.text(path).text or ""
        files = RecordedFiles({p: t.text for p, t in self.snapshot.texts.items()
                               if t.text is not None})
        project = Project(Path("/"), self.config, files, unit_paths=list(self.snapshot.units))
        result = check_file(Target(path, path, path.lstrip("/"), kind),
                            RunSettings.build(self.config, active=codes), project,
                            data=text.encode())
        return list(result.findings)


def describe(stat: Stat, snapshot: Snapshot) -> str:
    if stat.kind == "missing":
        return "missing"
    if stat.kind == "error":
        return f"unreadable ({stat.error})"
    mode = f"{stat.mode:04o}" if stat.mode is not None else "?"
    where = f" -> {stat.resolved or stat.target}" if stat.kind == "symlink" else ""
    return (f"{stat.kind}{where} {snapshot.owner(stat.uid)}:{snapshot.group(stat.gid)} "
            f"{mode}")


Check = Callable[[Audit], Iterator[CheckResult]]


def all_checks() -> dict[str, Check]:
    from qt_lint.host.checks import env, layout, ops, redis, units, venvs

    return {
        "H101": redis.h101_ping, "H102": redis.h102_persistence, "H103": redis.h103_loopback,
        "H111": layout.h111_repo, "H112": layout.h112_data, "H113": layout.h113_database,
        "H114": layout.h114_models, "H121": venvs.h121_venvs, "H131": env.h131_env_files,
        "H132": env.h132_not_writable, "H141": units.h141_units, "H142": units.h142_drift,
        "H143": units.h143_processes, "H144": units.h144_identity, "H151": ops.h151_wrapper,
        "H161": layout.h161_user,
    }


def run_checks(audit: Audit, only: tuple[str, ...] = ()) -> list[CheckResult]:
    results: list[CheckResult] = []
    for code, check in all_checks().items():
        if only and not any(code.startswith(o) for o in only):
            continue
        try:
            produced = list(check(audit))
        except Exception as exc:  # a broken check fails closed and the others still run
            produced = [CheckResult(code, ERROR, "audit", actual=f"internal error "
                                                                 f"({type(exc).__name__})")]
        results.extend(produced or [CheckResult(code, NA, "-", actual="nothing to check")])
    return results


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
