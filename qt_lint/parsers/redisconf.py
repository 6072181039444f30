"""`redis.conf` read the way redis-server 7 reads it (`loadServerConfigFromString()` and
`sdssplitargs()` in Redis's config.c and sds.c), proven against a real redis-server by
tests/test_readers_host.py:

- each line is trimmed of space, tab, CR and LF; an empty line or one starting with `#`
  is skipped (a `#` later in a line is text);
- the line is split into words: blanks separate, `"..."` (escapes `\\n \\r \\t \\b \\a
  \\xHH`, any other `\\c` is `c`) and `'...'` (only `\\'` escapes) quote, and may start
  inside a word; a closing quote must be followed by a blank or the end of the line, and an
  unterminated quote makes Redis refuse the whole file;
- the directive name is case-insensitive, and so are `yes`/`no` (`appendonly YES`);
- `include <path>` reads another file at that point, where `path` may be a glob
  (`/etc/redis/conf.d/*.conf`: the matches in name order, none is no error; a plain path
  that cannot be read makes Redis refuse to start); the last setting of a directive wins.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable

_BLANKS = " \t\r\n"
_C_SPACE = " \t\n\v\f\r"  # C's isspace(): what may follow a closing quote
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}
_HEX = "0123456789abcdefABCDEF"
_BOOLEANS = frozenset({"appendonly", "protected-mode"})
MAX_DEPTH = 8


class RedisConfError(Exception):
    """Redis would refuse the file (it exits at start): the message says where and why."""


def split_args(line: str) -> list[str] | None:
    """Redis's `sdssplitargs()`: the words of a line, or None for unbalanced quotes."""
    words: list[str] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _C_SPACE:
            i += 1
        if i >= n:
            return words
        buf: list[str] = []
        in_double = in_single = False
        while True:
            ch = line[i] if i < n else ""
            if in_double:
                if ch == "\\" and line[i + 1:i + 2] == "x" and len(line) > i + 3 \
                        and line[i + 2] in _HEX and line[i + 3] in _HEX:
                    buf.append(chr(int(line[i + 2:i + 4], 16)))
                    i += 3
                elif ch == "\\" and i + 1 < n:
                    i += 1
                    buf.append(_ESCAPES.get(line[i], line[i]))
                elif ch == '"':
                    if i + 1 < n and line[i + 1] not in _C_SPACE:
                        return None
                    i += 1
                    break
                elif not ch:
                    return None
                else:
                    buf.append(ch)
            elif in_single:
                if ch == "\\" and line[i + 1:i + 2] == "'":
                    i += 1
                    buf.append("'")
                elif ch == "'":
                    if i + 1 < n and line[i + 1] not in _C_SPACE:
                        return None
                    i += 1
                    break
                elif not ch:
                    return None
                else:
                    buf.append(ch)
            elif ch in (" ", "\n", "\r", "\t", ""):
                break
            elif ch == '"':
                in_double = True
            elif ch == "'":
                in_single = True
            else:
                buf.append(ch)
            i += 1
        words.append("".join(buf))


Read = Callable[[str], "tuple[str | None, str | None]"]  # path -> (text, why not)
List = Callable[[str], "tuple[list[str], str | None]"]  # folder -> (names, why not)


def read_redis_conf(path: str, read: Read, listdir: List, keys: frozenset[str],
                    ) -> dict[str, str]:
    """The settings of `keys` that the file (and what it includes) sets, as Redis holds
    them: yes/no lower-cased, several words joined by a space. `requirepass` is reported
    as `set`, never its value. Raises RedisConfError where Redis refuses to start."""
    settings: dict[str, str] = {}
    _load(path, read, listdir, keys, settings, 0)
    return settings


def glob(pattern: str, listdir: List) -> list[str]:
    """glibc's `glob(pattern, 0)`: the matching paths, sorted; `*`, `?` and `[...]` never
    match a leading dot; a folder that cannot be listed matches nothing."""
    parts = pattern.split("/")
    found = ["/" if pattern.startswith("/") else ""]
    for index, part in enumerate(parts):
        if part == "" and index == 0:
            continue
        last = index == len(parts) - 1
        following: list[str] = []
        for base in found:
            if not any(c in part for c in "*?["):
                following.append(posixpath.join(base, part) if base else part)
                continue
            names, _ = listdir(base or ".")
            for name in names:
                if name.startswith(".") and not part.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, part):
                    following.append(posixpath.join(base, name) if base else name)
        found = following
        if not last:
            found = [f for f in found if listdir(f)[1] is None]
    return sorted(found)


def _load(path: str, read: Read, listdir: List, keys: frozenset[str],
          settings: dict[str, str], depth: int) -> None:
    if any(c in path for c in "*?["):
        texts = []
        for match in glob(path, listdir):
            text, why = read(match)
            if text is None:
                raise RedisConfError(f"{match}: {why} (Redis cannot open an included file)")
            texts.append(text)
        text = "".join(texts)
    else:
        got, why = read(path)
        if got is None:
            raise RedisConfError(f"{path}: {why}")
        text = got
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(_BLANKS)
        if not line or line[0] == "#":
            continue
        words = split_args(line)
        if words is None:
            raise RedisConfError(f"{path}:{number}: unbalanced quotes (Redis refuses the "
                                 "file)")
        if not words:
            continue
        name = words[0].lower()
        if name == "include" and len(words) == 2:
            if depth >= MAX_DEPTH:
                raise RedisConfError(f"{path}:{number}: includes nested more than "
                                     f"{MAX_DEPTH} deep")
            _load(words[1], read, listdir, keys, settings, depth + 1)
        elif name == "requirepass" and name in keys:
            settings[name] = "set"
        elif name in keys:
            value = " ".join(words[1:])
            if name in _BOOLEANS:
                if len(words) != 2 or value.lower() not in ("yes", "no"):
                    raise RedisConfError(f"{path}:{number}: {name} must be yes or no "
                                         "(Redis refuses the file)")
                value = value.lower()
            settings[name] = value
