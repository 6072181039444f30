from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.examples import GOLDEN
from qt_lint.rules.paths.helpers import TMP_PATH

# Unit settings judged by a more specific rule, or that are not state.
_UNIT_SKIP = frozenset({
    "WorkingDirectory", "EnvironmentFile", "StandardOutput", "StandardError", "PrivateTmp",
    "Description", "Documentation",
})
_TEMP_VARS = lazyre.compile(r"^(?:TMPDIR|TEMP|TMP)=")


class TmpState(Rule):
    """
    ## What it does
    Reports persistent state under `/tmp` or `/var/tmp`: Python literals, shell paths,
    unit settings (`PIDFile=`, `ReadWritePaths=`, `ExecStart=` arguments,
    `Environment=` values, ...; `WorkingDirectory=` is QT404 and log targets QT408) and
    env-file values.

    Not reported: the `tempfile` module, `mktemp` in shell, `PrivateTmp=yes`, and
    `TMPDIR=`/`TMP=`/`TEMP=` pointing at `/tmp` (that is what it is for).

    ## Why is this bad?
    Contract A: "NEVER use /tmp or /var/tmp". `/tmp` is wiped at boot (and private per
    service with `PrivateTmp=`), so PID files, caches and model checkpoints there vanish
    or are invisible to the next process; state lives under `/opt/quantum/data/`.

    ## Example
    ```ini
    PIDFile=/tmp/quantum-backend.pid
    ```

    ## Use instead
    ```ini
    RuntimeDirectory=quantum-backend
    PIDFile=/run/quantum-backend/backend.pid
    ```
    """

    code = "QT203"
    name = "tmp-state"
    section = "A"
    kinds = frozenset({Kind.UNIT, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON,
                       Kind.ENV})
    summary = "Persistent state under /tmp or /var/tmp"
    # in Python, also a path joined from parts (`Path("/") / "tmp"`, `os.path.join("/", "tmp")`);
    # in units, the specifiers systemd expands to /tmp and /var/tmp
    prefilter = {kind: AnyOf("/tmp") for kind in (Kind.ENV, Kind.SHELL, Kind.MAKEFILE,
                                                  Kind.CRONTAB)}
    prefilter[Kind.UNIT] = AnyOf("/tmp", "%T", "%V")
    prefilter[Kind.PYTHON] = AnyOf("/tmp", '"tmp', "'tmp")
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN), Example(GOLDEN.replace("Type=simple", "Type=simple\nPrivateTmp=yes"
                                                     "\nEnvironment=TMPDIR=/tmp")),
             Example('TMPDIR=/tmp\nwork=$(mktemp -d /tmp/qt.XXXX)\nrm -rf "$work"\n',
                     path="ops/a.sh"),
             Example('import tempfile\nd = tempfile.mkdtemp(dir="/tmp")\n'
                     'log.info("cleaning /tmp")\n', path="ops/a.py"),
             Example(GOLDEN.replace("Type=simple", "Type=simple\nPIDFile=/run/x/100%%T.pid")))
    INVALID = (
        Example(GOLDEN.replace("Type=simple", "Type=simple\nPIDFile=/var/tmp/backend.pid"),
                expect=((9, 9),)),
        Example(GOLDEN.replace("-m backend.main", "-m backend.main --cache /tmp/cache"),
                expect=((13, 73),)),
        Example(GOLDEN.replace("Type=simple", "Type=simple\nPIDFile=%T/backend.pid"),
                expect=((9, 9),)),
        Example(GOLDEN.replace("-m backend.main", "-m backend.main --cache %V/cache"),
                expect=((13, 73),)),
        Example("python_cache=/tmp/qt_cache\ncp model.pkl /var/tmp/models/\n", path="ops/a.sh",
                expect=((1, 14), (2, 14))),
        Example('import os\nCACHE = "/tmp/quantum_cache"\nPID = os.getenv("PID", "/tmp/x.pid")\n',
                path="ops/a.py", expect=((2, 9), (3, 24))),
        Example("CACHE_DIR=/tmp/quantum\nTMPDIR=/tmp\n", path="deploy/backend.env",
                expect=((1, 11),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.UNIT:
            for section in ctx.unit_document.sections:
                for a in section.assignments:
                    if a.key in _UNIT_SKIP or ("/tmp" not in a.value and "%" not in a.value):
                        continue
                    places = [(m.start(), m.group()) for m in TMP_PATH.finditer(a.value)]
                    places += _tmp_specifiers(a.value)
                    for start, place in sorted(places):
                        if a.key == "Environment" and _temp_var(a.value, start):
                            continue
                        line, column = a.position(start)
                        yield ctx.finding(self, line, column,
                                          f"{a.key}= keeps state under {place}; use "
                                          f"{ctx.contract.data_dir}")
            return
        if ctx.kind in SHELL_KINDS:
            yield from self._shell(ctx)
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
        if ctx.kind is Kind.ENV:
            yield from self._env(ctx)

    def _env(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.secrets import is_secret_key

        for entry in ctx.env.entries:
            if entry.key in ("TMPDIR", "TMP", "TEMP") or "/tmp" not in entry.value:
                continue
            # the place the path names: `/opt/quantum/data/../../../tmp/x` is /tmp/x
            value = entry.value
            if value.startswith("/") and "/." in value:
                value = "/" + posixpath.normpath(value).lstrip("/")
            match = TMP_PATH.search(value)
            if match:
                shown = "****" if is_secret_key(entry.key) else entry.value
                yield ctx.finding(self, entry.value_line, entry.value_column,
                                  f"{entry.key}={_clip(shown)} keeps state under "
                                  f"{match.group()}; use {ctx.contract.data_dir}")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.calls import is_message_call

        for lit in ctx.python.literals:
            if lit.docstring or is_message_call(lit.call) or "/tmp" not in lit.value:
                continue
            if any(c.isspace() for c in lit.value):
                continue  # text, not a path (shell strings are judged as commands)
            if (lit.call or "").startswith("tempfile.") or "://" in lit.value:
                continue
            match = TMP_PATH.search(lit.value)
            if match and not lit.value.startswith("/api"):
                yield ctx.finding(self, lit.line, lit.column,
                                  f"`{_clip(lit.value)}` keeps state under {match.group()}; "
                                  f"use {ctx.contract.data_dir} (or the tempfile module for "
                                  "scratch files)")

    def _shell(self, ctx: FileContext) -> Iterator[Finding]:
        analysis = ctx.shell
        skip: set[tuple[int, int]] = set()
        for command in analysis.commands:
            if command.name in ("mktemp", "rm", "rmdir", "echo", "printf", "logger"):
                skip.update((w.line, w.column) for w in command.args)
        for name, value in analysis.assignments:
            if name in ("TMPDIR", "TMP", "TEMP"):
                skip.add((value.line, value.column))
        seen: set[tuple[int, int]] = set()
        for word in analysis.words:
            key = (word.line, word.column)
            if key in skip or key in seen or "/tmp" not in word.text:
                continue
            if word.text.startswith(("$(", "`")):
                continue  # a command substitution: its own words are judged one by one
            match = TMP_PATH.search(word.text)
            if match:
                seen.add(key)
                yield ctx.finding(self, word.line, word.column,
                                  f"`{_clip(word.text)}` keeps state under {match.group()}; "
                                  f"use {ctx.contract.data_dir}")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tmp_specifiers(value: str) -> list[tuple[int, str]]:
    """Where systemd's `%T` (/tmp) and `%V` (/var/tmp) begin a path in a unit value: the
    system manager expands them (`%%T` is the text `%T`)."""
    out = []
    i = value.find("%")
    while i != -1 and i + 1 < len(value):
        spec = value[i + 1]
        if spec in "TV" and not re.match(r"[\w.-]", value[i + 2:i + 3]):
            out.append((i, "/tmp (%T)" if spec == "T" else "/var/tmp (%V)"))
        i = value.find("%", i + 2)
    return out


def _temp_var(value: str, index: int) -> bool:
    """The match is the value of TMPDIR=/TMP=/TEMP= in an Environment= line."""
    start = value.rfind(" ", 0, index) + 1
    return bool(_TEMP_VARS.match(value[start:].lstrip("\"'")))
