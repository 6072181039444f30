"""Every prefilter needle of a file searched for in one pass (`Needles`) gives the verdict
`passes` gives, needle by needle, on every text: overlapping needles, needles inside
others, case-folded ones, a text the automaton cannot take."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qt_lint.config import Config
from qt_lint.finding import Kind
from qt_lint.registry import known_codes, rules_for
from qt_lint.rule import AnyOf, Either, Needles, Prefilter, passes

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = Config(root=Path("/nonexistent-root")).contract


def _prefilters(kind: Kind) -> list[Prefilter | None]:
    return [r.prefilter_for(kind, CONTRACT) for r in rules_for(kind, known_codes())]


def _needles_of(prefilters: list[Prefilter | None]) -> list[str]:
    found: list[str] = []
    todo: list[object] = list(prefilters)
    while todo:
        test = todo.pop()
        if isinstance(test, tuple):
            todo.extend(test)
        elif isinstance(test, Either):
            todo.extend(test.options)
        elif isinstance(test, AnyOf):
            found.extend(test.needles)
    return sorted(set(found))


def _same_verdicts(prefilters: list[Prefilter | None], text: str) -> None:
    scan = Needles(prefilters).scan(text)
    assert [scan.passes(p) for p in prefilters] == [passes(p, text) for p in prefilters]


TEXTS = [p.read_text("utf-8", "replace") for p in sorted((ROOT / "fixtures").rglob("*"))
         if p.is_file()]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_fixture_gets_the_verdicts_of_each_needle_alone(kind: Kind) -> None:
    prefilters = _prefilters(kind)
    for text in TEXTS:
        _same_verdicts(prefilters, text)


def test_the_rules_needles_are_searched_in_one_pass() -> None:
    """The Python rules' needles are all in the automaton (none scanned alone)."""
    prefilters = _prefilters(Kind.PYTHON)
    needles = Needles(prefilters)
    assert len(_needles_of(prefilters)) > 100
    anyofs = [t for t in _walk(prefilters) if isinstance(t, AnyOf)]
    assert anyofs and all(needles.searches(t) for t in anyofs)


def _walk(prefilters: list[Prefilter | None]) -> list[object]:
    out: list[object] = []
    todo: list[object] = list(prefilters)
    while todo:
        test = todo.pop()
        out.append(test)
        if isinstance(test, tuple):
            todo.extend(test)
        elif isinstance(test, Either):
            todo.extend(test.options)
    return out


def test_overlapping_and_nested_needles() -> None:
    prefilters: list[Prefilter | None] = [
        AnyOf("ab"), AnyOf("bc"), (AnyOf("abc"), AnyOf("c")), AnyOf("b"),
        AnyOf("xbcx"), Either(AnyOf("Ab", ignore_case=True), AnyOf("zz")),
        AnyOf("ß", ignore_case=True), AnyOf("İ", ignore_case=True), AnyOf("i̇", ignore_case=True),
    ]
    for text in ("abc", "xabcx", "zabz", "bcab", "AB", "a", "", "STRASSE", "İ", "ß"):
        _same_verdicts(prefilters, text)


def test_a_text_the_automaton_cannot_take_is_searched_needle_by_needle() -> None:
    prefilters = _prefilters(Kind.PYTHON)
    for text in ("import subprocess\nsubprocess.run(['python3'])  \udcff\n", "\udcff"):
        _same_verdicts(prefilters, text)


_PIECES = st.sampled_from(_needles_of(_prefilters(Kind.PYTHON)) + _needles_of(
    _prefilters(Kind.SHELL)) + [" ", "\n", "(", '"', "'", "/", "_", "A", "K"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, st.integers(0, 3), st.booleans()), max_size=12))
def test_texts_made_of_needle_pieces(parts: list[tuple[str, int, bool]]) -> None:
    """Pieces of needles glued together, cut and upper-cased: needles that overlap, start
    inside another or appear only once the text is folded."""
    text = "".join((p[cut:].upper() if upper else p[cut:]) for p, cut, upper in parts)
    for kind in (Kind.PYTHON, Kind.SHELL, Kind.UNIT, Kind.MAKEFILE):
        _same_verdicts(_prefilters(kind), text)


def test_without_the_automaton_each_needle_is_searched_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)  # import fails
    prefilters = _prefilters(Kind.PYTHON)
    needles = Needles(prefilters)
    assert not any(needles.searches(t) for t in _walk(prefilters) if isinstance(t, AnyOf))
    for text in TEXTS[:50]:
        scan = needles.scan(text)
        assert [scan.passes(p) for p in prefilters] == [passes(p, text) for p in prefilters]
