"""The host checks, by code: one `HostCheck` class each, grouped in modules by what they
look at (Redis, layout, venvs, env files, units, ops). Pure functions of a Snapshot.
Fail closed: a check that cannot verify reports `error`, which fails the audit like
`fail`, and never stops the other checks."""

from __future__ import annotations

import functools
import importlib

from qt_lint.host.check import ERROR, NA, Audit, HostCheck, HostResult

CHECK_MODULES = ("redis", "layout", "venvs", "env", "units", "ops", "models")


@functools.cache
def all_checks() -> dict[str, type[HostCheck]]:
    """Every host check by code, in code order."""
    found: dict[str, type[HostCheck]] = {}
    for name in CHECK_MODULES:
        module = importlib.import_module(f"qt_lint.host.checks.{name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, HostCheck) and obj is not HostCheck \
                    and obj.__module__ == module.__name__:
                if obj.code in found:
                    raise RuntimeError(f"{obj.code} is defined twice")
                found[obj.code] = obj
    return dict(sorted(found.items()))


def run_checks(audit: Audit, only: tuple[str, ...] = ()) -> list[HostResult]:
    results: list[HostResult] = []
    for code, check in all_checks().items():
        if only and not any(code.startswith(o) for o in only):
            continue
        try:
            produced = list(check().run(audit))
        except Exception as exc:  # a broken check fails closed and the others still run
            produced = [HostResult(code, ERROR, "audit",
                                   actual=f"internal error ({type(exc).__name__})")]
        results.extend(produced or [HostResult(code, NA, "-", actual="nothing to check")])
    return results
