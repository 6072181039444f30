"""Configuration files: YAML, TOML, INI (`parsers/configfile.py`, keys and values), and
compose files, a YAML kind of their own. YAML and JSON may be UTF-16."""

from __future__ import annotations

from qt_lint import lazyre
from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

_COMPOSE_NAME = lazyre.compile(r"^(?:docker-compose.*|compose(?:\..+)?)\.ya?ml$")


class ComposeKind(FileKind):
    kind = Kind.COMPOSE
    files = "`docker-compose*.yml`, `compose.yml`, `compose.*.yaml`"
    utf16 = True

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return bool(_COMPOSE_NAME.match(name.name))


class ConfigKind(FileKind):
    kind = Kind.CONFIG
    files = "`*.yml`, `*.yaml`, `*.toml`, `*.ini`, `*.cfg` (Redis hosts, QT502/QT503)"
    utf16 = True

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return name.suffix in (".yml", ".yaml", ".toml", ".ini", ".cfg")


COMPOSE = ComposeKind()
CONFIG = ConfigKind()
