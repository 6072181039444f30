"""The resolver: what string a Python expression evaluates to, as far as one module tells
(see `qt_lint.parsers.python` for what is resolved and what is left unknown)."""

from __future__ import annotations

import ast

from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Scope
    from qt_lint.pymodel.modules import Bound, Links, ModuleRef

DYNAMIC = "{...}"
# How the resolver writes a path beside the file being analysed
# (`Path(__file__).parent / "logs"` -> `$REPO_ROOT/{...}/logs`): inside the repository,
# somewhere (`{...}`) below its root.
BESIDE_THIS_FILE = "$REPO_ROOT/{...}/"
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                         "pathlib.PurePosixPath", "Path", "PurePath", "PosixPath"})
ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
MAX_DEPTH = 12
# what a name bound by an import statement is bound to in its scope (its value is in
# another module: `Resolver.foreign`)
IMPORTED = ast.Constant(None)


@record(frozen=True)
class Sym:
    """A resolved string: `exact` when no part is unknown. Unknown parts read `{...}`,
    environment lookups `$NAME`."""

    text: str
    exact: bool = True


# `__file__`: a file of the repository (which one is not needed to know that a path next to
# it is inside the repository); `.parent` never climbs above the repository root
THIS_FILE = Sym(BESIDE_THIS_FILE + "__file__", exact=False)
_ROOT_OF_FILE = "$REPO_ROOT"


def parent_of(value: Sym | None) -> Sym | None:
    if value is None:
        return None
    text = value.text.rstrip("/")
    if text == _ROOT_OF_FILE and not value.exact:
        return value
    head, sep, _ = text.rpartition("/")
    if not sep:
        return Sym(".", value.exact)
    return Sym(head or "/", value.exact)


def _bound_here(scope: Scope, name: str) -> bool:
    """The name is bound in this module (in the scope or one around it), by anything but
    an import."""
    current: Scope | None = scope
    while current is not None:
        values = current.assigned.get(name)
        if values is not None:
            # an import at the module's top level is followed; one in a function is not
            return values != [IMPORTED] or current.parent is not None
        current = current.parent
    return False


def join(left: Sym | None, right: Sym | None) -> Sym | None:
    if left is None or right is None:
        return None
    if right.text.startswith("/"):
        return right
    text = left.text.rstrip("/") + "/" + right.text if left.text else right.text
    return Sym(text, left.exact and right.exact)


def join_all(parts: list[Sym | None]) -> Sym | None:
    if not parts or parts[0] is None:
        return None
    out: Sym | None = parts[0]
    for part in parts[1:]:
        out = join(out, part)
    return out


class Resolver:
    """Names and values of one module: import aliases followed, names bound once looked up
    in their scope. The facts of a parsed file (`PythonFacts`) are one."""

    aliases: dict[str, str]
    module: Scope
    links: Links | None = None  # the other modules of the repository (None: this one alone)

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
                return join(left, right)
            return None
        if isinstance(node, ast.Name):
            bound = scope.lookup(node.id)
            if bound is None and node.id == "__file__":
                return THIS_FILE
            if bound is None or bound is IMPORTED:
                return self._resolve_foreign(self.foreign(node, scope))
            return self.resolve(bound, scope, depth + 1)
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":  # `Path(__file__).parent`
                return parent_of(self.resolve(node.value, scope, depth + 1))
            return self._resolve_foreign(self.foreign(node, scope))
        if isinstance(node, ast.Subscript):
            if self.dotted(node.value) == "os.environ":
                key = self.resolve(node.slice, scope, depth + 1)
                return Sym(f"${key.text}", False) if key and key.exact else None
            base = node.value
            if isinstance(base, ast.Attribute) and base.attr == "parents" and \
                    isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                ancestor = self.resolve(base.value, scope, depth + 1)
                for _ in range(min(node.slice.value, MAX_DEPTH) + 1):
                    ancestor = parent_of(ancestor)
                return ancestor
            return None
        if isinstance(node, ast.Call):
            return self._resolve_call(node, scope, depth)
        return None

    def foreign(self, node: ast.expr, scope: Scope | None = None) -> Bound | ModuleRef | None:
        """What a name (or `module.NAME` attribute) bound by an import of another module
        of the repository is: the one expression that module binds it to, or a module
        (None: bound here, not imported, or not resolved; see `qt_lint.pymodel.modules`)."""
        links = self.links
        if links is None:
            return None
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or _bound_here(scope or self.module, node.id):
            return None
        value = links.imported(node.id)
        for attr in reversed(attrs):
            value = links.attribute(value, attr)
        return value

    def _resolve_foreign(self, value: Bound | ModuleRef | None) -> Sym | None:
        from qt_lint.pymodel.modules import Bound

        if not isinstance(value, Bound) or self.links is None:
            return None
        if not self.links.enter(("value", id(value.node))):
            return None  # a cycle between modules
        try:
            return value.facts.resolve(value.node, value.facts.module)
        finally:
            self.links.leave()

    def _resolve_call(self, node: ast.Call, scope: Scope, depth: int) -> Sym | None:
        name = self.dotted(node.func)
        args = node.args
        if name in ENV_GETTERS and args:
            key = self.resolve(args[0], scope, depth + 1)
            return Sym(f"${key.text}", False) if key and key.exact else None
        if name in PATH_TYPES or name.endswith((".Path", ".PurePath")) or name == "str":
            if not args:
                return Sym(".") if name != "str" else None
            return join_all([self.resolve(a, scope, depth + 1) for a in args])
        if name in ("os.path.join", "posixpath.join"):
            return join_all([self.resolve(a, scope, depth + 1) for a in args])
        if name in ("os.path.expanduser", "os.path.abspath", "os.path.normpath",
                    "os.path.realpath") and args:
            return self.resolve(args[0], scope, depth + 1)
        if name == "os.path.dirname" and args:
            return parent_of(self.resolve(args[0], scope, depth + 1))
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = node.func.value
            if method == "joinpath":
                base = self.resolve(receiver, scope, depth + 1)
                return join_all([base, *[self.resolve(a, scope, depth + 1) for a in args]])
            if method in ("resolve", "absolute", "expanduser", "as_posix", "__fspath__"):
                return self.resolve(receiver, scope, depth + 1)
            if method == "home" and self.dotted(receiver) in PATH_TYPES:
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

    def scalar(self, node: ast.expr, scope: Scope | None = None) -> str | None:
        """A setting's value as text: strings resolved, `True`/`False` as `true`/`false`,
        numbers as written."""
        node = self.origin(node, scope)
        if isinstance(node, (ast.Name, ast.Attribute)) and self.links is not None:
            from qt_lint.pymodel.modules import Bound

            other = self.foreign(node, scope)
            if isinstance(other, Bound) and self.links.enter(("scalar", id(other.node))):
                try:
                    return other.facts.scalar(other.node, other.facts.module)
                finally:
                    self.links.leave()
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
