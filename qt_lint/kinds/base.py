"""What every file kind answers; the kinds' modules override what differs."""

from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ClassVar

    from qt_lint.command_model import Command
    from qt_lint.context import FileContext
    from qt_lint.parsers.envfile import EnvEntry
    from qt_lint.parsers.shell import ShellAnalysis, Written
    from qt_lint.project import Project

@record(frozen=True, slots=True)
class Name:
    """A file's path split the way the name tests read it."""

    relpath: str
    name: str  # the last component
    parent: str  # the folder's own name ("" at the root)
    suffix: str  # from the last dot, "" when the name has none (a leading dot is no suffix)

    @classmethod
    def of(cls, relpath: str) -> Name:
        folder, _, name = relpath.rpartition("/")
        dot = name.rfind(".")
        return cls(relpath, name, folder.rpartition("/")[2], name[dot:] if dot > 0 else "")

    @staticmethod
    def shebang(head: bytes) -> bytes | None:
        """The interpreter a `#!` line runs, by base name: `#!/bin/bash` and
        `#!/usr/bin/env bash` are `bash`; `#!/usr/bin/env -S VAR=x bash -e` is `bash`
        (env's options and assignments skipped); `#!/bin/busybox sh` is busybox's applet
        `sh`."""
        if not head.startswith(b"#!"):
            return None
        words = head[2:].split(b"\n", 1)[0].split()
        if not words:
            return None
        name = words[0].rsplit(b"/", 1)[-1]
        rest = words[1:]
        if name == b"env":
            while rest and (rest[0].startswith(b"-") or b"=" in rest[0]):
                option = rest.pop(0)
                if option in (b"-u", b"--unset", b"-C", b"--chdir") and rest:
                    rest.pop(0)
            if not rest:
                return None
            name, rest = rest[0].rsplit(b"/", 1)[-1], rest[1:]
        if name == b"busybox" and rest:
            name = rest[0].rsplit(b"/", 1)[-1]
        return name


class FileKind:
    """One file kind. Instances are module constants (`qt_lint.kinds.python.PYTHON`)."""

    kind: ClassVar[Kind]
    files: ClassVar[str]  # which files, for the README's kind table
    # decoding: systemd's reader (a lone CR and NUL end a line), UTF-16 with a BOM
    systemd_lines: ClassVar[bool] = False
    utf16: ClassVar[bool] = False
    # comments: False where the syntax has only whole-line comments (`User=root # x` sets
    # the user to `root # x`); those kinds also take `;` as a comment mark
    trailing_comments: ClassVar[bool] = True
    # QT001: parse the file even when no rule examined it (Python: only when a rule could
    # fire, its text proves the rest clean)
    always_parsed: ClassVar[bool] = True
    # a script can write a file of this kind (heredoc, echo, printf): it is judged at the
    # script's lines, except for these codes (and these when the lines are appended)
    generated: ClassVar[bool] = False
    written_skips: ClassVar[frozenset[str]] = frozenset()
    appended_skips: ClassVar[frozenset[str]] = frozenset()
    # files of this kind being checked join the repository's cross-file facts even when git
    # does not track them yet (units: the start order); git lists the others early
    cross_file: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<file kind {self.kind.value}>"

    # --- which files ---------------------------------------------------------------------

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        """The file is of this kind by its name (`head`: its first bytes, read on demand)."""
        return False

    def runs(self, program: bytes) -> bool:
        """An extensionless file whose shebang runs `program` is of this kind."""
        return False

    # --- suppressions ----------------------------------------------------------------------

    @property
    def comment_marks(self) -> tuple[str, ...]:
        return ("#",) if self.trailing_comments else ("#", ";")

    def comment_positions(self, text: str) -> set[tuple[int, int]] | None:
        """(line, column) of every comment mark holding `qt-lint:`, where the kind can tell
        a comment from a string; None: every directive-shaped line counts."""
        return None

    # --- parsing, through FileContext ----------------------------------------------------

    def parse(self, ctx: FileContext) -> None:
        """Run the kind's parser (QT001 reports what does not parse)."""

    def shell_analysis(self, ctx: FileContext) -> ShellAnalysis:
        """The commands the file's shell code runs (scripts, recipes, crontab lines)."""
        from qt_lint.parsers.shell import parse_shell

        return parse_shell(ctx.text)

    def commands(self, ctx: FileContext) -> list[Command]:
        """Every command the file runs."""
        return []

    def prefilter_text(self, ctx: FileContext) -> str:
        """The text the rules' prefilters search: the file's text, unless the kind's
        reader sees words the text does not spell out (shell: `"py"thon3`)."""
        return ctx.text

    def env_entries(self, ctx: FileContext) -> list[EnvEntry]:
        """The variables the file sets for a service."""
        return []

    # --- what else a result depends on ---------------------------------------------------

    def dependencies(self, project: Project, abspath: str, content: Callable[[], bytes]) -> str:
        """A digest of what the file's findings depend on beyond its own text ("": none).
        `content()`: the file's bytes, the ones the result cache hashes (read once, when a
        kind first asks; raises `Unreadable`)."""
        return ""

    # --- files it writes, files written as it --------------------------------------------

    def written(self, ctx: FileContext) -> list[Written]:
        """The files this file writes that are analysed as their own kind."""
        return []

    def rewritten(self, ctx: FileContext, written: list[Written],
                  generated: Callable[[str], object]) -> list[Written]:
        """Files this file installs from others or edits in place, as they will be after
        it (`generated` tells which paths are of a kind a script can generate)."""
        return []

    def appended(self, relpath: str, text: str, item: Written) -> tuple[str, str, Written]:
        """Lines a script appends to a file of this kind it did not write: where and as what
        they are judged."""
        return relpath, text, item
