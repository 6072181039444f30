"""Host audit output: text for people, JSON for tools, JUnit XML for dashboards, and the
Prometheus text format for node_exporter's textfile collector. Every text that came from
the host (objects, evidence, findings) goes through `printable`: no control character
from a file reaches a terminal raw or breaks XML."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from qt_lint.host.check import HostResult
from qt_lint.report import printable
from qt_lint.report.json_format import finding_dict

STATUSES = ("pass", "fail", "error", "n/a")


@dataclass(frozen=True)
class Meta:
    """What a host report says of the run itself."""

    root: str
    hostname: str | None
    started: float  # Unix time
    duration: float  # seconds
    ok: bool


def summary(results: Sequence[HostResult]) -> dict[str, int]:
    counts = Counter(r.status for r in results)
    return {"checks": len(results), "pass": counts["pass"], "fail": counts["fail"],
            "error": counts["error"], "n/a": counts["n/a"]}


def one_line(text: str) -> str:
    """Host text on one line of the text report: control characters escaped (`printable`)
    and line breaks too, so a file name with a newline cannot start a forged `PASS`
    line."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def _finding_line(f: object) -> str:
    from qt_lint.finding import Finding

    assert isinstance(f, Finding)
    return one_line(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")


def text(results: Sequence[HostResult], color: bool, failures_only: bool = False) -> str:
    """For an operator: what did not pass first, each with what was expected, what was
    found and the remediation (once per check; later objects point back to it); then the
    passes; then what was not applicable, each reason once for the objects it covers.
    `failures_only` leaves the passes and the not applicable out (the summary stays)."""
    styles = {"pass": "\033[32m", "fail": "\033[31m", "error": "\033[35m", "n/a": "\033[33m"}
    lines: list[str] = []

    def head(r: HostResult) -> None:
        status = r.status.upper()
        if color:
            status = f"{styles[r.status]}{status}\033[0m" + " " * (5 - len(r.status))
        lines.append(f"{r.code} {status:<5} {one_line(r.object)}")

    def block(label: str, value: str, multiline: bool = False) -> None:
        # what the host holds is one line each (a newline in a file name forges nothing);
        # only a diff and our own remediation text keep their lines, each indented
        parts = value.split("\n") if multiline else [value]
        for index, part in enumerate(parts):
            lines.append((f"      {label:<13}" if index == 0 else " " * 19) + one_line(part))

    failing = [r for r in results if r.status in ("fail", "error")]
    explained: set[str] = set()
    for r in failing:
        head(r)
        block("expected:", r.expected)
        block("actual:", r.actual, r.multiline)
        for f in r.findings:
            lines.append(f"      {_finding_line(f)}")
        remedy = _remediation(r.code)
        if remedy and r.code not in explained:
            explained.add(r.code)
            block("remediation:", remedy, multiline=True)
        elif remedy:
            block("remediation:", f"as for {r.code} above (qt-lint explain {r.code})")
    if not failures_only:
        for r in results:
            if r.status == "pass":
                head(r)
                for f in r.findings:
                    lines.append(f"      {_finding_line(f)}")
        reasons: dict[tuple[str, str], list[HostResult]] = {}
        for r in results:
            if r.status == "n/a":
                reasons.setdefault((r.code, r.actual), []).append(r)
        for (_, reason), group in reasons.items():
            for r in group:
                head(r)
            block("n/a:", reason + (f" ({len(group)} objects)" if len(group) > 1 else ""))
    s = summary(results)
    lines.append(f"{s['checks']} checks: {s['pass']} passed, {s['fail']} failed, "
                 f"{s['error']} could not be verified, {s['n/a']} not applicable.")
    return "\n".join(lines) + "\n"


def _remediation(code: str) -> str:
    from qt_lint.host.checks import all_checks

    check = all_checks().get(code)
    return check.remediation() if check else ""


def as_json(results: Sequence[HostResult], meta: Meta) -> str:
    """Every result with its evidence (`actual`, for a pass as well), the remediation of
    what did not pass, and when, where and by which qt-lint the audit ran."""
    from qt_lint import __version__

    return json.dumps({
        "version": 2, "qt_lint_version": __version__, "root": meta.root,
        "hostname": meta.hostname,
        "time": dt.datetime.fromtimestamp(meta.started, dt.timezone.utc)
        .isoformat(timespec="seconds"),
        "duration_seconds": round(meta.duration, 3), "ok": meta.ok,
        "checks": [{"code": r.code, "status": r.status, "object": r.object,
                    "expected": r.expected, "actual": r.actual,
                    **({"remediation": _remediation(r.code)} if r.status in ("fail", "error")
                       else {}),
                    "findings": [finding_dict(f) for f in r.findings]} for r in results],
        "summary": summary(results),
    }, indent=2) + "\n"


def junit(results: Sequence[HostResult]) -> str:
    from qt_lint.report.junit_format import Case, document

    outcomes = {"fail": "failure", "error": "error", "n/a": "skipped"}
    cases = []
    for r in results:
        details = "\n".join([f"expected: {r.expected}", f"actual: {r.actual}",
                             *(_finding_line(f) for f in r.findings)])
        outcome = outcomes.get(r.status, "")
        message = r.actual if outcome == "skipped" else r.actual.split("\n")[0]
        cases.append(Case(r.code, printable(r.object), outcome, printable(message),
                          printable(details)))
    return document("qt-lint host", cases)


def _label(value: str) -> str:
    """A Prometheus label value: backslash, double quote and line feed escaped, other
    control characters as escapes."""
    value = printable(value)
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus(results: Sequence[HostResult], meta: Meta) -> str:
    """node_exporter's textfile format: for each check and object one sample per status
    (1 for the status it has, 0 for the others), counts by status, whether the audit
    passed, its start time, duration and qt-lint's version."""
    from qt_lint import __version__
    from qt_lint.host.checks import all_checks

    checks = all_checks()
    out = ["# HELP qt_lint_host_check_status A host check's status on one object "
           "(1 for its status).",
           "# TYPE qt_lint_host_check_status gauge"]
    seen: Counter[tuple[str, str]] = Counter()
    for r in results:
        seen[(r.code, r.object)] += 1
        obj = r.object if seen[(r.code, r.object)] == 1 else \
            f"{r.object} #{seen[(r.code, r.object)]}"
        name = checks[r.code].name if r.code in checks else ""
        for status in STATUSES:
            out.append(f'qt_lint_host_check_status{{code="{r.code}",name="{_label(name)}",'
                       f'object="{_label(obj)}",status="{status}"}} '
                       f"{1 if r.status == status else 0}")
    counts = summary(results)
    out += ["# HELP qt_lint_host_checks Host check results by status.",
            "# TYPE qt_lint_host_checks gauge"]
    out += [f'qt_lint_host_checks{{status="{s}"}} {counts[s]}' for s in STATUSES]
    out += ["# HELP qt_lint_host_ok 1 when every check passed.",
            "# TYPE qt_lint_host_ok gauge", f"qt_lint_host_ok {1 if meta.ok else 0}",
            "# HELP qt_lint_host_last_run_timestamp_seconds When the audit started.",
            "# TYPE qt_lint_host_last_run_timestamp_seconds gauge",
            f"qt_lint_host_last_run_timestamp_seconds {meta.started:.3f}",
            "# HELP qt_lint_host_duration_seconds How long the audit took.",
            "# TYPE qt_lint_host_duration_seconds gauge",
            f"qt_lint_host_duration_seconds {meta.duration:.3f}",
            "# HELP qt_lint_host_info The qt-lint that ran the audit, and on what.",
            "# TYPE qt_lint_host_info gauge",
            f'qt_lint_host_info{{version="{_label(__version__)}",'
            f'hostname="{_label(meta.hostname or "")}",root="{_label(meta.root)}"}} 1']
    return "\n".join(out) + "\n"
