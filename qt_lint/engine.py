"""Checking one file: read -> parse (lazily, once per kind) -> rules -> filter.

Everything here runs in worker processes too, so it takes and returns plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from qt_lint.config import Config
from qt_lint.context import FileContext, ParseError
from qt_lint.discover import matches
from qt_lint.finding import Finding, Kind
from qt_lint.project import Project
from qt_lint.registry import expand, known_codes, rules_for
from qt_lint.rule import passes
from qt_lint.source import Text, Unreadable, decode, read_text
from qt_lint.suppress import Directive, parse_directives


@dataclass(frozen=True, slots=True)
class FileResult:
    findings: tuple[Finding, ...]
    fixed_text: str | None = None  # set when fixes changed the text
    original: Text | None = None


def check_file(path: str, abspath: str, relpath: str, kind: Kind, config: Config,
               active: frozenset[str], project: Project | None = None,
               data: bytes | None = None, today: dt.date | None = None,
               fix: bool = False, unsafe_fixes: bool = False) -> FileResult:
    """All findings of one file, filtered. `data` replaces reading the file (stdin)."""
    from pathlib import Path

    try:
        source = decode(data, config.max_file_size) if data is not None else read_text(
            Path(abspath), config.max_file_size)
    except Unreadable as exc:
        found = []
        if "QT001" in active:
            found.append(_qt001(path, exc.line, exc.column, exc.message))
        # Rules that judge only the name still apply to a file that cannot be read.
        ctx = FileContext(path, relpath, kind, Text(""), config, project)
        for rule in rules_for(kind, active):
            if not rule.needs_text:
                found.extend(rule.check(ctx))
        findings = _filter(found, [], path, relpath, config, active, known_codes(), today)
        return FileResult(tuple(sorted(anchored(findings, ""))))

    findings = _analyse(path, abspath, relpath, kind, source, config, active, project, today)
    if not fix:
        return FileResult(tuple(sorted(findings)))
    from qt_lint.fix import apply_fixes

    text = source.text
    for _ in range(MAX_FIX_PASSES):
        fixed = apply_fixes(text, findings, unsafe_fixes)
        if fixed is None:
            break
        text = fixed
        findings = _analyse(path, abspath, relpath, kind, replace(source, text=text), config,
                            active, project, today)
    changed = text if text != source.text else None
    return FileResult(tuple(sorted(findings)), changed, source)


MAX_FIX_PASSES = 5


def _analyse(path: str, abspath: str, relpath: str, kind: Kind, source: Text, config: Config,
             active: frozenset[str], project: Project | None,
             today: dt.date | None) -> list[Finding]:
    ctx = FileContext(path, relpath, kind, source, config, project, abspath)
    raw: list[Finding] = []
    parse_failed: ParseError | None = None
    examined = False
    for rule in rules_for(kind, active):
        if not passes(rule.prefilter_for(kind, config.contract), source.text):
            continue
        examined = True
        try:
            raw.extend(rule.check(ctx))
        except ParseError as exc:
            parse_failed = parse_failed or exc
        except RecursionError:
            parse_failed = parse_failed or ParseError("too deeply nested to analyse")
        except Exception as exc:  # a rule bug must not end the run nor hide the file
            raw.append(_qt001(path, 1, 1,
                              f"internal error in {rule.code} ({type(exc).__name__}); "
                              "the file was not fully analysed, please report this"))
    if "QT001" in active and (examined or kind is not Kind.PYTHON
                              or _unselected_rule_applies(kind, source.text, config, active)):
        # Everything is parsed, except Python files in which no rule can fire (their text
        # proves them clean; parsing the other 95% would double the cost of a run)
        try:
            ctx.parse()
        except ParseError as exc:
            parse_failed = parse_failed or exc
        problems = ([parse_failed] if parse_failed else []) + ctx.recovered
        seen: set[int] = set()
        for problem in problems:
            if problem.line not in seen:
                seen.add(problem.line)
                raw.append(_qt001(path, problem.line, problem.column, problem.message))
    directives = parse_directives(source.text, kind)
    kept = _filter(raw, directives, path, relpath, config, active, known_codes(), today)
    return anchored(kept, source.text)


def anchored(findings: list[Finding], text: str) -> list[Finding]:
    """Each finding with a fingerprint of its code and the offending line's text, so that a
    baseline or a code-scanning service recognises it when lines move."""
    if not findings:
        return findings
    import hashlib

    lines = text.split("\n")
    out = []
    for f in findings:
        line = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        basis = f"{f.code}\0{' '.join(line.split())}\0{f.message if not line.strip() else ''}"
        digest = hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:20]
        out.append(replace(f, anchor=digest))
    return out


def _unselected_rule_applies(kind: Kind, text: str, config: Config,
                             active: frozenset[str]) -> bool:
    """A rule that was not selected could fire on this text (so QT001's answer does not
    depend on the selection). The selected ones were just asked: they are not asked again."""
    return any(passes(rule.prefilter_for(kind, config.contract), text)
               for rule in rules_for(kind, known_codes()) if rule.code not in active)


def _qt001(path: str, line: int, column: int, message: str) -> Finding:
    from qt_lint.rules.meta.qt001_parse_error import ParseErrorRule as R

    return Finding(path, line, column, R.code, message, R.severity, R.name, R.section)


def _filter(raw: Iterable[Finding], directives: list[Directive], path: str, relpath: str,
            config: Config, active: frozenset[str], meta: frozenset[str],
            today: dt.date | None) -> list[Finding]:
    today = today or dt.date.today()
    ignored: set[str] = set()
    for glob, codes in config.per_file_ignores:
        if matches(relpath, (glob,)):
            ignored |= expand(codes)
    overrides = dict(config.severity)
    unsuppressible = expand(config.unsuppressible)
    by_line: dict[int, list[Directive]] = {}
    file_level: list[Directive] = []
    for d in directives:
        if d.problem or d.expired(today):
            continue
        if d.target is None:
            file_level.append(d)
        else:
            by_line.setdefault(d.target, []).append(d)

    kept: list[Finding] = []
    for finding in raw:
        if finding.code in ignored:
            continue
        if finding.code not in unsuppressible and _suppressed(finding, by_line, file_level):
            continue
        kept.append(finding)

    kept.extend(_directive_findings(directives, active, today, config, meta, path))
    out = []
    for finding in kept:
        if finding.code in ignored:
            continue
        if finding.code in overrides:
            finding = replace(finding, severity=overrides[finding.code])
        out.append(finding)
    return out


def _suppressed(finding: Finding, by_line: dict[int, list[Directive]],
                file_level: list[Directive]) -> bool:
    for d in (*by_line.get(finding.line, ()), *file_level):
        if finding.code in d.codes:
            d.used.add(finding.code)
            return True
    return False


def _directive_findings(directives: list[Directive], active: frozenset[str], today: dt.date,
                        config: Config, meta: frozenset[str], path: str) -> list[Finding]:
    from qt_lint.rules.meta.qt002_unused_suppression import UnusedSuppression as Q2
    from qt_lint.rules.meta.qt003_suppression_without_reason import (
        SuppressionWithoutReason as Q3,
    )

    out: list[Finding] = []
    unsuppressible = expand(config.unsuppressible)
    for d in directives:
        if "QT002" in active:
            message = ""
            if d.problem:
                message = f"suppression {d.problem}"
            elif d.expired(today):
                message = (f"suppression of {', '.join(d.codes)} expired on {d.until}; "
                           "it no longer suppresses")
            else:
                for code in d.codes:
                    if code not in meta:
                        message = f"suppression names unknown rule code {code}"
                        break
                    if code in unsuppressible:
                        message = (f"{code} cannot be suppressed inline (configured "
                                   "`unsuppressible`); use a reviewed baseline")
                        break
                    if code in active and code not in d.used:
                        where = "in this file" if d.target is None else "on its line"
                        message = f"unused suppression: {code} did not fire {where}"
                        break
            if message:
                out.append(Finding(path, d.line, d.column, Q2.code, message, Q2.severity,
                                   Q2.name, Q2.section))
        if ("QT003" in active and config.require_suppression_reason and not d.reason
                and not d.problem):
            out.append(Finding(path, d.line, d.column, Q3.code,
                               "suppression gives no reason (require-suppression-reason)",
                               Q3.severity, Q3.name, Q3.section))
    return out
