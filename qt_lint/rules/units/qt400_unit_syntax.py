from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH


class UnitSyntax(Rule):
    """
    ## What it does
    Reports what systemd would ignore or reject in a unit file: a line that is neither a
    section header, an assignment, a comment nor blank; an assignment before any section;
    a section that does not belong to the unit's type (`[Service]` in a `.timer`); a key
    that systemd does not know in its section (`Restar=always`), with the closest
    directive when one is near. The directive list is systemd's own
    (`systemd --dump-configuration-items`).

    ## Why is this bad?
    systemd logs "Unknown key ... ignoring" and starts the service without the setting:
    a misspelt `Restar=always` is a runtime service that never restarts, and no audit that
    matches substrings notices.

    ## Example
    ```ini
    [Service]
    Restar=always
    ```

    ## Use instead
    ```ini
    [Service]
    Restart=always
    ```
    """

    code = "QT400"
    name = "unit-syntax"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Unit line systemd would ignore or reject (misspelt key, unknown section)"
    example_path = PATH
    VALID = (Example(GOLDEN), Example("[Unit]\nX-Team=quant\n[X-Custom]\nAnything=1\n"))
    INVALID = (
        Example(GOLDEN.replace("Restart=always", "Restar=always"), expect=((14, 1),)),
        Example("Description=x\n[Unit]\nDescription=y\n", expect=((1, 1),)),
        Example("[Unit]\nDescription=x\nthis is not an assignment\n", expect=((3, 1),)),
        Example("[Service]\nType=oneshot\n", path="systemd/quantum-x.timer", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for problem in ctx.unit_document.problems:
            yield ctx.finding(self, problem.line, problem.column, problem.message)
