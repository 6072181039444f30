from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import EXEC_KEYS
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.examples import GOLDEN

# Unit settings that hold absolute paths (WorkingDirectory= is QT404, EnvironmentFile= QT304).
UNIT_PATH_KEYS = frozenset({
    "PIDFile", "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "ExecPaths",
    "NoExecPaths", "RootDirectory", "RootImage", "BindPaths", "BindReadOnlyPaths",
    "ConditionPathExists", "ConditionPathIsDirectory", "ConditionPathExistsGlob",
    "ConditionFileNotEmpty", "ConditionFileIsExecutable", "ConditionDirectoryNotEmpty",
    "AssertPathExists", "AssertPathIsDirectory", "AssertFileNotEmpty",
    "AssertFileIsExecutable", "AssertDirectoryNotEmpty",
})
_ITEM = lazyre.compile(r"\S+")
_PATH_KEY = lazyre.compile(r"_(?:DIR|PATH|ROOT|FILE)$")


class RelativeConfigPath(Rule):
    """
    ## What it does
    Reports a relative path where the contract wants an absolute one: in an env file, the
    value of a key ending `_DIR`, `_PATH`, `_ROOT` or `_FILE`; in a unit, an `Exec*=`
    program given as a relative path (`ops/run.sh`, `.venv/bin/python`) and the path
    settings no more specific rule judges (`PIDFile=`, `ReadWritePaths=`,
    `Condition*Path*=`, ...). `WorkingDirectory=` is QT404 and `EnvironmentFile=` QT304.
    In Python, `sqlite3.connect()` of a relative path (`"quantum_trader.db"`): the
    database is state, which lives at `DB_PATH` (contract A), not wherever the process
    happens to start (`":memory:"` and paths from the environment are fine).

    ## Why is this bad?
    Contract C: "ALL paths are absolute". A relative path resolves against whatever the
    current directory is; systemd refuses a relative program path with a slash outright.

    ## Example
    ```ini
    ExecStart=.venv/bin/python -m backend.main
    ```

    ## Use instead
    ```ini
    ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
    ```
    """

    code = "QT205"
    name = "relative-config-path"
    section = "C"
    kinds = frozenset({Kind.UNIT, Kind.ENV, Kind.PYTHON})
    prefilter = {Kind.PYTHON: AnyOf("sqlite3")}
    summary = "Relative path in a path setting (env *_DIR/_PATH/_ROOT/_FILE, unit paths)"
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN),
             Example(GOLDEN.replace("Type=simple", "Type=simple\nPIDFile=%t/backend.pid")))
    INVALID = (
        Example(GOLDEN.replace("ExecStart=/opt/quantum/venvs/backend/bin/python",
                               "ExecStart=.venv/bin/python"), expect=((13, 11),)),
        Example(GOLDEN.replace("Type=simple", "Type=simple\nReadWritePaths=-data logs"),
                expect=((9, 16), (9, 22))),
        Example("DATA_DIR=data\nMODEL_PATH=~/models\nLOG_LEVEL=INFO\n", path="deploy/x.env",
                expect=((1, 10), (2, 12))),
        Example('import os, sqlite3\nc = sqlite3.connect("quantum_trader.db")\n'
                'm = sqlite3.connect(":memory:")\nd = sqlite3.connect(os.environ["DB_PATH"])\n',
                path="backend/db.py", expect=((2, 21),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        if ctx.kind is Kind.ENV:
            yield from self._env(ctx)
            return
        if ctx.kind is not Kind.UNIT:
            return
        for command in ctx.commands:
            if command.origin not in EXEC_KEYS:
                continue  # a command inside `bash -c '...'` is the shell's business
            program = command.program
            if "/" in program.text and not program.text.startswith(("/", "%", "$")):
                yield ctx.finding(self, program.line, program.column,
                                  f"{command.origin}= runs the relative path {program.text}; "
                                  "systemd needs an absolute path")
        for section in ctx.unit_document.sections:
            for a in section.assignments:
                if a.key not in UNIT_PATH_KEYS:
                    continue
                from qt_lint.unit_runtime import bind_sources

                # a bind entry as systemd splits it (quotes, `\\:`), its source judged
                items = bind_sources(a.value) if a.key.startswith("Bind") else [
                    (m.group().lstrip("-+!|"), m.start()) for m in _ITEM.finditer(a.value)]
                for item, index in items:
                    if item and not item.startswith(("/", "%")):
                        line, column = a.position(index)
                        yield ctx.finding(self, line, column,
                                          f"{a.key}= has the relative path {item}")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        for call in facts.calls:
            if call.name != "sqlite3.connect":
                continue
            node = call.arg(0, "database")
            value = facts.resolve(node, call.scope) if node is not None else None
            if value is None or not value.exact:
                continue
            text = value.text
            if not text or text == ":memory:" or text.startswith(("/", "$", "file:", "~")):
                continue
            assert node is not None
            line, column = facts.position(node)
            yield ctx.finding(self, line, column,
                              f"sqlite3.connect() opens the relative path {text}; the "
                              "database is state at DB_PATH (/opt/quantum/data/...)")

    def _env(self, ctx: FileContext) -> Iterator[Finding]:
        for entry in ctx.env.entries:
            value = entry.value
            if not _PATH_KEY.search(entry.key) or not value or value.startswith(("/", "$")):
                continue
            from qt_lint.secrets import is_secret_key

            shown = "(not shown)" if is_secret_key(entry.key) else value
            yield ctx.finding(self, entry.value_line, entry.value_column,
                              f"{entry.key} is the relative path {shown}; env-file paths are "
                              "absolute")
