"""Fixes: applying the edits of safe fixes, writing files back, showing diffs."""

from __future__ import annotations

import difflib
import os
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
    """The text as the file had it: its BOM and its line endings, each line its own in a
    file that mixes LF and CRLF (a changed or added line takes its neighbour's)."""
    if original.crlf_lines is not None:
        text = _mixed_endings(text, original.text, original.crlf_lines)
    elif original.newline != "\n":
        text = text.replace("\n", original.newline)
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if original.bom else data


def _mixed_endings(text: str, before: str, crlf: frozenset[int]) -> str:
    old, new = before.split("\n"), text.split("\n")
    ending = ["\n"] * len(new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, j in enumerate(range(j1, j2)):
            i = i1 + offset if tag == "equal" else (min(i1 + offset, i2 - 1) if i2 > i1
                                                     else max(i1 - 1, 0))
            ending[j] = "\r\n" if i in crlf else "\n"
    return "".join(line + (ending[j] if j < len(new) - 1 else "")
                   for j, line in enumerate(new))


class FixWriteError(OSError):
    """A fix that qt-lint will not write (the reason is the message)."""


def write_fix(path: str, data: bytes, root: str) -> None:
    """Write a fixed file: through a symbolic link only when its target is inside the
    repository, in place when it has hard links (so they all see the fix), otherwise
    replaced atomically with its mode, owner and group."""
    from qt_lint.atomic import replace_file, rewrite_in_place

    if os.path.islink(path):
        target = os.path.realpath(path)
        inside = os.path.realpath(root).rstrip("/") + "/"
        if not target.startswith(inside):
            raise FixWriteError(f"a symbolic link to {target}, outside the repository; "
                                "not written")
        path = target
    if os.lstat(path).st_nlink > 1:
        rewrite_in_place(path, data)
    else:
        replace_file(path, data)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the changed lines only: no context lines, which could show any
    line of the file (a secret among them), and secret-like assignments masked. Lines keep
    their own endings (a CRLF file's diff has CRLF lines) and a last line without one is
    marked as `diff` marks it, so `git apply --unidiff-zero` takes the patch."""
    lines = difflib.unified_diff(_lines(before), _lines(after),
                                 fromfile=f"a/{path}", tofile=f"b/{path}", n=0)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    out = [_masked(line) + "\n" for line in parts[:-1]]
    return [*out, _masked(parts[-1])] if parts[-1] else out


def _masked(line: str) -> str:
    body = line.removesuffix("\r")
    return redact_line(body) + line[len(body):]
