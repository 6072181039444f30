"""Inline suppressions: `# qt-lint: ignore[CODE,...] reason` and `# qt-lint: ignore-file[...]`.

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
import re
from dataclasses import dataclass, field

from qt_lint.finding import Kind

_DIRECTIVE = re.compile(
    r"(?P<lead>^\s*|\s)(?P<mark>[#;])\s*qt-lint:\s*(?P<what>ignore-file|ignore)\b"
    r"(?:\[(?P<codes>[^\]]*)\])?"
    r"(?:\s+until=(?P<until>\S+))?"
    r"(?P<reason>.*)$"
)
_CODE = re.compile(r"^QT\d{3}$")
# Kinds whose syntax has only whole-line comments.
_WHOLE_LINE_ONLY = frozenset({Kind.UNIT, Kind.ENV})


@dataclass
class Directive:
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
    lines = text.split("\n")
    comments = _python_comments(text) if kind is Kind.PYTHON else None
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
        if not standalone and kind in _WHOLE_LINE_ONLY:
            continue
        if match.group("mark") == ";" and kind not in _WHOLE_LINE_ONLY:
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
            target = _next_code_line(lines, index, kind)
        else:
            target = index + 1
        out.append(Directive(
            line=index + 1, column=match.start("mark") + 1, target=target, codes=codes,
            reason=reason, until=until, problem=problem,
        ))
    return out


def _python_comments(text: str) -> set[tuple[int, int]] | None:
    """Positions of the `#` of every Python comment; None when the file does not tokenize
    (then every directive-shaped line counts, and the parse error is reported anyway)."""
    import io
    import tokenize

    found = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "qt-lint:" in tok.string:
                found.add(tok.start)
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


def _next_code_line(lines: list[str], index: int, kind: Kind) -> int | None:
    marks = ("#", ";") if kind in _WHOLE_LINE_ONLY else ("#",)
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith(marks):
            return later + 1
    return None
