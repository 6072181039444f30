"""What calls mean, for the rules: logging and message calls, file writes and deletes."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, PythonFacts, Scope
    from qt_lint.pymodel.resolver import Sym

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
    its mode, `Path` methods). `through_calls`: a path that is a function's parameter
    (`def w(p): open(p, "a")`) is also read from each call of the function (`w(ENV)`),
    the op then placed at the argument that gives it."""
    sites: _Sites | None = None
    for call in facts.calls:
        for op, target in _sink_targets(facts, call):
            path = facts.resolve(target, call.scope)
            if path is not None:
                yield FileOp(op, path, target, call)
            elif through_calls and call.scope.function is not None:
                sites = sites or _Sites(facts)
                for bound, where in bound_values(facts, target, call.scope, sites=sites):
                    yield FileOp(op, bound, where, call)


class _Sites:
    """The calls of a module by their last name, and the values already bound (each
    argument is read once however many paths lead to it)."""

    def __init__(self, facts: PythonFacts) -> None:
        self.by_name: dict[str, list[Call]] = {}
        for call in facts.calls:
            self.by_name.setdefault(call.attr, []).append(call)
        self.memo: dict[tuple[int, frozenset[str]], list[tuple[Scope, ast.expr]]] = {}


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
    # a method is called on any receiver (`self.w(...)`, `S().w(...)`)
    for site in sites.by_name.get(function.name, ()):
        called = site.name.endswith("." + function.name) if method else \
            site.name == function.name
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
