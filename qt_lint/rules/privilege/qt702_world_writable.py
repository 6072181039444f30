from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Word
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast

_OCTAL = lazyre.compile(r"^0?[0-7]{3,4}$")
_OCTAL_MASK = lazyre.compile(r"^0?[0-7]{1,4}$")
_SYMBOLIC = lazyre.compile(r"^[ugoa]*[+=][rwxXstugo]*$")


def world_writable(mode: str) -> bool:
    """`777`, `0666`, `o+w`, `a=rwx`, `+w`-free: does the mode give others write access?"""
    if _OCTAL.match(mode):
        return bool(int(mode, 8) & 0o002)
    for clause in mode.split(","):
        if not _SYMBOLIC.match(clause):
            continue
        who, _, perms = re.split(r"([+=])", clause, maxsplit=1)
        if (not who or "o" in who or "a" in who) and "w" in perms and who:
            return True
    return False


class _WritableLiteral:
    """A prefilter test: an integer literal of Python whose value has the others' write
    bit (`0o777`, `0o7_77`, `511`, `0x1ff`, `0b111111111`); a float's digits are read as
    integers too (more, never fewer)."""

    __slots__ = ()
    _NUMBER = lazyre.compile(r"\b(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)")

    def search(self, text: str) -> bool:
        for match in self._NUMBER.finditer(text):
            literal = match.group().replace("_", "")
            try:
                value = int(literal, 0) if not literal.startswith("0") or literal[1:2] in \
                    ("x", "X", "o", "O", "b", "B") else int(literal, 10)
            except ValueError:
                return True  # not read here: the parse reads it
            if value & 0o002:
                return True
        return False


class WorldWritable(Rule):
    """
    ## What it does
    Reports modes that let everyone write: `chmod 777`, `chmod 666`, `chmod o+w`,
    `chmod a=rwx` (and `mkdir -m`/`install -m` with such a mode) in scripts, Makefiles and
    crontabs; `os.chmod(..., 0o777)`, `0o666` or `511` (decimal for 0o777) in Python; and
    file-creation masks that leave others' write bit: `umask 000` (or any umask without
    the `002` bit), `os.umask(0)`, a unit's `UMask=0000`.

    ## Why is this bad?
    Contract J: a world-writable file in the repository, the data folder or the models is
    one that any process on the host can replace, and with it the model that trades or
    the script that root runs next.

    ## Example
    ```sh
    chmod -R 777 /opt/quantum/data
    ```

    ## Use instead
    ```sh
    chown -R qt:qt /opt/quantum/data && chmod -R 755 /opt/quantum/data
    ```
    """

    code = "QT702"
    name = "world-writable"
    section = "J"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON, Kind.UNIT})
    # Python: a mode is an integer `int_value` reads (a literal in any base, a name bound
    # to one, `|` of them, `stat.S_*`) with the others' write bit, or a `mode=` keyword;
    # a umask is an `os.umask` call
    prefilter = {Kind.PYTHON: (AnyOf("chmod", "mkdir", "makedirs", "umask"),
                               Either(AnyOf("S_IWOTH", "S_IRWXO", "mode", "umask"),
                                      _WritableLiteral())),
                 Kind.SHELL: AnyOf("chmod", "-m", "umask"),
                 Kind.MAKEFILE: AnyOf("chmod", "-m", "umask"),
                 Kind.CRONTAB: AnyOf("chmod", "-m", "umask"), Kind.UNIT: AnyOf("UMask")}
    summary = "World-writable mode (chmod 777/666/o+w, umask 000, UMask=0000)"
    example_path = "ops/setup.sh"
    VALID = (Example("chmod 755 /opt/quantum/data\nchmod u+x ops/run.sh\nchmod 640 x.env\n"
                     "umask 027\n"),
             Example('import os\nos.umask(0o022)\n', path="ops/setup.py"),
             Example('import os\nmask = os.umask(0)\nos.umask(mask)\n', path="ops/setup.py"),
             Example('import os\nos.umask(old := os.umask(0))\n', path="ops/setup.py"))
    INVALID = (
        Example("chmod -R 777 /opt/quantum/data\n", expect=((1, 10),)),
        Example("sudo chmod o+w models\nmkdir -m 0666 x\n", expect=((1, 12), (2, 10))),
        Example('import os, stat\nos.chmod("x", 0o777)\nos.makedirs("d", mode=0o666)\n'
                'os.chmod("y", stat.S_IRUSR | stat.S_IWOTH)\n', path="ops/setup.py",
                expect=((2, 15), (3, 23), (4, 15))),
        Example("umask 000\n", expect=((1, 7),)),
        Example('import os\nos.umask(0)\nos.chmod("/srv/x", 511)\n', path="ops/setup.py",
                expect=((2, 10), (3, 20))),
        Example('import os\nold = os.umask(0)\nopen("/srv/x", "w").close()\nos.umask(old)\n',
                path="ops/setup.py", expect=((2, 16),)),
        Example("[Service]\nUMask=0000\n", path="systemd/quantum-backend.service",
                expect=((2, 7),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        if ctx.kind is Kind.UNIT:
            for section in ctx.unit_document.sections:
                for a in section.assignments:
                    if a.key == "UMask" and _OCTAL_MASK.match(a.value) and \
                            not int(a.value, 8) & 0o002:
                        yield ctx.finding(self, a.value_line, a.value_column,
                                          f"UMask={a.value} creates files everyone can write")
            return
        if ctx.kind not in SHELL_KINDS:
            return
        for command in ctx.commands:
            mode: Word | None = None
            args = command.args
            if command.name == "chmod":
                mode = next((w for w in args if not w.text.startswith("-")
                             or _SYMBOLIC.match(w.text)), None)
            elif command.name in ("mkdir", "install"):
                for i, word in enumerate(args):
                    if word.text in ("-m", "--mode") and i + 1 < len(args):
                        mode = args[i + 1]
                    elif word.text.startswith("--mode="):
                        mode = Word(word.text[7:], word.line, word.column)
            if mode is not None and not mode.dynamic and world_writable(mode.text):
                yield ctx.finding(self, mode.line, mode.column,
                                  f"mode {mode.text} lets everyone write")
            if command.name == "umask":
                mask = next((w for w in args if not w.text.startswith("-")), None)
                if mask is not None and not mask.dynamic and _OCTAL_MASK.match(mask.text) \
                        and not int(mask.text, 8) & 0o002:
                    yield ctx.finding(self, mask.line, mask.column,
                                      f"umask {mask.text} creates files everyone can write")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        import ast  # Python files only (the module costs a unit's run 2 ms)

        facts = ctx.python
        umasks = {id(call.node) for call in facts.calls if call.name == "os.umask"}
        restored = _read_and_restored(facts.tree, umasks) if umasks else set()
        for call in facts.calls:
            if call.name == "os.umask":
                if id(call.node) in restored:
                    continue
                node = call.arg(0, "mask")
                mask = facts.int_value(node, call.scope) if node is not None else None
                if node is not None and mask is not None and not mask & 0o002:
                    line, column = facts.position(node)
                    yield ctx.finding(self, line, column,
                                      f"umask {mask:#05o} creates files everyone can write")
                continue
            if call.name in ("os.chmod", "os.lchmod", "os.fchmod", "os.mkdir", "os.makedirs"):
                node = call.arg(1, "mode")
            elif call.attr == "chmod" and isinstance(call.node.func, ast.Attribute):
                node = call.arg(0, "mode")
            elif call.attr in ("mkdir",) and call.name != "os.mkdir":
                node = call.kwarg("mode")
            else:
                continue
            mode = facts.int_value(node, call.scope) if node is not None else None
            if node is not None and mode is not None and mode & 0o002:
                line, column = facts.position(node)
                yield ctx.finding(self, line, column,
                                  f"mode {oct(mode)} lets everyone write")


def _read_and_restored(tree: ast.AST, umasks: set[int]) -> set[int]:
    """The `os.umask` calls of the read-and-restore idiom, which read the umask and set
    nothing: `m = os.umask(0)` followed in the same block by `os.umask(m)` with no call in
    between (nothing can be created while the mask is 0), or `os.umask(m := os.umask(0))`."""
    import ast

    out: set[int] = set()

    def is_umask(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Call) and id(node) in umasks

    for node in ast.walk(tree):
        if is_umask(node):
            assert isinstance(node, ast.Call)
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.NamedExpr) and is_umask(arg.value):
                out.add(id(arg.value))
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list):
                continue
            for i, stmt in enumerate(block):
                if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name) and is_umask(stmt.value)):
                    continue
                saved = stmt.targets[0].id
                for later in block[i + 1:]:
                    if isinstance(later, ast.Expr) and is_umask(later.value):
                        restore = later.value
                        assert isinstance(restore, ast.Call)
                        if len(restore.args) == 1 and isinstance(restore.args[0], ast.Name) \
                                and restore.args[0].id == saved:
                            out.add(id(stmt.value))
                        break
                    if any(isinstance(sub, ast.Call) for sub in ast.walk(later)):
                        break
    return out
