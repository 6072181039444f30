"""Python: `*.py`, `*.pyi`, and extensionless files with a python shebang; parsed with `ast`
(`parsers/python.py`), commands from subprocess calls."""

from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.command_model import Command
    from qt_lint.context import FileContext


class PythonKind(FileKind):
    kind = Kind.PYTHON
    files = "`*.py`, `*.pyi`, extensionless with a python shebang"
    # a file in which no rule's prefilter matches is proven clean by its text: parsing the
    # rest would double the cost of a run (its syntax errors are Python's tooling's)
    always_parsed = False

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return name.suffix in (".py", ".pyi")

    def runs(self, program: bytes) -> bool:
        return program.startswith(b"python")

    def comment_positions(self, text: str) -> set[tuple[int, int]] | None:
        """Positions of the `#` of every comment holding `qt-lint:`; None when the file
        does not tokenize (then every directive-shaped line counts, and the parse error is
        reported anyway)."""
        import io
        import tokenize

        found = set()
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.COMMENT and "qt-lint:" in tok.string:
                    found.add(tok.start)
        except (tokenize.TokenError, SyntaxError):
            return None
        return found

    def prefilter_text(self, ctx: FileContext) -> str:
        """The text, and the text of the values it imports from the repository's other
        modules (`from ops.config import PYTHON`: `PYTHON = "python3"`), found without
        parsing: a prefilter looking for `python` must not skip a file that runs it."""
        import os

        imported = ctx.project.python_modules.value_text.of(
            ctx.abspath or os.path.abspath(ctx.path), ctx.text)
        return ctx.text + "\n" + imported if imported else ctx.text

    def parse(self, ctx: FileContext) -> None:
        _ = ctx.python_tree

    def commands(self, ctx: FileContext) -> list[Command]:
        return ctx.python.commands


PYTHON = PythonKind()
