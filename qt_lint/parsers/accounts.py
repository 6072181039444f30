"""`/etc/passwd`, `/etc/group` and `/etc/gshadow` read the way glibc's files backend reads
them (nss/nss_files/files-parse.c, files-pwd.c, files-grp.c), proven against glibc's own
`getent` (passwd, group, initgroups) in a chroot by tests/test_readers_host.py:

- leading blanks of a line are skipped; an empty line or one starting with `#` is
  ignored; a line glibc cannot parse is skipped (the next line may still name the user);
- numeric fields are read with `strtoul(..., 10)`: leading blanks and a sign are accepted
  (`+0`, ` 0`, `00` and `-0` are 0, so `qt:x: 0:...` is root); a value beyond 2^32-1, a
  negative one, an empty one, or text after the number other than the next `:` makes the
  line invalid (glibc 2.36, measured with getent);
- group members are split at `,`, each with its leading blanks skipped (trailing ones are
  part of the name), empty ones dropped;
- a lookup by name takes the first valid line; a user's groups (`initgroups()`, what a
  service started with `User=` gets) are its primary gid and the gid of *every* group line
  listing it: a second `root:x:0:qt` line, and even a commented-out `#root:x:0:qt` line or
  `+x:x::qt` (gid 0), since initgroups() skips no comment (`parse_group(login=True)`).

`gshadow` members may join the group with `newgrp` without its password: the host audit
counts them as members (glibc's `id` does not list them; they are one command away).
"""

from __future__ import annotations

from dataclasses import dataclass

_C_SPACE = " \t\n\v\f\r"
_MAX = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    """One line of /etc/passwd."""

    name: str
    uid: int
    gid: int
    line: int


@dataclass(frozen=True, slots=True)
class GroupEntry:
    """One line of /etc/group."""

    name: str
    gid: int
    members: tuple[str, ...]
    line: int


def _number(field: str) -> int | None:
    """glibc's INT_FIELD: strtoul base 10 clamped to 32 bits; None for an invalid field."""
    i, n = 0, len(field)
    while i < n and field[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and field[i] in "+-":
        negative = field[i] == "-"
        i += 1
    start = i
    while i < n and field[i].isascii() and field[i].isdigit():
        i += 1
    if i == start:
        return None  # no digits: endp == line
    if i != n:
        return None  # text after the number (the field ends at its `:`)
    value = int(field[start:i])
    if (negative and value) or value > _MAX:
        return None  # glibc refuses a uid or gid beyond 32 bits, and a negative one
    return value


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.lstrip(_C_SPACE)
        if not line or line[0] == "#":
            continue
        out.append((number, line))
    return out


def parse_passwd(text: str) -> list[PasswdEntry]:
    """Every valid line of a passwd file, in order."""
    out = []
    for number, line in _lines(text):
        fields = line.split(":")
        name = fields[0]
        if name[:1] in ("+", "-"):
            continue  # NIS compat entries: not users of the files backend
        if len(fields) < 4:
            # uid, gid: INT_FIELD on what is left ("" when the line ends early)
            fields += [""] * (4 - len(fields))
        uid = _number(fields[2])
        gid = _number(fields[3])
        if uid is None or gid is None:
            continue
        out.append(PasswdEntry(name, uid, gid, number))
    return out


def parse_group(text: str, login: bool = False) -> list[GroupEntry]:
    """Every valid line of a group file, in order (a name may come back on a later line).

    `login`: the lines as `initgroups()` reads them when a service starts (glibc's
    files-initgroups.c): it skips no comment and no blank, so `#ops:x:7:qt` makes qt a
    member of group 7, and a `+name` or `-name` line with an empty gid is gid 0
    (measured with `getent initgroups`)."""
    out = []
    lines = list(enumerate(text.split("\n"), 1)) if login else _lines(text)
    for number, line in lines:
        fields = line.split(":", 3)
        name = fields[0]
        if name[:1] in ("+", "-") and not login:
            continue
        if len(fields) < 3:
            continue
        fields += [""] * (4 - len(fields))
        gid = 0 if name[:1] in ("+", "-") and fields[2] == "" else _number(fields[2])
        if gid is None:
            continue
        out.append(GroupEntry(name, gid, members(fields[3]), number))
    return out


def members(field: str) -> tuple[str, ...]:
    """A member list as glibc splits it: at `,`, leading blanks of each name skipped,
    empty names dropped."""
    out = []
    for item in field.split(","):
        item = item.lstrip(_C_SPACE)
        if item:
            out.append(item)
    return tuple(out)


def gshadow_members(text: str) -> dict[str, tuple[str, ...]]:
    """`name:password:admins:members` lines: the members (and administrators, who may add
    themselves) of each group."""
    out: dict[str, tuple[str, ...]] = {}
    for _, line in _lines(text):
        fields = line.split(":")
        if len(fields) < 4 or not fields[0]:
            continue
        out.setdefault(fields[0], members(fields[2]) + members(fields[3]))
    return out


def user_groups(user: str, passwd: list[PasswdEntry], groups: list[GroupEntry]) -> set[int]:
    """The groups a process started as `user` gets: the primary gid (the user's first
    passwd line) and every group line that lists the user (`groups` as
    `parse_group(text, login=True)` reads them)."""
    out = set()
    for entry in passwd:
        if entry.name == user:
            out.add(entry.gid)
            break
    for group in groups:
        if user in group.members:
            out.add(group.gid)
    return out
