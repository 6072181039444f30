from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH
from qt_lint.rules.units.helpers import is_root


class UnitUser(Rule):
    """
    ## What it does
    Reports `User=` or `Group=` set to anything but the contract's user and group (`qt`):
    per-service users, `DynamicUser`-style names, a developer's own account. Root is QT402.

    ## Why is this bad?
    Contract J: files, processes and logs are owned by one service user so that ownership
    is auditable; the host audit checks `/opt/quantum/data` and the models as owned by
    `qt`, and a service running as another user either cannot write there or needs
    loosened permissions.

    ## Example
    ```ini
    User=quant
    ```

    ## Use instead
    ```ini
    User=qt
    Group=qt
    ```

    ## Options
    `contract.user`, `contract.group`.
    """

    code = "QT403"
    name = "unit-user"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "User= or Group= other than the contract's user"
    example_path = PATH
    VALID = (Example(GOLDEN), Example(GOLDEN.replace("User=qt", "User=root")),
             Example(GOLDEN.replace("User=qt", "User=%u")))
    INVALID = (Example(GOLDEN.replace("User=qt", "User=quant"), expect=((9, 6),)),
               Example(GOLDEN.replace("Group=qt", "Group=users"), expect=((10, 7),)))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.unit.type != "service":
            return
        for key, want in (("User", ctx.contract.user), ("Group", ctx.contract.group)):
            setting = ctx.unit.last("Service", key)
            if setting is None or not ctx.owns(setting):
                continue
            if is_root(setting.value) or setting.value in ("", want):
                continue
            yield ctx.finding(self, setting.value_line, setting.value_column,
                              f"{key}={setting.value}: services run as {key}={want}")
