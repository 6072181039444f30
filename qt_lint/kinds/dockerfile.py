"""Dockerfiles and Containerfiles (the container rules read their lines,
`rules/containers/helpers.py`)."""

from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

_PROSE = {".md", ".txt", ".rst", ".adoc", ".html"}


class DockerfileKind(FileKind):
    kind = Kind.DOCKERFILE
    files = "`Dockerfile`, `Dockerfile.*` (not `.md`/`.txt`), `*.Dockerfile`, `Containerfile`"

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        n = name.name
        return (n in ("Dockerfile", "Containerfile")
                or (n.startswith("Dockerfile.") and name.suffix not in _PROSE)
                or n.endswith((".Dockerfile", ".dockerfile")))


DOCKERFILE = DockerfileKind()
