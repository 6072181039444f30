"""Finding the files to check: explicit paths, directory walks that honour .gitignore, excludes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from qt_lint.config import DEFAULT_EXCLUDE, Config


@dataclass(frozen=True, slots=True)
class Candidate:
    abspath: Path
    relpath: str  # relative to the project root, posix; absolute when outside it
    explicit: bool  # named on the command line rather than found by a walk


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def matches(relpath: str, patterns: tuple[str, ...]) -> bool:
    """Ruff-like globbing: a pattern without `/` matches any path component; one with `/`
    matches the path or any of its parent folders (so `fixtures/**` and `fixtures` work)."""
    parts = relpath.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" not in pattern:
            if any(fnmatchcase(part, pattern) for part in parts):
                return True
            continue
        pattern = pattern.removeprefix("./")
        if fnmatchcase(relpath, pattern):
            return True
        if pattern.startswith("**/") and fnmatchcase(relpath, pattern[3:]):
            return True
        for i in range(1, len(parts)):
            if fnmatchcase("/".join(parts[:i]), pattern):
                return True
    return False


def exclude_patterns(config: Config) -> tuple[str, ...]:
    base = config.exclude if config.exclude else DEFAULT_EXCLUDE
    return base + config.extend_exclude


def discover(paths: list[Path], config: Config, force_exclude: bool = False) -> list[Candidate]:
    """Every file under `paths`, sorted, without duplicates. Files that do not exist are
    returned too (the engine reports them as QT001) so nothing is dropped silently."""
    excludes = exclude_patterns(config)
    root = config.root
    found: dict[Path, Candidate] = {}
    for given in paths:
        absolute = Path(os.path.abspath(given))
        if os.path.isdir(absolute) and not os.path.islink(absolute):
            for path in _walk(absolute, root, excludes):
                found.setdefault(path, Candidate(path, relative_to_root(path, root), False))
        else:
            rel = relative_to_root(absolute, root)
            if force_exclude and matches(rel, excludes):
                continue
            found[absolute] = Candidate(absolute, rel, True)
    return sorted(found.values(), key=lambda c: c.relpath)


def _walk(directory: Path, root: Path, excludes: tuple[str, ...]) -> list[Path]:
    listed = _git_files(directory)
    if listed is not None:
        out = []
        for path in listed:
            if not matches(relative_to_root(path, root), excludes):
                out.append(path)
        return out
    out = []
    for current, dirs, files in os.walk(directory, followlinks=False):
        base = Path(current)
        dirs[:] = sorted(
            d for d in dirs
            if not matches(relative_to_root(base / d, root), excludes)
        )
        for name in files:
            path = base / name
            if not matches(relative_to_root(path, root), excludes):
                out.append(path)
    return out


def _git_files(directory: Path) -> list[Path] | None:
    """Tracked plus untracked-but-not-ignored files below `directory`, or None outside git."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard", "--", "."],
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    paths = []
    seen = set()
    for raw in proc.stdout.split(b"\0"):
        if not raw or raw in seen:  # a file can be listed as cached and as modified
            continue
        seen.add(raw)
        path = directory / os.fsdecode(raw)
        # deleted-but-tracked entries and nested repositories are not files to check
        if os.path.islink(path) or os.path.isfile(path):
            paths.append(path)
    return paths
