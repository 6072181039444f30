from __future__ import annotations

from collections.abc import Iterator

from qt_lint.command_model import runs_python
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind, Severity
from qt_lint.rule import AnyOf, Example, Rule


class RelativeCd(Rule):
    """
    ## What it does
    Reports a `cd` to a relative path that a Python interpreter or script run follows in
    the same shell (`cd models && python train.py`, or `cd models` on one line and
    `python train.py` later). One finding per `cd`, at the `cd`. Not reported:
    `cd "$REPO_ROOT"/...`, `cd /home/qt/quantum_trader/...`, a `cd` in a subshell that
    ends before the run.

    ## Why is this bad?
    Contract L: relative paths resolve against wherever the script was started from; the
    same job reads other files from cron than from a terminal. Scripts run from the
    repository root with paths relative to it, or absolute paths.

    ## Example
    ```sh
    cd models && python train.py
    ```

    ## Use instead
    ```sh
    ops/run.sh ai-engine ops/training/train.py
    ```
    """

    code = "QT104"
    name = "relative-cd"
    severity = Severity.WARNING
    section = "L"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB})
    summary = "Relative cd before a Python run"
    prefilter = (AnyOf("cd"), AnyOf("python", ".py", "$"))
    example_path = "ops/train.sh"
    VALID = (
        Example('cd "$REPO_ROOT"/models && python train.py\n'),
        Example("cd /home/qt/quantum_trader/ops && ./run.sh ai-engine x.py\n"),
        Example("(cd build && make)\npython3 x.py\n"),
    )
    INVALID = (
        Example("cd models && python train.py\n", expect=((1, 1),)),
        Example("cd ops\nls\n/opt/quantum/venvs/ai-engine/bin/python x.py\n", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        seen: set[tuple[int, int]] = set()
        for command in ctx.commands:
            cd = command.cd
            if cd is None or not runs_python(command, ctx.contract):
                continue
            if (cd.line, cd.column) in seen:
                continue
            seen.add((cd.line, cd.column))
            yield ctx.finding(self, cd.line, cd.column,
                              f"`cd {cd.text}` is relative, and {command.program.text} runs "
                              f"after it (line {command.program.line}); use absolute paths "
                              "from the repository root")
