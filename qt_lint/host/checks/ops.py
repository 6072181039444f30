"""H151: the ops wrapper exists and is executable; the Makefile goes through it."""

from __future__ import annotations

from collections.abc import Iterator

from qt_lint.finding import Kind
from qt_lint.host.checks import ERROR, FAIL, PASS, Audit, CheckResult, describe


def h151_wrapper(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    path = f"{c.repo_root}/{c.wrapper}"
    info = s.stat(path)
    if info.kind == "error":
        yield CheckResult("H151", ERROR, path, "an executable file", describe(info, s))
    else:
        yield CheckResult("H151", PASS if info.executable else FAIL, path,
                          "an executable file", describe(info, s))
    makefile = f"{c.repo_root}/Makefile"
    got = s.text(makefile)
    if got.text is None:
        status = FAIL if got.stat.kind == "missing" else ERROR
        yield CheckResult("H151", status, makefile, "passes QT102", got.error or "missing")
        return
    findings = tuple(audit.judge(makefile, Kind.MAKEFILE, frozenset({"QT102"})))
    yield CheckResult("H151", FAIL if findings else PASS, makefile, "passes QT102",
                      f"{len(findings)} finding(s)" if findings else "every recipe uses "
                      f"{c.wrapper}", findings)
