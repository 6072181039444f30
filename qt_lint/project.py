"""What rules may know of the whole repository beyond the file they check.

Cross-file rules (a unit's drop-ins, the unit start order, `common.env` beside an env file)
read it; everything is built lazily so that a run that needs none of it pays nothing.
Files other than the one being checked are read from disk, never from standard input.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qt_lint.config import Config
from qt_lint.source import Unreadable, read_text

if TYPE_CHECKING:
    from qt_lint.context import FileContext
    from qt_lint.parsers.systemd import Unit, UnitDocument


@dataclass(frozen=True)
class UnitEdges:
    """What the start order needs of one unit of the repository."""

    name: str
    path: str
    after: tuple[tuple[str, int, int], ...]  # (unit, line, column) of After= items
    requires: tuple[tuple[str, int, int], ...]  # Requires=/BindsTo= items
    unit_line: int  # line of its [Unit] header (1 when there is none)
    unit_column: int


class Project:
    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config

    # --- units ------------------------------------------------------------------------------

    def unit_for(self, ctx: FileContext) -> Unit:
        """The merged unit the file belongs to: its fragment and drop-ins from disk, with the
        file itself as checked (it may come from standard input)."""
        from qt_lint.context import unit_name_of, unit_type_of
        from qt_lint.parsers.systemd import Unit

        name = unit_name_of(ctx.relpath)
        own = ctx.unit_document
        absolute = ctx.abspath or os.path.abspath(ctx.path)
        folder = os.path.dirname(absolute)
        is_dropin = ctx.relpath.endswith(".conf") and folder.endswith(".d")
        if is_dropin:
            fragment_path = os.path.join(os.path.dirname(folder), name)
            dropin_dir = folder
        else:
            fragment_path = absolute
            dropin_dir = absolute + ".d"
        fragment = own if not is_dropin else self._document(fragment_path, unit_type_of(name))
        dropins: list[UnitDocument] = []
        if os.path.isdir(dropin_dir):
            for entry in sorted(os.listdir(dropin_dir)):
                if not entry.endswith(".conf"):
                    continue
                path = os.path.join(dropin_dir, entry)
                if path == absolute:
                    dropins.append(own)
                else:
                    doc = self._document(path, unit_type_of(name))
                    if doc is not None:
                        dropins.append(doc)
        elif is_dropin:
            dropins.append(own)
        return Unit(name, fragment, dropins)

    def timer_target(self, ctx: FileContext) -> str:
        """The unit a timer triggers: its `Unit=`, else the service of the same name."""
        setting = ctx.unit.last("Timer", "Unit")
        if setting is not None and setting.value:
            return setting.value
        return ctx.unit.stem + ".service"

    def timer_service(self, ctx: FileContext) -> Unit | None:
        """The triggered service, merged with its drop-ins, when the repository has it."""
        from qt_lint.parsers.systemd import Unit

        name = self.timer_target(ctx)
        folder = os.path.dirname(ctx.abspath or os.path.abspath(ctx.path))
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            edges = self.unit_graph.get(name)
            if edges is None or not edges.path:
                return None
            path = os.path.abspath(edges.path)
        fragment = self._document(path, "service")
        if fragment is None:
            return None
        dropins = []
        if os.path.isdir(path + ".d"):
            for entry in sorted(os.listdir(path + ".d")):
                if entry.endswith(".conf"):
                    doc = self._document(os.path.join(path + ".d", entry), "service")
                    if doc is not None:
                        dropins.append(doc)
        return Unit(name, fragment, dropins)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one Project per run
    def _document(self, path: str, unit_type: str) -> UnitDocument | None:
        from qt_lint.api import display_path
        from qt_lint.parsers.systemd import parse

        try:
            text = read_text(Path(path), self.config.max_file_size).text
        except Unreadable:
            return None  # reported as QT001 when that file itself is checked
        return parse(text, display_path(path), unit_type)

    @functools.cached_property
    def unit_graph(self) -> dict[str, UnitEdges]:
        """Every unit file of the repository (fragments and drop-ins merged), by unit name."""
        from qt_lint.classify import UNIT_SUFFIXES
        from qt_lint.context import unit_name_of, unit_type_of
        from qt_lint.discover import discover
        from qt_lint.parsers.systemd import Unit

        by_name: dict[str, list[str]] = {}
        for cand in discover([self.root], self.config):
            rel = cand.relpath
            folder = rel.rpartition("/")[0]
            if rel.endswith(UNIT_SUFFIXES) or (rel.endswith(".conf") and folder.endswith(
                    tuple(s + ".d" for s in UNIT_SUFFIXES))):
                by_name.setdefault(unit_name_of(rel), []).append(cand.abspath)
        graph: dict[str, UnitEdges] = {}
        for name, paths in sorted(by_name.items()):
            docs = [self._document(p, unit_type_of(name)) for p in sorted(paths, key=_dropin_last)]
            present = [d for d in docs if d is not None]
            fragment = next((d for d, p in zip(docs, sorted(paths, key=_dropin_last), strict=True)
                             if d is not None and not p.endswith(".conf")), None)
            unit = Unit(name, fragment, [d for d in present if d is not fragment])
            header = fragment.section("Unit") if fragment else None
            graph[name] = UnitEdges(
                name=name,
                path=fragment.file if fragment else (present[0].file if present else ""),
                after=tuple((w, *a.position(i)) for w, a, i in unit.words("Unit", "After")),
                requires=tuple(
                    (w, *a.position(i)) for key in ("Requires", "BindsTo")
                    for w, a, i in unit.words("Unit", key)),
                unit_line=header.line if header else 1,
                unit_column=header.column if header else 1,
            )
        return graph


def _dropin_last(path: str) -> tuple[int, str]:
    return (1 if path.endswith(".conf") else 0, os.path.basename(path))
