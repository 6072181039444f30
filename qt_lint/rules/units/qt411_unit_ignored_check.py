from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN
from qt_lint.rules.units.helpers import unfailing_check

_CHECKS = ("ExecStartPre", "ExecCondition")


class UnitIgnoredCheck(Rule):
    """
    ## What it does
    Reports an `ExecStartPre=` (or `ExecCondition=`) of a quantum unit whose command has
    the `-` prefix (`ExecStartPre=-/usr/bin/redis-cli PING`, also after other prefixes such
    as `@-` or `-+`): systemd then ignores the command's failure and starts the service
    anyway. The prefix is read as systemd reads it: on each command of the line (a lone
    `;` separates them), after quotes and C escapes (`"-/usr/bin/test"`, `\x2d/usr/bin/test`);
    in the quantum unit's own files and in the drop-ins systemd applies to it (the
    type-wide `service.d/`, a dash prefix's `quantum-.service.d/`, an alias's `qae.service.d/`
    beside a link `qae.service -> quantum-ai-engine.service`). A command that a later
    drop-in's empty `ExecStartPre=` removes is not reported.

    Also reported: a start check that cannot fail, whose command exits 0 when what it checks
    fails: `/bin/true`, or a `sh -c` / `bash -c` script (also after `env X=1`) that ends with
    status 0 when its checks fail (`... || true`, `... || :`, `cmd; true`, `cmd; exit 0`,
    `cmd || exit 0`, `cmd &`, `if cmd; then :; fi`, `cmd | cat` without `pipefail`). The
    script is read with the shell's exit status (`&&`, `||`, `;`, `if`, pipelines, `set -e`,
    `set -o pipefail` and `bash -e` / `-o pipefail` before `-c`): every command other than
    one that prints (`echo`) or prepares the start (`fuser -k`, `mkdir`, `rm`, `systemctl
    reset-failed`) is a check. A script that runs no check and may fail is not reported.

    ## Why is this bad?
    Contract E: "Before ANY service starts" Redis, the database, the venv and the env file
    are checked, and "If ANY dependency check fails -> EXIT IMMEDIATELY with non-zero
    code"; D: "NEVER ignore dependency failures". A check whose failure is ignored is
    only a log line: the service starts without Redis or without its database.

    ## Example
    ```ini
    ExecStartPre=-/usr/bin/test -f /opt/quantum/data/quantum_trader.db
    ExecStartPre=/bin/sh -c "/usr/bin/redis-cli PING || true"
    ```

    ## Use instead
    ```ini
    ExecStartPre=/usr/bin/test -f /opt/quantum/data/quantum_trader.db
    ExecStartPre=/bin/sh -c "/usr/bin/redis-cli PING"
    ```
    """

    code = "QT411"
    name = "unit-ignored-check"
    section = "E"
    kinds = frozenset({Kind.UNIT})
    summary = "A unit's start check ignores its failure (ExecStartPre=-...)"
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN.replace("Type=simple", "Type=simple\n"
                                    "ExecStartPre=/usr/bin/redis-cli PING")),
             Example(GOLDEN.replace("Type=simple", "Type=simple\nExecStopPost=-/bin/true")),
             Example("[Service]\nExecStartPre=-/bin/true\nExecStart=/bin/x\n",
                     path="systemd/other.service"),
             Example(GOLDEN.replace("Type=simple", "Type=simple\n"
                                    "ExecStartPre=/bin/sh -c 'set -e; /usr/bin/redis-cli PING; "
                                    "echo ok'\n"
                                    "ExecStartPre=/bin/sh -c 'fuser -k 8000/tcp || true'")))
    INVALID = (Example(GOLDEN.replace("Type=simple", "Type=simple\n"
                                      "ExecStartPre=-/usr/bin/redis-cli PING\n"
                                      "ExecStartPre=@-/usr/bin/test -f /opt/quantum/data/"
                                      "quantum_trader.db"), expect=((9, 14), (10, 15))),
               Example(GOLDEN.replace("Type=simple", "Type=simple\n"
                                      "ExecStartPre=/bin/sh -c '/usr/bin/redis-cli PING || true'\n"
                                      "ExecCondition=/bin/true"), expect=((9, 14), (10, 15))))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        prefix = ctx.contract.unit_prefix
        if not _applies_to_quantum(ctx.unit_name, prefix) and not (
                ctx.relpath.endswith(".conf") and
                _applies_to_quantum(ctx.project.aliased_unit(ctx), prefix)):
            return
        unit = ctx.unit
        for key in _CHECKS:
            # the commands in force: an empty assignment in a later drop-in removes them
            for a in unit.values("Service", key):
                if not ctx.owns(a):
                    continue
                for prefix, index, command in a.exec_heads():
                    if "-" not in prefix:
                        continue
                    if a.value.startswith(prefix, index):  # written plainly: at the `-`
                        index += prefix.index("-")
                    line, column = a.position(index)
                    yield ctx.finding(self, line, column,
                                      f"{a.key}=-{command}: the `-` ignores the check's failure "
                                      "and the service starts anyway (fail closed: drop the `-`)")
        yield from self._unfailing(ctx)

    def _unfailing(self, ctx: FileContext) -> Iterator[Finding]:
        """The start checks (without `-`) whose command exits 0 when what it checks fails."""
        from qt_lint.shellflow import TooManyPaths

        owned = [a for key in _CHECKS for a in ctx.unit.values("Service", key) if ctx.owns(a)]
        for command in ctx.commands:
            if command.origin not in _CHECKS or command.first is None:
                continue
            at = (command.first.line, command.first.column)
            a = next((a for a in owned if a.key == command.origin and
                      a.position(0) <= at <= a.position(len(a.value))), None)
            if a is None:
                continue  # removed by a later empty assignment
            heads = [h for h in a.exec_heads() if a.position(h[1]) <= at]
            if not heads or "-" in heads[-1][0]:
                continue  # the `-` is reported above
            try:
                why = unfailing_check(command)
            except TooManyPaths as error:
                ctx.not_analysed(f"{a.key}= script: {error.message}", *at)
                continue
            if why is not None:
                shown = command.program.text + (" -c" if why.startswith("the script") else "")
                yield ctx.finding(self, *at, f"{a.key}={shown}: {why}, so the check cannot "
                                  "fail and the service starts anyway (fail closed: let the "
                                  "check's failure be its exit status)")


def _applies_to_quantum(name: str, prefix: str) -> bool:
    """The unit a file configures is a quantum unit, or a drop-in folder that systemd
    applies to quantum units too: the type-wide `service.d/` (every service) and a dash
    prefix's (`quantum-.service.d/`, `quantum-ai-.service.d/`)."""
    if "." not in name:
        return name == "service"
    stem = name.rsplit(".", 1)[0]
    if stem.endswith("-"):
        return stem.startswith(prefix) or prefix.startswith(stem)
    return stem.startswith(prefix)
