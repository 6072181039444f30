"""What rules may know of the whole repository beyond the file they check.

Cross-file rules (a unit's drop-ins, the unit start order, `common.env` beside an env file)
read it; everything is built lazily so that a run that needs none of it pays nothing.
Files other than the one being checked are read from disk, never from standard input.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from qt_lint import kinds
from qt_lint.config import Config
from qt_lint.finding import Kind
from qt_lint.kinds.shell import ESCALATION_WORDS
from qt_lint.kinds.unit import UNIT, UNIT_SUFFIXES
from qt_lint.record import record
from qt_lint.sha import sha256
from qt_lint.source import Unreadable, file_signature, link_outside, read_text

__all__ = ["ESCALATION_WORDS", "FileSource", "Project", "RecordedFiles", "UnitEdges", "cycles",
           "ordering_cycles"]

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint import git
    from qt_lint.context import FileContext
    from qt_lint.discover import Candidate
    from qt_lint.parsers.python import PythonFacts
    from qt_lint.parsers.systemd import OrderingEdges, Unit, UnitDocument
    from qt_lint.pymodel.modules import ModuleIndex


@record(frozen=True)
class UnitEdges:
    """What the start order needs of one unit of the repository."""

    name: str
    path: str  # its fragment
    after: tuple[str, ...]  # After= items, and the units that are Before= it
    requires: tuple[str, ...]  # Requires=/BindsTo=/Requisite= items, and `.requires/` links
    conditional: bool = False  # a Condition*=/ExecCondition=: its start may be skipped


class FileSource:
    """Where the project reads files other than the one being checked (units and env
    files, read as systemd reads them): the disk, or (for the host audit judging a
    snapshot) a recorded set of files."""

    def __init__(self, max_size: int, root: str = "/") -> None:
        self.max_size = max_size
        self.root = root

    def read(self, path: str) -> str | None:
        if link_outside(path, self.root):
            return None  # not the repository's file (reported when it is checked itself)
        try:
            return read_text(Path(path), self.max_size, systemd=True).text
        except Unreadable:
            return None  # reported as QT001 when that file itself is checked

    def isfile(self, path: str) -> bool:
        return os.path.isfile(path)

    def alias_target(self, path: str) -> str | None:
        """The unit a symlinked unit file is an alias of (the link's target name, when it
        stays inside the root); None for a file that is no link."""
        if not os.path.islink(path) or link_outside(path, self.root):
            return None
        return os.path.basename(os.path.realpath(path))

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(path)) if os.path.isdir(path) else []
        except OSError:
            return []


class RecordedFiles(FileSource):
    """Files held in memory (a host snapshot): path -> text."""

    def __init__(self, files: dict[str, str], links: dict[str, str] | None = None) -> None:
        super().__init__(0)
        self.files = files
        self.links = links or {}  # a recorded symbolic link -> the path it resolves to

    def read(self, path: str) -> str | None:
        return self.files.get(path)

    def isfile(self, path: str) -> bool:
        return path in self.files

    def alias_target(self, path: str) -> str | None:
        resolved = self.links.get(path)
        return os.path.basename(resolved) if resolved else None

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted({p[len(prefix):].split("/", 1)[0] for p in (*self.files, *self.links)
                       if p.startswith(prefix)})


class Project:
    def __init__(self, root: Path, config: Config, files: FileSource | None = None,
                 unit_paths: list[str] | None = None) -> None:
        self.root = root
        self.config = config
        self.files = files or FileSource(config.max_file_size, str(root))
        self._unit_paths = unit_paths  # the units to consider (host audit); else git/walk
        self._listing: git.Background | None = None
        # What earlier runs learnt of other files, kept by the result cache (`memo`): each
        # file's facts under its stat signature, so that a file whose stat is unchanged is
        # not read again. "units": path -> [signature, content digest, After= items,
        # Requires= items]; "scripts": the script names a file mentions (qt_lint.runby).
        self.memo_loader: Callable[[str], dict[str, list[object]]] | None = None
        self.memos: dict[str, dict[str, list[object]]] = {}
        self.memos_changed: set[str] = set()
        self._checked_units: set[str] = set()
        self._documents: dict[tuple[str, str], UnitDocument | None] = {}
        self._folders: dict[tuple[str, str], list[tuple[str, UnitDocument]]] = {}
        self._units: dict[tuple[str, str, str], Unit] = {}
        self._before_of: dict[str, list[str]] = {}  # built with `unit_graph`
        self._alias_folders: dict[str, dict[str, list[str]]] = {}

    def add_checked_units(self, paths: list[str]) -> None:
        """Units being checked belong to the start order even when git does not track them
        yet (a new unit in `qt-lint check .`)."""
        self._checked_units.update(paths)

    def prefetch_units(self) -> None:
        """Start listing the repository's unit files now; `unit_graph` collects it (git runs
        while the rules are imported and the file is parsed)."""
        if self._listing is None and "unit_paths" not in self.__dict__:
            from qt_lint import git

            try:
                self._listing = git.popen(str(self.root), *_git_units_args())
            except OSError:
                self._listing = None

    def memo(self, name: str) -> dict[str, list[object]] | None:
        """A memo of the result cache, read the first time it is asked for (None: no cache,
        or a recorded snapshot, whose files have no stat)."""
        if self.memo_loader is None or isinstance(self.files, RecordedFiles):
            return None
        if name not in self.memos:
            self.memos[name] = self.memo_loader(name)
        return self.memos[name]

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_listing"] = None  # a running process does not cross to workers
        state["memo_loader"] = None  # nor the cache: workers read no memo
        state["_documents"], state["_folders"], state["_units"] = {}, {}, {}
        state["_alias_folders"] = {}
        state.pop("python_modules", None)  # parsed modules: each worker parses its own
        return state

    def begin_reads(self) -> None:
        """Start recording the other files a file's analysis reads (see `reads`)."""
        index = self.__dict__.get("python_modules")
        if index is not None:
            index.begin()

    def reads(self) -> tuple[str, ...]:
        """The files read or looked for since `begin_reads`, beyond those the kinds'
        `dependencies` key by: the modules a Python file imports constants from."""
        index = self.__dict__.get("python_modules")
        return tuple(sorted(index.reads)) if index is not None else ()

    @functools.cached_property
    def python_modules(self) -> ModuleIndex:
        """The repository's Python modules, for constants imported from one module into
        another (parsed when a rule first asks for such a value)."""
        from qt_lint.pymodel.modules import ModuleIndex

        return ModuleIndex(str(self.root), self.config.max_file_size, _python_facts)

    # --- what a file's findings depend on (the result cache keys by it) -----------------------

    def dependencies_digest(self, kind: Kind, abspath: str, content: Callable[[], bytes]) -> str:
        """What the file's findings depend on beyond its text, as the kind says (`content`:
        the file's bytes, read when the kind asks; see `FileKind.dependencies`)."""
        return kinds.of(kind).dependencies(self, abspath, content)

    @functools.cached_property
    def unit_paths(self) -> list[str]:
        """Every unit file of the repository: those git tracks (what a commit or CI sees;
        listed once, by the prefetched git call) and those being checked. Outside git, every
        unit file below the root."""
        if self._unit_paths is not None:
            return self._unit_paths
        listing = self._listing
        self._listing = None
        listed = [c.abspath for c in _unit_files(self.root, self.config, listing)]
        # only names git would list were they tracked: a `.conf` outside a unit's drop-in
        # folder is no unit of the start order, and counting it when it is checked made a
        # full run's cache keys differ from a one-file run's (every unit missed after it)
        extra = sorted(p for p in self._checked_units - set(listed)
                       if _named_as_unit(p) and os.path.isfile(p))
        return listed + extra

    @functools.cached_property
    def units_digest(self) -> str:
        """Every unit file of the repository, names and contents."""
        digest = sha256()
        facts = self.unit_facts
        for path in sorted(self.unit_paths):
            known = facts[path]
            content = known[0] if known is not None else ""
            digest.update(f"{path}\0{content}\0".encode())
        return digest.hexdigest()

    @functools.cached_property
    def unit_facts(self) -> dict[str, tuple[str, OrderingEdges] | None]:
        """Each unit file's content digest and ordering edges (None when it cannot be read);
        from the memo when its stat is unchanged (then the unit parser is not even
        imported: a warm pre-commit run on a unit reads none of the others)."""
        from qt_lint.parsers.systemd import OrderingEdges

        memo = self.memo("units")
        out: dict[str, tuple[str, OrderingEdges] | None] = {}
        for path in self.unit_paths:
            signature = None
            if memo is not None:
                signature = file_signature(path)
                known = memo.get(path)
                if signature is not None and isinstance(known, list) and len(known) == 6 \
                        and known[0] == signature:
                    content, after, requires, before, conditional = known[1:]
                    if isinstance(content, str) and isinstance(after, tuple) and \
                            isinstance(requires, tuple) and isinstance(before, tuple):
                        out[path] = (content, OrderingEdges(after, requires, before,
                                                            bool(conditional)))
                        continue
            text = self.files.read(path)  # read after the stat: a later write changes it
            if text is None:
                out[path] = None
                continue
            from qt_lint.parsers.systemd import ordering_edges

            edges = ordering_edges(text)
            content = sha256(text.encode()).hexdigest()
            out[path] = (content, edges)
            if memo is not None and signature is not None:
                memo[path] = [signature, content, edges.after, edges.requires, edges.before,
                              edges.conditional]
                self.memos_changed.add("units")
        if memo is not None:
            for gone in set(memo) - set(out):  # deleted or renamed units
                del memo[gone]
                self.memos_changed.add("units")
        return out

    # --- env files ----------------------------------------------------------------------------

    def common_env_keys(self, ctx: FileContext) -> set[str]:
        """The variables of the `common.env` beside an env file (none when there is none)."""
        from qt_lint.parsers.envfile import parse_env

        absolute = ctx.abspath or os.path.abspath(ctx.path)
        path = os.path.join(os.path.dirname(absolute), self.config.contract.common_env)
        text = self.files.read(path) if path != absolute else None
        return parse_env(text).keys() if text is not None else set()

    # --- units ------------------------------------------------------------------------------

    def unit_for(self, ctx: FileContext) -> Unit:
        """The merged unit the file belongs to: its fragment and drop-ins from disk, with the
        file itself as checked (it may come from standard input)."""
        from qt_lint.parsers.systemd import Unit, unit_name_of, unit_type_of

        name = unit_name_of(ctx.relpath)
        own = ctx.unit_document
        absolute = ctx.abspath or os.path.abspath(ctx.path)
        folder = os.path.dirname(absolute)
        is_dropin = ctx.relpath.endswith(".conf")
        if is_dropin and not folder.endswith(".d"):
            # a drop-in kept outside a `<unit>.d/` folder: judged for what it sets alone
            return Unit(name.removesuffix(".conf") + "." + unit_type_of(ctx.relpath), None, [own])
        if is_dropin:
            fragment_path = os.path.join(os.path.dirname(folder), name)
            dropin_dir = folder
        else:
            fragment_path = absolute
            dropin_dir = absolute + ".d"
        unit_type = unit_type_of(name)
        if not is_dropin:
            # every folder systemd takes drop-ins from: its own, a dash prefix's, `service.d`
            return Unit(name, own, self._dropins(absolute, name))
        listed = self._dropin_documents(dropin_dir, unit_type)
        fragment = self._document(fragment_path, unit_type)
        if not listed:
            return Unit(name, fragment, [own])
        cached = self._documents.get((absolute, unit_type))
        if cached is not None and cached.text == own.text and cached.file == own.file:
            # read from disk as the folder's listing read it: one merged unit (and one index
            # of its settings) serves every drop-in of the folder, so N drop-ins cost N
            key = (name, dropin_dir, unit_type)
            unit = self._units.get(key)
            if unit is None:
                unit = self._units[key] = Unit(name, fragment, [doc for _, doc in listed])
            return unit
        return Unit(name, fragment, [own if path == absolute else doc for path, doc in listed])

    def _dropin_documents(self, folder: str, unit_type: str) -> list[tuple[str, UnitDocument]]:
        """The drop-ins of a `<unit>.d/` folder in name order, parsed (once per run)."""
        key = (folder, unit_type)
        found = self._folders.get(key)
        if found is None:
            found = []
            for entry in self.files.listdir(folder):
                if entry.endswith(".conf"):
                    path = os.path.join(folder, entry)
                    doc = self._document(path, unit_type)
                    if doc is not None:
                        found.append((path, doc))
            self._folders[key] = found
        return found

    def merged_paths(self, abspath: str) -> list[str]:
        """The files on disk that `unit_for` (and `timer_service`) merge with this unit
        file: its fragment and every drop-in of its folder, those of a triggered service."""
        folder = os.path.dirname(abspath)
        if abspath.endswith(".conf"):
            if not folder.endswith(".d"):
                return []
            fragment = folder[:-2]
            out = [fragment] + [os.path.join(folder, e) for e in self.files.listdir(folder)
                                if e.endswith(".conf")]
        else:
            from qt_lint.parsers.dropins import dropin_folders

            fragment = abspath
            beside = os.path.dirname(abspath)
            out = [fragment] + [os.path.join(beside, sub, e)
                                for sub in dropin_folders(os.path.basename(abspath))
                                for e in self.files.listdir(os.path.join(beside, sub))
                                if e.endswith(".conf")]
        if fragment.endswith((".timer", ".path")):
            service = fragment.rsplit(".", 1)[0] + ".service"
            out += [service] + [os.path.join(service + ".d", e)
                                for e in self.files.listdir(service + ".d")
                                if e.endswith(".conf")]
        return out

    def _dropins(self, fragment: str, name: str) -> list[UnitDocument]:
        """The drop-ins systemd applies to the fragment at `fragment`, from every folder
        beside it that names it (its own, a dash prefix's, the top-level `service.d/`), in
        file-name order; of two files of one name, the more specific folder's."""
        from qt_lint.parsers.dropins import dropin_folders
        from qt_lint.parsers.systemd import unit_type_of

        folder = os.path.dirname(fragment)
        chosen: dict[str, str] = {}
        subs = dropin_folders(name)
        # systemd loads the drop-ins of every name of the unit: its aliases' `<alias>.d/`
        subs[1:1] = [f"{alias}.d" for alias in self._aliases(folder).get(name, ())]
        for sub in subs:
            for entry in self.files.listdir(os.path.join(folder, sub)):
                if entry.endswith(".conf"):
                    chosen.setdefault(entry, os.path.join(folder, sub, entry))
        out = []
        for entry in sorted(chosen):
            doc = self._document(chosen[entry], unit_type_of(name))
            if doc is not None:
                out.append(doc)
        return out

    def _aliases(self, folder: str) -> dict[str, list[str]]:
        """A unit folder's aliases (links to a unit beside them) by the unit they name."""
        known = self._alias_folders.get(folder)
        if known is None:
            known = {}
            for entry in self.files.listdir(folder):
                if "." in entry and not entry.endswith((".d", ".wants", ".requires")):
                    target = self.files.alias_target(os.path.join(folder, entry))
                    if target is not None and target != entry:
                        known.setdefault(target, []).append(entry)
            self._alias_folders[folder] = known
        return known

    def timer_target(self, ctx: FileContext) -> str:
        """The unit a timer (or a path unit) triggers: its `Unit=`, else the service of the
        same name."""
        setting = ctx.unit.last("Path" if ctx.unit.type == "path" else "Timer", "Unit")
        if setting is not None and setting.value:
            return setting.value
        return ctx.unit.stem + ".service"

    def timer_service(self, ctx: FileContext) -> Unit | None:
        """The triggered service, merged with its drop-ins, when the repository has it."""
        from qt_lint.parsers.systemd import Unit

        name = self.timer_target(ctx)
        folder = os.path.dirname(ctx.abspath or os.path.abspath(ctx.path))
        path = os.path.join(folder, name)
        if not self.files.isfile(path):
            edges = self.unit_graph.get(name)
            if edges is None or not edges.path:
                return None
            path = os.path.abspath(edges.path)
        fragment = self._document(path, "service")
        if fragment is None:
            return None
        dropins = []
        for entry in self.files.listdir(path + ".d"):
            if entry.endswith(".conf"):
                doc = self._document(os.path.join(path + ".d", entry), "service")
                if doc is not None:
                    dropins.append(doc)
        return Unit(name, fragment, dropins)

    def _document(self, path: str, unit_type: str) -> UnitDocument | None:
        """The unit file parsed, once per run (every drop-in of a folder merges all the
        others: parsing them again for each is quadratic)."""
        key = (path, unit_type)
        if key in self._documents:
            return self._documents[key]
        from qt_lint.parsers.systemd import parse
        from qt_lint.source import display_path

        text = self.files.read(path)
        doc = None
        if text is not None:
            shown = path if isinstance(self.files, RecordedFiles) else display_path(path)
            doc = parse(text, shown, unit_type)
        self._documents[key] = doc
        return doc

    @functools.cached_property
    def service_scripts(self) -> dict[str, str]:
        """The repository's scripts that services run (absolute path -> how), found once
        per run (see qt_lint/runby.py)."""
        from qt_lint.runby import service_scripts

        return service_scripts(self)

    def ordered_after(self, items: Iterable[str], unit: str = "") -> set[str]:
        """The units an `After=` list orders a unit after, with the order it inherits
        through the repository's targets (`After=quantum-core.target` where that target is
        `After=redis-server.service`): systemd orders a transaction transitively. With the
        `unit`'s name, also the units that are `Before=` it."""
        out = set(items)
        if unit:
            out.update(self.ordered_before(unit))
        queue = [u for u in out if u.endswith(".target")]
        while queue:
            edges = self.unit_graph.get(queue.pop())
            for name in edges.after if edges is not None else ():
                if name not in out:
                    out.add(name)
                    if name.endswith(".target"):
                        queue.append(name)
        return out

    @functools.cached_property
    def unit_cycles(self) -> list[list[str]]:
        """The ordering cycles of the repository's units, found once per run."""
        return ordering_cycles(self.unit_graph)

    @functools.cached_property
    def unit_graph(self) -> dict[str, UnitEdges]:
        """Every unit of the repository (fragments and drop-ins merged) by name, with the
        names it is ordered after (its After=, and the units naming it in Before=) and
        requires (Requires=/BindsTo=/Requisite=, and the links of its `.requires/` folder)."""
        from qt_lint.parsers.systemd import unit_name_of

        by_name: dict[str, list[str]] = {}
        required: dict[str, list[str]] = {}  # `<unit>.requires/<name>` links
        for path in self.unit_paths:
            folder = os.path.basename(os.path.dirname(path))
            if folder.endswith((".requires", ".wants", ".upholds")):
                if folder.endswith(".requires"):
                    required.setdefault(folder.removesuffix(".requires"), []).append(
                        os.path.basename(path))
                continue  # a dependency link, not a fragment of the unit it names
            by_name.setdefault(unit_name_of(path), []).append(path)
        facts = self.unit_facts
        graph: dict[str, UnitEdges] = {}
        before: dict[str, list[str]] = {}  # unit -> the units that are Before= it
        for name, paths in sorted(by_name.items()):
            after: list[str] = []
            requires: list[str] = list(required.get(name, ()))
            conditional = False
            fragment = ""
            for path in sorted(paths, key=_dropin_last):
                known = facts[path]
                if known is None:
                    continue  # reported as QT001 when that file itself is checked
                own = known[1]
                after.extend(own.after)
                requires.extend(own.requires)
                conditional = conditional or own.conditional
                for other in own.before:
                    before.setdefault(other, []).append(name)
                if not path.endswith(".conf"):
                    fragment = path
            graph[name] = UnitEdges(name, fragment, tuple(after), tuple(requires), conditional)
        self._before_of = before
        for name, earlier in before.items():
            merged = graph.get(name)
            if merged is not None:
                graph[name] = UnitEdges(name, merged.path, (*merged.after, *earlier),
                                        merged.requires, merged.conditional)
        return graph

    def aliased_unit(self, ctx: FileContext) -> str:
        """The unit a drop-in folder's name is an alias of (`qae.service.d/` beside a link
        `qae.service -> quantum-ai-engine.service`: systemd loads the drop-ins of every
        name of a unit); the folder's own name otherwise."""
        name = ctx.unit_name
        absolute = ctx.abspath or os.path.abspath(ctx.path)
        folder = os.path.dirname(absolute)
        if not folder.endswith(".d"):
            return name
        return self.files.alias_target(os.path.join(os.path.dirname(folder), name)) or name

    def required_links(self, ctx: FileContext) -> list[str]:
        """The units a fragment's `<unit>.requires/` folder links (each a Requires=)."""
        absolute = ctx.abspath or os.path.abspath(ctx.path)
        return sorted(e for e in self.files.listdir(absolute + ".requires")
                      if not e.startswith("."))

    def ordered_before(self, name: str) -> list[str]:
        """The repository's units that are `Before=` the unit `name` (it is ordered after
        each: systemd reads `Before=` as the inverse of `After=`)."""
        self.unit_graph  # noqa: B018 (builds the map)
        return self._before_of.get(name, [])

def ordering_cycles(graph: dict[str, UnitEdges]) -> list[list[str]]:
    """The ordering cycles among the repository's units (After=/Requires= edges)."""
    return cycles({name: {u for u in (*e.after, *e.requires) if u in graph}
                   for name, e in graph.items()})


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle (Tarjan's algorithm, iterative: a chain of
    thousands of units must not exhaust the interpreter's stack), each sorted, in name
    order of their first node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(sorted(graph[start])))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    out.append(sorted(component))
    return out


def _python_facts(text: str) -> PythonFacts:
    """A module's facts (the Python parser imported when a value is first resolved: a file
    whose prefilters see nothing is never parsed, and neither are the modules it imports)."""
    from qt_lint.parsers.python import PythonFacts

    return PythonFacts(text)


def _git_units_args() -> list[str]:
    patterns = [f":(glob)**/*{s}" for s in UNIT_SUFFIXES]
    patterns += [f":(glob)**/*{s}.d/*.conf" for s in UNIT_SUFFIXES]
    # tracked files only: listing untracked ones walks the whole work tree (42 ms against
    # 26 ms on the 15,000-file benchmark tree), and units being checked are added anyway
    return ["ls-files", "-z", "--cached", "--", *patterns]


def _named_as_unit(path: str) -> bool:
    """A path `_git_units_args` matches: a unit file, or a drop-in of a unit's folder."""
    folder, _, name = path.rpartition("/")
    if name.endswith(".conf"):
        return folder.endswith(tuple(f"{s}.d" for s in UNIT_SUFFIXES))
    return name.endswith(UNIT_SUFFIXES)


def _unit_files(root: Path, config: Config,
                listing: git.Background | None = None) -> list[Candidate]:
    """The repository's unit files; in git, git filters the names (no walk of the tree)."""
    from qt_lint.discover import tracked_files

    return tracked_files(root, config, UNIT.kind, _git_units_args(), listing)


def _dropin_last(path: str) -> tuple[int, str]:
    return (1 if path.endswith(".conf") else 0, os.path.basename(path))
