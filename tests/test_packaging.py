"""The sdist is a complete source release: its metadata (SPDX license, classifiers, bounds
that cannot install a broken tree-sitter pair) and a test run from the unpacked sdist."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_sdist_carries_what_its_tests_need_and_they_pass(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out),
                            str(ROOT)], cwd=tmp_path, capture_output=True, text=True,
                           timeout=900, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "License classifiers are deprecated" not in built.stderr
    (archive,) = out.glob("qt_lint-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    (tree,) = (tmp_path / "src").iterdir()
    for needed in ("LICENSE", "action.yml", "ci/gitlab-qt-lint.yml", ".pre-commit-hooks.yaml",
                   "tests/conftest.py", "fixtures", "docs/rules/QT101.md", "examples",
                   "qt_lint/data/systemd_keys.txt"):
        assert (tree / needed).exists(), needed
    info = (tree / "PKG-INFO").read_text()
    assert "License-Expression: MIT" in info and "License-File: LICENSE" in info
    assert "Classifier: Programming Language :: Python :: 3.13" in info
    assert "Requires-Dist: tree-sitter<0.27,>=0.25" in info
    # the unpacked sdist's own tests, against its own code
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_fixtures.py", "tests/test_examples.py",
                          "tests/test_docs.py"], cwd=tree, env=env, capture_output=True,
                         text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-3000:]
    imported = subprocess.run([sys.executable, "-c", "import qt_lint; print(qt_lint.__file__)"],
                              cwd=tree, env=env, capture_output=True, text=True, check=True)
    assert imported.stdout.startswith(str(tree))


def test_dependency_bounds_exclude_the_broken_tree_sitter_pair() -> None:
    """tree-sitter-bash 0.25's grammar is language version 15, which tree-sitter 0.23/0.24
    cannot load: the bounds must not allow that pair (and allow the one installed)."""
    from importlib.metadata import version

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {d.split(">")[0].split("<")[0].strip(): d for d in deps}
    from packaging.specifiers import SpecifierSet

    core = SpecifierSet(bounds["tree-sitter"].removeprefix("tree-sitter"))
    grammar = SpecifierSet(bounds["tree-sitter-bash"].removeprefix("tree-sitter-bash"))
    assert "0.23.2" not in core and "0.24.0" not in core
    assert "0.25.1" in grammar and "0.23.2" in grammar
    assert version("tree-sitter") in core and version("tree-sitter-bash") in grammar


def test_a_grammar_the_parser_cannot_load_is_a_clear_exit_2(tmp_path: Path) -> None:
    """tree-sitter 0.23.2 with tree-sitter-bash 0.25.1 (a pair pip installs when asked for
    it explicitly): every shell check is exit 2 naming both versions and the fix, never an
    internal error or a QT001 per file. The pair is installed by scripts/test."""
    broken = ROOT / ".venvs" / "broken-tree-sitter"
    python = broken / "bin" / "python"
    if not python.exists():
        assert not os.environ.get("CI"), "scripts/test sets up .venvs/broken-tree-sitter"
        pytest.skip("scripts/test sets up .venvs/broken-tree-sitter")
    (tmp_path / "run.sh").write_text("python3 x.py\n")
    proc = subprocess.run([str(python), "-m", "qt_lint", "check", "--isolated", "--no-cache",
                           "run.sh"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                          check=False)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "the shell parser cannot load" in proc.stderr
    assert "tree-sitter 0.23.2" in proc.stderr and "tree-sitter-bash 0.25.1" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
