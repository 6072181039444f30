from __future__ import annotations

import os
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.project import ESCALATION_WORDS
from qt_lint.rule import AnyOf, Either, Example, Rule

_ESCALATE = frozenset({"sudo", "su", "doas", "pkexec"})
_SETID = frozenset({"os.setuid", "os.seteuid", "os.setreuid", "os.setresuid", "os.setgid",
                    "os.setegid"})


class NeedsRoot(Rule):
    """
    ## What it does
    Reports service or ops code that escalates privileges: `sudo`, `su`, `doas` or
    `pkexec` run from Python (subprocess, `os.system`, ...), `os.setuid(0)`,
    `os.seteuid(0)` and their relatives; in shell, only in scripts that services run (a
    unit's `Exec*=` line, the wrapper `ops/run.sh`, a crontab entry of the repository, or
    a script one of those names: `bash scripts/x.sh`, `$REPO_ROOT/x.sh`, see
    `qt_lint/runby.py`), and in crontab entries. An administrator's install script is not
    reported: the contract's own clean-slate procedure installs units with `sudo`. A unit's
    `User=root`, `ExecStartPre=+...` and `PermissionsStartOnly=` are QT402.

    ## Why is this bad?
    Contract J: "If a service needs root, REDESIGN THE SERVICE". The `qt` user cannot
    modify units, install packages or edit `/etc/quantum/`, and code that tries is either
    broken or an escalation path.

    ## Example
    ```python
    subprocess.run(["sudo", "systemctl", "restart", "quantum-backend"])
    ```

    ## Use instead
    A human runs privileged operations; code asks for them through a documented runbook.
    """

    code = "QT701"
    name = "needs-root"
    section = "J"
    kinds = frozenset({Kind.PYTHON, Kind.SHELL, Kind.CRONTAB})
    summary = "Code escalates to root (sudo/su in Python, in scripts services run, in cron)"
    # `su` as a quoted word (`"su"`, `"su -c ..."`), not the start of "success" or "summary"
    # (the pattern asked only where the quote and "su" are: it scans each quote of the text)
    prefilter = {Kind.PYTHON: Either(AnyOf("sudo", "doas", "pkexec", "uid(", "gid("),
                                     (AnyOf('"su', "'su"), lazyre.compile(r"""["']su(?!\w)"""))),
                 Kind.SHELL: AnyOf(*ESCALATION_WORDS), Kind.CRONTAB: AnyOf(*ESCALATION_WORDS)}
    example_path = "ops/restart.py"
    VALID = (Example('import subprocess\nsubprocess.run(["systemctl", "status", "x"])\n'
                     'print("never sudo")\n'),
             # no unit, wrapper or crontab of the repository runs it: an administrator's
             Example("sudo cp systemd/*.service /etc/systemd/system/\n",
                     path="scripts/install_units.sh"))
    INVALID = (
        Example('import subprocess\nsubprocess.run(["sudo", "systemctl", "restart", "x"])\n',
                expect=((2, 17),)),
        Example('import os\nos.setuid(0)\n', expect=((2, 1),)),
        Example("0 * * * * sudo /opt/quantum/venvs/backend/bin/python ops/sync.py\n",
                path="deploy/quantum.cron", expect=((1, 11),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        message = "code runs `{}`; services never escalate to root"
        if ctx.kind is Kind.SHELL:
            how = ctx.project.service_scripts.get(ctx.abspath or os.path.abspath(ctx.path))
            if how is None:
                return  # an administrator's script: no service runs it
            message = f"`{{}}` in a script services run ({how}); services never escalate to root"
        elif ctx.kind is Kind.CRONTAB:
            message = "crontab entry runs `{}`; automation never escalates to root"
        for command in ctx.commands:
            escalation = next((w for w in command.wrappers if w in _ESCALATE), None)
            if escalation is None and command.name in _ESCALATE:
                escalation = command.name
            if escalation is not None:
                word = command.first or command.program
                yield ctx.finding(self, word.line, word.column, message.format(escalation))
        if ctx.kind is not Kind.PYTHON:
            return
        facts = ctx.python
        for call in facts.calls:
            if call.name in _SETID and facts.int_value(call.arg(0), call.scope) == 0:
                yield ctx.finding(self, call.line, call.column,
                                  f"`{call.name}(0)` switches to root")
