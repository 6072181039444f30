"""What the unit rules share."""

from __future__ import annotations

from qt_lint import lazyre

TYPE_CHECKING = False
if TYPE_CHECKING:
    from qt_lint.command_model import Command
    from qt_lint.shellflow import End, Facts, Step

# `User=`/`Group=` values that mean root
ROOT_VALUES = frozenset({"root", "0"})


# the specifiers the system manager expands to root's name or id (systemd.unit(5); the
# values qt_lint.parsers.systemd.specified() gives them)
_ROOT_SPECIFIERS = frozenset({"%u", "%U", "%g", "%G"})


def is_root(value: str) -> bool:
    """A `User=`/`Group=` value that is root as systemd reads it: `root`, `0`, or the
    specifiers the system manager expands to them (`%u`, `%U`, `%g`, `%G`)."""
    return value in ROOT_VALUES or value in _ROOT_SPECIFIERS


# commands that are no check: they print, set the shell's options, or read nothing but what
# is piped in (`cat`, `tee` without a file to read); a check is any other command
_NO_CHECK = frozenset({
    "echo", "printf", "true", ":", "false", "set", "export", "local", "readonly", "shopt",
    "trap", "exit", "return", "unset", "shift", "sleep", "logger", "systemd-cat", "tee",
    "case"})  # `case`: what a pattern matched (shellflow asks), no command
# commands that prepare the start rather than check it (`fuser -k 8043/tcp || true` frees a
# port that may be free): their failure may be meant to be ignored
_ACTIONS = frozenset({
    "fuser", "kill", "pkill", "killall", "rm", "rmdir", "mkdir", "chown", "chmod", "chgrp",
    "touch", "ln", "cp", "mv", "install", "truncate", "find", "mount", "umount", "modprobe",
    "sysctl", "ip", "iptables", "renice", "ionice", "wait"})
# `systemctl` verbs that check (`systemctl is-active redis`); the others act
_SYSTEMCTL_CHECKS = frozenset({"is-active", "is-enabled", "is-failed", "is-system-running",
                               "status", "show"})
_CHECKED = "check"  # the fact a check gives when it succeeds
_ALWAYS_ZERO = frozenset({"true", ":"})


def _classify(step: Step, facts: Facts) -> tuple[Facts, Facts]:
    name = step.command.name
    args = [w.text for w in step.command.args if not w.text.startswith("-")]
    if name in _NO_CHECK or name in _ACTIONS or (name == "cat" and not step.command.args) or (
            name == "systemctl" and not (args and args[0] in _SYSTEMCTL_CHECKS)):
        return frozenset(), frozenset()
    return frozenset({_CHECKED}), frozenset()


def _shell_options(command: Command) -> str:
    """`bash -e -o pipefail -c '...'`: the options before the script, as `set` lines."""
    out = []
    args = command.args
    i = 0
    while i < len(args):
        text = args[i].text
        if text in ("-o", "+o") and i + 1 < len(args):
            out.append(f"set {text} {args[i + 1].text}")
            i += 2
            continue
        if text.startswith("-") and not text.startswith("--") and "c" in text:
            letters = text[1:].replace("c", "")
            if letters:
                out.append(f"set -{letters}")
            break
        if text.startswith(("-", "+")) and not text.startswith("--") and len(text) > 1:
            out.append(f"set {text}")
        i += 1
    return "".join(f"{line}\n" for line in out)


def _reason(script: str, end: End | None) -> str:
    """Why a script's status is 0 when its checks fail, as written."""
    if end is not None and end.via is not None:
        return f"{end.via} makes it exit 0"
    if end is not None and end.code == 0 and end.ok_facts is None:
        return "`exit 0` ends it with 0"
    for pattern, why in _REASONS:
        match = pattern.search(script)
        if match is not None:
            return why.format(match.group().strip())
    return "its status is not the check's"


_REASONS = (
    (lazyre.compile(r"\|\|\s*(?:true|:)(?![\w-])"), "`{}` makes it exit 0"),
    (lazyre.compile(r"\|\|\s*exit\s+0(?!\d)"), "`{}` makes it exit 0"),
    (lazyre.compile(r"\|\|\s*[^|&;]*[^|&;\s]"), "`{}` runs when it fails and sets the status"),
    (lazyre.compile(r"(?<![&>])&(?![&>])"), "`&` runs the check in the background: its "
                                           "status is 0 at once"),
    (lazyre.compile(r"(?<![|>])\|(?![|&])"), "a pipeline's status is its last command's, "
                                            "without `pipefail`"),
    (lazyre.compile(r"\bif\b"), "the check is only an `if` condition"),
    (lazyre.compile(r";"), "a command after the check sets the status"),
)


def unfailing_check(command: Command) -> str | None:
    """Why a start check (`ExecStartPre=`, `ExecCondition=`) exits 0 even when what it
    checks fails: `/bin/true`; a `sh -c` / `bash -c` script whose status is 0 when its
    checks fail (`|| true`, `; exit 0`, `cmd &`, `cmd | cat` without pipefail, `if cmd;
    then :; fi`), read with the exit-status model of `qt_lint.shellflow` (every command
    other than a printing or a setting one is a check that may fail); None when a check's
    failure can reach the exit status (or the script was not read)."""
    from qt_lint.command_model import shell_script_argument

    if command.name in _ALWAYS_ZERO:
        return "it always exits 0"
    script = shell_script_argument(command)
    if script is None:
        return None
    from qt_lint.shellflow import analyse

    text = _shell_options(command) + script.text
    # TooManyPaths: the caller reports it (not analysed)
    flow = analyse(text, _classify, if_status=True)
    checks = [step.command.name for step, _ in flow.steps
              if _CHECKED in _classify(step, frozenset())[0]]
    for end in flow.ends:
        if end.detached is not None:
            continue
        if end.exec_step is not None:
            zero = end.exec_step.command.name in _ALWAYS_ZERO
            facts: Facts | None = end.facts
        elif end.code == 0 or (end.code is None and end.ok_facts is not None):
            zero = True
            facts = end.ok_facts if end.ok_facts is not None else end.facts
        else:
            continue
        if zero and _CHECKED not in (facts or frozenset()):
            if not checks:
                steps = {step.command.name for step, _ in flow.steps}
                if not steps <= _ALWAYS_ZERO | {"exit"}:
                    return None  # the model reads `echo` as a command that may fail
                return "the script always exits 0"
            return f"the script exits 0 when `{checks[0]}` fails ({_reason(script.text, end)})"
    return None
