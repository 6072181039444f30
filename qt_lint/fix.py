"""Fixes: applying the edits of safe fixes, writing files back, showing diffs."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterable

from qt_lint.finding import Edit, Finding
from qt_lint.secrets import redact_line
from qt_lint.source import Text


def apply_fixes(text: str, findings: Iterable[Finding], unsafe: bool = False) -> str | None:
    """The text with every safe fix applied, or None when nothing changed.

    Edits that overlap an earlier one are skipped (the next pass applies them); identical
    edits from two findings are applied once; insertions at one offset keep `rank` order.
    """
    edits: list[Edit] = sorted(
        {edit for f in findings if f.fix and (f.fix.safe or unsafe) for edit in f.fix.edits},
        key=lambda e: (e.start, e.end, e.rank, e.text),
    )
    if not edits:
        return None
    out: list[str] = []
    cursor = 0
    for edit in edits:
        if edit.start < cursor:
            continue
        out.append(text[cursor:edit.start])
        out.append(edit.text)
        cursor = edit.end
    out.append(text[cursor:])
    fixed = "".join(out)
    return fixed if fixed != text else None


def encode(text: str, original: Text) -> bytes:
    """The text as the file had it: its line endings and its BOM."""
    if original.newline != "\n":
        text = text.replace("\n", original.newline)
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if original.bom else data


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file in one step, keeping its mode; a crash leaves the old file."""
    mode = os.stat(path).st_mode & 0o7777
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".qt-lint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the changed lines only: no context lines, which could show any
    line of the file (a secret among them), and secret-like assignments masked."""
    lines = difflib.unified_diff(
        [redact_line(line) + "\n" for line in before.split("\n")],
        [redact_line(line) + "\n" for line in after.split("\n")],
        fromfile=f"a/{path}", tofile=f"b/{path}", n=0,
    )
    return "".join(lines)
