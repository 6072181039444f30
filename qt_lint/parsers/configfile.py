"""Keys and values of YAML, TOML and INI files, with their nesting and positions.

YAML is read by a YAML parser (PyYAML's composer, libyaml's when it is there): its node
events keep each scalar's line and column, so flow mappings (`redis: {host: x}`), folded
and literal blocks, quoted keys and multi-line scalars are read as YAML reads them. A YAML
file the parser rejects (a template with `{{ }}` in it, a tab-indented file) is read by the
line scanner below rather than not at all. TOML and INI are read line by line: enough for
`[redis] host = x` and `REDIS_URL = "redis://..."`.
"""

from __future__ import annotations

import re

from qt_lint import lazyre
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

_YAML_KEY = lazyre.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[\"']?[\w.\-]+[\"']?)\s*:(?:\s+|$)"
                       r"(?P<value>.*)$")
# Patterns here never put an optional or lazy group before `\s*$` or let two runs
# compete for the same characters: Python's `re` backtracks, and such a pattern is
# quadratic on one long line (tests/test_linear.py). Trailing spaces and quotes are
# trimmed in Python instead.
_ITEM_ASSIGN = lazyre.compile(r"^(?P<indent>\s*)-\s+[\"']?(?P<key>[A-Za-z_][\w.]*)=(?P<value>.*)$")
_ITEM = lazyre.compile(r"^(?P<indent>\s*)-\s+(?P<value>[^:#\s][^:#]*)$")
_INI_KEY = lazyre.compile(r"^(?P<indent>\s*)(?P<key>[\"']?[\w.\-]+[\"']?)\s*[=:]\s*(?P<value>.*)$")
_SECTION = lazyre.compile(r"^\s*\[\[?(?P<name>[^\[\]]*)\]\]?\s*$")


@record(frozen=True, slots=True)
class ConfigValue:
    """One scalar of a configuration file, at the place its text starts."""

    path: tuple[str, ...]  # parent keys or sections, then the key
    value: str
    line: int
    column: int  # of the value


def _clean(value: str, ini: bool) -> tuple[str, int]:
    """The scalar without quotes or a trailing comment, and how far into `value` it starts."""
    text = value.rstrip()
    if text[:1] in ('"', "'"):
        end = text.find(text[0], 1)
        return (text[1:end] if end != -1 else text[1:]), 1
    marks = (" #", " ;", "\t#") if ini else (" #", "\t#")
    for mark in marks:
        cut = text.find(mark)
        if cut != -1:
            text = text[:cut]
    return text.strip(), 0


def scan_config(text: str, style: str) -> list[ConfigValue]:
    """`style` is "yaml", "toml" or "ini"."""
    if style == "yaml":
        parsed = _yaml_values(text)
        if parsed is not None:
            return parsed
    if style == "toml":
        parsed = _toml_values(text)
        if parsed is not None:
            return parsed
    return _scan_lines(text, style)


# `key =` at a line's start or after `{`/`,` (inline tables): where a TOML value starts
_TOML_KEY = lazyre.compile(r"(?:^|[{,])[ \t]*(?P<key>\"[^\"\n]*\"|'[^'\n]*'|[\w.\-]+)[ \t]*=[ \t]*",
                       re.M)
_QUOTES = ('"""\n', "'''\n", '"""', "'''", '"', "'", "")


def _toml_values(text: str) -> list[ConfigValue] | None:
    """Every scalar of a TOML document as tomllib reads it (inline tables, multi-line and
    literal strings, arrays of tables), at the place its text starts; None when tomllib
    rejects the text (then it is read line by line)."""
    import bisect
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None
    starts: dict[str, list[int]] = {}  # the last part of a key -> where its values start
    for match in _TOML_KEY.finditer(text):
        name = match.group("key").rsplit(".", 1)[-1].strip("\"'")
        starts.setdefault(name, []).append(match.end())
    for offsets in starts.values():
        offsets.reverse()  # the first assignment last: used ones are popped off the end
    line_starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]
    out: list[ConfigValue] = []
    inside: dict[int, int] = {}
    todo: list[tuple[object, tuple[str, ...]]] = [(document, ())]
    while todo:
        node, path = todo.pop()
        if isinstance(node, dict):
            todo.extend((v, (*path, str(k))) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            todo.extend((v, path) for v in reversed(node))
        else:
            value = ("true" if node else "false") if isinstance(node, bool) else str(node)
            offset = _toml_offset(text, starts.get(path[-1], []) if path else [], value,
                                  inside)
            row = bisect.bisect_right(line_starts, offset) - 1
            out.append(ConfigValue(path, value, row + 1, offset - line_starts[row] + 1))
    return out


def _toml_offset(text: str, starts: list[int], value: str, inside: dict[int, int]) -> int:
    """Where the value's own characters start: at the first unused assignment of its key
    whose text holds it (a few candidates ahead at most, so a document of one key
    repeated stays linear), or within the array or inline table that the key's first
    unused assignment holds (`inside`: how far each such value has been read); else that
    assignment."""
    while starts and starts[-1] < 0:
        starts.pop()
    for index in range(len(starts) - 1, max(len(starts) - 65, -1), -1):
        start = starts[index]
        if start < 0:
            continue
        for quote in _QUOTES:
            if text.startswith(quote, start) and text.startswith(value, start + len(quote)):
                starts[index] = -1
                return start + len(quote)
    if not starts:
        return 0
    start = starts[-1]
    if text.startswith(("[", "{"), start):  # an array (of arrays) or an inline table
        cursor = inside.get(start, start)
        window = text[cursor:cursor + 65536]
        for quote in ('"', "'"):
            found = window.find(quote + value + quote)
            if found != -1:
                inside[start] = cursor + found + len(value) + 2
                return cursor + found + 1
    return start


_ASSIGN_ITEM = lazyre.compile(r"[A-Za-z_][\w.]*=")
MAX_NODES = 1_000_000  # a bound on the walk, whatever aliases a hostile file shares


def _yaml_values(text: str) -> list[ConfigValue] | None:
    """Every scalar of every document with the keys above it, or None when the text is not
    YAML the parser accepts. A node that aliases share is walked once (where it is
    written), so `&a`/`*a` chains cost their size, not their expansion."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    out: list[ConfigValue] = []
    seen: set[int] = set()
    todo: list[tuple[Any, tuple[str, ...], bool]] = [(d, (), False) for d in reversed(documents)
                                                     if d is not None]
    while todo:
        node, path, item = todo.pop()
        if id(node) in seen or len(seen) > MAX_NODES:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if isinstance(key, yaml.ScalarNode):
                    todo.append((value, (*path, str(key.value)), False))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((child, path, True) for child in reversed(node.value))
        elif isinstance(node, yaml.ScalarNode):
            out.append(_scalar(node, path, item))
    return out


def _scalar(node: Any, path: tuple[str, ...], item: bool) -> ConfigValue:
    value = str(node.value)
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    quoted = node.style in ("'", '"')
    column += quoted
    assign = _ASSIGN_ITEM.match(value) if item else None
    if assign:
        # a compose `environment:` list item `- REDIS_HOST=x`: the variable and its value
        key = value[:assign.end() - 1]
        on_one_line = "\n" not in value
        return ConfigValue((*path, key), value[assign.end():], line,
                           column + assign.end() if on_one_line else column)
    return ConfigValue(path, value, line, column)


def _scan_lines(text: str, style: str) -> list[ConfigValue]:
    out: list[ConfigValue] = []
    stack: list[tuple[int, str]] = []  # YAML: (indent, key)
    section: tuple[str, ...] = ()
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")) or stripped == "---":
            continue
        if style == "yaml":
            match = _ITEM_ASSIGN.match(line) or _YAML_KEY.match(line)
            trim_quote = match is not None and match.re is lazyre.compiled(_ITEM_ASSIGN)
            if match is None:
                item = _ITEM.match(line)
                if item is not None:  # a scalar list item belongs to the key above it
                    indent = len(item.group("indent"))
                    while stack and stack[-1][0] > indent:
                        stack.pop()
                    value, shift = _clean(item.group("value"), False)
                    out.append(ConfigValue(tuple(k for _, k in stack), value, index + 1,
                                           item.start("value") + shift + 1))
                continue
            indent = len(match.group("indent"))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            key = match.group("key").strip("\"'")
            raw = match.group("value")
            if trim_quote:  # `- "KEY=value"`: the item's closing quote is not the value's
                raw = raw.rstrip()
                raw = raw[:-1] if raw[-1:] in ("\"", "'") else raw
            if raw.strip() == "" or raw.strip() in ("|", ">"):
                stack.append((indent, key))
                continue
            value, shift = _clean(raw, False)
            column = match.start("value") + shift + 1
            out.append(ConfigValue((*[k for _, k in stack], key), value, index + 1, column))
            continue
        header = _SECTION.match(line)
        if header and header.group("name").strip():
            section = tuple(header.group("name").strip().strip("\"'").split("."))
            continue
        match = _INI_KEY.match(line)
        if match is None:
            continue
        value, shift = _clean(match.group("value"), style == "ini")
        key = match.group("key").strip("\"'")
        out.append(ConfigValue((*section, *key.split(".")), value, index + 1,
                               match.start("value") + shift + 1))
    return out


def style_of(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1].lower()
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name.endswith(".toml"):
        return "toml"
    return "ini"
