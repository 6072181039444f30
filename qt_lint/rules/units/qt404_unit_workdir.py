from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH


class UnitWorkdir(Rule):
    """
    ## What it does
    Reports a `WorkingDirectory=` other than the repository root, including the optional
    form `-/home/qt/quantum_trader` and paths under `/tmp` (a trailing slash names the root
    itself and is fine). A missing one is QT401.

    ## Why is this bad?
    Contract D.1: every relative path in the code and scripts resolves from the repository
    root. Another working directory makes the same script read other files on one host
    than on the next; an optional one (`-`) starts the service in `/` when the folder is
    missing instead of failing.

    ## Example
    ```ini
    WorkingDirectory=/home/qt/quantum_trader/backend
    ```

    ## Use instead
    ```ini
    WorkingDirectory=/home/qt/quantum_trader
    ```
    `--unsafe-fixes` sets it (unsafe: relative paths the service opens then resolve
    elsewhere).

    ## Options
    `contract.repo-root`.
    """

    code = "QT404"
    fix_note = "unsafe (relative paths resolve elsewhere)"
    name = "unit-workdir"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "WorkingDirectory= other than the repository root"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace("WorkingDirectory=/home/qt/quantum_trader",
                                    "WorkingDirectory=/home/qt/quantum_trader/")))
    INVALID = (
        Example(GOLDEN.replace("WorkingDirectory=/home/qt/quantum_trader",
                               "WorkingDirectory=/tmp/qt"), expect=((11, 18),), fixed=GOLDEN),
        Example(GOLDEN.replace("WorkingDirectory=/home/qt/quantum_trader",
                               "WorkingDirectory=-/home/qt/quantum_trader"), expect=((11, 18),),
                fixed=GOLDEN),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.unit.type != "service":
            return
        root = ctx.contract.repo_root
        setting = ctx.unit.last("Service", "WorkingDirectory")
        if setting is None or not ctx.owns(setting) or \
                setting.value.rstrip("/") == root.rstrip("/"):
            return  # a trailing slash names the same folder
        why = ("is optional (`-`): a missing folder would not stop the start"
               if setting.value == f"-{root}" else "is not the repository root")
        yield ctx.finding(self, setting.value_line, setting.value_column,
                          f"WorkingDirectory={setting.value} {why}; use {root}",
                          Fix((set_value(setting, root),), safe=False))
