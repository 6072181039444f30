"""Crontab files: the command field of each schedule line, analysed as shell.

A file in a `cron.d/` folder, or named `crontab` at `etc/crontab`, is a system crontab with
a user field after the five time fields; other files (`*.cron`, `crontab`) are user
crontabs, unless a line's sixth field is `root` or the contract's user and a command follows
(a system crontab line kept under another name: `*/5 * * * * root /usr/bin/python3 x.py`).
`/etc/anacrontab` lines are `period delay job-identifier command`.
`@reboot`/`@daily`-style schedules are understood; `NAME=value` lines are environment;
an unescaped `%` ends the command (the rest is standard input).
"""

from __future__ import annotations

from qt_lint import lazyre
from qt_lint.parsers.shell import ShellAnalysis, parse_shell, reads_a_script

_ENV = lazyre.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_FIELD = lazyre.compile(r"\S+")


def is_system_crontab(relpath: str) -> bool:
    parts = relpath.split("/")
    return "cron.d" in parts[:-1] or relpath.endswith("etc/crontab")


def is_anacrontab(relpath: str) -> bool:
    return relpath.rsplit("/", 1)[-1] == "anacrontab"


def parse_crontab(text: str, relpath: str, users: tuple[str, ...] = ("root",)) -> ShellAnalysis:
    system = is_system_crontab(relpath)
    anacron = is_anacrontab(relpath)
    analysis = ShellAnalysis()
    env: dict[str, str] = {}
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _ENV.match(line):
            # `PY=python3`: the environment of the lines below (cron expands nothing in
            # the value; matching quotes around it are removed)
            name, _, value = stripped.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[name.strip()] = value
            continue
        fields = list(_FIELD.finditer(line))
        skip = 1 if stripped.startswith("@") else 5
        if anacron:  # `period delay job-identifier command` (`@monthly delay id command`)
            skip = 3
        elif system or (len(fields) > skip + 1 and fields[skip].group() in users):
            skip += 1
        if len(fields) <= skip:
            continue
        start = fields[skip].start()
        command, stdin_at = _cut_at_percent(line[start:])
        row = index

        def mapper(r: int, c: int, row: int = row, start: int = start) -> tuple[int, int]:
            return row + 1, start + c + 1

        parsed = parse_shell(command, "cron", mapper, env=dict(env))
        analysis.extend(parsed)
        if stdin_at is not None and parsed.commands and reads_a_script(parsed.commands[0]):
            # `* * * * * bash%python3 x.py%`: the rest of the line is the shell's script,
            # each further `%` a newline
            rest = line[start + stdin_at:]
            lines = rest.split("%")
            starts = [start + stdin_at]
            for piece in lines[:-1]:
                starts.append(starts[-1] + len(piece) + 1)

            def stdin_mapper(r: int, c: int, row: int = row,
                             starts: list[int] = starts) -> tuple[int, int]:
                return row + 1, starts[min(r, len(starts) - 1)] + c + 1

            analysis.extend(parse_shell("\n".join(lines), "cron", stdin_mapper,
                                        env=dict(env)))
    return analysis


def _cut_at_percent(command: str) -> tuple[str, int | None]:
    """The command before the first unescaped `%` (`\\%` is a `%`), and where the
    standard input after it starts (None: no `%`)."""
    out = []
    i = 0
    while i < len(command):
        if command[i] == "\\" and command[i + 1:i + 2] == "%":
            # kept escaped: the shell's quote removal makes it `%` (and positions stay)
            out.append("\\%")
            i += 2
            continue
        if command[i] == "%":
            return "".join(out), i + 1
        out.append(command[i])
        i += 1
    return "".join(out), None


_RUN_PARTS = lazyre.compile(
    r"(?<![\w/.-])(?:/usr)?(?:/s?bin/)?run-parts((?:\s+-{1,2}[\w-]+(?:=\S+)?)*)"
    r"\s+(?P<folder>/[^\s;&|<>'\"`$]+)")


def run_parts_folders(text: str) -> list[str]:
    """The folders a crontab's commands hand to run-parts (`run-parts --report
    /etc/cron.daily`, `run-parts /opt/quantum/cron`): absolute paths written as such."""
    return [m.group("folder").rstrip("/") or "/" for m in _RUN_PARTS.finditer(text)]

