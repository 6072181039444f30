from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Edit, Finding, Fix, Kind
from qt_lint.golden import add_line, set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH
from qt_lint.rules.units.helpers import is_root

TRUE_VALUES = frozenset({"1", "yes", "true", "on"})


class UnitRoot(Rule):
    """
    ## What it does
    Reports a service that runs as root: `User=root`, `User=0`, `Group=root`, `Group=0`,
    an empty `User=` (which resets it), or no `User=` at all in the fragment and its
    drop-ins (reported at the `[Service]` header), since systemd then runs the service as
    root. Also the parts that run as root whatever `User=` says: an `Exec*=` command with
    the `+` prefix (full privileges) or `!`/`!!` (no user switch),
    `PermissionsStartOnly=yes` (every `ExecStartPre=`, `ExecStartPost=`, `ExecStop=`... as
    root), `SupplementaryGroups=root`, `AmbientCapabilities=` (root's powers without its
    name), and the `ExecStartPre=`/`ExecStopPost=`... of a `.socket` unit without `User=`
    in `[Socket]`. In a repository, a fragment that runs as root is reported even when one
    of its drop-ins sets `User=qt`: the contract installs units with
    `cp systemd/*.service` (section K), never their drop-ins.

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
    VALID = (Example(GOLDEN), Example("[Unit]\nDescription=x\n", path="systemd/quantum-x.timer"),
             Example("[Socket]\nListenStream=127.0.0.1:9000\nUser=qt\n"
                     "ExecStartPre=/bin/mkdir -p /run/q\n", path="systemd/quantum-api.socket"))
    INVALID = (
        Example(GOLDEN.replace("User=qt", "User=root"), expect=((9, 6),),
                fixed=GOLDEN),
        Example(GOLDEN.replace("User=qt\n", ""), expect=((7, 1),)),
        Example(GOLDEN.replace("Group=qt", "Group=0"), expect=((10, 7),), fixed=GOLDEN),
        Example(GOLDEN.replace("User=qt", "User=%u"), expect=((9, 6),), fixed=GOLDEN),
        Example(GOLDEN.replace("ExecStart=", "ExecStartPre=+/bin/mkdir -p /srv/x\nExecStart="),
                expect=((13, 14),)),
        Example(GOLDEN.replace("Group=qt", "Group=qt\nSupplementaryGroups=adm root\n"
                               "AmbientCapabilities=CAP_NET_ADMIN"), expect=((11, 21), (12, 21))),
        Example("[Socket]\nListenStream=127.0.0.1:9000\nExecStartPre=/bin/mkdir -p /run/q\n",
                path="systemd/quantum-api.socket", expect=((3, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type == "socket":
            yield from self._socket(ctx)
            return
        if unit.type != "service":
            return
        yield from self._privileged_parts(ctx)
        c = ctx.contract
        yield from self._fragment_alone(ctx)
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
        elif ctx.owns(user) and (is_root(user.value) or user.value == ""):
            what = "is reset to empty" if user.value == "" else f"is {user.value}"
            fix = Fix((set_value(user, c.user), *group_fix), safe=False)
            yield ctx.finding(self, user.value_line, user.value_column,
                              f"User= {what}: the service runs as root; set User={c.user}", fix)
        if group is not None and ctx.owns(group) and is_root(group.value):
            yield ctx.finding(self, group.value_line, group.value_column,
                              f"Group={group.value}: the service runs with the root group; "
                              f"set Group={c.group}",
                              Fix((set_value(group, c.group),), safe=False))

    def _socket(self, ctx: FileContext) -> Iterator[Finding]:
        """A socket unit's own commands run as its [Socket] User=, root without one."""
        from qt_lint.command_model import EXEC_KEYS

        user = ctx.unit.last("Socket", "User")
        if user is not None and not is_root(user.value) and user.value != "":
            return
        for section in ctx.unit_document.sections:
            for a in section.assignments:
                if section.name == "Socket" and a.key in EXEC_KEYS:
                    yield ctx.finding(self, a.line, a.column,
                                      f"{a.key}= of a socket unit runs as root (no User= in "
                                      "[Socket]); services never need root")

    def _fragment_alone(self, ctx: FileContext) -> Iterator[Finding]:
        """The fragment as the contract installs it (`cp systemd/*.service`, section K:
        drop-ins are not installed): a repository drop-in's `User=qt` does not reach the
        host, so a fragment that runs as root without it is reported."""
        from qt_lint.project import RecordedFiles

        unit, own = ctx.unit, ctx.unit_document
        if not ctx.is_fragment or not unit.dropins or \
                isinstance(ctx.project.files, RecordedFiles):  # a host: drop-ins installed
            return
        merged = unit.last("Service", "User")
        if merged is None or ctx.owns(merged):
            return  # the fragment's own User= is in force: judged below
        mine = [a for s in own.sections if s.name == "Service" for a in s.assignments
                if a.key == "User"]
        service = own.section("Service")
        if mine and (is_root(mine[-1].value) or mine[-1].value == ""):
            yield ctx.finding(self, mine[-1].value_line, mine[-1].value_column,
                              f"User={mine[-1].value} in the fragment: the drop-in that sets "
                              f"User={merged.value} is not installed by `cp systemd/*.service` "
                              f"(contract K); set User={ctx.contract.user} here")
        elif not mine and service is not None:
            yield ctx.finding(self, service.line, service.column,
                              f"no User= in the fragment's [Service]: the drop-in that sets "
                              f"User={merged.value} is not installed by `cp systemd/*.service` "
                              f"(contract K), and systemd runs the service as root; set "
                              f"User={ctx.contract.user} here")

    def _privileged_parts(self, ctx: FileContext) -> Iterator[Finding]:
        for section in ctx.unit_document.sections:
            if section.name != "Service":
                continue
            for a in section.assignments:
                if a.key == "SupplementaryGroups" and any(
                        is_root(g) for g in a.value.split()):
                    yield ctx.finding(self, a.value_line, a.value_column,
                                      f"SupplementaryGroups={a.value}: the service runs with "
                                      "the root group; services never need root")
                if a.key == "AmbientCapabilities" and a.value.strip() not in ("", "~"):
                    yield ctx.finding(self, a.value_line, a.value_column,
                                      f"AmbientCapabilities={a.value} gives the service part "
                                      "of root's powers; services never need root")
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
