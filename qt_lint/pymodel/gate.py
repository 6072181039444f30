"""What the quality gate (QT605) does when it runs, read from its code: the value each
threshold has where a check compares with it (rebindings, `global`, the environment,
arithmetic at the comparison), and what defeats the exit status its failure gives
(`finally`, `except SystemExit`, a dropped `main()` result, `main() and 0`, an `atexit`
`os._exit(0)`, a stand-in for telemetry that could not be read)."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator, Mapping

from qt_lint import lazyre
from qt_lint.pymodel.modules import bound_names
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any


class Unknown(Exception):
    """The expression's value cannot be decided statically."""


_BINOPS: dict[type, Callable[[object, object], object]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow}
_CMPOPS: dict[type, Callable[[Any, Any], object]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_,
    ast.IsNot: operator.is_not}
_BUILTINS: dict[str, Callable[..., object]] = {
    "int": int, "float": float, "bool": bool, "abs": abs, "round": round, "min": min,
    "max": max}


def unparsed(node: ast.AST) -> str:
    """`ast.unparse`, the same on every supported Python (3.10 writes `lambda : x`)."""
    return ast.unparse(node).replace("lambda :", "lambda:")


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def evaluate(node: ast.AST, names: Mapping[str, object],
             calls: Mapping[str, object] | None = None) -> object:
    """The value of a small numeric expression (numbers, `None`, booleans, arithmetic,
    `and`/`or`/`not`, comparisons, `a if c else b`, `int()`/`float()`/`min()`/`max()`...);
    `names`: the values of names; `calls`: the value a call of a named function gives.
    Raises Unknown for anything else."""
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (bool, int, float)):
            return node.value
        if isinstance(node.value, str) and len(node.value) < 40:
            return node.value  # `int("200")`
        raise Unknown
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise Unknown
    if isinstance(node, ast.Attribute) and dotted(node) in names:
        return names[dotted(node)]  # an `IntEnum` member: `Code.FAIL`
    if isinstance(node, ast.UnaryOp):
        value = evaluate(node.operand, names, calls)
        if isinstance(node.op, ast.Not):
            return not value
        if isinstance(value, (int, float)):
            return -value if isinstance(node.op, ast.USub) else \
                +value if isinstance(node.op, ast.UAdd) else ~int(value)
        raise Unknown
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left = evaluate(node.left, names, calls)
        right = evaluate(node.right, names, calls)
        if not all(isinstance(v, (int, float)) for v in (left, right)):
            raise Unknown
        if isinstance(node.op, ast.Pow) and abs(float(right)) > 64:  # type: ignore[arg-type]
            raise Unknown
        if any(abs(v) > 1e300 for v in (left, right)):  # type: ignore[arg-type]
            raise Unknown  # `((10 ** 64) ** 64) ** 64`: not a threshold, not computed
        try:
            return _BINOPS[type(node.op)](left, right)
        except (ArithmeticError, ValueError) as exc:
            raise Unknown from exc
    if isinstance(node, ast.BoolOp):
        value = evaluate(node.values[0], names, calls)
        for part in node.values[1:]:
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
            value = evaluate(part, names, calls)
        return value
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, names, calls)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = evaluate(comparator, names, calls)
            if type(op) not in _CMPOPS:
                raise Unknown
            try:
                if not _CMPOPS[type(op)](left, right):
                    return False
            except TypeError as exc:
                raise Unknown from exc
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return evaluate(node.body if evaluate(node.test, names, calls) else node.orelse,
                        names, calls)
    if isinstance(node, ast.Call) and not node.keywords:
        name = dotted(node.func)
        if name == "asyncio.run" and len(node.args) == 1:
            return evaluate(node.args[0], names, calls)  # the coroutine's result
        if calls is not None and name in calls:  # the function's result, whatever its args
            return calls[name]
        if name in _BUILTINS and node.args and not any(isinstance(a, ast.Starred)
                                                       for a in node.args):
            args = [evaluate(a, names, calls) for a in node.args]
            try:
                return _BUILTINS[name](*args)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise Unknown from exc
    raise Unknown


def env_read(node: ast.AST) -> str | None:
    """The source of a read of the process environment in the expression
    (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`), or None."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and dotted(sub.func).endswith(
                ("getenv", "environ.get", "getenvb", "environ.setdefault")):
            return unparsed(sub)
        if isinstance(sub, ast.Subscript) and dotted(sub.value).endswith("environ"):
            return unparsed(sub)
        if isinstance(sub, ast.Name) and sub.id == "environ":
            return unparsed(sub)
    return None


def numeric_like(node: ast.AST | None) -> bool:
    """An expression a threshold may be defined by: a number, arithmetic, a conversion
    (`int(...)`, `float(...)`), a read of the environment; not a string, a list, a dict."""
    if node is None:
        return False
    try:
        return isinstance(evaluate(node, {}), (int, float)) and \
            not isinstance(evaluate(node, {}), bool)
    except Unknown:
        pass
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return True
    if isinstance(node, ast.Call):
        return dotted(node.func) in ("int", "float", "Decimal", "decimal.Decimal") or \
            env_read(node) is not None
    return isinstance(node, ast.Subscript) and env_read(node) is not None


# --- the threshold a comparison reads -----------------------------------------------------

@record(frozen=True)
class Candidate:
    """A value the threshold may have when a check reads it: `value` None when it cannot
    be decided (`why` says why), `node` where it is set, `first` for its definition."""

    value: float | None
    node: ast.AST
    why: str = ""
    first: bool = False


def _why_unknown(name: str, stmt: ast.AST, value: ast.AST | None) -> str:
    source = env_read(value) if value is not None else None
    if source is not None:
        return (f"{name} is read from the environment (`{source}`): a process environment "
                "can loosen it; the threshold must be a constant")
    shown = unparsed(value) if value is not None else unparsed(stmt).split("\n")[0]
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return (f"{name} = `{shown}` cannot be decided statically: the threshold the check "
            "reads must be a constant")


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _direct_values(name: str, stmt: ast.stmt) -> list[ast.expr] | None:
    """The values a plain assignment statement gives `name` (None when the statement is
    not one that does): `N = v`, `N: T = v`, `N, X = v, w`, `N = X = v`."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and \
            stmt.target.id == name and stmt.value is not None:
        return [stmt.value]
    if not isinstance(stmt, ast.Assign):
        return None
    out: list[ast.expr] = []
    for target in stmt.targets:
        if isinstance(target, ast.Name) and target.id == name:
            out.append(stmt.value)
        elif isinstance(target, (ast.Tuple, ast.List)) and any(
                isinstance(e, ast.Name) and e.id == name for e in target.elts):
            if isinstance(stmt.value, (ast.Tuple, ast.List)) and \
                    len(stmt.value.elts) == len(target.elts) and \
                    not any(isinstance(e, ast.Starred) for e in target.elts):
                out.extend(v for e, v in zip(target.elts, stmt.value.elts, strict=True)
                           if isinstance(e, ast.Name) and e.id == name)
            else:
                return None  # unpacked from something else: not decided
    return out or None


class Thresholds:
    """The values the gate's threshold constants have where its checks read them."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._writes = self._all_global_writes()
        self._by_name = self._all_globals_calls()
        self.constants = self._constants()

    def _constants(self) -> dict[str, object]:
        """Module-level names bound once to a number (`BASE = 100`), for arithmetic."""
        counts: dict[str, int] = {}
        values: dict[str, ast.expr] = {}
        for stmt in self.tree.body:
            for name in bound_names(stmt):
                counts[name] = counts.get(name, 0) + 1
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                    isinstance(stmt.targets[0], ast.Name):
                values[stmt.targets[0].id] = stmt.value
        out: dict[str, object] = {}
        for name, value in values.items():
            if counts.get(name) == 1 and not self._rebound_elsewhere(name):
                try:
                    out[name] = evaluate(value, out)
                except Unknown:
                    continue
        # the members of an `IntEnum` (`class Code(IntEnum): FAIL = 2`): `Code.FAIL` is 2
        for stmt in self.tree.body:
            if isinstance(stmt, ast.ClassDef) and counts.get(stmt.name) == 1 and any(
                    dotted(b) in ("IntEnum", "enum.IntEnum", "IntFlag", "enum.IntFlag")
                    for b in stmt.bases):
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and \
                            isinstance(inner.targets[0], ast.Name) and \
                            isinstance(inner.value, ast.Constant) and \
                            type(inner.value.value) is int:
                        out[f"{stmt.name}.{inner.targets[0].id}"] = inner.value.value
        return out

    def _rebound_elsewhere(self, name: str) -> bool:
        return bool(self._global_writes(name)) or bool(self._globals_calls())

    def _all_global_writes(self) -> dict[str, list[ast.stmt]]:
        """name -> the statements of functions that declare `global name` and bind it."""
        out: dict[str, list[ast.stmt]] = {}
        nodes = list(ast.walk(self.tree))
        if not any(isinstance(n, ast.Global) for n in nodes):
            return out
        for func in nodes:
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            declared = {name for n in ast.walk(func) if isinstance(n, ast.Global)
                        for name in n.names}
            if not declared:
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.stmt) and not isinstance(
                        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    for name in _stmt_binds(node) & declared:
                        out.setdefault(name, []).append(node)
        return out

    def _global_writes(self, name: str) -> list[ast.stmt]:
        return self._writes.get(name, [])

    def _all_globals_calls(self) -> list[ast.AST]:
        """`globals()`, `vars()`, `sys.modules[__name__]`, `setattr`, `exec`: the module's
        names written by name."""
        return [n for n in ast.walk(self.tree)
                if (isinstance(n, ast.Call) and dotted(n.func) in ("globals", "vars",
                                                                    "setattr", "exec"))
                or (isinstance(n, ast.Attribute) and dotted(n) == "sys.modules")]

    def _globals_calls(self) -> list[ast.AST]:
        return self._by_name

    def module_candidates(self, name: str) -> list[Candidate]:
        """The values `name` may have at module level once the module ran, each where it
        is set."""
        live: list[Candidate] = []
        writers = {f.name: f for f in self.tree.body
                   if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and any(w in f.body for w in self._global_writes(name))}
        top = {id(s.value) for s in self.tree.body if isinstance(s, ast.Expr)}
        elsewhere = {dotted(n.func) for n in ast.walk(self.tree)
                     if isinstance(n, ast.Call) and id(n) not in top}
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
                    dotted(stmt.value.func) in writers and not stmt.value.args:
                # `_tighten()` at module level: its `global` assignments run here, in order
                for inner in writers[dotted(stmt.value.func)].body:
                    direct = _direct_values(name, inner)
                    if direct is not None:
                        live = [self._candidate(name, inner, direct[-1], live)]
                    elif isinstance(inner, ast.AugAssign) and name in bound_names(inner):
                        live = self._augmented(name, inner, live)
                continue
            if name not in bound_names(stmt):
                continue
            direct = _direct_values(name, stmt)
            if direct is not None:
                live = [self._candidate(name, stmt, direct[-1], live, first=not live)]
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                live = self._augmented(name, stmt, live)
            else:  # bound inside a compound statement, or by an import, a `for`, a `del`
                live = live + self._nested(name, stmt, live)
        for stmt in self._global_writes(name):
            func = next((f for f in writers.values() if stmt in f.body), None)
            if func is None or func.name in elsewhere:
                live = live + self._nested(name, stmt, live, via_global=True)
        keyed = {id(n.value): n.slice.value for n in ast.walk(self.tree)
                 if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant)}
        for node in self._globals_calls():
            if keyed.get(id(node), name) != name or not _may_bind(node, name):
                continue
            live.append(Candidate(None, node, f"the gate writes its names through "
                                  f"`{unparsed(node)[:40]}`: the value of {name} the "
                                  "check reads cannot be decided"))
        return live

    def _candidate(self, name: str, stmt: ast.AST, value: ast.expr,
                   live: list[Candidate], first: bool = False) -> Candidate:
        names = dict(self.constants)
        numbers = {c.value for c in live}
        if len(numbers) == 1 and None not in numbers:
            names[name] = numbers.pop()
        try:
            number = _number(evaluate(value, names))
        except Unknown:
            number = None
        if number is None:
            return Candidate(None, value, _why_unknown(name, stmt, value), first)
        return Candidate(number, value, "", first)

    def _augmented(self, name: str, stmt: ast.AugAssign,
                   live: list[Candidate]) -> list[Candidate]:
        op = _BINOPS.get(type(stmt.op))
        out: list[Candidate] = []
        try:
            right = evaluate(stmt.value, self.constants)
        except Unknown:
            right = None
        for before in live or [Candidate(None, stmt, "")]:
            value: float | None = None
            if before.value is not None and op is not None and _number(right) is not None:
                try:
                    value = _number(op(before.value, right))
                except ArithmeticError:
                    value = None
            out.append(Candidate(value, stmt, "" if value is not None else
                                 _why_unknown(name, stmt, stmt.value)))
        return out

    def _nested(self, name: str, stmt: ast.stmt, live: list[Candidate],
                via_global: bool = False) -> list[Candidate]:
        """The values a statement that may or may not run gives `name` (a branch, a loop,
        a `try`, a function with `global name`): added to what it had."""
        out: list[Candidate] = []
        todo: list[ast.AST] = [stmt]
        while todo:
            node = todo.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)) and node is not stmt:
                continue
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name) and \
                    node.target.id == name:
                out.append(Candidate(None, node, f"{name} is rebound by `:=` here: the value "
                                     "the check reads cannot be decided"))
                continue
            if isinstance(node, ast.stmt) and name in _stmt_binds(node):
                direct = _direct_values(name, node)
                if direct is not None:
                    out.append(self._candidate(name, node, direct[-1], live))
                    continue
                if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    out.extend(self._augmented(name, node, live))
                    continue
                if not isinstance(node, (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With,
                                         ast.AsyncWith, ast.Try, ast.Match)) or \
                        name in _own_binds(node):
                    how = "a call of a function with `global`" if via_global else \
                        f"`{type(node).__name__.lower()}`"
                    out.append(Candidate(None, node, f"{name} is rebound by {how} here: "
                                         "the value the check reads cannot be decided"))
                    continue
            todo.extend(ast.iter_child_nodes(node))
        return out

    def local_candidates(self, name: str, func: ast.FunctionDef | ast.AsyncFunctionDef,
                         module: list[Candidate]) -> list[Candidate] | None:
        """The values `name` has in `func` when `func` binds it locally (a parameter, an
        assignment without `global`), else None (the module's value is read)."""
        if any(isinstance(n, ast.Global) and name in n.names for n in ast.walk(func)):
            return None
        args = func.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        out: list[Candidate] = []
        defaults = [None] * (len(args.posonlyargs) + len(args.args) - len(args.defaults)) + \
            list(args.defaults)
        for param, default in zip(params, [*defaults, *args.kw_defaults], strict=False):
            if param.arg == name:
                if default is not None:
                    out.append(self._candidate(name, param, default, module))
                else:
                    out.append(Candidate(None, param, f"{name} is a parameter of "
                                         f"{func.name}(): its caller decides the threshold"))
        for stmt in func.body:
            if name in bound_names(stmt):
                out.extend(self._nested(name, stmt, module))
        return out or None


    def aliases(self, name: str) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef |
                                                   None, str, ast.expr, ast.AST]]:
        """Names bound to an expression of `name` that checks read instead: `minimum =
        MIN_EVENTS - 195` (in a function or the module), a parameter's default `def
        check(t, minimum=MIN_EVENTS)`, an argument `check(t, MIN_EVENTS - 195)`: (the
        function, the alias, its expression, where)."""
        def mentions(expr: ast.AST) -> bool:
            return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))

        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                pairs = list(zip(positional[len(positional) - len(args.defaults):],
                                 args.defaults, strict=True))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults,
                                                 strict=True) if d is not None]
                for arg, default in pairs:
                    if arg.arg != name and mentions(default):
                        yield node, arg.arg, default, default
                for stmt in _walk_here(node.body):
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                            isinstance(stmt.targets[0], ast.Name) and \
                            stmt.targets[0].id != name and mentions(stmt.value):
                        yield node, stmt.targets[0].id, stmt.value, stmt.value
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                    isinstance(stmt.targets[0], ast.Name) and \
                    stmt.targets[0].id != name and mentions(stmt.value):
                yield None, stmt.targets[0].id, stmt.value, stmt.value
        # passed to a gate function: `too_few(events, MIN_EVENTS - 195)`
        functions = {f.name: f for f in self.tree.body
                     if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call) or dotted(call.func) not in functions:
                continue
            func = functions[dotted(call.func)]
            params = [*func.args.posonlyargs, *func.args.args]
            for i, given in enumerate(call.args):
                if isinstance(given, ast.Starred):
                    break
                if i < len(params) and params[i].arg != name and mentions(given):
                    yield func, params[i].arg, given, given
            for keyword in call.keywords:
                if keyword.arg is not None and keyword.arg != name and \
                        mentions(keyword.value):
                    yield func, keyword.arg, keyword.value, keyword.value


def alias_value(expr: ast.expr, name: str, value: float,
                constants: Mapping[str, object]) -> float | None:
    try:
        return _number(evaluate(expr, {**constants, name: value}))
    except Unknown:
        return None


def _fails(body: list[ast.stmt], constants: Mapping[str, object] | None = None) -> bool:
    """The block ends the gate as a failure: `return 2`, `sys.exit(2)`, a `raise`."""
    for node in _walk_here(body):
        if isinstance(node, ast.Raise) and exit_arg(node) is None:
            return True
        found = exit_arg(node)
        value = found[1] if found is not None else \
            node.value if isinstance(node, ast.Return) else None
        if found is not None or isinstance(node, ast.Return):
            try:
                code = status(evaluate(value, constants or {}) if value is not None else None)
            except Unknown:
                continue
            if code:
                return True
    return False


def failing_side(tree: ast.Module, compare: ast.Compare, side: ast.expr) -> str | None:
    """"below" when the `if` the comparison decides fails the gate for a value below the
    threshold (`if count < MIN: return 2`), "above" for one above; None when it is not
    decided (not an `if`'s whole test, `==`, both branches or neither fail)."""
    if len(compare.ops) != 1:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        test, negated = node.test, False
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, negated = test.operand, not negated
        if test is not compare:
            continue
        body, orelse = _fails(node.body), _fails(node.orelse)
        if body == orelse:
            return None
        when_true = body != negated
        op = compare.ops[0]
        threshold_right = compare.comparators[0] is side
        if isinstance(op, (ast.Lt, ast.LtE)):
            below = threshold_right
        elif isinstance(op, (ast.Gt, ast.GtE)):
            below = not threshold_right
        else:
            return None
        # `count < MIN` true means below: it fails below when the true branch fails
        return "below" if below == when_true else "above"
    return None


def _may_bind(node: ast.AST, name: str) -> bool:
    """`exec("MIN_EVENTS = 5")` binds the names its text binds; other writes any name."""
    if isinstance(node, ast.Call) and dotted(node.func) == "exec" and node.args and \
            isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        try:
            code = ast.parse(node.args[0].value)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True
        return any(name in _stmt_binds(stmt) or any(
            isinstance(n, ast.Call) and dotted(n.func) in ("globals", "exec", "setattr")
            for n in ast.walk(stmt)) for stmt in code.body)
    if isinstance(node, ast.Call) and dotted(node.func) == "setattr" and len(node.args) == 3:
        # `setattr(sys, "_guard", x)`: another module's name; `setattr(m, "NAME", v)` that one
        if dotted(node.args[0]) in ("sys", "os", "builtins", "atexit"):
            return False
        key = node.args[1]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value == name
    return True


def _own_binds(node: ast.stmt) -> set[str]:
    """Names a compound statement binds itself (a `for` target, `with ... as`, `except
    ... as`), not in its body."""
    out: set[str] = set()
    targets: list[ast.AST] = []
    if isinstance(node, (ast.For, ast.AsyncFor)):
        targets.append(node.target)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets.extend(i.optional_vars for i in node.items if i.optional_vars is not None)
    elif isinstance(node, ast.Try):
        out.update(h.name for h in node.handlers if h.name)
    for target in targets:
        out.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return out


def _stmt_binds(node: ast.stmt) -> set[str]:
    return bound_names(node) if not isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else {node.name}


def _fold(side: ast.expr, other: ast.expr, names: Mapping[str, object],
          value: float) -> float:
    """The threshold a comparison really applies: `count + 199 < MIN` is `count < MIN -
    199`; arithmetic with a number on the measured side moves to the threshold's."""
    inverse: dict[type, Callable[[float, float], float]] = {
        ast.Add: operator.sub, ast.Sub: operator.add, ast.Mult: operator.truediv,
        ast.Div: operator.mul}
    while isinstance(other, ast.BinOp) and type(other.op) in inverse:
        try:
            number = _number(evaluate(other.right, names))
            rest = other.left
            if number is None:
                raise Unknown
        except Unknown:
            if isinstance(other.op, (ast.Sub, ast.Div)):
                break  # `c - count`: turns the comparison round, not followed
            try:
                number = _number(evaluate(other.left, names))
            except Unknown:
                break
            rest = other.right
            if number is None:
                break
        if isinstance(other.op, (ast.Mult, ast.Div)) and number <= 0:
            break
        try:
            value = inverse[type(other.op)](value, number)
        except ArithmeticError:
            break
        other = rest
    del side
    return value


def reads(tree: ast.Module, name: str) -> Iterator[tuple[ast.Compare, ast.expr, ast.expr,
                                                         ast.FunctionDef | ast.AsyncFunctionDef
                                                         | None]]:
    """Each comparison that reads `name`: (the comparison, the side that holds the name,
    the other side, the function it is in)."""
    def visit(node: ast.AST, func: ast.FunctionDef | ast.AsyncFunctionDef | None
              ) -> Iterator[tuple[ast.Compare, ast.expr, ast.expr,
                                  ast.FunctionDef | ast.AsyncFunctionDef | None]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else func
            if isinstance(child, ast.Compare):
                operands = [child.left, *child.comparators]
                for i, operand in enumerate(operands):
                    if any(isinstance(n, ast.Name) and n.id == name
                           for n in ast.walk(operand)):
                        neighbours = [operands[j] for j in (i - 1, i + 1)
                                      if 0 <= j < len(operands)]
                        for other in neighbours:
                            yield child, operand, other, func
            yield from visit(child, inner)

    yield from visit(tree, None)


def applied(side: ast.expr, other: ast.expr, name: str, value: float,
            constants: Mapping[str, object]) -> float | None:
    """The threshold the comparison applies when `name` is `value`, None when the side is
    not decided."""
    names = {**constants, name: value}
    try:
        number = _number(evaluate(side, names))
    except Unknown:
        return None
    if number is None:
        return None
    return _fold(side, other, names, number)


# --- what defeats the failure's exit status ---------------------------------------------

EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "_exit", "SystemExit",
                        "builtins.exit"})
_CATCH_EXIT = frozenset({"SystemExit", "BaseException", "builtins.SystemExit",
                         "builtins.BaseException"})
EVIDENCE = r"(?i)event|telemetry|sample|records|stream|entries|metric|count|stat|predict"


def exit_arg(node: ast.AST) -> tuple[ast.AST, ast.expr | None] | None:
    """(the exit, its argument) for `sys.exit(x)`, `os._exit(x)`, `raise SystemExit(x)`
    and the like; None for anything else."""
    call: ast.AST | None = node.exc if isinstance(node, ast.Raise) else node
    if isinstance(node, ast.Raise) and call is not None and dotted(call) == "SystemExit":
        return node, None
    if isinstance(call, ast.Call) and dotted(call.func) in EXIT_CALLS:
        return (node if isinstance(node, ast.Raise) else call), \
            (call.args[0] if call.args else None)
    return None


def _ends_process(stmt: ast.stmt) -> bool:
    """An unconditional process exit: `sys.exit(x)`, `os._exit(x)`, `raise SystemExit(x)`
    as a statement of its own."""
    if isinstance(stmt, ast.Expr):
        return exit_arg(stmt.value) is not None
    return isinstance(stmt, ast.Raise) and exit_arg(stmt) is not None


def unreachable(tree: ast.AST) -> dict[int, ast.stmt]:
    """The nodes (by id) of the statements CPython never reaches because an unconditional
    exit comes before them in the same block, each with that exit's statement."""
    dead: dict[int, ast.stmt] = {}
    for node in ast.walk(tree):
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(node, field_name, None)
            if not isinstance(block, list):
                continue
            ender = next((s for s in block if isinstance(s, ast.stmt) and _ends_process(s)),
                         None)
            if ender is None:
                continue
            for stmt in block[block.index(ender) + 1:]:
                for sub in ast.walk(stmt):
                    dead.setdefault(id(sub), ender)
    return dead


def status(value: object) -> int | None:
    """The process's exit status for `sys.exit(value)`: None 0, an int itself, a bool its
    int, anything else 1 (it is printed)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value & 0xFF
    return 1


def _walk_here(nodes: list[ast.stmt] | ast.AST) -> Iterator[ast.AST]:
    """The nodes of statements, not into nested functions, classes or lambdas."""
    todo: list[ast.AST] = list(nodes) if isinstance(nodes, list) else [nodes]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                      ast.Lambda)):
                todo.append(child)


@record
class Exits:
    """The gate's functions, which of them can end the process, and what each returns."""

    tree: ast.Module
    constants: Mapping[str, object]

    def __post_init__(self) -> None:
        self.functions = {f.name: f for f in self.tree.body
                          if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self._exiting: dict[str, bool] = {}
        self._returns: dict[str, list[tuple[ast.Return, int | None]]] = {}
        # the function each node is in (not through a nested one), read once
        self.owner: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for func in ast.walk(self.tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in _walk_here(func.body):
                    self.owner[id(node)] = func

    def returns(self, name: str) -> list[tuple[ast.Return, int | None]]:
        """The literal exit statuses `name`'s `return`s give (None: not decided)."""
        known = self._returns.get(name)
        if known is not None:
            return known
        out: list[tuple[ast.Return, int | None]] = []
        self._returns[name] = out
        func = self.functions.get(name)
        if func is None:
            return out
        for node in _walk_here(func.body):
            if isinstance(node, ast.Return):
                try:
                    value = evaluate(node.value, self.constants) if node.value is not None \
                        else None
                    out.append((node, status(value)))
                except Unknown:
                    out.append((node, None))
        return out

    def fails_by_return(self, name: str) -> bool:
        return any(code for _, code in self.returns(name))

    def can_exit(self, body: list[ast.stmt] | ast.AST, depth: int = 0) -> bool:
        """The code may end the process: an exit, or a call of a gate function that may."""
        for node in _walk_here(body):
            if exit_arg(node) is not None:
                return True
            if isinstance(node, ast.Call) and depth < 4:
                name = dotted(node.func)
                if name in self.functions:
                    if name not in self._exiting:
                        self._exiting[name] = False  # a recursion ends here
                        self._exiting[name] = self.can_exit(self.functions[name].body,
                                                            depth + 1)
                    if self._exiting[name]:
                        return True
        return False

    def gate_calls(self, node: ast.AST) -> list[str]:
        """The gate functions failing by `return` that the expression calls."""
        return [dotted(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)
                and dotted(n.func) in self.functions and self.fails_by_return(dotted(n.func))]


def _shadowed_exits(tree: ast.Module, exits: Exits, dead: dict[int, ast.stmt]
                    ) -> Iterator[tuple[ast.AST, str]]:
    """An exit that would give the gate's result, after an unconditional exit that does
    not (`code = main()` / `os._exit(0)` / `sys.exit(code)`): the earlier one decides."""
    for node in _walk_here(tree.body):
        found = exit_arg(node)
        if found is None or id(found[0]) not in dead or found[1] is None:
            continue
        ender = dead[id(found[0])]
        first = exit_arg(ender.value if isinstance(ender, ast.Expr) else ender)
        if first is None or (first[1] is not None and not _zero(first[1], exits)):
            continue
        line = getattr(found[0], "lineno", ender.lineno)
        yield ender, (f"`{unparsed(ender)[:50]}` ends the process with status 0 before "
                      f"`{unparsed(found[0])[:50]}` (line {line}), which never "
                      "runs: the gate exits 0 whatever its checks say")


def _zero_on_failure(tree: ast.Module, exits: Exits, dead: dict[int, ast.stmt]
                     ) -> Iterator[tuple[ast.AST, str]]:
    """An exit with status 0 under a module-level `if` that the gate's failure makes true
    (`code = main()` / `if code: os._exit(0)`): the failure exits 0."""
    here = [s for s in tree.body
            if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    bound: dict[str, list[str]] | None = None
    for node in _walk_here(here):
        if not isinstance(node, ast.If) or id(node) in dead:
            continue
        called = exits.gate_calls(node.test)
        if not called:
            if bound is None:
                bound = _bound_calls(tree, exits)
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name) and
                     bound.get(n.id)}
            if not names:
                continue
        else:
            names = set()
        try:
            taken: bool | None = bool(evaluate(
                node.test, {**exits.constants, **dict.fromkeys(names, 2)},
                dict.fromkeys(called, 2)))
        except Unknown:
            taken = None  # either branch may run
        for branch, arm in ((node.body, "under"), (node.orelse, "in the `else` of")):
            if taken is (arm != "under"):
                continue  # the failure does not take this branch
            ender = next((s for s in branch if _ends_process(s)), None)
            found = None if ender is None else \
                exit_arg(ender.value if isinstance(ender, ast.Expr) else ender)
            if ender is None or found is None or (
                    found[1] is not None and not _zero(found[1], exits)):
                continue
            yield ender, (f"`{unparsed(ender)[:50]}` {arm} `if {unparsed(node.test)[:40]}` "
                          "runs when the gate fails (its result 2): the failure exits 0")


def _catches_exit(handler: ast.ExceptHandler) -> str | None:
    kinds = [handler.type] if handler.type is None or not isinstance(handler.type, ast.Tuple) \
        else list(handler.type.elts)
    for kind in kinds:
        if kind is None:
            return "a bare `except:`"
        if dotted(kind) in _CATCH_EXIT:
            return f"`except {dotted(kind)}`"
    return None


def _ends(body: list[ast.stmt], exits: Exits, in_return: bool) -> bool:
    """The handler ends the failing path: it re-raises, or exits (returns, in a function
    whose result is the exit status) with a status that is not 0."""
    for node in _walk_here(body):
        if isinstance(node, ast.Raise) and exit_arg(node) is None:
            return True
        found = exit_arg(node)
        if found is not None:
            return not _zero(found[1], exits)
        if in_return and isinstance(node, ast.Return):
            return not _zero(node.value, exits)
    return False


def _zero(value: ast.expr | None, exits: Exits) -> bool:
    try:
        return status(evaluate(value, exits.constants) if value is not None else None) == 0
    except Unknown:
        return False


_EMPTY_CALLS = frozenset({"list", "dict", "tuple", "set", "frozenset", "str"})


def _empty(value: ast.expr) -> bool:
    """A value that holds no telemetry: `[]`, `{}`, `None`, `0`, `list()`."""
    if isinstance(value, ast.Constant):
        return not value.value
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return not value.elts
    if isinstance(value, ast.Dict):
        return not value.keys
    return isinstance(value, ast.Call) and dotted(value.func) in _EMPTY_CALLS and \
        not value.args and not value.keywords


def defeats(tree: ast.Module, constants: Mapping[str, object], mains: set[str]
            ) -> Iterator[tuple[ast.AST, str]]:
    """(where, what) for each way the gate's failure does not reach its exit status."""
    exits = Exits(tree, constants)
    mains = _returned_through(exits, mains)
    evidence = re.compile(EVIDENCE)
    exit_args: list[ast.AST] = []
    # an exit after an unconditional one never runs: the first one reached decides
    dead = unreachable(tree)
    found_exits = [found for found in map(exit_arg, _walk_here(tree.body))
                   if found is not None and found[1] is not None and id(found[0]) not in dead]
    yield from _shadowed_exits(tree, exits, dead)
    yield from _zero_on_failure(tree, exits, dead)
    callees = {id(n.func) for _, arg in found_exits if arg is not None
               for n in ast.walk(arg) if isinstance(n, ast.Call)}
    named = any(isinstance(n, ast.Name) and id(n) not in callees
                for _, arg in found_exits if arg is not None for n in ast.walk(arg))
    bound = _bound_calls(tree, exits) if named else {}
    # the statuses an exit gives when the function it exits with fails (returns 2)
    for at, maybe in found_exits:
        if maybe is None:
            continue
        arg = maybe
        exit_args.append(arg)
        called = exits.gate_calls(arg)
        names = {n.id for n in ast.walk(arg) if isinstance(n, ast.Name) and n.id in bound}
        if not called and not names:
            continue
        failing = dict.fromkeys(called, 2) | {f: 2 for n in names for f in bound[n]}
        values = dict.fromkeys((n for n in names if bound[n]), 2)
        try:
            if any(not bound[n] for n in names):
                raise Unknown  # `rc = main()` and `rc = 0`: which one reaches the exit
            code = status(evaluate(arg, {**constants, **values}, failing))
        except Unknown:
            who = (called or [next(iter(failing), "main")])[0]
            yield at, (f"`{unparsed(at)[:60]}`: the exit status when {who}() fails "
                       "cannot be decided (exit with its result: `sys.exit(main())`)")
            continue
        if code != 2:
            who = (called or [next(iter(failing), "main")])[0]
            yield at, (f"`{unparsed(at)[:60]}` exits {code} when {who}() returns 2 (the "
                       "failure): the canary reads a pass")
    # a module-level call whose result (the failure) is dropped
    used = {n.id for arg in exit_args for n in ast.walk(arg) if isinstance(n, ast.Name)}
    inside = {id(n) for arg in exit_args for n in ast.walk(arg)}
    # the module's own statements (a call inside a function returns to its caller), and
    # not a call whose result a condition tests (`if not passes(events): sys.exit(2)`)
    here = [s for s in tree.body
            if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    inside |= {id(n) for node in _walk_here(here)
               if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert))
               for n in ast.walk(node.test)}
    for node in _walk_here(here):
        if isinstance(node, ast.Call) and id(node) not in inside and \
                dotted(node.func) in exits.functions and \
                exits.fails_by_return(dotted(node.func)):
            if any(id(node) in {id(n) for n in ast.walk(a.value)} and
                   any(isinstance(t, ast.Name) and t.id in used for t in a.targets)
                   for a in _walk_here(tree.body) if isinstance(a, ast.Assign)):
                continue
            name = dotted(node.func)
            yield node, (f"the result of {name}() is dropped: the process exits 0 when it "
                         f"returns 2 (the failure); exit with it: `sys.exit({name}())`")
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            yield from _try_defeats(node, exits, mains, evidence, tree)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _suppressed_read(node, tree, evidence)
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and dotted(expr.func).endswith("suppress") and \
                        any(dotted(a) in _CATCH_EXIT for a in expr.args) and \
                        exits.can_exit(node.body):
                    yield expr, (f"`{unparsed(expr)[:50]}` swallows the gate's exit: the "
                                 "process exits 0 after a failure")
        elif isinstance(node, (ast.Assign, ast.Return)):
            yield from _fallback(node, tree, exits, evidence)
        if _atexit_hard_exit(node, exits):
            yield node, ("an atexit handler calls os._exit: it replaces the gate's exit "
                         "status (exit 2 on failure) with its own")
        elif isinstance(node, ast.Call) and _finalizer_hard_exit(node, exits) and \
                not _atexit_off(node, tree):
            yield node, ("a weakref.finalize callback calls os._exit: it runs when the "
                         "object is collected or at exit (its atexit hook), and its status "
                         "replaces the gate's exit 2")
    yield from _entry(tree, exits)
    yield from _ended_otherwise(tree, exits)
    made_up = _module_made_up(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            yield from _bypass(node, exits, mains)
            yield from _if_stand_in(node, exits, made_up)
        elif isinstance(node, (ast.Assign, ast.Return)):
            yield from _chosen_stand_in(node, exits, made_up)


def _ended_otherwise(tree: ast.Module, exits: Exits) -> Iterator[tuple[ast.AST, str]]:
    """`sys.exit` replaced, the exit made in a thread, a context manager whose
    `__exit__` returns True around it."""
    swallowing = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            for method in stmt.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        method.name in ("__exit__", "__aexit__") and any(
                            isinstance(n, ast.Return) and n.value is not None and
                            _truthy(n.value) for n in _walk_here(method.body)):
                    swallowing.add(stmt.name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if dotted(target) in ("sys.exit", "os._exit", "builtins.exit",
                                      "builtins.quit"):
                    yield node, (f"`{unparsed(target)}` is replaced: the gate's exit "
                                 "no longer ends it with its status (exit 2 on failure)")
        elif isinstance(node, ast.Call) and dotted(node.func).endswith("Thread"):
            for keyword in node.keywords:
                target = keyword.value
                if keyword.arg == "target" and (
                        (isinstance(target, ast.Lambda) and exits.can_exit(target.body)) or
                        dotted(target) in exits.functions):
                    yield node, (f"`{unparsed(target)[:40]}` runs in a thread: an exit "
                                 "there ends only the thread, and the process exits 0 "
                                 "after a failure")
        elif isinstance(node, (ast.With, ast.AsyncWith)) and exits.can_exit(node.body):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and dotted(expr.func) in swallowing:
                    yield expr, (f"{dotted(expr.func)}.__exit__ returns True: it swallows "
                                 "the gate's exit, and the process exits 0 after a failure")
        elif isinstance(node, ast.Assert) and any(
                isinstance(c, ast.Compare) and any(
                    isinstance(n, ast.Name) and n.id.isupper() and n.id in exits.constants
                    for n in ast.walk(c)) for c in ast.walk(node.test)):
            yield node, (f"`assert {unparsed(node.test)[:40]}` is a check: it fails with "
                         "exit 1 (AssertionError), and `python -O` removes it so the gate "
                         "passes; fail with `if ...: return 2`")


def _truthy(value: ast.expr) -> bool:
    try:
        return bool(evaluate(value, {}))
    except Unknown:
        return False


def _never_true(test: ast.expr) -> bool:
    """`__name__ == "main"`, `"__main" == __name__`, `__name__ != "__main__"`: false when
    the gate runs as a script (`__name__` is "__main__")."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    left, right = test.left, test.comparators[0]
    if isinstance(right, ast.Name) and right.id == "__name__":
        left, right = right, left
    if not (isinstance(left, ast.Name) and left.id == "__name__" and
            isinstance(right, ast.Constant) and isinstance(right.value, str)):
        return False
    if isinstance(test.ops[0], ast.Eq):
        return right.value != "__main__"
    return isinstance(test.ops[0], ast.NotEq) and right.value == "__main__"


def _entry(tree: ast.Module, exits: Exits) -> Iterator[tuple[ast.AST, str]]:
    """The checks never run: the `__main__` guard is never true, or nothing at module
    level calls a function of the gate (the script exits 0 whatever the telemetry)."""
    failing = sorted(name for name, func in exits.functions.items()
                     if exits.fails_by_return(name) or exits.can_exit(func.body))
    if not failing:
        return
    live: list[ast.stmt] = []
    dead: list[ast.If] = []

    def collect(block: list[ast.stmt]) -> None:
        for stmt in block:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Import, ast.ImportFrom)):
                continue
            if isinstance(stmt, ast.If) and _never_true(stmt.test):
                dead.append(stmt)
                collect(stmt.orelse)
                continue
            live.append(stmt)

    collect(tree.body)
    defined = {s.name for s in tree.body
               if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    # a function or class of the gate named by the module's own code (called, passed to
    # a thread or `atexit`), or an exit there: the checks may run
    if any(exit_arg(n) is not None or (isinstance(n, ast.Name) and n.id in defined)
           for stmt in live for n in ast.walk(stmt)):
        return
    who = "main" if "main" in failing else failing[0]
    if dead:
        yield dead[0].test, (f"`{unparsed(dead[0].test)[:50]}` is never true when the "
                             "gate runs (`__name__` is '__main__'): its checks never run "
                             "and it exits 0 whatever the telemetry")
    else:
        where = live[-1] if live else tree.body[-1]
        yield where, (f"nothing at module level calls {who}(): the gate's checks never run "
                      "and it exits 0 whatever the telemetry")


def _argv(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Name, ast.Attribute)) and dotted(sub) in ("sys.argv", "argv"):
            return "sys.argv"
    return None


def _bypass(node: ast.If, exits: Exits, mains: set[str]) -> Iterator[tuple[ast.AST, str]]:
    """`if os.environ.get("QG_FORCE") == "1": return 0`, `if "--force" in sys.argv:
    sys.exit(0)`: the environment or a flag turns the gate off."""
    source = env_read(node.test)
    how = "a process environment"
    if source is None:
        source, how = _argv(node.test), "a command-line flag"
    if source is None:
        return
    func = exits.owner.get(id(node))
    in_main = func is not None and func.name in mains
    for stmt in _walk_here(node.body):
        found = exit_arg(stmt)
        if (found is not None and _zero(found[1], exits)) or (
                in_main and isinstance(stmt, ast.Return) and _zero(stmt.value, exits)):
            yield node.test, (f"`if {unparsed(node.test)[:50]}` exits 0 before or instead "
                              f"of the checks: {how} can turn the gate off (`{source[:40]}`); "
                              "it exits 2 on failure whatever is set")
            return


_MADE_UP_NAMES = lazyre.compile(r"(?i)event|telemetry|sample|records|entries|metric|predict")


def _made_up(value: ast.expr, names: set[str]) -> bool:
    """Telemetry written in the gate: a non-empty literal collection, one repeated or
    built from `range` (`[{"c": 0.5} for _ in range(300)]`), or a module name bound to
    one; a comprehension over data read (`[e for e in events if ...]`) is not."""
    if isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        return not _empty(value)
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Mult, ast.Add)):
        return _made_up(value.left, names) or _made_up(value.right, names)
    if isinstance(value, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return all(_written(g.iter, names) for g in value.generators)
    if isinstance(value, ast.Call) and dotted(value.func) in _EMPTY_CALLS | {"copy.deepcopy"}:
        return any(_made_up(a, names) for a in value.args)
    return isinstance(value, ast.Name) and value.id in names


def _written(node: ast.expr, names: set[str]) -> bool:
    """What a comprehension of made-up telemetry iterates: `range(300)`, a literal,
    `enumerate(["BUY", "SELL"] * 100)`, a module name bound to made-up data."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Constant)):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)):
        return _written(node.left, names) and _written(node.right, names)
    if isinstance(node, ast.Call) and not node.keywords:
        name = dotted(node.func)
        if name == "range":
            return True
        return name in ("enumerate", "zip", "reversed", "list", "tuple") and \
            bool(node.args) and all(_written(a, names) for a in node.args)
    return isinstance(node, ast.Name) and node.id in names


def _module_made_up(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and _made_up(stmt.value, out):
            out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return out


def _if_stand_in(node: ast.If, exits: Exits, names: set[str]
                 ) -> Iterator[tuple[ast.AST, str]]:
    """`if not os.path.exists(p): return SAMPLE` in a reader, `if not events: events =
    [...]`: made-up telemetry on a branch."""
    test = unparsed(node.test)[:50]
    reader = _reader(exits, node, _MADE_UP_NAMES)
    nested = {id(n) for stmt in _walk_here(node.body) if isinstance(stmt, ast.If)
              for sub in stmt.body + stmt.orelse for n in _walk_here([sub])}
    for stmt in _walk_here(node.body):
        if id(stmt) in nested:
            continue  # the inner `if` says it
        if isinstance(stmt, ast.Return) and stmt.value is not None and reader and \
                _made_up(stmt.value, names):
            yield stmt, (f"{reader}() returns a stand-in when `{test}`: missing proof "
                         "means no activation (exit 2)")
        elif isinstance(stmt, ast.Assign) and _made_up(stmt.value, names):
            named = [t.id for t in stmt.targets
                     if isinstance(t, ast.Name) and _MADE_UP_NAMES.search(t.id)]
            if named:
                yield stmt, (f"{named[0]} is replaced by a stand-in when `{test}`: missing "
                             "proof means no activation (exit 2)")


def _chosen_stand_in(node: ast.Assign | ast.Return, exits: Exits, names: set[str]
                     ) -> Iterator[tuple[ast.AST, str]]:
    """`events = read() if os.path.exists(p) else SAMPLE`, `events =
    doc.get("events", SAMPLE)`: a stand-in chosen by an expression."""
    value = node.value
    if value is None:
        return
    if isinstance(node, ast.Assign):
        named = [n.id for t in node.targets for n in ast.walk(t)
                 if isinstance(n, ast.Name) and _MADE_UP_NAMES.search(n.id)]
        who = named[0] if named else None
    else:
        reader = _reader(exits, node, _MADE_UP_NAMES)
        who = f"{reader}()" if reader else None
    stand_in: ast.expr | None = None
    if isinstance(value, ast.IfExp):
        stand_in = next((b for b in (value.body, value.orelse) if _made_up(b, names)), None)
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr == "get" and len(value.args) == 2 and \
            _made_up(value.args[1], names):
        key = value.args[0]
        if who is None and isinstance(key, ast.Constant) and \
                _MADE_UP_NAMES.search(str(key.value)):
            who = f"`{unparsed(value)[:40]}`"
        stand_in = value.args[1]
    if stand_in is not None and who is not None:
        yield stand_in, (f"{who} falls back to a stand-in for the telemetry: missing proof "
                         "means no activation (exit 2)")


def _atexit_hard_exit(node: ast.AST, exits: Exits) -> bool:
    """`atexit.register(os._exit, 0)`, or an `@atexit.register` function calling it."""
    if isinstance(node, ast.Call) and dotted(node.func) == "atexit.register":
        return bool(node.args) and _hard_exit(node.args[0], exits)
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
        any(dotted(d) == "atexit.register" for d in node.decorator_list) and \
        _hard_exit(ast.Name(id=node.name, ctx=ast.Load()), exits)


def _finalizer_hard_exit(node: ast.AST, exits: Exits) -> bool:
    """`weakref.finalize(obj, os._exit, 0)` (or a function or lambda calling it): CPython
    calls it when `obj` is collected, else at exit, unless `atexit` is turned off."""
    if not (isinstance(node, ast.Call) and dotted(node.func) in ("weakref.finalize",
                                                                    "finalize")):
        return False
    if len(node.args) < 2 or not _hard_exit(node.args[1], exits):
        return False
    code = node.args[2] if len(node.args) > 2 else None
    return not (dotted(node.args[1]) in ("os._exit", "_exit") and
                isinstance(code, ast.Constant) and code.value == 2)


def _atexit_off(call: ast.Call, tree: ast.Module) -> bool:
    """`f = weakref.finalize(obj, ...)` then `f.atexit = False`, `obj` a name (kept): CPython
    does not call it at exit (3.10-3.13: the gate's status stands)."""
    if not call.args or not isinstance(call.args[0], ast.Name):
        return False
    names = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.value is call
             for t in n.targets if isinstance(t, ast.Name)}
    return any(isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and
               n.value.value is False and any(
                   isinstance(t, ast.Attribute) and t.attr == "atexit" and
                   isinstance(t.value, ast.Name) and t.value.id in names for t in n.targets)
               for n in ast.walk(tree))


def _hard_exit(node: ast.expr, exits: Exits) -> bool:
    if dotted(node) in ("os._exit", "_exit"):
        return True
    func = exits.functions.get(dotted(node))
    if isinstance(node, ast.Lambda):
        body: list[ast.stmt] | ast.AST = node.body
    elif func is not None:
        body = func.body
    else:
        return False
    return any(isinstance(n, ast.Call) and dotted(n.func) in ("os._exit", "_exit")
               for n in _walk_here(body))


def _bound_calls(tree: ast.Module, exits: Exits) -> dict[str, list[str]]:
    """Module-level names bound to a gate function's result: `code = main()`; a name
    bound more than once maps to [] (its value at the exit is not decided)."""
    out: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for node in _walk_here(tree.body):
        if isinstance(node, ast.stmt):
            for name in bound_names(node) if not isinstance(
                    node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) else ():
                counts[name] = counts.get(name, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            called = exits.gate_calls(node.value)
            if called:
                out.setdefault(node.targets[0].id, []).extend(called)
    return {name: calls if counts.get(name, 0) == 1 else [] for name, calls in out.items()}


def _returned_through(exits: Exits, mains: set[str]) -> set[str]:
    """`mains` and the functions whose result one of them returns (`return check(t)`):
    their returns are the exit status too."""
    out = set(mains)
    todo = list(mains)
    while todo:
        func = exits.functions.get(todo.pop())
        for node in _walk_here(func.body) if func is not None else ():
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
                name = dotted(node.value.func)
                if name in exits.functions and name not in out:
                    out.add(name)
                    todo.append(name)
    return out


def _try_defeats(node: ast.Try, exits: Exits, mains: set[str], evidence: re.Pattern[str],
                 tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    func = exits.owner.get(id(node))
    in_main = func is not None and func.name in mains
    # `finally` runs after the failure's exit or return: one of its own replaces it
    for stmt in _walk_here(node.finalbody):
        found = exit_arg(stmt)
        if found is not None and _zero(found[1], exits):
            yield found[0], (f"`{unparsed(found[0])[:50]}` in a `finally` replaces the "
                             "gate's exit 2 with 0: every run passes")
        elif isinstance(stmt, ast.Return) and func is not None and \
                (in_main or exits.can_exit(node.body)) and \
                (stmt.value is None or _zero(stmt.value, exits)):
            yield stmt, (f"`{unparsed(stmt)}` in a `finally` replaces {func.name}()'s "
                         "failure (exit 2) with 0: every run passes")
    for handler in node.handlers:
        caught = _catches_exit(handler)
        if caught is not None and exits.can_exit(node.body) and \
                not _ends(handler.body, exits, in_main):
            yield handler, (f"{caught} catches the gate's exit and carries on: the process "
                            "exits 0 after a failure")
    yield from _stand_in(node, exits, evidence, tree, in_main)


def _stand_in(node: ast.Try, exits: Exits, evidence: re.Pattern[str], tree: ast.Module,
              in_main: bool) -> Iterator[tuple[ast.AST, str]]:
    """A `try` that reads the telemetry and whose handler goes on with made-up data."""
    read: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            if value is None or not any(isinstance(n, ast.Call) for n in ast.walk(value)):
                continue
            for target in targets:
                for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                    if evidence.search(name) or evidence.search(unparsed(value)):
                        read.add(name)
    reader = _reader(exits, node, evidence)
    if reader is not None and not in_main:
        for handler in node.handlers:
            for sub in _walk_here(handler.body):
                if isinstance(sub, ast.Return) and sub.value is not None and \
                        _is_stand_in(sub.value, tree):
                    yield sub, (f"{reader}() returns a stand-in when reading the telemetry "
                                "fails: missing proof means no activation (exit 2)")
    if not read:
        return
    before = _bound_before(tree, node)
    for handler in node.handlers:
        if _ends(handler.body, exits, in_main) or any(
                isinstance(n, (ast.Return, ast.Raise)) or exit_arg(n) is not None
                for n in _walk_here(handler.body)):
            continue  # it exits (a `return 0` is the missing-proof finding)
        rebound = False
        for sub in _walk_here(handler.body):
            if isinstance(sub, ast.Assign):
                names = {n.id for t in sub.targets for n in ast.walk(t)
                         if isinstance(n, ast.Name)} & read
                if names:
                    rebound = True
                    if not _empty(sub.value):
                        yield sub, (f"{sorted(names)[0]} is replaced by a stand-in when "
                                     "reading the telemetry fails: missing proof means no "
                                     "activation (exit 2)")
        if not rebound:
            for name in sorted(read):
                value = before.get(name)
                if value is not None and not _empty(value):
                    yield handler, (f"{name} keeps the stand-in of line {value.lineno} when "
                                    "reading the telemetry fails: missing proof means no "
                                    "activation (exit 2)")


def _module_stand_ins(tree: ast.Module) -> set[str]:
    """Module-level names bound to a literal collection with something in it (`FAKE =
    {...}`, `SAMPLE_EVENTS = [...] * 500`)."""
    out: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and not _empty(stmt.value) and isinstance(
                stmt.value, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.BinOp,
                             ast.ListComp, ast.DictComp)):
            out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return out


def _is_stand_in(value: ast.expr, tree: ast.Module) -> bool:
    """A made-up telemetry set: a non-empty literal collection, or a module constant
    that is one (a number or a string is a value, not a set)."""
    if isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        return not _empty(value)
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Mult, ast.Add)):
        return _is_stand_in(value.left, tree) or _is_stand_in(value.right, tree)  # [e] * 500
    if isinstance(value, (ast.ListComp, ast.SetComp, ast.DictComp)):
        return True  # [{"c": 0.5} for _ in range(500)]
    if isinstance(value, ast.Call) and dotted(value.func) in _EMPTY_CALLS | {"copy.deepcopy"}:
        return any(_is_stand_in(a, tree) for a in value.args)
    return isinstance(value, ast.Name) and value.id in _module_stand_ins(tree)


def _reader(exits: Exits, node: ast.AST, evidence: re.Pattern[str]) -> str | None:
    """The function around `node` when it reads telemetry (by its name), else None."""
    func = exits.owner.get(id(node))
    return func.name if func is not None and evidence.search(func.name) else None


def _fallback(node: ast.Assign | ast.Return, tree: ast.Module, exits: Exits,
              evidence: re.Pattern[str]) -> Iterator[tuple[ast.AST, str]]:
    """`events = read() or FAKE`, `return load() or FAKE` in a reader: a stand-in when
    the reading gives nothing."""
    value = node.value
    if not isinstance(value, ast.BoolOp) or not isinstance(value.op, ast.Or) or \
            not _is_stand_in(value.values[-1], tree) or \
            not any(isinstance(n, ast.Call) for v in value.values[:-1] for n in ast.walk(v)):
        return
    if isinstance(node, ast.Assign):
        names = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        if not any(evidence.search(n) for n in names):
            return
        who = names[0]
    else:
        reader = _reader(exits, node, evidence)
        if reader is None:
            return
        who = f"{reader}()"
    yield value.values[-1], (f"{who} falls back to a stand-in for the telemetry: missing "
                             "proof means no activation (exit 2)")


def _suppressed_read(node: ast.With | ast.AsyncWith, tree: ast.Module,
                     evidence: re.Pattern[str]) -> Iterator[tuple[ast.AST, str]]:
    """`events = FAKE` then `with suppress(...): events = read()`."""
    if not any(isinstance(i.context_expr, ast.Call) and
               dotted(i.context_expr.func).endswith("suppress") for i in node.items):
        return
    before = _bound_before(tree, node)
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(n, ast.Call)
                                                for n in ast.walk(stmt.value)):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and evidence.search(target.id) and \
                        target.id in before and not _empty(before[target.id]):
                    yield node, (f"{target.id} keeps the stand-in of line "
                                 f"{before[target.id].lineno} when reading the telemetry "
                                 "fails: missing proof means no activation (exit 2)")


def _bound_before(tree: ast.Module, node: ast.stmt) -> dict[str, ast.expr]:
    """The values names had, from plain assignments before `node` in its block."""
    for parent in ast.walk(tree):
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(parent, field_name, None)
            if isinstance(block, list) and any(s is node for s in block):
                out: dict[str, ast.expr] = {}
                for stmt in block:
                    if stmt is node:
                        return out
                    if isinstance(stmt, ast.Assign):
                        for target in stmt.targets:
                            if isinstance(target, ast.Name):
                                out[target.id] = stmt.value
                return out
    return {}


def _truth_of(test: ast.expr, measured: set[str]) -> str | None:
    """The name `test` checks is non-empty (`events`, `len(events)`, `events is not None`,
    `len(events) > 0`), when it is one the check measures."""
    inner = test
    if isinstance(inner, ast.Compare) and len(inner.ops) == 1 and \
            isinstance(inner.ops[0], (ast.IsNot, ast.NotEq, ast.Gt, ast.GtE)):
        inner = inner.left
    if isinstance(inner, ast.Call) and dotted(inner.func) in ("len", "bool") and \
            len(inner.args) == 1:
        inner = inner.args[0]
    name = dotted(inner)
    return name if name and name.split(".")[0] in measured else None


def _literal_items(node: ast.expr, tree: ast.Module) -> bool:
    """A loop over something written in the gate with items in it (`MODELS`, `("a",
    "b")`, `range(3)`): it runs."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("items", "keys", "values") and not node.args:
        node = node.func.value
    if isinstance(node, ast.Name):
        values = [s.value for s in tree.body if isinstance(s, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in s.targets)]
        return len(values) == 1 and _literal_items(values[0], tree)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return not _empty(node)
    if isinstance(node, ast.Call) and dotted(node.func) == "range" and node.args:
        try:
            return bool(_number(evaluate(node.args[-1 if len(node.args) == 1 else 1], {})))
        except Unknown:
            return False
    return False


def skipped_checks(tree: ast.Module, compares: list[ast.Compare],
                   constants: Mapping[str, object]) -> Iterator[tuple[ast.AST, str]]:
    """Where the events check does not run when there are none, and the gate goes on to
    pass: `if events and len(events) < MIN_EVENTS`, `if events:` around it, a loop per
    model over a mapping that may be empty."""
    parents = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}

    def block_of(node: ast.AST) -> tuple[list[ast.stmt], int] | None:
        parent = parents.get(id(node))
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(parent, field_name, None)
            if isinstance(block, list):
                for i, stmt in enumerate(block):
                    if stmt is node:
                        return block, i
        return None

    def then_fails(node: ast.stmt) -> bool:
        """The statement after `node` fails, or a later `if` of its block does (`if
        checked == 0: return 2`): the skip may be caught."""
        found = block_of(node)
        if found is None or found[1] + 1 >= len(found[0]):
            return False
        after = found[0][found[1] + 1]
        if isinstance(after, (ast.Return, ast.Raise, ast.Expr)) and _fails([after], constants):
            return True
        return any(isinstance(later, ast.If) and _fails(later.body, constants)
                   for later in found[0][found[1] + 1:])

    def guarded_before(node: ast.AST | None, root: str) -> bool:
        """An earlier `if` that fails when `root` is empty (`if not by_model: return 2`)."""
        while node is not None and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            found = block_of(node)
            for stmt in found[0][:found[1]] if found else ():
                if isinstance(stmt, ast.If) and _fails(stmt.body, constants) and any(
                        isinstance(n, ast.Name) and n.id == root for n in ast.walk(stmt.test)):
                    return True
            node = parents.get(id(node))
        return False

    for compare in compares:
        measured = {n.id for n in ast.walk(compare) if isinstance(n, ast.Name)}
        child: ast.AST = compare
        node = parents.get(id(compare))
        while node is not None and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
                index = next(i for i, v in enumerate(node.values) if v is child)
                name = next((found for v in node.values[:index]
                             if (found := _truth_of(v, measured))), None)
                if name is not None:
                    yield node, (f"`{unparsed(node)[:50]}` skips the check when {name} "
                                 "is empty: with no telemetry the gate passes it; fail when "
                                 "there is none (exit 2)")
            elif isinstance(node, ast.If) and any(s is child for s in node.body):
                name = _truth_of(node.test, measured)
                if name is not None and not _fails(node.orelse, constants) and not then_fails(node):
                    yield node.test, (f"`if {unparsed(node.test)[:40]}:` skips the check "
                                      f"of line {compare.lineno} when {name} is empty: with "
                                      "no telemetry the gate passes; fail when there is none "
                                      "(exit 2)")
            elif isinstance(node, (ast.For, ast.AsyncFor)) and any(s is child
                                                                  for s in node.body):
                root = dotted(node.iter.func.value if isinstance(node.iter, ast.Call) and
                              isinstance(node.iter.func, ast.Attribute) else node.iter)
                root = root.split(".")[0]
                if not _literal_items(node.iter, tree) and not _fails(node.orelse, constants) and \
                        not then_fails(node) and not (root and guarded_before(node, root)):
                    yield node.iter, (f"the check of line {compare.lineno} runs once per item "
                                      f"of `{unparsed(node.iter)[:40]}`: with no telemetry "
                                      "it runs none and the gate passes; fail when it is "
                                      "empty (exit 2)")
            child, node = node, parents.get(id(node))


# what an exception escaping the gate does: CPython prints a traceback and exits 1
_CATCH_ALL = frozenset({"*", "Exception", "BaseException"})
_OS_ERRORS = frozenset({"OSError", "IOError", "EnvironmentError", "FileNotFoundError",
                        "PermissionError", "IsADirectoryError"})
_NOT_ERRORS = frozenset({"SystemExit", "KeyboardInterrupt", "GeneratorExit"})
_READS_FILE = frozenset({"open", "read_text", "read_bytes", "io.open", "codecs.open"})
_DECODES = frozenset({"json.load", "json.loads"})
_TRIES = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"*"}
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {dotted(t).rsplit(".", 1)[-1] for t in types}


_BASES = {"IndexError": ("LookupError",), "KeyError": ("LookupError",),
          "ZeroDivisionError": ("ArithmeticError",),
          "StatisticsError": ("ValueError",)}


def _caught(kind: str, caught: frozenset[str]) -> bool:
    if caught & _CATCH_ALL:
        return True
    if kind == "OSError":
        return bool(caught & _OS_ERRORS)
    if any(base in caught for base in _BASES.get(kind, ())):
        return True
    return kind in caught or (kind == "ValueError" and "JSONDecodeError" in caught)


# what raises on empty telemetry (`[]`, `{}`): the statistics of no values
_NO_VALUES = frozenset({"max", "min", "statistics.mean", "statistics.median",
                        "statistics.pstdev", "statistics.stdev", "statistics.mode",
                        "statistics.quantiles", "statistics.fmean", "mean", "median",
                        "pstdev", "stdev", "quantiles", "fmean"})


def _over(node: ast.AST, names: frozenset[str]) -> str | None:
    """The telemetry name `node` is, or iterates over (`e["x"] for e in events`)."""
    if isinstance(node, ast.Name) and node.id in names:
        return node.id
    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)) and \
            isinstance(node.generators[0].iter, ast.Name) and \
            node.generators[0].iter.id in names:
        return node.generators[0].iter.id
    return None


def _empty_hazard(sub: ast.AST, names: frozenset[str], lengths: frozenset[str]
                  ) -> tuple[str, str] | None:
    """(the exception, why) when `sub` raises on empty telemetry: `events[0]`,
    `x / len(events)` (or a name bound to it), `max(events)`, `statistics.mean(...)`."""
    if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and \
            sub.value.id in names and isinstance(sub.slice, (ast.Constant, ast.UnaryOp)):
        try:
            key = ast.literal_eval(sub.slice)
        except ValueError:
            return None
        if isinstance(key, int):
            return "IndexError", "an empty list has no item"
        if isinstance(key, str):
            return "KeyError", "an empty object has no key"
        return None
    if isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Div, ast.FloorDiv, ast.Mod)):
        right = sub.right
        if (isinstance(right, ast.Call) and dotted(right.func) == "len" and right.args and
                _over(right.args[0], names)) or (isinstance(right, ast.Name) and
                                                 right.id in lengths):
            return "ZeroDivisionError", "it divides by their count, 0"
    if isinstance(sub, ast.Call) and dotted(sub.func) in _NO_VALUES and \
            len(sub.args) == 1 and not sub.keywords and _over(sub.args[0], names):
        name = dotted(sub.func)
        kind = "ValueError" if name in ("max", "min") else "StatisticsError"
        return kind, "there are no values"
    return None


def _guarded_by(node: ast.AST, names: frozenset[str]) -> set[int]:
    """The nodes evaluated only when a test on `names` is true: `x / len(e) if e else 0`,
    `e and e[0]`."""
    def mentions(test: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(test))

    out: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.IfExp) and mentions(sub.test):
            out |= {id(n) for part in (sub.body, sub.orelse) for n in ast.walk(part)}
        elif isinstance(sub, ast.BoolOp):
            for i, value in enumerate(sub.values[1:], 1):
                if any(mentions(v) for v in sub.values[:i]):
                    out |= {id(n) for n in ast.walk(value)}
    return out


def _assignments_here(node: ast.stmt) -> list[ast.Assign]:
    """`NAME = value` statements of `node`, itself or in its `try`/`with` bodies."""
    if isinstance(node, ast.Assign):
        return [node] if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            else []
    if isinstance(node, (*_TRIES, ast.With)):
        inner: list[ast.stmt] = getattr(node, "body", [])
        return [a for part in inner for a in _assignments_here(part)]
    return []


def _exits_here(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise)) or (
        isinstance(n, ast.Call) and dotted(n.func) in ("sys.exit", "exit", "quit", "os._exit"))
        for statement in body for n in ast.walk(statement))


def uncaught(tree: ast.Module, events: str | None = None) -> Iterator[tuple[ast.AST, str]]:
    """(where, what) for each exception the gate's run may let escape (a file read with
    no `try` around it, on any path of calls from the module's code; a `raise` of an
    error; what raises on empty telemetry before the check of `events`, the events
    constant): CPython exits 1 with a traceback, not the contract's 2."""
    functions = {f.name: f for f in tree.body
                 if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
    reported: set[int] = set()
    stack: list[str] = []
    out: list[tuple[ast.AST, str]] = []

    def report(node: ast.AST, what: str) -> None:
        if id(node) not in reported:
            reported.add(id(node))
            out.append((node, what))

    def reads(name: str, depth: int = 0) -> bool:
        """The module's function `name` reads the telemetry (a file, JSON)."""
        func = functions.get(name)
        if func is None or depth > 4:
            return False
        calls = [dotted(n.func) for n in ast.walk(func) if isinstance(n, ast.Call)]
        return any(c in _DECODES or c in _READS_FILE or c.endswith(".read_text") or
                   (c in functions and c != name and reads(c, depth + 1)) for c in calls)

    def expression(node: ast.AST, caught: frozenset[str],
                   empty: tuple[frozenset[str], frozenset[str], int] = (
                       frozenset(), frozenset(), 0)) -> None:
        names, lengths, check = empty
        guarded = _guarded_by(node, names | lengths) if names else set()
        for sub in ast.walk(node) if names else ():
            hazard = _empty_hazard(sub, names, lengths)
            if hazard is not None and id(sub) not in guarded and \
                    not _caught(hazard[0], caught):
                shown = unparsed(sub)
                if len(shown) > 50 and isinstance(sub, ast.BinOp):  # the division shown
                    shown = f"... / {unparsed(sub.right)}"
                report(sub, f"`{shown[:50]}` raises {hazard[0]} on empty telemetry "
                       f"({hazard[1]}), before the events check at line {check}: the gate "
                       "fails with exit 1 (a traceback), not the contract's 2 (check the "
                       "count first)")
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not isinstance(sub, ast.Call):
                continue
            name = dotted(sub.func)
            last = name.rsplit(".", 1)[-1]
            if (name in _READS_FILE or last in ("read_text", "read_bytes")) and \
                    not _caught("OSError", caught):
                report(sub, f"`{unparsed(sub)[:50]}` has no `try` around it: when the "
                       "telemetry cannot be read the gate fails with exit 1 (a traceback)"
                       ", not the contract's 2 (catch OSError and exit 2)")
            elif name in _DECODES and not _caught("ValueError", caught):
                report(sub, f"`{unparsed(sub)[:50]}` has no `try` around it: telemetry "
                       "that is not JSON fails the gate with exit 1 (a traceback), not "
                       "the contract's 2 (catch ValueError and exit 2)")
            elif isinstance(sub.func, ast.Name) and name in functions and \
                    name not in stack and len(stack) < 8:
                stack.append(name)
                statements(functions[name].body, caught)
                stack.pop()

    def check_line(body: list[ast.stmt], at: int, name: str) -> int | None:
        """The line of the events check after `body[at]`: an `if` on `name` that exits."""
        for node in body[at + 1:]:
            inner: list[ast.stmt] = getattr(node, "body", []) \
                if isinstance(node, (*_TRIES, ast.With)) else []
            while inner:
                node = inner[0]  # `try: if len(events) < MIN_EVENTS: ...`
                inner = getattr(node, "body", []) if isinstance(node, (*_TRIES, ast.With)) \
                    else []
            tested = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)} \
                if isinstance(node, ast.If) else set()
            if isinstance(node, ast.If) and name in tested and \
                    (events is None or events in tested) and _exits_here(node.body):
                return node.lineno
        return None

    def statements(body: list[ast.stmt], caught: frozenset[str],
                   empty: tuple[frozenset[str], frozenset[str], int] = (
                       frozenset(), frozenset(), 0)) -> None:
        for at, node in enumerate(body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.If) and empty[0] and node.lineno == empty[2]:
                empty = (frozenset(), frozenset(), 0)  # the events check: not empty after
            elif isinstance(node, ast.If) and empty[0] and any(
                    isinstance(n, ast.Name) and n.id in empty[0] | empty[1]
                    for n in ast.walk(node.test)):
                # `if events: first = events[0]`: the body runs on telemetry, not on none
                expression(node.test, caught, empty)
                statements(node.body, caught)
                statements(node.orelse, caught, empty)
                continue
            if isinstance(node, _TRIES):
                handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
                inner = caught | frozenset(n for h in handlers for n in _caught_names(h))
                statements(getattr(node, "body", []), inner, empty)
                for handler in handlers:
                    statements(handler.body, caught, empty)
                statements(getattr(node, "orelse", []), caught, empty)
                statements(getattr(node, "finalbody", []), caught, empty)
            else:
                simple(node, caught, empty)
            empty = after(body, at, node, empty)

    def simple(node: ast.stmt, caught: frozenset[str],
               empty: tuple[frozenset[str], frozenset[str], int]) -> None:
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            kind = dotted(exc).rsplit(".", 1)[-1]
            if kind and kind not in _NOT_ERRORS and not _caught(kind, caught):
                report(node, f"`{unparsed(node)[:50]}` is not caught: the gate fails "
                       "with exit 1 (a traceback), not the contract's 2 (exit 2: "
                       "`return 2`, `sys.exit(2)`)")
        for _field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                statements(value, caught, empty)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        expression(item, caught, empty)
            elif isinstance(value, ast.AST):
                expression(value, caught, empty)

    def after(body: list[ast.stmt], at: int, node: ast.stmt,
              empty: tuple[frozenset[str], frozenset[str], int]
              ) -> tuple[frozenset[str], frozenset[str], int]:
        if empty[2] and any(isinstance(n, ast.If) and n.lineno == empty[2]
                            for n in ast.walk(node)):
            empty = (frozenset(), frozenset(), 0)  # the events check ran in it
        # `events = read_telemetry()` (or `json.load(f)`, also in a `try` or a
        # `with`), an events check later in this body: until it runs, the telemetry
        # may be empty (`[]`, `{}`)
        for assign in _assignments_here(node):
            target = assign.targets[0].id  # type: ignore[attr-defined]
            value = assign.value
            # with the events constant known, its check says what holds the telemetry
            # (also `events = [e for e in events if ...]`: may be empty too)
            read = (isinstance(value, ast.Call) and (
                events is not None or dotted(value.func) in _DECODES or (
                    isinstance(value.func, ast.Name) and reads(value.func.id)))) or (
                events is not None and isinstance(value, (ast.ListComp, ast.GeneratorExp,
                                                          ast.DictComp, ast.Subscript)))
            counted = isinstance(value, ast.Call) and dotted(value.func) == "len" and \
                bool(value.args) and _over(value.args[0], empty[0]) is not None
            line = check_line(body, at, target) if read and not counted else None
            if assign is node and counted:
                empty = (empty[0], empty[1] | {target}, empty[2])
            elif line is not None:
                empty = (empty[0] | {target}, empty[1], line)
            elif assign is node:
                empty = (empty[0] - {target}, empty[1] - {target}, empty[2])
        return empty

    statements(tree.body, frozenset())
    yield from out


_POINT_FUNCS = ("percentile", "nanpercentile", "quantile", "nanquantile")


def _point(node: ast.AST, bound: Mapping[str, ast.expr], depth: int = 0) -> float | None:
    """Which quantile of the values an expression is (0 the least, 1 the largest):
    `min(c)`, `max(c)`, `sorted(c)[0]`/`[-1]`, `statistics.quantiles(c, n=N)[k]` ((k+1)/N),
    `numpy.percentile(c, P)` (P/100) or `quantile(c, Q)`, also through names bound to
    them; None when not known."""
    if depth > 4:
        return None
    if isinstance(node, ast.Name) and node.id in bound:
        return _point(bound[node.id], bound, depth + 1)
    if isinstance(node, ast.Call) and dotted(node.func) in ("max", "min") and \
            len(node.args) == 1:
        return 1.0 if dotted(node.func) == "max" else 0.0
    if isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] in \
            _POINT_FUNCS and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, (int, float)):
        scale = 100 if "percentile" in dotted(node.func) else 1
        return float(node.args[1].value) / scale
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, (ast.Constant,
                                                                            ast.UnaryOp)):
        return None
    try:
        index = ast.literal_eval(node.slice)
    except ValueError:
        return None
    if not isinstance(index, int):
        return None
    made = node.value
    for _ in range(4):
        if isinstance(made, ast.Name) and made.id in bound:
            made = bound[made.id]
    if not isinstance(made, ast.Call):
        return None
    name = dotted(made.func).rsplit(".", 1)[-1]
    if name == "sorted" and index in (0, -1) and not any(
            k.arg == "reverse" for k in made.keywords):
        return 0.0 if index == 0 else 1.0
    if name == "quantiles":
        n = next((k.value for k in made.keywords if k.arg == "n"), None)
        count = 4 if n is None else (n.value if isinstance(n, ast.Constant) and
                                     isinstance(n.value, int) else None)
        if count is None or not -(count - 1) <= index < count - 1:
            return None
        return ((index % (count - 1)) + 1) / count
    if name in _POINT_FUNCS and len(made.args) >= 2 and \
            isinstance(made.args[1], (ast.List, ast.Tuple)):
        items = made.args[1].elts
        item = items[index] if -len(items) <= index < len(items) else None
        if isinstance(item, ast.Constant) and isinstance(item.value, (int, float)):
            scale = 100 if "percentile" in name else 1
            return float(item.value) / scale
    return None


def _span(node: ast.AST, bound: Mapping[str, ast.expr], depth: int = 0
          ) -> tuple[float, float] | None:
    """`high - low` of two quantiles of the values: (low, high), as fractions."""
    if isinstance(node, ast.Name) and node.id in bound and depth < 4:
        return _span(bound[node.id], bound, depth + 1)
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)):
        return None
    high, low = _point(node.left, bound), _point(node.right, bound)
    if high is None or low is None:
        return None
    return low, high


def wrong_statistic(tree: ast.Module, name: str) -> Iterator[tuple[ast.AST, str]]:
    """(where, what) for a P10-P90 check that compares `name` with a wider range of the
    values: `max - min` (also as `sorted(c)[-1] - sorted(c)[0]`), P1-P99 (`quantiles(c,
    n=100)`: q[98] - q[0]): at least as wide as P10-P90, so telemetry whose P10-P90 range
    is too narrow passes. A narrower one (the quartiles) fails more, and is not reported."""
    scopes: list[ast.AST] = [tree, *(f for f in ast.walk(tree)
                                      if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    for scope in scopes:
        bound: dict[str, ast.expr] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                bound[node.targets[0].id] = node.value
        for node in ast.walk(scope):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if not any(isinstance(s, ast.Name) and s.id == name for s in sides):
                continue
            spans = [span for span in (_span(s, bound) for s in sides) if span is not None]
            wide = next(((low, high) for low, high in spans
                         if low < 0.1 - 1e-9 or high > 0.9 + 1e-9), None)
            if wide is None:
                continue
            if wide == (0.0, 1.0):
                what = "the whole spread (max - min)"
            else:
                what = f"the P{wide[0] * 100:g}-P{wide[1] * 100:g} range"
            yield node, (f"`{unparsed(node)[:60]}` measures {what}, not the P10-P90 range: "
                         "it is at least as wide, so telemetry whose P10-P90 range is "
                         f"below {name} passes (`statistics.quantiles(values, n=10)`: q[8] "
                         "- q[0])")


def shutdown_exits(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """(where, what) for a `__del__` that calls `os._exit` (by the module's attribute, a
    name imported from os, a parameter's default or an attribute set to it): it runs when
    an instance is collected, at the latest at shutdown, and its status replaces the
    gate's. Not when the class is never instantiated, nor when every instance is kept
    only as an attribute of `sys` and the call goes through `os._exit`: CPython (3.10 to
    3.13) collects it after it has emptied the modules, `os._exit` is None then, and the
    TypeError is ignored (the gate's status stands)."""
    from_os = {a.asname or a.name for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom) and n.module in ("os", "posix")
               for a in n.names if a.name == "_exit"}
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        made = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and
                isinstance(n.func, ast.Name) and n.func.id == cls.name]
        if not made:
            continue  # never instantiated: its `__del__` never runs
        kept_in_sys = all(_kept_in_sys(call, tree) for call in made)
        bound = {t.attr for n in ast.walk(cls) if isinstance(n, ast.Assign) and
                 dotted(n.value) == "os._exit" for t in n.targets
                 if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and
                 t.value.id == "self"}
        for method in cls.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                    method.name != "__del__":
                continue
            params = method.args.args + method.args.kwonlyargs
            defaults = dict(zip([a.arg for a in method.args.args][::-1],
                                method.args.defaults[::-1], strict=False))
            defaults.update({a.arg: d for a, d in zip(method.args.kwonlyargs,
                                                       method.args.kw_defaults, strict=True)
                             if d is not None})
            early = {a.arg for a in params if a.arg in defaults and
                     dotted(defaults[a.arg]) == "os._exit"} | \
                from_os | {f"self.{attr}" for attr in bound}
            for node in ast.walk(method):
                if not isinstance(node, ast.Call) or (
                        node.args and isinstance(node.args[0], ast.Constant) and
                        node.args[0].value == 2):
                    continue
                called = dotted(node.func)
                late = called in ("os._exit", "posix._exit")  # the module's attribute
                if (late and not kept_in_sys) or called in early:
                    yield node, (f"{cls.name}.__del__ calls `{unparsed(node)[:40]}`: it runs "
                                 "when the object is collected (at the latest at shutdown) "
                                 "and its status replaces the gate's exit 2")


def _kept_in_sys(call: ast.Call, tree: ast.Module) -> bool:
    """The instance `call` makes is stored as an attribute of `sys` (`sys._guard =
    Guard()`, also in a list there, `setattr(sys, "_guard", Guard())`), nowhere else."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(n is call for n in ast.walk(node.value)):
            return all(isinstance(t, ast.Attribute) and dotted(t.value) == "sys"
                       for t in node.targets) and isinstance(
                node.value, (ast.Call, ast.List, ast.Tuple))
        if isinstance(node, ast.Call) and dotted(node.func) == "setattr" and \
                len(node.args) == 3 and node.args[2] is call:
            return dotted(node.args[0]) == "sys"
    return False
