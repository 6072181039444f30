"""Makefile recipes as GNU make hands them to the shell, proven against make itself: make's
text functions (`$(or ...)`, `$(if ...)`, `$(firstword ...)`, `$(patsubst ...)`, ...),
substitution references (`$(S:.py=.pyc)`, `$(S:%=%)`), `$(call ...)`, and `.ONESHELL:`
(a rule's whole recipe is one shell script: a `cd` or a variable carries across lines).

Makefiles are generated from a grammar of these forms and run by the real make with a
`SHELL` that only logs each script it is given (nothing runs); qt-lint's commands must be
those of the logged scripts, as many, with the same relative `cd` before them.

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 25x more examples."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.parsers.makefile import parse_makefile
from qt_lint.parsers.shell import parse_shell

EXAMPLES = 1000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 40
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])
LOGGING_SHELL = '#!/bin/sh\nprintf "%s\\0" "$2" >> "$QT_SHELL_LOG"\n'

Key = tuple[tuple[str, ...], "str | None"]


def make_scripts(makefile: str, folder: Path) -> list[str]:
    """The scripts GNU make gives its shell for the default goal (a missing make fails)."""
    make = shutil.which("make")
    assert make, "GNU make is missing"
    (folder / "bin").mkdir()
    shell = folder / "bin" / "sh"  # a POSIX shell's name: make strips `@-+` from each line
    shell.write_text(LOGGING_SHELL)
    shell.chmod(0o755)
    log = folder / "log"
    log.write_text("")
    (folder / "Makefile").write_text(makefile)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "QT_SHELL_LOG": str(log),
           "LC_ALL": "C"}
    subprocess.run([make, "-s", "-f", "Makefile", f"SHELL={shell}"], cwd=folder,
                   env=env, capture_output=True, timeout=30, check=False,
                   stdin=subprocess.DEVNULL)
    return [script for script in log.read_text().split("\0") if script]


def _key(words: tuple[str, ...], cd: str | None) -> Key:
    return words, cd


def commands_of_scripts(scripts: list[str]) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for script in scripts:
        for c in parse_shell(script).commands:
            found[_key(tuple(w.text for w in c.words), c.cd.text if c.cd else None)] += 1
    return found


def qtlint_commands(makefile: str) -> Counter[Key]:
    return Counter(_key(tuple(w.text for w in c.words), c.cd.text if c.cd else None)
                   for c in parse_makefile(makefile).commands)


# --- the grammar ------------------------------------------------------------------------------

VARIABLES = st.sampled_from([
    "PY = c1\n", "PY := c2\n", "PY ?= c3\n", "", "PY =\n", "PY = $(Q)\nQ = c4\n",
    "override PY := c1\n"])
FILES = st.sampled_from(["S = a.py b.py\n", "S := x/a.py  b.py\n", "S = a.py\nS += d/e.py\n"])
LINES = st.sampled_from([
    "$(or $(PY),c3) x", "$(or ,$(PY),c4) y", "$(if $(PY),$(PY),c4) y", "$(if ,c1,c2) w",
    "$(firstword $(PY) c1) z", "$(lastword c9 c3) $(words $(S))",
    "c2 $(S:.py=.pyc)", "c2 $(S:%=%)", "c3 $(S:%.py=%.o)", "c3 $(patsubst %.py,%.o,$(S))",
    "c1 $(subst .py,.txt,$(S))", "c4 $(filter %.py,$(S) q.c) $(filter-out %.py,$(S) q.c)",
    "c1 $(notdir $(S)) $(basename $(S)) $(suffix $(S)) $(dir $(S))",
    "c2 $(addprefix p/,$(S)) $(addsuffix .x,$(S)) $(join a b,1 2)",
    "c3 $(sort b a b) $(strip   a   b  ) $(word 2,$(S) z) $(wordlist 1,2,a b c)",
    "$(call RUN,c1,$(S))", "$(call RUN,$(or $(PY),c2),k)", "$(and c1,$(PY)) q",
    "c4 ${S:.py=.o} $(findstring a,$(S))",
    "cd sub", "cd sub && c1 in-sub", "X=c2", "$$X y", "c3 done", "@c4 quiet", "-c1 ignored",
])


@st.composite
def makefile(draw: st.DrawFn) -> str:
    head = draw(VARIABLES) + draw(FILES) + "RUN = $(1) $(2)\n"
    if draw(st.booleans()):
        head = ".ONESHELL:\n" + head
    rules = draw(st.lists(st.lists(LINES, min_size=1, max_size=4), min_size=1, max_size=3))
    names = [f"r{i}" for i in range(len(rules))]
    out = head + f".PHONY: all {' '.join(names)}\nall: {' '.join(names)}\n"
    for name, lines in zip(names, rules, strict=True):
        out += f"{name}:\n" + "".join(f"\t{line}\n" for line in lines)
    return out


@PROFILE
@given(makefile())
def test_recipes_are_what_make_gives_its_shell(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scripts = make_scripts(text, Path(folder))
    assert qtlint_commands(text) == commands_of_scripts(scripts), text


# --- each form once, with its position ----------------------------------------------------------

CASES = {
    "or": ("PY ?=\nt:\n\t$(or $(PY),python3) x.py\n", (3, 2, ("python3", "x.py"))),
    "if": ("t:\n\t$(if $(VENV),$(VENV)/bin/python,python3) x.py\n",
           (2, 2, ("python3", "x.py"))),
    "firstword": ("PYS = python3 python2\nt:\n\t$(firstword $(PYS)) x.py\n",
                  (3, 2, ("python3", "x.py"))),
    "substitution reference": ("P = python3.py\nt:\n\t$(P:.py=) x.py\n",
                               (3, 2, ("python3", "x.py"))),
    "patsubst": ("t:\n\t$(patsubst %.py,%,python3.py) x.py\n", (2, 2, ("python3", "x.py"))),
    "oneshell cd": (".ONESHELL:\nt:\n\tcd ops\n\tpython3 x.py\n",
                    (4, 2, ("python3", "x.py"))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_form(name: str) -> None:
    text, (line, column, words) = CASES[name]
    found = [(c.program.line, c.program.column, tuple(w.text for w in c.words))
             for c in parse_makefile(text).commands if c.name == "python3"]
    assert found == [(line, column, words)]
    with tempfile.TemporaryDirectory() as folder:
        assert commands_of_scripts(make_scripts(text, Path(folder))) == qtlint_commands(text)


def test_oneshell_carries_the_cd() -> None:
    text = ".ONESHELL:\nt:\n\tcd ops\n\tpython3 x.py\n"
    (python,) = [c for c in parse_makefile(text).commands if c.name == "python3"]
    assert python.cd is not None and (python.cd.text, python.cd.line) == ("ops", 3)
    without = [c for c in parse_makefile(text.replace(".ONESHELL:\n", "\n")).commands
               if c.name == "python3"]
    assert without[0].cd is None  # each line its own shell


def test_expansion_is_bounded() -> None:
    """A variable that doubles at each level stays within the expansion cap (no
    exponential text, no traceback)."""
    levels = "".join(f"V{i} = $(V{i - 1})$(V{i - 1})\n" for i in range(1, 40))
    text = "V0 = python3 \n" + levels + "t:\n\t$(firstword $(V39)) x.py\n"
    parse_makefile(text)


def test_a_chain_past_the_bound_is_not_analysed() -> None:
    """Ten variables each naming the one before: make runs python3; past the depth qt-lint
    follows, the recipe line is QT001 (not analysed), never a silent pass."""
    chain = "".join(f"X{i} = $(X{i - 1})\n" for i in range(1, 12))
    text = "X0 = python3\n" + chain + "t:\n\t$(X11) x.py\n"
    with tempfile.TemporaryDirectory() as folder:
        scripts = make_scripts(text, Path(folder))
    assert [c.name for s in scripts for c in parse_shell(s).commands] == ["python3"]
    analysis = parse_makefile(text)
    assert [(e.line, e.column) for e in analysis.errors] == [(14, 2)]
    assert "not analysed" in analysis.errors[0].message
    short = "X0 = python3\n" + chain[:chain.index("X5")] + "t:\n\t$(X4) x.py\n"
    assert not parse_makefile(short).errors
    assert [c.name for c in parse_makefile(short).commands] == ["python3"]


def test_a_lookup_with_its_errors_discarded() -> None:
    """`PY != command -v python3 2>/dev/null`: what the lookup prints is where python3 is
    (the redirection drops its error messages only)."""
    text = "PY != command -v python3 2>/dev/null\nt:\n\t$(PY) x.py\n"
    found = [(c.program.line, c.program.column, c.name) for c in parse_makefile(text).commands]
    assert ("python3" in {n for _, _, n in found}) and (3, 2, "python3") in found


def _run_logged(text: str, folder: Path) -> list[str]:
    """The python3 command lines make really runs (a stub python3 logs its argv)."""
    make = shutil.which("make")
    assert make, "GNU make is missing"
    (folder / "bin").mkdir()
    stub = folder / "bin" / "python3"
    stub.write_text('#!/bin/sh\necho "python3 $*" >> "$QT_LOG"\n')
    stub.chmod(0o755)
    (folder / "Makefile").write_text(text)
    log = folder / "log"
    log.write_text("")
    env = {"PATH": f"{folder / 'bin'}:/usr/bin:/bin", "QT_LOG": str(log), "LC_ALL": "C"}
    subprocess.run([make, "-s", "-i", "-f", "Makefile"], cwd=folder, env=env,
                   capture_output=True, timeout=30, check=False, stdin=subprocess.DEVNULL)
    return log.read_text().splitlines()


@pytest.mark.parametrize(("text", "found"), [
    ("PY := python3#the system one\nt:\n\t$(PY) x.py\n", [(3, 2)]),
    ("PY = python3 # c\nE := a\\#b\nt:\n\t$(PY) x.py $(E)\n", [(4, 2)]),
    ("export PY = python3\nt:\n\t$$PY x.py\n", [(3, 2)]),
    ("export PY := python3\nt:\n\t$${PY} x.py\n", [(3, 2)]),
    ("PY = python3\nexport PY\nt:\n\t\"$$PY\" x.py\n", [(4, 2)]),
    ("export\nPY = python3\nt:\n\t$$PY x.py\n", [(4, 2)]),
    ("PY = python3\nt:\n\t$$PY x.py\n", []),
    ("export PY = python3\nunexport PY\nt:\n\t$$PY x.py\n", []),
])
def test_comments_and_exports_as_make_reads_them(text: str, found: list[tuple[int, int]]
                                                 ) -> None:
    """A `#` ends an assignment's value (`\\#` is a literal one); an exported variable is in
    every recipe's environment: qt-lint's python3 commands are the ones make runs."""
    analysis = parse_makefile(text)
    assert not analysis.errors
    assert [(c.program.line, c.program.column) for c in analysis.commands
            if c.name == "python3"] == found
    with tempfile.TemporaryDirectory() as folder:
        ran = _run_logged(text, Path(folder))
    assert len(ran) == len(found), ran
    if found:
        assert ran[0].startswith("python3 x.py")
