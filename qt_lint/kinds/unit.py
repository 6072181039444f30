"""systemd units and drop-ins, read as systemd reads them (`parsers/systemd.py`); commands
from `Exec*=` lines; findings depend on every unit of the repository (drop-ins, the start
order, timers)."""
from __future__ import annotations

import re

from qt_lint import lazyre
from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name
from qt_lint.record import replace

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.command_model import Command
    from qt_lint.context import FileContext
    from qt_lint.parsers.envfile import EnvEntry
    from qt_lint.parsers.shell import Written
    from qt_lint.project import Project

UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path", ".target")
# `<unit>.d/`, a dash prefix's `quantum-.service.d/`, and the top-level `service.d/` whose
# drop-ins systemd applies to every unit of that type
_DROPIN_DIR = lazyre.compile(r"(?:.+\.)?(service|timer|socket|path|target)\.d$")
# a `.conf` file whose first section is a unit section (or a vendor `[X-...]` one): a
# drop-in kept outside its folder; a byte-order mark may come first, as systemd allows
_UNIT_HEAD = lazyre.compile(rb"(?:\xef\xbb\xbf)?(?:[ \t]*(?:[#;][^\n]*)?\r?\n)*[ \t]*"
                        rb"\[(?:Unit|Service|Install|Timer|Socket|Path|X-[^\]\n]*)\][ \t]*\r?$",
                        re.M)


class UnitKind(FileKind):
    kind = Kind.UNIT
    files = ("`*.service`, `*.timer`, `*.socket`, `*.path`, `*.target`, drop-ins "
             "`<unit>.d/*.conf`, and a `*.conf` file elsewhere whose first section is "
             "`[Service]`, `[Unit]`, ... (a drop-in kept outside its folder)")
    systemd_lines = True
    trailing_comments = False
    generated = True
    cross_file = True

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        if name.suffix in UNIT_SUFFIXES:
            return True
        # a drop-in; outside a `<unit>.d/` folder known by its sections
        return name.suffix == ".conf" and bool(
            _DROPIN_DIR.match(name.parent) or (head is not None and _UNIT_HEAD.match(head())))

    def commands(self, ctx: FileContext) -> list[Command]:
        from qt_lint.parsers.systemd import commands_of

        return commands_of(ctx.unit_document)

    def env_entries(self, ctx: FileContext) -> list[EnvEntry]:
        from qt_lint.parsers.unitvalues import environment_entries

        return environment_entries(ctx.unit_document, ctx.unit_name)

    def dependencies(self, project: Project, abspath: str, content: Callable[[], bytes]) -> str:
        # the repository's units, and whatever is merged from disk, tracked or not (an
        # untracked local drop-in setting User=qt over a fragment's User=root)
        from qt_lint.sha import sha256

        merged = sha256(project.units_digest.encode())
        for path in project.merged_paths(abspath):
            if path == abspath:
                continue  # its own content keys the cache entry already
            merged.update(f"{path}\0{project.files.read(path)}\0".encode())
        return merged.hexdigest()

    def appended(self, relpath: str, text: str, item: Written) -> tuple[str, str, Written]:
        """Lines added to a unit the script did not write: judged as a drop-in (what they
        set), not as a whole unit (what they leave out)."""
        if relpath.endswith(".conf"):
            return relpath, text, item
        relpath += ".d/appended.conf"
        if not text.lstrip().startswith("["):
            text = "[Service]\n" + text
            item = replace(item, rows=item.rows[:1] + item.rows,
                           columns=item.columns[:1] + item.columns)
        return relpath, text, item


UNIT = UnitKind()
