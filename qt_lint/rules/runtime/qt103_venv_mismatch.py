from __future__ import annotations

from collections.abc import Iterator

from qt_lint.command_model import Command, Word, is_wrapper, venv_of
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.examples import GOLDEN

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.systemd import Assignment

_EXEC = "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main"


def _script(args: tuple[Word, ...]) -> Word | None:
    for word in args:
        if word.text.endswith(".py") and not word.dynamic:
            return word
    return None


class VenvMismatch(Rule):
    """
    ## What it does
    Reports an interpreter `/opt/quantum/venvs/<X>/bin/python*`, or an
    `ops/run.sh <X> <script>`, where `<X>` is not a configured venv, or is not the venv
    that the service-to-venv mapping gives to that unit or script path
    (`quantum-backend.service` running the `ai-engine` venv; a script under
    `ops/training/` run with `backend`). A configured venv used by a unit or script that the
    mapping does not mention is accepted.

    ## Why is this bad?
    Contract B: "NEVER mix venvs". A training script in the backend venv imports whatever
    happens to be installed there, or fails on the missing PyTorch at the worst moment.
    A unit that mixes packages into its venv does the same: a `BindPaths=`/
    `BindReadOnlyPaths=` entry that puts another configured venv over it, an
    `Environment=PYTHONPATH=` to system packages (`/usr/lib/python3/dist-packages`),
    another venv or anything but the repository root (what `ops/run.sh` sets, contract
    G), and any `PYTHONHOME=`; read as systemd reads them (quotes, escapes, specifiers,
    several assignments: the last one wins, an empty one resets), the fragment with its
    drop-ins and alone.

    ## Example
    ```ini
    # quantum-ai-engine.service
    ExecStart=/opt/quantum/venvs/backend/bin/python -m ai_engine.main
    ```

    ## Use instead
    ```ini
    ExecStart=/opt/quantum/venvs/ai-engine/bin/python -m ai_engine.main
    ```

    ## Options
    `contract.venvs`, `contract.service-venvs`, `contract.script-venvs`.
    """

    code = "QT103"
    name = "venv-mismatch"
    section = "B"
    kinds = frozenset({Kind.UNIT, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON})
    def prefilter_for(self, kind: Kind, contract: Contract) -> AnyOf | None:
        if kind is not Kind.PYTHON:
            return None
        return AnyOf("/bin/python", contract.wrapper.rsplit("/", 1)[-1])
    summary = "Venv unknown, or not the one mapped to the unit or script"
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN), Example(GOLDEN, path="systemd/quantum-risk.service"),
             Example(GOLDEN.replace("Restart=", "Environment=PYTHONPATH=/home/qt/quantum_trader"
                                               "\nRestart=")),
             Example("ops/run.sh ai-engine ops/training/train.py\n", path="ops/a.sh"))
    INVALID = (
        Example(GOLDEN, path="systemd/quantum-ai-engine.service", expect=((13, 11),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/opt/quantum/venvs/nope/bin/python x.py"),
                expect=((13, 11),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/opt/quantum/venvs/backend/bin/python "
                                      "ops/training/train.py"), path="systemd/quantum-x.service",
                expect=((13, 11),)),
        Example("ops/run.sh backend ops/training/train.py\n", path="ops/a.sh",
                expect=((1, 12),)),
        Example(GOLDEN.replace("Restart=", "Environment=PYTHONPATH=/usr/lib/python3/dist-"
                                          "packages\nRestart="), expect=((14, 13),)),
        # a unit the mapping does not name runs the venv its ExecStart= names
        Example(GOLDEN.replace("Restart=", "BindReadOnlyPaths=/opt/quantum/venvs/ai-engine:"
                                          "/opt/quantum/venvs/backend\nRestart="),
                path="systemd/quantum-risk.service", expect=((14, 19),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        unit_stem = None
        if ctx.kind is Kind.UNIT:
            unit_stem = ctx.unit_name.rsplit(".", 1)[0]
            if ctx.unit.type == "service":
                yield from self._mixed(ctx)
        for command in ctx.commands:
            yield from self._judge(ctx, command, unit_stem)

    def _judge(self, ctx: FileContext, command: Command,
               unit_stem: str | None) -> Iterator[Finding]:
        c = ctx.contract
        program = command.program
        if program.dynamic:
            return
        venv = venv_of(program.text, c)
        where = program
        args = command.args
        if venv is None and is_wrapper(program.text, c) and args and not args[0].dynamic:
            venv, where, args = args[0].text, args[0], args[1:]
        if venv is None:
            return
        if venv not in c.venvs:
            yield ctx.finding(self, where.line, where.column,
                              f"venv `{venv}` is not a configured venv "
                              f"({', '.join(c.venvs)})")
            return
        script = _script(args)
        if unit_stem is not None:
            mapped = c.venv_for_unit(unit_stem)
            if mapped is not None and mapped != venv:
                yield ctx.finding(self, where.line, where.column,
                                  f"{unit_stem} runs in venv `{mapped}`, not `{venv}`")
                return
        if script is not None:
            mapped = c.venv_for_script(script.text.removeprefix("./").removeprefix(
                c.repo_root.rstrip("/") + "/"))
            if mapped is not None and mapped != venv:
                yield ctx.finding(self, where.line, where.column,
                                  f"{script.text} runs in venv `{mapped}`, not `{venv}`")

    def _mixed(self, ctx: FileContext) -> Iterator[Finding]:
        """A unit that mixes another venv, or the system's packages, into its venv: a bind
        mount of another configured venv over it, `PYTHONPATH=` to anything but the
        repository root, any `PYTHONHOME=` (read as systemd reads `Environment=`)."""
        from qt_lint.project import RecordedFiles
        from qt_lint.unit_runtime import interpreter_changes, judged_units, python_path_problems

        c = ctx.contract
        seen: set[tuple[int, int]] = set()
        alone = not isinstance(ctx.project.files, RecordedFiles)  # a host installs drop-ins
        for unit in judged_units(ctx.unit, ctx.unit_document, alone):
            found: list[tuple[Assignment, int, str]] = []
            for change in interpreter_changes(unit, c):
                if change.venv is not None:
                    found.append((change.assignment, change.index,
                                  f"{change.setting} {change.what}: {unit.stem} runs in "
                                  f"venv `{change.venv}`, not its own"))
            for problem in python_path_problems(unit, c):
                s = problem.setting
                rule = "set no PYTHONHOME" if s.name == "PYTHONHOME" else \
                    f"PYTHONPATH is the repository root ({c.repo_root}) only"
                found.append((s.assignment, s.index,
                              f"Environment= sets {s.name}={s.value}: it {problem.what}; "
                              f"each venv is isolated, {rule}"))
            for assignment, index, message in found:
                line, column = assignment.position(index)
                if ctx.owns(assignment) and (line, column) not in seen:
                    seen.add((line, column))
                    yield ctx.finding(self, line, column, message)
