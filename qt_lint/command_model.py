"""Commands that would run, whatever file they come from.

systemd `Exec*=` lines, shell scripts, Makefile recipes, crontab lines and Python
`subprocess` calls all reduce to `Command`s: positioned words, the program first, after
wrappers (`sudo`, `env`, `nohup`, ...) and leading `VAR=value` assignments are stripped.
The command rules (QT101, QT103, QT501, QT601, ...) are written once, against this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qt_lint.config import Contract

# systemd's settings whose value is a command line: the `origin` of each command such a line
# runs itself (a command inside its `bash -c '...'` script has the origin "<key> script")
EXEC_KEYS = (
    "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop",
    "ExecStopPost",
)


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # the word after quote removal; expansions (`$X`) are kept as written
    line: int
    column: int
    dynamic: bool = False  # contains an expansion whose value is unknown


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[Word, ...]
    origin: str  # "ExecStart", "shell", "make", "cron", "python", ...
    # the directory of a relative `cd` run before this command in the same shell, positioned
    # at that `cd` (QT104)
    cd: Word | None = None
    wrappers: tuple[str, ...] = ()  # wrappers stripped, outermost first
    first: Word | None = None  # the first word as written, before wrappers were stripped
    name: str = ""  # the program's base name (`/usr/bin/python3` -> `python3`)

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.words[0].text.rsplit("/", 1)[-1])

    @property
    def program(self) -> Word:
        return self.words[0]

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]


# option -> takes an argument, per wrapper
_WRAPPER_ARGS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T",
                       "--user", "--group", "--chdir", "--prompt", "--host"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "exec": frozenset({"-a"}),
    "nohup": frozenset(),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "xargs": frozenset({"-I", "-n", "-P", "-L", "-s", "-d", "-a", "-E", "-i", "-l",
                        "--max-args", "--max-procs", "--delimiter", "--arg-file"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "command": frozenset(),
    "setsid": frozenset(),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "chrt": frozenset(),
    "flock": frozenset({"-w", "-E", "-c"}),
}
# wrappers whose first non-option argument is not the command
_POSITIONAL_BEFORE_COMMAND = {"timeout": 1, "flock": 1, "chrt": 1}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh"})


_LOOKUP = re.compile(r"^(?:which|command\s+-[vV]|type\s+-[pP]?)\s+"
                     r"(?P<program>[A-Za-z0-9_.+/-]+)$")


def looked_up(text: str) -> str | None:
    """The program a lookup command names (`which python3`, `command -v python3`,
    `type -P python3`): running its output runs that program."""
    match = _LOOKUP.match(text.strip())
    return match.group("program") if match else None


def _only_looks_up(options: tuple[Word, ...]) -> bool:
    """`command -v`/`-V` (alone or with `-p`): a lookup, like `which`, `type`, `hash`."""
    for word in options:
        if word.text == "--" or not word.text.startswith("-") or len(word.text) < 2:
            return False
        if "v" in word.text[1:] or "V" in word.text[1:]:
            return True
    return False


def unwrap(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], tuple[str, ...]]:
    """Strip leading `VAR=value` words and wrappers: `sudo -u qt env A=1 nohup python3 x`
    -> (`python3 x`, ("sudo", "env", "nohup"))."""
    wrappers: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        text = words[i].text
        if _ASSIGNMENT.match(text):
            i += 1
            continue
        name = text.rsplit("/", 1)[-1]
        if name not in _WRAPPER_ARGS or words[i].dynamic:
            break
        if name == "command" and _only_looks_up(words[i + 1:]):
            break  # `command -v X` prints where X is; it does not run X
        wrappers.append(name)
        takes_arg = _WRAPPER_ARGS[name]
        i += 1
        positional = _POSITIONAL_BEFORE_COMMAND.get(name, 0)
        while i < n:
            opt = words[i].text
            if opt == "--":
                i += 1
                break
            if name == "env" and _ASSIGNMENT.match(opt):
                i += 1
                continue
            if opt.startswith("-") and len(opt) > 1:
                i += 2 if opt in takes_arg else 1
                continue
            if positional:
                positional -= 1
                i += 1
                continue
            break
    return words[i:], tuple(wrappers)


def make_command(words: tuple[Word, ...], origin: str,
                 cd: Word | None = None) -> Command | None:
    inner, wrappers = unwrap(words)
    if not inner:
        return None
    return Command(inner, origin, cd, wrappers, words[0])


# --- what a program is ------------------------------------------------------------------------

_PYTHON_NAME = re.compile(r"^python(?:\d(?:\.\d+)?)?$")
_SYSTEM_DIRS = ("", "/usr/bin", "/usr/local/bin", "/bin")


def is_python_name(name: str) -> bool:
    return bool(_PYTHON_NAME.match(name))


def is_bare_python(program: Word) -> bool:
    """`python`, `python3.11`, `/usr/bin/python3`, ... : a system interpreter (QT101)."""
    if program.dynamic:
        return False
    directory, _, name = program.text.rpartition("/")
    return is_python_name(name) and directory in _SYSTEM_DIRS


def venv_of(program: str, contract: Contract) -> str | None:
    """`/opt/quantum/venvs/<venv>/bin/python*` -> `<venv>` (configured or not)."""
    root = contract.venv_root.rstrip("/") + "/"
    if not program.startswith(root):
        return None
    rest = program[len(root):].split("/")
    if len(rest) == 3 and rest[1] == "bin" and is_python_name(rest[2]):
        return rest[0]
    return None


def is_wrapper(program: str, contract: Contract) -> bool:
    """`ops/run.sh`, `./ops/run.sh`, `/home/qt/quantum_trader/ops/run.sh`."""
    wrapper = contract.wrapper.strip("/")
    text = program.removeprefix("./")
    return text == wrapper or text == f"{contract.repo_root.rstrip('/')}/{wrapper}"


def runs_python(command: Command, contract: Contract) -> bool:
    """The command runs a Python interpreter or a `*.py` script (QT102, QT104)."""
    program = command.program
    if program.dynamic:
        return False
    if is_python_name(command.name) or venv_of(program.text, contract) is not None:
        return True
    return program.text.endswith(".py")


def shell_script_argument(command: Command) -> Word | None:
    """The script of `bash -c '...'` / `sh -c "..."`, or None."""
    if command.name not in SHELLS:
        return None
    args = command.args
    for i, word in enumerate(args):
        text = word.text
        if text == "-c" or (text.startswith("-") and not text.startswith("--") and "c" in text):
            return args[i + 1] if i + 1 < len(args) else None
        if not text.startswith("-"):
            return None
    return None
