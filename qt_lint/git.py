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
from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess

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
    import subprocess

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
        proc = Background(command(where, *args, reads_content=reads_content), stderr=True)
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise GitError(f"git failed: {type(exc).__name__}") from None
    if check and proc.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"git {args[0] if args else ''} failed")
    return stdout


class Background:
    """git started with its output on pipes, without the `subprocess` module (its import
    and its `signal`, `threading` and `selectors` cost a one-file run on a unit 15 ms,
    more than git itself): `os.posix_spawnp` where there is one, else subprocess.
    `communicate` is `Popen.communicate`'s (stdout, stderr); TimeoutError when git takes
    longer (it is killed)."""

    def __init__(self, argv: list[str], *, stderr: bool = False) -> None:
        self.returncode = -1  # until communicate has waited for it
        self._proc: subprocess.Popen[bytes] | None = None
        if not hasattr(os, "posix_spawnp"):
            import subprocess

            self._proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if stderr else subprocess.DEVNULL, env=_env())
            return
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe() if stderr else (-1, -1)
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]] = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1)]
        actions.append((os.POSIX_SPAWN_DUP2, err_w, 2) if stderr else
                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0))
        try:
            self.pid = os.posix_spawnp(argv[0], argv, _env(), file_actions=actions)
        except OSError:
            for fd in (out_r, out_w, err_r, err_w):
                if fd >= 0:
                    os.close(fd)
            raise
        os.close(out_w)
        if err_w >= 0:
            os.close(err_w)
        self._fds = [fd for fd in (out_r, err_r) if fd >= 0]

    def communicate(self, timeout: float | None = None) -> tuple[bytes, bytes]:
        if self._proc is not None:
            import subprocess

            try:
                out, err = self._proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
                raise TimeoutError("git timed out") from None
            self.returncode = self._proc.returncode
            return out, err or b""
        import select
        import time

        chunks: dict[int, list[bytes]] = {fd: [] for fd in self._fds}
        open_fds = list(self._fds)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while open_fds:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    os.kill(self.pid, 9)
                    raise TimeoutError("git timed out")
                ready, _, _ = select.select(open_fds, [], [], left)
                for fd in ready:
                    data = os.read(fd, 1 << 16)
                    if data:
                        chunks[fd].append(data)
                    else:
                        open_fds.remove(fd)
        finally:
            for fd in self._fds:
                os.close(fd)
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        out = b"".join(chunks[self._fds[0]])
        return out, b"".join(chunks[self._fds[1]]) if len(self._fds) > 1 else b""


def commit_of(where: str, rev: str) -> str:
    """The commit hash a user-given revision names (GitError when it names none). Only
    the hash goes on to other git commands: a revision is never read as an option."""
    if rev.startswith("-"):
        raise GitError(f"{rev}: not a revision")
    return run(where, "rev-parse", "--verify", "--end-of-options",
               f"{rev}^{{commit}}").decode("ascii", "replace").strip()


def popen(where: str, *args: str) -> Background:
    """The same call started in the background (its output read later)."""
    return Background(command(where, *args))
