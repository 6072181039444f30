from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH


class UnitIdentity(Rule):
    """
    ## What it does
    Reports a unit file not named `quantum-<service>.<type>` (at line 1), a
    `SyslogIdentifier=` that is not `quantum-<service>` for the unit's own name once systemd
    expands its specifiers (`%N`, `%p`; a template's `quantum-rl-%i` names each instance), and an
    `[Install]` `Alias=` of a quantum unit without the prefix (`Alias=redis-server.service`:
    once enabled, the alias link shadows the real Redis unit): an alias that is the Redis
    unit's name or one of its aliases, a unit of the configured start order, or another
    unit of the repository. Other aliases (`Alias=apply-layer.service`) are names of the
    unit's own and are left alone.

    ## Why is this bad?
    Contract D: one name ties a service together: the unit `quantum-backend.service`, its
    env file `/etc/quantum/backend.env`, its venv, and its journal identifier
    `quantum-backend`. `journalctl -t quantum-backend` finds nothing when the identifier
    drifts, and the host audit cannot pair the unit with its env file.

    ## Example
    ```ini
    # quantum-backend.service
    SyslogIdentifier=backend
    ```

    ## Use instead
    ```ini
    SyslogIdentifier=quantum-backend
    ```
    `--fix` sets it from the file name.

    ## Options
    `contract.unit-prefix`.
    """

    code = "QT409"
    name = "unit-identity"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Unit name or SyslogIdentifier= not quantum-<service>"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace("WantedBy=multi-user.target",
                                    "WantedBy=multi-user.target\nAlias=quantum-api.service")),
             # systemd expands the specifiers: %N is the unit's name without its type, and a
             # template's %i each instance's name (quantum-rl-@agent.service: quantum-rl-agent)
             Example(GOLDEN.replace("SyslogIdentifier=quantum-backend", "SyslogIdentifier=%N")),
             Example(GOLDEN.replace("SyslogIdentifier=quantum-backend",
                                    "SyslogIdentifier=quantum-rl-%i"),
                     path="systemd/quantum-rl-@.service"))
    INVALID = (
        Example(GOLDEN.replace("SyslogIdentifier=quantum-backend", "SyslogIdentifier=backend"),
                expect=((18, 18),), fixed=GOLDEN),
        Example(GOLDEN.replace("SyslogIdentifier=quantum-backend", "SyslogIdentifier=backend"),
                path="systemd/backend.service", expect=((1, 1), (18, 18))),
        Example(GOLDEN.replace("WantedBy=multi-user.target",
                               "WantedBy=multi-user.target\nAlias=redis-server.service"),
                expect=((22, 7),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        prefix = ctx.contract.unit_prefix
        if ctx.is_fragment and not unit.stem.startswith(prefix):
            yield ctx.finding(self, 1, 1,
                              f"unit {unit.name} is not named {prefix}<service>.{unit.type}")
        if unit.stem.startswith(prefix):
            for name, a, index in unit.words("Install", "Alias"):
                if ctx.owns(a) and _taken(name, ctx):
                    line, column = a.position(index)
                    yield ctx.finding(self, line, column,
                                      f"Alias={name}: once enabled, {unit.name} answers to "
                                      "another unit's name and shadows that unit")
        if unit.type != "service":
            return
        ident = unit.last("Service", "SyslogIdentifier")
        want = unit.stem if unit.stem.startswith(prefix) else f"{prefix}{unit.stem}"
        if ident is not None and ctx.owns(ident) and not _identifies(ctx, ident.value, want):
            yield ctx.finding(self, ident.value_line, ident.value_column,
                              f"SyslogIdentifier={ident.value}; for {unit.name} use {want}",
                              Fix((set_value(ident, want),)))


def _identifies(ctx: FileContext, value: str, want: str) -> bool:
    """`SyslogIdentifier=` names the unit once systemd expands its specifiers (`%N`, `%p`);
    a template's (`quantum-rl-@.service`) names each instance: `quantum-rl-%i` is
    `quantum-rl-agent` for `quantum-rl-@agent.service`."""
    if value == want:
        return True
    unit = ctx.unit
    if not unit.stem.endswith("@"):
        return ctx.unit_printf(value) == want
    probe = "instance0"
    got = ctx.unit_printf(value, probe)
    return got is not None and got in (f"{unit.stem}{probe}", f"{unit.stem[:-1]}{probe}")


def _taken(alias: str, ctx: FileContext) -> bool:
    """The alias is another unit's name: Redis's, one of the start order, or another unit
    of the repository."""
    from fnmatch import fnmatchcase

    c = ctx.contract
    if alias == ctx.unit.name:
        return False
    if alias in (c.redis_unit, *c.redis_unit_aliases):
        return True
    stem, _, kind = alias.rpartition(".")
    if kind == "service" and any(fnmatchcase(stem, p) for p in c.dependency_chain):
        return True
    return alias in ctx.project.unit_graph
