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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from qt_lint.command_model import EXEC_KEYS
from qt_lint.parsers.lines import significant, split

if TYPE_CHECKING:
    from qt_lint.command_model import Command
    from qt_lint.parsers.envfile import EnvEntry

_HEADER = re.compile(r"^\[(?P<name>[^\[\]]+)\]$")
_KEY = re.compile(r"^[A-Za-z0-9_\-.]+$")
EXEC_PREFIX = re.compile(r"^(?:[-@:+]|!!?)+")
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


def unit_name_of(relpath: str) -> str:
    """`a/x.service` -> `x.service`; a drop-in `a/x.service.d/y.conf` -> `x.service`."""
    folder, _, name = relpath.rpartition("/")
    if name.endswith(".conf") and folder.endswith(".d"):
        return folder.rpartition("/")[2].removesuffix(".d")
    return name


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


@dataclass(frozen=True, slots=True)
class Assignment:
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
        each one's first word ("" when it has none) and that word's index in the value;
        [] for any other setting."""
        if self.key not in EXEC_KEYS:
            return []
        words = split_words(self.value)
        out = []
        for i, word in enumerate(words):
            if i and words[i - 1].text != ";":
                continue  # only a command's first word carries prefixes
            prefix = EXEC_PREFIX.match(word.text)
            out.append((prefix.group() if prefix else "", word.index))
        return out


@dataclass
class Section:
    name: str
    line: int
    column: int
    start: int  # offset of the header line
    content_end: int  # offset just after the last assignment (or the header) of the section
    file: str
    assignments: list[Assignment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: int
    message: str


@dataclass
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
        stripped, lead = content
        if stripped.startswith("["):
            match = _HEADER.match(stripped)
            if match is None:
                problems.append(Problem(i + 1, lead + 1, "malformed section header"))
                current = None
            else:
                name = match.group("name")
                current = Section(name, i + 1, lead + 1, offsets[i], offsets[i] + len(raw), file)
                sections.append(current)
                if allowed and name not in allowed and not name.startswith("X-"):
                    hint = _closest(name, allowed)
                    problems.append(Problem(i + 1, lead + 1,
                                            f"unknown section [{name}] in a .{unit_type} unit"
                                            f"{hint}"))
            i += 1
            continue
        # an assignment, possibly continued over several lines
        first = i
        eq = raw.find("=")
        if eq == -1:
            # the line itself is never quoted: it may hold a secret
            problems.append(Problem(i + 1, lead + 1,
                                    "line is neither a section, an assignment nor a comment"))
            i += 1
            continue
        key = raw[:eq].strip()
        value_part = raw[eq + 1:]
        value_lead = len(value_part) - len(value_part.lstrip())
        value_col = eq + 2 + value_lead
        pieces: list[str] = []
        segments: list[tuple[int, int, int]] = []
        length = 0
        piece = value_part.lstrip()
        piece_line, piece_col = i + 1, value_col
        while True:
            continued = piece.endswith("\\")
            body = piece[:-1] if continued else piece
            segments.append((length, piece_line, piece_col))
            pieces.append(body)
            length += len(body)
            if not continued or i + 1 >= len(lines):
                break
            i += 1
            # comment lines inside a continuation are skipped
            while i < len(lines) and lines[i].strip()[:1] in ("#", ";"):
                i += 1
            if i >= len(lines):
                break
            pieces.append(" ")
            length += 1
            piece = lines[i]
            piece_line, piece_col = i + 1, 1
        value = "".join(pieces)
        trailing = len(value) - len(value.rstrip())
        value = value[: len(value) - trailing] if trailing else value
        end = offsets[i] + len(lines[i])
        assignment = Assignment(
            section=current.name if current else "", key=key, value=value, line=first + 1,
            column=lead + 1, value_line=first + 1, value_column=value_col, start=offsets[first],
            end=end, value_start=offsets[first] + value_col - 1, file=file,
            segments=tuple(segments) if len(segments) > 1 else (),
        )
        if current is None:
            problems.append(Problem(first + 1, lead + 1,
                                    f"assignment {key}= before any [Section] header"))
        elif not _KEY.match(key):
            problems.append(Problem(first + 1, lead + 1, "invalid key (not a directive name)"))
        else:
            current.assignments.append(assignment)
            current.content_end = end
            section_keys = keys.get(current.name)
            if section_keys is not None and key not in section_keys and not key.startswith("X-"):
                homes = sorted(name for name, names in keys.items() if key in names)
                # a key of another section (StartLimitIntervalSec= in [Service]) is moved,
                # not respelled
                hint = f" (it belongs in [{homes[0]}]: move it there)" if homes else \
                    _closest(key, section_keys)
                problems.append(Problem(first + 1, lead + 1,
                                        f"unknown key {key}= in [{current.name}]{hint}"))
        i += 1
    return UnitDocument(file, text, sections, problems)


def _closest(word: str, options: frozenset[str] | tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


# --- the merged unit: fragment plus drop-ins ------------------------------------------------


@dataclass
class Unit:
    """A unit as systemd sees it: its fragment, then its drop-ins in name order."""

    name: str  # e.g. quantum-backend.service
    fragment: UnitDocument | None
    dropins: list[UnitDocument] = field(default_factory=list)

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
        return [
            a for doc in self.documents() for s in doc.sections if s.name == section
            for a in s.assignments if a.key == key
        ]

    def values(self, section: str, key: str) -> list[Assignment]:
        """The effective list: an empty assignment drops everything before it."""
        out: list[Assignment] = []
        for a in self.assignments(section, key):
            if a.value == "":
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


@dataclass(frozen=True, slots=True)
class ExecWord:
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
                        buf.append(_ESCAPES.get(value[i + 1], value[i + 1]))
                        i += 2
                    else:
                        buf.append(value[i])
                        i += 1
                i += 1
            elif ch == "\\" and i + 1 < n:
                buf.append(_ESCAPES.get(value[i + 1], value[i + 1]))
                i += 2
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
            for w in words:
                line, column = a.position(w.index)
                positioned.append(Word(w.text, line, column, dynamic="$" in w.text))
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


def ordering_edges(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`[Unit]` After= items and Requires=/BindsTo= items of a unit, read without a full
    parse (the cross-unit graph needs only names for the units not being checked). Same
    rules as `parse`: comment lines, continuations, and the empty assignment resetting."""
    after: list[str] = []
    requires: list[str] = []
    section = ""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        while line.endswith("\\") and i < len(lines):
            nxt = lines[i].strip()
            i += 1
            if nxt[:1] in ("#", ";"):
                continue
            line = line[:-1] + " " + nxt
        if section != "Unit" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        target = after if key == "After" else requires if key in ("Requires", "BindsTo") \
            else None
        if target is None:
            continue
        if not value.strip():
            target.clear()
        target.extend(value.split())
    return tuple(after), tuple(requires)


_ENV_WORD = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|\S+')


def environment_entries(document: UnitDocument) -> list[EnvEntry]:
    """The variables `Environment=` lines set, as env-file entries at their positions:
    systemd splits the value into words (quotes group, and are removed) of `KEY=value`."""
    from qt_lint.parsers.envfile import EnvEntry

    out: list[EnvEntry] = []
    for section in document.sections:
        for a in section.assignments:
            if a.key != "Environment":
                continue
            for match in _ENV_WORD.finditer(a.value):
                word = match.group()
                quoted = word[:1] in "\"'" and word[-1:] == word[:1] and len(word) > 1
                inner = word[1:-1] if quoted else word
                key, sep, value = inner.partition("=")
                if not sep or not key:
                    continue
                start = match.start() + (1 if quoted else 0)
                line, column = a.position(start)
                value_line, value_column = a.position(start + len(key) + 1)
                out.append(EnvEntry(key, value, line, column, value_line, value_column,
                                    quoted))
    return out
