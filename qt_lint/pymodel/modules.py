"""Module-level constants across the repository's modules: a name imported from another
module of the repository (`from ops.config import PYTHON`, `from .config import PYTHON`,
`import ops.config as cfg; cfg.PYTHON`, `from ops import config; config.REDIS_HOST`, a
re-export through an `__init__.py`) resolves to the value that module binds it to.

Modules are found as CPython's import system finds them with the repository root first on
`sys.path`: in each folder a package (`name/__init__.py`) before a module (`name.py`)
before a namespace package (a folder without `__init__.py`); relative imports from the
importing file's package. A name is a constant only when its module binds it exactly once,
by a statement at the module's top level (not inside `if`, `try`, a loop or a function),
and no function declares it `global`; a module with `from x import *` has none. Anything
else stays unknown, never guessed: a module outside the repository (the standard library's
names are never looked up in it: the interpreter's own module wins), one that cannot be
read or parsed, a name bound twice, a cycle. `from P import N` is the submodule `P.N` when
one exists and `P` does not bind `N`; both at once is ambiguous, hence unknown.

Each dependency is read and parsed at most once per run (per process), and only when a
rule asks for a value the importing file does not bind itself. Every path looked at is
recorded (`reads`), so that the result cache keys the importing file's findings by them."""

from __future__ import annotations

import ast
import os
import re
import sys
from functools import cached_property

from qt_lint import lazyre
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.parsers.python import PythonFacts

MAX_CHAIN = 40  # names followed across modules at once (a longer chain is unknown)
_IDENT = lazyre.compile(r"[A-Za-z_]\w*\Z")
_GLOBAL = lazyre.compile(r"(?:^|[;:])[ \t]*global[ \t]+([\w \t,\\]+)", re.M)
_NOT_HERE = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)


@record(frozen=True)
class ModuleRef:
    """A module object (`import ops.config as cfg`): its dotted name and file (None for a
    namespace package), whether it is a package, and its folder (packages)."""

    name: str
    path: str | None
    package: bool
    folder: str | None


@record(frozen=True)
class Bound:
    """The one expression a module binds a name to, in that module's facts."""

    facts: PythonFacts
    node: ast.expr
    name: str  # the name it is bound to there


Value = ModuleRef | Bound


@record
class Summary:
    """What a module binds at its top level: name -> the one statement (an assignment's
    value or an import alias) or None (bound otherwise or more than once)."""

    bindings: dict[str, tuple[ast.stmt, ast.expr | ast.alias] | None]
    star: bool


def summarise(tree: ast.Module, text: str) -> Summary:
    """`text`: the module's source (where `global` statements are looked for)."""
    bindings: dict[str, tuple[ast.stmt, ast.expr | ast.alias] | None] = {}
    star = False

    def bind(name: str, what: tuple[ast.stmt, ast.expr | ast.alias] | None) -> None:
        bindings[name] = what if name not in bindings else None

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            for target in stmt.targets:
                assert isinstance(target, ast.Name)
                bind(target.id, (stmt, stmt.value))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            bind(stmt.target.id, (stmt, stmt.value) if stmt.value is not None else None)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name == "*":
                    star = True
                    continue
                if isinstance(stmt, ast.Import) and alias.asname is None:
                    bind(alias.name.split(".")[0], (stmt, alias))
                else:
                    bind(alias.asname or alias.name, (stmt, alias))
        else:
            for name in bound_names(stmt):
                bindings[name] = None
    # `global N` in a function: N may be rebound by a call (found by the text: a `global`
    # in a string only makes a name unknown)
    for names in _GLOBAL.findall(text) if "global" in text else ():
        for name in names.replace("\\", " ").replace(",", " ").split():
            bindings[name] = None
    return Summary(bindings, star)


def bound_names(stmt: ast.stmt) -> set[str]:
    """Names a statement binds in the module's namespace (not in nested functions)."""
    out: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                out.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            out.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return out


class ModuleIndex:
    """The repository's modules, found and parsed at most once per run."""

    def __init__(self, root: str, max_size: int,
                 parse: Callable[[str], PythonFacts]) -> None:
        self.parse = parse  # a module's text -> its facts (`PythonFacts`)
        self.root = os.path.abspath(root)
        self.max_size = max_size
        self._found: dict[str, tuple[ModuleRef | None, tuple[str, ...]]] = {}
        self._facts: dict[str, PythonFacts | None] = {}
        self._summaries: dict[str, Summary | None] = {}
        self.reads: set[str] = set()  # paths looked at since `begin` (the cache keys by them)
        self._beside: dict[tuple[str, str], bool] = {}
        self.active: list[tuple[object, ...]] = []  # what is being followed (cycles end)
        self._value_text: ValueText | None = None

    @property
    def value_text(self) -> ValueText:
        if self._value_text is None:
            self._value_text = ValueText(self)
        return self._value_text

    def begin(self) -> None:
        self.reads = set()

    # --- finding modules ----------------------------------------------------------------------

    def find(self, name: str) -> ModuleRef | None:
        known = self._found.get(name)
        if known is None:
            probes: list[str] = []
            known = (self._find(name, probes), tuple(probes))
            self._found[name] = known
        self.reads.update(known[1])
        return known[0]

    def _find(self, name: str, probes: list[str]) -> ModuleRef | None:
        parts = name.split(".")
        if not all(_IDENT.match(p) for p in parts) or parts[0] in _NOT_HERE:
            return None
        folder = self.root
        found: ModuleRef | None = None
        for i, part in enumerate(parts):
            if found is not None and not found.package:
                return None  # a module has no submodules
            base = os.path.join(folder, part)
            init, source = os.path.join(base, "__init__.py"), base + ".py"
            dotted = ".".join(parts[:i + 1])
            probes.extend((init, source, base))
            if os.path.isfile(init):
                found = ModuleRef(dotted, init, True, base)
            elif os.path.isfile(source):
                found = ModuleRef(dotted, source, False, None)
            elif os.path.isdir(base):
                found = ModuleRef(dotted, None, True, base)
            else:
                return None
            folder = base
        return found

    def beside(self, folder: str, name: str) -> bool:
        """`folder` holds a module or package `name` (looked for once per run)."""
        key = (folder, name)
        known = self._beside.get(key)
        if known is None:
            base = os.path.join(folder, name)
            self.reads.update((base + ".py", base))
            known = self._beside[key] = os.path.isfile(base + ".py") or os.path.isdir(base)
        else:
            base = os.path.join(folder, name)
            self.reads.update((base + ".py", base))
        return known

    def submodule(self, package: ModuleRef, name: str) -> ModuleRef | None:
        if not package.package or not _IDENT.match(name):
            return None
        return self.find(f"{package.name}.{name}")

    def module_of(self, abspath: str) -> tuple[str | None, str | None]:
        """The dotted name of the file at `abspath` and its package (`__package__`), when
        it lies below the root in folders that are valid module names."""
        path = abspath if os.path.isabs(abspath) else os.path.abspath(abspath)
        prefix = self.root.rstrip("/") + "/"
        if not path.startswith(prefix):
            path = os.path.normpath(path)
            if not path.startswith(prefix):
                return None, None
        parts = path[len(prefix):].split("/")
        last = parts[-1]
        if not last.endswith(".py"):
            return None, None
        parts[-1] = last[:-3]
        if not all(_IDENT.match(p) for p in parts):
            return None, None
        if parts[-1] == "__init__":
            parts.pop()
            name = ".".join(parts)
            return (name or None), (name or None)
        return ".".join(parts), ".".join(parts[:-1]) or None

    # --- parsing ------------------------------------------------------------------------------

    def facts(self, path: str) -> PythonFacts | None:
        if path in self._facts:
            self.reads.add(path)
            return self._facts[path]
        self.reads.add(path)
        from pathlib import Path

        from qt_lint.parsers import ParseError
        from qt_lint.source import Unreadable, link_outside, read_text

        facts: PythonFacts | None = None
        try:
            if not link_outside(path, self.root):
                text = read_text(Path(path), self.max_size).text
                facts = self.parse(text)
                facts.links = Links(self, path, facts)
        except (Unreadable, ParseError, RecursionError, ValueError, MemoryError):
            facts = None
        self._facts[path] = facts
        return facts

    def summary(self, facts: PythonFacts) -> Summary | None:
        cached = facts.__dict__.get("_module_summary")
        if cached is None:
            try:
                cached = summarise(facts.tree, facts.text)
            except RecursionError:
                return None
            facts.__dict__["_module_summary"] = cached
        return cached

    # --- values -------------------------------------------------------------------------------

    def name_in(self, module: ModuleRef, name: str) -> Value | None:
        """What `module.name` is: the module's one binding of it, or its submodule."""
        sub = self.submodule(module, name)
        if sub is None and module.path is not None and \
                not self.value_text.may_bind(module.path, name):
            return None  # not assigned or imported at the top level: not parsed to know it
        facts = self.facts(module.path) if module.path is not None else None
        summary = self.summary(facts) if facts is not None else None
        binds = summary is not None and name in summary.bindings
        if sub is not None:
            # a submodule, unless the package binds the name to something else too (which
            # wins depends on the order things are imported in: unknown)
            if summary is not None and summary.star:
                return None
            if binds and facts is not None and facts.links is not None:
                return sub if facts.links.binding(name) == sub else None
            return sub
        if facts is None or facts.links is None or not binds:
            return None
        return facts.links.binding(name)


class Links:
    """One module's view of the others: what the names its imports bind are."""

    def __init__(self, index: ModuleIndex, abspath: str, facts: PythonFacts) -> None:
        import weakref

        self.index = index
        # the facts hold their links: a strong reference back would make every file's tree
        # a cycle, freed only when the collector runs (each file's tree kept for a while)
        self._facts = weakref.ref(facts)
        self.abspath = abspath

    @property
    def facts(self) -> PythonFacts:
        facts = self._facts()
        assert facts is not None, "links outlived their module's facts"
        return facts

    @cached_property
    def _where(self) -> tuple[str | None, str | None, bool]:
        name, package = self.index.module_of(self.abspath)
        # a file outside the root imports nothing from it
        return name, package, _inside(self.abspath, self.index.root)

    @property
    def name(self) -> str | None:
        return self._where[0]

    @property
    def package(self) -> str | None:
        return self._where[1]

    @property
    def inside(self) -> bool:
        return self._where[2]

    def binding(self, name: str) -> Value | None:
        """What a name this module binds once at its top level is."""
        summary = self.index.summary(self.facts)
        if summary is None or summary.star:
            return None
        what = summary.bindings.get(name)
        if what is None:
            return None
        stmt, node = what
        if isinstance(node, ast.expr):
            return Bound(self.facts, node, name)
        if isinstance(stmt, ast.Import):
            if node.asname is None:
                return self._top(node.name.split(".")[0])
            return self._top(node.name)
        assert isinstance(stmt, ast.ImportFrom)
        base = self._from_module(stmt)
        if base is not None and base.name == self.name:
            # `from . import sub` in a package's `__init__.py`: its submodule
            return self.index.submodule(base, node.name)
        return self.attribute(base, node.name) if base is not None else None

    def imported(self, name: str) -> Value | None:
        """What a name this module binds by one import at its top level is (None: bound
        otherwise, or not resolved)."""
        summary = self.index.summary(self.facts) if self.inside else None
        what = summary.bindings.get(name) if summary is not None else None
        if what is None or isinstance(what[1], ast.expr):
            return None
        return self.binding(name)

    def attribute(self, value: Value | None, attr: str) -> Value | None:
        """`value.attr` for a module: its binding of `attr`, or its submodule."""
        if not isinstance(value, ModuleRef):
            return None
        if not self.enter(("attr", value.name, attr)):
            return None  # a cycle
        try:
            return self.index.name_in(value, attr)
        finally:
            self.leave()

    def _top(self, name: str) -> ModuleRef | None:
        """An absolute import: from the root, unless the importing file's own folder has a
        module of that first name (run as a script, its folder comes first on `sys.path`:
        which one is imported depends on how it is run, hence unknown)."""
        folder = os.path.dirname(self.abspath)
        if os.path.normpath(folder) != self.index.root and \
                self.index.beside(folder, name.split(".", maxsplit=1)[0]):
            return None
        return self.index.find(name)

    def _from_module(self, stmt: ast.ImportFrom) -> ModuleRef | None:
        if stmt.level == 0:
            return self._top(stmt.module) if stmt.module else None
        if self.package is None:
            return None
        parts = self.package.split(".")
        if stmt.level - 1 >= len(parts):
            return None
        base = ".".join(parts[:len(parts) - (stmt.level - 1)])
        return self.index.find(f"{base}.{stmt.module}" if stmt.module else base)

    def enter(self, key: tuple[object, ...]) -> bool:
        active = self.index.active
        if key in active or len(active) > MAX_CHAIN:
            return False
        active.append(key)
        return True

    def leave(self) -> None:
        self.index.active.pop()


# --- the prefilter's view: the text of imported values, without parsing ------------------

_AFTER_NAME = lazyre.compile(r"[ \t]*(?::[^=\n]*)?=(?!=)")
_WORD = lazyre.compile(r"[A-Za-z_]\w*")
_CHAIN = lazyre.compile(r"(?:\.[A-Za-z_]\w*)+")
_TOP_LEVEL = lazyre.compile(r"\n(?=[^\s)\]}])")
MAX_VALUE_TEXT = 64 * 1024  # more imported text than this is not gathered for a prefilter


_FROM_AT = lazyre.compile(r"from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")
_IMPORT_AT = lazyre.compile(r"import[ \t]+([^\n#;]+)")
_HEADS = lazyre.compile(r"^([A-Za-z_]\w*)", re.M)
_NOT_NAMES = frozenset({"Path", "os", "str", "True", "False", "None"})


def _line_starts(text: str, word: str) -> list[int]:
    """Where lines starting with `word` begin."""
    out = [0] if text.startswith(word) else []
    needle = "\n" + word
    at = text.find(needle)
    while at != -1:
        out.append(at + 1)
        at = text.find(needle, at + len(needle))
    return out


def _imports(text: str) -> dict[str, tuple[int, str, str | None]]:
    """The names the top-level import statements of a text bind: name -> (dots, module,
    the name imported, None for a module)."""
    imports: dict[str, tuple[int, str, str | None]] = {}
    for at in _line_starts(text, "from "):
        match = _FROM_AT.match(text, at)
        if match is None:
            continue
        dots, module, names = len(match.group(1)), match.group(2), match.group(3)
        for item in names.strip("()").split(","):
            words = item.split("#")[0].split()
            if words and words[0] != "*":
                alias = words[2] if len(words) == 3 and words[1] == "as" else words[0]
                imports[alias] = (dots, module, words[0])
    for at in _line_starts(text, "import "):
        match = _IMPORT_AT.match(text, at)
        if match is None:
            continue
        for item in match.group(1).split(","):
            words = item.split()
            if len(words) == 3 and words[1] == "as":
                imports[words[2]] = (0, words[0], None)
            elif words:
                imports[words[0].split(".")[0]] = (0, words[0].split(".")[0], None)
    return imports


def _statements(text: str, name: str) -> list[str]:
    """The top-level statements that assign `name` (`NAME = ...`, `NAME: T = ...`), by
    their text: from the line that starts with the name to the next top-level line."""
    out: list[str] = []
    needle = "\n" + name
    at = 0 if text.startswith(name) else text.find(needle)
    while at != -1:
        begin = at if at == 0 and text.startswith(name) else at + 1
        after = begin + len(name)
        if _AFTER_NAME.match(text, after):
            stop = _TOP_LEVEL.search(text, after)
            out.append(text[begin:stop.start() if stop else len(text)])
        at = text.find(needle, after)
    return out


def _attributes(text: str, alias: str) -> set[str]:
    """The attribute chains used on a name (`cfg.PYTHON`, `ops.config.HOST`)."""
    out: set[str] = set()
    needle = alias + "."
    at = text.find(needle)
    while at != -1:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_."):
            chain = _CHAIN.match(text, at + len(alias))
            if chain:
                out.add(chain.group(0)[1:])
        at = text.find(needle, at + len(needle))
    return out


@record
class _Text:
    """A dependency module's text as the prefilters see it: the text, its top-level imports
    (bound name -> relative level, module, imported name) and the names its top-level lines
    start with."""

    text: str
    imports: dict[str, tuple[int, str, str | None]]
    _heads: set[str] | None = None

    @property
    def heads(self) -> set[str]:
        """The names top-level lines start with (found when a value names another)."""
        if self._heads is None:
            self._heads = set(_HEADS.findall(self.text))
        return self._heads


class ValueText:
    """The text of the values a file imports from the repository's modules, for the
    prefilters: a rule that looks for `python` must see `PYTHON = "python3"` of the module
    `from ops.config import PYTHON` reads. A superset found by the text alone (the
    statements binding the names, and what they name in turn), so that no file is parsed
    for it; the values themselves are resolved when a rule asks (`Links`)."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self._texts: dict[str, _Text | None] = {}
        self._values: dict[tuple[str, str], tuple[str, ...]] = {}

    def _module_text(self, path: str | None) -> _Text | None:
        if path is None:
            return None
        if path not in self._texts:
            from pathlib import Path

            from qt_lint.source import Unreadable, link_outside, read_text

            try:
                text = None if link_outside(path, self.index.root) else \
                    read_text(Path(path), self.index.max_size).text
            except Unreadable:
                text = None
            self._texts[path] = None if text is None else \
                _Text(text, _imports(text))
        self.index.reads.add(path)
        return self._texts[path]

    def may_bind(self, path: str, name: str) -> bool:
        """The module's text may bind `name` by an assignment or an import at its top level
        (False: it does not; a function, a class or nothing at all)."""
        scanned = self._module_text(path)
        if scanned is None:
            return True  # the parse says why it cannot tell
        return name in scanned.imports or bool(_statements(scanned.text, name))

    def of(self, abspath: str, text: str) -> str:
        """The text of what the file at `abspath` imports from the repository ("": none)."""
        if "import" not in text:
            return ""
        name, package = self.index.module_of(abspath)
        if name is None and not _inside(abspath, self.index.root):
            return ""
        out: list[str] = []
        seen: set[tuple[str, str]] = set()
        for alias, (dots, module, original) in _imports(text).items():
            base = _absolute(dots, module, package)
            ref = self.index.find(base) if base is not None else None
            if ref is None:
                continue
            if original is None:  # `import a.b as m`, `import a.b`: the attributes used
                for chain in _attributes(text, alias):
                    self._chain(ref, chain.split("."), out, seen)
            else:
                self._name(ref, original, out, seen)
                sub = self.index.submodule(ref, original)
                if sub is not None:
                    for chain in _attributes(text, alias):
                        self._chain(sub, chain.split("."), out, seen)
            if sum(map(len, out)) > MAX_VALUE_TEXT:
                break
        return "\n".join(out)

    def _chain(self, ref: ModuleRef, attrs: list[str], out: list[str],
               seen: set[tuple[str, str]]) -> None:
        for i, attr in enumerate(attrs):
            sub = self.index.submodule(ref, attr) if i < len(attrs) - 1 else None
            if sub is None:
                self._name(ref, attr, out, seen)
                return
            ref = sub

    def _name(self, ref: ModuleRef, name: str, out: list[str],
              seen: set[tuple[str, str]]) -> None:
        key = (ref.name, name)
        if key in seen:
            return
        seen.add(key)
        out.extend(self._value(ref, name))

    def _value(self, ref: ModuleRef, name: str) -> tuple[str, ...]:
        """The statements `ref.name` is bound by, and those of the names they use in
        turn (once per run; a cycle ends with what was found before it)."""
        key = (ref.name, name)
        known = self._values.get(key)
        if known is not None:
            if ref.path is not None:
                self.index.reads.add(ref.path)
            return known
        self._values[key] = ()  # in progress: a cycle ends here
        scanned = self._module_text(ref.path)
        out: list[str] = []
        if scanned is not None:
            for statement in _statements(scanned.text, name):
                out.append(statement)
                words = set(_WORD.findall(statement.split("=", 1)[-1])) - _NOT_NAMES
                for word in words:  # the names the value is built of
                    if word != name and (word in scanned.imports or word in scanned.heads):
                        out.extend(self._value(ref, word))
            source = scanned.imports.get(name)
            if source is not None:
                dots, module, original = source
                package = ref.name if ref.package else ref.name.rpartition(".")[0] or None
                base = _absolute(dots, module, package)
                other = self.index.find(base) if base is not None else None
                if other is not None and original is not None:
                    out.extend(self._value(other, original))
                    sub = self.index.submodule(other, original)
                    if sub is not None:
                        out.extend(self._value(sub, name))
        value = tuple(out[:200])
        self._values[key] = value
        return value


def _inside(path: str, root: str) -> bool:
    path = os.path.normpath(os.path.abspath(path))
    return path == root or path.startswith(root.rstrip("/") + "/")


def _absolute(dots: int, module: str, package: str | None) -> str | None:
    if not dots:
        return module or None
    if package is None:
        return None
    parts = package.split(".")
    if dots - 1 >= len(parts):
        return None
    base = ".".join(parts[:len(parts) - (dots - 1)])
    return f"{base}.{module}" if module else base
