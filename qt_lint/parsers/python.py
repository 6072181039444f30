"""Python files parsed with the standard `ast` module into the facts the rules judge.

One pass over the tree collects imports (aliases), assignments, calls (with the `if`/
`while` tests around them), string literals (with what they are used as) and the commands
that subprocess calls run. A small, predictable resolver turns expressions into strings:

Resolved: string and bytes literals, implicit concatenation, f-strings (unknown parts kept
as `{...}`), `+` of strings, `pathlib` joins (`Path("/opt") / "data"`, `.joinpath()`),
`os.path.join`, `str()`, `Path()`, `.parent`, `.parents[N]`, `os.path.dirname`, and names
assigned exactly once in the same function or at module level (`PY = "python3"`;
`ACTIVE_DIR = MODEL_DIR / "active"`). A parameter holds its default (`def f(url=REDIS_URL)`:
what runs when a caller passes nothing); a parameter without one is unknown. Environment
lookups (`os.getenv("MODEL_DIR")`, `os.environ["X"]`) resolve to `$MODEL_DIR`; `__file__` to
a file somewhere inside the repository (`$REPO_ROOT/{...}/__file__`, so that
`Path(__file__).parent / "logs"` is known to be in the repository). Import aliases are
followed (`from subprocess import run as sh`, `import os.path as osp`).

Settings (`PythonFacts.settings`, built only when a rule asks): values given to a name --
module constants, class fields (dataclass, pydantic, `field(default=...)`, `Field(...)`),
parameter defaults, keyword arguments, `add_argument("--redis-url", default=...)`, string
keys of dict literals and environment lookup defaults. Rules judge a setting by its name
(`redis_url`, `auto_promotion_enabled`) and report it once, where the value is written
(`PythonFacts.origin`).

A path joined from literals only (`os.path.join("/", "opt", "quantum")`,
`Path.home() / "quantum_trader"`) is also a literal, with the joined value, at the join.

A module-level constant another module of the repository binds is followed through the
import (`from ops.config import PYTHON`, `cfg.PYTHON`; `qt_lint.pymodel.modules`).

Not resolved (left unknown, so rules stay silent rather than guess): values from modules
outside the repository or bound there more than once (propagation follows constants, it
is not whole-program), attributes of objects, function return values, loop variables,
names assigned more than once (an import counts as an assignment).

Why `ast` and not libcst: the Python fixes (QT101, QT202) replace one expression each at its
exact position, no rule rewrites code structurally; `ast` parses about nine times faster
(105k against 12k lines/s here; libcst's position metadata brings it to 2k lines/s) with exact
positions, and it imports in milliseconds where libcst takes 380 ms, more than the whole
budget of a pre-commit run on one file.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator

from qt_lint import lazyre
from qt_lint.command_model import Command
from qt_lint.parsers import ParseError
from qt_lint.pymodel.calls import FileOp, file_ops, is_logging_call, is_message_call
from qt_lint.pymodel.commands import CommandModel
from qt_lint.pymodel.resolver import (
    DYNAMIC,
    ENV_GETTERS,
    IMPORTED,
    MAX_DEPTH,
    PATH_TYPES,
    THIS_FILE,
    Sym,
)
from qt_lint.pymodel.settings import Setting, SettingsModel
from qt_lint.record import field, record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from qt_lint.parsers.shell import Redirect

# the semantic model's names, where rules and tests found them before it had modules
__all__ = ["DYNAMIC", "ENV_GETTERS", "MAX_DEPTH", "THIS_FILE", "Call", "FileOp", "Literal",
           "PythonFacts", "Scope", "Setting", "Sym", "file_ops", "is_logging_call",
           "is_message_call", "parse_tree"]



@record(slots=True)
class Call:
    """One call in a Python file, with the scope and conditions around it."""

    name: str  # dotted, aliases followed: "subprocess.run", "logger.info", ".write_text"
    node: ast.Call
    scope: Scope
    conditions: tuple[ast.expr, ...]  # tests of the if/while/ternaries around the call
    line: int
    column: int

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def arg(self, index: int, keyword: str | None = None) -> ast.expr | None:
        if keyword is not None:
            for kw in self.node.keywords:
                if kw.arg == keyword:
                    return kw.value
        positional = [a for a in self.node.args if not isinstance(a, ast.Starred)]
        return positional[index] if index < len(positional) else None

    def kwarg(self, name: str) -> ast.expr | None:
        for kw in self.node.keywords:
            if kw.arg == name:
                return kw.value
        return None


@record(frozen=True)
class Literal:
    """A string literal (an f-string counts as one) and what it is used as."""

    value: str  # f-string unknown parts read `{...}`
    line: int
    column: int
    docstring: bool
    call: str | None  # the dotted name of the call it is an argument of
    role: str  # "arg0", "arg1", ..., a keyword name, "value", "key", "test", "other"
    node: ast.expr


@record
class Scope:
    """A function's or module's assignments, for following names to values."""

    parent: Scope | None
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)
    # the function whose body this is (None: the module, a lambda)
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = field(
        default=None, repr=False, compare=False)

    def lookup(self, name: str) -> ast.expr | None:
        scope: Scope | None = self
        while scope is not None:
            values = scope.assigned.get(name)
            if values is not None:
                return values[0] if len(values) == 1 else None
            scope = scope.parent
        return None


def parse_tree(text: str) -> ast.Module:
    import warnings

    try:
        with warnings.catch_warnings():
            # CPython warns about the user's code (invalid escapes, ...): not qt-lint's to say
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as exc:
        if sys.version_info < (3, 12) and _pep701_explains(exc, text):
            from qt_lint.parsers import pep701

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return pep701.parse(text)  # a 3.12 f-string on an older interpreter
            except (pep701.NotPep701, SyntaxError, ValueError, RecursionError):
                pass
        line = exc.lineno or 1
        column = exc.offset or 1
        message = exc.msg or "invalid syntax"
        raise ParseError(f"Python syntax error: {message}", line, column) from None
    except (ValueError, MemoryError, RecursionError) as exc:  # NUL bytes, absurd nesting
        raise ParseError(f"Python file cannot be parsed: {type(exc).__name__}") from None


# an f-string opening: `f"`, `F'`, `rf"`, `fR'`, ...
_FSTRING_START = lazyre.compile(r"(?<![\w])(?:[fF][rR]?|[rR][fF])[\"']")


def _pep701_explains(exc: SyntaxError, text: str) -> bool:
    """A syntax error that a Python 3.12 f-string would explain (PEP 701: quotes reused,
    backslashes, comments or line breaks inside the braces): the older parser calls it an
    f-string error, or reports it on a line that opens an f-string (an unterminated string,
    a stray backslash). Any other syntax error is the file's, and libcst (380 ms to
    import) is not asked."""
    if (exc.msg or "").startswith("f-string"):
        return True
    lines = text.split("\n", exc.lineno or 1)
    line = lines[(exc.lineno or 1) - 1] if 0 < (exc.lineno or 1) <= len(lines) else ""
    return bool(_FSTRING_START.search(line))


class PythonFacts(SettingsModel, CommandModel):
    """A parsed file: the tree, what the single pass collected, and the semantic model
    (`qt_lint.pymodel`) over them."""

    def __init__(self, text: str, tree: ast.Module | None = None) -> None:
        self.tree = tree if tree is not None else parse_tree(text)
        self.text = text
        self._lines = text.split("\n")
        self.aliases: dict[str, str] = {}
        self.calls: list[Call] = []
        # the literals as the pass met them: (node, call, role, docstring, value), the value
        # None for a plain string or bytes constant (its own); built and positioned only when
        # a rule reads `literals` (the path rules, in one file of seven)
        self._literal_entries: list[tuple[ast.expr, str | None, str, bool, str | None]] = []
        self._literals: list[Literal] | None = None
        self.environ_writes: list[tuple[str, ast.expr, int, int]] = []
        self.or_defaults: list[tuple[Call, ast.expr]] = []
        # what `settings` reads, noted by the single pass (no second walk of the tree)
        self.definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.dicts: list[ast.Dict] = []
        self.module = Scope(None)
        _Collector(self).run()
        self._commands: list[Command] | None = None
        self._redirects: list[Redirect] = []

    @property
    def literals(self) -> list[Literal]:
        """The string literals (an f-string counts as one, so does a path joined from
        literals), in the order of the pass."""
        if self._literals is None:
            position = self.position
            out = []
            for node, call, role, docstring, text in self._literal_entries:
                if text is None:
                    value = node.value  # type: ignore[attr-defined]
                    text = value if isinstance(value, str) else value.decode("utf-8", "replace")
                line, column = position(node)
                out.append(Literal(text, line, column, docstring, call, role, node))
            self._literals = out
        return self._literals

    # --- positions ----------------------------------------------------------------------------

    def position(self, node: ast.AST, end: bool = False) -> tuple[int, int]:
        """Line and 1-based character column of a node's start (or, with `end`, of the
        character after it); ast counts UTF-8 bytes."""
        line = getattr(node, "end_lineno" if end else "lineno", None) or 1
        column = getattr(node, "end_col_offset" if end else "col_offset", None) or 0
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if not text.isascii():
            column = len(text.encode("utf-8")[:column].decode("utf-8", "replace"))
        return line, column + 1

    # --- names and values -------------------------------------------------------------------

    def names_in(self, node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
        """Identifiers whose *values* an expression uses (not the text of its strings):
        names, attributes, and the string keys of subscripts (`cfg["api_key"]`)."""
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                yield child.id, child
            elif isinstance(child, ast.Attribute):
                yield child.attr, child
            elif isinstance(child, ast.Subscript):
                key = child.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, child

    def source(self, node: ast.AST) -> str:
        """The text of a node (`ast.get_source_segment` splits the whole file on every
        call; this reads the lines already split)."""
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if first is None or last is None or start is None or end is None:
            return ""
        lines = self._lines[first - 1:last]
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0].encode()[start:end].decode("utf-8", "replace")
        head = lines[0].encode()[start:].decode("utf-8", "replace")
        tail = lines[-1].encode()[:end].decode("utf-8", "replace")
        return "\n".join([head, *lines[1:-1], tail])


_UNKNOWN = (ast.Constant(None), ast.Constant(None))  # bound twice: never resolved


def _bind_parameters(args: ast.arguments, scope: Scope) -> None:
    """A parameter holds its default unless a caller passes another value (the default is
    what runs when none does); a parameter without one is unknown, and hides a module
    constant of the same name."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    pairs = [*zip(positional, defaults, strict=True), *zip(args.kwonlyargs, args.kw_defaults,
                                                           strict=True)]
    assigned = scope.assigned
    for arg, default in pairs:
        assigned[arg.arg] = [default] if default is not None else list(_UNKNOWN)
    for rest in (args.vararg, args.kwarg):
        if rest is not None:
            assigned[rest.arg] = list(_UNKNOWN)


_JOINS = frozenset({"os.path.join", "posixpath.join", *PATH_TYPES})
# nodes with nothing below them that the visitor needs (a name's value is looked up when a
# rule asks; operators and contexts are not values)
_LEAVES = frozenset({
    ast.Name, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue, ast.Global,
    ast.Nonlocal, ast.alias, ast.Import, ast.ImportFrom,
    *ast.operator.__subclasses__(), *ast.unaryop.__subclasses__(),
    *ast.cmpop.__subclasses__(), *ast.boolop.__subclasses__(),
})
# the statement lists of compound statements (if/for/while/with/try/match and handlers)
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_DEEP_PATH = lazyre.compile(r"^/[^/]+/")
# what `_assignments` tells apart, by exact type
_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
_REBINDS = frozenset({ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.With,
                      ast.AsyncWith})


def _constant_path(facts: PythonFacts, node: ast.expr) -> list[ast.expr] | None:
    """The join expressions a path is built of when every leaf is a literal, the home
    folder or `__file__`; None when a name or anything else takes part."""
    if isinstance(node, ast.Constant):
        return [] if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return [] if node.id == "__file__" else None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _constant_path(facts, node.value)
        return None if inner is None else [node, *inner]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _constant_path(facts, node.left), _constant_path(facts, node.right)
        return None if left is None or right is None else [node, *left, *right]
    if isinstance(node, ast.Call):
        name = facts.dotted(node.func)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "home" and \
                name.rsplit(".", 1)[0] in PATH_TYPES and not node.args:
            return [node]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath" and \
                node.args:  # `Path("/").joinpath("tmp", "q.db")`
            receiver = _constant_path(facts, node.func.value)
            if receiver is None:
                return None
            joined: list[ast.expr] = [node, *receiver]
            for arg in node.args:
                inner = _constant_path(facts, arg)
                if inner is None:
                    return None
                joined += inner
            return joined
        if name in _JOINS or name in ("os.path.expanduser", "os.path.dirname"):
            out: list[ast.expr] = [node]
            for arg in node.args:
                inner = _constant_path(facts, arg)
                if inner is None:
                    return None
                out += inner
            return out if node.args else None
    return None


class _Collector:
    """The single pass: aliases, scopes, calls with their conditions, literals."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self.docstrings: set[int] = set()
        self.nested: set[int] = set()  # joins inside a join already taken whole
        self.walrus = ":=" in facts.text

    def run(self) -> None:
        tree = self.facts.tree
        self._assignments(tree.body, self.facts.module)
        self._docstring(tree.body)
        self._visit_block(tree.body, self.facts.module, ())

    def _docstring(self, body: list[ast.stmt]) -> None:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            self.docstrings.add(id(body[0].value))

    def _assignments(self, body: list[ast.stmt], scope: Scope) -> None:
        """Names bound in this scope (not inside nested functions or classes). Only
        statements bind names, except `:=`: a file without one is read statement by
        statement (the expressions are the visitor's), a file with one node by node."""
        stack: list[ast.AST] = list(body)
        walrus = self.walrus
        assigned = scope.assigned
        bind = self._bind
        while stack:
            node = stack.pop()
            cls = type(node)
            if type(node) is ast.ExceptHandler and node.name:
                assigned.setdefault(node.name, []).extend(_UNKNOWN)
            if cls in _DEFINITIONS:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    assigned.setdefault(node.name, []).append(ast.Constant(None))
                continue
            if type(node) is ast.Assign:
                for target in node.targets:
                    bind(target, node.value, scope)
            elif type(node) is ast.AnnAssign:
                if node.value is not None:
                    bind(node.target, node.value, scope)
            elif cls in _REBINDS:
                targets: list[ast.expr] = []
                if isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                    targets = [node.target]
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    targets = [i.optional_vars for i in node.items if i.optional_vars]
                for target in targets:
                    for name in ast.walk(target):
                        if type(name) is ast.Name:
                            # bound twice: never resolved
                            assigned.setdefault(name.id, []).extend(
                                [ast.Constant(None), ast.Constant(None)])
            elif type(node) is ast.Import or type(node) is ast.ImportFrom:
                self._imports(node)
                for alias in node.names:  # an import binds the name too
                    if alias.name != "*":
                        scope.assigned.setdefault(
                            (alias.asname or alias.name).split(".")[0], []).append(IMPORTED)
            if walrus:
                stack.extend(ast.iter_child_nodes(node))
                continue
            for field_name in _BLOCKS:
                block = getattr(node, field_name, None)
                if block:
                    stack.extend(block)

    def _bind(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.assigned.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Subscript) and self.facts.dotted(target.value) == \
                "os.environ":
            key = self.facts.resolve(target.slice, scope)
            if key is not None and key.exact:
                line, column = self.facts.position(target)
                self.facts.environ_writes.append((key.text, value, line, column))
        else:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    scope.assigned.setdefault(name.id, []).extend(
                        [ast.Constant(None), ast.Constant(None)])

    def _imports(self, node: ast.Import | ast.ImportFrom) -> None:
        aliases = self.facts.aliases
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    # The pass dispatches on each node's type: one dict lookup (`_HANDLERS`), not a chain of
    # `isinstance`. A handler visits a child by calling the child's handler itself (no
    # `_visit` frame in between), so that the pass takes as many frames per level of nesting
    # as it always did: how deep a file may nest before it is "too deeply nested to
    # analyse" (QT001) does not move.

    def _visit_block(self, body: list[ast.stmt], scope: Scope,
                     conditions: tuple[ast.expr, ...]) -> None:
        handlers = _HANDLERS
        for stmt in body:
            (handlers.get(type(stmt)) or _handler_for(type(stmt)))(self, stmt, scope, conditions)

    def _visit(self, node: object, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        """One node (the entry of the pass; handlers dispatch their children inline)."""
        (_HANDLERS.get(type(node)) or _handler_for(type(node)))(self, node, scope, conditions)

    def _children(self, node: ast.AST, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        """The child nodes, in the order of `ast.iter_child_nodes`: the fields that can hold
        a node, read directly (operators and contexts are leaves: not read at all)."""
        handlers = _HANDLERS
        for name in _FIELDS[type(node)]:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    (handlers.get(type(item)) or _handler_for(type(item)))(
                        self, item, scope, conditions)
            elif value is not None:
                (handlers.get(type(value)) or _handler_for(type(value)))(
                    self, value, scope, conditions)

    def _leaf(self, node: object, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        return

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope,
                  conditions: tuple[ast.expr, ...]) -> None:
        handlers = _HANDLERS
        self.facts.definitions.append(node)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                (handlers.get(type(default)) or _handler_for(type(default)))(
                    self, default, scope, conditions)
        for decorator in node.decorator_list:
            (handlers.get(type(decorator)) or _handler_for(type(decorator)))(
                self, decorator, scope, conditions)
        inner = Scope(scope, function=node)
        _bind_parameters(node.args, inner)
        self._assignments(node.body, inner)
        self._docstring(node.body)
        self._visit_block(node.body, inner, ())

    def _class(self, node: ast.ClassDef, scope: Scope,
               conditions: tuple[ast.expr, ...]) -> None:
        self.facts.definitions.append(node)
        self._docstring(node.body)
        self._children(node, scope, conditions)

    def _if(self, node: ast.If | ast.While, scope: Scope,
            conditions: tuple[ast.expr, ...]) -> None:
        test = node.test
        (_HANDLERS.get(type(test)) or _handler_for(type(test)))(self, test, scope, conditions)
        inner = (*conditions, test)
        self._visit_block(node.body, scope, inner)
        self._visit_block(node.orelse, scope, inner)

    def _ifexp(self, node: ast.IfExp, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        handlers = _HANDLERS
        test, body, orelse = node.test, node.body, node.orelse
        (handlers.get(type(test)) or _handler_for(type(test)))(self, test, scope, conditions)
        inner = (*conditions, test)
        (handlers.get(type(body)) or _handler_for(type(body)))(self, body, scope, inner)
        (handlers.get(type(orelse)) or _handler_for(type(orelse)))(self, orelse, scope, inner)

    def _boolop(self, node: ast.BoolOp, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        handlers = _HANDLERS
        values = node.values
        if type(node.op) is ast.And:
            # `passed and activate_model()`: the later operands run under the earlier ones
            for i, value in enumerate(values):
                (handlers.get(type(value)) or _handler_for(type(value)))(
                    self, value, scope, (*conditions, *values[:i]))
            return
        first = values[0]
        if type(first) is ast.Call and self.facts.dotted(first.func) in ENV_GETTERS:
            for fallback in values[1:]:
                self.facts.or_defaults.append((Call(
                    self.facts.dotted(first.func), first, scope, conditions,
                    *self.facts.position(first)), fallback))
        for value in values:
            (handlers.get(type(value)) or _handler_for(type(value)))(
                self, value, scope, conditions)

    def _call(self, node: ast.Call, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        facts = self.facts
        func = node.func
        name = facts.dotted(func)
        if not name and type(func) is ast.Attribute:
            name = "." + func.attr
        if (name in _JOINS and len(node.args) > 1) or (name == ".joinpath" and node.args):
            self._composed(node)
        line, column = facts.position(func)
        facts.calls.append(Call(name, node, scope, conditions, line, column))
        literal_or_visit = self._literal_or_visit
        for index, arg in enumerate(node.args):
            literal_or_visit(arg, scope, conditions, name,
                             _ARG_ROLES[index] if index < len(_ARG_ROLES) else f"arg{index}")
        for kw in node.keywords:
            literal_or_visit(kw.value, scope, conditions, name, kw.arg or "kwargs")
        (_HANDLERS.get(type(func)) or _handler_for(type(func)))(self, func, scope, conditions)

    def _binop(self, node: ast.BinOp, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        if type(node.op) is ast.Div:
            self._composed(node)
        handlers = _HANDLERS
        left, right = node.left, node.right
        (handlers.get(type(left)) or _handler_for(type(left)))(self, left, scope, conditions)
        (handlers.get(type(right)) or _handler_for(type(right)))(self, right, scope, conditions)

    def _dict(self, node: ast.Dict, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        self.facts.dicts.append(node)
        literal_or_visit = self._literal_or_visit
        for key in node.keys:
            if key is not None:
                literal_or_visit(key, scope, conditions, None, "key")
        for value in node.values:
            literal_or_visit(value, scope, conditions, None, "value")

    def _constant(self, node: ast.Constant | ast.JoinedStr, scope: Scope,
                  conditions: tuple[ast.expr, ...]) -> None:
        self._literal(node, None, "other")

    def _compare(self, node: ast.Compare, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        literal_or_visit = self._literal_or_visit
        literal_or_visit(node.left, scope, conditions, None, "test")
        for child in node.comparators:
            literal_or_visit(child, scope, conditions, None, "test")

    def _composed(self, node: ast.expr) -> None:
        """A path joined from literals only (`os.path.join("/", "opt", "quantum")`,
        `Path.home() / "quantum_trader"`, `Path(__file__).parent / "logs"`): one literal
        with the joined value, at the outermost join (the path rules judge it like a
        string). Joins that use names are judged where the names are assigned."""
        if id(node) in self.nested:
            return
        parts = _constant_path(self.facts, node)
        if parts is None:
            return
        self.nested.update(id(p) for p in parts)
        if any(isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and
               _DEEP_PATH.match(leaf.value) for leaf in ast.walk(node)):
            return  # `Path("/opt/quantum") / "data"`: the literal already shows the path
        value = self.facts.resolve(node)
        if value is not None:
            self.facts._literal_entries.append((node, None, "other", False, value.text))

    def _literal_or_visit(self, node: ast.expr, scope: Scope, conditions: tuple[ast.expr, ...],
                          call: str | None, role: str) -> None:
        if type(node) is ast.Constant:
            self._literal(node, call, role)
        elif type(node) is ast.JoinedStr:
            self._literal(node, call, role)
            for value in node.values:
                if type(value) is ast.FormattedValue:
                    inner = value.value
                    (_HANDLERS.get(type(inner)) or _handler_for(type(inner)))(
                        self, inner, scope, conditions)
        else:
            (_HANDLERS.get(type(node)) or _handler_for(type(node)))(self, node, scope, conditions)

    def _literal(self, node: ast.Constant | ast.JoinedStr, call: str | None, role: str) -> None:
        if type(node) is ast.Constant:
            if isinstance(node.value, (str, bytes)):  # its value is its own: read when asked
                self.facts._literal_entries.append((node, call, role,
                                                    id(node) in self.docstrings, None))
            return
        # an f-string's names are resolved now, with the aliases imported so far
        value = self.facts.resolve(node)
        if value is not None:
            self.facts._literal_entries.append((node, call, role, id(node) in self.docstrings,
                                                value.text))


# The visitor's handler of each node type; any other type of node has its children visited,
# a value that is not a node (a name, a number, None in a list of defaults) nothing.
_HANDLERS: dict[type, Callable[[_Collector, Any, Scope, tuple[ast.expr, ...]], None]] = {
    **dict.fromkeys(_LEAVES, _Collector._leaf),
    ast.FunctionDef: _Collector._function, ast.AsyncFunctionDef: _Collector._function,
    ast.ClassDef: _Collector._class, ast.If: _Collector._if, ast.While: _Collector._if,
    ast.IfExp: _Collector._ifexp, ast.BoolOp: _Collector._boolop, ast.Call: _Collector._call,
    ast.BinOp: _Collector._binop, ast.Dict: _Collector._dict,
    ast.Constant: _Collector._constant, ast.JoinedStr: _Collector._constant,
    ast.Compare: _Collector._compare,
}
# fields that never hold a node the visitor reads: contexts and operators are leaves
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
    for cls in vars(ast).values() if isinstance(cls, type) and issubclass(cls, ast.AST)}
_ARG_ROLES = tuple(f"arg{i}" for i in range(32))


def _handler_for(cls: type) -> Callable[[_Collector, Any, Scope, tuple[ast.expr, ...]], None]:
    """The handler of a type met for the first time: its children for a node type (its
    fields noted once), nothing for a value."""
    if issubclass(cls, ast.AST):
        _FIELDS.setdefault(cls, tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS))
        handler = _Collector._children
    else:
        handler = _Collector._leaf
    _HANDLERS[cls] = handler
    return handler
