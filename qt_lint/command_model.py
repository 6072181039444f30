"""Commands that would run, whatever file they come from.

systemd `Exec*=` lines, shell scripts, Makefile recipes, crontab lines and Python
`subprocess` calls all reduce to `Command`s: positioned words, the program first, after
wrappers (`sudo`, `env`, `nohup`, ...) and leading `VAR=value` assignments are stripped.
The command rules (QT101, QT103, QT501, QT601, ...) are written once, against this.
"""

from __future__ import annotations

import re

from qt_lint import lazyre
from qt_lint.config import Contract
from qt_lint.record import record

# systemd's settings whose value is a command line: the `origin` of each command such a line
# runs itself (a command inside its `bash -c '...'` script has the origin "<key> script")
EXEC_KEYS = (
    "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop",
    "ExecStopPost",
)


@record(frozen=True, slots=True)
class Word:
    """One word of a command, positioned in the file."""

    text: str  # the word after quote removal; expansions (`$X`) are kept as written
    line: int
    column: int
    dynamic: bool = False  # contains an expansion whose value is unknown


@record(frozen=True, slots=True)
class Command:
    """One command a file runs (a unit's Exec line, a shell or make command, a cron entry)."""

    words: tuple[Word, ...]
    origin: str  # "ExecStart", "shell", "make", "cron", "python", ...
    # the directory of a relative `cd` run before this command in the same shell, positioned
    # at that `cd` (QT104)
    cd: Word | None = None
    wrappers: tuple[str, ...] = ()  # wrappers stripped, outermost first
    first: Word | None = None  # the first word as written, before wrappers were stripped
    name: str = ""  # the program's base name (`/usr/bin/python3` -> `python3`)
    # the shell's working directory when this command runs, where a `cd`/`pushd` before it
    # in the same shell made it known (absolute, positioned at its directory's word)
    cwd: Word | None = None

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.words[0].text.rsplit("/", 1)[-1])

    @property
    def program(self) -> Word:
        return self.words[0]

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]


@record(frozen=True, slots=True)
class Wrapper:
    """How a program that runs its arguments reads them: the options that take a value
    as the next word, how many non-option words come before the command (`timeout 5`),
    and the option whose value is a shell string (`flock -c 'cmd'`, `su -c 'cmd'`)."""

    takes_arg: frozenset[str] = frozenset()
    positional: int = 0
    shell_option: str | None = None
    # a user name may come before the command or the shell string (`su - qt -c ...`)
    user_positional: bool = False


def _w(args: str = "", positional: int = 0, shell: str | None = None,
       user: bool = False) -> Wrapper:
    return Wrapper(frozenset(args.split()), positional, shell, user)


# the one table of programs that run their arguments (option grammars from their manuals)
WRAPPERS: dict[str, Wrapper] = {
    "sudo": _w("-u -g -C -D -h -p -r -t -U -T --user --group --chdir --prompt --host "
               "--close-from --role --type --other-user --command-timeout"),
    "doas": _w("-u -C"),
    "env": _w("-u -C -S --unset --chdir --split-string"),
    "exec": _w("-a"),
    "nohup": _w(),
    "timeout": _w("-s -k --signal --kill-after", positional=1),
    "nice": _w("-n --adjustment"),
    "time": _w("-f -o --format --output"),
    # `-i`, `-l`, `-e`, `--replace`, `--eof`: their value is optional, attached only
    "xargs": _w("-I -n -P -L -s -d -a -E --max-args --max-procs --delimiter "
                "--arg-file --max-lines --max-chars --process-slot-var"),
    "stdbuf": _w("-i -o -e --input --output --error"),
    "command": _w(),
    "setsid": _w(),
    "ionice": _w("-c -n -p -P -u --class --classdata --pid --pgid --uid"),
    "chrt": _w("-T -P -D --sched-runtime --sched-period --sched-deadline", positional=1),
    "flock": _w("-w -E -c --timeout --conflict-exit-code --command", positional=1,
                shell="-c"),
    "su": _w("-c -s -g -G -w --command --shell --group --supp-group --whitelist-environment",
             shell="-c", user=True),
    "runuser": _w("-c -s -g -G -u -w --command --shell --group --supp-group --user "
                  "--whitelist-environment", shell="-c", user=True),
    "setpriv": _w("--reuid --regid --ruid --euid --rgid --egid --groups --inh-caps "
                  "--ambient-caps --bounding-set --securebits --pdeathsig --selinux-label "
                  "--apparmor-profile --landlock-access --landlock-rule --seccomp-filter"),
    "systemd-run": _w("-u -p -E -M -H --unit --property --setenv --machine --host "
                      "--description --slice --uid --gid --nice --working-directory "
                      "--on-active --on-boot --on-startup --on-unit-active "
                      "--on-unit-inactive --on-calendar --timer-property "
                      "--path-property --socket-property --service-type --expand-environment"),
    "watch": _w("-n -q --interval --equexit"),
    "pkexec": _w("--user"),
    "screen": _w("-S -c -e -h -p -T -t -s -Logfile"),
    "numactl": _w("-C -N -m -p -i --physcpubind --cpunodebind --membind --preferred "
                  "--interleave"),
    "prlimit": _w("-p --pid"),
    "parallel": _w("-j -S -a -d -I -n -N -L --jobs --joblog --arg-file --colsep --delimiter "
                   "--sshlogin --results --tmpdir --timeout --retries"),
    "sg": _w(positional=1, shell="-c"),
    "taskset": _w(positional=1),  # `-c 0,1`: the mask is a list, still one word
    "coproc": _w(),
    "builtin": _w(),
    "script": _w("-E -I -O -T -B --echo --log-in --log-out --log-timing --log-io",
                 shell="-c"),
    "chroot": _w("--userspec --groups", positional=1),
    "unshare": _w("--map-user --map-group --setuid --setgid --root --wd"),
    "nsenter": _w("-t -S -G --target --setuid --setgid --root --wd"),
}
_ASSIGNMENT = lazyre.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh"})


# `2>/dev/null` after the lookup discards its errors only: what it prints is the same
_LOOKUP = lazyre.compile(r"^(?:which|command\s+-[vV]|type\s+-[pP]?)\s+"
                     r"(?P<program>[A-Za-z0-9_.+/-]+)(?:\s+2>\s*(?:/dev/null|&-))*$")


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


def _split_string(word: Word) -> tuple[Word, ...]:
    """`env -S 'python3 -u x.py'`: the words of the string, positioned in it."""
    out = []
    for match in re.finditer(r"\S+", word.text):
        out.append(Word(match.group(), word.line, word.column + match.start(), word.dynamic))
    return tuple(out)


def _shell_string(word: Word, at: Word, value: str | None = None) -> tuple[Word, ...]:
    """`sh -c <string>` standing for a wrapper's shell string (the string word kept where
    it is written, so the shell reader parses it there)."""
    shell = Word("sh", at.line, at.column)
    if value is not None:  # `--command=python3 x`: the value after `=`
        word = Word(value, word.line, word.column + len(word.text) - len(value), word.dynamic)
    return (shell, Word("-c", at.line, at.column), word)


_OPENS_A_SHELL = {"sudo": ("-s", "-i", "--shell", "--login"), "doas": ("-s",),
                  "su": (), "runuser": (), "pkexec": ()}


def unwrap(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], tuple[str, ...]]:
    """Strip leading `VAR=value` words and wrappers: `sudo -u qt env A=1 nohup python3 x`
    -> (`python3 x`, ("sudo", "env", "nohup")). A wrapper's shell string (`flock f -c
    'cmd'`, `su - qt -c 'cmd'`, `watch 'cmd'`) becomes `sh -c 'cmd'` (the string word
    kept, so the shell reader parses it where it is written); `env -S 'a b'` splits the
    string. Short options bundle as their programs read them (`sudo -iu qt`, `su -lc
    'cmd'`: the last letter takes the next word). A wrapper that opens a shell with no
    command (`sudo -i`, `su - qt`) is that shell (it reads its standard input)."""
    wrappers: list[str] = []
    i = 0
    n = len(words)
    while i < n:
        text = words[i].text
        if _ASSIGNMENT.match(text):
            i += 1
            continue
        name = text.rsplit("/", 1)[-1]
        if name == "tmux" and not words[i].dynamic:
            command = _tmux_command(words[i + 1:])
            if command:
                return _shell_string(_joined(command), words[i]), (*wrappers, "tmux")
            break
        wrapper = WRAPPERS.get(name)
        if wrapper is None or words[i].dynamic:
            break
        if name == "command" and _only_looks_up(words[i + 1:]):
            break  # `command -v X` prints where X is; it does not run X
        wrappers.append(name)
        at = words[i]
        takes_arg = wrapper.takes_arg
        i += 1
        positional = wrapper.positional
        user = wrapper.user_positional
        opened = False  # `sudo -s`, `su`: a shell when no command follows
        while i < n:
            opt = words[i].text
            if opt == "--":
                i += 1
                break
            if name == "env" and (_ASSIGNMENT.match(opt) or opt == "-"):
                i += 1  # `env - PATH=x cmd`: `-` is `-i`
                continue
            shell_option = wrapper.shell_option
            long_options = ("--command", "--session-command") if wrapper.user_positional \
                else ("--command",)
            equals = next((o for o in long_options if opt.startswith(o + "=")), None)
            if shell_option is not None and equals is not None:
                return _shell_string(words[i], at, opt[len(equals) + 1:]), tuple(wrappers)
            if shell_option is not None and i + 1 < n and (
                    opt in (shell_option, *long_options) or (
                        _bundle(opt) and opt.endswith(shell_option[1:]))):
                return _shell_string(words[i + 1], at), tuple(wrappers)
            if wrapper.user_positional and opt in ("-", "-l", "--login"):
                i += 1  # `su - qt`: a login shell's environment
                continue
            if name == "runuser" and opt in ("-u", "--user"):
                user = False  # `runuser -u qt -- cmd`: the command follows directly
            if name == "env" and (opt in ("-S", "--split-string") or (
                    _bundle(opt) and opt.endswith("S"))) and i + 1 < n:
                found, more = unwrap(_split_string(words[i + 1]) + words[i + 2:])
                return found, (*wrappers, *more)
            if name == "env" and opt.startswith(("-S", "--split-string=")) and len(opt) > 2:
                value = opt[2:] if opt.startswith("-S") else opt.split("=", 1)[1]
                word = words[i]
                string = Word(value, word.line, word.column + len(opt) - len(value),
                              word.dynamic)
                split, more = unwrap(_split_string(string) + words[i + 1:])
                return split, (*wrappers, *more)
            if opt.startswith("-") and len(opt) > 1:
                opened = opened or opt in _OPENS_A_SHELL.get(name, ()) or (
                    _bundle(opt) and any(f"-{c}" in _OPENS_A_SHELL.get(name, ())
                                         for c in opt[1:]))
                i += 2 if opt in takes_arg or _bundle_takes_arg(opt, takes_arg) else 1
                continue
            if positional:
                positional -= 1
                i += 1
                continue
            if user:  # `su qt -c ...`: the user; without -c su opens a login shell
                user = False
                i += 1
                continue
            break
        if name == "watch" and i < n and not any(w.text in ("-x", "--exec")
                                                 for w in words[:i]):
            # watch runs its words joined with blanks through `sh -c` (without `-x`)
            return _shell_string(_joined(words[i:]), at), tuple(wrappers)
        if i >= n and (opened or name in ("su", "runuser")):
            return (Word("sh", at.line, at.column),), tuple(wrappers)
        if name == "script":
            return (), tuple(wrappers)  # without `-c` its word is the typescript file
        if name in ("su", "runuser") and (i >= n or words[i].text.startswith("-")):
            return (), tuple(wrappers)
    return words[i:], tuple(wrappers)


_TMUX_NEW = frozenset({"new-session", "new", "new-window", "neww", "split-window", "splitw",
                       "respawn-pane", "respawnp", "respawn-window", "respawnw"})
_TMUX_ARGS = frozenset({"-s", "-n", "-c", "-t", "-x", "-y", "-e", "-F", "-l", "-p", "-L",
                        "-S", "-f", "-w"})


def _tmux_command(args: tuple[Word, ...]) -> tuple[Word, ...]:
    """`tmux [-L x] new-session -d -s bot 'python3 x.py'`: the shell command a new
    session, window or pane runs (empty when there is none)."""
    i = 0
    while i < len(args) and args[i].text.startswith("-"):  # tmux's own options
        i += 2 if args[i].text in ("-L", "-S", "-f", "-c", "-T") else 1
    if i >= len(args) or args[i].text not in _TMUX_NEW:
        return ()
    i += 1
    while i < len(args) and args[i].text.startswith("-") and len(args[i].text) > 1:
        if args[i].text == "--":
            i += 1
            break
        i += 2 if args[i].text in _TMUX_ARGS else 1
    return args[i:]


def _bundle(opt: str) -> bool:
    """`-iu`, `-lc`: short options written together."""
    return len(opt) > 2 and opt[0] == "-" and opt[1] != "-" and opt[1:].isalpha()


def _bundle_takes_arg(opt: str, takes_arg: frozenset[str]) -> bool:
    """The last letter of a bundle takes the next word (`sudo -iu qt`); a letter before
    it takes the rest of the bundle (`-uqt`), so no word follows."""
    if not _bundle(opt):
        return False
    for index, letter in enumerate(opt[1:], start=1):
        if f"-{letter}" in takes_arg:
            return index == len(opt) - 1
    return False


def _joined(words: tuple[Word, ...]) -> Word:
    first = words[0]
    return Word(" ".join(w.text for w in words), first.line, first.column,
                any(w.dynamic for w in words))


def exec_commands(command: Command) -> list[Command]:
    """`find ... -exec python3 {} \\;` (and `-execdir`, `-ok`, `-okdir`): the commands
    find runs, up to `;` or `+`."""
    if command.name != "find":
        return []
    out = []
    args = command.args
    i = 0
    while i < len(args):
        if args[i].text in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < len(args) and args[j].text not in (";", "+"):
                j += 1
            inner = make_command(args[i + 1:j], command.origin, command.cd, command.cwd)
            if inner is not None:
                out.append(inner)
            i = j
        i += 1
    return out


def make_command(words: tuple[Word, ...], origin: str,
                 cd: Word | None = None, cwd: Word | None = None) -> Command | None:
    inner, wrappers = unwrap(words)
    if not inner:
        return None
    return Command(inner, origin, cd, wrappers, words[0], cwd=cwd)


# --- what a copy writes -----------------------------------------------------------------------

# GNU coreutils' option grammar of the copiers (`--help`): the short options whose value is
# the next word (or the rest of the cluster), the long ones with a required value (`=` or
# the next word); the optional values (`--backup[=CONTROL]`, `--context[=CTX]`,
# `--preserve[=LIST]`, `--reflink[=WHEN]`) are attached only
_COPY_SHORT = {"cp": "St", "mv": "St", "ln": "St", "install": "gmoSt"}
_COPY_LONG = {"cp": ("--suffix", "--target-directory", "--no-preserve", "--sparse"),
              "mv": ("--suffix", "--target-directory"),
              "ln": ("--suffix", "--target-directory"),
              "install": ("--suffix", "--target-directory", "--group", "--mode", "--owner",
                          "--strip-program")}
_COPY_FLAGS = {"cp": ("--no-target-directory",), "mv": ("--no-target-directory",),
               "ln": ("--no-target-directory",),
               "install": ("--no-target-directory", "--directory")}
_OPTIONAL = ("--backup", "--context", "--preserve", "--reflink", "--verbose", "--force",
             "--interactive", "--no-clobber", "--update", "--recursive", "--archive",
             "--parents", "--compare", "--strip", "--preserve-timestamps",
             "--preserve-context", "--no-dereference", "--dereference", "--symbolic")


@record(frozen=True, slots=True)
class CopyOperands:
    """What `cp`/`mv`/`ln`/`install` is told: its operands (options and their values
    removed, in any order: GNU permutes), the folders of `-t DIR`, and `-T` (the
    destination is a file even when it is a folder) or `install -d` (every operand is a
    folder it creates)."""

    operands: tuple[Word, ...]
    folders: tuple[Word, ...]
    no_target: bool = False
    directories: bool = False


def _long(text: str, names: tuple[str, ...]) -> str | None:
    """The long option a word names: exactly, or by an unambiguous prefix (getopt_long)."""
    if text in names:
        return text
    found = [n for n in names if n.startswith(text)]
    return found[0] if len(found) == 1 and len(text) > 3 else None


def copy_operands(name: str, args: tuple[Word, ...]) -> CopyOperands | None:
    """The operands of a copy (None: not `cp`, `mv`, `ln` or `install`)."""
    if name not in _COPY_SHORT:
        return None
    short, longs, flags = _COPY_SHORT[name], _COPY_LONG[name], _COPY_FLAGS[name]
    operands: list[Word] = []
    folders: list[Word] = []
    no_target = directories = False
    index = 0
    while index < len(args):
        word = args[index]
        text = word.text
        index += 1
        if text == "--":
            operands.extend(args[index:])
            break
        if text.startswith("--"):
            key, eq, value = text.partition("=")
            option = _long(key, longs + flags + _OPTIONAL)
            if option not in longs:
                no_target |= option == "--no-target-directory"
                directories |= option == "--directory"
                continue
            if not eq:
                if index >= len(args):
                    continue
                word, value = args[index], args[index].text
                index += 1
                at = word.column
            else:
                at = word.column + len(key) + 1
            if option == "--target-directory":
                folders.append(Word(value, word.line, at, word.dynamic))
            continue
        if text.startswith("-") and len(text) > 1:
            for at, flag in enumerate(text[1:], start=1):
                if flag in short:
                    if at < len(text) - 1:
                        value, column = text[at + 1:], word.column + at + 1
                        valued = Word(value, word.line, column, word.dynamic)
                    elif index < len(args):
                        valued = args[index]
                        index += 1
                    else:
                        break
                    if flag == "t":
                        folders.append(valued)
                    break
                no_target |= flag == "T"
                directories |= flag == "d" and name == "install"
            continue
        operands.append(word)
    return CopyOperands(tuple(operands), tuple(folders), no_target, directories)


# --- what a program is ------------------------------------------------------------------------

_PYTHON_NAME = lazyre.compile(r"^python(?:\d(?:\.\d+)?)?$")
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
    i = 0
    while i < len(args):
        text = args[i].text
        if text in ("-o", "+o", "-O", "+O"):  # `bash -o pipefail -c '...'`
            i += 2
            continue
        if text == "-c" or (text.startswith("-") and not text.startswith("--") and "c" in text):
            i += 1
            if i < len(args) and args[i].text == "--":  # `sh -c -- '...'`
                i += 1
            return args[i] if i < len(args) else None
        if not text.startswith(("-", "+")):
            return None
        i += 1
    return None
