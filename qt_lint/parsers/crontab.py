"""Crontab files: the command field of each schedule line, analysed as shell.

A file in a `cron.d/` folder, or named `crontab` at `etc/crontab`, is a system crontab with
a user field after the five time fields; other files (`*.cron`, `crontab`) are user
crontabs, unless a line's sixth field is `root` or the contract's user and a command follows
(a system crontab line kept under another name: `*/5 * * * * root /usr/bin/python3 x.py`).
`@reboot`/`@daily`-style schedules are understood; `NAME=value` lines are environment;
an unescaped `%` ends the command (the rest is standard input).
"""

from __future__ import annotations

import re

from qt_lint.parsers.shell import ShellAnalysis, parse_shell

_ENV = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_FIELD = re.compile(r"\S+")


def is_system_crontab(relpath: str) -> bool:
    parts = relpath.split("/")
    return "cron.d" in parts[:-1] or relpath.endswith("etc/crontab")


def parse_crontab(text: str, relpath: str, users: tuple[str, ...] = ("root",)) -> ShellAnalysis:
    system = is_system_crontab(relpath)
    analysis = ShellAnalysis()
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or _ENV.match(line):
            continue
        fields = list(_FIELD.finditer(line))
        skip = 1 if stripped.startswith("@") else 5
        if system or (len(fields) > skip + 1 and fields[skip].group() in users):
            skip += 1
        if len(fields) <= skip:
            continue
        start = fields[skip].start()
        command = _cut_at_percent(line[start:])
        row = index

        def mapper(r: int, c: int, row: int = row, start: int = start) -> tuple[int, int]:
            return row + 1, start + c + 1

        analysis.extend(parse_shell(command, "cron", mapper))
    return analysis


def _cut_at_percent(command: str) -> str:
    out = []
    i = 0
    while i < len(command):
        if command[i] == "\\" and command[i + 1:i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if command[i] == "%":
            break
        out.append(command[i])
        i += 1
    return "".join(out)
