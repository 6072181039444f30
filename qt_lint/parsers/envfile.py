"""Env files read the way systemd's `EnvironmentFile=` reads them, positions kept.

- `KEY=VALUE` per line; whitespace around the key and before the value is ignored;
- lines starting with `#` or `;` are comments (whole lines only: `A=x # y` is `x # y`);
- values may be quoted with `"..."` (backslash escapes `\\"`, `\\\\`, `\\$`, `\\``, `\\n`)
  or `'...'` (literal), and quotes may span lines; an unquoted value ends at the line end,
  trailing whitespace dropped;
- a backslash at the end of an unquoted line continues the value on the next line;
- the `export KEY=value` form that shell-sourced env files use is accepted too.

A line that is none of these is a problem (systemd ignores it with a warning), reported
with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qt_lint.parsers.lines import significant, split

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class EnvEntry:
    key: str
    value: str
    line: int
    column: int  # of the key
    value_line: int
    value_column: int  # of the value's first character (its quote, when quoted)
    quoted: bool = False


@dataclass
class EnvFile:
    entries: list[EnvEntry] = field(default_factory=list)
    problems: list[tuple[int, int, str]] = field(default_factory=list)

    def get(self, key: str) -> EnvEntry | None:
        """The assignment in force (the last one)."""
        found = None
        for entry in self.entries:
            if entry.key == key:
                found = entry
        return found

    def keys(self) -> set[str]:
        return {e.key for e in self.entries}


def parse_env(text: str, last_line: int | None = None) -> EnvFile:
    """The assignments of an env file; `last_line` is where systemd stops reading."""
    out = EnvFile()
    lines = split(text)
    if last_line is not None:
        lines = lines[:last_line]
    i = 0
    while i < len(lines):
        raw = lines[i]
        content = significant(raw)
        if content is None:
            i += 1
            continue
        _, lead = content
        body = raw[lead:]
        offset = lead
        if body.startswith("export ") or body.startswith("export\t"):
            rest = body[6:].lstrip()
            offset += len(body) - len(rest)
            body = rest
        match = _KEY.match(body)
        eq = body.find("=")
        if match is None or eq == -1 or body[match.end():eq].strip():
            out.problems.append((i + 1, lead + 1,
                                 "line is neither an assignment nor a comment; systemd "
                                 "ignores it"))
            i += 1
            continue
        key = match.group()
        after = body[eq + 1:]
        value_start = eq + 1 + (len(after) - len(after.lstrip(" \t")))
        value_line, value_column = i + 1, offset + value_start + 1
        rest = body[value_start:]
        value, i, quoted = _value(rest, lines, i)
        out.entries.append(EnvEntry(key, value, value_line, offset + 1, value_line,
                                    value_column, quoted))
        i += 1
    return out


def _value(rest: str, lines: list[str], i: int) -> tuple[str, int, bool]:
    """The value starting at `rest` on line `i`; returns (value, last line index, quoted)."""
    if rest[:1] in ('"', "'"):
        quote = rest[0]
        buf: list[str] = []
        text = rest[1:]
        while True:
            j = 0
            while j < len(text):
                ch = text[j]
                if quote == '"' and ch == "\\" and j + 1 < len(text):
                    nxt = text[j + 1]
                    buf.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                    j += 2
                    continue
                if ch == quote:
                    return "".join(buf), i, True
                buf.append(ch)
                j += 1
            if i + 1 >= len(lines):
                return "".join(buf), i, True  # unterminated: systemd takes the rest
            buf.append("\n")
            i += 1
            text = lines[i]
    parts: list[str] = []
    while rest.endswith("\\") and i + 1 < len(lines):
        parts.append(rest[:-1])
        i += 1
        rest = lines[i].lstrip()
    parts.append(rest)
    return "".join(parts).rstrip(), i, False
