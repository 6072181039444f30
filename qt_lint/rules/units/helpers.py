"""What the unit rules share."""

from __future__ import annotations

# `User=`/`Group=` values that mean root
ROOT_VALUES = frozenset({"root", "0"})
