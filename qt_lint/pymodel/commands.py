"""The commands a Python module runs: `subprocess`, `os.system`/`os.popen`, `os.exec*`/
`os.spawn*` and `asyncio.create_subprocess_*` calls, as the one `Command` model every kind
reduces to (argument lists word by word, shell strings through the shell parser)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qt_lint.command_model import Command, Word, make_command
from qt_lint.pymodel.resolver import DYNAMIC, Resolver

if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, Scope

_SUBPROCESS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput",
})
_SHELL_STRING = frozenset({"os.system", "os.popen", "asyncio.create_subprocess_shell",
                           "subprocess.getoutput", "subprocess.getstatusoutput"})


class CommandModel(Resolver):
    """`commands` of a parsed file."""

    calls: list[Call]
    _commands: list[Command] | None
    _lines: list[str]

    def position(self, node: ast.AST, end: bool = False) -> tuple[int, int]:
        raise NotImplementedError

    def source(self, node: ast.AST) -> str:
        raise NotImplementedError

    @property
    def commands(self) -> list[Command]:
        if self._commands is None:
            self._commands = list(self._extract_commands())
        return self._commands

    def _extract_commands(self) -> Iterator[Command]:
        for call in self.calls:
            name = call.name
            if name in _SUBPROCESS or name in _SHELL_STRING:
                target = call.arg(0, "args")
                if target is None:
                    continue
                if isinstance(target, ast.Name):
                    # `CMD = [PY, "x.py"]` then `run(CMD)`: the words, reported at the use
                    bound = call.scope.lookup(target.id)
                    if isinstance(bound, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                        yield from self._argv(call, list(bound.elts), at=target)
                        continue
                if isinstance(target, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                    yield from self._argv(call, list(target.elts))
                else:
                    yield from self._shell_string(call, target)
            elif name == "asyncio.create_subprocess_exec":
                yield from self._argv(call, list(call.node.args))
            elif name.startswith("os.exec") or name.startswith("os.spawn"):
                yield from self._exec(call)

    def _word(self, node: ast.expr, scope: Scope, at: ast.expr | None = None) -> Word:
        line, column = self.position(at or node)
        value = self.resolve(node, scope)
        if value is None:
            return Word(self.source(node) or DYNAMIC, line, column, dynamic=True)
        return Word(value.text, line, column, dynamic=not value.exact)

    def _argv(self, call: Call, elements: list[ast.expr],
              at: ast.expr | None = None) -> Iterator[Command]:
        if not elements or any(isinstance(e, ast.Starred) for e in elements[:1]):
            return
        words = tuple(self._word(e, call.scope, at) for e in elements
                      if not isinstance(e, ast.Starred))
        command = make_command(words, "python")
        if command is not None:
            yield command

    def _exec(self, call: Call) -> Iterator[Command]:
        args = list(call.node.args)
        if call.name.startswith("os.spawn"):
            args = args[1:]  # the mode
        if not args:
            return
        program = args[0]
        rest: list[ast.expr] = []
        if call.name[7:8] == "v" or call.name[8:9] == "v":  # execv*/spawnv*: an argv list
            if len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple)):
                rest = list(args[1].elts)[1:]
        else:
            rest = args[2:]  # execl*: argv[0] is the second argument
        yield from self._argv(call, [program, *rest])

    def _shell_string(self, call: Call, node: ast.expr) -> Iterator[Command]:
        from qt_lint.parsers.shell import parse_shell

        value = self.resolve(node, call.scope)
        if value is None:
            return
        line, column = self.position(node)
        literal = isinstance(node, ast.Constant)
        offset = quote_width(self._lines[line - 1], column - 1) if literal else 0
        single_line = literal and getattr(node, "end_lineno", line) == line

        def mapper(row: int, col: int) -> tuple[int, int]:
            if single_line and row == 0:
                return line, column + offset + col
            return line, column  # multi-line, f-string or constant: the string's start

        yield from parse_shell(value.text, "python", mapper).commands


def quote_width(line: str, column: int) -> int:
    """Length of the prefix and opening quote of a string literal starting at `column`."""
    i = column
    while i < len(line) and line[i] in "rRbBuUfF":
        i += 1
    quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else line[i:i + 1]
    return i - column + len(quote)
