"""Applying fixes: the edits of safe fixes, non-overlapping, in offset order."""

from __future__ import annotations

from collections.abc import Iterable

from qt_lint.finding import Edit, Finding


def apply_fixes(text: str, findings: Iterable[Finding]) -> str | None:
    """The text with every safe fix applied, or None when nothing changed.

    Edits that overlap an earlier one are skipped (a second run applies them); identical
    edits from two findings are applied once.
    """
    edits: list[Edit] = sorted(
        {edit for f in findings if f.fix and f.fix.safe for edit in f.fix.edits},
        key=lambda e: (e.start, e.end, e.text),
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
