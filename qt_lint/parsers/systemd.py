"""systemd unit files, parsed as systemd parses them (systemd.syntax(7), systemd.unit(5)).

- `[Section]` headers; `Key=Value` with whitespace around `=` ignored; `#` and `;` comment
  lines (only whole lines: `User=qt # x` sets the user to `qt # x`);
- a trailing backslash continues the value on the next line (replaced by a space);
  comment lines inside a continuation are skipped;
- every assignment is kept in order: repeated keys form lists and an empty assignment
  resets the list (`values()` applies that; `last()` gives the effective single value);
- Exec lines: the prefixes `-@:+!` / `!!` and systemd's own word splitting and quoting
  (`exec_words()`); specifiers such as `%i` are kept as written.

Every assignment remembers its file, line, the column of its key and of its value, and its
offsets in the text, so findings point at the setting and fixes edit it in place.
"""

from __future__ import annotations

import bisect
import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterator

from qt_lint import lazyre
from qt_lint.command_model import EXEC_KEYS
from qt_lint.parsers.lines import BLANKS, significant, split
from qt_lint.parsers.unitname import unit_name_of as unit_name_of  # noqa: PLC0414 - re-exported
from qt_lint.record import field, record, replace

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import TypeVar

    from qt_lint.command_model import Command

SECTION_HEADER = lazyre.compile(r"^\[(?P<name>[^\[\]]+)\]$")
DIRECTIVE_NAME = lazyre.compile(r"^[A-Za-z0-9_\-.]+$")
EXEC_PREFIX = lazyre.compile(r"^(?:[-@:+]|!!?)+")
SECTIONS_OF_TYPE = {
    "service": ("Unit", "Service", "Install"),
    "timer": ("Unit", "Timer", "Install"),
    "socket": ("Unit", "Socket", "Install"),
    "path": ("Unit", "Path", "Install"),
    "target": ("Unit", "Install"),
}


def unit_type_of(relpath: str) -> str:
    """`a/x.service` -> `service`; a drop-in `x.timer.d/y.conf` -> `timer`."""
    folder, _, name = relpath.rpartition("/")
    if name.endswith(".conf"):
        if not folder.endswith(".d"):
            return "service"  # a drop-in outside its folder: the common case
        name = folder.rpartition("/")[2].removesuffix(".d")
    return name.rpartition(".")[2]


@functools.cache
def known_keys() -> dict[str, frozenset[str]]:
    """systemd's directives by section (qt_lint/data/systemd_keys.txt)."""
    # read beside the package, not through importlib.resources: its import costs a
    # pre-commit run on one unit file a twentieth of its time (qt-lint installs unzipped)
    data = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "systemd_keys.txt")
    with open(data, encoding="utf-8") as handle:
        text = handle.read()
    out: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = out.setdefault(line.strip("[]"), set())
        elif current is not None:
            current.add(line)
    return {k: frozenset(v) for k, v in out.items()}


@record(frozen=True, slots=True)
class Assignment:
    """One `Key=value` of a unit file."""

    section: str
    key: str
    value: str  # the logical value: continuations joined, surrounding whitespace stripped
    line: int  # line of the key
    column: int  # column of the key
    value_line: int
    value_column: int
    start: int  # offset of the start of the first physical line
    end: int  # offset of the end of the last physical line (before its newline)
    value_start: int  # offset of the value's first character (first line)
    file: str  # the file (fragment or drop-in) that set it
    # (index into value, line, column) at the start of each physical line of the value
    segments: tuple[tuple[int, int, int], ...] = ()

    def position(self, index: int) -> tuple[int, int]:
        """Line and column of character `index` of the logical value."""
        if not self.segments:
            return self.value_line, self.value_column + index
        starts = [s[0] for s in self.segments]
        i = bisect.bisect_right(starts, index) - 1
        base, line, column = self.segments[max(i, 0)]
        return line, column + (index - base)

    def exec_prefixes(self) -> list[tuple[str, int]]:
        """An `Exec*=` line's commands (a lone `;` separates them): the `-@:+!` prefix of
        each one's first word ("" when it has none; read after quotes and escapes, as
        systemd reads it) and that word's index in the value; [] for any other setting."""
        return [(prefix, index) for prefix, index, _ in self.exec_heads()]

    def exec_heads(self) -> list[tuple[str, int, str]]:
        """`exec_prefixes`, with each command's program (its first word unquoted, after
        the prefix)."""
        if self.key not in EXEC_KEYS:
            return []
        words = split_words(self.value)
        out = []
        for i, word in enumerate(words):
            if i and words[i - 1].text != ";":
                continue  # only a command's first word carries prefixes
            prefix = EXEC_PREFIX.match(word.text)
            flags = prefix.group() if prefix else ""
            out.append((flags, word.index, word.text[len(flags):]))
        return out


@record
class Section:
    """One `[Section]` of a unit file."""

    name: str
    line: int
    column: int
    start: int  # offset of the header line
    content_end: int  # offset just after the last assignment (or the header) of the section
    file: str
    assignments: list[Assignment] = field(default_factory=list)


@record(frozen=True, slots=True)
class Problem:
    """A line of a unit file systemd would not read as written."""

    line: int
    column: int
    message: str
    last_line: int = 0  # the last physical line of a continued line (systemd's line)
    key: str = ""  # the key of an assignment systemd does not apply


@record
class UnitDocument:
    """One file: a unit fragment or one drop-in."""

    file: str
    text: str
    sections: list[Section]
    problems: list[Problem]

    def section(self, name: str) -> Section | None:
        for section in self.sections:
            if section.name == name:
                return section
        return None

    def commands(self) -> list[Command]:
        """Every command the `Exec*=` lines of this file run (see `commands_of`)."""
        return commands_of(self)


def parse(text: str, file: str, unit_type: str | None = None) -> UnitDocument:
    lines = split(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    sections: list[Section] = []
    problems: list[Problem] = []
    allowed = SECTIONS_OF_TYPE.get(unit_type or "", ())
    keys = known_keys()
    current: Section | None = None
    i = 0
    while i < len(lines):
        raw = lines[i]
        content = significant(raw)
        if content is None:
            i += 1
            continue
        _, lead = content
        first = i
        # the logical line: systemd joins continued lines before it reads what they are
        pieces, segments, i, at_end = logical_line(lines, i, lead)
        logical = "".join(pieces)
        stripped = logical.strip(BLANKS)
        # systemd reports a continued line at its last physical line (at the line after
        # the last one when the file ends inside the continuation)
        last = i + 1 + at_end
        if not stripped:  # `\` alone, continued onto a blank line: nothing
            i += 1
            continue
        if stripped.startswith("["):
            match = SECTION_HEADER.match(stripped)
            if match is None:
                problems.append(Problem(first + 1, lead + 1, "malformed section header",
                                        last))
                current = None
            else:
                name = match.group("name")
                current = Section(name, first + 1, lead + 1, offsets[first],
                                  offsets[i] + len(lines[i]), file)
                sections.append(current)
                if allowed and name not in allowed and not name.startswith("X-"):
                    hint = _closest(name, allowed) if len(problems) < HINTED else ""
                    problems.append(Problem(first + 1, lead + 1,
                                            f"unknown section [{name}] in a .{unit_type} unit"
                                            f"{hint}", last))
            i += 1
            continue
        eq = logical.find("=")
        if eq == -1:
            # the line itself is never quoted: it may hold a secret
            problems.append(Problem(first + 1, lead + 1,
                                    "line is neither a section, an assignment nor a comment",
                                    last))
            i += 1
            continue
        key = logical[:eq].strip(BLANKS)
        value_text = logical[eq + 1:]
        value = value_text.strip(BLANKS)
        at = eq + 1 + len(value_text) - len(value_text.lstrip(BLANKS))  # value in logical
        segs = []
        for n, (seg, seg_line, seg_column) in enumerate(segments):
            following = segments[n + 1][0] if n + 1 < len(segments) else len(logical) + 1
            if seg > at:
                segs.append((seg - at, seg_line, seg_column))
            elif following > at:
                segs.append((0, seg_line, seg_column + at - seg))
        value_line, value_col = segs[0][1], segs[0][2]
        end = offsets[i] + len(lines[i])
        assignment = Assignment(
            section=current.name if current else "", key=key, value=value, line=first + 1,
            column=lead + 1, value_line=value_line, value_column=value_col,
            start=offsets[first], end=end,
            value_start=offsets[value_line - 1] + value_col - 1, file=file,
            segments=tuple(segs) if len(segs) > 1 else (),
        )
        if current is None:
            problems.append(Problem(first + 1, lead + 1,
                                    f"assignment {key}= before any [Section] header", last,
                                    key))
        elif not DIRECTIVE_NAME.match(key):
            problems.append(Problem(first + 1, lead + 1, "invalid key (not a directive name)",
                                    last, key))
        else:
            current.assignments.append(assignment)
            current.content_end = end
            section_keys = keys.get(current.name)
            if section_keys is not None and key not in section_keys and not key.startswith("X-"):
                homes = sorted(name for name, names in keys.items() if key in names) \
                    if len(problems) < HINTED else []
                # a key of another section (StartLimitIntervalSec= in [Service]) is moved,
                # not respelled
                hint = f" (it belongs in [{homes[0]}]: move it there)" if homes else \
                    _closest(key, section_keys) if len(problems) < HINTED else ""
                problems.append(Problem(first + 1, lead + 1,
                                        f"unknown key {key}= in [{current.name}]{hint}", last,
                                        key))
        i += 1
    return UnitDocument(file, text, sections, problems)


def continues(line: str) -> bool:
    """systemd continues a line that ends in an unescaped backslash: an odd run of
    backslashes (`X=see C:\\\\` ends with an escaped one, and the next line is its own)."""
    run = len(line) - len(line.rstrip("\\"))
    return run % 2 == 1


def logical_line(lines: list[str], i: int, lead: int
                  ) -> tuple[list[str], list[tuple[int, int, int]], int, bool]:
    """The pieces of the logical line starting at line `i` (each continuation's backslash
    replaced by a space, whole-line comments inside skipped), the (index, line, column)
    where each physical line starts in it, the index of its last physical line, and
    whether the file ended inside the continuation."""
    pieces: list[str] = []
    segments: list[tuple[int, int, int]] = []
    length = 0
    piece, piece_line, piece_col = lines[i][lead:], i + 1, lead + 1
    while True:
        continued = continues(piece)
        body = piece[:-1] if continued else piece
        segments.append((length, piece_line, piece_col))
        pieces.append(body)
        length += len(body)
        if not continued:
            break
        if i + 1 >= len(lines) or (i + 2 == len(lines) and lines[-1] == ""):
            return pieces, segments, i, True
        i += 1
        # comment lines inside a continuation are skipped (blanks: space, tab, CR, LF only)
        while i < len(lines) and lines[i].lstrip(BLANKS)[:1] in ("#", ";"):
            i += 1
        if i >= len(lines) or (i + 1 == len(lines) and lines[-1] == ""):
            return pieces, segments, i - 1, True
        pieces.append(" ")
        length += 1
        piece = lines[i]
        piece_line, piece_col = i + 1, 1
    return pieces, segments, i, False


# problems of one file that get a "did you mean" (difflib over ~250 keys costs 0.3 ms each;
# a hostile file of 700,000 unknown keys would need minutes)
HINTED = 200


@functools.lru_cache(maxsize=1024)
def _closest(word: str, options: frozenset[str] | tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


if TYPE_CHECKING:
    T = TypeVar("T")


# --- the merged unit: fragment plus drop-ins ------------------------------------------------


@record
class Unit:
    """A unit as systemd sees it: its fragment, then its drop-ins in name order."""

    name: str  # e.g. quantum-backend.service
    fragment: UnitDocument | None
    dropins: list[UnitDocument] = field(default_factory=list)
    # (section, key) -> assignments in reading order, built on the first lookup: a unit
    # with 2,000 drop-ins is looked up by every rule of every one of its files
    _index: dict[tuple[str, str], list[Assignment]] | None = field(
        default=None, init=False, repr=False, compare=False)
    # what readers derive from the whole merged unit (its environment, ...), built once:
    # every drop-in of a folder is checked against the same merged unit
    _derived: dict[object, object] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: object, build: Callable[[Unit], T]) -> T:
        """`build(self)`, computed once per merged unit and key."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]  # type: ignore[return-value]

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def type(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def documents(self) -> Iterator[UnitDocument]:
        if self.fragment is not None:
            yield self.fragment
        yield from self.dropins

    def assignments(self, section: str, key: str) -> list[Assignment]:
        """Every assignment of the key, in the order systemd reads them."""
        if self._index is None:
            index: dict[tuple[str, str], list[Assignment]] = {}
            for doc in self.documents():
                for s in doc.sections:
                    for a in s.assignments:
                        index.setdefault((s.name, a.key), []).append(a)
            self._index = index
        return list(self._index.get((section, key), ()))

    def values(self, section: str, key: str) -> list[Assignment]:
        """The effective list: an empty assignment drops everything before it (but adds
        nothing to a dependency list, which cannot be reset)."""
        out: list[Assignment] = []
        resets = not (section == "Unit" and key in DEPENDENCY_KEYS)
        for a in self.assignments(section, key):
            if a.value == "":
                if resets:
                    out = []
            else:
                out.append(a)
        return out

    def last(self, section: str, key: str) -> Assignment | None:
        """The assignment in force for a single-valued key (may have an empty value)."""
        found = self.assignments(section, key)
        return found[-1] if found else None

    def words(self, section: str, key: str) -> list[tuple[str, Assignment, int]]:
        """Space-separated items of a list setting such as After=: (item, assignment, index)."""
        out: list[tuple[str, Assignment, int]] = []
        for a in self.values(section, key):
            for match in re.finditer(r"\S+", a.value):
                out.append((match.group(), a, match.start()))
        return out

    def section(self, name: str) -> Section | None:
        """The section in the fragment (where missing settings are reported and added)."""
        return self.fragment.section(name) if self.fragment else None

    @property
    def is_oneshot(self) -> bool:
        setting = self.last("Service", "Type")
        return setting is not None and setting.value == "oneshot"


# --- Exec command lines ---------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
            "f": "\f", "r": "\r", "v": "\v", "s": " "}
# systemd's cunescape(): `\xHH`, `\ooo` (three octal digits), `\uXXXX`, `\UXXXXXXXX`
_NUMERIC = {"x": (2, 16), "u": (4, 16), "U": (8, 16)}
_OCTAL = "01234567"

# The specifiers that name a place or the manager's user, as the system manager expands them
# (systemd.unit(5) "Specifiers"); the rest are kept as written.
# qt-lint: ignore-file[QT201,QT203] systemd's own places, named to judge units that use them
SYSTEM_SPECIFIERS = {
    "T": "/tmp", "V": "/var/tmp", "t": "/run", "S": "/var/lib", "C": "/var/cache",
    "L": "/var/log", "E": "/etc", "h": "/root", "u": "root", "U": "0", "g": "root", "G": "0",
    "%": "%",
}


def specified(value: str) -> str:
    """`value` with the system manager's specifiers expanded (`%T` -> `/tmp`, `%u` ->
    `root`, `%%` -> `%`); specifiers of the unit's name (`%i`, `%n`...) kept as written."""
    if "%" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "%" and i + 1 < len(value) and value[i + 1] in SYSTEM_SPECIFIERS:
            out.append(SYSTEM_SPECIFIERS[value[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def system_path(path: str) -> str:
    """An absolute `Exec*=` program as systemd keeps it (`path_simplify()`): repeated
    slashes and `.` components dropped, `..` kept (the kernel resolves it)."""
    if not path.startswith("/"):
        return path
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return "/" + "/".join(parts)


def program_place(path: str) -> str:
    """The file an absolute program path names, `..` resolved too (`/usr/lib/../bin/python3`
    is `/usr/bin/python3`): what QT101 and QT405 judge."""
    if not path.startswith("/"):
        return path
    return "/" + posixpath.normpath(path).lstrip("/")


def _unescape(value: str, i: int) -> tuple[str, int]:
    """The character the escape at `value[i]` (a backslash) stands for, and the index after
    it."""
    nxt = value[i + 1]
    numeric = _NUMERIC.get(nxt)
    if numeric is not None:
        width, base = numeric
        digits = value[i + 2:i + 2 + width]
        if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            code = int(digits, base)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), i + 2 + width
    if nxt in _OCTAL:
        digits = value[i + 1:i + 4]
        if len(digits) == 3 and all(c in _OCTAL for c in digits) and 0 < int(digits, 8) < 256:
            return chr(int(digits, 8)), i + 4
    return _ESCAPES.get(nxt, nxt), i + 2


@record(frozen=True, slots=True)
class ExecWord:
    """One word of an `Exec*=` value."""

    text: str
    index: int  # index of the word's first character in the assignment's value


def exec_commands(value: str) -> list[list[ExecWord]]:
    """Split an Exec*= value into commands (a lone `;` separates them) of words, after the
    `-@:+!` prefixes of each command's first word. With `@`, the second word is argv[0]
    and is dropped so that the first word is always the executable."""
    words = split_words(value)
    commands: list[list[ExecWord]] = []
    current: list[ExecWord] = []
    for word in words:
        if word.text == ";":
            if current:
                commands.append(current)
            current = []
            continue
        current.append(word)
    if current:
        commands.append(current)
    out = []
    for command in commands:
        head = command[0]
        match = EXEC_PREFIX.match(head.text)
        if match:
            prefix = match.group()
            rest = head.text[len(prefix):]
            command = [ExecWord(rest, head.index + len(prefix)), *command[1:]] if rest \
                else command[1:]
            if "@" in prefix and len(command) > 1:
                command = [command[0], *command[2:]]
        if command:
            out.append(command)
    return out


def split_words(value: str) -> list[ExecWord]:
    """systemd's word splitting: whitespace separates; "..." and '...' quote; C escapes."""
    words: list[ExecWord] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t":
            i += 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        while i < n and value[i] not in " \t":
            ch = value[i]
            if ch in "\"'":
                quote = ch
                i += 1
                while i < n and value[i] != quote:
                    if value[i] == "\\" and i + 1 < n:
                        char, i = _unescape(value, i)
                        buf.append(char)
                    else:
                        buf.append(value[i])
                        i += 1
                i += 1
            elif ch == "\\" and i + 1 < n:
                char, i = _unescape(value, i)
                buf.append(char)
            else:
                buf.append(ch)
                i += 1
        words.append(ExecWord("".join(buf), start))
    return words


def exec_lines(doc: UnitDocument) -> Iterator[tuple[Assignment, list[list[ExecWord]]]]:
    for section in doc.sections:
        for a in section.assignments:
            if a.key in EXEC_KEYS and a.value:
                yield a, exec_commands(a.value)


def commands_of(doc: UnitDocument) -> list[Command]:
    """Every command the Exec*= lines of this file run, with positioned words."""
    from qt_lint.command_model import Word, make_command

    out: list[Command] = []
    for a, commands in exec_lines(doc):
        for words in commands:
            positioned = []
            for n, w in enumerate(words):
                line, column = a.position(w.index)
                # the program as systemd runs it: specifiers expanded, the path simplified
                text = program_place(system_path(specified(w.text))) if n == 0 else w.text
                positioned.append(Word(text, line, column, dynamic="$" in w.text))
            command = make_command(tuple(positioned), a.key)
            if command is not None:
                out.append(command)
                out.extend(_shell_commands(command, a))
    return out


def _shell_commands(command: Command, assignment: Assignment) -> list[Command]:
    """`ExecStart=/bin/bash -c '...'`: the script's own commands, positioned in the unit."""
    from qt_lint.command_model import shell_script_argument

    script = shell_script_argument(command)
    if script is None:
        return []
    from qt_lint.parsers.shell import parse_shell

    line, column = script.line, script.column + 1  # past the quote

    def mapper(row: int, col: int) -> tuple[int, int]:
        return (line, column + col) if row == 0 else (line + row, col + 1)

    origin = f"{assignment.key} script"  # not the Exec line's own program (QT205, QT405)
    return [replace(c, origin=origin) for c in parse_shell(script.text, origin, mapper).commands]


# [Unit] keys that add dependencies: systemd's `config_parse_unit_deps` adds each item and
# ignores an empty assignment (systemd.unit(5): "Dependencies (After=, etc.) cannot be reset to
# an empty list, so dependencies can only be added in drop-ins")
DEPENDENCY_KEYS = frozenset({
    "Requires", "Requisite", "Wants", "BindsTo", "BindTo", "PartOf", "Upholds", "Conflicts",
    "Before", "After", "OnSuccess", "OnFailure", "PropagatesReloadTo", "PropagateReloadTo",
    "ReloadPropagatedFrom", "PropagateReloadFrom", "PropagatesStopTo", "StopPropagatedFrom",
    "JoinsNamespaceOf"})

# the dependencies that stop a unit from starting when the other one is not running (with
# After=): Requires= and BindsTo= pull it in, Requisite= fails the start when it is not active
_HARD = ("Requires", "BindsTo", "BindTo", "Requisite")


@record(frozen=True, slots=True)
class OrderingEdges:
    """What the start order needs of one unit file."""

    after: tuple[str, ...]  # After= items
    requires: tuple[str, ...]  # Requires=/BindsTo=/Requisite= items
    before: tuple[str, ...]  # Before= items: the named units are ordered after this one
    conditional: bool  # a Condition*= or ExecCondition=: its start may be skipped, not fail


def ordering_edges(text: str) -> OrderingEdges:
    """A unit's ordering and hard dependencies, read without a full parse (the cross-unit
    graph needs only names for the units not being checked). Same rules as `parse`: comment
    lines, continuations; an empty assignment adds nothing (dependencies cannot be reset)."""
    after: list[str] = []
    requires: list[str] = []
    before: list[str] = []
    conditions: set[str] = set()  # the condition keys in force (an empty one resets its list)
    section = ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip(BLANKS)
        i += 1
        if not line or line[0] in "#;":
            continue
        while continues(line) and i < len(lines):
            nxt = lines[i]
            i += 1
            if nxt.lstrip(BLANKS)[:1] in ("#", ";"):
                continue
            line = line[:-1] + " " + nxt
        if line.startswith("["):
            section = line.strip(BLANKS).strip("[]")
            continue
        if "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if (section == "Service" and key == "ExecCondition") or \
                (section == "Unit" and key.startswith("Condition")):
            if value.strip():
                conditions.add(key)
            else:
                conditions.discard(key)
            continue
        if section != "Unit":
            continue
        target = after if key == "After" else before if key == "Before" \
            else requires if key in _HARD else None
        if target is not None:
            target.extend(value.split())
    return OrderingEdges(tuple(after), tuple(requires), tuple(before), bool(conditions))
