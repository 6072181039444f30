"""The check pipeline: discover -> classify -> scan (parse + rules + filter) -> result.

`check()` reads as the stages in order; the CLI is a thin layer over it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qt_lint.classify import classify
from qt_lint.config import Config
from qt_lint.discover import Candidate, discover, relative_to_root
from qt_lint.engine import FileResult, check_file
from qt_lint.finding import Finding, Kind
from qt_lint.project import Project
from qt_lint.registry import active_codes

if TYPE_CHECKING:  # imported where used: a pre-commit run on one file needs none of them
    from collections import Counter

    from qt_lint.baseline import Key
    from qt_lint.cache import ResultCache


@dataclass(frozen=True, slots=True)
class Target:
    """A classified file: what the engine checks."""

    path: str  # as shown to the user: relative to the current directory, forward slashes
    abspath: str
    relpath: str  # relative to the project root
    kind: Kind


@dataclass
class CheckResult:
    findings: list[Finding]
    files: int
    fixed: dict[str, FileResult] = field(default_factory=dict)
    relpaths: dict[str, str] = field(default_factory=dict)  # display path -> project path
    analysed: int = 0  # files analysed this run (the others came from the cache)
    baselined: int = 0
    stale: int = 0


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the current directory when below it, else absolute; forward slashes."""
    cwd = cwd or os.getcwd()
    if path.startswith(cwd.rstrip("/") + "/"):
        return path[len(cwd.rstrip("/")) + 1:]
    if path == cwd:
        return "."
    return path


def classify_candidates(candidates: Sequence[Candidate]) -> tuple[list[Target], list[Finding]]:
    """Targets of a known kind; a named path that does not exist becomes a QT001 finding."""
    targets: list[Target] = []
    missing: list[Finding] = []
    cwd = os.getcwd()
    for cand in candidates:
        shown = display_path(cand.abspath, cwd)
        if cand.explicit and not os.path.lexists(cand.abspath):
            from qt_lint.engine import _qt001

            missing.append(_qt001(shown, 1, 1, "no such file or directory"))
            continue
        kind = classify(cand.relpath, functools.partial(_head, cand.abspath))
        if kind is not None:
            targets.append(Target(shown, cand.abspath, cand.relpath, kind))
    return targets, missing


def _head(path: str) -> bytes:
    """The first bytes of a regular file, for shebang detection; never blocks on a FIFO."""
    try:
        if not os.path.isfile(path):
            return b""
        with open(path, "rb") as handle:
            return handle.read(128)
    except OSError:
        return b""


def stdin_target(filename: str, config: Config) -> Target | None:
    absolute = os.path.abspath(filename)
    relpath = relative_to_root(absolute, config.root)
    kind = classify(relpath, None)
    if kind is None:
        return None
    return Target(display_path(absolute), absolute, relpath, kind)


def check(paths: Sequence[Path], config: Config, *, force_exclude: bool = False,
          stdin: tuple[str, bytes] | None = None, jobs: int | None = None,
          fix: bool = False, unsafe_fixes: bool = False, cache: ResultCache | None = None,
          diff_base: str | None = None, baseline: Counter[Key] | None = None,
          project: Project | None = None) -> CheckResult:
    """discover -> classify -> scan (cached) -> new-code filter -> baseline."""
    active = active_codes(config)
    if stdin is not None:
        target = stdin_target(stdin[0], config)
        targets = [target] if target else []
        missing: list[Finding] = []
        data: bytes | None = stdin[1]
    else:
        candidates = discover(list(paths), config, force_exclude)
        targets, missing = classify_candidates(candidates)
        data = None
    project = project or Project(config.root, config)
    units = [t.abspath for t in targets if t.kind is Kind.UNIT]
    if units:
        project.add_checked_units(units)
        project.prefetch_units()
        if len(targets) >= PARALLEL_THRESHOLD:
            # built once here and inherited by every worker
            from qt_lint.rules.units.qt410_unit_dependency_chain import _cycles

            project.unit_cycles(_cycles)
    use_cache = cache if (cache is not None and not fix and data is None) else None
    if use_cache is not None:
        project.unit_memo = use_cache.unit_memo()
    results, analysed = scan_cached(targets, config, active, project, jobs, fix, data,
                                    unsafe_fixes, use_cache)
    findings = list(missing)
    fixed: dict[str, FileResult] = {}
    changes = None
    if diff_base:
        from qt_lint.diffbase import changes_since

        changes = changes_since(diff_base, str(config.root))
    for target, result in zip(targets, results, strict=True):
        kept = result.findings
        if changes is not None:
            kept = tuple(f for f in kept if changes.keeps(target.abspath, f))
        findings.extend(kept)
        if result.fixed_text is not None:
            fixed[target.abspath] = result
    findings.sort()
    relpaths = {t.path: t.relpath for t in targets}
    out = CheckResult(findings, len(targets) + len(missing), fixed, relpaths, analysed)
    if baseline is not None:
        from qt_lint.baseline import apply as apply_baseline

        filtered = apply_baseline(findings, baseline, relpaths)
        out.findings, out.baselined, out.stale = (filtered.findings, filtered.baselined,
                                                  filtered.stale)
    return out


def scan_cached(targets: list[Target], config: Config, active: frozenset[str],
                project: Project, jobs: int | None, fix: bool, data: bytes | None,
                unsafe_fixes: bool, cache: ResultCache | None) -> tuple[list[FileResult], int]:
    """Results from the cache where the file's content and the configuration are unchanged;
    only the other files are analysed (and then cached)."""
    if cache is None:
        return scan(targets, config, active, project, jobs, fix, data, unsafe_fixes), \
            len(targets)
    results: list[FileResult | None] = [None] * len(targets)
    records: dict[int, dict[str, object]] = {}
    todo: list[int] = []
    for i, target in enumerate(targets):
        depends = project.dependencies_digest(target.kind, target.abspath)
        hit, records[i] = cache.lookup(target.kind, target.relpath, target.abspath, depends,
                                       config.max_file_size, target.path)
        if hit is None:
            todo.append(i)
        else:
            results[i] = FileResult(tuple(hit))
    scanned = scan([targets[i] for i in todo], config, active, project, jobs, fix, data,
                   unsafe_fixes)
    for i, result in zip(todo, scanned, strict=True):
        results[i] = result
        cache.store(targets[i].relpath, records[i], result.findings)
    if project.unit_memo_changed and project.unit_memo is not None:
        cache.store_unit_memo(project.unit_memo)
    cache.save()
    return [r for r in results if r is not None], len(todo)


# --- scanning, in this process or in workers ----------------------------------------------

_WORKER: dict[str, object] = {}
PARALLEL_THRESHOLD = 48


def scan(targets: list[Target], config: Config, active: frozenset[str], project: Project,
         jobs: int | None, fix: bool, data: bytes | None = None,
         unsafe_fixes: bool = False) -> list[FileResult]:
    jobs = jobs or os.cpu_count() or 1
    if len(targets) > 1:
        _fewer_collections()
    if data is not None or jobs <= 1 or len(targets) < PARALLEL_THRESHOLD:
        return [
            check_file(t.path, t.abspath, t.relpath, t.kind, config, active, project, data,
                       fix=fix, unsafe_fixes=unsafe_fixes)
            for t in targets
        ]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    chunk = max(1, len(targets) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(config, active, project, fix, unsafe_fixes)) as pool:
        return list(pool.map(_scan_one, targets, chunksize=chunk))


def _fewer_collections() -> None:
    """Analysis allocates many short-lived objects (parse trees, commands, words) that
    reference counting frees; at the default thresholds the cyclic collector ran 3,300
    times over the 4x benchmark tree (0.7 s, growing faster than the tree). Peak memory
    is unchanged (measured)."""
    import gc

    gc.set_threshold(50_000, 20, 100)


def _init_worker(config: Config, active: frozenset[str], project: Project, fix: bool,
                 unsafe_fixes: bool) -> None:
    _fewer_collections()
    _WORKER.update(config=config, active=active, project=project, fix=fix,
                   unsafe_fixes=unsafe_fixes)


def _scan_one(t: Target) -> FileResult:
    config = _WORKER["config"]
    active = _WORKER["active"]
    project = _WORKER["project"]
    assert isinstance(config, Config) and isinstance(active, frozenset)
    assert isinstance(project, Project)
    return check_file(t.path, t.abspath, t.relpath, t.kind, config, active, project,
                      fix=bool(_WORKER["fix"]), unsafe_fixes=bool(_WORKER["unsafe_fixes"]))
