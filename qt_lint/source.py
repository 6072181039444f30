"""Reading one file into text, or a precise reason why it cannot be analysed (QT001)."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path


class Unreadable(Exception):
    """The file cannot be analysed; `line`/`column` locate the problem when known."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Text:
    """Decoded file text with newlines normalised to `\\n`; what was there is remembered
    so that fixes write the file back with its own line endings and BOM."""

    text: str
    newline: str = "\n"
    bom: bool = False


def decode(data: bytes, max_size: int) -> Text:
    if max_size and len(data) > max_size:
        raise Unreadable(
            f"file is too large to analyse ({len(data):,} bytes > max-file-size {max_size:,})")
    nul = data.find(b"\0")
    if nul != -1:
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
    newline = "\n"
    if "\r\n" in text:
        newline = "\r\n"
        text = text.replace("\r\n", "\n")
    return Text(text, newline, bom)


def read_text(path: Path, max_size: int) -> Text:
    """Read a regular file; never blocks on FIFOs or devices, never follows a loop."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise Unreadable(f"{what}, not analysed")
    if max_size and st.st_size > max_size:
        raise Unreadable(
            f"file is too large to analyse ({st.st_size:,} bytes > max-file-size {max_size:,})")
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_size + 1 if max_size else -1)
    except OSError as exc:
        raise Unreadable(_os_reason(exc)) from None
    return decode(data, max_size)


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
