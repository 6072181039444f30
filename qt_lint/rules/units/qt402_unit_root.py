from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Edit, Finding, Fix, Kind
from qt_lint.golden import add_line, set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH
from qt_lint.rules.units.helpers import ROOT_VALUES

TRUE_VALUES = frozenset({"1", "yes", "true", "on"})


class UnitRoot(Rule):
    """
    ## What it does
    Reports a service that runs as root: `User=root`, `User=0`, `Group=root`, `Group=0`,
    an empty `User=` (which resets it), or no `User=` at all in the fragment and its
    drop-ins (reported at the `[Service]` header), since systemd then runs the service as
    root. Also the parts that run as root whatever `User=` says: an `Exec*=` command with
    the `+` prefix (full privileges) or `!`/`!!` (no user switch), and
    `PermissionsStartOnly=yes` (every `ExecStartPre=`, `ExecStartPost=`, `ExecStop=`... as
    root).

    ## Why is this bad?
    Contracts D.3 and J: a compromised service that runs as root owns the host. "If a
    service needs root, redesign the service."

    ## Example
    ```ini
    [Service]
    User=root
    ```

    ## Use instead
    ```ini
    [Service]
    User=qt
    Group=qt
    ```
    `--unsafe-fixes` sets `User=qt` (and `Group=qt` when the group is missing or root):
    unsafe, because the service then runs as another user, whose permissions may not let
    it start.
    """

    code = "QT402"
    fix_note = "unsafe (the service runs as another user)"
    name = "unit-root"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Service runs as root (User=root, Group=root, no User=, Exec*=+/!)"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN), Example("[Unit]\nDescription=x\n", path="systemd/quantum-x.timer"))
    INVALID = (
        Example(GOLDEN.replace("User=qt", "User=root"), expect=((9, 6),),
                fixed=GOLDEN),
        Example(GOLDEN.replace("User=qt\n", ""), expect=((7, 1),)),
        Example(GOLDEN.replace("Group=qt", "Group=0"), expect=((10, 7),), fixed=GOLDEN),
        Example(GOLDEN.replace("ExecStart=", "ExecStartPre=+/bin/mkdir -p /srv/x\nExecStart="),
                expect=((13, 14),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type != "service":
            return
        yield from self._privileged_parts(ctx)
        c = ctx.contract
        user = unit.last("Service", "User")
        group = unit.last("Service", "Group")
        group_fix: tuple[Edit, ...] = ()
        if group is None:
            service = unit.section("Service")
            if service is not None:
                group_fix = (add_line(service, "Group", c.group),)
        if user is None:
            service = unit.section("Service")
            if ctx.is_fragment and service is not None:
                fix = Fix((add_line(service, "User", c.user), *group_fix), safe=False)
                yield ctx.finding(self, service.line, service.column,
                                  f"no User= in [Service]: systemd runs the service as root; "
                                  f"set User={c.user}", fix)
        elif ctx.owns(user) and (user.value in ROOT_VALUES or user.value == ""):
            what = "is reset to empty" if user.value == "" else f"is {user.value}"
            fix = Fix((set_value(user, c.user), *group_fix), safe=False)
            yield ctx.finding(self, user.value_line, user.value_column,
                              f"User= {what}: the service runs as root; set User={c.user}", fix)
        if group is not None and ctx.owns(group) and group.value in ROOT_VALUES:
            yield ctx.finding(self, group.value_line, group.value_column,
                              f"Group={group.value}: the service runs with the root group; "
                              f"set Group={c.group}",
                              Fix((set_value(group, c.group),), safe=False))

    def _privileged_parts(self, ctx: FileContext) -> Iterator[Finding]:
        for section in ctx.unit_document.sections:
            if section.name != "Service":
                continue
            for a in section.assignments:
                if a.key == "PermissionsStartOnly" and a.value.lower() in TRUE_VALUES:
                    yield ctx.finding(self, a.line, a.column,
                                      f"PermissionsStartOnly={a.value}: the other Exec*= "
                                      "commands run as root; give the service what it needs "
                                      "as qt instead")
                for flags, index in a.exec_prefixes():
                    if "+" in flags or "!" in flags:
                        what = "full privileges" if "+" in flags else "no switch to User="
                        line, column = a.position(index)
                        yield ctx.finding(self, line, column,
                                          f"{a.key}={flags} runs the command as root "
                                          f"({what}); services never need root")
