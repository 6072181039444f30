"""Layering: no import cycle among qt_lint's modules, counting imports placed inside
functions (they hide a cycle from the interpreter, not from a reader); type-only imports
under `if TYPE_CHECKING:` do not run and are not counted. No rule module imports another:
what rules of a family share lives in that family's `helpers.py`."""

from __future__ import annotations

import ast
from pathlib import Path

from qt_lint.project import cycles
from tests.conftest import ROOT

PACKAGE = ROOT / "qt_lint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def import_graph() -> dict[str, set[str]]:
    """module -> the qt_lint modules it imports at run time (anywhere in the module)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(module, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                           for a in node.names]
            edges.update(t for t in targets if t in MODULES and t != module)
        graph[module] = edges
    return graph


def test_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"], ["e"]]


def test_cycle_finder_survives_a_long_chain() -> None:
    """A pull request with 5,000 units each ordered after the next, closing a loop."""
    graph = {f"u{i}": {f"u{i + 1}"} for i in range(5000)}
    graph["u5000"] = {"u0"}
    assert [len(c) for c in cycles(graph)] == [5001]


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def _is_rule_module(module: str) -> bool:
    parts = module.split(".")
    return (len(parts) == 4 and parts[:2] == ["qt_lint", "rules"]
            and parts[3].startswith("qt") and parts[3][2:5].isdigit())


def test_no_rule_module_imports_another() -> None:
    graph = import_graph()
    offenders = sorted(f"{m} -> {t}" for m, targets in graph.items() if _is_rule_module(m)
                       for t in targets if _is_rule_module(t))
    assert offenders == []


def test_rule_families_share_through_helpers_only() -> None:
    """A module in a rule family that is not a rule is that family's `helpers.py`."""
    strays = sorted(m for m in MODULES
                    if m.startswith("qt_lint.rules.") and m.count(".") == 3
                    and not _is_rule_module(m) and not m.endswith(".helpers"))
    assert strays == []


def test_no_private_name_crosses_modules() -> None:
    """`from qt_lint.x import _name` in another module means the name is not private."""
    offenders = []
    for module, path in MODULES.items():
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and _resolve(module, node).startswith("qt_lint"):
                offenders += [f"{module}: {_resolve(module, node)}.{a.name}" for a in node.names
                              if a.name.startswith("_") and a.name != "__version__"]
    assert offenders == []


# The modules that handle every kind alike: what differs between kinds is asked of
# `qt_lint.kinds` (one module per kind family), never switched on here.
KIND_FREE = ("qt_lint.api", "qt_lint.cache", "qt_lint.classify", "qt_lint.context",
             "qt_lint.engine", "qt_lint.project", "qt_lint.runner", "qt_lint.suppress")


def _kind_members(tree: ast.AST) -> list[int]:
    """Lines naming a member of `Kind` (`Kind.UNIT`): a branch on a kind, or a list of them."""
    from qt_lint.finding import Kind

    members = {k.name for k in Kind}
    return sorted(node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in members
            and isinstance(node.value, ast.Name) and node.value.id == "Kind")


def test_kind_member_finder_finds_a_planted_branch() -> None:
    tree = ast.parse("def f(kind):\n    if kind is Kind.UNIT:\n        return 1\n"
                     "S = {Kind.ENV}\nK = kinds.of(kind)\n")
    assert _kind_members(tree) == [2, 4]


def test_core_modules_do_not_switch_on_kinds() -> None:
    offenders = [f"{module}:{line}" for module in KIND_FREE
                 for line in _kind_members(ast.parse(MODULES[module].read_text("utf-8")))]
    assert offenders == []


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_kinds_sit_below_the_project() -> None:
    """A kind reaches the project, the engine and the file's context only through its
    arguments: importing them would close a cycle through the project's cross-file facts."""
    graph = import_graph()
    kinds = [m for m in MODULES if m == "qt_lint.kinds" or m.startswith("qt_lint.kinds.")]
    assert len(kinds) >= 7
    above = {"qt_lint.project", "qt_lint.context", "qt_lint.engine", "qt_lint.classify",
             "qt_lint.api", "qt_lint.runby", "qt_lint.discover"}
    offenders = sorted(f"{k} -> {m}" for k in kinds for m in _reachable(graph, k) & above)
    assert offenders == []
    # and the project does build on them
    assert "qt_lint.kinds" in graph["qt_lint.project"]


def test_host_audit_does_not_import_the_check_command() -> None:
    """`qt-lint host` shares exit codes (`exitcodes`) and configuration loading (`settings`)
    with `qt-lint check`, not the check command's runner."""
    graph = import_graph()
    host = [m for m in MODULES if m == "qt_lint.host" or m.startswith("qt_lint.host.")]
    assert sorted(m for m in host if "qt_lint.runner" in graph[m]) == []
    assert "qt_lint.exitcodes" in graph["qt_lint.host.run"]
    assert "qt_lint.exitcodes" in graph["qt_lint.runner"]


def test_run_check_reads_as_its_stages() -> None:
    """`run_check` calls its stages and branches only on which outcome the options ask for
    (it was 160 lines of complexity 70)."""
    tree = ast.parse(MODULES["qt_lint.runner"].read_text("utf-8"))
    run_check = next(n for n in tree.body
                     if isinstance(n, ast.FunctionDef) and n.name == "run_check")
    branches = sum(isinstance(n, (ast.If, ast.IfExp, ast.For, ast.While, ast.Try, ast.BoolOp))
                   for n in ast.walk(run_check))
    assert branches <= 10
    assert (run_check.end_lineno or 0) - run_check.lineno < 40


def test_rules_reach_the_parsers_through_the_context() -> None:
    """Rules get each parse from `FileContext` (and what a Python parse means from
    `qt_lint.pymodel`); a parser module they name for types only, under `TYPE_CHECKING`
    (`registry.py`: importing a rule imports no parser)."""
    graph = import_graph()
    offenders = sorted(f"{m} -> {t}" for m in graph if m.startswith("qt_lint.rules.")
                       for t in graph[m] if t == "qt_lint.parsers"
                       or t.startswith("qt_lint.parsers."))
    assert offenders == []
    assert "qt_lint.pymodel.resolver" in graph["qt_lint.parsers.python"]


def test_parser_import_finder_sees_a_deferred_import() -> None:
    """An import inside a function counts; one under `if TYPE_CHECKING:` does not."""
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from qt_lint.parsers.systemd import Unit\n"
                     "def f():\n    from qt_lint.parsers.systemd import EXEC_KEYS\n")
    assert [n.module for n in _runtime_imports(tree) if isinstance(n, ast.ImportFrom)] == [
        "typing", "qt_lint.parsers.systemd"]
