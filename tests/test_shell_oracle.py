"""The commands qt-lint reads in a shell script, proven against two judges: mvdan/sh's
parser (`shfmt --to-json`, a second faithful reading: the same programs at the same lines
and columns) and bash itself, running the script with every program a logging stub (the
same programs, as many times). Scripts are generated from a grammar of the shapes
tree-sitter-bash gets wrong (tree-sitter-bash #347, #345, #316): pipelines then `&&`/`||`
on the next line, redirects on lists, `[ ... ]` around redirected statements, heredocs,
continuation lines, quoting and escapes, subshells, groups and functions.

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 25x more examples. A missing oracle
fails (shfmt comes with the test extra, bash with the machine)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.parsers.shell import parse_shell
from tests.shell_oracle import bash_ran, disagreements, shfmt, shfmt_commands

EXAMPLES = 1000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 40
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])

OK = ["c0", "c1", "c2", "c3", "c4"]
FAIL = ["fail0", "fail1"]
STUBS = OK + FAIL + ["c9"]


def test_the_oracles_are_installed() -> None:
    assert shfmt()
    assert shutil.which("bash"), "bash is missing"


# --- the grammar ------------------------------------------------------------------------------

def _spelled(name: str) -> st.SearchStrategy[str]:
    """A program word as a script may write it: quote removal gives `name` back."""
    head, tail = name[:1], name[1:]
    return st.sampled_from([name, f'"{name}"', f"'{name}'", f"\\{name}",
                            f'"{head}"{tail}', f"{head}'{tail}'", f"{head}\\{tail}"])


ARG = st.sampled_from(["x", "-v", '"a b"', "'c d'", "e\\ f", "--opt=1", '"$HOME"', "42",
                       "'c9'", "\\c9"])
REDIRECT = st.sampled_from(["", "", " >/dev/null", " 2>/dev/null", " >>out.log",
                            " 2>&1", " </dev/null"])


@st.composite
def simple(draw: st.DrawFn, name: str) -> str:
    words = [draw(_spelled(name)), *draw(st.lists(ARG, max_size=3))]
    gap = draw(st.sampled_from([" ", " ", " \\\n  "]))
    return gap.join(words) + draw(REDIRECT)


@st.composite
def pipeline(draw: st.DrawFn, last_ok: bool) -> str:
    stages = draw(st.integers(1, 3))
    names = [draw(st.sampled_from(OK)) for _ in range(stages - 1)]
    names.append(draw(st.sampled_from(OK if last_ok else FAIL)))
    joins = [draw(st.sampled_from([" | ", " |\n  ", " | \\\n  "])) for _ in names[1:]]
    out = draw(simple(names[0]))
    for join, name in zip(joins, names[1:], strict=True):
        out += join + draw(simple(name))
    return out


@st.composite
def and_or(draw: st.DrawFn) -> str:
    """`a && b || c ...` where every element runs (bash's log then holds each once): the
    element before `&&` succeeds, the one before `||` fails."""
    ops = draw(st.lists(st.sampled_from(["&&", "||"]), max_size=3))
    out = ""
    for i in range(len(ops) + 1):
        last_ok = ops[i] == "&&" if i < len(ops) else draw(st.booleans())
        out += draw(pipeline(last_ok))
        if i < len(ops):
            out += draw(st.sampled_from([f" {ops[i]} ", f" {ops[i]}\n  ",
                                         f" \\\n  {ops[i]} "]))
    return out + draw(REDIRECT)


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> str:
    kinds = ["list", "list", "list", "test", "heredoc", "assign"]
    if depth < 2:
        kinds += ["subshell", "group", "if", "function"]
    kind = draw(st.sampled_from(kinds))
    if kind == "list":
        return draw(and_or())
    if kind == "test":
        return draw(st.sampled_from(["[ -n x ]", "[ 2 -lt 3 ]", "[[ -z '' ]]",
                                     "test -n x"])) + draw(st.sampled_from(["", " && c9"]))
    if kind == "heredoc":
        name = draw(st.sampled_from(OK))
        delimiter = draw(st.sampled_from(["EOF", "'EOF'", '"EOF"']))
        return f"{draw(_spelled(name))} <<{delimiter}\nc9 is data here\nc9 | c9\nEOF"
    if kind == "assign":
        return draw(st.sampled_from(["X=1", "Y='a b'", "Z=\"$X\""]))
    inner = draw(body(depth + 1))
    if kind == "subshell":
        return f"( {inner}\n)" + draw(REDIRECT)
    if kind == "group":
        return f"{{ {inner}\n}}" + draw(REDIRECT)
    if kind == "function":  # defined, then called once: its body runs once
        name = f"fn{depth}"
        head = draw(st.sampled_from([f"{name}()", f"function {name}", f"{name} ()"]))
        return f"{head} {{\n  {inner}\n}}\n{name}" + draw(REDIRECT)
    return f"if {draw(pipeline(True))}; then\n  {inner}\nfi" + draw(REDIRECT)


@st.composite
def body(draw: st.DrawFn, depth: int = 0) -> str:
    statements = draw(st.lists(statement(depth), min_size=1, max_size=4))
    seps = [draw(st.sampled_from(["\n", "\n\n", "; ", "\n# a comment c9\n"]))
            for _ in statements[1:]]
    out = statements[0]
    for sep, stmt in zip(seps, statements[1:], strict=True):
        # a heredoc's body starts on the next line: nothing but a newline after its end
        out += ("\n" if out.endswith("\nEOF") else sep) + stmt
    return out


SCRIPT = body()


def _test_commands_that_run_c9(script: str) -> int:
    """`[ -n x ] && c9` runs c9; any other c9 is data."""
    return script.count("&& c9")


# --- the differential tests -------------------------------------------------------------------

@PROFILE
@given(SCRIPT)
def test_commands_are_those_mvdan_sh_reads(script: str) -> None:
    """Every command, at its line and column, as mvdan/sh's parser reads it."""
    assert disagreements(script + "\n") == [], script


@PROFILE
@given(SCRIPT)
def test_commands_are_those_bash_runs(script: str) -> None:
    """The programs bash runs (every one of them a stub that logs its name), as many
    times as qt-lint reads them."""
    with tempfile.TemporaryDirectory() as folder:
        ran = bash_ran(script + "\n", STUBS, Path(folder))
    read = Counter(c.name for c in parse_shell(script + "\n").commands if c.name in STUBS)
    assert read == ran, script


# --- the shapes tree-sitter-bash misreads, each once ------------------------------------------

CASES = {
    # tree-sitter-bash #347: `echo`, `B` read as arguments of `head`
    "pipeline then &&": ("a | grep x | head -30\necho B && cd s\n",
                         [(1, "a"), (1, "grep"), (1, "head"), (2, "echo"), (2, "cd")]),
    # the same, the next statement a python
    "pipeline then python": ("curl -s u | grep x | head -5\npython3 x.py && echo ok\n",
                             [(1, "curl"), (1, "grep"), (1, "head"), (2, "python3"),
                              (2, "echo")]),
    # tree-sitter-bash #316: statements inside one `[`
    "tests around a redirect": ("[ 2 -lt 3 ]\necho >1\n[ ]\npython3 y.py\n",
                                [(2, "echo"), (4, "python3")]),
    # lines swallowed up to an `else` (a real script's shape)
    "pipeline before else": ("if a; then\n  b | c | head -1\nelse\n  python3 z.py\nfi\n"
                             "d 2>/dev/null | e\n",
                             [(1, "a"), (2, "b"), (2, "c"), (2, "head"), (4, "python3"),
                              (6, "d"), (6, "e")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_misread_statements_are_read_again(name: str) -> None:
    script, expected = CASES[name]
    analysis = parse_shell(script)
    assert [(c.program.line, c.name) for c in analysis.commands] == expected
    assert analysis.errors == []
    # and mvdan/sh agrees
    assert disagreements(script) == []
    assert sorted((line, n) for (line, _, n), _k in shfmt_commands(script).items()) == \
        sorted(expected)


def test_a_statement_that_cannot_be_read_again_is_qt001_at_its_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no correct reading is found (here: no repair allowed), the line is reported,
    never passed silently."""
    from qt_lint.parsers import shell

    monkeypatch.setattr(shell, "MAX_REPAIRS", 0)
    analysis = parse_shell("true\na | b | head -1\npython3 x.py && echo ok\n")
    assert [(e.line, e.column) for e in analysis.errors] == [(2, 1)]
    assert "not analysed" in str(analysis.errors[0])


def test_the_repair_keeps_the_common_path() -> None:
    """A script tree-sitter reads rightly is parsed once (the repair costs nothing)."""
    from qt_lint.parsers import shell

    calls = []
    real = shell._parser

    class Counting:
        def parse(self, data: bytes) -> object:
            calls.append(data)
            return real().parse(data)

    import unittest.mock

    with unittest.mock.patch.object(shell, "_parser", Counting):
        parse_shell("a | b\nc && d\nif x; then\n  y | z\nfi\n")
    assert len(calls) == 1
