"""Reading one file into text, or a precise reason why it cannot be analysed (QT001)."""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from pathlib import Path

from qt_lint.record import record

# What a reviewer does not see but a program acts on: C0 controls other than tab and
# newline (a carriage return or NUL ends a line for systemd), DEL, and the bidirectional
# overrides that reorder how a line is displayed. Compiled on first use (start-up time).
# The non-ASCII spaces (what str.isspace() calls space beyond ASCII) are text to systemd,
# which strips only space, tab, CR and LF, while a reviewer reads them as blanks.
UNICODE_SPACES = "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL = f"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069{UNICODE_SPACES}]"


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


class Unreadable(Exception):
    """The file cannot be analysed; `line`/`column` locate the problem when known."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@record(frozen=True, slots=True)
class Text:
    """Decoded file text with newlines normalised to `\\n`; what was there is remembered
    so that fixes write the file back with its own line endings and BOM."""

    text: str
    newline: str = "\n"
    bom: bool = False
    # systemd formats only: every control character as (line, column, character), after
    # each lone CR and NUL became the line break systemd reads there
    controls: tuple[tuple[int, int, str], ...] = ()
    # a file that mixes LF and CRLF: the (0-based) lines that ended in CRLF
    crlf_lines: frozenset[int] | None = None
    # systemd formats: the (0-based) lines an LF CR pair ended (one break in a unit, two
    # line ends in an env file: qt_lint/parsers/envfile.py)
    lf_cr_lines: frozenset[int] = frozenset()


def decode(data: bytes, max_size: int, systemd: bool = False, utf16: bool = False) -> Text:
    """The file's text. `systemd` reads it as systemd reads units and env files: a NUL
    byte is text, and a lone carriage return or NUL ends a line (`parsers/lines.py`).
    `utf16`: the format allows UTF-16 with a byte-order mark (YAML, JSON); elsewhere such a
    file is named for what it is, not "binary"."""
    if max_size and len(data) > max_size:
        raise Unreadable(
            f"file is too large to analyse ({len(data):,} bytes > max-file-size {max_size:,})")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        if not utf16:
            raise Unreadable("UTF-16 text (byte-order mark), which this file's reader does "
                             "not read: not analysed; save it as UTF-8")
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeError:
            raise Unreadable("not valid UTF-16 (after its byte-order mark), not analysed",
                             1, 1) from None
    nul = data.find(b"\0")
    if nul != -1 and not systemd:
        line = data.count(b"\n", 0, nul) + 1
        raise Unreadable("binary file (contains a NUL byte), not analysed", line,
                         nul - data.rfind(b"\n", 0, nul))
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise Unreadable(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}), not analysed",
                         line, column) from None
    if systemd and _pattern(CONTROL).search(text):
        return _systemd_lines(text, bom)
    newline = "\n"
    crlf_lines = None
    if "\r\n" in text:
        newline = "\r\n"
        if text.count("\r\n") != text.count("\n"):  # mixed: fixes keep each line's own
            crlf_lines = frozenset(i for i, line in enumerate(text.split("\n"))
                                   if line.endswith("\r"))
        text = text.replace("\r\n", "\n")
    return Text(text, newline, bom, crlf_lines=crlf_lines)


_SPECIAL = ("[\n\r\x00]+|"
            f"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069{UNICODE_SPACES}]")
_EOL_KIND = {"\n": 1, "\r": 2, "\x00": 4}


def _systemd_lines(raw: str, bom: bool) -> Text:
    """The text with a `\n` wherever systemd's `read_line()` ends a line, and every
    control character that was not part of a plain LF or CRLF break (for QT004).

    A break is a run of terminators of distinct kinds (LF, CR, NUL) that a NUL ends:
    CR LF, LF CR and CR NUL are one break each; NUL LF, NUL NUL and CR CR are two
    (measured with `systemd-analyze verify`: tests/test_systemd_lines.py)."""
    parts: list[str] = []
    controls: list[tuple[int, int, str]] = []
    crlf: list[int] = []  # the (0-based) lines a CRLF break ended
    lf_cr: list[int] = []  # and an LF CR break
    breaks = 0
    last = length = line_start = 0
    line = 1
    for match in _pattern(_SPECIAL).finditer(raw):
        parts.append(raw[last:match.start()])
        length += match.start() - last
        last = match.end()
        run = match.group()
        if run[0] not in _EOL_KIND:  # another control character: kept, reported
            controls.append((line, length - line_start + 1, run))
            parts.append(run)
            length += 1
            continue
        i = 0
        while i < len(run):
            seen, j = 0, i
            while j < len(run) and not seen & 4 and not seen & _EOL_KIND[run[j]]:
                seen |= _EOL_KIND[run[j]]
                j += 1
            brk = run[i:j]
            breaks += 1
            if brk == "\r\n":
                crlf.append(line - 1)
            elif brk == "\n\r":
                lf_cr.append(line - 1)
            if brk not in ("\n", "\r\n"):
                controls.append((line, length - line_start + 1,
                                 "\x00" if "\x00" in brk else "\r"))
            parts.append("\n")
            length += 1
            line += 1
            line_start = length
            i = j
    parts.append(raw[last:])
    mixed = frozenset(crlf) if crlf and len(crlf) != breaks else None
    return Text("".join(parts), "\r\n" if crlf else "\n", bom, tuple(controls), mixed,
                frozenset(lf_cr))


def read_bounded(path: str | Path, limit: int, *, verb: str = "read",
                 limit_name: str = "") -> bytes:
    """A regular file's bytes, at most `limit` of them: the file is opened without blocking
    (a FIFO or a device never hangs the run), its type and size are checked on the open
    descriptor, and a larger file is refused (Unreadable), never read into memory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise Unreadable(f"{what}, not {verb.rstrip('e')}ed")
        if st.st_size > limit:
            raise Unreadable(f"file is too large to {verb} ({st.st_size:,} bytes > "
                             f"{limit_name}{limit:,})")
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # it grew while we read
            raise Unreadable(f"file is too large to {verb} (more than {limit_name}{limit:,} "
                             "bytes)")
        return data
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from None
    finally:
        os.close(fd)


def check_line_length(text: str, limit: int) -> None:
    """Unreadable when a line is longer than `limit` characters: such a line is reported,
    never scanned (every pattern is linear, tests/test_linear.py; this is the backstop)."""
    if len(text) <= limit:
        return
    start = 0
    number = 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if end - start > limit:
            raise Unreadable(f"line {number} is {end - start:,} characters long, longer than "
                             f"max-line-length {limit:,}; not analysed", number, 1)
        start = end + 1
        number += 1


def read_text(path: Path, max_size: int, systemd: bool = False, utf16: bool = False) -> Text:
    """Read a regular file; never blocks on FIFOs or devices, never follows a loop, never
    reads more than `max_size` bytes."""
    data = read_bounded(path, max_size, verb="analyse", limit_name="max-file-size ")
    return decode(data, max_size, systemd, utf16)


def link_outside(path: str, root: str) -> bool:
    """`path` is a symbolic link whose target lies outside its repository (the nearest
    folder above it with a `.git`, else `root`): a committed link to `/proc/self/environ`
    or a host's unit is not the repository's file, and what it holds is not ours to read
    or report."""
    if not os.path.islink(path):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            folder = root
            break
        folder = parent
    real_root = os.path.realpath(folder)
    target = os.path.realpath(path)
    return target != real_root and not target.startswith(real_root.rstrip("/") + "/")


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "cannot read: symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "cannot read: no such file (or a broken symbolic link)"
    if exc.errno == errno.EACCES:
        return "cannot read: permission denied"
    return f"cannot read: {exc.strerror or exc.__class__.__name__}"


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the current directory when below it, else absolute; forward slashes."""
    cwd = cwd or os.getcwd()
    if path.startswith(cwd.rstrip("/") + "/"):
        return path[len(cwd.rstrip("/")) + 1:]
    if path == cwd:
        return "."
    return path


def file_signature(path: str) -> list[int] | None:
    """What a memo keyed by a file's stat compares (size, mtime, ctime, inode), or None
    when it cannot be stat'ed: a changed file has a new ctime whatever it did to mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
