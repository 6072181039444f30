"""Deciding a file's kind from its name, its folder and (for extensionless files) its shebang."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qt_lint.finding import Kind

UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path", ".target")
# `<unit>.d/`, a dash prefix's `quantum-.service.d/`, and the top-level `service.d/` whose
# drop-ins systemd applies to every unit of that type
_DROPIN_DIR = re.compile(r"(?:.+\.)?(service|timer|socket|path|target)\.d$")
# a `.conf` file whose first section is a unit section (or a vendor `[X-...]` one): a
# drop-in kept outside its folder; a byte-order mark may come first, as systemd allows
_UNIT_HEAD = re.compile(rb"(?:\xef\xbb\xbf)?(?:[ \t]*(?:[#;][^\n]*)?\r?\n)*[ \t]*"
                        rb"\[(?:Unit|Service|Install|Timer|Socket|Path|X-[^\]\n]*)\][ \t]*\r?$",
                        re.M)
_ENV_NAME = re.compile(r"^(?:\.env|\.env\..+|.+\.env|.+\.env\..+)$")
_COMPOSE_NAME = re.compile(r"^(?:docker-compose.*|compose(?:\..+)?)\.ya?ml$")
_SHEBANG = re.compile(rb"^#!\s*(?:/usr)?(?:/local)?/bin/(?:env\s+(?:-\S+\s+)*)?(\S+)")
_SHELLS = {b"sh", b"bash", b"dash"}
_MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}
_PROSE = {".md", ".txt", ".rst", ".adoc", ".html"}


@dataclass(frozen=True, slots=True)
class Target:
    """A classified file: what the engine checks."""

    path: str  # as shown to the user: relative to the current directory, forward slashes
    abspath: str
    relpath: str  # relative to the project root
    kind: Kind


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name)) and not name.startswith(".envrc")


def classify(relpath: str, head: Callable[[], bytes] | None = None) -> Kind | None:
    """The kind of the file at `relpath` (posix), or None when qt-lint has no rules for it.

    `head` returns the file's first bytes; it is only called for extensionless names (a
    shebang) and `.conf` files outside `<unit>.d/` folders (a unit section first).
    """
    folder, _, name = relpath.rpartition("/")
    parent = folder.rpartition("/")[2]
    dot = name.rfind(".")
    suffix = name[dot:] if dot > 0 else ""
    if suffix in UNIT_SUFFIXES:
        return Kind.UNIT
    if suffix == ".conf" and (_DROPIN_DIR.match(parent) or
                              (head is not None and _UNIT_HEAD.match(head()))):
        return Kind.UNIT  # a drop-in; outside a `<unit>.d/` folder known by its sections
    if suffix in (".py", ".pyi"):
        return Kind.PYTHON
    if suffix in (".sh", ".bash"):
        return Kind.SHELL
    if is_env_name(name):
        return Kind.ENV
    if name in _MAKEFILES or suffix == ".mk":
        return Kind.MAKEFILE
    if (name in ("Dockerfile", "Containerfile")
            or (name.startswith("Dockerfile.") and suffix not in _PROSE)
            or name.endswith((".Dockerfile", ".dockerfile"))):
        return Kind.DOCKERFILE
    if _COMPOSE_NAME.match(name):
        return Kind.COMPOSE
    if name == "crontab" or suffix in (".cron", ".crontab") or parent == "cron.d":
        return Kind.CRONTAB
    if suffix in (".yml", ".yaml", ".toml", ".ini", ".cfg"):
        return Kind.CONFIG
    if not suffix and head is not None:
        match = _SHEBANG.match(head())
        if match:
            program = match.group(1)
            if program in _SHELLS:
                return Kind.SHELL
            if program.startswith(b"python"):
                return Kind.PYTHON
    return None
