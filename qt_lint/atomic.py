"""Replacing a file in one step, writing only where intended.

Every file qt-lint writes (a baseline, a fixed source file, the cache index) goes through
`replace_file`: the new content goes to a temporary file created exclusively next to the
target (`O_EXCL`: a name planted there, a symbolic link included, is never followed or
reused), takes the old file's mode, owner and group, is flushed to disk, and is renamed
over the target. A crash leaves the old file whole. The target path itself is replaced,
never a file a symbolic link at that path points to (callers that mean to follow a link
resolve it first and decide whether its target may be written).
"""

from __future__ import annotations

import contextlib
import os
import stat


def replace_file(path: str, data: bytes, mode: int = 0o644, force_mode: bool = False,
                 follow: bool = False) -> None:
    """Write `data` as `path` atomically (new files get `mode`, less the umask's bits; an
    existing file keeps its mode and owner, unless `force_mode`: then it gets `mode`). A
    device, FIFO or socket is written to instead; with `follow` (a path the user named, as
    `-o /dev/stdout`) also one a link leads to, else the link itself is replaced (a link
    planted in a repository never leads a write to a device)."""
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    if _is_special(path, follow):
        # `-o /dev/null`, `-o /dev/stdout`, a FIFO: written to, as a shell's `>` would; a
        # rename over it would put a regular file where the device was (as root, for all)
        _write_through(path, data, follow)
        return
    import tempfile  # not on the cache's path (`replace_private`)

    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".qt-lint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if force_mode:
            os.chmod(tmp, mode)
        elif st is not None and stat.S_ISREG(st.st_mode):
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                # not ours to give away when we are not root: the file is then ours
                with contextlib.suppress(PermissionError):
                    os.chown(tmp, st.st_uid, st.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, mode & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _is_special(path: str, follow: bool) -> bool:
    """Whether `path` (its links followed with `follow`) is a device, a FIFO or a socket."""
    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
    except OSError:
        return False  # absent, or a dangling link: created by the rename as before
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def _write_through(path: str, data: bytes, follow: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW))
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def replace_private(path: str, data: bytes) -> None:
    """Write `data` as `path` atomically, mode 0600, for files only qt-lint reads back and
    checks (the cache): a temporary file created exclusively beside it, never following a
    link, renamed over it; not flushed to disk (a reader that finds it damaged after a
    crash ignores it)."""
    tmp = os.path.join(os.path.dirname(path) or ".", f".tmp-{os.getpid()}-{os.urandom(6).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def rewrite_in_place(path: str, data: bytes) -> None:
    """Rewrite a regular file's content in its own inode (its hard links see the change);
    the file is opened without following a symbolic link."""
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    try:
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
