from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import set_value
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, GOLDEN_ONESHOT, PATH

_SPAN = lazyre.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|second|seconds|)\s*$")
_TRUE = frozenset({"yes", "true", "1", "on"})


def seconds(value: str) -> float | None:
    """A systemd time span in plain seconds (`10`, `10s`, `10 sec`), else None."""
    match = _SPAN.match(value)
    return float(match.group(1)) if match else None


class UnitRestart(Rule):
    """
    ## What it does
    For runtime units (`Type=simple` or no Type): reports `Restart=` other than `always`
    and `RestartSec=` other than the configured value (10 s). For ops jobs
    (`Type=oneshot`): reports `Restart=always` and `RemainAfterExit=yes`. For a timer:
    reports the service it triggers when that service is not an ops job.

    ## Why is this bad?
    Contract D.5: runtime services come back on their own, at a pace that does not hammer
    Redis or an exchange. Ops jobs run once and end; a restarting or "still active" job
    re-runs training or hides that it finished.

    ## Example
    ```ini
    Type=simple
    Restart=on-failure
    ```

    ## Use instead
    ```ini
    Type=simple
    Restart=always
    RestartSec=10
    ```
    `--fix` sets both on runtime units.

    ## Options
    `contract.restart-sec`.
    """

    code = "QT406"
    name = "unit-restart"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Restart policy wrong for a runtime unit or an ops job"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN), Example(GOLDEN.replace("RestartSec=10", "RestartSec=10s")),
             Example(GOLDEN_ONESHOT, path="systemd/quantum-ai-engine.service"))
    INVALID = (
        Example(GOLDEN.replace("Restart=always", "Restart=on-failure"), expect=((14, 9),),
                fixed=GOLDEN),
        Example(GOLDEN.replace("RestartSec=10", "RestartSec=1"), expect=((15, 12),),
                fixed=GOLDEN),
        Example(GOLDEN_ONESHOT.replace("RemainAfterExit=no", "RemainAfterExit=yes"),
                path="systemd/quantum-ai-engine.service", expect=((9, 17),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type == "timer":
            yield from self._timer(ctx)
            return
        if unit.type != "service":
            return
        restart = unit.last("Service", "Restart")
        if unit.is_oneshot:
            if restart is not None and ctx.owns(restart) and restart.value == "always":
                yield ctx.finding(self, restart.value_line, restart.value_column,
                                  "ops job (Type=oneshot) with Restart=always re-runs forever")
            remain = unit.last("Service", "RemainAfterExit")
            if remain is not None and ctx.owns(remain) and remain.value.lower() in _TRUE:
                yield ctx.finding(self, remain.value_line, remain.value_column,
                                  "ops job with RemainAfterExit=yes stays active after it ends")
            return
        if restart is not None and ctx.owns(restart) and restart.value != "always":
            yield ctx.finding(self, restart.value_line, restart.value_column,
                              f"runtime unit with Restart={restart.value}; use Restart=always",
                              Fix((set_value(restart, "always"),)))
        want = ctx.contract.restart_sec
        delay = unit.last("Service", "RestartSec")
        if delay is not None and ctx.owns(delay) and seconds(delay.value) != want:
            yield ctx.finding(self, delay.value_line, delay.value_column,
                              f"RestartSec={delay.value}; the contract restarts after {want}s",
                              Fix((set_value(delay, str(want)),)))

    def _timer(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.is_fragment:
            return
        service = ctx.project.timer_service(ctx)
        if service is not None and not service.is_oneshot:
            timer = ctx.unit.section("Timer")
            line, column = (timer.line, timer.column) if timer else (1, 1)
            yield ctx.finding(self, line, column,
                              f"timer triggers {service.name}, which is not an ops job "
                              "(Type=oneshot)")
