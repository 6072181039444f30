from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Edit, Finding, Fix, Kind
from qt_lint.golden import add_line
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH

_AFTER = "After=network-online.target redis-server.service"


class UnitRedisOrder(Rule):
    """
    ## What it does
    Reports a quantum unit (`quantum-*.service`) that is not ordered after Redis
    (`After=redis-server.service`) or not bound to it (`BindsTo=redis-server.service`, or
    `Requires=`). Reported at the `After=` line when there is one, else at the `[Unit]`
    header. Ordering inherited through a target of the repository counts
    (`After=quantum-infra.target` where that target is `After=redis-server.service`).

    ## Why is this bad?
    Contracts D.6 and E: Redis must run before any quantum service, and a service must stop
    when Redis goes away instead of running blind. Without the ordering a boot races Redis.

    ## Example
    ```ini
    [Unit]
    After=network-online.target
    ```

    ## Use instead
    ```ini
    [Unit]
    After=network-online.target redis-server.service
    BindsTo=redis-server.service
    ```
    `--fix` adds the `After=` item (ordering only: safe); `--unsafe-fixes` adds `BindsTo=`
    (the unit then needs Redis to start and stops with it). An alias of the Redis unit
    counts as the unit (`contract.redis-unit-aliases`, default `redis.service`: Debian's
    `redis-server.service` declares `Alias=redis.service`, which exists once the unit is
    enabled, and the host audit's H101 requires it enabled).

    ## Options
    `contract.redis-unit`, `contract.redis-unit-aliases`, `contract.unit-prefix`.
    """

    code = "QT407"
    fix_note = "safe for After=; unsafe for BindsTo= (the unit then needs Redis to start)"
    name = "unit-redis-order"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Quantum unit not ordered after and bound to Redis"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace("BindsTo=", "Requires=")),
             Example(GOLDEN.replace("redis-server.service", "redis.service")),
             Example(GOLDEN.replace(_AFTER, "After=network-online.target"),
                     path="systemd/other.service"))
    INVALID = (
        Example(GOLDEN.replace(_AFTER, "After=network-online.target"), expect=((3, 1),),
                fixed=GOLDEN),
        Example(GOLDEN.replace("BindsTo=redis-server.service\n", ""), expect=((1, 1),),
                fixed=GOLDEN.replace("BindsTo=redis-server.service\n", "").replace(
                    "Wants=network-online.target\n",
                    "Wants=network-online.target\nBindsTo=redis-server.service\n")),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        c = ctx.contract
        if unit.type != "service" or not unit.stem.startswith(c.unit_prefix):
            return
        header = unit.section("Unit")
        after = unit.values("Unit", "After")
        names = {c.redis_unit, *c.redis_unit_aliases}
        direct = [w for w, _, _ in unit.words("Unit", "After")]
        if not names & ctx.project.ordered_after(direct, unit.name):
            if after:
                last = after[-1]
                if ctx.owns(last):
                    fix: Fix | None = Fix((Edit(last.end, last.end, f" {c.redis_unit}"),))
                    yield ctx.finding(self, last.line, last.column,
                                      f"After= lacks {c.redis_unit}: the unit may start "
                                      "before Redis", fix)
            elif ctx.is_fragment:
                fix = Fix((add_line(header, "After", c.redis_unit),)) if header else None
                line, column = (header.line, header.column) if header else (1, 1)
                yield ctx.finding(self, line, column,
                                  f"no After={c.redis_unit}: the unit may start before Redis",
                                  fix)
        bound = {w for key in ("BindsTo", "Requires") for w, _, _ in unit.words("Unit", key)}
        if not names & bound and ctx.is_fragment:
            # unsafe: the unit then needs Redis to start, and stops with it
            fix = Fix((add_line(header, "BindsTo", c.redis_unit),), safe=False) \
                if header else None
            line, column = (header.line, header.column) if header else (1, 1)
            yield ctx.finding(self, line, column,
                              f"no BindsTo={c.redis_unit} (or Requires=): the unit keeps "
                              "running when Redis stops", fix)
