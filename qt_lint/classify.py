"""Deciding a file's kind from its name, its folder and (for extensionless files) its shebang."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qt_lint.finding import Kind

UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path", ".target")
_DROPIN_DIR = re.compile(r".+\.(service|timer|socket|path|target)\.d$")
# a `.conf` file whose first section is a unit section: a drop-in kept outside its folder
_UNIT_HEAD = re.compile(rb"(?:[ \t]*(?:[#;][^\n]*)?\r?\n)*[ \t]*"
                        rb"\[(?:Unit|Service|Install|Timer|Socket|Path)\][ \t]*\r?$", re.M)
_ENV_NAME = re.compile(r"^(?:\.env|\.env\..+|.+\.env|.+\.env\..+)$")
_COMPOSE_NAME = re.compile(r"^(?:docker-compose.*|compose(?:\..+)?)\.ya?ml$")
_SHELLS = {b"sh", b"bash", b"dash", b"ash", b"ksh"}
_MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}
_PROSE = {".md", ".txt", ".rst", ".adoc", ".html"}


@dataclass(frozen=True, slots=True)
class Target:
    """A classified file: what the engine checks."""

    path: str  # as shown to the user: relative to the current directory, forward slashes
    abspath: str
    relpath: str  # relative to the project root
    kind: Kind


def shebang_program(head: bytes) -> bytes | None:
    """The interpreter a `#!` line runs, by base name: `#!/bin/bash` and
    `#!/usr/bin/env bash` are `bash`; `#!/usr/bin/env -S VAR=x bash -e` is `bash` (env's
    options and assignments skipped); `#!/bin/busybox sh` is busybox's applet `sh`."""
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
        program = shebang_program(head())
        if program is not None:
            if program in _SHELLS:
                return Kind.SHELL
            if program.startswith(b"python"):
                return Kind.PYTHON
    return None
