"""What the unit rules share."""

from __future__ import annotations

# `User=`/`Group=` values that mean root
ROOT_VALUES = frozenset({"root", "0"})


# the specifiers the system manager expands to root's name or id (systemd.unit(5); the
# values qt_lint.parsers.systemd.specified() gives them)
_ROOT_SPECIFIERS = frozenset({"%u", "%U", "%g", "%G"})


def is_root(value: str) -> bool:
    """A `User=`/`Group=` value that is root as systemd reads it: `root`, `0`, or the
    specifiers the system manager expands to them (`%u`, `%U`, `%g`, `%G`)."""
    return value in ROOT_VALUES or value in _ROOT_SPECIFIERS
