"""Env files read the way systemd's `EnvironmentFile=` reads them, positions kept.

A port of systemd's `parse_env_file_internal()` (src/basic/env-file.c), the reader behind
`EnvironmentFile=` and environment.d, character by character, so that qt-lint judges the
variables systemd sets (tests/test_readers_env.py compares it with systemd's own
`systemd-environment-d-generator` on generated files):

- `KEY=VALUE`; blanks (space, tab, CR, LF only: a no-break space is text) around the key
  and before the value are skipped; a line with no `=` is ignored;
- `#` or `;` where a key could start begins a comment, and a backslash in a comment
  escapes the next character: a comment ending in `\\` continues on the next line;
- a value is read piece by piece to the end of its line: a `"..."` piece (backslash
  escapes only `"`, `\\`, `` ` `` and `$`, and a backslash-newline is removed; any other
  `\\x` is kept as written), a `'...'` piece (literal), both of which may span lines, and
  unquoted text (a backslash escapes any character, a backslash-newline continues the
  value, trailing blanks are dropped). Quotes open a piece only where a piece starts, so
  `"localhost".attacker.example` is `localhost.attacker.example` and `a "b"` keeps its
  quotes;
- the `export KEY=value` form that shell-sourced env files use is accepted too (systemd
  would ignore the line; the shell that sources the file does not).

A line that is none of these is a problem (systemd ignores it), reported with its line.
"""

from __future__ import annotations

from collections.abc import Callable

from qt_lint import lazyre
from qt_lint.parsers.lines import BLANKS
from qt_lint.record import field, record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.source import Text

_KEY = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_NEED_ESCAPE = '"\\`$'  # systemd's SHELL_NEED_ESCAPE: what a backslash escapes in "..."


@record(frozen=True, slots=True)
class EnvEntry:
    """One `KEY=value` of an env file."""

    key: str
    value: str
    line: int
    column: int  # of the key
    value_line: int
    value_column: int  # of the value's first character (its quote, when quoted)
    quoted: bool = False


@record
class EnvFile:
    """An env file's entries and the lines it could not read."""

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


_IGNORED = "line is neither an assignment nor a comment; systemd ignores it"


def read_env(source: Text) -> EnvFile:
    """The assignments of a decoded env file (`qt_lint.source.decode(..., systemd=True)`):
    read up to its first NUL byte, where systemd stops (QT004 reports it), with the CRs of
    its CRLF line ends as systemd sees them."""
    nul = next((line for line, _, char in source.controls if char == "\0"), None)
    lf_cr = frozenset(n + 1 for n in source.lf_cr_lines)
    lone_cr = frozenset(line for line, _, char in source.controls if char == "\r") - lf_cr
    all_crlf = source.newline == "\r\n" and source.crlf_lines is None
    crlf_lines = source.crlf_lines or frozenset()

    def crlf(line: int) -> bool:
        """A CRLF or (two line ends to systemd as well) an LF CR ended the line: a
        backslash before it continues nothing."""
        return all_crlf or line - 1 in crlf_lines or line in lf_cr

    return parse_env(source.text, nul, crlf, lone_cr, lf_cr)


def parse_env(text: str, last_line: int | None = None,
              crlf: Callable[[int], bool] | None = None,
              lone_cr: frozenset[int] = frozenset(),
              lf_cr: frozenset[int] = frozenset()) -> EnvFile:
    """The assignments of an env file; `last_line` is where systemd stops reading (a NUL).
    `crlf(line)` tells whether the (1-based) line ended in CRLF in the file: systemd reads
    the CR as a line end of its own, so a backslash before it continues nothing. `lone_cr`:
    the lines that a CR alone ended (inside "...", a backslash keeps it)."""
    out = EnvFile()
    if last_line is not None:
        text = "\n".join(text.split("\n")[:last_line])
    reader = _Reader(text, crlf, out)
    reader.lone_cr = lone_cr
    reader.lf_cr = lf_cr
    reader.run()
    return out


class _Reader:
    """systemd's state machine over the text; `\\n` is the only line end here (the CRs
    systemd also ends lines at were folded by qt_lint.source)."""

    def __init__(self, text: str, crlf: Callable[[int], bool] | None, out: EnvFile) -> None:
        self.text = text
        self.crlf = crlf
        self.out = out
        self.lone_cr: frozenset[int] = frozenset()
        self.lf_cr: frozenset[int] = frozenset()

    def _cr_before(self, line: int) -> bool:
        return self.crlf is not None and self.crlf(line)

    def run(self) -> None:
        text, out = self.text, self.out
        n = len(text)
        i = 0
        line, line_start = 1, 0
        while i < n:
            # PRE_KEY
            ch = text[i]
            if ch == "\n":
                i += 1
                line, line_start = line + 1, i
                continue
            if ch in BLANKS:
                i += 1
                continue
            if ch in "#;":
                i, line, line_start = self._comment(i, line, line_start)
                continue
            # KEY
            key_line, key_column = line, i - line_start + 1
            key_start = i
            eq = -1
            i += 1  # the first character is the key's, even a `=` (systemd's PRE_KEY)
            while i < n and text[i] != "\n":
                if text[i] == "=":
                    eq = i
                    break
                i += 1
            if eq == -1:
                out.problems.append((key_line, key_column, _IGNORED))
                continue  # the newline (or the end) is read as PRE_KEY
            key = text[key_start:eq].rstrip(BLANKS)
            if key.startswith(("export ", "export\t")):
                rest = key[6:].lstrip(BLANKS)
                key_column += len(key) - len(rest)
                key = rest
            valid = bool(_KEY.match(key))
            i = eq + 1
            after_eq = (line, eq - line_start + 2)
            value, quoted, value_pos, i, line, line_start = self._value(i, line, line_start)
            if not valid:
                out.problems.append((key_line, key_column, _IGNORED))
                continue
            value_line, value_column = value_pos or after_eq
            out.entries.append(EnvEntry(key, value, key_line, key_column, value_line,
                                        value_column, quoted))

    def _comment(self, i: int, line: int, line_start: int) -> tuple[int, int, int]:
        text, n = self.text, len(self.text)
        i += 1
        while i < n:
            ch = text[i]
            if ch == "\\" and i + 1 < n:
                if text[i + 1] == "\n":
                    i += 2
                    line, line_start = line + 1, i
                    if self._cr_before(line - 1):
                        return i, line, line_start  # the CR was escaped, the LF ends it
                else:
                    i += 2
                continue
            if ch == "\n":
                return i, line, line_start  # PRE_KEY reads the newline
            i += 1
        return i, line, line_start

    def _value(self, i: int, line: int, line_start: int
               ) -> tuple[str, bool, tuple[int, int] | None, int, int, int]:
        """PRE_VALUE onwards: (value, quoted, (line, column) of its first character, index
        of the ending newline (or the end), line, line start)."""
        text, n = self.text, len(self.text)
        buf: list[str] = []
        quoted = False
        first: tuple[int, int] | None = None
        keep = 0  # length of buf without the trailing blanks of an unquoted piece
        unquoted = False  # the last thing read was unquoted text (trailing blanks chomped)

        def newline(at: int) -> None:
            nonlocal line, line_start
            line, line_start = line + 1, at + 1

        # PRE_VALUE: blanks skipped, then pieces until an unescaped, unquoted newline
        while i < n:
            ch = text[i]
            if ch == "\n":
                break
            if ch in BLANKS and not unquoted:
                i += 1
                continue
            if first is None:
                first = (line, i - line_start + 1)
                quoted = ch in "\"'"
            if ch == "'" and not unquoted:
                i += 1
                while i < n and text[i] != "'":
                    if text[i] == "\n":
                        newline(i)
                        if self._cr_before(line - 1):
                            buf.append("\r")
                    buf.append(text[i])
                    i += 1
                i += 1
                keep = len(buf)
                continue
            if ch == '"' and not unquoted:
                i += 1
                while i < n and text[i] != '"':
                    c = text[i]
                    if c == "\\" and i + 1 == n:
                        i += 1  # an escape of nothing, at the end of the file
                        break
                    if c == "\\":
                        nxt = text[i + 1]
                        if nxt == "\n":
                            newline(i + 1)
                            if line - 1 in self.lf_cr:
                                buf.append("\n")  # `\` LF eaten, the CR kept (a line end)
                            elif self._cr_before(line - 1):
                                buf.extend(("\\", "\r", "\n"))
                            elif line - 1 in self.lone_cr:
                                buf.extend(("\\", "\n"))  # `\` CR: both kept (as a line end)
                        elif nxt in _NEED_ESCAPE:
                            buf.append(nxt)
                        else:
                            buf.extend((c, nxt))
                        i += 2
                        continue
                    if c == "\n":
                        newline(i)
                        if self._cr_before(line - 1):
                            buf.append("\r")
                    buf.append(c)
                    i += 1
                i += 1
                keep = len(buf)
                continue
            # VALUE: unquoted text (a quote here is a character)
            unquoted = True
            if ch == "\\":
                if i + 1 < n and text[i + 1] == "\n":
                    if self._cr_before(line):
                        i += 1  # the escaped CR is eaten; its LF ends the value
                        keep = len(buf)  # an escape keeps the blanks before it
                        break
                    newline(i + 1)
                    i += 2
                    keep = len(buf)
                    continue
                if i + 1 < n:
                    buf.append(text[i + 1])
                i += 2
                keep = len(buf)
                continue
            buf.append(ch)
            if ch not in BLANKS:
                keep = len(buf)
            i += 1
        if unquoted:
            del buf[keep:]
        return "".join(buf), quoted, first, i, line, line_start
