from __future__ import annotations

from collections.abc import Iterator

from qt_lint.command_model import is_wrapper, runs_python
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule


class WrapperBypass(Rule):
    """
    ## What it does
    Reports a Makefile recipe that runs a Python interpreter (bare or venv) or a `*.py`
    script without going through `ops/run.sh`, directly or through a variable that
    expands to it (`RUN := ops/run.sh $(SERVICE)` then `$(RUN) ops/x.py` is the wrapper).
    A bare `python3` is also QT101: the recipe breaks both rules.

    ## Why is this bad?
    Contract G: "ALL Makefile targets use ops/run.sh". The wrapper sources the service's
    env file, sets `PYTHONPATH`, and checks Redis, the database and the venv before it runs
    anything; a direct call skips every one of those fail-closed checks.

    ## Example
    ```makefile
    quality-gate:
    	python ops/model_safety/quality_gate.py
    ```

    ## Use instead
    ```makefile
    quality-gate:
    	ops/run.sh ai-engine ops/model_safety/quality_gate.py
    ```

    ## Options
    `contract.wrapper`.
    """

    code = "QT102"
    name = "wrapper-bypass"
    section = "G"
    kinds = frozenset({Kind.MAKEFILE})
    summary = "Makefile recipe runs Python without ops/run.sh"
    example_path = "Makefile"
    VALID = (
        Example("RUN := ops/run.sh ai-engine\ngate:\n\t@$(RUN) ops/model_safety/gate.py\n"),
        Example("lint:\n\truff check .\n"),
    )
    INVALID = (
        Example("PYTHON := python3\ngate:\n\t$(PYTHON) ops/model_safety/gate.py\n",
                expect=((3, 2),)),
        Example("gate:\n\t/opt/quantum/venvs/ai-engine/bin/python gate.py\n", expect=((2, 2),)),
        Example("gate:\n\tcd ops && ./gate.py\n", expect=((2, 12),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for command in ctx.commands:
            if runs_python(command, ctx.contract) and not is_wrapper(command.program.text,
                                                                     ctx.contract):
                program = command.program
                yield ctx.finding(self, program.line, program.column,
                                  f"recipe runs `{program.text}` directly; go through "
                                  f"{ctx.contract.wrapper} <service> <script>")
