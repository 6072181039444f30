"""The host checks, by code: one `HostCheck` class each, grouped in modules by what they
look at (Redis, layout, venvs, env files, units, ops, privilege). Pure functions of a Snapshot.
Fail closed: a check that cannot verify reports `error`, which fails the audit like
`fail`, and never stops the other checks."""

from __future__ import annotations

import functools

from qt_lint.host.check import ERROR, FAIL, Audit, HostCheck, HostResult


@functools.cache
def all_checks() -> dict[str, type[HostCheck]]:
    """Every host check by code, in code order: the checks the modules of this package
    define (`qt_lint.plugins`, as rules are found)."""
    from qt_lint.plugins import by_code, defined_in, modules_of

    return by_code(check for name in modules_of(__name__)
                   for check in defined_in(f"{__name__}.{name}", HostCheck))


def run_checks(audit: Audit, only: tuple[str, ...] = (),
               deadline: float | None = None) -> list[HostResult]:
    """Every selected check's results. A check that finds nothing to judge fails (a host
    without what the contract requires is not compliant: "found nothing" is never a pass,
    and N/A is only what a check itself documents). Past `deadline` (monotonic), what is
    left is ERROR: the time limit bounds judging as well as collecting."""
    import time

    results: list[HostResult] = []
    for code, check in all_checks().items():
        if only and not any(code.startswith(o) for o in only):
            continue
        if deadline is not None and time.monotonic() > deadline:
            results.append(HostResult(code, ERROR, "audit", actual=TIME_UP))
            continue
        produced: list[HostResult] = []
        try:
            for result in check().run(audit):
                produced.append(result)
                if deadline is not None and time.monotonic() > deadline:
                    produced.append(HostResult(code, ERROR, "audit",
                                               actual=f"{TIME_UP} (the rest of {code})"))
                    break
        except Exception as exc:  # a broken check fails closed and the others still run
            produced.append(HostResult(code, ERROR, "audit",
                                       actual=f"internal error ({type(exc).__name__})"))
        results.extend(produced or [HostResult(code, FAIL, "-", expected="something to judge",
                                               actual="found nothing to judge")])
    return results


TIME_UP = "the audit's time limit was reached before this was judged"
