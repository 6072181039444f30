"""The host checks, by code: one `HostCheck` class each, grouped in modules by what they
look at (Redis, layout, venvs, env files, units, ops). Pure functions of a Snapshot.
Fail closed: a check that cannot verify reports `error`, which fails the audit like
`fail`, and never stops the other checks."""

from __future__ import annotations

import functools

from qt_lint.host.check import ERROR, NA, Audit, HostCheck, HostResult


@functools.cache
def all_checks() -> dict[str, type[HostCheck]]:
    """Every host check by code, in code order: the checks the modules of this package
    define (`qt_lint.plugins`, as rules are found)."""
    from qt_lint.plugins import by_code, defined_in, modules_of

    return by_code(check for name in modules_of(__name__)
                   for check in defined_in(f"{__name__}.{name}", HostCheck))


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
