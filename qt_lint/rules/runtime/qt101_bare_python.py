from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Command, is_bare_python
from qt_lint.context import FileContext
from qt_lint.finding import Edit, Finding, Fix, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.rules.examples import GOLDEN

# `os.system(` / `os.exec*(`, or `from os import` (see the prefilter)
# (a pattern each: each starts with a word that `re` scans for fast)
_CALLED = (lazyre.compile(r"system\w*(?:\s|\\|#[^\n\r]*)*\("),
           lazyre.compile(r"exec\w*(?:\s|\\|#[^\n\r]*)*\("),
           lazyre.compile(r"from[\s\\]+os[\s\\]+import"))
_EXEC = "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main"


class BarePython(Rule):
    """
    ## What it does
    Reports a command whose program is a system Python: `python`, `python2`, `python3`,
    `python3.N`, `/usr/bin/python*`, `/usr/local/bin/python*`, `/bin/python*`, or
    `env python*`, wherever a command runs: systemd `Exec*=` lines (after their `-@:+!`
    prefixes), shell scripts, Makefile recipes, crontab lines and Python subprocess calls,
    behind wrappers such as `sudo`, `env`, `nohup`, `timeout` and `VAR=value` prefixes.
    Commands are followed where they go: `bash -c '...'`, `eval`, a heredoc fed to a shell,
    and what `ssh host '...'` or `ssh host <<EOF` runs on the remote host; a variable the
    script set once to a program (`PYTHON3="python3"; $PYTHON3 x.py`,
    `PY=$(command -v python3)`, Makefile `PY := $(shell which python3)`), and in Python a
    constant of another module of the repository (`from ops.config import PYTHON`,
    `cfg.PYTHON`, a list `CMD` imported and run), reported where it is run.

    Not reported: looking a program up (`command -v python3`, `which`, `type`, `hash`),
    a variable assigned two different values, comments, `echo`/`printf` arguments and other
    data, names such as
    `python_version` or `PYTHONPATH`, the venv interpreter
    `/opt/quantum/venvs/<venv>/bin/python`, `"$VENV/bin/python"`, `sys.executable`.

    ## Why is this bad?
    Contract B, the golden rule: a system interpreter runs with the wrong packages, or
    none; one host works by accident and the next fails at 3 a.m. Each service has a venv
    and is called by its absolute path.

    ## Example
    ```ini
    ExecStart=/usr/bin/python3 -m backend.main
    ```

    ## Use instead
    ```ini
    ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
    ```
    In scripts: `ops/run.sh <venv> script.py`.

    `--unsafe-fixes` replaces the program by the venv interpreter when
    `contract.script-venvs` maps the script it runs (`python3 ops/training/train.py` ->
    `/opt/quantum/venvs/ai-engine/bin/python ops/training/train.py`, also inside a Python
    `subprocess` list); other commands need a human to say which venv.
    """

    code = "QT101"
    name = "bare-python"
    section = "B"
    kinds = frozenset({Kind.UNIT, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON})
    # Python: a command comes only from a call whose dotted name (import aliases followed,
    # `Resolver.dotted`) is one of `pymodel.commands`: `subprocess.*` and
    # `asyncio.create_subprocess_*` (the text holds "subprocess"), `os.popen`,
    # `os.spawn*`, `os.posix_spawn*`, `pty.spawn` ("popen", "spawn"), `os.system` and
    # `os.exec*`. The last two are the weak needles ("system", "execution"); their call
    # is either an attribute `system`/`exec...` called (between the name and its "(" only
    # blanks, line continuations and comments: `_CALLED`), or a name imported by
    # `from os import ...` (whatever it is called, the text says `from os import`).
    prefilter = {Kind.PYTHON: (AnyOf("python"),
                               Either(AnyOf("subprocess", "popen", "spawn"),
                                      (AnyOf("system", "exec"), Either(*_CALLED[:2])),
                                      (AnyOf("from"), _CALLED[2]))),
                 Kind.SHELL: AnyOf("python"), Kind.MAKEFILE: AnyOf("python", "$"),
                 Kind.CRONTAB: AnyOf("python")}
    summary = "Command runs a system python instead of a venv interpreter"
    fixable = True
    fix_note = "unsafe (another interpreter runs); only for scripts `contract.script-venvs` maps"
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace(_EXEC, "ExecStart=/opt/quantum/venvs/backend/bin/python3 x")),
             Example(GOLDEN.replace(_EXEC, "ExecStart=/usr/bin/echo python3 x.py")),
             Example("# python3 x.py\necho \"run python3 x.py\"\ncat <<EOF\npython3 x\nEOF\n",
                     path="ops/a.sh"),
             Example('"$VENV/bin/python" x.py\n/opt/quantum/venvs/ai-engine/bin/python x.py\n',
                     path="ops/b.sh"),
             Example('import subprocess, sys\nsubprocess.run([sys.executable, "x.py"])\n'
                     'python_version = "3.11"\n', path="ops/a.py"))
    INVALID = (
        Example(GOLDEN.replace(_EXEC, "ExecStart=-/usr/bin/python3 -u script.py"),
                expect=((13, 12),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/usr/bin/env python3 x.py"),
                expect=((13, 24),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=//usr/lib/../bin/pyth\\x6fn3 x.py"),
                expect=((13, 11),)),
        Example(GOLDEN.replace(_EXEC, _EXEC + "\nExecStartPre=python3 check.py"),
                expect=((14, 14),)),
        Example(GOLDEN.replace(_EXEC, "ExecStart=/bin/bash -c 'cd /x && exec python3 y.py'"),
                expect=((13, 39),)),
        Example("#!/bin/bash\nFOO=1 sudo -u qt nohup python3 x.py &\n", path="ops/a.sh",
                expect=((2, 24),)),
        Example("all:\n\tpython3 x.py\n", path="Makefile", expect=((2, 2),)),
        Example("0 3 * * * cd /home/qt/quantum_trader && python3 x.py\n",
                path="ops/quantum.cron", expect=((1, 41),)),
        Example('import subprocess\nPY = "python3"\nsubprocess.run([PY, "x.py"])\n'
                'subprocess.run("nohup python x.py &", shell=True)\n', path="ops/a.py",
                expect=((3, 17), (4, 23))),
        Example('import subprocess\nsubprocess.run(["python3", "ops/training/train.py"])\n',
                path="ops/nightly.py", expect=((2, 17),),
                fixed='import subprocess\nsubprocess.run(["/opt/quantum/venvs/ai-engine/bin/'
                      'python", "ops/training/train.py"])\n'),
        Example("#!/bin/bash\ncd /home/qt/quantum_trader\n"
                "python3 ops/model_safety/score.py --all\n", path="ops/score.sh",
                expect=((3, 1),),
                fixed="#!/bin/bash\ncd /home/qt/quantum_trader\n"
                      "/opt/quantum/venvs/ai-engine/bin/python ops/model_safety/score.py --all\n"),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for command in ctx.commands:
            program = command.program
            if is_bare_python(program):
                yield ctx.finding(self, program.line, program.column,
                                  f"`{program.text}` is a system python; run the venv "
                                  f"interpreter {ctx.contract.venv_root}/<venv>/bin/python",
                                  _venv_fix(ctx, command))


def _venv_fix(ctx: FileContext, command: Command) -> Fix | None:
    """The program replaced by the venv interpreter that `contract.script-venvs` maps the
    script to (`python3 ops/training/train.py` -> `/opt/quantum/venvs/ai-engine/bin/python
    ops/training/train.py`): unsafe, another interpreter runs. Only where the program is
    written as one plain word (quoted or not) at its position; `env python3`, variables
    and wrappers' own words are left to a human."""
    c = ctx.contract
    program = command.program
    script = next((w for w in command.args if not w.text.startswith("-")), None)
    if script is None or script.dynamic or program.dynamic or program.text.startswith("env"):
        return None
    relative = script.text.removeprefix(c.repo_root.rstrip("/") + "/").removeprefix("./")
    venv = c.venv_for_script(relative)
    if venv is None or not 0 < program.line <= len(ctx.lines):
        return None
    line = ctx.lines[program.line - 1]
    start = program.column - 1
    if line[start:start + 1] in ("'", '"'):
        quote = line[start]
        if line[start + 1:start + 1 + len(program.text) + 1] != program.text + quote:
            return None
        start += 1
    elif not line.startswith(program.text, start) or \
            line[start + len(program.text):start + len(program.text) + 1] not in ("", " ", "\t"):
        return None
    offset = ctx.offset(program.line, start + 1)
    return Fix((Edit(offset, offset + len(program.text), c.venv_python(venv)),), safe=False)
