"""Where systemd looks for a unit's drop-ins: by name alone, without the unit parser (a
warm pre-commit run on a unit keys its cache entry by them and parses nothing)."""

from __future__ import annotations


def dropin_folders(name: str) -> list[str]:
    """The folders (beside the fragment) whose `*.conf` drop-ins systemd applies to unit
    `name`, most specific first: `<name>.d`, each dash prefix (`quantum-ai-.service.d`,
    `quantum-.service.d`), then the top-level `<type>.d` (`service.d`)."""
    stem, _, kind = name.rpartition(".")
    out = [f"{name}.d"]
    parts = stem.split("-")
    for cut in range(len(parts) - 1, 0, -1):
        out.append("-".join(parts[:cut]) + f"-.{kind}.d")
    out.append(f"{kind}.d")
    return out
