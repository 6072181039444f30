"""Keys and values of YAML, TOML and INI files, read line by line with their nesting.

Enough to find `redis.host: x`, `[redis] host = x`, `REDIS_URL = "redis://..."` or a
compose `environment:` list item `- REDIS_HOST=x`, with positions, without a YAML library;
anything fancier (anchors, flow mappings, multi-line scalars) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YAML_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[\"']?[\w.\-]+[\"']?)\s*:(?:\s+|$)"
                       r"(?P<value>.*)$")
# Patterns here never put an optional or lazy group before `\s*$` or let two runs
# compete for the same characters: Python's `re` backtracks, and such a pattern is
# quadratic on one long line (tests/test_linear.py). Trailing spaces and quotes are
# trimmed in Python instead.
_ITEM_ASSIGN = re.compile(r"^(?P<indent>\s*)-\s+[\"']?(?P<key>[A-Za-z_][\w.]*)=(?P<value>.*)$")
_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<value>[^:#\s][^:#]*)$")
_INI_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[\"']?[\w.\-]+[\"']?)\s*[=:]\s*(?P<value>.*)$")
_SECTION = re.compile(r"^\s*\[\[?(?P<name>[^\[\]]*)\]\]?\s*$")


@dataclass(frozen=True, slots=True)
class ConfigValue:
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
    out: list[ConfigValue] = []
    stack: list[tuple[int, str]] = []  # YAML: (indent, key)
    section: tuple[str, ...] = ()
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")) or stripped == "---":
            continue
        if style == "yaml":
            match = _ITEM_ASSIGN.match(line) or _YAML_KEY.match(line)
            trim_quote = match is not None and match.re is _ITEM_ASSIGN
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
