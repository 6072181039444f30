"""Reading below an audited root without ever leaving it, blocking, or reading unbounded.

Every path is resolved component by component from a file descriptor of the root, the way
`openat2(RESOLVE_IN_ROOT)` does: each component is opened with `O_PATH | O_NOFOLLOW`, a
symbolic link is expanded by hand (an absolute target restarts at the root, `..` stops at
the root, at most 40 links), so no path, link or `..` can name a file outside the root,
and a link swapped in between two steps is never followed by the kernel. With `--root /`
the same code runs: the live host is its own root.

Files are opened only after the resolved object is known to be a regular file, with
`O_NONBLOCK | O_NOFOLLOW` relative to its folder's descriptor and checked to be the same
inode, so a FIFO or a device never blocks and a swap is detected. Every read is bounded,
and a file over the bound is an error ("could not verify"), never a judged prefix.
Every call checks the run's deadline.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
import time
from collections.abc import Iterator
from dataclasses import dataclass

MAX_LINKS = 40
MAX_DEPTH = 256  # folders below a walked root
_PATH = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class OutOfTime(Exception):
    """The run's time budget is spent: what is left is reported as not verified."""


class TooLarge(OSError):
    """A file over the read bound: never judged by a prefix."""


@dataclass(frozen=True)
class Found:
    """A resolved path: its host path (inside the root), its lstat and, for a link that
    was not followed, the link's text."""

    path: str
    stat: os.stat_result
    link: str | None = None


def kind_of(mode: int) -> str:
    if stat_module.S_ISLNK(mode):
        return "symlink"
    if stat_module.S_ISREG(mode):
        return "file"
    if stat_module.S_ISDIR(mode):
        return "dir"
    if stat_module.S_ISFIFO(mode):
        return "fifo"
    if stat_module.S_ISSOCK(mode):
        return "socket"
    if stat_module.S_ISCHR(mode) or stat_module.S_ISBLK(mode):
        return "device"
    return "other"


def reason(exc: OSError) -> str:
    if isinstance(exc, TooLarge):
        return str(exc)
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or type(exc).__name__


def parse_acl(data: bytes | None) -> tuple[tuple[int, int, int], ...] | None:
    """The entries (tag, permissions, id) of a `system.posix_acl_access` value."""
    if not data or len(data) < 4 or int.from_bytes(data[:4], "little") != 2:
        return None
    entries = []
    for offset in range(4, len(data) - 7, 8):
        tag = int.from_bytes(data[offset:offset + 2], "little")
        perm = int.from_bytes(data[offset + 2:offset + 4], "little")
        ident = int.from_bytes(data[offset + 4:offset + 8], "little")
        entries.append((tag, perm, ident))
    return tuple(entries)


class Root:
    """An audited tree. `path` arguments are host paths (`/etc/quantum/x.env`)."""

    def __init__(self, root: str, deadline: float | None = None) -> None:
        self.root = os.path.abspath(root)
        self.deadline = deadline
        self.fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self) -> None:
        os.close(self.fd)

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime

    def _walk(self, path: str, follow: bool) -> tuple[int, str, os.stat_result, int, str]:
        """(O_PATH fd, host path, lstat, parent folder fd, name). The caller closes both
        descriptors (the parent may be the root's own, which it must not close)."""
        self.tick()
        todo = [p for p in reversed(path.split("/")) if p and p != "."]
        stack: list[tuple[int, str]] = [(self.fd, "/")]
        links = 0
        try:
            while True:
                if not todo:
                    fd, here = stack[-1]
                    st = os.fstat(fd)
                    if len(stack) == 1:
                        return os.dup(fd), "/", st, os.dup(fd), "."
                    parent = stack[-2][0]
                    stack.pop()
                    return fd, here, st, os.dup(parent), os.path.basename(here)
                part = todo.pop()
                if part == "..":
                    if len(stack) > 1:
                        os.close(stack.pop()[0])
                    continue
                dirfd, here = stack[-1]
                fd = os.open(part, _PATH, dir_fd=dirfd)
                st = os.fstat(fd)
                if stat_module.S_ISLNK(st.st_mode) and (todo or follow):
                    target = os.readlink(part, dir_fd=dirfd)
                    os.close(fd)
                    links += 1
                    if links > MAX_LINKS:
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
                    if target.startswith("/"):
                        while len(stack) > 1:
                            os.close(stack.pop()[0])
                    todo.extend(p for p in reversed(target.split("/")) if p and p != ".")
                    continue
                if todo and not stat_module.S_ISDIR(st.st_mode) \
                        and not stat_module.S_ISLNK(st.st_mode):
                    os.close(fd)
                    raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
                stack.append((fd, os.path.join(here, part)))
        finally:
            for fd, _ in stack[1:]:
                os.close(fd)

    def lookup(self, path: str, follow: bool = False) -> Found:
        """lstat (follow=False) or stat of a host path, resolved inside the root."""
        fd, here, st, parent, name = self._walk(path, follow)
        try:
            link = os.readlink(name, dir_fd=parent) if stat_module.S_ISLNK(st.st_mode) \
                else None
        finally:
            os.close(fd)
            os.close(parent)
        return Found(here, st, link)

    def _open(self, path: str, flags: int, regular: bool = False, follow: bool = True
              ) -> tuple[int, str, os.stat_result]:
        """Open the object at `path` (links followed inside the root; with `follow`
        False, a final link is refused) with `flags`, checked to be the object resolved;
        `regular`: refuse anything but a regular file before opening it (a FIFO or a
        device is never opened)."""
        fd, here, st, parent, name = self._walk(path, follow=follow)
        try:
            if regular and not stat_module.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, f"a {kind_of(st.st_mode)}, not a regular file")
            opened = os.open(name, flags, dir_fd=parent)
        finally:
            os.close(fd)
            os.close(parent)
        now = os.fstat(opened)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            os.close(opened)
            raise OSError(errno.ESTALE, "changed while it was read")
        return opened, here, now

    def read(self, path: str, limit: int, follow: bool = True) -> tuple[bytes, str]:
        """The whole content of a regular file (links followed inside the root, unless
        `follow` is False) and its host path. OSError when it is not a regular file;
        TooLarge over `limit` bytes."""
        fd, here, st = self._open(path, _READ, regular=True, follow=follow)
        try:
            if st.st_size > limit:
                raise TooLarge(errno.EFBIG, f"larger than the read limit of {limit} bytes "
                               f"({st.st_size} bytes): not judged")
            chunks = []
            size = 0
            while size <= limit:
                self.tick()
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                raise TooLarge(errno.EFBIG, f"larger than the read limit of {limit} bytes: "
                               "not judged")
            return b"".join(chunks), here
        finally:
            os.close(fd)

    def open_file(self, path: str) -> tuple[int, os.stat_result]:
        """A read descriptor of a regular file (for copying); the caller closes it."""
        fd, _, st = self._open(path, _READ, regular=True)
        return fd, st

    def listdir(self, path: str) -> list[str]:
        fd, _, _ = self._open(path, _READ | os.O_DIRECTORY)
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    def getxattr(self, path: str, name: str) -> bytes | None:
        """An extended attribute of the object itself (never through a final link)."""
        fd, _, st, parent, _ = self._walk(path, follow=False)
        try:
            if stat_module.S_ISLNK(st.st_mode):
                return None
            try:
                return os.getxattr(f"/proc/self/fd/{fd}", name)  # works on O_PATH
            except OSError as exc:
                if exc.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP):
                    return None
                raise
        finally:
            os.close(fd)
            os.close(parent)

    def walk(self, path: str, skip: frozenset[str], max_entries: int
             ) -> Iterator[tuple[str, list[str]]]:
        """(host folder, names of what is not a folder) below `path`, links never
        followed, bounded."""
        for folder, items, _ in self.entries(path, skip, max_entries):
            yield folder, [name for name, st in items if not stat_module.S_ISDIR(st.st_mode)]

    def entries(self, path: str, skip: frozenset[str], max_entries: int
                ) -> Iterator[tuple[str, list[tuple[str, os.stat_result]], int]]:
        """(host folder, [(name, lstat)], the folder's descriptor, valid until the next
        step) below `path`, depth first, links never followed. Iterative, with at most
        MAX_DEPTH folders open: a deeper tree, or more than `max_entries` entries, is
        TooLarge (not walked), never a RecursionError or a judged part."""
        fd, here, _ = self._open(path, _READ | os.O_DIRECTORY)
        stack: list[tuple[int, str, list[str]]] = []
        seen = 0
        try:
            current: tuple[int, str] | None = (fd, here)
            while current is not None or stack:
                self.tick()
                if current is not None:
                    dfd, folder = current
                    current = None
                    items = []
                    with os.scandir(dfd) as listing:
                        for entry in listing:
                            items.append((entry.name, entry.stat(follow_symlinks=False)))
                    items.sort()
                    seen += len(items)
                    if seen > max_entries:
                        raise TooLarge(errno.EFBIG, f"more than {max_entries} entries: "
                                       "not walked")
                    subdirs = [n for n, st in items if stat_module.S_ISDIR(st.st_mode)
                               and n not in skip]
                    stack.append((dfd, folder, subdirs[::-1]))
                    yield folder, items, dfd
                    if len(stack) > MAX_DEPTH:
                        raise TooLarge(errno.EFBIG, f"folders nested more than {MAX_DEPTH} "
                                       "deep: not walked")
                    continue
                dfd, folder, todo = stack[-1]
                if not todo:
                    stack.pop()
                    os.close(dfd)
                    continue
                name = todo.pop()
                try:
                    child = os.open(name, _READ | os.O_DIRECTORY, dir_fd=dfd)
                except OSError:
                    continue  # gone, or a link swapped in (O_NOFOLLOW): not followed
                current = (child, os.path.join(folder, name))
        finally:
            for dfd, _, _ in stack:
                os.close(dfd)
            if current is not None:
                os.close(current[0])
