"""JUnit XML: one test case per rule and file, for every CI dashboard that reads tests."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr

from qt_lint.finding import Finding
from qt_lint.report import Summary


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool) -> str:
    cases = []
    ordered = sorted(findings, key=lambda f: (f.code, f.path, f.line, f.column))
    for (code, path), group in groupby(ordered, key=lambda f: (f.code, f.path)):
        items = list(group)
        body = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in items)
        cases.append(
            f"    <testcase classname={quoteattr(code)} name={quoteattr(path)}>\n"
            f"      <failure message={quoteattr(f'{len(items)} x {code} {items[0].name}')}>"
            f"{escape(body)}</failure>\n    </testcase>")
    if not cases:
        cases.append('    <testcase classname="qt-lint" name="all files"/>')
    counts = f'tests="{len(cases)}" failures="{len(cases) if findings else 0}"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="qt-lint" {counts}>\n'
        f'  <testsuite name="qt-lint" {counts}>\n'
        + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n")
