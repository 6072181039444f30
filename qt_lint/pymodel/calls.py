"""What calls mean, for the rules: logging and message calls, file writes and deletes."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from qt_lint.pymodel.resolver import PATH_TYPES, Sym, join
from qt_lint.record import record, replace

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, PythonFacts, Scope

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
# `os.open`'s flags that open for writing (`O_RDONLY` alone reads)
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC"})


def _in_place(facts: PythonFacts, call: Call) -> bool:
    """`fileinput.input(files, inplace=True)`: what is printed replaces each file."""
    node = call.arg(1, "inplace")
    return isinstance(node, ast.Constant) and bool(node.value)


def _write_flags(facts: PythonFacts, call: Call) -> bool:
    """`os.open(path, os.O_WRONLY | os.O_APPEND)` (or flags bound to a name): any flag
    that opens for writing."""
    node = call.arg(1, "flags")
    if node is None:
        return False
    node = facts.origin(node, call.scope)
    return any((isinstance(n, ast.Attribute) and n.attr in _WRITE_FLAGS) or
               (isinstance(n, ast.Name) and n.id in _WRITE_FLAGS) for n in ast.walk(node))


def _opens_to_write(facts: PythonFacts, call: Call) -> bool:
    """`codecs.open(path, "a", ...)`: a mode that writes (its default reads)."""
    node = call.arg(1, "mode")
    mode = facts.resolve(node, call.scope) if node is not None else None
    return mode is not None and any(c in mode.text for c in "wax+")


# name -> (op, the path's argument: position and keyword, the condition it holds under)
_SINKS: dict[str, tuple[str, int, str, Callable[[PythonFacts, Call], bool] | None]] = {
    **dict.fromkeys(_WRITE_TWO, ("write", 1, "dst", None)),
    **dict.fromkeys(_DELETE, ("delete", 0, "path", None)),
    "fileinput.input": ("write", 0, "files", _in_place),
    "fileinput.FileInput": ("write", 0, "files", _in_place),
    "os.open": ("write", 0, "path", _write_flags),
    "os.truncate": ("write", 0, "path", None),
    "codecs.open": ("write", 0, "filename", _opens_to_write),
    "numpy.save": ("write", 0, "file", None),
    "np.save": ("write", 0, "file", None),
    "numpy.savez": ("write", 0, "file", None),
}


@record(frozen=True)
class FileOp:
    """A write or delete of a file that a Python call makes."""

    op: str  # "write" or "delete"
    path: Sym
    node: ast.expr  # where to report
    call: Call


def file_ops(facts: PythonFacts, through_calls: bool = False) -> Iterator[FileOp]:
    """Writes and deletes whose path resolves, from the common APIs (`_SINKS`, `open` by
    its mode, `Path` methods). `through_calls`: every value the path may have is read
    (`path_values`: a branch of `a if c else b`, an element of a list iterated or
    subscripted, a name unpacked from a tuple, a glob's pattern, `self.p` as the class
    sets it), and a call whose path or mode is a parameter of its function or lambda
    (`def w(p): open(p, "a")`, `lambda p, m: open(p, m)`) is read at each call of it
    (`w(ENV)`), the op then placed at the argument that gives it; a name bound to
    `functools.partial(open, ENV, "a")` called is the call it stands for."""
    sites: _Sites | None = None
    for call in facts.calls:
        if through_calls and isinstance(call.node.func, ast.Name):
            call = _partial(facts, call)
        found = False
        targets = _sink_targets(facts, call)
        if through_calls and call.scope.function is None and \
                (targets or _mode_unknown(facts, call)):
            # in a lambda's body (the parser reads it in the scope around it), its
            # parameters are its own
            sites = sites or _Sites(facts)
            inner = sites.lambda_scope(call)
            if inner is not None:
                call = replace(call, scope=inner)
                targets = _sink_targets(facts, call)
        for op, target in targets:
            if through_calls:
                sites = sites or _Sites(facts)
                values = path_values(facts, target, call.scope, sites)
            else:
                path = facts.resolve(target, call.scope)
                values = [] if path is None else [(path, None)]
            for value, where in values:
                found = True
                yield FileOp(op, value, where or target, call)
        if through_calls and not found and (targets or _mode_unknown(facts, call)):
            sites = sites or _Sites(facts)
            yield from _bound_sinks(facts, call, sites)


_OPENS = {"open": 1, "io.open": 1, "builtins.open": 1, "codecs.open": 1, "os.open": 1}


def _mode_unknown(facts: PythonFacts, call: Call) -> bool:
    """An `open` whose mode (`os.open`'s flags) is given but not known here (a parameter,
    known at a call of its function)."""
    index = _OPENS.get(call.name)
    if index is None:
        return False
    node = call.arg(index, "flags" if call.name == "os.open" else "mode")
    return node is not None and isinstance(node, ast.Name) and \
        facts.resolve(node, call.scope) is None


def _bound_sinks(facts: PythonFacts, call: Call, sites: _Sites) -> Iterator[FileOp]:
    """A call in a function (or a lambda bound to a name) read at each call of it, its
    parameters bound to what that call gives (`open(p, m)` in `def opener(p, m)`, then
    `opener(ENV, "a")`): the op placed at the argument that gives its first parameter."""
    scope = call.scope
    if scope.function is None:
        return
    used = {n.id for n in ast.walk(call.node) if isinstance(n, ast.Name)}
    for bound, where in bound_scopes(facts, scope, used, sites=sites):
        here = replace(call, scope=bound)
        for op, target in _sink_targets(facts, here):
            for value, inner in path_values(facts, target, bound, sites):
                yield FileOp(op, value, inner or where, call)


_PARTIAL = frozenset({"functools.partial", "partial"})


def _partial(facts: PythonFacts, call: Call) -> Call:
    """`w()` where `w = functools.partial(open, ENV, "a")`: the call `open(ENV, "a")`."""
    assert isinstance(call.node.func, ast.Name)
    bound = call.scope.lookup(call.node.func.id)
    if not isinstance(bound, ast.Call) or facts.dotted(bound.func) not in _PARTIAL or \
            not bound.args or any(isinstance(a, ast.Starred) for a in bound.args):
        return call
    node = ast.Call(func=bound.args[0], args=[*bound.args[1:], *call.node.args],
                    keywords=[*bound.keywords, *call.node.keywords])
    ast.copy_location(node, call.node)
    name = facts.dotted(bound.args[0])
    return replace(call, name=name, node=node) if name else call


def call_scope(facts: PythonFacts, call: Call) -> Scope:
    """The scope a call is in: a lambda's bound to a name (`w = lambda p: ...`, its
    parameters its own, as a function `w`'s), else the parser's."""
    if call.scope.function is not None:
        return call.scope
    return _Sites(facts).lambda_scope(call) or call.scope


def valued_calls(facts: PythonFacts, call: Call, sites: _Sites | None = None
                 ) -> list[tuple[Call, ast.expr]]:
    """The call with one part of its arguments that does not resolve (a name, a
    subscript, `self.p`) given each value `path_values` says it may have (a constant at
    the part's place), with where that value is given: what a program run from Python
    (`subprocess.run(["sed", "-i", ..., p])` with `p` from a list iterated) may be given."""
    sites = sites or _Sites(facts)
    out: list[tuple[Call, ast.expr]] = []
    arguments = [*call.node.args, *(k.value for k in call.node.keywords)]
    for leaf in _parts(arguments):
        if facts.resolve(leaf, call.scope) is not None:
            continue
        for value, where in path_values(facts, leaf, call.scope, sites):
            if not value.exact:
                continue
            constant = ast.copy_location(ast.Constant(value.text), leaf)
            node = _with_part(call.node, leaf, constant)
            if isinstance(node, ast.Call):
                out.append((replace(call, node=node), where or leaf))
            if len(out) >= MAX_VALUES:
                return out
    return out


def _parts(nodes: list[ast.expr]) -> Iterator[ast.expr]:
    """The names, subscripts and `self.x` attributes of expressions (not inside one)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Name, ast.Subscript)) or (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self"):
            yield node
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.DictComp,
                             ast.SetComp)):
            continue
        stack.extend(reversed([c for c in ast.iter_child_nodes(node)
                               if isinstance(c, ast.expr)]))


def _with_part(node: ast.AST, part: ast.expr, value: ast.expr) -> ast.AST:
    """A copy of `node` with `part` (somewhere below it) replaced by `value`; the nodes
    off the way to it are shared, not copied."""
    if node is part:
        return value
    for name, child in ast.iter_fields(node):
        items = child if isinstance(child, list) else [child]
        for index, item in enumerate(items):
            if isinstance(item, ast.AST) and any(n is part for n in ast.walk(item)):
                copy = type(node)(**{f: getattr(node, f) for f in node._fields})
                ast.copy_location(copy, node)
                replaced = _with_part(item, part, value)
                if isinstance(child, list):
                    setattr(copy, name, [*child[:index], replaced, *child[index + 1:]])
                else:
                    setattr(copy, name, replaced)
                return copy
    return node


MAX_VALUES = 16  # values one path expression is read with, at most
MAX_VALUE_DEPTH = 8


def path_values(facts: PythonFacts, node: ast.expr, scope: Scope, sites: _Sites,
                depth: int = 0) -> list[tuple[Sym, ast.expr | None]]:
    """Every value a path expression may have, as far as this module tells: what the
    resolver makes of it, else each branch of `a if c else b` and `a or b`, each value a
    name is bound to in its scope (every assignment, an element of what a `for` loop
    iterates, its place in a tuple unpacked), a parameter at each call of its function
    (with the call's argument, where to report), an element of a list, tuple or dict
    literal subscripted (by a constant: that one), `self.p` as the class's methods set
    it, and a glob's matches as its pattern (`glob.glob("/etc/quantum/*.env")`,
    `Path(d).glob("*.env")`). A value it cannot know is left out."""
    direct = facts.resolve(node, scope)
    if direct is not None:
        return [(direct, None)]
    if depth >= MAX_VALUE_DEPTH:
        return []
    out: list[tuple[Sym, ast.expr | None]] = []
    if isinstance(node, ast.IfExp):
        for part in (node.body, node.orelse):
            out += path_values(facts, part, scope, sites, depth + 1)
    elif isinstance(node, ast.BoolOp):
        for part in node.values:
            out += path_values(facts, part, scope, sites, depth + 1)
    elif isinstance(node, ast.Name):
        for value, where, at in _name_values(facts, node.id, scope, sites, depth,
                                             getattr(node, "lineno", 0)):
            if isinstance(value, Sym):
                out.append((value, where))
            else:
                out += [(v, w or where) for v, w in
                        path_values(facts, value, at, sites, depth + 1)]
    elif isinstance(node, ast.Subscript):
        for element, at in _subscripted(facts, node, scope, sites, depth):
            out += path_values(facts, element, at, sites, depth + 1)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
            node.value.id == "self":
        for value, at in sites.attribute_values(scope, node.attr):
            out += path_values(facts, value, at, sites, depth + 1)
    elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and (
            facts.dotted(node.func) in (*PATH_TYPES, "str", "os.path.abspath",
                                         "os.path.realpath", "os.path.normpath")):
        out += path_values(facts, node.args[0], scope, sites, depth + 1)
    elif isinstance(node, ast.Call) and not node.keywords and len(node.args) > 1 and \
            facts.dotted(node.func) in ("os.path.join", "posixpath.join", *PATH_TYPES):
        out += _joined(facts, node.args, scope, sites, depth + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        out += _joined(facts, [node.left, node.right], scope, sites, depth + 1)
    unique: dict[str, tuple[Sym, ast.expr | None]] = {}
    for value, where in out:
        unique.setdefault(value.text, (value, where))  # each value once, where first read
    return list(unique.values())[:MAX_VALUES]


def _joined(facts: PythonFacts, parts: list[ast.expr], scope: Scope, sites: _Sites,
            depth: int) -> list[tuple[Sym, ast.expr | None]]:
    """`os.path.join(d, name)`, `Path(d) / name`: each value of the parts joined."""
    joined: list[tuple[Sym | None, ast.expr | None]] = [(None, None)]
    for part in parts:
        values = path_values(facts, part, scope, sites, depth)
        grown: list[tuple[Sym | None, ast.expr | None]] = []
        for base, where in joined:
            for value, given in values:
                both = value if base is None else join(base, value)
                if both is not None:
                    grown.append((both, where or given))
        joined = grown[:MAX_VALUES]
        if not joined:
            return []
    return [(value, where) for value, where in joined if value is not None]


# a value a name may hold: an expression (in the scope it is read in) or a value known
_Value = tuple[ast.expr | Sym, ast.expr | None, "Scope"]


def _name_values(facts: PythonFacts, name: str, scope: Scope, sites: _Sites,
                 depth: int, line: int = 0) -> list[_Value]:
    """What a name may hold where it is read (`line`): the bindings of its scope, the
    loop or the assignment nearest before the line first (the value a message shows)."""
    current: Scope | None = scope
    while current is not None and name not in current.assigned:
        current = current.parent
    if current is None:
        return []
    function = current.function
    if function is not None and name in _parameters(function):
        out: list[_Value] = []
        for bound, where in bound_scopes(facts, current, {name}, sites=sites):
            given = facts.resolve(ast.Name(name, ast.Load()), bound)
            if given is not None:
                out.append((given, where, bound))
        return out
    body = function.body if function is not None else facts.tree.body
    out = []
    bindings = list(_bindings(body, name))
    if line:
        def nearest(item: tuple[str, ast.expr, tuple[int, ...], ast.stmt]) -> tuple[int, int]:
            statement = item[3]
            start, end = statement.lineno, statement.end_lineno or statement.lineno
            inside = item[0] == "for" and start <= line <= end
            return (0 if inside else 1 if start <= line else 2, abs(line - start))
        bindings.sort(key=nearest)
        loops = [b for b in bindings if nearest(b)[0] == 0]
        if loops:  # read in a loop's body: the innermost loop's element (`for p in ...`)
            bindings = [max(loops, key=lambda b: b[3].lineno)]
    for kind, value, path, _ in bindings:
        if kind == "value":
            for element in _unpacked([value], path):
                out.append((element, None, current))
        else:  # a `for` loop's target: an element of what it iterates
            elements = _elements(facts, value, current, sites, depth + 1)
            for element in _unpacked([e for e in elements if isinstance(e, ast.expr)], path):
                out.append((element, None, current))
            if not path:
                out += [(e, None, current) for e in elements if isinstance(e, Sym)]
    return out


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = function.args
    names = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return {a.arg for a in names}


def _unpacked(values: list[ast.expr], path: tuple[int, ...]) -> list[ast.expr]:
    """The parts of literal tuples at a target's place (`a, (b, c) = ...`: b is (1, 0))."""
    for index in path:
        values = [v.elts[index] for v in values if isinstance(v, (ast.Tuple, ast.List))
                  and index < len(v.elts) and not any(isinstance(e, ast.Starred)
                                                      for e in v.elts)]
    return values


def _bindings(body: list[ast.stmt], name: str
              ) -> Iterator[tuple[str, ast.expr, tuple[int, ...], ast.stmt]]:
    """The statements of a scope (not its nested functions or classes) that bind a name:
    ("value", the value, its place in a tuple target) or ("for", what it iterates, its
    place in the loop's target)."""
    stack: list[ast.stmt] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                path = _place(target, name)
                if path is not None:
                    yield "value", node.value, path, node
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name) and node.target.id == name:
                yield "value", node.value, (), node
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            path = _place(node.target, name)
            if path is not None:
                yield "for", node.iter, path, node
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                stack.extend(reversed([b for b in block if isinstance(b, ast.stmt)]))
        for handler in getattr(node, "handlers", ()) or ():
            stack.extend(reversed(handler.body))


def _place(target: ast.expr, name: str) -> tuple[int, ...] | None:
    if isinstance(target, ast.Name):
        return () if target.id == name else None
    if isinstance(target, (ast.Tuple, ast.List)):
        for index, element in enumerate(target.elts):
            inner = _place(element, name)
            if inner is not None:
                return (index, *inner)
    return None


_GLOBS = frozenset({"glob.glob", "glob.iglob"})
_KEEPS_ELEMENTS = frozenset({"sorted", "list", "tuple", "set", "reversed", "frozenset"})


def _elements(facts: PythonFacts, node: ast.expr, scope: Scope, sites: _Sites,
              depth: int) -> list[ast.expr | Sym]:
    """What iterating an expression gives: the elements of a literal (a dict's keys), of a
    name bound to one, of `d.values()`/`d.keys()`/`d.items()`, of `sorted(x)`; a glob's
    matches as its pattern."""
    if depth >= MAX_VALUE_DEPTH:
        return []
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e for e in node.elts if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.Dict):
        return [k for k in node.keys if k is not None]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        # `PATHS[1:]`: the elements of the literal it slices (all, for bounds not known)
        bounds = [node.slice.lower, node.slice.upper, node.slice.step]
        known: list[int | None] = []
        exact = True
        for bound in bounds:
            if bound is None:
                known.append(None)
            elif isinstance(bound, ast.Constant) and isinstance(bound.value, int) and \
                    not isinstance(bound.value, bool):
                known.append(bound.value)
            else:
                exact = False
                known.append(None)
        sliced: list[ast.expr | Sym] = []
        for literal in _literals(facts, node.value, scope, sites, depth + 1):
            if isinstance(literal, (ast.List, ast.Tuple)) and \
                    not any(isinstance(e, ast.Starred) for e in literal.elts):
                elements = literal.elts
                sliced += elements[slice(*known)] if exact and known[2] != 0 else elements
        return sliced
    if isinstance(node, ast.Name):
        out: list[ast.expr | Sym] = []
        for value, _, at in _name_values(facts, node.id, scope, sites, depth + 1):
            if isinstance(value, ast.expr):
                out += _elements(facts, value, at, sites, depth + 1)
        return out[:MAX_VALUES]
    if not isinstance(node, ast.Call):
        return []
    name = facts.dotted(node.func)
    if name in ("os.listdir", "os.scandir") and node.args:
        return [Sym("*", exact=False)]  # the names in a folder: a glob standing for them
    if name in _GLOBS and node.args:
        patterns: list[ast.expr | Sym] = [
            v for v, _ in path_values(facts, node.args[0], scope, sites, depth + 1)]
        return patterns
    if name in _KEEPS_ELEMENTS and len(node.args) == 1:
        return _elements(facts, node.args[0], scope, sites, depth + 1)
    if isinstance(node.func, ast.Attribute) and not node.keywords:
        method, receiver = node.func.attr, node.func.value
        if method in ("glob", "rglob", "iglob") and len(node.args) == 1:
            matched = path_values(facts, node.args[0], scope, sites, depth + 1)
            globbed: list[ast.expr | Sym] = [
                joined for base, _ in path_values(facts, receiver, scope, sites, depth + 1)
                for pattern, _ in matched
                if (joined := join(base, pattern)) is not None]
            return globbed[:MAX_VALUES]
        if method in ("values", "keys", "items") and not node.args:
            out = []
            for mapping in _literals(facts, receiver, scope, sites, depth + 1):
                if not isinstance(mapping, ast.Dict):
                    continue
                pairs = [(k, v) for k, v in zip(mapping.keys, mapping.values, strict=True)
                         if k is not None]
                for key, value in pairs:
                    out.append(value if method == "values" else key if method == "keys"
                               else ast.Tuple([key, value], ast.Load()))
            return out
    return []


def _literals(facts: PythonFacts, node: ast.expr, scope: Scope, sites: _Sites,
              depth: int) -> list[ast.expr]:
    """The list, tuple, set or dict literals an expression may be (a name bound to one)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return [node]
    if isinstance(node, ast.Name) and depth < MAX_VALUE_DEPTH:
        return [literal for value, _, _ in _name_values(facts, node.id, scope, sites, depth)
                if isinstance(value, ast.expr)
                for literal in _literals(facts, value, scope, sites, depth + 1)]
    return []


def _subscripted(facts: PythonFacts, node: ast.Subscript, scope: Scope, sites: _Sites,
                 depth: int) -> list[tuple[ast.expr, Scope]]:
    """`PATHS["ai"]`, `PATHS[1]`: the element a constant key or index picks from a literal
    (any element, for a key not known)."""
    key = node.slice
    wanted = key.value if isinstance(key, ast.Constant) else None
    out: list[tuple[ast.expr, Scope]] = []
    for literal in _literals(facts, node.value, scope, sites, depth + 1):
        if isinstance(literal, ast.Dict):
            pairs = [(k, v) for k, v in zip(literal.keys, literal.values, strict=True)
                     if k is not None]
            chosen = [v for k, v in pairs if isinstance(k, ast.Constant) and k.value == wanted]
            out += [(v, scope) for v in (chosen if wanted is not None else
                                         [v for _, v in pairs])]
        elif isinstance(literal, (ast.List, ast.Tuple)):
            elements = literal.elts
            if any(isinstance(e, ast.Starred) for e in elements):
                continue
            if isinstance(wanted, int) and not isinstance(wanted, bool):
                if -len(elements) <= wanted < len(elements):
                    out.append((elements[wanted], scope))
            elif not isinstance(key, (ast.Constant, ast.Slice)):
                out += [(e, scope) for e in elements]
    return out


class _Sites:
    """The calls of a module by their last name, and the values already bound (each
    argument is read once however many paths lead to it); the classes of its methods, its
    functions' scopes and its lambdas bound to a name, found when first asked."""

    def __init__(self, facts: PythonFacts) -> None:
        self.facts = facts
        self.by_name: dict[str, list[Call]] = {}
        for call in facts.calls:
            self.by_name.setdefault(call.attr, []).append(call)
        self.memo: dict[tuple[int, frozenset[str]], list[tuple[Scope, ast.expr]]] = {}
        self._classes: dict[int, ast.ClassDef] | None = None
        self._lambdas: list[tuple[str, ast.Lambda]] | None = None
        self._scopes: dict[int, Scope] = {}

    def class_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.ClassDef | None:
        if self._classes is None:
            self._classes = {id(item): node for node in ast.walk(self.facts.tree)
                             if isinstance(node, ast.ClassDef) for item in node.body}
        return self._classes.get(id(function))

    def scope_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
        """A method's scope: the parser's (where a call in it shows it), else its
        parameters unknown (a default held) around the module's."""
        if not self._scopes:
            for call in self.facts.calls:
                if call.scope.function is not None:
                    self._scopes.setdefault(id(call.scope.function), call.scope)
        known = self._scopes.get(id(function))
        if known is not None:
            return known
        module = self.facts.module
        scope = type(module)(module, _parameter_values(function.args), function=function)
        self._scopes[id(function)] = scope
        return scope

    def lambda_scope(self, call: Call) -> Scope | None:
        """The scope of the lambda bound to a name (`w = lambda p: open(p, "a")`) that a
        call is in, as a function of that name."""
        if self._lambdas is None:
            self._lambdas = [(target.id, node.value) for node in ast.walk(self.facts.tree)
                             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
                             for target in node.targets if isinstance(target, ast.Name)]
        here = (call.node.lineno, call.node.col_offset)
        for name, node in self._lambdas:
            body = node.body
            start = (body.lineno, body.col_offset)
            end = (body.end_lineno or body.lineno, body.end_col_offset or 0)
            if start <= here < end:
                function = ast.FunctionDef(name=name, args=node.args, body=[],
                                           decorator_list=[])
                return type(call.scope)(call.scope, _parameter_values(node.args),
                                        function=function)
        return None

    def attribute_values(self, scope: Scope, attr: str) -> list[tuple[ast.expr, Scope]]:
        """`self.<attr> = value` in the methods of the class of the function of `scope`:
        each value, with its method's scope."""
        function = scope.function
        cls = self.class_of(function) if function is not None else None
        if cls is None:
            return []
        out: list[tuple[ast.expr, Scope]] = []
        for method in cls.body:
            if isinstance(method, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == attr for t in method.targets):
                out.append((method.value, self.facts.module))  # a class attribute
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(method):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and target.attr == attr and \
                                isinstance(target.value, ast.Name) and target.value.id == "self":
                            out.append((node.value, self.scope_of(method)))
        return out[:MAX_VALUES]


_NOT_KNOWN = (ast.Constant(None), ast.Constant(None))  # bound twice: never resolved


def _parameter_values(args: ast.arguments) -> dict[str, list[ast.expr]]:
    """A function's parameters as its scope binds them: each its default, or unknown."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    out: dict[str, list[ast.expr]] = {}
    for arg, default in [*zip(positional, defaults, strict=True),
                         *zip(args.kwonlyargs, args.kw_defaults, strict=True)]:
        out[arg.arg] = [default] if default is not None else list(_NOT_KNOWN)
    for rest in (args.vararg, args.kwarg):
        if rest is not None:
            out[rest.arg] = list(_NOT_KNOWN)
    return out


def _sink_targets(facts: PythonFacts, call: Call) -> list[tuple[str, ast.expr]]:
    """What a call writes or deletes: (op, the path's expression) for each path."""
    name = call.name
    sink = _SINKS.get(name)
    if sink is not None:
        op, index, keyword, holds = sink
        node = call.arg(index, keyword)
        if node is None or (holds is not None and not holds(facts, call)):
            return []
        paths = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
        return [(op, path) for path in paths]
    target = _target(facts, call)
    return [] if target is None else [target]


def _target(facts: PythonFacts, call: Call) -> tuple[str, ast.expr] | None:
    """`open` by its mode, `torch.save`-like savers and `Path` methods: (op, path)."""
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
            return None
        target = call.arg(0, "file") if name != ".open" else _receiver(call)
    elif name in _SAVE_SECOND:
        target = call.arg(1, "f") or call.arg(1, "filename")
    elif call.attr in _PATH_WRITE_METHODS and isinstance(call.node.func, ast.Attribute):
        target = _receiver(call)
    elif call.attr in ("unlink", "rmdir") and name not in _DELETE and \
            isinstance(call.node.func, ast.Attribute):
        target, op = _receiver(call), "delete"
    elif call.attr in ("symlink_to", "hardlink_to") and \
            isinstance(call.node.func, ast.Attribute):
        target = _receiver(call)  # the link is created at the receiver
    elif call.attr in ("rename", "replace") and name not in _WRITE_TWO \
            and not name.startswith("str") and call.arg(0, "target") is not None \
            and len(call.node.args) + len(call.node.keywords) == 1:  # not `s.replace(a, b)`
        target = call.arg(0, "target")
    elif call.attr in ("save", "save_model", "to_pickle", "dump_model") and \
            not name.startswith(("torch.", "joblib.", "pickle.")):
        target = call.arg(0, "path") or call.arg(0, "fname")
    return None if target is None else (op, target)


MAX_CALL_DEPTH = 3  # functions passing a parameter on to another, followed this deep
MAX_BINDINGS = 16  # values one parameter is read with, at most


def bound_values(facts: PythonFacts, node: ast.expr, scope: Scope, depth: int = 0,
                 sites: _Sites | None = None) -> list[tuple[Sym, ast.expr]]:
    """What an expression that uses its function's parameters evaluates to at each call of
    the function in this module (`def w(p): open(p)` then `w("/etc/x.env")`; `self.w(...)`
    for a method; a keyword argument; a parameter passed on through another function),
    each with the argument that gives it (the outermost call's). A parameter a call does
    not pass keeps its default, as the resolver reads it."""
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    out: list[tuple[Sym, ast.expr]] = []
    for bound, where in bound_scopes(facts, scope, used, depth, sites):
        value = facts.resolve(node, bound)
        if value is not None:
            out.append((value, where))
    return out


def bound_scopes(facts: PythonFacts, scope: Scope, used: set[str] | None = None,
                 depth: int = 0, sites: _Sites | None = None
                 ) -> list[tuple[Scope, ast.expr]]:
    """A function's scope as each call of it in this module binds its parameters (those
    in `used`, or all): the parameters a call gives a known string hold it; with the
    argument that gives the first of them (the outermost call's). Calls that bind none of
    them are left out."""
    function = scope.function
    if function is None or depth >= MAX_CALL_DEPTH:
        return []
    sites = sites or _Sites(facts)
    params = [*function.args.posonlyargs, *function.args.args]
    names = [a.arg for a in params] + [a.arg for a in function.args.kwonlyargs]
    method = bool(params) and params[0].arg in ("self", "cls")
    wanted = set(names[1:] if method else names)  # `self.path`: an attribute, not an argument
    if used is not None:
        wanted &= used
    if not wanted:
        return []
    key = (id(scope), frozenset(wanted))
    if key in sites.memo:
        return sites.memo[key]
    sites.memo[key] = []  # a cycle of calls binds nothing
    out: list[tuple[Scope, ast.expr]] = []
    # a method is called on any receiver (`self.w(...)`, `S().w(...)`); `__init__` by
    # its class's name (`S(ENV)`)
    cls = sites.class_of(function) if method and function.name == "__init__" else None
    called_as = cls.name if cls is not None else function.name
    for site in sites.by_name.get(called_as, ()):
        called = site.name.endswith("." + function.name) if method and cls is None else \
            site.name == called_as or site.name.endswith("." + called_as)
        if not called:
            continue
        values: dict[str, tuple[Sym, ast.expr]] = {}
        for name in sorted(wanted, key=names.index):
            index = names.index(name)
            given = site.arg(index - method, name) if index < len(params) else \
                site.kwarg(name)
            if given is None:
                continue  # its default
            value = facts.resolve(given, site.scope)
            if value is not None and value.exact:
                values[name] = (value, given)
                continue
            outer = bound_values(facts, given, site.scope, depth + 1, sites)
            if outer:
                values[name] = outer[0]  # the first caller's (one value per parameter)
        if values:
            assigned = dict(scope.assigned)
            for name, (value, _) in values.items():
                assigned[name] = [ast.Constant(value.text)]
            where = next(iter(values.values()))[1]
            out.append((type(scope)(scope.parent, assigned), where))  # a Scope, as the parser's
        if len(out) >= MAX_BINDINGS:
            break
    sites.memo[key] = out
    return out


def _receiver(call: Call) -> ast.expr | None:
    func = call.node.func
    return func.value if isinstance(func, ast.Attribute) else None
