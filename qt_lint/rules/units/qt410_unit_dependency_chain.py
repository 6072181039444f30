from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import add_line, predecessor
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN


class UnitDependencyChain(Rule):
    """
    ## What it does
    Looks at every unit file of the repository (even when pre-commit passes only one) and
    reports, on the files being checked:
    - a unit of the configured start order (`redis-server -> quantum-backend ->
      quantum-ai-engine -> quantum-execution -> quantum-rl-*`) without `After=` on its
      predecessor, at its `After=` line (or its `[Unit]` header when it has none). Order
      inherited through a target of the repository counts (`After=quantum-engines.target`
      where that target is `After=quantum-ai-engine.service`). The Redis link is QT407's;
    - with `contract.hard-dependencies` (the default), a unit ordered after its predecessor
      that does not also `Requires=` or `BindsTo=` it (directly or through a target of the
      repository it requires), at the predecessor in its `After=`: contract D says the
      predecessor "MUST be running before", and `After=` alone only orders a start that
      happens anyway. Set it to false for the softer form. `Requisite=` (the start fails
      when the predecessor is not active) and a link in the unit's `.requires/` folder count
      as `Requires=`; when the predecessor has a `Condition*=` or `ExecCondition=`, systemd
      skips its start without failing it and `Requires=` lets the unit start: only
      `BindsTo=` (with `After=`) or `Requisite=` stop it (systemd.unit(5));
    - the order is read as systemd reads it: a predecessor's `Before=` orders the unit
      after it, and an empty `After=`/`Requires=` in a drop-in adds nothing (dependencies
      cannot be reset);
    - an `After=`/`Requires=` cycle among the repository's units, on each unit of the cycle.

    ## Why is this bad?
    Contract D: backend must run before the AI engine, the AI engine before execution. Out
    of order, execution trades on signals from an engine that has not loaded its models; a
    cycle makes systemd drop an ordering at boot, silently.

    ## Example
    ```ini
    # quantum-ai-engine.service
    After=network-online.target redis-server.service
    ```

    ## Use instead
    ```ini
    After=network-online.target redis-server.service quantum-backend.service
    ```


    ## Fix safety
    The `Requires=` on the predecessor is an unsafe fix (`--unsafe-fixes`), as QT407's
    `BindsTo=`: the unit then needs its predecessor to start.

    ## Options
    `contract.dependency-chain`, `contract.hard-dependencies`.
    """

    code = "QT410"
    name = "unit-dependency-chain"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Unit out of the configured start order, or in an ordering cycle"
    example_path = "systemd/quantum-ai-engine.service"
    VALID = (Example(GOLDEN.replace("redis-server.service\nWants",
                                    "redis-server.service quantum-backend.service\nWants")
                     .replace("BindsTo=redis-server.service",
                              "BindsTo=redis-server.service quantum-backend.service")),
             Example(GOLDEN.replace("redis-server.service\nWants",
                                    "redis-server.service quantum-backend.service\nWants"),
                     options=(("contract", Contract(hard_dependencies=False)),)))
    INVALID = (Example(GOLDEN, expect=((3, 1),)),
               Example(GOLDEN.replace("redis-server.service\nWants",
                                      "redis-server.service quantum-backend.service\nWants"),
                       expect=((3, 50),)))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type != "service" or not ctx.is_fragment:
            return
        c = ctx.contract
        before = predecessor(c, unit.stem)
        after_items = ctx.project.ordered_after((w for w, _, _ in unit.words("Unit", "After")),
                                                unit.name)
        if before and f"{before}.service" != c.redis_unit:
            wanted = [u for u in after_items if fnmatchcase(u, f"{before}.service")]
            if not wanted:
                found = unit.values("Unit", "After")
                anchor = found[-1] if found else None
                header = unit.section("Unit")
                if anchor is not None and ctx.owns(anchor):
                    line, column = anchor.line, anchor.column
                else:
                    line, column = (header.line, header.column) if header else (1, 1)
                yield ctx.finding(self, line, column,
                                  f"{unit.name} is not ordered After={before}.service "
                                  "(configured start order)")
            elif c.hard_dependencies:
                how = self._required(ctx, f"{before}.service")
                if how is None or (how == "Requires" and self._skippable(ctx, wanted[0])):
                    yield self._soft(ctx, wanted, how)
        for cycle in ctx.project.unit_cycles:
            yield from self._cycle(ctx, cycle)

    def _soft(self, ctx: FileContext, wanted: list[str], how: str | None) -> Finding:
        unit = ctx.unit
        where = next((a.position(i) for w, a, i in unit.words("Unit", "After")
                      if w in wanted and ctx.owns(a)), None)
        header = unit.section("Unit")
        line, column = where or ((header.line, header.column) if header else (1, 1))
        if how == "Requires":
            return ctx.finding(self, line, column,
                               f"{unit.name} starts even when {wanted[0]} is not running: its "
                               "start is skipped by a condition (Condition*=/ExecCondition=), "
                               "which Requires= lets through; bind it (BindsTo="
                               f"{wanted[0]} with After=)")
        # unsafe, as QT407's BindsTo=: the unit then needs its predecessor to start
        fix = Fix((add_line(header, "Requires", wanted[0]),), safe=False) if header else None
        return ctx.finding(self, line, column,
                           f"{unit.name} starts even when {wanted[0]} is not running: "
                           f"contract D says it MUST be running before; add "
                           f"Requires={wanted[0]} (or BindsTo=)", fix)

    @staticmethod
    def _required(ctx: FileContext, pattern: str) -> str | None:
        """How the unit needs a unit matching `pattern` (`BindsTo`, `Requisite` or
        `Requires`; None: it does not), directly, by a link in its `.requires/` folder, or
        through the repository's targets it requires (which require it in turn)."""
        unit = ctx.unit
        how: dict[str, str] = {}
        for key in ("Requires", "Requisite", "BindsTo", "BindTo"):
            for w, _, _ in unit.words("Unit", key):
                how[w] = "BindsTo" if key == "BindTo" else key
        for name in ctx.project.required_links(ctx):
            how.setdefault(name, "Requires")
        queue = [u for u in how if u.endswith(".target")]
        graph = ctx.project.unit_graph
        while queue:
            edges = graph.get(queue.pop())
            for name in edges.requires if edges is not None else ():
                if name not in how:
                    how[name] = "Requires"
                    if name.endswith(".target"):
                        queue.append(name)
        found = {k for name, k in how.items() if fnmatchcase(name, pattern)}
        return next((k for k in ("BindsTo", "Requisite", "Requires") if k in found), None)

    @staticmethod
    def _skippable(ctx: FileContext, name: str) -> bool:
        """The repository's unit `name` has a condition that skips its start (not a
        failure: systemd.unit(5), a skipped Requires= dependency does not stop the start)."""
        edges = ctx.project.unit_graph.get(name)
        return edges is not None and edges.conditional

    def _cycle(self, ctx: FileContext, cycle: list[str]) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.name not in cycle:
            return
        members = set(cycle)
        # the item of this file that points into the cycle
        where = next(((a.position(i)) for key in ("After", "Requires", "BindsTo")
                      for w, a, i in unit.words("Unit", key)
                      if w in members and ctx.owns(a)), None)
        header = unit.section("Unit")
        line, column = where or ((header.line, header.column) if header else (1, 1))
        yield ctx.finding(self, line, column,
                          f"ordering cycle among {' -> '.join(cycle)}")
