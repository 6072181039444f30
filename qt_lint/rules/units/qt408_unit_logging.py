from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH


class UnitLogging(Rule):
    """
    ## What it does
    Reports `StandardOutput=` or `StandardError=` set to anything but `journal`:
    `file:`, `append:`, `truncate:`, `null`, `syslog`, `inherit`, `tty`, `socket`. A
    missing one is QT401.

    ## Why is this bad?
    Contract D.7 and A: the journal is the primary log (`journalctl -u quantum-<service>`);
    a file target escapes rotation and the audit, `null` loses the evidence an incident
    needs, and a file in the repository is QT206's offence written into a unit.

    ## Example
    ```ini
    StandardOutput=append:/home/qt/quantum_trader/logs/backend.log
    ```

    ## Use instead
    ```ini
    StandardOutput=journal
    StandardError=journal
    ```
    `--fix` sets both to `journal`.
    """

    code = "QT408"
    name = "unit-logging"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "StandardOutput=/StandardError= other than journal"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN),)
    INVALID = (
        Example(GOLDEN.replace("StandardOutput=journal", "StandardOutput=append:/tmp/b.log"),
                expect=((16, 16),), fixed=GOLDEN),
        Example(GOLDEN.replace("StandardError=journal", "StandardError=null"),
                expect=((17, 15),), fixed=GOLDEN),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.unit.type != "service":
            return
        for key in ("StandardOutput", "StandardError"):
            setting = ctx.unit.last("Service", key)
            if setting is None or not ctx.owns(setting) or setting.value == "journal":
                continue
            yield ctx.finding(self, setting.value_line, setting.value_column,
                              f"{key}={setting.value}: service output goes to the journal",
                              Fix((set_value(setting, "journal"),)))
