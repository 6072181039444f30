"""`path:line:col: CODE message`, then a summary line. Colour only on a TTY."""

from __future__ import annotations

from collections.abc import Sequence

from qt_lint.finding import Finding, Severity
from qt_lint.report import Summary

BOLD, RED, YELLOW, CYAN, RESET = "\033[1m", "\033[31m", "\033[33m", "\033[36m", "\033[0m"


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool, quiet: bool = False) -> str:
    """The findings (or, with `statistics`, a count per code instead, as ruff does) and a
    summary; `quiet` leaves the summary out."""
    def paint(text: str, *styles: str) -> str:
        return "".join(styles) + text + RESET if color else text

    lines = []
    for f in findings if not statistics else ():
        code_style = RED if f.severity is Severity.ERROR else YELLOW
        fixable = " [*]" if f.fix and f.fix.safe else ""
        lines.append(
            f"{paint(f.path, BOLD)}:{f.line}:{f.column}: "
            f"{paint(f.code, BOLD, code_style)}{fixable} {f.message}"
        )
    if statistics and summary.by_code:
        names = {f.code: f.name for f in findings}
        width = max(len(str(n)) for n in summary.by_code.values())
        ordered = sorted(summary.by_code.items(), key=lambda kv: (-kv[1], kv[0]))
        for code, number in ordered:
            lines.append(f"{number:>{width}}  {code}  {names.get(code, '')}")
    if quiet:
        return "".join(line + "\n" for line in lines)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    files = f"{summary.files} file{'s' if summary.files != 1 else ''}"
    if findings:
        with_findings = len({f.path for f in findings})
        parts = []
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        n_fixable = sum(1 for f in findings if f.fix and f.fix.safe)
        tail = f" ({n_fixable} fixable {_how_to_fix()})" if n_fixable else ""
        where = files if with_findings == summary.files else \
            f"{with_findings} of {files} checked"
        lines.append(f"Found {' and '.join(parts)} in {where}.{tail}")
    else:
        lines.append(paint(f"All checks passed ({files} checked).", CYAN))
    if summary.baselined or summary.stale:
        plural = "ies" if summary.stale != 1 else "y"
        lines.append(f"{summary.baselined} finding{'s' if summary.baselined != 1 else ''} in the "
                     f"baseline; {summary.stale} baseline entr{plural} no longer match "
                     "(stale: remove them with --write-baseline).")
    if summary.baselined_fixable:
        n = summary.baselined_fixable
        lines.append(f"{n} baselined finding{'s are' if n != 1 else ' is'} fixable: "
                     "--fix-baselined fixes them and updates the baseline.")
    if summary.fixed:
        lines.append(f"Fixed {summary.fixed} file{'s' if summary.fixed != 1 else ''}.")
    return "\n".join(lines) + "\n"


def _how_to_fix() -> str:
    """What the reader types: a pre-commit hook's user does not run qt-lint by hand
    (pre-commit sets PRE_COMMIT=1 in its hooks' environment)."""
    import os

    if os.environ.get("PRE_COMMIT") == "1":
        return "with `args: [--fix]` on the qt-lint hook, or `qt-lint check --fix`"
    return "with --fix"
