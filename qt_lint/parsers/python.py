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

Not resolved (left unknown, so rules stay silent rather than guess): values from other
modules (propagation is within a module, not whole-program), attributes of objects,
function return values, loop variables, names assigned more than once.

Why `ast` and not libcst: no Python rule rewrites code, `ast` parses about nine times faster
(105k against 12k lines/s here; libcst's position metadata brings it to 2k lines/s) with exact
positions, and it imports in milliseconds where libcst takes 380 ms, more than the whole
budget of a pre-commit run on one file.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from qt_lint.commands import Command, Word, make_command
from qt_lint.parsers import BESIDE_THIS_FILE, ParseError

DYNAMIC = "{...}"
_SUBPROCESS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput",
})
_SHELL_STRING = frozenset({"os.system", "os.popen", "asyncio.create_subprocess_shell",
                           "subprocess.getoutput", "subprocess.getstatusoutput"})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                         "pathlib.PurePosixPath", "Path", "PurePath", "PosixPath"})
ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
MAX_DEPTH = 12


@dataclass(frozen=True)
class Sym:
    """A resolved string: `exact` when no part is unknown. Unknown parts read `{...}`,
    environment lookups `$NAME`."""

    text: str
    exact: bool = True


@dataclass
class Call:
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


@dataclass(frozen=True)
class Setting:
    """A value given to a name (see `PythonFacts.settings`)."""

    key: str
    value: ast.expr
    scope: Scope


def _unwrap_field(node: ast.expr) -> ast.expr:
    """`field(default="x")`, `Field("x")`, `Field(default="x")` -> `"x"`."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("field", "Field"):
            for kw in node.keywords:
                if kw.arg == "default":
                    return kw.value
            if node.args and name == "Field":
                return node.args[0]
    return node


@dataclass(frozen=True)
class Literal:
    """A string literal (an f-string counts as one) and what it is used as."""

    value: str  # f-string unknown parts read `{...}`
    line: int
    column: int
    docstring: bool
    call: str | None  # the dotted name of the call it is an argument of
    role: str  # "arg0", "arg1", ..., a keyword name, "value", "key", "test", "other"
    node: ast.expr


@dataclass
class Scope:
    parent: Scope | None
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)

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
_FSTRING_START = re.compile(r"(?<![\w])(?:[fF][rR]?|[rR][fF])[\"']")


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


class PythonFacts:
    def __init__(self, text: str, tree: ast.Module | None = None) -> None:
        self.tree = tree if tree is not None else parse_tree(text)
        self.text = text
        self._lines = text.split("\n")
        self.aliases: dict[str, str] = {}
        self.calls: list[Call] = []
        self.literals: list[Literal] = []
        self.environ_writes: list[tuple[str, ast.expr, int, int]] = []
        self.or_defaults: list[tuple[Call, ast.expr]] = []
        # what `settings` reads, noted by the single pass (no second walk of the tree)
        self.definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.dicts: list[ast.Dict] = []
        self.module = Scope(None)
        _Collector(self).run()
        self._commands: list[Command] | None = None

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

    def dotted(self, node: ast.expr) -> str:
        """`osp.join` -> `os.path.join`; a call on an expression -> `.method`."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}"
        return ""

    def resolve(self, node: ast.expr | None, scope: Scope | None = None,
                depth: int = 0) -> Sym | None:
        """The string an expression evaluates to, as far as it can be known."""
        if node is None or depth > MAX_DEPTH:
            return None
        scope = scope or self.module
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Sym(node.value)
            if isinstance(node.value, bytes):
                return Sym(node.value.decode("utf-8", "replace"))
            return None
        if isinstance(node, ast.JoinedStr):
            parts, exact = [], True
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                elif isinstance(value, ast.FormattedValue):
                    inner = self.resolve(value.value, scope, depth + 1)
                    if inner is not None and value.format_spec is None and value.conversion < 0:
                        parts.append(inner.text)
                        exact = exact and inner.exact
                    else:
                        parts.append(DYNAMIC)
                        exact = False
            return Sym("".join(parts), exact)
        if isinstance(node, ast.BinOp):
            left = self.resolve(node.left, scope, depth + 1)
            right = self.resolve(node.right, scope, depth + 1)
            if isinstance(node.op, ast.Add) and left and right:
                return Sym(left.text + right.text, left.exact and right.exact)
            if isinstance(node.op, ast.Div):
                return _join(left, right)
            return None
        if isinstance(node, ast.Name):
            bound = scope.lookup(node.id)
            if bound is None and node.id == "__file__":
                return THIS_FILE
            return self.resolve(bound, scope, depth + 1) if bound is not None else None
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":  # `Path(__file__).parent`
                return _parent(self.resolve(node.value, scope, depth + 1))
            return None
        if isinstance(node, ast.Subscript):
            if self.dotted(node.value) == "os.environ":
                key = self.resolve(node.slice, scope, depth + 1)
                return Sym(f"${key.text}", False) if key and key.exact else None
            base = node.value
            if isinstance(base, ast.Attribute) and base.attr == "parents" and \
                    isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                ancestor = self.resolve(base.value, scope, depth + 1)
                for _ in range(min(node.slice.value, MAX_DEPTH) + 1):
                    ancestor = _parent(ancestor)
                return ancestor
            return None
        if isinstance(node, ast.Call):
            return self._resolve_call(node, scope, depth)
        return None

    def _resolve_call(self, node: ast.Call, scope: Scope, depth: int) -> Sym | None:
        name = self.dotted(node.func)
        args = node.args
        if name in ENV_GETTERS and args:
            key = self.resolve(args[0], scope, depth + 1)
            return Sym(f"${key.text}", False) if key and key.exact else None
        if name in _PATH_TYPES or name.endswith((".Path", ".PurePath")) or name == "str":
            if not args:
                return Sym(".") if name != "str" else None
            return _join_all([self.resolve(a, scope, depth + 1) for a in args])
        if name in ("os.path.join", "posixpath.join"):
            return _join_all([self.resolve(a, scope, depth + 1) for a in args])
        if name in ("os.path.expanduser", "os.path.abspath", "os.path.normpath",
                    "os.path.realpath") and args:
            return self.resolve(args[0], scope, depth + 1)
        if name == "os.path.dirname" and args:
            return _parent(self.resolve(args[0], scope, depth + 1))
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = node.func.value
            if method == "joinpath":
                base = self.resolve(receiver, scope, depth + 1)
                return _join_all([base, *[self.resolve(a, scope, depth + 1) for a in args]])
            if method in ("resolve", "absolute", "expanduser", "as_posix", "__fspath__"):
                return self.resolve(receiver, scope, depth + 1)
            if method == "home" and self.dotted(receiver) in _PATH_TYPES:
                return Sym("~")
        return None

    def origin(self, node: ast.expr, scope: Scope | None = None) -> ast.expr:
        """Where a value is written: a name followed to the one expression bound to it
        (`REDIS_URL` -> its string), so that a value used in many places is reported
        once, where it is changed."""
        scope = scope or self.module
        for _ in range(MAX_DEPTH):
            if not isinstance(node, ast.Name):
                break
            bound = scope.lookup(node.id)
            if bound is None or (isinstance(bound, ast.Constant) and bound.value is None):
                break
            node = bound
        return node

    @cached_property
    def settings(self) -> list[Setting]:
        """Values given to a name: module constants, class fields (dataclass, pydantic,
        with `field(default=...)`/`Field(...)` unwrapped), parameter defaults, keyword
        arguments, `add_argument` defaults (named by their option), string keys of dict
        literals, and environment lookup defaults (named by the variable). Collected only
        when a rule asks (module scope resolves what they name)."""
        out: list[Setting] = []
        module = self.module
        for name, values in module.assigned.items():
            if len(values) == 1:
                out.append(Setting(name, _unwrap_field(values[0]), module))
        for call in self.calls:
            if call.name in ENV_GETTERS:
                key = self.resolve(call.arg(0, "key"), call.scope)
                default = call.arg(1, "default")
                if key is not None and key.exact and default is not None:
                    out.append(Setting(key.text, default, call.scope))
                continue
            if call.attr == "add_argument":
                default = call.kwarg("default")
                option = next((a.value for a in call.node.args if isinstance(a, ast.Constant)
                               and isinstance(a.value, str)), None)
                dest = call.kwarg("dest")
                named = dest.value if isinstance(dest, ast.Constant) else option
                if default is not None and isinstance(named, str):
                    out.append(Setting(named.lstrip("-").replace("-", "_"), default, call.scope))
                continue
            if is_message_call(call.name):
                continue
            for kw in call.node.keywords:
                if kw.arg is not None:
                    out.append(Setting(kw.arg, _unwrap_field(kw.value), call.scope))
        for node in self.definitions:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                for arg, default in zip(positional[len(positional) - len(args.defaults):],
                                        args.defaults, strict=True):
                    out.append(Setting(arg.arg, default, module))
                for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if kw_default is not None:
                        out.append(Setting(arg.arg, kw_default, module))
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and \
                            isinstance(stmt.target, ast.Name):
                        out.append(Setting(stmt.target.id, _unwrap_field(stmt.value), module))
                    elif isinstance(stmt, ast.Assign):
                        for target in stmt.targets:
                            if isinstance(target, ast.Name):
                                out.append(Setting(target.id, _unwrap_field(stmt.value),
                                                   module))
        for mapping in self.dicts:
            for key_node, value in zip(mapping.keys, mapping.values, strict=True):
                if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                    out.append(Setting(key_node.value, value, module))
        return out

    def scalar(self, node: ast.expr, scope: Scope | None = None) -> str | None:
        """A setting's value as text: strings resolved, `True`/`False` as `true`/`false`,
        numbers as written."""
        node = self.origin(node, scope)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return "true" if node.value else "false"
            if isinstance(node.value, (int, float)):
                return str(node.value)
        value = self.resolve(node, scope)
        return value.text if value is not None and value.exact else None

    def int_value(self, node: ast.expr | None, scope: Scope | None = None) -> int | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) \
                and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            value = (scope or self.module).lookup(node.id)
            return self.int_value(value, scope) if value is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = self.int_value(node.left, scope), self.int_value(node.right, scope)
            return left | right if left is not None and right is not None else None
        if isinstance(node, ast.Attribute) and self.dotted(node).startswith("stat.S_"):
            import stat

            value = getattr(stat, node.attr, None)
            return value if isinstance(value, int) else None
        return None

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

    # --- commands run by subprocess calls ----------------------------------------------------

    @property
    def commands(self) -> list[Command]:
        if self._commands is None:
            self._commands = list(self._extract_commands())
        return self._commands

    def _extract_commands(self) -> Iterator[Command]:
        for call in self.calls:
            name = call.name
            if name in _SUBPROCESS or name in _SHELL_STRING:
                target = call.arg(0, "args")
                if target is None:
                    continue
                if isinstance(target, ast.Name):
                    # `CMD = [PY, "x.py"]` then `run(CMD)`: the words, reported at the use
                    bound = call.scope.lookup(target.id)
                    if isinstance(bound, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                        yield from self._argv(call, list(bound.elts), at=target)
                        continue
                if isinstance(target, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                    yield from self._argv(call, list(target.elts))
                else:
                    yield from self._shell_string(call, target)
            elif name == "asyncio.create_subprocess_exec":
                yield from self._argv(call, list(call.node.args))
            elif name.startswith("os.exec") or name.startswith("os.spawn"):
                yield from self._exec(call)

    def _word(self, node: ast.expr, scope: Scope, at: ast.expr | None = None) -> Word:
        line, column = self.position(at or node)
        value = self.resolve(node, scope)
        if value is None:
            return Word(self.source(node) or DYNAMIC, line, column, dynamic=True)
        return Word(value.text, line, column, dynamic=not value.exact)

    def _argv(self, call: Call, elements: list[ast.expr],
              at: ast.expr | None = None) -> Iterator[Command]:
        if not elements or any(isinstance(e, ast.Starred) for e in elements[:1]):
            return
        words = tuple(self._word(e, call.scope, at) for e in elements
                      if not isinstance(e, ast.Starred))
        command = make_command(words, "python")
        if command is not None:
            yield command

    def _exec(self, call: Call) -> Iterator[Command]:
        args = list(call.node.args)
        if call.name.startswith("os.spawn"):
            args = args[1:]  # the mode
        if not args:
            return
        program = args[0]
        rest: list[ast.expr] = []
        if call.name[7:8] == "v" or call.name[8:9] == "v":  # execv*/spawnv*: an argv list
            if len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple)):
                rest = list(args[1].elts)[1:]
        else:
            rest = args[2:]  # execl*: argv[0] is the second argument
        yield from self._argv(call, [program, *rest])

    def _shell_string(self, call: Call, node: ast.expr) -> Iterator[Command]:
        from qt_lint.parsers.shell import parse_shell

        value = self.resolve(node, call.scope)
        if value is None:
            return
        line, column = self.position(node)
        literal = isinstance(node, ast.Constant)
        offset = _quote_width(self._lines[line - 1], column - 1) if literal else 0
        single_line = literal and getattr(node, "end_lineno", line) == line

        def mapper(row: int, col: int) -> tuple[int, int]:
            if single_line and row == 0:
                return line, column + offset + col
            return line, column  # multi-line, f-string or constant: the string's start

        yield from parse_shell(value.text, "python", mapper).commands


def _quote_width(line: str, column: int) -> int:
    """Length of the prefix and opening quote of a string literal starting at `column`."""
    i = column
    while i < len(line) and line[i] in "rRbBuUfF":
        i += 1
    quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else line[i:i + 1]
    return i - column + len(quote)


# `__file__`: a file of the repository (which one is not needed to know that a path next to
# it is inside the repository); `.parent` never climbs above the repository root
THIS_FILE = Sym(BESIDE_THIS_FILE + "__file__", exact=False)
_ROOT_OF_FILE = "$REPO_ROOT"


def _parent(value: Sym | None) -> Sym | None:
    if value is None:
        return None
    text = value.text.rstrip("/")
    if text == _ROOT_OF_FILE and not value.exact:
        return value
    head, sep, _ = text.rpartition("/")
    if not sep:
        return Sym(".", value.exact)
    return Sym(head or "/", value.exact)


def _join(left: Sym | None, right: Sym | None) -> Sym | None:
    if left is None or right is None:
        return None
    if right.text.startswith("/"):
        return right
    text = left.text.rstrip("/") + "/" + right.text if left.text else right.text
    return Sym(text, left.exact and right.exact)


def _join_all(parts: list[Sym | None]) -> Sym | None:
    if not parts or parts[0] is None:
        return None
    out: Sym | None = parts[0]
    for part in parts[1:]:
        out = _join(out, part)
    return out


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


_JOINS = frozenset({"os.path.join", "posixpath.join", *_PATH_TYPES})
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
_DEEP_PATH = re.compile(r"^/[^/]+/")


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
                name.rsplit(".", 1)[0] in _PATH_TYPES and not node.args:
            return [node]
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
        while stack:
            node = stack.pop()
            if type(node) is ast.ExceptHandler and node.name:
                scope.assigned.setdefault(node.name, []).extend(_UNKNOWN)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
                if not isinstance(node, ast.Lambda):
                    scope.assigned.setdefault(node.name, []).append(ast.Constant(None))
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value, scope)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value, scope)
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.With,
                                   ast.AsyncWith, ast.NamedExpr)):
                targets: list[ast.expr] = []
                if isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                    targets = [node.target]
                else:
                    targets = [i.optional_vars for i in node.items if i.optional_vars]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            # bound twice: never resolved
                            scope.assigned.setdefault(name.id, []).extend(
                                [ast.Constant(None), ast.Constant(None)])
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._imports(node)
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

    def _visit_block(self, body: list[ast.stmt], scope: Scope,
                     conditions: tuple[ast.expr, ...]) -> None:
        for stmt in body:
            self._visit(stmt, scope, conditions)

    def _visit(self, node: ast.AST, scope: Scope, conditions: tuple[ast.expr, ...]) -> None:
        if type(node) in _LEAVES:
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.facts.definitions.append(node)
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    self._visit(default, scope, conditions)
            for decorator in node.decorator_list:
                self._visit(decorator, scope, conditions)
            inner = Scope(scope)
            _bind_parameters(node.args, inner)
            self._assignments(node.body, inner)
            self._docstring(node.body)
            self._visit_block(node.body, inner, ())
            return
        if isinstance(node, ast.ClassDef):
            self.facts.definitions.append(node)
            self._docstring(node.body)
            for child in ast.iter_child_nodes(node):
                self._visit(child, scope, conditions)
            return
        if isinstance(node, (ast.If, ast.While)):
            self._visit(node.test, scope, conditions)
            self._visit_block(node.body, scope, (*conditions, node.test))
            self._visit_block(node.orelse, scope, (*conditions, node.test))
            return
        if isinstance(node, ast.IfExp):
            self._visit(node.test, scope, conditions)
            self._visit(node.body, scope, (*conditions, node.test))
            self._visit(node.orelse, scope, (*conditions, node.test))
            return
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            # `passed and activate_model()`: the later operands run under the earlier ones
            for i, value in enumerate(node.values):
                self._visit(value, scope, (*conditions, *node.values[:i]))
            return
        if isinstance(node, ast.Call):
            name = self.facts.dotted(node.func)
            if not name and isinstance(node.func, ast.Attribute):
                name = "." + node.func.attr
            if name in _JOINS and len(node.args) > 1:
                self._composed(node)
            line, column = self.facts.position(node.func)
            call = Call(name, node, scope, conditions, line, column)
            self.facts.calls.append(call)
            for index, arg in enumerate(node.args):
                self._literal_or_visit(arg, scope, conditions, name, f"arg{index}")
            for kw in node.keywords:
                self._literal_or_visit(kw.value, scope, conditions, name, kw.arg or "kwargs")
            self._visit(node.func, scope, conditions)
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            self._composed(node)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            first = node.values[0]
            if isinstance(first, ast.Call) and self.facts.dotted(first.func) in ENV_GETTERS:
                for fallback in node.values[1:]:
                    self.facts.or_defaults.append((Call(
                        self.facts.dotted(first.func), first, scope, conditions,
                        *self.facts.position(first)), fallback))
        if isinstance(node, ast.Dict):
            self.facts.dicts.append(node)
            for key in node.keys:
                if key is not None:
                    self._literal_or_visit(key, scope, conditions, None, "key")
            for value in node.values:
                self._literal_or_visit(value, scope, conditions, None, "value")
            return
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            self._literal(node, None, "other")
            return
        if isinstance(node, ast.Compare):
            for child in (node.left, *node.comparators):
                self._literal_or_visit(child, scope, conditions, None, "test")
            return
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, conditions)

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
            line, column = self.facts.position(node)
            self.facts.literals.append(Literal(value.text, line, column, False, None, "other",
                                               node))

    def _literal_or_visit(self, node: ast.expr, scope: Scope, conditions: tuple[ast.expr, ...],
                          call: str | None, role: str) -> None:
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            self._literal(node, call, role)
            if isinstance(node, ast.JoinedStr):
                for value in node.values:
                    if isinstance(value, ast.FormattedValue):
                        self._visit(value.value, scope, conditions)
        else:
            self._visit(node, scope, conditions)

    def _literal(self, node: ast.Constant | ast.JoinedStr, call: str | None, role: str) -> None:
        if isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
            return
        value = self.facts.resolve(node)
        if value is None:
            return
        line, column = self.facts.position(node)
        self.facts.literals.append(Literal(value.text, line, column,
                                           id(node) in self.docstrings, call, role, node))



# --- what calls mean --------------------------------------------------------------------------

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                         "fatal", "log"})


def is_logging_call(name: str) -> bool:
    """`logging.info`, `logger.error`, `self.log.debug`, `LOG.warning`, `print`."""
    if name in ("print", "builtins.print"):
        return True
    receiver, _, method = name.rpartition(".")
    if method not in LOG_METHODS:
        return False
    last = receiver.rsplit(".", 1)[-1].lower()
    return receiver == "logging" or "log" in last


def is_message_call(name: str | None) -> bool:
    """Calls whose string arguments are messages for people, not values the code uses."""
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return (is_logging_call(name) or last.endswith(("Error", "Exception", "Warning"))
            or name in ("warnings.warn", "click.echo", "argparse.ArgumentParser",
                        ".add_argument", ".add_parser"))


_WRITE_TWO = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree",
                        "shutil.move", "os.rename", "os.replace", "os.link", "os.symlink"})
_DELETE = frozenset({"os.remove", "os.unlink", "os.rmdir", "shutil.rmtree",
                     "os.removedirs"})
_SAVE_SECOND = frozenset({"torch.save", "joblib.dump", "pickle.dump", "dill.dump"})
_PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch"})


@dataclass(frozen=True)
class FileOp:
    op: str  # "write" or "delete"
    path: Sym
    node: ast.expr  # where to report
    call: Call


def file_ops(facts: PythonFacts) -> Iterator[FileOp]:
    """Writes and deletes whose path resolves, from the common APIs."""
    for call in facts.calls:
        name = call.name
        target: ast.expr | None = None
        op = "write"
        if name in ("open", "io.open", "builtins.open") or (call.attr == "open" and \
                name not in ("os.open", "gzip.open", "tarfile.open", "zipfile.open")):
            if call.attr == "open" and name not in ("open", "io.open", "builtins.open"):
                name = ".open"
            mode_node = call.arg(1, "mode") if name != ".open" else call.arg(0, "mode")
            mode = facts.resolve(mode_node, call.scope) if mode_node is not None else None
            if mode is None or not any(c in mode.text for c in "wax+"):
                continue
            target = call.arg(0, "file") if name != ".open" else _receiver(call)
        elif name in _WRITE_TWO:
            target = call.arg(1, "dst")
        elif name in _DELETE:
            target, op = call.arg(0, "path"), "delete"
        elif name in _SAVE_SECOND:
            target = call.arg(1, "f") or call.arg(1, "filename")
        elif name in ("numpy.save", "np.save", "numpy.savez"):
            target = call.arg(0, "file")
        elif call.attr in _PATH_WRITE_METHODS and isinstance(call.node.func, ast.Attribute):
            target = _receiver(call)
        elif call.attr in ("unlink", "rmdir") and name not in _DELETE and \
                isinstance(call.node.func, ast.Attribute):
            target, op = _receiver(call), "delete"
        elif call.attr in ("symlink_to", "hardlink_to") and \
                isinstance(call.node.func, ast.Attribute):
            target = _receiver(call)  # the link is created at the receiver
        elif call.attr in ("rename", "replace") and name not in _WRITE_TWO \
                and not name.startswith("str") and call.arg(0, "target") is not None:
            target = call.arg(0, "target")
        elif call.attr in ("save", "save_model", "to_pickle", "dump_model") and \
                not name.startswith(("torch.", "joblib.", "pickle.")):
            target = call.arg(0, "path") or call.arg(0, "fname")
        if target is None:
            continue
        path = facts.resolve(target, call.scope)
        if path is not None:
            yield FileOp(op, path, target, call)


def _receiver(call: Call) -> ast.expr | None:
    func = call.node.func
    return func.value if isinstance(func, ast.Attribute) else None
