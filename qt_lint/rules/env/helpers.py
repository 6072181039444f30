"""What the env-file rules share."""

from __future__ import annotations

TEMPLATE_PARTS = frozenset({"example", "template", "sample", "dist"})


def is_template(name: str) -> bool:
    """`.env.example`, `x.env.template.ai`: a dot-separated part after `env` marks a template."""
    parts = name.split(".")
    if "env" not in parts:
        return False
    return any(part in TEMPLATE_PARTS for part in parts[parts.index("env") + 1:])
