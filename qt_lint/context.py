"""What a rule sees of one file: its text and kind, and each parse of it, made at most once."""

from __future__ import annotations

from functools import cached_property

from qt_lint import kinds
from qt_lint.config import Config
from qt_lint.finding import Finding, Fix, Kind
from qt_lint.kinds import SHELL_KINDS
from qt_lint.parsers import ParseError
from qt_lint.source import Text

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    import ast

    from qt_lint.command_model import Command
    from qt_lint.parsers.configfile import ConfigValue
    from qt_lint.parsers.envfile import EnvEntry, EnvFile
    from qt_lint.parsers.makefile import MakeProgram
    from qt_lint.parsers.python import PythonFacts
    from qt_lint.parsers.shell import ShellAnalysis
    from qt_lint.parsers.systemd import Assignment, Unit, UnitDocument
    from qt_lint.project import Project
    from qt_lint.rule import Rule

__all__ = ["SHELL_KINDS", "FileContext"]


class FileContext:
    def __init__(self, path: str, relpath: str, kind: Kind, source: Text, config: Config,
                 project: Project | None = None, abspath: str = "") -> None:
        self.path = path  # as shown to the user
        self.abspath = abspath
        self.relpath = relpath  # relative to the project root, posix
        self.kind = kind
        self.kind_spec = kinds.of(kind)  # what differs between kinds is asked of it
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

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for line in self.lines:
            starts.append(starts[-1] + len(line) + 1)
        return starts

    def offset(self, line: int, column: int) -> int:
        """The text offset of a 1-based line and column (what a fix's `Edit` takes)."""
        starts = self._line_starts
        return starts[min(max(line, 1), len(starts)) - 1] + column - 1

    @cached_property
    def unit_document(self) -> UnitDocument:
        """This file parsed as a unit fragment or drop-in."""
        from qt_lint.parsers.systemd import parse, unit_type_of

        return parse(self.text, self.path, unit_type_of(self.relpath))

    @property
    def unit_name(self) -> str:
        """The unit a unit file configures, by its path: `x.service`, also for its drop-in
        `x.service.d/y.conf` (a drop-in outside such a folder: its own name)."""
        from qt_lint.parsers.unitname import unit_name_of

        return unit_name_of(self.relpath)

    @cached_property
    def unit(self) -> Unit:
        """The unit as systemd sees it: this file merged with its fragment or drop-ins."""
        return self.project.unit_for(self)

    def unit_printf(self, text: str, instance: str = "") -> str | None:
        """`text` with the unit's specifiers expanded as the system manager does (`%N` the
        unit's name without its type, `%i` its instance; a template's with `instance`);
        None when systemd would refuse it (an unknown specifier)."""
        from qt_lint.parsers.unitvalues import Refused, unit_printf

        unit = self.unit
        name = unit.name
        if instance and unit.stem.endswith("@"):
            name = f"{unit.stem}{instance}.{unit.type}"
        try:
            return unit_printf(text, name)[0]
        except Refused:
            return None

    @cached_property
    def shell(self) -> ShellAnalysis:
        """Shell, Makefile recipes or crontab commands, parsed with tree-sitter-bash (the
        kind says which reader)."""
        analysis = self.kind_spec.shell_analysis(self)
        self.recovered.extend(analysis.errors)
        return analysis

    @cached_property
    def makefile(self) -> MakeProgram:
        """A Makefile read as GNU make reads it: its rules, variables and special targets."""
        from qt_lint.parsers.makefile import read_makefile

        return read_makefile(self.text)

    @cached_property
    def _python_parse(self) -> ast.Module | ParseError:
        from qt_lint.parsers.python import parse_tree

        try:
            return parse_tree(self.text)
        except ParseError as exc:
            return exc  # kept, so a file that does not parse is parsed once

    @property
    def python_tree(self) -> ast.Module:
        """The syntax tree alone (raises ParseError, reported once as QT001)."""
        parsed = self._python_parse
        if isinstance(parsed, ParseError):
            raise parsed
        return parsed

    @cached_property
    def python(self) -> PythonFacts:
        """What the Python rules judge: calls, literals, commands (see parsers/python.py)."""
        from qt_lint.parsers.python import PythonFacts

        facts = PythonFacts(self.text, self.python_tree)
        if self.abspath:
            from qt_lint.pymodel.modules import Links

            facts.links = Links(self.project.python_modules, self.abspath, facts)
        return facts

    @cached_property
    def env_entries(self) -> list[EnvEntry]:
        """The variables a file sets for a service: an env file's assignments, or the
        `Environment=` words of the unit's own file (judged alike: secrets, Redis hosts,
        paths)."""
        return self.kind_spec.env_entries(self)

    def not_analysed(self, message: str, line: int = 1, column: int = 1) -> None:
        """A part of the file a rule could not analyse (reported as QT001: not analysed
        is never a pass)."""
        self.recovered.append(ParseError(message, line, column))

    @cached_property
    def env(self) -> EnvFile:
        """The env file's assignments (lines systemd would ignore are reported as QT001)."""
        from qt_lint.parsers.envfile import read_env

        parsed = read_env(self.source)
        if parsed.problems:
            line, column, message = parsed.problems[0]
            self.recovered.append(ParseError(message, line, column))
        return parsed

    @cached_property
    def config_values(self) -> list[ConfigValue]:
        """Keys and values of a YAML, TOML or INI file (compose files included)."""
        from qt_lint.parsers.configfile import scan_config, style_of

        return scan_config(self.text, style_of(self.relpath))

    def parse(self) -> None:
        """Parse the file with its kind's parser (QT001 reports what does not parse)."""
        self.kind_spec.parse(self)

    @cached_property
    def commands(self) -> list[Command]:
        """Every command this file runs (see `qt_lint.command_model`)."""
        return self.kind_spec.commands(self)

    def owns(self, assignment: Assignment) -> bool:
        """The assignment is written in this file (not in its fragment or another drop-in)."""
        return assignment.file == self.path

    @property
    def is_fragment(self) -> bool:
        return self.unit.fragment is self.unit_document

    @property
    def project(self) -> Project:
        if self._project is None:
            from qt_lint.project import Project

            self._project = Project(self.config.root, self.config)
        return self._project

    def finding(self, rule: type[Rule] | Rule, line: int, column: int, message: str,
                fix: Fix | None = None, anchor: str = "") -> Finding:
        from qt_lint.secrets import redact_line

        return Finding(
            path=self.path, line=line, column=column, code=rule.code,
            message=redact_line(message),  # a last net: no `SECRET=value` in any output
            severity=rule.severity, name=rule.name, section=rule.section, fix=fix,
            anchor=anchor,
        )
