"""Host audit output: text for people, JSON for tools, JUnit XML for dashboards."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from qt_lint.host.check import HostResult
from qt_lint.report.json_format import finding_dict


def summary(results: Sequence[HostResult]) -> dict[str, int]:
    counts = Counter(r.status for r in results)
    return {"checks": len(results), "pass": counts["pass"], "fail": counts["fail"],
            "error": counts["error"], "n/a": counts["n/a"]}


def text(results: Sequence[HostResult], color: bool) -> str:
    styles = {"pass": "\033[32m", "fail": "\033[31m", "error": "\033[35m", "n/a": "\033[33m"}
    lines = []
    for r in results:
        status = r.status.upper()
        if color:
            status = f"{styles[r.status]}{status}\033[0m"
        lines.append(f"{r.code} {status:<5} {r.object}")
        if r.status != "pass":
            lines.append(f"      expected: {r.expected}")
            for index, part in enumerate(r.actual.split("\n")):
                lines.append(("      actual:   " if index == 0 else "                ") + part)
        for f in r.findings:
            lines.append(f"      {f.path}:{f.line}:{f.column}: {f.code} {f.message}")
    s = summary(results)
    lines.append(f"{s['checks']} checks: {s['pass']} passed, {s['fail']} failed, "
                 f"{s['error']} could not be verified, {s['n/a']} not applicable.")
    return "\n".join(lines) + "\n"


def as_json(results: Sequence[HostResult], root: str) -> str:
    return json.dumps({
        "version": 1, "root": root,
        "checks": [{"code": r.code, "status": r.status, "object": r.object,
                    "expected": r.expected, "actual": r.actual,
                    "findings": [finding_dict(f) for f in r.findings]} for r in results],
        "summary": summary(results),
    }, indent=2) + "\n"


def junit(results: Sequence[HostResult]) -> str:
    from qt_lint.report.junit_format import Case, document

    outcomes = {"fail": "failure", "error": "error", "n/a": "skipped"}
    cases = []
    for r in results:
        details = "\n".join([f"expected: {r.expected}", f"actual: {r.actual}",
                             *(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}"
                               for f in r.findings)])
        outcome = outcomes.get(r.status, "")
        message = r.actual if outcome == "skipped" else r.actual.split("\n")[0]
        cases.append(Case(r.code, r.object, outcome, message, details))
    return document("qt-lint host", cases)
