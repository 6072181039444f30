"""Inline suppressions, from the comment to the report: `# qt-lint: ignore[CODE,...] reason`
and `# qt-lint: ignore-file[...]` are parsed here (`parse_directives`), applied here
(`apply`), and the directives that are malformed, unused, expired, name an unknown or
unsuppressible code (QT002) or give no reason when reasons are required (QT003) are
reported here. Nothing else in qt-lint knows how a suppression works.

Placement:
- at the end of the offending line (where the file kind allows trailing comments:
  Python, shell, Makefile, crontab, Dockerfile, YAML);
- on a comment line of its own, where it applies to the next line that is neither blank
  nor a comment. This is the only form in systemd units and env files, whose syntax has
  no trailing comments (`User=root # x` sets the user to `root # x`).
`ignore-file[...]` anywhere in the file suppresses those codes for the whole file.
An optional `until=YYYY-MM-DD` after the codes makes the suppression expire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from qt_lint import kinds, lazyre
from qt_lint.finding import Finding, Kind
from qt_lint.record import field, record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.settings import RunSettings

_DIRECTIVE = lazyre.compile(
    r"(?P<lead>^\s*|\s)(?P<mark>[#;])\s*qt-lint:\s*(?P<what>ignore-file|ignore)\b"
    r"(?:\[(?P<codes>[^\]]*)\])?"
    r"(?:\s+until=(?P<until>\S+))?"
    r"(?P<reason>.*)$"
)
_CODE = lazyre.compile(r"^QT\d{3}$")


@record
class Directive:
    """One suppression comment (`qt-lint: ignore[...]`)."""

    line: int
    column: int
    target: int | None  # the line it suppresses; None for ignore-file
    codes: tuple[str, ...]
    reason: str
    until: dt.date | None = None
    problem: str = ""  # why the directive itself is malformed
    used: set[str] = field(default_factory=set)

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and self.until < today


def parse_directives(text: str, kind: Kind) -> list[Directive]:
    if "qt-lint:" not in text:
        return []
    syntax = kinds.of(kind)  # the kind's comment syntax
    lines = text.split("\n")
    comments = syntax.comment_positions(text)
    out: list[Directive] = []
    for index, line in enumerate(lines):
        if "qt-lint:" not in line:
            continue
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        if comments is not None and (index + 1, match.start("mark")) not in comments:
            continue  # inside a string or docstring, not a comment
        standalone = not line[: match.start("mark")].strip()
        if not standalone and not syntax.trailing_comments:
            continue
        if match.group("mark") not in syntax.comment_marks:
            continue
        raw_codes = match.group("codes")
        codes = tuple(c.strip() for c in (raw_codes or "").split(",") if c.strip())
        problem = ""
        if not codes:
            problem = "names no rule code (write `qt-lint: ignore[QT201] reason`)"
        elif bad := [c for c in codes if not _CODE.match(c)]:
            problem = f"names an invalid rule code {bad[0]!r}"
        until = None
        if match.group("until"):
            try:
                until = dt.date.fromisoformat(match.group("until"))
            except ValueError:
                problem = f"has an invalid expiry date {match.group('until')!r} (want YYYY-MM-DD)"
        reason = match.group("reason").strip().lstrip(":-\u2014\u2013").strip()
        target: int | None
        if match.group("what") == "ignore-file":
            target = None
        elif standalone:
            target = _next_code_line(lines, index, syntax.comment_marks)
        else:
            target = index + 1
        out.append(Directive(
            line=index + 1, column=match.start("mark") + 1, target=target, codes=codes,
            reason=reason, until=until, problem=problem,
        ))
    return out


def _next_code_line(lines: list[str], index: int, marks: tuple[str, ...]) -> int | None:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith(marks):
            return later + 1
    return None


def apply(findings: Iterable[Finding], directives: list[Directive], path: str,
          settings: RunSettings) -> list[Finding]:
    """The findings no directive suppresses, then the directives' own findings (QT002 for
    malformed, unused, expired, unknown or unsuppressible codes; QT003 without a reason)."""
    by_line: dict[int, list[Directive]] = {}
    file_level: list[Directive] = []
    for d in directives:
        if d.problem or d.expired(settings.today):
            continue
        if d.target is None:
            file_level.append(d)
        else:
            by_line.setdefault(d.target, []).append(d)
    kept = [f for f in findings
            if f.code in settings.unsuppressible or not _suppressed(f, by_line, file_level)]
    kept.extend(_directive_findings(directives, path, settings))
    return kept


def _suppressed(finding: Finding, by_line: dict[int, list[Directive]],
                file_level: list[Directive]) -> bool:
    for d in (*by_line.get(finding.line, ()), *file_level):
        if finding.code in d.codes:
            d.used.add(finding.code)
            return True
    return False


def _problem(d: Directive, settings: RunSettings) -> str:
    """What is wrong with a directive (QT002's message), or ""."""
    if d.problem:
        return f"suppression {d.problem}"
    if d.expired(settings.today):
        return (f"suppression of {', '.join(d.codes)} expired on {d.until}; "
                "it no longer suppresses")
    for code in d.codes:
        if code not in settings.known:
            return f"suppression names unknown rule code {code}"
        if code in settings.unsuppressible:
            return (f"{code} cannot be suppressed inline (configured "
                    "`unsuppressible`); use a reviewed baseline")
        if code in settings.active and code not in d.used:
            where = "in this file" if d.target is None else "on its line"
            return f"unused suppression: {code} did not fire {where}"
    return ""


def _directive_findings(directives: list[Directive], path: str,
                        settings: RunSettings) -> list[Finding]:
    from qt_lint.registry import rule

    out: list[Finding] = []
    for d in directives:
        message = _problem(d, settings) if "QT002" in settings.active else ""
        if message:
            q2 = rule("QT002")
            out.append(Finding(path, d.line, d.column, q2.code, message, q2.severity,
                               q2.name, q2.section))
        if ("QT003" in settings.active and settings.config.require_suppression_reason
                and not d.reason and not d.problem):
            q3 = rule("QT003")
            out.append(Finding(path, d.line, d.column, q3.code,
                               "suppression gives no reason (require-suppression-reason)",
                               q3.severity, q3.name, q3.section))
    return out
