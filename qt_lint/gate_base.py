"""`--base-config REV`: the configuration and baseline in force come from REV (the branch a
pull request targets), read through git (`qt_lint.git`: no program of the repository
runs), so a pull request cannot switch the gate off by editing them. QT005 then reports
what the pull request's own configuration and baseline would weaken."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

from qt_lint.config import (
    CONFIG_FILENAME,
    MAX_CONFIG_SIZE,
    Config,
    ConfigError,
    TOMLDecodeError,
    parse_config,
    parse_toml,
)

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.baseline import Key


class TrustedError(ConfigError):
    """The revision, or a file at it, cannot be used: exit 2."""


def _git(where: str, *args: str) -> bytes:
    from qt_lint import git

    try:
        return git.run(where, *args)
    except git.GitError as exc:
        raise TrustedError(f"--base-config: {exc}") from None


def _blob(where: str, commit: str, relpath: str, limit: int) -> bytes | None:
    """The file at the commit (None when it has none), bounded in size."""
    spec = f"{commit}:{relpath}"
    from qt_lint import git

    try:
        size = int(git.run(where, "cat-file", "-s", spec).strip() or b"0")
    except (git.GitError, ValueError):
        return None
    if size > limit:
        raise TrustedError(f"--base-config: {relpath} at the base is larger than {limit:,} "
                           "bytes")
    return _git(where, "cat-file", "blob", spec)


def base_config(rev: str, head: Config) -> tuple[Config, str, str | None]:
    """The configuration at `rev` for this project (its source is the working tree's file,
    which QT005 then judges), the commit, and the top of the work tree."""
    from qt_lint import git
    from qt_lint.registry import known_codes

    where = str(head.root)
    top = os.fsdecode(_git(where, "rev-parse", "--show-toplevel").rstrip(b"\n"))
    try:
        commit = git.commit_of(where, rev)
    except git.GitError as exc:
        raise TrustedError(f"--base-config {rev}: {exc}") from None
    # the configuration that applies at the base: the nearest one above where the working
    # tree's was found, as `find_config_file` looks (a pull request that adds
    # `systemd/qt-lint.toml` does not make the gate fall back to the defaults)
    start = head.source.parent if head.source else head.root
    folders = [start, *start.parents]
    for folder in folders:
        for path in (folder / CONFIG_FILENAME, folder / "pyproject.toml"):
            relpath = os.path.relpath(path, top)
            if relpath.startswith(".."):
                continue  # above the work tree: not the repository's
            data = _blob(top, commit, relpath, MAX_CONFIG_SIZE)
            if data is None:
                continue
            try:
                document = parse_toml(data.decode("utf-8"))
            except (UnicodeDecodeError, TOMLDecodeError) as exc:
                raise TrustedError(f"--base-config: {relpath} at {rev}: {exc}") from None
            except RecursionError:
                raise TrustedError(f"--base-config: {relpath} at {rev}: nested too deeply"
                                   ) from None
            table = document.get("tool", {}).get("qt-lint") \
                if path.name == "pyproject.toml" else document
            if table is None:
                continue
            try:
                config = parse_config(table, folder, path, known_codes())
            except ConfigError as exc:
                raise TrustedError(f"--base-config: {relpath} at {rev}: {exc}") from None
            proposed = head.source if head.source not in (None, path) else None
            return replace(config, proposed_source=proposed), commit, top
    # no configuration at the base: the contract defaults, judged against the working tree's
    return replace(Config(root=head.root), source=head.source), commit, top


def base_baseline(path: Path, commit: str, top: str) -> Counter[Key]:
    """The baseline file at the commit (empty when it has none there)."""
    from qt_lint.baseline import MAX_BASELINE_SIZE, loads

    relpath = os.path.relpath(path, top)
    data = _blob(top, commit, relpath, MAX_BASELINE_SIZE)
    return loads(data, relpath) if data is not None else Counter()
