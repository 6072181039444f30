from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind, Severity
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.paths.helpers import TMP_PATH

_ABSOLUTE = re.compile(r"^(?:/[^/\s]|~/|[A-Za-z]:\\)")


class PathFallback(Rule):
    """
    ## What it does
    Reports an absolute-path default given to `os.getenv`, `os.environ.get` or
    `os.environ.setdefault` (or `os.getenv("X") or "/path"`): a hidden hardcoded path
    that silently replaces a missing variable. A `/tmp` default is QT203.

    ## Why is this bad?
    Contracts C and E, fail closed: a missing `DB_PATH` should stop the service at start,
    not send it to a default database that exists on a developer's machine (or a fresh,
    empty one created on the server).

    ## Example
    ```python
    DB_PATH = os.getenv("DB_PATH", "/opt/quantum/data/quantum_trader.db")
    ```

    ## Use instead
    ```python
    DB_PATH = os.environ["DB_PATH"]  # KeyError at start-up when it is missing
    ```
    """

    code = "QT202"
    name = "path-fallback"
    severity = Severity.WARNING
    section = "C"
    kinds = frozenset({Kind.PYTHON})
    summary = "Absolute-path default for an environment variable"
    prefilter = {Kind.PYTHON: (AnyOf("getenv", "environ.get", "setdefault"),
                               re.compile(r"[\"'](?:/[A-Za-z_.]|~/|[A-Za-z]:\\\\)|Path\.home|expanduser"))}
    example_path = "backend/settings.py"
    VALID = (Example('import os\nDB = os.getenv("DB_PATH")\nLEVEL = os.getenv("LOG_LEVEL", '
                     '"INFO")\nURL = os.getenv("API", "/api/v1")\n'),)
    INVALID = (
        Example('import os\nDB = os.getenv("DB_PATH", "/opt/quantum/data/q.db")\n',
                expect=((2, 27),)),
        Example('from os import environ\nM = environ.get("MODEL_DIR") or "/opt/models"\n',
                expect=((2, 33),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.parsers.python import ENV_GETTERS

        facts = ctx.python
        candidates = []
        for call in facts.calls:
            if call.name in ENV_GETTERS:
                default = call.arg(1, "default")
                if default is not None:
                    candidates.append((call, default))
        candidates.extend(facts.or_defaults)
        for call, default in candidates:
            value = facts.resolve(default, call.scope)
            if value is None or not _ABSOLUTE.match(value.text) or TMP_PATH.match(value.text):
                continue
            if value.text.startswith("/api/") or "://" in value.text:
                continue
            key = facts.resolve(call.arg(0, "key"), call.scope)
            line, column = facts.position(default)
            name = key.text if key else "the variable"
            yield ctx.finding(self, line, column,
                              f"{name} falls back to a hardcoded path; fail closed when it "
                              "is missing")
