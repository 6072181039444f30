"""A piece of Python given as text (`python3 -c CODE`, a script's heredoc) read as the
Python parser reads a file, for the rules that find such code inside other files."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from qt_lint.parsers.python import PythonFacts


def read_code(text: str) -> PythonFacts | None:
    """The facts of `text`, or None when CPython would refuse it (then nothing runs)."""
    from qt_lint.parsers import ParseError
    from qt_lint.parsers.python import PythonFacts, parse_tree

    try:
        return PythonFacts(text, parse_tree(text))
    except ParseError:
        return None
