"""What the unit rules share."""

from __future__ import annotations

# `User=`/`Group=` values that mean root
ROOT_VALUES = frozenset({"root", "0"})


def is_root(value: str) -> bool:
    """A `User=`/`Group=` value that is root as systemd reads it: `root`, `0`, or the
    specifiers the system manager expands to them (`%u`, `%U`, `%g`, `%G`)."""
    from qt_lint.parsers.systemd import specified

    return specified(value) in ROOT_VALUES
