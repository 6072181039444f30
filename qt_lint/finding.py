"""The data every stage passes on: file kinds, severities, findings and fixes."""

from __future__ import annotations

import enum

from qt_lint.record import field, record


class Kind(str, enum.Enum):
    """What a file is, decided by `classify` from its name and shebang."""

    PYTHON = "python"
    SHELL = "shell"
    MAKEFILE = "makefile"
    UNIT = "systemd-unit"
    ENV = "env-file"
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    CRONTAB = "crontab"
    CONFIG = "config"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@record(frozen=True, slots=True)
class Edit:
    """Replace the text between two offsets of the (newline-normalised) file text."""

    start: int
    end: int
    text: str
    rank: int = 0  # orders insertions at the same offset (the golden template's key order)


@record(frozen=True, slots=True)
class Fix:
    """The edits that fix a finding, and whether they are safe."""

    edits: tuple[Edit, ...]
    safe: bool = True


@record(frozen=True, slots=True, order=True)
class Finding:
    """One offence. Ordered by path, position and code so output is deterministic."""

    path: str
    line: int
    column: int
    code: str
    message: str = field(compare=False)
    severity: Severity = field(compare=False, default=Severity.ERROR)
    name: str = field(compare=False, default="")
    section: str = field(compare=False, default="")
    fix: Fix | None = field(compare=False, default=None)
    # A key that identifies the offence without its line number (for baselines and SARIF):
    # its code, the offending line's text and what it is about (the message)
    anchor: str = field(compare=False, default="")
    # the fingerprint of baselines of version 1 (code and line text only), which they match
    legacy: str = field(compare=False, default="")
