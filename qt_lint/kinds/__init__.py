"""File kinds: each family of kinds in one module of this package, owning everything that
differs between kinds (see docs/adding-a-kind.md):

- which files it is: the name test, the shebang test (extensionless files);
- how it is decoded (systemd's line breaks and NUL, UTF-16 for YAML and JSON);
- the parser rules reach through `FileContext`, and what "parsed" means for QT001;
- its comment syntax, for inline suppressions;
- the commands it yields (one `Command` model for every kind);
- what its findings depend on beyond its own text (the result cache keys by it);
- whether a script can generate it (judged at the script's lines) and what is not judged then.

`classify`, `engine`, `context`, `suppress` and the cache ask the kind; none of them names
one (tests/test_layering.py). This package sits below `project.py`: it imports parsers and
plain data only, and receives the project and the file's context as arguments.
"""

from __future__ import annotations

from collections.abc import Callable

from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name
from qt_lint.kinds.config import COMPOSE, CONFIG
from qt_lint.kinds.dockerfile import DOCKERFILE
from qt_lint.kinds.env import ENV
from qt_lint.kinds.python import PYTHON
from qt_lint.kinds.shell import CRONTAB, MAKEFILE, SHELL, SHELL_KINDS
from qt_lint.kinds.unit import UNIT

__all__ = ["KINDS", "SHELL_KINDS", "FileKind", "Name", "classify", "of"]

# In the order names are tested: the first kind whose name test holds is the file's kind.
KINDS: tuple[FileKind, ...] = (UNIT, PYTHON, SHELL, ENV, MAKEFILE, DOCKERFILE, COMPOSE,
                               CRONTAB, CONFIG)
_BY_KIND: dict[Kind, FileKind] = {k.kind: k for k in KINDS}
assert set(_BY_KIND) == set(Kind), "every Kind has its module"


def of(kind: Kind) -> FileKind:
    """The module-level description of a kind."""
    return _BY_KIND[kind]


def classify(relpath: str, head: Callable[[], bytes] | None = None) -> Kind | None:
    """The kind of the file at `relpath` (posix), or None when qt-lint has no rules for it.

    `head` returns the file's first bytes; a kind calls it only where its name leaves the
    question open (an extensionless name: a shebang; a `.conf` file: its first section)."""
    name = Name.of(relpath)
    for spec in KINDS:
        if spec.matches(name, head):
            return spec.kind
    if not name.suffix and head is not None:
        program = Name.shebang(head())
        if program is not None:
            for spec in KINDS:
                if spec.runs(program):
                    return spec.kind
    return None
