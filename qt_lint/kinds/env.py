"""Env files (`EnvironmentFile=`), read as systemd reads them (`parsers/envfile.py`);
findings depend on the `common.env` beside the file."""

from __future__ import annotations

from qt_lint import lazyre
from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name
from qt_lint.sha import sha256

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.context import FileContext
    from qt_lint.parsers.envfile import EnvEntry
    from qt_lint.project import Project

_ENV_NAME = lazyre.compile(r"^(?:\.env|\.env\..+|.+\.env|.+\.env\..+)$")


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME.match(name)) and not name.startswith(".envrc")


class EnvKind(FileKind):
    kind = Kind.ENV
    files = "`.env`, `.env.*`, `*.env`, `*.env.*` (not `.envrc`)"
    systemd_lines = True
    trailing_comments = False
    generated = True
    # about a file being committed to the repository, which a file a script writes on a
    # host is not; what lines appended to a file leave out is not theirs to say
    written_skips = frozenset({"QT301", "QT302"})
    appended_skips = frozenset({"QT307"})

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return is_env_name(name.name)

    def parse(self, ctx: FileContext) -> None:
        _ = ctx.env

    def env_entries(self, ctx: FileContext) -> list[EnvEntry]:
        return ctx.env.entries

    def dependencies(self, project: Project, abspath: str, content: Callable[[], bytes]) -> str:
        import os

        common = os.path.join(os.path.dirname(abspath), project.config.contract.common_env)
        return sha256((project.files.read(common) or "").encode()).hexdigest()


ENV = EnvKind()
