from __future__ import annotations

from collections.abc import Iterator

from qt_lint.command_model import is_bare_python, venv_of
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN, PATH

_EXEC = "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main"


class UnitExecStart(Rule):
    """
    ## What it does
    Reports an `ExecStart=` whose program is not a venv interpreter
    (`/opt/quantum/venvs/<venv>/bin/python`): `uv`, `bash`, `ops/run.sh`, a repo-local
    `.venv/bin/python`, `/home/qt/.local/bin/...`. A bare system python is QT101, a relative
    program path QT205, and an interpreter of an unknown or wrong venv QT103, each reported
    once. Also the settings that change what the named venv interpreter is, read as
    systemd reads them (quotes, escapes, specifiers, the `-` prefix and `:options`, several
    entries, an empty assignment resetting the list): a `BindPaths=`/`BindReadOnlyPaths=`
    entry whose destination lies over a venv, a system interpreter (`/usr/bin/python3*`)
    or its standard library (another configured venv bound there is QT103), a
    `RootDirectory=`/`RootImage=` (the absolute venv path is then resolved inside it),
    and `ExtensionImages=`/`ExtensionDirectories=` (overlaid on `/usr` and `/opt`). A
    fragment is judged with its repository drop-ins and alone, as `cp systemd/*.service`
    installs it (contract K). A path holding a run-time specifier (`%H`) is not judged.

    ## Why is this bad?
    Contract B and D.4: the venv of each service is isolated and named in its unit, so the
    audit can verify which interpreter and which packages run. A shell or `uv` in between
    hides the interpreter, its venv and its arguments from systemd and from the audit.

    ## Example
    ```ini
    ExecStart=/usr/local/bin/uv run python -m backend.main
    ```

    ## Use instead
    ```ini
    ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
    ```

    ## Options
    `contract.venv-root`, `contract.venvs`.
    """

    code = "QT405"
    name = "unit-execstart"
    section = "D"
    kinds = frozenset({Kind.UNIT})
    summary = "ExecStart= program is not a venv interpreter"
    example_path = PATH
    VALID = (
        Example(GOLDEN),
        Example(GOLDEN.replace(_EXEC, "ExecStart=-/usr/bin/python3 -u script.py")),
        Example(GOLDEN.replace(_EXEC, "ExecStart=.venv/bin/python x.py")),
        # the venv interpreter as systemd reads it: escapes undone, `//` and `/./` dropped
        Example(GOLDEN.replace(_EXEC, "ExecStart=//opt/quantum/venvs/backend/./bin/pyth\\157n"
                                      " -m backend.main")),
        # the venv made read-only over itself, a bind elsewhere
        Example(GOLDEN.replace("Restart=", "BindReadOnlyPaths=/opt/quantum/venvs/backend "
                                          "/srv/cache:/var/cache/q\nRestart=")),
    )
    INVALID = (
        Example(GOLDEN.replace(_EXEC, "ExecStart=/usr/local/bin/uv run python -m backend"),
                expect=((13, 11),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/bin/bash -c 'cd x && ./run'"),
                expect=((13, 11),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/home/qt/quantum_trader/.venv/bin/python x.py"),
                expect=((13, 11),)),
        Example(GOLDEN.replace("Restart=", "BindReadOnlyPaths=/usr/bin/python3:"
                                          "/opt/quantum/venvs/backend/bin/python\nRestart="),
                expect=((14, 19),)),
        Example(GOLDEN.replace("Restart=", "RootDirectory=/home/qt/quantum_trader/root\n"
                                          "Restart="), expect=((14, 15),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.unit.type != "service":
            return
        yield from self._changed(ctx)
        for command in ctx.commands:
            if command.origin != "ExecStart":
                continue
            program = command.program
            text = program.text
            if program.dynamic or is_bare_python(program):
                continue
            if "/" in text and not text.startswith("/"):
                continue  # a relative program path: QT205
            if venv_of(text, ctx.contract) is not None:
                continue  # a venv interpreter (a wrong venv is QT103)
            yield ctx.finding(
                self, program.line, program.column,
                f"ExecStart= runs {text}, not a venv interpreter "
                f"({ctx.contract.venv_root}/<venv>/bin/python)")

    def _changed(self, ctx: FileContext) -> Iterator[Finding]:
        """Settings that change what the venv interpreter of `ExecStart=` is (another
        configured venv bound over it is QT103's)."""
        from qt_lint.project import RecordedFiles
        from qt_lint.unit_runtime import interpreter_changes, judged_units

        seen: set[tuple[int, int]] = set()
        alone = not isinstance(ctx.project.files, RecordedFiles)  # a host installs drop-ins
        for unit in judged_units(ctx.unit, ctx.unit_document, alone):
            for change in interpreter_changes(unit, ctx.contract):
                line, column = change.assignment.position(change.index)
                if change.venv is not None or not ctx.owns(change.assignment) \
                        or (line, column) in seen:
                    continue
                seen.add((line, column))
                yield ctx.finding(self, line, column,
                                  f"{change.setting} {change.what}: ExecStart= no longer "
                                  f"runs the venv interpreter it names")
