"""Lines as systemd's own readers see them, for the two formats it reads: unit files
(`parsers/systemd.py`) and `EnvironmentFile=` files (`parsers/envfile.py`). One place, so
that both parsers agree with systemd and with each other on what a line is."""

from __future__ import annotations

# systemd's WHITESPACE: what it strips around keys and values and skips before a comment.
# Only these: a no-break space or another Unicode space is text to systemd (str.strip()
# would drop it, and read `\u00a0# x` as a comment where systemd reads a value).
BLANKS = " \t\r\n"


def split(text: str) -> list[str]:
    """The file's lines (the text is already decoded, CRLF already folded)."""
    return text.split("\n")


def significant(raw: str) -> tuple[str, int] | None:
    """(the line stripped, its indentation), or None for a blank line or a whole-line
    comment: `#` or `;` as the first non-blank character (systemd has no trailing
    comments)."""
    stripped = raw.strip(BLANKS)
    if not stripped or stripped[0] in "#;":
        return None
    return stripped, len(raw) - len(raw.lstrip(BLANKS))
