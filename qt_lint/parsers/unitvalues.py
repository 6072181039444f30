"""The values of a merged unit's list settings as systemd's loader reads them: `Environment=`
(`config_parse_environ()`), `BindPaths=`/`BindReadOnlyPaths=` (`config_parse_bind_paths()`)
and the path settings `RootDirectory=`/`RootImage=` (`config_parse_unit_path_printf()`).

Each splits its value with `extract_first_word()` (quotes, C escapes, separators; an error
drops the rest of the line, the words before it stay), expands the unit's specifiers
(`unit_full_printf()`: an unknown one drops the word) and validates the result (an
assignment without a valid name, a path that is not absolute and normalized, is dropped).
An empty assignment resets the list; a later `Environment=` of the same name wins. A value
that depends on the machine it runs on (`%H`, `%m`, `%b`...) is kept with `dynamic` set:
no reading of the file can say what it is. Proven against `systemd --test` (which prints
the unit as loaded) in tests/test_readers_units.py.
"""

from __future__ import annotations

from qt_lint.parsers.systemd import SYSTEM_SPECIFIERS, Assignment, Unit, UnitDocument
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Mapping

    from qt_lint.parsers.envfile import EnvEntry

WHITESPACE = " \t\n\r"
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v", "\\": "\\", '"': '"', "'": "'", "s": " "}
_HEX = "0123456789abcdefABCDEF"
# specifiers whose value is the machine's or the running manager's (systemd.unit(5)): not
# known before the unit runs
_RUN_TIME = frozenset("aAbBcdHlmMoqrRsvwWyY")
_UNKNOWN = object()


class Refused(ValueError):
    """systemd refuses the rest of the value (an unbalanced quote, a bad escape)."""


def _cunescape_one(text: str, i: int) -> tuple[str, int] | None:
    """systemd's `cunescape_one()` at `text[i]` (the character after a backslash): the
    character and the index after the escape, or None when it is no valid escape."""
    c = text[i] if i < len(text) else ""
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i + 1
    width = {"x": 2, "u": 4, "U": 8}.get(c)
    if width is not None:
        digits = text[i + 1:i + 1 + width]
        if len(digits) != width or any(d not in _HEX for d in digits):
            return None
        code = int(digits, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), i + 1 + width
    if c and c in "01234567":
        digits = text[i:i + 3]
        if len(digits) != 3 or any(d not in "01234567" for d in digits):
            return None
        code = int(digits, 8)
        if code == 0 or code > 255:
            return None
        return chr(code), i + 3
    return None


def extract_word(text: str, i: int, separators: str = WHITESPACE, *, cunescape: bool = False,
                 unquote: bool = True, dont_coalesce: bool = False
                 ) -> tuple[str | None, int | None]:
    """A port of systemd's `extract_first_word()` from `text[i]`: the word (None when there is
    none) and where the next one starts (None at the end of the text). With
    `dont_coalesce`, the index returned is just past the separator that ended the word, so
    `text[next - 1]` names it. Raises Refused where systemd returns -EINVAL."""
    n = len(text)
    # leading separators
    while True:
        if i >= n:
            return None, None
        if text[i] in separators:
            if dont_coalesce:
                return "", i + 1
            i += 1
            continue
        break
    out: list[str] = []
    quote = ""
    while True:
        c = text[i] if i < n else ""
        if quote:
            if not c:
                raise Refused("unbalanced quote")
            if c == quote:
                quote = ""
                i += 1
                continue
            if c != "\\":
                out.append(c)
                i += 1
                continue
        elif not c:
            return "".join(out), None
        elif c in "'\"" and unquote:
            quote = c
            i += 1
            continue
        elif c in separators and c != "\\":
            if dont_coalesce:
                return "".join(out), i + 1
            while i < n and text[i] in separators:
                i += 1
            return "".join(out), (i if i < n else None)
        elif c != "\\":
            out.append(c)
            i += 1
            continue
        # a backslash, in or out of quotes
        i += 1
        if i >= n:
            raise Refused("trailing backslash")
        escaped = _cunescape_one(text, i) if cunescape else None
        if escaped is not None:
            out.append(escaped[0])
            i = escaped[1]
        elif cunescape:
            raise Refused(f"bad escape \\{text[i]}")
        else:
            out.append(text[i])
            i += 1


def _unescape_name(text: str) -> str:
    """`unit_name_unescape()`: `-` is `/`, `\\xNN` a byte."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "-":
            out.append("/")
        elif text[i] == "\\" and text[i + 1:i + 2] == "x" and len(text) >= i + 4:
            out.append(chr(int(text[i + 2:i + 4], 16)))
            i += 3
        else:
            out.append(text[i])
        i += 1
    return "".join(out)


def _name_specifiers(name: str) -> dict[str, str]:
    stem = name.rsplit(".", 1)[0]
    prefix, _, instance = stem.partition("@")
    last = prefix.rsplit("-", 1)[-1]
    return {"n": name, "N": stem, "p": prefix, "P": _unescape_name(prefix), "i": instance,
            "I": _unescape_name(instance), "j": last, "J": _unescape_name(last),
            "f": "/" + _unescape_name(instance or prefix)}


def unit_printf(text: str, unit_name: str) -> tuple[str, bool]:
    """`text` with the unit's specifiers expanded as the system manager does (`%h` is
    root's home, `%n` the unit's name) and whether a run-time specifier was met (kept as
    written). Raises Refused for an unknown specifier (systemd drops the word)."""
    if "%" not in text:
        return text, False
    names = _name_specifiers(unit_name)
    out: list[str] = []
    dynamic = False
    i = 0
    while i < len(text):
        c = text[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if not nxt:
            out.append("%")
            break
        value = SYSTEM_SPECIFIERS.get(nxt) or names.get(nxt)
        if value is None and nxt in names:
            value = ""
        if value is not None:
            out.append(value)
        elif nxt in _RUN_TIME:
            out.append("%" + nxt)
            dynamic = True
        else:
            raise Refused(f"unknown specifier %{nxt}")
        i += 2
    return "".join(out), dynamic


def _valid_name(name: str) -> bool:
    return bool(name) and not name[0].isdigit() and all(
        ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9")
        for ch in name)


@record(frozen=True, slots=True)
class EnvSetting:
    """One variable a unit's `Environment=` lines set, as systemd reads them."""

    name: str
    value: str
    assignment: Assignment  # the line that set it (the last one: it wins)
    index: int  # where its word starts in the assignment's value
    dynamic: bool  # holds a run-time specifier


def _assignments(a: Assignment, unit_name: str) -> list[EnvSetting]:
    """The variables one `Environment=` line sets, in order."""
    out: list[EnvSetting] = []
    i: int | None = 0
    while i is not None:
        start = i
        while start < len(a.value) and a.value[start] in WHITESPACE:
            start += 1
        try:
            word, i = extract_word(a.value, start, cunescape=True)
        except Refused:
            break  # "Invalid syntax, ignoring": the words before it stay
        if word is None:
            break
        try:
            resolved, dynamic = unit_printf(word, unit_name)
        except Refused:
            continue
        name, eq, value = resolved.partition("=")
        if eq and _valid_name(name):
            out.append(EnvSetting(name, value, a, start, dynamic))
    return out


def environment(unit: Unit, section: str = "Service") -> Mapping[str, EnvSetting]:
    """The variables the merged unit's `Environment=` lines set, in systemd's order: an
    empty assignment clears them all, a later assignment of a name replaces it. Read once
    per merged unit (each of a folder's 1,000 drop-ins is checked against the same one)."""
    return unit.derived(("environment", section), lambda u: _environment(u, section))


def _environment(unit: Unit, section: str) -> dict[str, EnvSetting]:
    env: dict[str, EnvSetting] = {}
    for a in unit.assignments(section, "Environment"):
        if a.value == "":
            env.clear()
            continue
        for setting in _assignments(a, unit.name):
            env[setting.name] = setting
    for word, _, _ in unit.words(section, "UnsetEnvironment"):
        name, eq, value = word.partition("=")
        if name in env and (not eq or env[name].value == value):
            del env[name]
    return env


def environment_entries(document: UnitDocument, unit_name: str = "") -> list[EnvEntry]:
    """Every variable this file's `Environment=` lines set, as env-file entries at their
    positions, read as systemd reads them (a value with a run-time specifier is kept as
    written)."""
    from qt_lint.parsers.envfile import EnvEntry

    name = unit_name or document.file.rsplit("/", 1)[-1]
    out: list[EnvEntry] = []
    for section in document.sections:
        for a in section.assignments:
            if a.key != "Environment":
                continue
            for setting in _assignments(a, name):
                raw = a.value[setting.index:]
                quoted = raw[:1] in "\"'"
                key_at = setting.index + (1 if quoted else 0)
                line, column = a.position(key_at)
                eq = raw.find("=")
                value_line, value_column = a.position(setting.index + eq + 1 if eq >= 0
                                                      else key_at)
                out.append(EnvEntry(setting.name, setting.value, line, column, value_line,
                                    value_column, quoted or raw[eq + 1:eq + 2] in "\"'"))
    return out


def simplified_path(path: str) -> str | None:
    """`path_simplify_and_warn(PATH_CHECK_ABSOLUTE)`: an absolute path without repeated
    slashes, `.` components and a trailing slash, or None when systemd refuses it (not
    absolute, or a `..` component)."""
    if not path.startswith("/"):
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/" + "/".join(parts)


@record(frozen=True, slots=True)
class BindMount:
    """One entry of `BindPaths=`/`BindReadOnlyPaths=`: `[-]SOURCE[:DESTINATION[:OPTIONS]]`."""

    source: str
    destination: str
    read_only: bool
    ignore_missing: bool  # the `-` prefix
    recursive: bool
    assignment: Assignment
    index: int  # where the entry starts in the assignment's value
    dynamic: bool


def bind_mounts(unit: Unit, section: str = "Service") -> list[BindMount]:
    """The merged unit's bind mounts in systemd's order (both settings fill one list; an
    empty assignment of either clears it)."""
    found = sorted(unit.assignments(section, "BindPaths")
                   + unit.assignments(section, "BindReadOnlyPaths"),
                   key=lambda a: (_order(unit, a), a.start))
    out: list[BindMount] = []
    for a in found:
        if a.value == "":
            out.clear()
            continue
        out.extend(_binds_of(a, unit.name))
    return out


def _order(unit: Unit, a: Assignment) -> int:
    return next((n for n, doc in enumerate(unit.documents()) if doc.file == a.file), 0)


def _binds_of(a: Assignment, unit_name: str) -> list[BindMount]:
    out: list[BindMount] = []
    text, separators = a.value, ":" + WHITESPACE
    flags = {"dont_coalesce": True}  # an escaped character (`\\:`) is itself
    i: int | None = 0
    while i is not None:
        start = i
        try:
            source, i = extract_word(text, start, separators, **flags)
        except Refused:
            return out  # "Failed to parse": the rest of the line is dropped
        if source is None:
            break
        try:
            resolved, dynamic = unit_printf(source, unit_name)
        except Refused:
            continue
        ignore = resolved.startswith("-")
        src = simplified_path(resolved[1:] if ignore else resolved)
        if src is None:
            continue
        dst, recursive = src, True
        if i is not None and text[i - 1] == ":":
            try:
                destination, i = extract_word(text, i, separators, **flags)
            except Refused:
                return out
            if destination is None:
                continue
            try:
                resolved, more = unit_printf(destination, unit_name)
            except Refused:
                continue
            dynamic = dynamic or more
            simple = simplified_path(resolved)
            if simple is None:
                continue
            dst = simple
            if i is not None and text[i - 1] == ":":
                try:
                    options, i = extract_word(text, i)
                except Refused:
                    return out
                if options in (None, "", "rbind"):
                    recursive = True
                elif options == "norbind":
                    recursive = False
                else:
                    continue  # "Invalid option string, ignoring setting"
        out.append(BindMount(src, dst, a.key == "BindReadOnlyPaths", ignore, recursive, a,
                             start, dynamic))
    return out


def bind_sources(value: str) -> list[tuple[str, int]]:
    """The source of each entry of a `BindPaths=` value as written (quotes removed, the `-`
    prefix dropped, specifiers kept) and where its entry starts: what QT205 judges."""
    out: list[tuple[str, int]] = []
    separators = ":" + WHITESPACE
    i: int | None = 0
    try:
        while i is not None:
            start = i
            source, i = extract_word(value, start, separators, dont_coalesce=True)
            if source is None:
                break
            if source:
                out.append((source.removeprefix("-"), start))
            for _ in range(2):  # the destination, then the options
                if i is None or value[i - 1] != ":":
                    break
                _, i = extract_word(value, i, separators, dont_coalesce=True)
    except Refused:
        pass
    return out


def path_setting(unit: Unit, key: str, section: str = "Service"
                 ) -> tuple[str, Assignment, bool] | None:
    """A single path setting in force (`RootDirectory=`, `RootImage=`): the path as systemd
    keeps it, the assignment and whether it holds a run-time specifier; None when unset,
    reset, or refused (systemd then refuses to load the unit)."""
    a = unit.last(section, key)
    if a is None or a.value == "":
        return None
    try:
        resolved, dynamic = unit_printf(a.value, unit.name)
    except Refused:
        return None
    path = simplified_path(resolved)
    if path is None:
        return None
    return path, a, dynamic
