"""Exclude and per-file-ignore globs as gitignore (and ruff) read them: qt-lint's matcher
against pathspec's GitIgnoreSpec as the oracle, on generated patterns and paths, and the
one-file path paying pathspec's import only for patterns that need it."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from qt_lint.discover import Matcher, matches
from tests.conftest import ROOT

EXAMPLES = 3000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 300

names = st.sampled_from(["a", "b", "legacy", "x.py", "y.env", ".venv", "build-1"])
glob_parts = st.sampled_from(["a", "b", "legacy", "x.py", "*", "**", "*.py", "?", "build-*",
                              "[ab]", ".venv", "x.p?"])


@st.composite
def patterns(draw: st.DrawFn) -> str:
    parts = draw(st.lists(glob_parts, min_size=1, max_size=4))
    lead = draw(st.sampled_from(["", "/", "./", "**/"]))
    trail = draw(st.sampled_from(["", "", "/"]))
    return lead + "/".join(parts) + trail


paths = st.lists(names, min_size=1, max_size=5).map("/".join)


def _oracle(pattern_list: list[str], path: str) -> bool:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines([p.removeprefix("./") for p in pattern_list])
    return bool(spec.match_file(path))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(patterns(), min_size=1, max_size=3), paths)
def test_matcher_agrees_with_gitignore(pattern_list: list[str], path: str) -> None:
    assert Matcher(tuple(pattern_list))(path) is _oracle(pattern_list, path), (pattern_list,
                                                                                path)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(st.lists(patterns(), min_size=1, max_size=3), patterns(), paths)
def test_negation_agrees_with_gitignore(pattern_list: list[str], negated: str,
                                        path: str) -> None:
    listed = [*pattern_list, "!" + negated.removeprefix("./")]
    assert Matcher(tuple(listed))(path) is _oracle(listed, path)


def test_the_issue_s_cases() -> None:
    assert matches("legacy/x.py", ("legacy/**/*.py",))  # ** is zero folders too
    assert matches("legacy/a/b/x.py", ("legacy/**/*.py",))
    assert not matches("src/legacy/x.py", ("legacy/**/*.py",))  # a / anchors it
    assert matches("src/build/x.py", ("build/",)) and not matches("src/build", ("build/",))
    assert not matches("legacy/keep.py", ("legacy/**", "!legacy/keep.py"))
    assert matches("b", ("a", "/*")) and matches("b/c", ("/**",))  # the root's entries


def test_one_file_run_imports_pathspec_only_for_real_globs(tmp_path: object) -> None:
    """The forms a configuration mostly holds (names, `dir/**`, `dir/*`, `dir/sub`) are
    matched without importing pathspec; a wildcard inside a component imports it."""
    code = ("import sys\nfrom qt_lint.discover import matches\n"
            "matches('a/b.py', tuple(sys.argv[1:]))\n"
            "print('pathspec' in sys.modules)\n")

    def imported(*globs: str) -> bool:
        out = subprocess.run([sys.executable, "-c", code, *globs], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
        return out.strip() == "True"

    assert not imported(".venv", "fixtures/**", "contrib/systemd/*", "ops/old", "**/build",
                        "docs/")
    assert imported("tests/*.py")
