from __future__ import annotations

import ast
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import FileContext
from qt_lint.finding import Edit, Finding, Fix, Kind, Severity
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.paths.helpers import TMP_PATH

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call
    from qt_lint.pymodel.resolver import Sym

_ABSOLUTE = lazyre.compile(r"^(?:/[^/\s]|~/|[A-Za-z]:\\)")


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
    `--unsafe-fixes` rewrites `os.getenv("X", "/path")` and `os.environ.get("X", "/path")`
    to `os.environ["X"]`: the call's text only, the rest of the line (comments included)
    unchanged. Unsafe: a host without the variable then stops the service.
    """

    code = "QT202"
    name = "path-fallback"
    severity = Severity.WARNING
    section = "C"
    kinds = frozenset({Kind.PYTHON})
    summary = "Absolute-path default for an environment variable"
    fixable = True
    fix_note = "unsafe (a missing variable then stops the service)"
    prefilter = {Kind.PYTHON: (AnyOf("getenv", "environ.get", "setdefault"),
                               lazyre.compile(r"[\"'](?:/[A-Za-z_.]|~/|[A-Za-z]:\\\\)|Path\.home|expanduser"))}
    example_path = "backend/settings.py"
    VALID = (Example('import os\nDB = os.getenv("DB_PATH")\nLEVEL = os.getenv("LOG_LEVEL", '
                     '"INFO")\nURL = os.getenv("API", "/api/v1")\n'),)
    INVALID = (
        Example('import os\nDB = os.getenv("DB_PATH", "/opt/quantum/data/q.db")  # state\n',
                expect=((2, 27),), fixed='import os\nDB = os.environ[\'DB_PATH\']  # state\n'),
        Example('from os import environ\nM = environ.get("MODEL_DIR") or "/opt/models"\n',
                expect=((2, 33),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.resolver import ENV_GETTERS

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
                              "is missing", _fail_closed(ctx, call, default, key))


def _fail_closed(ctx: FileContext, call: Call, default: ast.expr, key: Sym | None) -> Fix | None:
    """`os.getenv("DATA_DIR", "/opt/x")` -> `os.environ["DATA_DIR"]` (a missing variable
    then stops the service with KeyError, naming it): unsafe, the behaviour changes. The
    edit replaces exactly the call's text (ast's end positions), so everything around it,
    comments and formatting included, stays byte for byte. `or`-fallbacks and getters
    called through an alias other than `os.` are left to a human."""
    node = call.node
    if not (call.name in ("os.getenv", "os.environ.get") and key is not None and key.exact
            and len(node.args) == 2 and not node.keywords and node.args[1] is default):
        return None
    facts = ctx.python
    start, end = ctx.offset(*facts.position(node)), ctx.offset(*facts.position(node, end=True))
    return Fix((Edit(start, end, f"os.environ[{key.text!r}]"),), safe=False)
