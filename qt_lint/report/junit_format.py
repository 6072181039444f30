"""JUnit XML, the one writer for `qt-lint check` (a test case per rule and file) and
`qt-lint host` (a test case per check and object), for every CI dashboard that reads tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr

from qt_lint.finding import Finding
from qt_lint.report import Summary


@dataclass(frozen=True)
class Case:
    """One test case of the JUnit report."""

    classname: str
    name: str
    outcome: str = ""  # "" (passed), "failure", "error" or "skipped"
    message: str = ""
    body: str = ""


def document(suite: str, cases: Sequence[Case]) -> str:
    """A `<testsuites>` document with one suite of `cases`, counts on both elements."""
    counts = {o: sum(1 for c in cases if c.outcome == o) for o in ("failure", "error", "skipped")}
    attrs = (f'name={quoteattr(suite)} tests="{len(cases)}" failures="{counts["failure"]}" '
             f'errors="{counts["error"]}" skipped="{counts["skipped"]}"')
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<testsuites {attrs}>",
           f"  <testsuite {attrs}>"]
    for case in cases:
        head = f"    <testcase classname={quoteattr(case.classname)} name={quoteattr(case.name)}"
        if not case.outcome:
            out.append(head + "/>")
            continue
        out.append(head + ">")
        if case.outcome == "skipped":
            out.append(f"      <skipped message={quoteattr(case.message)}/>")
        else:
            out.append(f"      <{case.outcome} message={quoteattr(case.message)}>"
                       f"{escape(case.body)}</{case.outcome}>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def render(findings: Sequence[Finding], summary: Summary, *, color: bool,
           statistics: bool, quiet: bool = False) -> str:
    cases = []
    ordered = sorted(findings, key=lambda f: (f.code, f.path, f.line, f.column))
    for (code, path), group in groupby(ordered, key=lambda f: (f.code, f.path)):
        items = list(group)
        body = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in items)
        cases.append(Case(code, path, "failure", f"{len(items)} x {code} {items[0].name}", body))
    return document("qt-lint", cases or [Case("qt-lint", "all files")])
