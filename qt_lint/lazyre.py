"""`lazyre.compile`: a module-level regular expression compiled when it is first used.

qt-lint's modules define about 130 patterns at their top level; a one-file run imports the
modules of its path and used to compile some 80 patterns there, of which it ran 5 (compiling
them cost 20-30 ms, a fifth of such a run). A lazy pattern keeps its source and flags and
compiles on the first method call; it then holds the compiled pattern's bound methods, so
that later calls cost what the compiled pattern's do.

It offers what the code asks of a pattern: `search`, `match`, `fullmatch`, `finditer`,
`findall`, `sub`, `subn`, `split`, `scanner`, `pattern`, `flags`, `groups`,
`groupindex`, and pickling (rules cross to worker processes). It is not an `re.Pattern`:
it must not be given to `re.search(PATTERN, ...)` and friends, nor be told apart with
`isinstance(x, re.Pattern)`; ask `compiled` for the real one (`tests/test_lazyre.py` holds
that no module does either). For the type checker it is an `re.Pattern` (of `str` or
`bytes`, as its source).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, AnyStr

__all__ = ["LazyPattern", "compile", "compiled"]

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
            "scanner")


class LazyPattern:
    """A pattern's source and flags; compiled on first use (see the module's docstring)."""

    def __init__(self, pattern: Any, flags: int = 0) -> None:
        self.pattern = pattern  # str or bytes
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    def compiled(self) -> re.Pattern[Any]:
        """The compiled pattern (compiled now if it was not yet)."""
        made = self._compiled
        if made is None:
            made = self._compiled = re.compile(self.pattern, self._flags)
            for name in _METHODS:  # later calls find the compiled methods directly
                setattr(self, name, getattr(made, name))
        return made

    def __getattr__(self, name: str) -> Any:
        # only what the instance does not hold yet: a method before the first use
        if name.startswith("__") or name in ("pattern", "_flags", "_compiled"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __reduce__(self) -> tuple[object, tuple[Any, int]]:
        return compile, (self.pattern, self._flags)

    def __repr__(self) -> str:
        return repr(self.compiled())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern):
            other = other.compiled()
        return self.compiled() == other

    def __hash__(self) -> int:
        return hash(self.compiled())


def compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]


def compiled(pattern: re.Pattern[AnyStr] | LazyPattern) -> re.Pattern[AnyStr]:
    """The real `re.Pattern` of a pattern, lazy or not (for `re` functions and isinstance)."""
    return pattern.compiled() if isinstance(pattern, LazyPattern) else pattern
