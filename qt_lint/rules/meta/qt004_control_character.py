from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.examples import GOLDEN


class ControlCharacter(Rule):
    """
    ## What it does
    Reports a carriage return that is not part of a CRLF line ending, a NUL byte, any
    other control character (C0 controls but tab and newline, DEL, and the bidirectional
    overrides U+202A-U+202E, U+2066-U+2069), and any non-ASCII space (a no-break space
    U+00A0, U+2000-U+200A, U+3000...) in a systemd unit or an env file.

    systemd ends a line at a lone carriage return and at a NUL byte as well as at a
    newline (units: `read_line()`; env files: `NEWLINE "\\n\\r"` in `env-file.c`), and it
    stops reading an env file at its first NUL byte. qt-lint reads the files the same way,
    so every other rule judges what systemd runs; this rule reports what the reviewer did
    not see.

    ## Why is this bad?
    In a diff or an editor, `# note\\rUser=root` is one comment line; systemd reads a
    comment and then `User=root`. systemd strips only space, tab, CR and LF: after a
    continued line, a no-break space before `#` makes a line that looks like a comment a
    part of the value, and the next line a setting of its own. Control characters and
    look-alike spaces are how a pull request hides a setting from its reviewers, and they
    have no legitimate use in these files.

    ## Example
    ```ini
    # harmless note^MUser=root
    ```

    ## Use instead
    Plain lines ending in `\\n` (or `\\r\\n`), every setting visible.
    """

    code = "QT004"
    name = "control-character"
    section = "H"
    kinds = frozenset({Kind.UNIT, Kind.ENV})
    summary = "Carriage return, NUL or other control character that hides text from reviewers"
    example_path = "systemd/quantum-backend.service"
    VALID = (Example(GOLDEN), Example(GOLDEN.replace("\n", "\r\n")),
             Example("A=1\tB\n", path="deploy/backend.env"))
    INVALID = (
        Example("[Service]\nUser=qt\n# c\rUser=root\n", expect=((3, 4),)),
        Example(b"[Service]\nUser=qt\0User=root\n", expect=((2, 8),)),
        Example("# note\rBINANCE_API_SECRET=x\rREDIS_HOST=quantum_redis\n",
                path="deploy/backend.env", expect=((1, 7), (2, 21))),
        Example(b"A=1\0B=2\0\0C=3\n", path="deploy/backend.env", expect=((1, 4),)),
        Example("Description=\u202eevil\n", expect=((1, 13),)),
        Example("[Service]\nEnvironment=A=1 \\\n\u00a0# note\nUser=root\n", expect=((3, 1),)),
        Example("LOG_LEVEL=\u2003INFO\n", path="deploy/backend.env", expect=((1, 11),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for line, column, char in ctx.source.controls:
            if char == "\r":
                why = ("carriage return: systemd ends the line here, so a reviewer sees one "
                       "line where systemd reads two")
            elif char == "\0" and ctx.kind is Kind.ENV:
                yield ctx.finding(self, line, column,
                                  "NUL byte: systemd stops reading the env file here; what "
                                  "follows is hidden from reviewers and from systemd")
                return
            elif char == "\0":
                why = ("NUL byte: systemd ends the line here; what follows is hidden from "
                       "reviewers")
            elif char.isspace():
                why = (f"non-ASCII space U+{ord(char):04X}: systemd reads it as text, not as "
                       "a blank (it strips only space, tab, CR and LF), where a reviewer sees "
                       "a space")
            else:
                why = (f"control character U+{ord(char):04X}: it hides or reorders text on "
                       "a reviewer's screen")
            yield ctx.finding(self, line, column, why)
