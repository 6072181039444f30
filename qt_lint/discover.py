"""Finding the files to check: explicit paths, directory walks that honour .gitignore, excludes.

Paths are handled as strings here: at 15,000 files, pathlib objects cost more than the walk.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from pathlib import Path

from qt_lint.config import DEFAULT_EXCLUDE, Config
from qt_lint.record import record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

    from qt_lint import git
    from qt_lint.finding import Kind


@record(frozen=True, slots=True)
class Candidate:
    """A file found by discovery, before its kind is known."""

    abspath: str
    relpath: str  # relative to the project root, posix; absolute when outside it
    explicit: bool  # named on the command line rather than found by a walk
    problem: str = ""  # a folder the walk could not read (reported as QT001)


def relative_to_root(path: str | Path, root: str | Path) -> str:
    path, root = str(path), str(root).rstrip("/")
    if path.startswith(root + "/"):
        return path[len(root) + 1:]
    return path


_GLOB_CHARS = frozenset("*?[\\")


class Matcher:
    """All exclude (or per-file-ignore) patterns at once, with gitignore's semantics (as
    ruff's globs): a pattern without an inner `/` matches at any depth, one with a `/`
    (leading, inner) is anchored at the root; a trailing `/` matches folders only; `**/`
    is any number of folders, zero included (`legacy/**/*.py` matches `legacy/x.py`); a
    pattern that matches a folder matches everything in it; `!` re-includes. The common
    forms are decided here without a regex (names: a set lookup; `dir/sub`, `dir/**`,
    `dir/*`, `**/name`: prefixes and names); the rest is translated by `pathspec` (the
    gitignore implementation pip and black use), imported only then: its import costs a
    one-file run tens of milliseconds."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.names: set[str] = set()  # a component anywhere
        self.dir_names: set[str] = set()  # a folder component anywhere
        self.prefixes: list[str] = []  # anchored: the path or what is below it
        self.dir_prefixes: list[str] = []  # anchored, folders only: what is below it
        globs: list[str] = []
        self.spec: Any = None
        if any(p.startswith("!") for p in patterns):
            self.spec = _gitignore_spec(patterns)  # order matters: one spec decides
            return
        for raw in patterns:
            pattern = raw.removeprefix("./")
            if not pattern.strip() or pattern.startswith("#"):
                continue
            if not self._simple(pattern):
                globs.append(pattern)
        self.regex = _compile(tuple(globs))

    def _simple(self, pattern: str) -> bool:
        dir_only = pattern.endswith("/")
        body = pattern.rstrip("/")
        if body.startswith("**/") and "/" not in body[3:] and not _GLOB_CHARS & set(body[3:]):
            body = body[3:]  # `**/name`: a name at any depth
        if body.endswith(("/**", "/*")) and body.rsplit("/", 1)[0].strip("/"):
            body, dir_only = body.rsplit("/", 1)[0], True  # what is inside the folder
            if "/" not in body.lstrip("/"):
                body = "/" + body.lstrip("/")  # `dir/**` is anchored, as gitignore has it
        if not body or _GLOB_CHARS & set(body) or "**" in body or body.endswith(" "):
            return False
        if "/" not in body:
            (self.dir_names if dir_only else self.names).add(body)
        else:
            (self.dir_prefixes if dir_only else self.prefixes).append(body.lstrip("/"))
        return True

    def __call__(self, relpath: str) -> bool:
        relpath = relpath.removeprefix("./")
        if self.spec is not None:
            return bool(self.spec.match_file(relpath))
        if self.names or self.dir_names:
            parts = relpath.split("/")
            if not self.names.isdisjoint(parts) or not self.dir_names.isdisjoint(parts[:-1]):
                return True
        for prefix in self.prefixes:
            if relpath == prefix or relpath.startswith(prefix + "/"):
                return True
        for prefix in self.dir_prefixes:
            if relpath.startswith(prefix + "/"):
                return True
        return bool(self.regex and self.regex.search(relpath))


def _gitignore_spec(patterns: tuple[str, ...]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines([p.removeprefix("./") for p in patterns])


@functools.lru_cache(maxsize=64)
def matcher(patterns: tuple[str, ...]) -> Matcher:
    return Matcher(patterns)


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for the patterns the fast forms do not cover, translated by pathspec."""
    if not patterns:
        return None
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    parts = []
    for pattern in patterns:
        regex, include = GitIgnoreSpecPattern.pattern_to_regex(pattern)
        if regex is not None and include:
            parts.append(regex.replace("(?P<ps_d>/)", "/"))
    return re.compile("|".join(f"(?:{p})" for p in parts), re.S) if parts else None


def matches(relpath: str, patterns: tuple[str, ...]) -> bool:
    return matcher(patterns)(relpath)


def exclude_patterns(config: Config) -> tuple[str, ...]:
    base = config.exclude if config.exclude else DEFAULT_EXCLUDE
    return base + config.extend_exclude


def discover(paths: list[Path], config: Config, force_exclude: bool = False) -> list[Candidate]:
    """Every file under `paths`, sorted, without duplicates. Files that do not exist are
    returned too (the engine reports them as QT001) so nothing is dropped silently."""
    excludes = exclude_patterns(config)
    root = str(config.root)
    found: dict[str, Candidate] = {}
    for given in paths:
        absolute = os.path.abspath(given)
        if os.path.isdir(absolute) and not os.path.islink(absolute):
            files, unreadable = _walk(absolute, root, excludes)
            for path in files:
                if path not in found:
                    found[path] = Candidate(path, relative_to_root(path, root), False)
            for folder, reason in unreadable:
                problem = (f"cannot read this folder ({reason}); the files in it were "
                           "not checked")
                if reason == "a git submodule":
                    problem = ("not analysed: submodule (its files belong to another "
                               "repository; run qt-lint there)")
                found[folder] = Candidate(folder, relative_to_root(folder, root), False,
                                          problem)
        else:
            rel = relative_to_root(absolute, root)
            if force_exclude and matches(rel, excludes):
                continue
            found[absolute] = Candidate(absolute, rel, True)
    return sorted(found.values(), key=lambda c: c.relpath)


def _walk(directory: str, root: str,
          excludes: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """The files below `directory` that the excludes keep, and the folders that could not
    be read (with the reason)."""
    excluded = matcher(excludes)

    def kept(path: str) -> bool:
        return not excluded(relative_to_root(path, root))

    listed = _git_files(directory)
    if listed is not None:
        paths, submodules = listed
        return [path for path in paths if kept(path)], [
            (path, "a git submodule") for path in submodules if kept(path)]
    # iterative, depth first in name order (os.walk recurses: 1,000 nested folders were a
    # RecursionError); symbolic links to folders are not followed
    out: list[str] = []
    stack = [directory]
    unreadable: list[tuple[str, str]] = []
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed_here = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            if current != directory or os.path.isdir(current):
                unreadable.append((current, exc.strerror or type(exc).__name__))
            continue
        folders = []
        for entry in listed_here:
            path = f"{current}/{entry.name}"
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                if kept(path):
                    folders.append(path)
            elif kept(path):
                out.append(path)
        stack.extend(reversed(folders))
    return out, unreadable


def _git_files(directory: str) -> tuple[list[str], list[str]] | None:
    """Tracked plus untracked-but-not-ignored files below `directory`, and the git
    submodules there (their files are another repository's: reported, never skipped
    silently); None outside git."""
    from qt_lint import git

    try:
        listed = git.run(directory, "ls-files", "-z", "--cached", "--others",
                         "--exclude-standard", "--", ".")
    except git.GitError:
        return None
    paths = []
    submodules = []
    seen = set()
    for raw in listed.split(b"\0"):
        if not raw or raw in seen:  # a file can be listed as cached and as modified
            continue
        seen.add(raw)
        path = f"{directory}/{os.fsdecode(raw)}"
        # deleted-but-tracked entries and nested repositories are not files to check; a file
        # behind a folder we may not read is kept, and reported when it is read (QT001)
        try:
            mode = os.lstat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            paths.append(path)
            continue
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            paths.append(path)
        elif stat.S_ISDIR(mode):  # a gitlink: a submodule (or a nested repository)
            submodules.append(path)
    return paths, submodules


def tracked_files(root: Path, config: Config, kind: Kind, git_args: list[str],
                  listing: git.Background | None = None) -> list[Candidate]:
    """The repository's files of one kind: git lists them by the pathspecs in `git_args`
    (tracked files, excludes applied); outside a git work tree a walk classifies them."""
    from qt_lint import git
    from qt_lint.classify import classify

    stdout, returncode = b"", 1
    try:
        if listing is not None:
            stdout, _ = listing.communicate(timeout=60)
            returncode = listing.returncode
        else:
            stdout, returncode = git.run(str(root), *git_args), 0
    except (OSError, TimeoutError, git.GitError):
        returncode = 1
    if returncode != 0:  # not a git work tree: walk it
        return [c for c in discover([root], config) if classify(c.relpath, None) is kind]
    excludes = exclude_patterns(config)
    out = []
    for raw in sorted(set(stdout.split(b"\0"))):
        if not raw:
            continue
        rel = os.fsdecode(raw)
        path = os.path.join(str(root), rel)
        if not matches(rel, excludes) and os.path.isfile(path):
            out.append(Candidate(path, rel, False))
    return out
