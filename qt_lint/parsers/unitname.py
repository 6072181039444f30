"""A unit's name from its path (beside the unit parser: a warm one-file run on a script
names the units that run it without importing the parser and its data classes)."""

from __future__ import annotations


def unit_name_of(relpath: str) -> str:
    """`a/x.service` -> `x.service`; a drop-in `a/x.service.d/y.conf` -> `x.service`."""
    folder, _, name = relpath.rpartition("/")
    if name.endswith(".conf") and folder.endswith(".d"):
        return folder.rpartition("/")[2].removesuffix(".d")
    return name
