"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from collections.abc import Sequence

from qt_lint.finding import Finding, Severity
from qt_lint.report import Summary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool, quiet: bool = False) -> str:
    lines = []
    for f in findings:
        kind = "error" if f.severity is Severity.ERROR else "warning"
        lines.append(
            f"::{kind} file={escape_property(f.path)},line={f.line},col={f.column},"
            f"title={escape_property(f.code + ' ' + f.name)}::{escape_data(f.message)}")
    return "".join(line + "\n" for line in lines)
