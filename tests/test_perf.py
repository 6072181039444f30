"""The speed work of issue 27, each item as a property that the slower code did not have.
(The figures themselves are the benchmark's: bench/run.py, docs/performance.md.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_libcst_only_for_syntax_errors_pep701_explains() -> None:
    """An ordinary syntax error in a file that holds f-strings is reported without
    importing libcst (380 ms); a 3.12 f-string still parses, through libcst before 3.12
    (3.12's own parser reads it)."""
    out = _run("""
        import sys
        from qt_lint.parsers import ParseError
        from qt_lint.parsers.python import parse_tree
        try:
            parse_tree('x = f"{a}"\\ny = (1,\\n')
        except ParseError as exc:
            print(exc.line, "libcst" in sys.modules)
        parse_tree('x = f"{d["a"]}"\\n')
        print("libcst" in sys.modules)
    """)
    assert out.split("\n") == ["2 False", str(sys.version_info < (3, 12))]


def test_one_file_run_collects_garbage_less_often(tmp_path: Path) -> None:
    """A run of one file raises the collector's thresholds as a run of many does (a single
    2 MB Python file: 3.8 -> 2.8 s CPU)."""
    target = tmp_path / "app.py"
    target.write_text('import subprocess\nsubprocess.run(["python3", "x.py"])\n')
    out = _run(f"""
        import gc
        from qt_lint.main import main
        rc = main(["check", "--isolated", "--no-cache", {str(target)!r}])
        print(rc, gc.get_threshold()[0])
    """)
    assert out.split("\n")[-1] == "1 50000"


# Text in which a weak needle matched, and no rule can fire: `"su` of "success", `open(` of
# a data file. A file of it is not parsed (its syntax error is not reported: no rule reads
# it); the shapes the rules read still are.
NOT_PARSED = {
    "status.py": 'STATE = {"status": "success", "summary": "ok"}\nbroken = (1,\n',
    "data.py": 'with open("prices.csv") as handle:\n    rows = handle.read()\nbroken = (1,\n',
}
PARSED = {
    "escalate.py": ('import subprocess\nsubprocess.run(["su", "-c", "x"])\n', "QT701"),
    "shell.py": ('import os\nos.system("su root -c x")\n', "QT701"),
    "logs.py": ('with open("logs/trades.log", "a") as f:\n    f.write("x")\n', "QT206"),
    "handler.py": ('import logging\nlogging.basicConfig(filename="logs/app.log")\n', "QT206"),
    "loguru.py": ('from loguru import logger\nlogger.add("logs/app.log")\n', "QT206"),
}


def test_weak_needles_no_longer_parse_files_no_rule_reads(tmp_path: Path) -> None:
    from qt_lint.api import check
    from qt_lint.config import Config

    for name, text in NOT_PARSED.items():
        (tmp_path / name).write_text(text)
    for name, (text, _) in PARSED.items():
        (tmp_path / name).write_text(text)
    run = check([tmp_path], Config(root=tmp_path), jobs=1)
    found = {(Path(f.path).name, f.code) for f in run.findings}
    assert not {name for name, _ in found} & set(NOT_PARSED)
    assert {(name, code) for name, (_, code) in PARSED.items()} <= found


def test_rules_sharing_a_prefilter_share_its_scan(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """QT502 and QT503 test the same needles: the text is scanned once for both; prefilters
    that depend on the contract are built once per run, not once per file."""
    from qt_lint import engine
    from qt_lint.api import check
    from qt_lint.config import Config
    from qt_lint.finding import Kind
    from qt_lint.registry import rules_for
    from qt_lint.rule import Scan
    from qt_lint.settings import RunSettings

    target = tmp_path / "cache.py"
    target.write_text('import redis\nr = redis.Redis(host="quantum_redis")\n')
    scanned: list[object] = []
    real = Scan.passes

    def counting(self: Scan, prefilter: object) -> bool:
        scanned.append(prefilter)
        return real(self, prefilter)  # type: ignore[arg-type]

    monkeypatch.setattr(Scan, "passes", counting)
    settings = RunSettings.build(Config(root=tmp_path))
    run = check([target], settings, jobs=1)
    assert {f.code for f in run.findings} >= {"QT502"}
    python_rules = rules_for(Kind.PYTHON, settings.active)
    assert len(scanned) == len({id(p) for p in scanned}) < len(python_rules)
    again = [r.prefilter_for(Kind.PYTHON, settings.contract) for r in python_rules]
    built = dict(engine._prefilters(Kind.PYTHON, settings.active, settings.contract))
    assert any(built[r] is not p and p is not None for r, p in zip(python_rules, again,
                                                                    strict=True))


# calls, dicts, a class, a comprehension, a lambda, a subscript: every way the pass descends
WALKED = '''\
import os
BASE = "/opt/quantum"
x = run(["python3", "-c", f"{BASE}/x"], env={"K": os.getenv("K") or "/tmp/k"})
class A(B, metaclass=M):
    y = [s.strip() for s in "a b".split() if s != "c"]
    z = (lambda v=1: v)(cfg["api_key"])
'''
# what the pass collected from it before it dispatched on types
EXPECTED_LITERALS = [
    ("/opt/quantum", 2, 8, None, "other"), ("python3", 3, 10, None, "other"),
    ("-c", 3, 21, None, "other"), ("/opt/quantum/x", 3, 27, None, "other"),
    ("K", 3, 46, None, "key"), ("K", 3, 61, "os.getenv", "arg0"),
    ("/tmp/k", 3, 69, None, "other"), ("a b", 5, 29, None, "other"),
    ("c", 5, 51, None, "test"), ("api_key", 6, 29, None, "other")]
EXPECTED_CALLS = [("run", 3, 5), ("os.getenv", 3, 51), ("s.strip", 5, 10), (".split", 5, 29),
                  ("", 6, 10)]


def test_facts_pass_dispatches_on_node_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """The single pass reads each node's fields itself (a table of handlers by type), not
    through `ast.iter_child_nodes` (a generator per node, 1.2 million of them on the public
    repository); and what it collects is unchanged."""
    import ast

    from qt_lint.parsers.python import PythonFacts

    tree = ast.parse(WALKED)
    real = ast.iter_child_nodes
    asked: list[ast.AST] = []

    def counting(node: ast.AST):  # type: ignore[no-untyped-def]
        asked.append(node)
        return real(node)

    monkeypatch.setattr(ast, "iter_child_nodes", counting)
    facts = PythonFacts(WALKED, tree)
    assert asked == []
    monkeypatch.undo()
    assert [(lit.value, lit.line, lit.column, lit.call, lit.role) for lit in facts.literals] \
        == EXPECTED_LITERALS
    assert [(c.name, c.line, c.column) for c in facts.calls] == EXPECTED_CALLS



def _deepest(make: object, ceiling: int) -> int:
    """The longest chain (`make(n)`, a source text) the pass reads without running out of
    stack, up to `ceiling`."""
    import ast

    from qt_lint.parsers.python import PythonFacts

    low, high = 0, ceiling
    while low < high:
        mid = (low + high + 1) // 2
        text = make(mid)  # type: ignore[operator]
        try:
            PythonFacts(text, ast.parse(text))
            low = mid
        except RecursionError:
            high = mid - 1
    return low


def test_facts_pass_nests_as_deep_as_before() -> None:
    """Dispatching on types adds no frame per level of nesting: a file is "too deeply nested
    to analyse" (QT001) at the same depth as before (one frame per level of an expression,
    two per `elif` and per call of a method chain)."""
    import sys

    def probe(n: int) -> int:
        return probe(n - 1) if n else 0

    frames, high = 0, sys.getrecursionlimit()
    while frames < high:  # the frames left from here
        mid = (frames + high + 1) // 2
        try:
            probe(mid)
            frames = mid
        except RecursionError:
            high = mid - 1
    chains = {
        1: lambda n: "x = " + " + ".join(['"a"'] * n) + "\n",
        2: lambda n: "x = a" + ".b()" * n + "\n",
    }

    def elifs(n: int) -> str:
        return "if a == 0:\n    pass\n" + "".join(f"elif a == {i}:\n    pass\n"
                                                 for i in range(1, n))

    slack = 12  # the frames from here to the pass, and a leaf's own
    assert _deepest(chains[1], frames) >= frames - slack
    assert _deepest(chains[2], frames) >= frames // 2 - slack
    assert _deepest(elifs, frames) >= frames // 2 - slack


def test_literals_built_only_when_a_rule_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass notes the string literals; their values and positions are made only when
    a rule reads `literals` (the path rules pass their prefilters in one file of seven)."""
    import ast

    from qt_lint.parsers.python import PythonFacts

    tree = ast.parse(WALKED)
    positioned: list[ast.AST] = []
    real = PythonFacts.position

    def counting(self: PythonFacts, node: ast.AST, end: bool = False) -> tuple[int, int]:
        if isinstance(node, ast.Constant):
            positioned.append(node)
        return real(self, node, end)

    monkeypatch.setattr(PythonFacts, "position", counting)
    facts = PythonFacts(WALKED, tree)
    assert positioned == []
    assert [(lit.value, lit.line, lit.column, lit.call, lit.role) for lit in facts.literals] \
        == EXPECTED_LITERALS
    assert facts.literals is facts.literals
