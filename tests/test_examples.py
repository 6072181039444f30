"""The VALID/INVALID examples that every rule carries are tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qt_lint.classify import Target, classify
from qt_lint.config import Config
from qt_lint.engine import FileResult, check_file
from qt_lint.registry import all_rules
from qt_lint.rule import Example, Rule
from qt_lint.settings import RunSettings


def _cases(attr: str) -> list[tuple[type[Rule], Example]]:
    return [(rule, ex) for rule in all_rules().values() for ex in getattr(rule, attr)]


def _run(rule: type[Rule], example: Example, fix: bool = False) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in _result(rule, example, fix).findings
            if f.code == rule.code]


def _result(rule: type[Rule], example: Example, fix: bool = False) -> FileResult:
    """With `fix`, every fix is applied, unsafe ones too (`fixed=` is the text after
    all of a rule's fixes; which are safe is each rule's `fix_note`)."""
    path = example.path or rule.example_path
    kind = classify(path, lambda: example.text.encode() if isinstance(example.text, str)
                    else example.text)
    if kind is None:
        return FileResult(())
    data = example.text.encode() if isinstance(example.text, str) else example.text
    config = Config(root=Path("/nonexistent-root"), **dict(example.options))  # type: ignore[arg-type]
    active = frozenset({rule.code, *example.also})
    settings = RunSettings.build(config, active=active, fix=fix, unsafe_fixes=fix,
                                 today=dt.date(2026, 11, 26))
    return check_file(Target(path, "/nonexistent-root/" + path, path, kind), settings,
                      data=data)


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"),
                         ids=lambda v: getattr(v, "code", ""))
def test_valid(rule: type[Rule], example: Example) -> None:
    assert _run(rule, example) == []


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"),
                         ids=lambda v: getattr(v, "code", ""))
def test_invalid(rule: type[Rule], example: Example) -> None:
    assert _run(rule, example) == list(example.expect)


FIXED = [(rule, ex) for rule, ex in _cases("INVALID") if ex.fixed is not None]


@pytest.mark.parametrize(("rule", "example"), FIXED, ids=lambda v: getattr(v, "code", ""))
def test_fix(rule: type[Rule], example: Example) -> None:
    """The fix gives the expected text, which then re-checks clean and fixes to itself."""
    assert rule.fixable
    fixed = _result(rule, example, fix=True).fixed_text
    assert fixed == example.fixed
    again = Example(fixed, path=example.path, also=example.also, options=example.options)
    assert _run(rule, again) == []
    assert _result(rule, again, fix=True).fixed_text is None


@pytest.mark.parametrize("rule", list(all_rules().values()), ids=lambda r: r.code)
def test_rule_has_examples_and_docs(rule: type[Rule]) -> None:
    assert rule.VALID, f"{rule.code} has no VALID example"
    assert rule.INVALID, f"{rule.code} has no INVALID example"
    assert all(ex.expect for ex in rule.INVALID), f"{rule.code}: an INVALID case expects nothing"
    docs = rule.docs()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in docs, f"{rule.code} docs lack {heading!r}"
    assert rule.code.startswith("QT") and len(rule.code) == 5
    assert rule.name and rule.summary and rule.section and rule.kinds
