"""What a rule sees of one file: its text and kind, and each parse of it, made at most once."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from qt_lint.config import Config
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.source import Text

if TYPE_CHECKING:
    from qt_lint.project import Project
    from qt_lint.rule import Rule


class ParseError(Exception):
    """The file (or the part a rule needs) does not parse; reported once as QT001."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class FileContext:
    def __init__(self, path: str, relpath: str, kind: Kind, source: Text, config: Config,
                 project: Project | None = None) -> None:
        self.path = path  # as shown to the user
        self.relpath = relpath  # relative to the project root, posix
        self.kind = kind
        self.source = source
        self.text = source.text
        self.config = config
        self.contract = config.contract
        self._project = project
        # Problems a parser recovered from (the rest of the file is still analysed).
        self.recovered: list[ParseError] = []

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def project(self) -> Project:
        if self._project is None:
            from qt_lint.project import Project

            self._project = Project(self.config.root, self.config)
        return self._project

    def finding(self, rule: type[Rule] | Rule, line: int, column: int, message: str,
                fix: Fix | None = None, anchor: str = "") -> Finding:
        return Finding(
            path=self.path, line=line, column=column, code=rule.code, message=message,
            severity=rule.severity, name=rule.name, section=rule.section, fix=fix,
            anchor=anchor,
        )
