"""Deciding a file's kind: a loop over the kinds (`qt_lint.kinds`), each testing the name,
its folder and (for extensionless files) the shebang, or its first section."""

from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.kinds import classify
from qt_lint.kinds.env import is_env_name
from qt_lint.kinds.unit import UNIT_SUFFIXES
from qt_lint.record import record

__all__ = ["UNIT_SUFFIXES", "Target", "classify", "is_env_name"]


@record(frozen=True, slots=True)
class Target:
    """A classified file: what the engine checks."""

    path: str  # as shown to the user: relative to the current directory, forward slashes
    abspath: str
    relpath: str  # relative to the project root
    kind: Kind
