"""The commands a Python module runs: `subprocess`, `os.system`/`os.popen`, `os.exec*`/
`os.spawn*`, `os.posix_spawn[p]`, `pty.spawn` and `asyncio.create_subprocess_*` calls, as
the one `Command` model every kind reduces to (argument lists word by word, shell strings
through the shell parser).

The forms careless code uses every day are followed: an argument list from
`shlex.split("python3 x.py")`, `"python3 x.py".split()` or `.split(" ")`, lists joined
with `+`, a list (or a word) taken from a dispatch dict by a constant key (`RUN["train"]`,
also of `dict(train=...)`), `executable=` (the program that runs), and as a word,
`shutil.which("python3")` (the program it looks up), `os.environ.get("PY", "python3")`
(the default: what runs when the variable is unset), a fallback after `or`
(`os.environ.get("PY") or "python3"`), and a name bound once to one of these."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from qt_lint.command_model import Command, Word, make_command
from qt_lint.pymodel.resolver import DYNAMIC, Resolver
from qt_lint.record import replace

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, Scope
    from qt_lint.parsers.shell import Redirect

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
    _redirects: list[Redirect]
    _lines: list[str]

    def position(self, node: ast.AST, end: bool = False) -> tuple[int, int]:
        raise NotImplementedError

    def source(self, node: ast.AST) -> str:
        raise NotImplementedError

    @property
    def commands(self) -> list[Command]:
        if self._commands is None:
            self._redirects = []
            self._commands = list(self._extract_commands())
        return self._commands

    @property
    def shell_redirects(self) -> list[Redirect]:
        """The redirections of the shell strings it runs (`os.system("echo x >> f")`), with
        the working directory `cwd=` gives them."""
        _ = self.commands
        return self._redirects

    def commands_of(self, call: Call) -> tuple[list[Command], list[Redirect]]:
        """The commands one call runs and the redirections of its shell strings, read
        afresh (a call whose scope binds its function's parameters to what a caller
        gives: `qt_lint.pymodel.calls.bound_scopes`); the file's own lists are untouched."""
        _ = self.commands
        mark = len(self._redirects)
        try:
            return list(self._call_commands(call)), self._redirects[mark:]
        finally:
            del self._redirects[mark:]

    def _extract_commands(self) -> Iterator[Command]:
        for call in self.calls:
            yield from self._call_commands(call)

    def _cwd(self, call: Call) -> Word | None:
        """`subprocess.run(..., cwd="/etc/quantum")`: the working directory of what it runs,
        where it is a known absolute path."""
        node = call.kwarg("cwd") if call.name in _SUBPROCESS else None
        value = self.resolve(node, call.scope) if node is not None else None
        if node is None or value is None or not value.exact or not value.text.startswith("/"):
            return None
        line, column = self.position(node)
        return Word(value.text.rstrip("/") or "/", line, column)

    def _in_cwd(self, call: Call, command: Command) -> Command:
        cwd = self._cwd(call) if command.cwd is None else None
        return command if cwd is None else replace(command, cwd=cwd)

    def _call_commands(self, call: Call) -> Iterator[Command]:
        name = call.name
        if name in _SUBPROCESS or name in _SHELL_STRING:
            target = call.arg(0, "args")
            if target is None:
                return
            target = _concatenated(self._dispatched(target, call))
            split = self._split(target, call) if name not in _SHELL_STRING else None
            if split is not None:
                yield from self._with_executable(call, split)
                return
            if isinstance(target, ast.Name):
                # `CMD = [PY, "x.py"]` then `run(CMD)`: the words, reported at the use
                bound = call.scope.lookup(target.id)
                if isinstance(bound, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                    yield from self._with_executable(
                        call, self._argv(call, list(bound.elts), at=target))
                    return
            if isinstance(target, (ast.Name, ast.Attribute)) and name not in _SHELL_STRING:
                # a list another module of the repository binds (`from ops.config
                # import CMD`): its words, resolved there, reported at the use
                from qt_lint.pymodel.modules import Bound

                other = self.foreign(target, call.scope)
                if isinstance(other, Bound) and isinstance(other.node, (ast.List, ast.Tuple)):
                    yield from self._with_executable(call, self._argv(
                        call, list(other.node.elts), at=target, resolver=other.facts))
                    return
            if isinstance(target, (ast.List, ast.Tuple)) and name not in _SHELL_STRING:
                yield from self._with_executable(call, self._argv(call, list(target.elts)))
            else:
                yield from self._shell_string(call, target)
        elif name == "asyncio.create_subprocess_exec":
            yield from self._argv(call, list(call.node.args))
        elif name in ("os.posix_spawn", "os.posix_spawnp"):
            args = list(call.node.args)
            if len(args) > 1 and isinstance(args[1], (ast.List, ast.Tuple)):
                yield from self._argv(call, [args[0], *list(args[1].elts)[1:]])
            elif args:
                yield from self._argv(call, args[:1])
        elif name == "pty.spawn":
            argv = call.arg(0, "argv")
            if isinstance(argv, (ast.List, ast.Tuple)):
                yield from self._argv(call, list(argv.elts))
            elif argv is not None:
                yield from self._argv(call, [argv])  # a program name, never a shell
        elif name.startswith("os.exec") or name.startswith("os.spawn"):
            yield from self._exec(call)

    def _dispatched(self, node: ast.expr, call: Call) -> ast.expr:
        return _from_table(node, call.scope)

    def _split(self, node: ast.expr, call: Call) -> Iterator[Command] | None:
        """`shlex.split(S)`, `S.split()` or `S.split(" ")`: the words of S, at S."""
        separator: str | None = None
        if not isinstance(node, ast.Call):
            return None
        name = self.dotted(node.func)
        if name == "shlex.split" and node.args:
            text = node.args[0]
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "split" and \
                not node.keywords and (not node.args or (
                    len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and node.args[0].value)):
            text = node.func.value
            if node.args:  # `"python3 x.py".split(" ")`: at each separator
                separator = node.args[0].value  # type: ignore[attr-defined]
        else:
            return None
        value = self.resolve(text, call.scope)
        if value is None or not value.exact:
            return None
        import shlex

        try:
            parts = shlex.split(value.text) if name == "shlex.split" else \
                [p for p in value.text.split(separator) if p] if separator else value.text.split()
        except ValueError:
            return None
        line, column = self.position(text)
        words = tuple(Word(p, line, column) for p in parts)
        command = make_command(words, "python") if words else None
        return iter([self._in_cwd(call, command)] if command is not None else [])

    def _with_executable(self, call: Call, commands: Iterator[Command]) -> Iterator[Command]:
        """`executable=` replaces the program that runs (argv[0] stays its name)."""
        executable = call.kwarg("executable")
        for command in commands:
            if executable is None:
                yield command
                continue
            program = self._word(executable, call.scope)
            replaced = make_command((program, *command.words[1:]), "python", cwd=command.cwd)
            if replaced is not None:
                yield replaced

    def _word(self, node: ast.expr, scope: Scope, at: ast.expr | None = None,
              resolver: CommandModel | None = None) -> Word:
        """A word of an argument list, at its position here (`at`: where it is used);
        `resolver`: the module that wrote it, when another one did."""
        line, column = self.position(at or node)
        if resolver is not None and resolver is not self:
            scope = resolver.module
            if resolver.links is not None and not resolver.links.enter(("word", id(node))):
                return Word(DYNAMIC, line, column, dynamic=True)  # a cycle between modules
            try:
                return replace(resolver._word(node, scope), line=line, column=column)
            finally:
                if resolver.links is not None:
                    resolver.links.leave()
        node = self._looked_up(self._bound_lookup(_from_table(node, scope), scope))
        value = self.resolve(node, scope)
        if value is None:
            return Word(self.source(node) or DYNAMIC, line, column, dynamic=True)
        return Word(value.text, line, column, dynamic=not value.exact)

    def _bound_lookup(self, node: ast.expr, scope: Scope) -> ast.expr:
        """`PY = os.environ.get("PY", default="python3")` then `PY` as a word: the
        lookup it is bound to (one assignment)."""
        if isinstance(node, ast.Name):
            bound = scope.lookup(node.id)
            if isinstance(bound, (ast.Call, ast.BoolOp)) and \
                    self._looked_up(bound) is not bound:
                return bound
        return node

    def _looked_up(self, node: ast.expr) -> ast.expr:
        """The program a word names: `shutil.which(X)` is X; an environment lookup with a
        default (`os.environ.get("PY", "python3")`) runs the default when unset."""
        from qt_lint.pymodel.resolver import ENV_GETTERS

        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # `os.environ.get("PY") or "python3"`: the fallback when the variable is unset;
            # `shutil.which("python3") or "python3"`: python3 either way
            for operand in node.values:
                if isinstance(operand, ast.Call) and self.dotted(operand.func) in ENV_GETTERS \
                        and self._looked_up(operand) is operand:
                    continue
                return self._looked_up(operand)
            return node
        if not isinstance(node, ast.Call):
            return node
        name = self.dotted(node.func)
        if name == "shutil.which" and node.args:
            return node.args[0]
        if name in ENV_GETTERS:
            default = node.args[1] if len(node.args) > 1 else next(
                (kw.value for kw in node.keywords if kw.arg == "default"), None)
            if isinstance(default, ast.Constant) and isinstance(default.value, str):
                return default
        return node

    def _argv(self, call: Call, elements: list[ast.expr], at: ast.expr | None = None,
              resolver: CommandModel | None = None) -> Iterator[Command]:
        if not elements or any(isinstance(e, ast.Starred) for e in elements[:1]):
            return
        plain = [e for e in elements if not isinstance(e, ast.Starred)]
        words = tuple(self._word(e, call.scope, at, resolver) for e in plain)
        command = make_command(words, "python")
        if command is not None:
            yield self._in_cwd(call, command)
        string = _shell_string_index(words)
        if string is not None and at is None and len(plain) == len(elements):
            # `["bash", "-c", "python3 x.py"]`, `["sudo", "sh", "-lc", ...]`: the string is
            # a script the shell runs, read as shell where it is written
            yield from self._shell_string(call, plain[string])

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

        analysis = parse_shell(value.text, "python", mapper, cwd=self._cwd(call))
        self._redirects.extend(analysis.redirects)
        yield from analysis.commands


def _shell_string_index(words: tuple[Word, ...]) -> int | None:
    """Where the script of `sh -c SCRIPT` is in an argv (behind wrappers too): the first
    word after the shell's options when one of them has `c` (`-c`, `-lc`, `-o pipefail -c`)."""
    from qt_lint.command_model import SHELLS

    for start, word in enumerate(words):
        if word.dynamic or word.text.rsplit("/", 1)[-1] not in SHELLS:
            continue
        index = start + 1
        has_c = False
        while index < len(words) and words[index].text[:1] in ("-", "+") and \
                not words[index].dynamic:
            text = words[index].text
            if text == "--":
                index += 1
                break
            if text in ("-o", "+o", "-O", "+O"):
                index += 2
                continue
            has_c = has_c or (not text.startswith("--") and "c" in text[1:])
            index += 1
        return index if has_c and index < len(words) else None
    return None


def quote_width(line: str, column: int) -> int:
    """Length of the prefix and opening quote of a string literal starting at `column`."""
    i = column
    while i < len(line) and line[i] in "rRbBuUfF":
        i += 1
    quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else line[i:i + 1]
    return i - column + len(quote)


def _from_table(node: ast.expr, scope: Scope) -> ast.expr:
    """`RUN["train"]` with `RUN = {"train": [...]}` (or `dict(train=[...])`): the value the
    constant key takes."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        return node
    table = scope.lookup(node.value.id)
    key = node.slice
    if not isinstance(key, ast.Constant):
        return node
    if isinstance(table, ast.Dict):
        for k, v in zip(table.keys, table.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key.value:
                return v
    elif isinstance(table, ast.Call) and isinstance(table.func, ast.Name) and \
            table.func.id == "dict" and not table.args:
        for keyword in table.keywords:
            if keyword.arg is not None and keyword.arg == key.value:
                return keyword.value
    return node


def _concatenated(node: ast.expr) -> ast.expr:
    """`["python3"] + ["x.py"]`: one list of both."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _concatenated(node.left), _concatenated(node.right)
        if isinstance(left, (ast.List, ast.Tuple)) and isinstance(right, (ast.List, ast.Tuple)):
            return ast.List(elts=[*left.elts, *right.elts], ctx=ast.Load())
    return node
