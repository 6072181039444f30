from __future__ import annotations

from collections.abc import Iterator

from qt_lint.command_model import Command, is_python_name, is_wrapper, venv_of
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind, Severity
from qt_lint.rule import AnyOf, Example, Rule


def ops_script(command: Command, contract: Contract) -> str | None:
    """The ops Python script a command runs by a venv interpreter or directly
    (`/opt/quantum/venvs/x/bin/python ops/a.py`, `-m ops.a`, `./ops/a.py`), or None. A
    system python is QT101's; the wrapper itself is the way."""
    program = command.program
    if program.dynamic or is_wrapper(program.text, contract):
        return None
    text = program.text.removeprefix("./")
    root = contract.repo_root.rstrip("/") + "/"
    if text.endswith(".py") and text.removeprefix(root).startswith("ops/"):
        return text
    if venv_of(program.text, contract) is None and not (
            is_python_name(command.name) and program.text.startswith("$")):
        return None
    args = [w.text for w in command.args]
    for index, arg in enumerate(args):
        if arg == "-m" and index + 1 < len(args):
            module = args[index + 1]
            return module if module.startswith("ops.") else None
        if arg.startswith("-"):
            continue
        script = arg.removeprefix("./").removeprefix(root)
        return arg if script.startswith("ops/") and script.endswith(".py") else None
    return None


class OpsWithoutWrapper(Rule):
    """
    ## What it does
    Reports, in shell scripts, crontabs and Python `subprocess` calls, an ops script
    (`ops/**/*.py`, `-m ops....`) run without the wrapper: by a venv interpreter
    (`/opt/quantum/venvs/ai-engine/bin/python ops/training/train.py`) or directly
    (`./ops/gate.py`). A warning: contract section L shows the absolute venv interpreter as
    an accepted form, and systemd units (whose `EnvironmentFile=` does what the wrapper
    does) are not reported. Makefiles are QT102's (an error there); a system python is
    QT101's; the wrapper itself (`ops/run.sh`) is not reported.

    ## Why is this bad?
    Contract G: "always use ops/run.sh". Outside a unit nothing sources the service's env
    file, sets `PYTHONPATH` or checks Redis, the database and the venv before the script
    runs: a cron job or a deploy script then trains or gates on whatever environment the
    calling shell happens to have, and does not stop when a dependency is down.

    ## Example
    ```sh
    /opt/quantum/venvs/ai-engine/bin/python ops/training/train_patchtst.py
    ```

    ## Use instead
    ```sh
    ops/run.sh ai-engine ops/training/train_patchtst.py
    ```

    ## Options
    `contract.wrapper`, `contract.venv-root`.
    """

    code = "QT105"
    name = "ops-without-wrapper"
    section = "G"
    severity = Severity.WARNING
    kinds = frozenset({Kind.SHELL, Kind.CRONTAB, Kind.PYTHON})
    summary = "Ops script run without ops/run.sh outside a Makefile or unit"
    example_path = "deploy/nightly.sh"
    VALID = (
        Example("ops/run.sh ai-engine ops/training/train_patchtst.py\n"
                "/opt/quantum/venvs/backend/bin/python -m backend.main\n"),
        Example('import subprocess\nsubprocess.run(["ops/run.sh", "ai-engine", '
                '"ops/model_safety/quality_gate.py"])\n', path="ops/nightly.py"),
    )
    INVALID = (
        Example("/opt/quantum/venvs/ai-engine/bin/python ops/training/train_patchtst.py\n"
                "cd /home/qt/quantum_trader && ./ops/model_safety/quality_gate.py\n",
                expect=((1, 1), (2, 31))),
        Example('import subprocess\nsubprocess.run(["/opt/quantum/venvs/ai-engine/bin/python",'
                ' "-m", "ops.training.train"])\n', path="backend/jobs.py", expect=((2, 17),)),
        Example("0 3 * * * qt /opt/quantum/venvs/ai-engine/bin/python "
                "/home/qt/quantum_trader/ops/training/train.py\n", path="cron.d/quantum",
                expect=((1, 14),)),
    )

    def prefilter_for(self, kind: Kind, contract: Contract) -> AnyOf | None:
        return AnyOf("ops/", "ops.")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.relpath == ctx.contract.wrapper.strip("/"):
            return
        for command in ctx.commands:
            script = ops_script(command, ctx.contract)
            if script is None:
                continue
            program = command.program
            yield ctx.finding(self, program.line, program.column,
                              f"{script} runs without {ctx.contract.wrapper}; run "
                              f"`{ctx.contract.wrapper} <service> {script}` so the env file, "
                              "PYTHONPATH and the dependency checks apply")
