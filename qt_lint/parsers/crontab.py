"""Crontab files: the command field of each schedule line, analysed as shell.

A file in a `cron.d/` folder, or named `crontab` at `etc/crontab`, is a system crontab with
a user field after the five time fields; other files (`*.cron`, `crontab`) are user
crontabs, unless a line's sixth field is `root` or the contract's user and a command follows
(a system crontab line kept under another name: `*/5 * * * * root /usr/bin/python3 x.py`).
`/etc/anacrontab` lines are `period delay job-identifier command`.
`@reboot`/`@daily`-style schedules are understood; `NAME=value` lines are environment;
an unescaped `%` ends the command (the rest is standard input).

cron runs each entry as `$SHELL -c command` (`SHELL=` in the crontab, else `/bin/sh`):
a `SHELL=` that is no shell (the canary script, `/usr/bin/python3`) is itself run by every
entry after it, and is read as that command (positioned at its value, once); under
`SHELL=/bin/bash`, bash sources `BASH_ENV` before each entry (`. $BASH_ENV`, positioned
at that value) and expands braces (`{canary_activate,x}.sh` is two words). dash reads
neither `ENV` (only an interactive shell does) nor `BASH_ENV`. An entry line whose
minute field is no minute (the path after a `\\`: cron joins no lines) makes cron ignore
the whole file (`Error: bad minute`): a parse error that says so.
"""

from __future__ import annotations

from qt_lint import lazyre
from qt_lint.command_model import SHELLS, Command, Word
from qt_lint.parsers import ParseError
from qt_lint.parsers.shell import ShellAnalysis, parse_shell, reads_a_script

_ENV = lazyre.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_FIELD = lazyre.compile(r"\S+")
# a minute field cron accepts: numbers, `*`, ranges, lists and steps
_MINUTE = lazyre.compile(r"^[0-9*][0-9*,/-]*$")
_BRACE = lazyre.compile(r"\{([^{}]*,[^{}]*)\}")


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
    # where each variable's value was written (row, column), and whether an entry has
    # run since (a `SHELL=`/`BASH_ENV=` is read once, at the first entry after it)
    placed: dict[str, tuple[int, int]] = {}
    pending: set[str] = set()
    rows = text.split("\n")
    for index, line in enumerate(rows):
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
            after = line.index("=") + 1
            placed[name.strip()] = (index + 1, len(line) - len(line[after:].lstrip()) + 1)
            pending.add(name.strip())
            continue
        fields = list(_FIELD.finditer(line))
        skip = 1 if stripped.startswith("@") else 5
        if anacron:  # `period delay job-identifier command` (`@monthly delay id command`)
            skip = 3
        elif system or (len(fields) > skip + 1 and fields[skip].group() in users):
            skip += 1
        if not (anacron or stripped.startswith("@") or _MINUTE.match(fields[0].group())):
            joined = index > 0 and rows[index - 1].rstrip().endswith("\\")
            analysis.errors.append(ParseError(
                f"line {index + 1} is no crontab entry (bad minute `{_clip(fields[0].group())}`"
                + ("; a `\\` does not continue a crontab line" if joined else "")
                + "): cron ignores this whole file", index + 1, fields[0].start() + 1))
            # nothing of the file runs: no other finding, no other parse error
            return ShellAnalysis(errors=analysis.errors[-1:])
        if len(fields) <= skip:
            continue
        start = fields[skip].start()
        command, stdin_at = _cut_at_percent(line[start:])
        row = index

        def mapper(r: int, c: int, row: int = row, start: int = start) -> tuple[int, int]:
            return row + 1, start + c + 1

        shell = env.get("SHELL", "/bin/sh")
        parsed = parse_shell(command, "cron", mapper, env=dict(env))
        if shell.rsplit("/", 1)[-1] == "bash":
            parsed.commands = [_braces_expanded(c) for c in parsed.commands]
        analysis.extend(parsed)
        analysis.commands.extend(_run_by_cron(env, placed, pending, command))
        pending.clear()
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


def _clip(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _run_by_cron(env: dict[str, str], placed: dict[str, tuple[int, int]],
                 pending: set[str], command: str) -> list[Command]:
    """What cron's shell runs besides the entry's command: a `SHELL` that is no shell
    (`$SHELL -c command`), bash's `BASH_ENV` (sourced first); each read once, at the
    first entry after its line."""
    out: list[Command] = []
    shell = env.get("SHELL", "/bin/sh")
    if "SHELL" in pending and shell and shell.rsplit("/", 1)[-1] not in SHELLS:
        row, column = placed["SHELL"]
        out.append(Command((Word(shell, row, column), Word("-c", row, column),
                            Word(command.strip(), row, column)), "cron"))
    bash_env = env.get("BASH_ENV", "")
    if bash_env and shell.rsplit("/", 1)[-1] == "bash" and pending & {"SHELL", "BASH_ENV"}:
        row, column = placed["BASH_ENV"]
        out.append(Command((Word(".", row, column), Word(bash_env, row, column)), "cron"))
    return out


def _braces_expanded(command: Command) -> Command:
    """A command's words after bash's brace expansion (`{a,b}.sh` is `a.sh b.sh`), each
    positioned at the word it came from."""
    words: list[Word] = []
    for word in command.words:
        words.extend(Word(text, word.line, word.column, word.dynamic)
                     for text in _expand(word.text))
    if len(words) == len(command.words):
        return command
    return Command(tuple(words), command.origin, command.cd, command.wrappers, command.first)


def _expand(text: str) -> list[str]:
    match = _BRACE.search(text)
    if match is None:
        return [text]
    out: list[str] = []
    for part in match.group(1).split(","):
        out.extend(_expand(text[:match.start()] + part + text[match.end():]))
    return out


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

