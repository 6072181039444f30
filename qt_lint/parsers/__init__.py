"""One parser per file kind; each is imported only when a file of its kind needs it."""

from __future__ import annotations


class ParseError(Exception):
    """The file (or the part a rule needs) does not parse; reported once as QT001."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
