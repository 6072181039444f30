"""`qt_lint.lazyre`: module-level patterns compiled on first use, behaving as `re`'s."""

from __future__ import annotations

import ast
import copy
import pickle
import re
from pathlib import Path

import pytest

from qt_lint import lazyre

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["", "abc", "a1 b22 c333", "KEY=1\nkey=2\n", "x" * 50, "é ü 中", "\n\n"]
SOURCES = [(r"\w+", 0), (r"(?P<k>[a-z]+)=(\d)", re.I), (r"^k", re.M), (r"\d+", 0),
           (r"(\s)", 0), (r"x{3}", 0)]


@pytest.mark.parametrize(("source", "flags"), SOURCES)
def test_a_lazy_pattern_answers_as_the_compiled_one(source: str, flags: int) -> None:
    lazy, real = lazyre.compile(source, flags), re.compile(source, flags)
    assert lazy.pattern == real.pattern
    for text in TEXTS:
        for name in ("search", "match", "fullmatch"):
            for args in ((text,), (text, 1), (text, 1, 3)):
                got, want = getattr(lazy, name)(*args), getattr(real, name)(*args)
                assert (got and got.span(), got and got.groups()) == \
                    (want and want.span(), want and want.groups())
        assert lazy.findall(text) == real.findall(text)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
        assert lazy.sub("-", text) == real.sub("-", text)
        assert lazy.subn("-", text, 1) == real.subn("-", text, 1)
        assert lazy.split(text) == real.split(text)
    assert (lazy.flags, lazy.groups, dict(lazy.groupindex)) == \
        (real.flags, real.groups, dict(real.groupindex))
    assert repr(lazy) == repr(real)
    assert lazyre.compiled(lazy) is real  # re's own cache: the same object
    assert lazyre.compiled(real) is real


def test_it_compiles_once_and_only_when_used() -> None:
    source = r"lazy-(only)-" + "when-used"  # a source no other test compiles
    lazy = lazyre.compile(source)
    assert lazy.pattern == source and lazy._compiled is None  # type: ignore[attr-defined]
    assert lazy.search("a lazy-only-when-used b") is not None
    first = lazy._compiled  # type: ignore[attr-defined]
    assert isinstance(first, re.Pattern)
    assert lazy.match("lazy-only-when-used") is not None
    assert lazy._compiled is first  # type: ignore[attr-defined]
    assert lazy.search == first.search  # later calls go to the compiled methods directly


def test_bytes_patterns_pickling_copies_and_errors() -> None:
    lazy = lazyre.compile(rb"^\[(\w+)\]$", re.M)
    assert lazy.findall(b"[a]\nb\n[c]") == [b"a", b"c"]
    for before_use in (True, False):
        pattern = lazyre.compile(r"(?P<x>a+)", re.I)
        if not before_use:
            pattern.search("AA")
        for made in (pickle.loads(pickle.dumps(pattern)), copy.deepcopy(pattern),
                     copy.copy(pattern)):
            assert made.search("xAAy").group("x") == "AA"  # type: ignore[union-attr]
            assert made == pattern and hash(made) == hash(pattern)
    broken = lazyre.compile(r"(unclosed")  # an error is raised where the pattern is used
    with pytest.raises(re.error):
        broken.search("x")
    with pytest.raises(AttributeError):
        lazyre.compile("x").no_such_method  # noqa: B018


def _module_level_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls evaluated when the module is imported (at its top level or a class's)."""
    out: list[ast.Call] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for default in [*child.args.defaults, *child.args.kw_defaults]:
                    if default is not None:
                        visit(default)
                continue
            if isinstance(child, ast.Call):
                out.append(child)
            visit(child)
    visit(tree)
    return out


def test_no_module_compiles_a_pattern_at_import() -> None:
    """Every pattern a module defines at its top level (or a class's) is lazy: a one-file
    run imports modules whose patterns it never runs."""
    eager = []
    for path in sorted((ROOT / "qt_lint").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _module_level_calls(tree):
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id == "re" and func.attr == "compile":
                eager.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert eager == []


def test_no_lazy_pattern_is_given_to_re_or_isinstance() -> None:
    """A lazy pattern is not an `re.Pattern`: `re.search(PATTERN, ...)` would take it for a
    source string, `isinstance(p, re.Pattern)` would say no, and a match's pattern is the
    compiled one (`match.re is PATTERN` would be false). No module does any of these with
    a name bound to `lazyre.compile(...)` (those that must: `lazyre.compiled(PATTERN)`)."""
    wrong = []
    for path in sorted((ROOT / "qt_lint").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call) and "lazyre.compile" in ast.unparse(
                    node.value.func) for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                    isinstance(side, ast.Name) and side.id in lazy
                    for side in (node.left, *node.comparators)):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} compared")
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            if func.startswith("re.") and any(
                    isinstance(a, ast.Name) and a.id in lazy for a in node.args):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {func}")
            if func == "isinstance" and len(node.args) == 2 and path.name != "lazyre.py" \
                    and "Pattern" in ast.unparse(node.args[1]):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} isinstance")
    assert wrong == []
