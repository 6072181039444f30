"""Running git on a repository that someone else wrote (a pull request), safely.

A repository's own `.git/config` and `.gitattributes` can name programs that git runs
while it only lists or diffs files: `core.fsmonitor` (on every index refresh), filter
drivers (`clean`, `smudge`, `process`) when it reads the work tree, diff drivers
(`textconv`, an external `command`), a pager, hooks. qt-lint executes nothing from the
repository it checks, so every git call goes through `run()`, which switches each of them
off, whatever the repository or the user's configuration says, and reads git's output
as bytes (paths are not always UTF-8).
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence

TIMEOUT = 120.0

# Settings laid over every configuration file for each call (`git -c`).
_SAFE = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.quotePath=false",
    "core.untrackedCache=false",
    "diff.external=",
    "diff.noprefix=false",
    "diff.relative=false",
    "color.ui=false",
)
# Environment that would run a program; the index and the repository (GIT_DIR,
# GIT_INDEX_FILE: pre-commit's staged view) and the runner's own settings (GIT_CONFIG_*,
# e.g. safe.directory in CI) are kept: the threat is the repository, not the runner.
_DROP_ENV = ("GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER")


class GitError(Exception):
    """git could not run, or answered with an error (its message is kept)."""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env["GIT_PAGER"] = "cat"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


@functools.lru_cache(maxsize=16)
def _driver_overrides(where: str) -> tuple[str, ...]:
    """`-c` settings that empty every filter and diff driver the configuration defines.
    `git config` reads configuration files and runs nothing."""
    try:
        proc = subprocess.run(
            ["git", *_flags(()), "-C", where, "config", "--null", "--name-only",
             "--get-regexp", r"^(filter|diff)\..+\.(clean|smudge|process|textconv|command)$"],
            capture_output=True, timeout=TIMEOUT, check=False, env=_env())
    except (OSError, subprocess.TimeoutExpired):
        return ()
    out: list[str] = []
    for raw in proc.stdout.split(b"\0"):
        name = os.fsdecode(raw.strip())
        if name:
            out += ["-c", f"{name}="]
            if name.startswith("filter."):
                out += ["-c", f"{name.rsplit('.', 1)[0]}.required=false"]
    return tuple(out)


def _flags(overrides: Sequence[str]) -> list[str]:
    flags = ["--no-pager"]
    for setting in _SAFE:
        flags += ["-c", setting]
    return [*flags, *overrides]


def command(where: str, *args: str, reads_content: bool = False) -> list[str]:
    """The argv of `git -C where ARGS...` with every repository-controlled program off.
    `reads_content` (diff against the work tree) also empties every filter and diff
    driver the configuration defines; listing files runs none of them."""
    drivers = _driver_overrides(where) if reads_content else ()
    return ["git", *_flags(drivers), "-C", where, *args]


def run(where: str, *args: str, check: bool = True, reads_content: bool = False) -> bytes:
    """git's standard output as bytes; GitError when it fails (with `check`)."""
    try:
        proc = subprocess.run(command(where, *args, reads_content=reads_content),
                              capture_output=True, timeout=TIMEOUT, check=False, env=_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git failed: {type(exc).__name__}") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"git {args[0] if args else ''} failed")
    return proc.stdout


def commit_of(where: str, rev: str) -> str:
    """The commit hash a user-given revision names (GitError when it names none). Only
    the hash goes on to other git commands: a revision is never read as an option."""
    if rev.startswith("-"):
        raise GitError(f"{rev}: not a revision")
    return run(where, "rev-parse", "--verify", "--end-of-options",
               f"{rev}^{{commit}}").decode("ascii", "replace").strip()


def popen(where: str, *args: str) -> subprocess.Popen[bytes]:
    """The same call started in the background (its output read later)."""
    return subprocess.Popen(command(where, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=_env())
