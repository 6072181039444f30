"""The resolver itself (`qt_lint.pymodel.resolver`): what string an expression evaluates to,
and where it stays unknown rather than guess."""

from __future__ import annotations

import ast

import pytest

from qt_lint.parsers.python import PythonFacts
from qt_lint.pymodel.resolver import MAX_DEPTH, Sym, join, join_all, parent_of


def resolve(source: str) -> Sym | None:
    """The last line's expression, resolved in the module's scope."""
    facts = PythonFacts(source)
    last = facts.tree.body[-1]
    assert isinstance(last, ast.Expr)
    return facts.resolve(last.value)


@pytest.mark.parametrize(("source", "text", "exact"), [
    ('"/opt/qt"', "/opt/qt", True),
    ('b"/opt/qt"', "/opt/qt", True),
    ('"/opt" "/qt"', "/opt/qt", True),
    ('"/opt" + "/qt"', "/opt/qt", True),
    ('D = "/opt"\nf"{D}/qt"', "/opt/qt", True),
    ('f"{x}/qt"', "{...}/qt", False),
    ('f"{1:>3}"', "{...}", False),
    ('from pathlib import Path\nPath("/opt") / "qt" / "models"', "/opt/qt/models", True),
    ('from pathlib import Path\nPath("/opt").joinpath("qt", "m")', "/opt/qt/m", True),
    ('import os\nos.path.join("/opt", "qt")', "/opt/qt", True),
    ('import os.path as osp\nosp.join("/opt", "/abs")', "/abs", True),
    ('import os\nos.getenv("MODEL_DIR")', "$MODEL_DIR", False),
    ('import os\nos.environ["MODEL_DIR"]', "$MODEL_DIR", False),
    ('from os import getenv as g\ng("X")', "$X", False),
    ('BASE = "/opt/qt"\nACTIVE = BASE + "/active"\nACTIVE', "/opt/qt/active", True),
    ('import os\nos.path.dirname("/opt/qt/x.py")', "/opt/qt", True),
    ('from pathlib import Path\nPath("/opt/qt/x.py").parent', "/opt/qt", True),
    ('from pathlib import Path\nPath("/opt/qt/a/x.py").parents[1]', "/opt/qt", True),
    ('from pathlib import Path\nPath.home() / "qt"', "~/qt", True),
    ('str("/opt")', "/opt", True),
    ('from pathlib import Path\nPath("/opt/qt").resolve()', "/opt/qt", True),
])
def test_resolved(source: str, text: str, exact: bool) -> None:
    assert resolve(source) == Sym(text, exact)


@pytest.mark.parametrize("source", [
    "x",  # never bound
    'A = "/a"\nA = "/b"\nA',  # bound twice: which one runs is not known
    "obj.path",  # attributes of objects
    "compute()",  # return values
    "1 + 2",  # not a string
    'for p in ["/a"]:\n    pass\np',  # a loop variable
])
def test_unknown(source: str) -> None:
    assert resolve(source) is None


def test_a_parameter_holds_its_default_and_one_without_hides_the_constant() -> None:
    facts = PythonFacts('URL = "redis://a"\n'
                        'def f(url="redis://b"):\n    connect(url)\n'
                        'def g(URL):\n    connect(URL)\n'
                        'connect(URL)\n')
    resolved = [facts.resolve(c.arg(0), c.scope) for c in facts.calls if c.name == "connect"]
    assert resolved == [Sym("redis://b"), None, Sym("redis://a")]


def test_file_relative_paths_stay_inside_the_repository() -> None:
    value = resolve('from pathlib import Path\nPath(__file__).parent.parent.parent / "logs"')
    assert value is not None and not value.exact
    assert value.text.endswith("/logs") and value.text.startswith("$REPO_ROOT")


def test_depth_is_bounded() -> None:
    chain = "\n".join(f"A{i} = A{i + 1}" for i in range(MAX_DEPTH + 5))
    assert resolve(f'{chain}\nA{MAX_DEPTH + 5} = "/x"\nA0') is None
    assert resolve(f'{chain}\nA{MAX_DEPTH + 5} = "/x"\nA{MAX_DEPTH + 1}') == Sym("/x")


def test_path_helpers() -> None:
    assert join(Sym("/opt/"), Sym("qt")) == Sym("/opt/qt")
    assert join(Sym("/opt"), Sym("/etc")) == Sym("/etc")
    assert join(Sym("/opt"), None) is None
    assert join_all([Sym("/a"), Sym("b", exact=False), Sym("c")]) == Sym("/a/b/c", False)
    assert join_all([None, Sym("b")]) is None
    assert parent_of(Sym("/opt/qt/")) == Sym("/opt")
    assert parent_of(Sym("x")) == Sym(".")
    assert parent_of(Sym("/opt")) == Sym("/")
