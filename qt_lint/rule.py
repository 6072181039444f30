"""The rule type: metadata as class attributes, user docs as the docstring, examples as tests."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from qt_lint.finding import Finding, Kind, Severity
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any, ClassVar, Protocol
else:
    Protocol = object  # a plain base at run time (nothing checks it with isinstance)

if TYPE_CHECKING:
    from qt_lint.config import Contract
    from qt_lint.context import FileContext


class AnyOf:
    """A prefilter of plain substrings, the cheapest test there is: the text contains at
    least one of them (`str.__contains__` scans at memory speed, `re` alternations do not)."""

    __slots__ = ("ignore_case", "needles")

    def __init__(self, *needles: str, ignore_case: bool = False) -> None:
        self.needles = tuple(n.lower() for n in needles) if ignore_case else needles
        self.ignore_case = ignore_case

    def search(self, text: str) -> bool:
        if self.ignore_case:
            text = lowered(text)
        return any(needle in text for needle in self.needles)


_LOWERED: list[str] = ["", ""]  # the last text lowered, and its lowered form


def lowered(text: str) -> str:
    """`text.lower()`, once per file however many prefilters ignore case."""
    if text is not _LOWERED[0]:
        _LOWERED[0], _LOWERED[1] = text, text.lower()
    return _LOWERED[1]


class Either:
    """A prefilter of alternatives: the text passes one of them (each a test, or a tuple of
    tests that must all pass). For a rule that fires on several shapes, each with needles
    of its own (`basicConfig` with a `filename`, `open(` of a log path)."""

    __slots__ = ("options",)

    def __init__(self, *options: Test | tuple[Test, ...]) -> None:
        self.options = options

    def search(self, text: str) -> bool:
        return any(passes(option, text) for option in self.options)


class Searcher(Protocol):
    """Any other prefilter test: an object whose `search(text)` is true when the text
    may hold a finding."""

    def search(self, text: str, /) -> object: ...


Test = re.Pattern[str] | AnyOf | Either | Searcher
Prefilter = Test | tuple[Test, ...]


@record(frozen=True)
class Example:
    """A case a rule must get right. `expect` lists the (line, column) of every finding of
    the rule (empty for VALID cases); `fixed` is the text after `--fix`, when it fixes."""

    text: str | bytes
    path: str = ""
    expect: tuple[tuple[int, int], ...] = ()
    fixed: str | None = None
    # Other codes that run beside the rule, and Config fields set for the example.
    also: tuple[str, ...] = ()
    options: tuple[tuple[str, object], ...] = ()


class Rule:
    """Base class of every rule. Subclasses set the metadata and implement `check`.

    The docstring is the user documentation, in ruff's headings: `## What it does`,
    `## Why is this bad?`, `## Example`, `## Use instead` (and `## Options` where the
    contract configuration changes what it accepts).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    section: ClassVar[str]
    kinds: ClassVar[frozenset[Kind]]
    summary: ClassVar[str]
    # A cheap search over the raw text; a file it does not match is never parsed for this
    # rule. A pattern applies to every kind, a mapping to the kinds it names; a tuple of
    # patterns must all match.
    prefilter: ClassVar[Prefilter | Mapping[Kind, Prefilter] | None] = None
    fixable: ClassVar[bool] = False
    fix_note: ClassVar[str] = ""  # which fixes are safe and which unsafe, and why
    # Rules that the engine itself reports (QT001-QT003) rather than a `check` method.
    engine_reported: ClassVar[bool] = False
    # Rules judging only the file name run even when the file cannot be read.
    needs_text: ClassVar[bool] = True
    # The path an example is checked at when it does not name one.
    example_path: ClassVar[str] = ""

    VALID: ClassVar[tuple[Example, ...]] = ()
    INVALID: ClassVar[tuple[Example, ...]] = ()

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        return iter(())

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        """Whether the rule judges a file at this path at all (a rule of one named file,
        such as the canary script, skips the others before their text is searched)."""
        return True

    def prefilter_for(self, kind: Kind, contract: Contract) -> Prefilter | None:
        """The prefilter for files of `kind` (override when it depends on the contract)."""
        if not isinstance(self.prefilter, Mapping):
            return self.prefilter
        return self.prefilter.get(kind)

    @classmethod
    def docs(cls) -> str:
        import inspect  # off the start-up path (it imports ast, dis and tokenize)

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def fix_safety(cls) -> str:
        """Which of the rule's fixes `--fix` applies (safe) and which need
        `--unsafe-fixes`: a fix that changes what runs, as whom, where, or what a unit needs
        in order to start is unsafe."""
        if not cls.fixable:
            return "none"
        return cls.fix_note or "safe"


def passes(prefilter: Prefilter | None, text: str) -> bool:
    """The text may hold a finding: every pattern of the prefilter occurs in it."""
    if prefilter is None:
        return True
    if not isinstance(prefilter, tuple):
        prefilter = (prefilter,)
    return all(bool(p.search(text)) for p in prefilter)


class Needles:
    """Every plain needle (`AnyOf`) of a set of prefilters, searched for in one pass over a
    text (an Aho-Corasick automaton) instead of one scan of the whole text per needle: a
    Python file meets about 120 needles, most absent, each absent one a full scan. The
    verdicts are those of `passes`: the automaton reports every occurrence, overlapping
    ones included, so a needle is found exactly when `needle in text`; any other test (a
    pattern, a searcher) is asked as before, in the same order, only when reached."""

    __slots__ = ("_exact", "_folded", "_keep", "_known")

    def __init__(self, prefilters: Iterable[Prefilter | None]) -> None:
        exact: set[str] = set()
        folded: set[str] = set()
        known: set[int] = set()  # the AnyOf objects whose needles are all searched for
        self._known = known
        todo: list[object] = list(prefilters)
        kept: list[AnyOf] = []  # held, so that no id in `known` is reused
        while todo:
            test = todo.pop()
            if isinstance(test, tuple):
                todo.extend(test)
            elif isinstance(test, Either):
                todo.extend(test.options)
            elif type(test) is AnyOf and all(test.needles):
                (folded if test.ignore_case else exact).update(test.needles)
                known.add(id(test))
                kept.append(test)
        self._keep = kept
        self._exact = _automaton(sorted(exact))
        self._folded = _automaton(sorted(folded))
        if (self._exact is None and exact) or (self._folded is None and folded):
            known.clear()  # no automaton: every needle is searched for on its own

    def searches(self, test: AnyOf) -> bool:
        """Whether the test's needles are searched for in the one pass."""
        return id(test) in self._known

    def scan(self, text: str) -> Scan:
        """The verdicts of the prefilters on one text (the needles searched for once, when
        the first verdict needs them)."""
        return Scan(self, text)


def _automaton(needles: list[str]) -> tuple[Any, list[str]] | None:
    if not needles:
        return None
    try:
        import ahocorasick_rs
    except ImportError:  # a dependency; without it the needles are searched for alone
        return None
    # a DFA: twice the speed of the default on these needles (many start with a quote or
    # a common letter, so no byte lets the search skip ahead)
    return ahocorasick_rs.AhoCorasick(
        needles, implementation=ahocorasick_rs.Implementation.DFA), needles


class Scan:
    """One text's verdicts, with the needles of a `Needles` found in it."""

    __slots__ = ("_exact", "_folded", "_needles", "text")

    def __init__(self, needles: Needles, text: str) -> None:
        self._needles = needles
        self.text = text
        self._exact: set[str] | None = None
        self._folded: set[str] | None = None

    def passes(self, prefilter: Prefilter | None) -> bool:
        """`passes(prefilter, self.text)`."""
        if prefilter is None:
            return True
        if not isinstance(prefilter, tuple):
            return self._test(prefilter)
        return all(self._test(p) for p in prefilter)

    def _test(self, test: Test | tuple[Test, ...]) -> bool:
        if isinstance(test, tuple):
            return all(self._test(p) for p in test)
        if isinstance(test, AnyOf) and id(test) in self._needles._known:
            return not self._found(test.ignore_case).isdisjoint(test.needles)
        if isinstance(test, Either):
            return any(self._test(option) for option in test.options)
        return bool(test.search(self.text))

    def _found(self, folded: bool) -> set[str]:
        found = self._folded if folded else self._exact
        if found is None:
            automaton = self._needles._folded if folded else self._needles._exact
            text = lowered(self.text) if folded else self.text
            found = set()
            if automaton is not None:
                machine, names = automaton
                try:  # strings, not (index, start, end) tuples: no work for the collector
                    found = set(machine.find_matches_as_strings(text, overlapping=True))
                except Exception:  # a text the automaton cannot take
                    # (a lone surrogate): each needle is searched for on its own
                    found = {n for n in names if n in text}
            if folded:
                self._folded = found
            else:
                self._exact = found
        return found
