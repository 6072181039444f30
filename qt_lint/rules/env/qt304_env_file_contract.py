from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import common_env_file, env_file, set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH

_ENV = "EnvironmentFile=/etc/quantum/backend.env"


class EnvFileContract(Rule):
    """
    ## What it does
    Reports a unit's `EnvironmentFile=` that is not `/etc/quantum/<service>.env` for the
    unit's own service (`quantum-backend.service` -> `/etc/quantum/backend.env`;
    `/etc/quantum/common.env` may be added beside it), or that is optional (`-` prefix).
    A missing one is QT401. In a quantum unit, an `Environment=` that sets one of the
    contract's variables (`contract.required-vars`: `REDIS_HOST`, `DB_PATH`, ...) is
    reported too: those come from the env file only (their values are judged as well, by
    QT305, QT502, QT503 and QT601, as in an env file).

    ## Why is this bad?
    Contracts C and D.2: each service reads its own env file, owned `root:qt` with mode
    0640. A repo-relative or another service's file mixes configurations; an optional one
    lets the service start without its configuration instead of failing closed.

    ## Example
    ```ini
    EnvironmentFile=-/etc/quantum/backend.env
    ```

    ## Use instead
    ```ini
    EnvironmentFile=/etc/quantum/backend.env
    ```
    ## Fix safety
    Both fixes are unsafe (applied only with `--unsafe-fixes`): removing the `-` prefix
    makes the env file mandatory, so a host that lacks it no longer starts the unit, and
    replacing another path with the unit's own env file makes the service read other
    values.

    ## Options
    `contract.env-dir`, `contract.common-env`, `contract.unit-prefix`.
    """

    code = "QT304"
    fix_note = "unsafe (a mandatory env file, or another one)"
    name = "env-file-contract"
    section = "C"
    kinds = frozenset({Kind.UNIT})
    summary = "Unit EnvironmentFile= not /etc/quantum/<service>.env, or optional"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace(_ENV, "EnvironmentFile=/etc/quantum/common.env\n" + _ENV)))
    INVALID = (
        Example(GOLDEN.replace(_ENV, _ENV + "\nEnvironment=REDIS_HOST=localhost TZ=UTC"),
                expect=((13, 13),)),
        Example(GOLDEN.replace(_ENV, "EnvironmentFile=-/etc/quantum/backend.env"),
                expect=((12, 17),), fixed=GOLDEN),
        Example(GOLDEN.replace(_ENV, "EnvironmentFile=/home/qt/quantum_trader/.env"),
                expect=((12, 17),)),
        Example(GOLDEN.replace(_ENV, "EnvironmentFile=/etc/quantum/ai-engine.env"),
                expect=((12, 17),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type != "service":
            return
        own = env_file(ctx.contract, unit.stem)
        allowed = {own, common_env_file(ctx.contract)}
        settings = unit.values("Service", "EnvironmentFile")
        has_own = any(s.value.lstrip("-") == own for s in settings)
        for setting in settings:
            if not ctx.owns(setting):
                continue
            path = setting.value
            optional = path.startswith("-")
            bare = path.lstrip("-")
            if bare in allowed and not optional:
                continue
            if bare in allowed:
                yield ctx.finding(self, setting.value_line, setting.value_column,
                                  f"EnvironmentFile={path} is optional: a missing env file "
                                  "must stop the start",
                                  Fix((set_value(setting, bare),), safe=False))
                continue
            also = " (and `-` makes it optional)" if optional else ""
            # Re-pointing a unit at another env file changes its configuration: unsafe.
            fix = None if has_own else Fix((set_value(setting, own),), safe=False)
            yield ctx.finding(self, setting.value_line, setting.value_column,
                              f"EnvironmentFile={path}; {unit.name} reads {own}{also}", fix)
        if settings and not has_own and all(s.value in allowed for s in settings):
            last = settings[-1]
            if ctx.owns(last):
                yield ctx.finding(self, last.line, last.column,
                                  f"{unit.name} reads no {own}")
        if not unit.stem.startswith(ctx.contract.unit_prefix):
            return
        required = set(ctx.contract.required_vars)
        for entry in ctx.env_entries:
            if entry.key in required:
                yield ctx.finding(self, entry.line, entry.column,
                                  f"Environment= sets {entry.key}; contract variables come "
                                  f"from {own} only")
