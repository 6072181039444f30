from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN

_CHECKS = ("ExecStartPre", "ExecCondition")


class UnitIgnoredCheck(Rule):
    """
    ## What it does
    Reports an `ExecStartPre=` (or `ExecCondition=`) of a quantum unit whose command has
    the `-` prefix (`ExecStartPre=-/usr/bin/redis-cli PING`, also after other prefixes such
    as `@-` or `-+`): systemd then ignores the command's failure and starts the service
    anyway.

    ## Why is this bad?
    Contract E: "Before ANY service starts" Redis, the database, the venv and the env file
    are checked, and "If ANY dependency check fails -> EXIT IMMEDIATELY with non-zero
    code"; D: "NEVER ignore dependency failures". A check whose failure is ignored is
    only a log line: the service starts without Redis or without its database.

    ## Example
    ```ini
    ExecStartPre=-/usr/bin/test -f /opt/quantum/data/quantum_trader.db
    ```

    ## Use instead
    ```ini
    ExecStartPre=/usr/bin/test -f /opt/quantum/data/quantum_trader.db
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
                     path="systemd/other.service"))
    INVALID = (Example(GOLDEN.replace("Type=simple", "Type=simple\n"
                                      "ExecStartPre=-/usr/bin/redis-cli PING\n"
                                      "ExecStartPre=@-/usr/bin/test -f /opt/quantum/data/"
                                      "quantum_trader.db"), expect=((9, 14), (10, 15))),)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.unit.name.startswith(ctx.contract.unit_prefix):
            return
        for section in ctx.unit_document.sections:
            if section.name != "Service":
                continue
            for a in section.assignments:
                if a.key not in _CHECKS:
                    continue
                prefix = a.value[: len(a.value) - len(a.value.lstrip("-@:+!"))]
                if "-" not in prefix:
                    continue
                line, column = a.position(prefix.index("-"))
                command = a.value[len(prefix):].split(None, 1)[0] if a.value[len(prefix):] \
                    .strip() else ""
                yield ctx.finding(self, line, column,
                                  f"{a.key}=-{command}: the `-` ignores the check's failure "
                                  "and the service starts anyway (fail closed: drop the `-`)")
