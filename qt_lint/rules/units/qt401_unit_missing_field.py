from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.golden import add_line, env_file
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, GOLDEN_ONESHOT, PATH

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.systemd import Unit

# (section, key, required item or None, runtime units only)
MANDATORY = (
    ("Unit", "Description", None, False),
    ("Unit", "After", "network-online.target", False),
    ("Unit", "Wants", "network-online.target", False),
    ("Service", "Type", None, False),
    ("Service", "Group", None, False),
    ("Service", "WorkingDirectory", None, False),
    ("Service", "EnvironmentFile", None, False),
    ("Service", "ExecStart", None, False),
    ("Service", "Restart", None, True),
    ("Service", "RestartSec", None, True),
    ("Service", "StandardOutput", None, False),
    ("Service", "StandardError", None, False),
    ("Service", "SyslogIdentifier", None, False),
    ("Install", "WantedBy", "multi-user.target", True),
)


def _default(ctx: FileContext, key: str) -> str | None:
    """The value a fix adds for a missing key, or None when a human must decide."""
    c = ctx.contract
    return {
        "Group": c.group,
        "WorkingDirectory": c.repo_root,
        "EnvironmentFile": env_file(c, ctx.unit.stem),
        "Restart": "always",
        "RestartSec": str(c.restart_sec),
        "StandardOutput": "journal",
        "StandardError": "journal",
        "SyslogIdentifier": ctx.unit.stem,
    }.get(key)


# Settings whose addition changes neither what runs, as whom, where, nor what the unit needs
# in order to start. Group= (who), WorkingDirectory= (where relative paths go) and
# EnvironmentFile= (a mandatory file the host may not have: the unit would fail to start)
# are unsafe: `--unsafe-fixes` adds them.
SAFE_TO_ADD = frozenset({"Restart", "RestartSec", "StandardOutput", "StandardError",
                         "SyslogIdentifier"})


class UnitMissingField(Rule):
    """
    ## What it does
    Reports each mandatory setting of the golden template that a `.service` unit (its
    fragment and drop-ins together) lacks, one finding per setting at its section's
    header: `[Unit]` Description, After (with `network-online.target`),
    Wants=network-online.target; `[Service]` Type, Group, WorkingDirectory,
    EnvironmentFile, ExecStart, StandardOutput, StandardError, SyslogIdentifier, and for
    runtime units (Type=simple or none) Restart, RestartSec and `[Install]`
    WantedBy=multi-user.target. A missing `User=` is QT402 and a missing Redis ordering
    QT407. A `.timer` without its `.service` in the repository is reported here too.

    ## Why is this bad?
    Contract D: every service is cut from one golden template. A missing setting falls
    back to systemd's default: the unit's cwd is `/`, nothing restarts it, its output goes
    wherever the default says, and the audit cannot reason about it.

    ## Example
    ```ini
    [Service]
    Type=simple
    User=qt
    ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
    ```

    ## Use instead
    The full template: `qt-lint unit new backend --script -m backend.main` prints it.
    `--fix` adds Restart, RestartSec, StandardOutput, StandardError and SyslogIdentifier;
    `--unsafe-fixes` also Group, WorkingDirectory and EnvironmentFile (they change as whom
    and where the service runs, and a mandatory env file the host lacks stops the unit from
    starting); Description, Type, ExecStart and WantedBy need a human.
    """

    code = "QT401"
    fix_note = ("safe for Restart, RestartSec, StandardOutput, StandardError, SyslogIdentifier; "
                "unsafe for Group, WorkingDirectory, EnvironmentFile")
    name = "unit-missing-field"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "Mandatory golden-template setting missing from a unit"
    fixable = True
    example_path = PATH
    VALID = (Example(GOLDEN), Example(GOLDEN_ONESHOT, path="systemd/quantum-ai-engine.service"))
    INVALID = (
        Example(GOLDEN.replace("RestartSec=10\n", ""), expect=((7, 1),),
                fixed=GOLDEN.replace("RestartSec=10\n", "").replace(
                    "SyslogIdentifier=quantum-backend\n",
                    "SyslogIdentifier=quantum-backend\nRestartSec=10\n")),
        Example(GOLDEN.replace("After=network-online.target redis-server.service",
                               "After=redis-server.service"), expect=((3, 1),)),
        Example(GOLDEN.replace("[Install]\nWantedBy=multi-user.target\n", ""),
                expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit = ctx.unit
        if unit.type == "timer":
            yield from self._timer(ctx)
            return
        if unit.type != "service" or unit.fragment is None:
            return
        runtime = not unit.is_oneshot
        for section_name, key, item, runtime_only in MANDATORY:
            if runtime_only and not runtime:
                continue
            present = unit.values(section_name, key)
            if present and item is not None:
                items = [w for w, _, _ in unit.words(section_name, key)]
                if item not in items:
                    last = present[-1]
                    if ctx.owns(last):
                        yield ctx.finding(self, last.line, last.column,
                                          f"{key}= lacks {item} (golden template)")
                continue
            if present:
                continue
            if not ctx.is_fragment:
                continue
            yield self._missing(ctx, unit, section_name, key, item)

    def _missing(self, ctx: FileContext, unit: Unit, section_name: str, key: str,
                 item: str | None) -> Finding:
        section = unit.section(section_name)
        want = f"{key}={item}" if item else f"{key}="
        fix = None
        value = _default(ctx, key)
        if section is not None and value is not None:
            fix = Fix((add_line(section, key, value),), safe=key in SAFE_TO_ADD)
        if section is None:
            return ctx.finding(self, 1, 1,
                               f"[{section_name}] section missing, so {want} is missing", fix)
        return ctx.finding(self, section.line, section.column,
                           f"[{section_name}] lacks {want} (golden template)", fix)

    def _timer(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.is_fragment:
            return
        service = ctx.project.timer_service(ctx)
        if service is None:
            timer = ctx.unit.section("Timer")
            line, column = (timer.line, timer.column) if timer else (1, 1)
            target = ctx.project.timer_target(ctx)
            yield ctx.finding(self, line, column,
                              f"timer triggers {target}, which is not in the repository")
