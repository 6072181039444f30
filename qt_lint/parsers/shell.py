"""Shell scripts parsed with tree-sitter-bash into the commands that would run.

From the syntax tree, every command that would run is extracted with the position of each
word: simple commands in lists and pipelines, `&&`/`||`, subshells, `$(...)` and
backticks, `if`/`while` conditions, function bodies, `case` arms; behind wrappers and
`VAR=value` prefixes (`qt_lint.command_model.unwrap`); the script of `bash -c '...'`, `eval`,
and heredocs fed to a shell (`bash <<EOF`), parsed again as shell; positional parameters
where their words are known (the words after `sh -c '...'`; a function's body walked again
at each call with the call's words). Heredocs fed to
anything else, comments, and the arguments of `echo`/`printf` are data, never commands.

Regions the parser cannot read are reported (QT001) and the rest is still analysed.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable

from qt_lint import lazyre
from qt_lint.command_model import SHELLS, Command, Word, looked_up, make_command
from qt_lint.parsers import ParseError
from qt_lint.record import field, record

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

# (row, column) of the parsed text, 0-based and in characters -> (line, column) of the file
Mapper = Callable[[int, int], tuple[int, int]]
_EXPANSIONS = frozenset({"simple_expansion", "expansion", "command_substitution",
                         "process_substitution", "arithmetic_expansion"})
_NEW_SHELL = frozenset({"subshell", "command_substitution", "process_substitution",
                        "function_definition"})
MAX_DEPTH = 4
_VARIABLE = lazyre.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_DEFAULT = lazyre.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=]([^}$`\s]+)\}$")
_ARRAY = lazyre.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\[([@*]|0)\]\}$")
_DEFAULT_LOOKUP = lazyre.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=](\$\([^()]*\)|`[^`]*`)\}$")
# `: "${PY:=python3}"`: the variable is assigned where it is unset
_ASSIGN_DEFAULT = lazyre.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):?=([^}$`\s]+)\}$")
# the options each declaring builtin takes (bash 5.2's `help`)
_DECLARE_OPTIONS = {"declare": "aAfFgiIlnprtux", "typeset": "aAfFgiIlnprtux",
                    "local": "aAfFgiIlnprtux", "export": "fnp", "readonly": "aAfp"}
_QUOTED_ASSIGNMENT = lazyre.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
MAX_EXPANDED = 4096  # characters of an argument after its variables are expanded
_REFERENCE = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# ssh's options that take a value
_SSH_ARGS = frozenset("BbcDEeFIiJLlmOopQRSWw")
# a whole word that is a positional parameter: `$1`, `"$@"`, `${@:2}`, `${1:-python3}`
POSITIONAL = lazyre.compile(
    r"^\$(?:(?P<digit>[0-9])|(?P<all>[@*])|\{(?:(?P<n>[0-9]+)|(?P<ball>[@*])"
    r"|(?P<slice>[@*]):(?P<off>[0-9]+)(?::(?P<len>[0-9]+))?"
    r"|(?P<dn>[0-9]+):?-(?P<default>[^}$`\s\"']*))\})$")
_USES_POSITIONAL = lazyre.compile(rb"\$(?:[0-9@*]|\{[0-9@*#])|\bshift\b|\bset\s+--")
# function calls followed inside calls, and the bytes of function bodies walked again at
# calls (beyond either: QT001 at the call, never a silent pass)
MAX_CALLS = 16
_RUNS_A_STRING = frozenset({"sh", "bash", "dash", "zsh", "ksh", "eval", "ssh", "trap", "at",
                            "batch"})
CALL_BUDGET = 1 << 20


def ssh_remote_command(command: Command) -> tuple[Word, ...]:
    """The words of `ssh [options] host [options] command...` run on the remote host (empty
    when ssh opens a login shell, which then reads its standard input). ssh reads options
    as getopt does without permuting: bundled letters (`-tp 2222`, `-p2222`), a letter that
    takes a value taking the rest of its word or the next one; after the host it reads
    options again up to the first other word (`ssh host -p 2222 cmd`); `--` ends them."""
    args = command.args
    i = 0
    host = False
    terminated = False
    while i < len(args):
        text = args[i].text
        if not terminated and text == "--":
            terminated = True
            i += 1
            if host:
                break
            continue
        if not terminated and text.startswith("-") and len(text) > 1:
            for index, letter in enumerate(text[1:], start=1):
                if letter in _SSH_ARGS:
                    i += 1 if index == len(text) - 1 else 0  # the value is the next word
                    break
            i += 1
            continue
        if host:
            break
        host = True
        i += 1
        if terminated:
            break
    return args[i:] if host else ()


def _written_to(command: Command | None, redirects: list[Any]) -> str | None:
    """The file a heredoc fed to `command` ends up in: `cat > f`, `cat >> f`, `tee f`,
    `tee -a f` (behind `sudo` too); None when it goes elsewhere or the path is unknown."""
    if command is None:
        return None
    if command.name == "tee":
        files = [w for w in command.args if not w.text.startswith("-")]
        target = files[0] if files else None
    elif command.name == "cat" and all(w.text.startswith("-") for w in command.args):
        outs = [r.target for r in redirects if r.operator in (">", ">>", ">|")]
        target = outs[-1] if outs else None
    elif command.name in ("install", "cp"):
        # `install -m 644 /dev/stdin /etc/systemd/system/x.service <<EOF`
        files = operands(command.args, _INSTALL_ARGS)
        if len(files) != 2 or files[0].text != "/dev/stdin":
            return None
        target = files[1]
    else:
        return None
    if target is None or target.dynamic or not target.text.startswith("/"):
        return None
    return target.text


def shell_script_argument_free(command: Command) -> bool:
    """A shell that reads its script from standard input: no `-c`, no script file
    (`bash`, `bash -s`, `sh -x`)."""
    return all(w.text.startswith("-") and "c" not in w.text for w in command.args)


_INSTALL_ARGS = frozenset({"-m", "-o", "-g", "-S", "-t", "--mode", "--owner", "--group",
                           "--suffix", "--target-directory", "-Z", "--context"})


def operands(args: tuple[Word, ...], takes_arg: frozenset[str]) -> list[Word]:
    """The non-option words of `args` (options, and the values of those in `takes_arg`,
    left out; `--` ends the options)."""
    out: list[Word] = []
    i = 0
    options = True
    while i < len(args):
        text = args[i].text
        if options and text == "--":
            options = False
        elif options and text.startswith("-") and len(text) > 1:
            i += 1 if text in takes_arg else 0
        else:
            out.append(args[i])
        i += 1
    return out


def reads_a_script(command: Command) -> bool:
    """A command whose standard input is a shell script: a shell, or ssh without a
    remote command (the login shell reads it) or with a shell as that command."""
    if command.name in SHELLS:
        return True
    if command.name in ("at", "batch"):  # run what they read with `sh` later
        return not any(w.text.startswith("-f") for w in command.args)
    if command.name == "ssh":
        remote = ssh_remote_command(command)
        if not remote:
            return True
        # ssh joins its command words and the remote shell splits them again:
        # `ssh host 'bash -s'`, `ssh host sudo bash -s` run a shell
        first = remote[0]
        split = tuple(Word(part, first.line, first.column)
                      for w in remote for part in w.text.split())
        inner = make_command(split, "ssh")
        return inner is not None and inner.name in SHELLS
    return False


@record(frozen=True, slots=True)
class Redirect:
    """One redirection of a shell command."""

    operator: str  # >, >>, &>, &>>, >|, <, ...
    target: Word
    cwd: Word | None = None  # the working directory, where a `cd` before made it known


@record
class ShellAnalysis:
    """What rules read of a shell-family file: commands, redirects, words, written files."""

    commands: list[Command] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    # literal words that are data: arguments, redirect targets, assignment values
    words: list[Word] = field(default_factory=list)
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    # files a heredoc writes (`cat > /etc/systemd/system/x.service <<EOF`, `tee f <<EOF`)
    written: list[Written] = field(default_factory=list)
    # where the values of the assignments the shell keeps to itself are (`X=1` alone, not
    # a command's `X=1 cmd` prefix nor `export X=1`): no program it runs sees them unless
    # it exports the name later
    own: set[tuple[int, int]] = field(default_factory=set)

    def extend(self, other: ShellAnalysis) -> None:
        self.commands.extend(other.commands)
        self.redirects.extend(other.redirects)
        self.words.extend(other.words)
        self.assignments.extend(other.assignments)
        self.errors.extend(other.errors)
        self.written.extend(other.written)
        self.own.update(other.own)


@record(frozen=True, slots=True)
class Written:
    """A file a script writes from a heredoc or with `echo`/`printf`: where to, the text,
    and the script's line of each line of the text (the engine analyses it as the kind of
    file it is)."""

    path: str
    text: str
    rows: tuple[int, ...]  # one per line of the text (the last may be empty)
    append: bool = False  # `>>` / `tee -a`: adds to what the script wrote before
    # the script's column of each line, for text that is not verbatim (`echo`, `printf`);
    # 0: the column in the text is the column in the script (a heredoc)
    columns: tuple[int, ...] = ()
    # the file before an edit in place (`sed -i`): only what the edit adds is reported
    before: str | None = None

    def at(self, line: int, column: int) -> tuple[int, int]:
        """The script's position of a position in the written text."""
        index = min(line - 1, len(self.rows) - 1)
        fixed = self.columns[index] if index < len(self.columns) else 0
        return self.rows[index], fixed or column


def merged_writes(pieces: list[Written]) -> list[Written]:
    """What each file holds after the script: `>` starts a file again, `>>` adds to it
    (`echo '[Service]' > f; echo 'User=root' >> f` is one unit). Linear in the number of
    writes (a script may append to one file thousands of times)."""
    files: dict[str, list[Written]] = {}
    for piece in pieces:
        chain = files.pop(piece.path, None)  # a later write comes last, as in the script
        files[piece.path] = [*chain, piece] if piece.append and chain else [piece]
    return [_joined(chain) for chain in files.values()]


def _joined(chain: list[Written]) -> Written:
    if len(chain) == 1:
        return chain[0]
    texts: list[str] = []
    rows: list[int] = []
    columns: list[int] = []
    for piece in chain:
        if not piece.text:
            continue  # `echo -n '' > f` writes nothing a line could come from
        if texts and not texts[-1].endswith("\n"):
            texts.append("\n")  # an unterminated last line ends where the next write starts
        elif rows and texts and texts[-1].endswith("\n"):
            rows.pop()  # the empty line after the last newline: the next piece's first line
            columns.pop()
        texts.append(piece.text)
        rows.extend(piece.rows)
        columns.extend(piece.columns or (0,) * len(piece.rows))
    first = chain[0]
    if not texts:
        return first
    return Written(first.path, "".join(texts), tuple(rows), first.append, tuple(columns))


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "", "r": "", "0": ""}


def _escaped(text: str) -> str:
    """`\\n` and friends as `printf` and `echo -e` read them."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def printed(command: Command) -> str | None:
    """The text `echo` or `printf` writes (`%s` filled from the arguments); None for
    other commands."""
    args = [w.text for w in command.args]
    if command.name == "echo":
        newline, escapes = True, False
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            flag = args.pop(0)
            newline = newline and "n" not in flag
            escapes = "e" in flag
        text = " ".join(args)
        return (_escaped(text) if escapes else text) + ("\n" if newline else "")
    if command.name == "printf" and args and args[0] != "-v":
        if args[0] == "--":
            args = args[1:]
        if not args:
            return None
        fmt, values = _escaped(args[0]), args[1:]
        parts = re.split(r"(%[-0-9.]*[sdbq%])", fmt)
        if not any(p.startswith("%") and p != "%%" for p in parts):
            values = []  # nothing takes an argument: printf prints the format once
        out: list[str] = []
        taken = 0
        while True:  # printf re-uses the format while arguments remain
            for part in parts:
                if part == "%%":
                    out.append("%")
                elif part.startswith("%") and len(part) > 1:
                    value = values[taken] if taken < len(values) else ""
                    taken += 1
                    out.append(_escaped(value) if part.endswith("b") else value)
                else:
                    out.append(part)
            if taken >= len(values):
                return "".join(out)
    return None


@functools.cache
def _parser() -> Any:
    """tree-sitter's parser with the bash grammar. A pair of packages that cannot work
    together (tree-sitter 0.23 cannot load tree-sitter-bash 0.25's grammar, language
    version 15) is a setup error that names both versions and the fix (exit 2), not an
    internal error on every shell file."""
    try:
        from tree_sitter import Language, Parser

        return Parser(Language(_bash_language()))
    except (ImportError, ValueError, TypeError, OSError) as exc:
        from qt_lint.config import ConfigError

        raise ConfigError(f"the shell parser cannot load: {exc} ({_versions()}); install "
                          "a pair that works together: pip install 'tree-sitter>=0.25' "
                          "'tree-sitter-bash>=0.23'") from None


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("tree-sitter", "tree-sitter-bash"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def _bash_language() -> object:
    """tree-sitter-bash's grammar, from its extension module alone: the package's
    `__init__` imports `importlib.resources` (for highlight queries qt-lint does not use),
    which costs a pre-commit run on one shell file a tenth of its time. The package import
    stays the fallback."""
    import importlib.machinery
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("tree_sitter_bash")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "_binding" + suffix)
                if os.path.isfile(path):
                    loader = importlib.machinery.ExtensionFileLoader(
                        "tree_sitter_bash._binding", path)
                    binding = importlib.util.spec_from_loader(loader.name, loader)
                    if binding is not None:
                        module = importlib.util.module_from_spec(binding)
                        loader.exec_module(module)
                        language: object = module.language()
                        return language
    except (ImportError, OSError, AttributeError, ValueError):
        pass
    import tree_sitter_bash

    fallback: object = tree_sitter_bash.language()
    return fallback


# `cat <<'PY' 2>&1 | tee x`: valid bash that tree-sitter-bash (0.25) cannot parse when a
# redirection follows the heredoc start and a pipe or list follows it. The same line with the
# redirections first (`cat 2>&1 <<'PY' | tee x`) means the same to bash, has the same length
# (positions stay true) and parses.
_HEREDOC_THEN_REDIRECT = lazyre.compile(
    rb"(<<-?[ \t]*(?:'[^'\n]*'|\"[^\"\n]*\"|\\?[A-Za-z_][A-Za-z0-9_]*))"
    rb"((?:[ \t]+\d*(?:>>|>&|<&|&>|>|<)[ \t]*[^\s|;&<>()]+)+)(?=[ \t]*(?:\||&&|;|\n|$))")


def _swap_heredoc(match: re.Match[bytes]) -> bytes:
    start, redirects = match.group(1), match.group(2)
    moved = redirects.lstrip()
    gap = redirects[:len(redirects) - len(moved)]  # at least one blank
    return moved + gap[:1] + start + gap[1:]


def identity(row: int, column: int) -> tuple[int, int]:
    return row + 1, column + 1


def parse_shell(text: str, origin: str = "shell", mapper: Mapper = identity,
                depth: int = 0, env: dict[str, str] | None = None,
                positional: tuple[Word, ...] | None = None,
                cwd: Word | None = None) -> ShellAnalysis:
    """The commands `text` runs; `env` holds variables set before it runs (a crontab's
    `PY=python3` lines); `positional` its positional parameters where they are known
    (`$0` first: the words after `sh -c 'script'`), else None; `cwd` the working directory
    it starts in, where known (`subprocess.run(..., shell=True, cwd="/etc/quantum")`)."""
    data = text.encode("utf-8")
    tree = _parser().parse(data)
    if tree.root_node.has_error and b"<<" in data:
        swapped = _HEREDOC_THEN_REDIRECT.sub(_swap_heredoc, data)
        if swapped != data:
            retry = _parser().parse(swapped)
            if not retry.root_node.has_error:
                data, tree = swapped, retry
                text = data.decode("utf-8")
    walker = _Walker(data, text, origin, mapper, depth)
    walker.positional = positional
    if env:
        walker.values.update(env)
    walker.walk(tree.root_node, [None, cwd])
    if walker.splits:
        walker = _repaired(walker, tree.root_node.has_error, env, positional, cwd)
        tree = walker.tree if walker.tree is not None else tree
    if tree.root_node.has_error:
        walker.collect_errors(tree.root_node)
        # later errors are mostly the first one's cascade: report the first region once
        walker.out.errors = walker.out.errors[:1]
    if depth == 0 and walker.out.written:
        walker.out.written = merged_writes(walker.out.written)
    return walker.out


MAX_REPAIRS = 16


def _last_simple(node: Any) -> Any:
    """The simple command a redirect after a list or pipeline applies to: its last one
    (None when that is a compound command: the redirect is the compound's)."""
    while node.type in ("list", "pipeline"):
        named = [c for c in node.children if c.is_named and c.type != "comment"]
        if not named:
            return None
        node = named[-1]
    return node if node.type == "command" else None


def _repaired(walker: _Walker, had_error: bool, env: dict[str, str] | None,
              positional: tuple[Word, ...] | None = None, cwd: Word | None = None) -> _Walker:
    """tree-sitter-bash (0.25) reads some valid scripts into trees bash could never
    build, with no error flag: the first command of a line taken as arguments of the
    last command of the line before (a pipeline followed by `&&` on the next line,
    tree-sitter-bash #347; `[ ... ]` merged across statements, #316), a redirect's
    destination on a later line. A simple command never spans an unescaped newline, so
    the statement ends there: a `;` is put right after the last word before that
    newline (positions of every other word stay true) and the text is parsed again,
    until no command spans a line. Where the parser still cannot read it (or reads it
    with an error the original did not have), each such line is reported (QT001) from
    the first reading; the rest is still analysed."""
    first = walker
    data = walker.data
    for _ in range(MAX_REPAIRS):
        for at in sorted(set(walker.splits), reverse=True):
            data = data[:at] + b";" + data[at:]
        tree = _parser().parse(data)
        if tree.root_node.has_error and not had_error:
            break
        text = data.decode("utf-8")
        walker = _Walker(data, text, first.origin, first.mapper, first.depth)
        walker.tree = tree
        walker.positional = positional
        if env:
            walker.values.update(env)
        walker.walk(tree.root_node, [None, cwd])
        if not walker.splits:
            return walker
    for at in sorted(set(first.splits)):
        row = first.data.count(b"\n", 0, at)
        line, column = first.mapper(row, 0)
        first.out.errors.insert(0, ParseError(
            "shell statement the parser misreads (a command across a line end): this "
            "line was not analysed", line, column))
    return first


@record(frozen=True, slots=True)
class _Body:
    """A function body as it was read at its definition."""

    found: list[Command]  # the commands it ran
    callees: frozenset[str]  # their names
    runs_unknown: bool  # it runs a word it does not know, or a parameter as a script
    clock: int  # the definitions made when its reading ended


def source_name(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2)


def _key(command: Command) -> tuple[Any, ...]:
    """What a command found through a call is judged by: its program, where it is."""
    program = command.program
    return (command.origin, command.wrappers, program.text, program.line, program.column)


class _Walker:
    def __init__(self, data: bytes, text: str, origin: str, mapper: Mapper, depth: int) -> None:
        self.data = data
        self.origin = origin
        self.mapper = mapper
        self.depth = depth
        self.out = ShellAnalysis()
        self.ascii = text.isascii()
        self.text = text
        self.lines = data.split(b"\n") if not self.ascii else []
        # static values of variables, for `$PY x.py` (None: assigned differently twice)
        self.values: dict[str, str | None] = {}
        # byte offsets where a misread command spans a line end (see `_repaired`)
        self.splits: list[int] = []
        # the command node a list's redirects belong to, and its index in `out.commands`
        self.mark: int | None = None
        self.marked: int | None = None
        self.tree: Any = None
        # the positional parameters (`$0` first) where they are known: the words after
        # `sh -c 'script'`, a function's arguments while its body is walked at a call;
        # None at a script's top (its arguments are not known)
        self.positional: tuple[Word, ...] | None = None
        # functions defined so far (name -> body node), the programs each body runs, the
        # functions being called (innermost last), commands found through calls
        self.functions: dict[str, Any] = {}
        # when each name was last defined (`clock` counts definitions), where each body's
        # reading at its definition is in `out.commands`, its summary, whether it calls a
        # function defined after it was read (per clock), and the calls already walked
        self.defined: dict[str, int] = {}
        # the working directory a function's body leaves (`go() { cd /etc/quantum; }`)
        self.cd_effects: dict[str, Word | None] = {}
        self.read_range: dict[int, tuple[int, int, int]] = {}
        self.summaries: dict[int, _Body] = {}
        self.read_keys: dict[int, set[tuple[Any, ...]]] = {}
        self.later: dict[int, tuple[int, bool]] = {}
        self.walked: set[tuple[Any, ...]] = set()
        self.clock = 0
        self.quoted: set[tuple[int, int]] = set()
        # variables that hold one word of a call (`local cmd=$1`): that word
        self.sources: dict[str, Word] = {}
        self.active: list[str] = []
        self.via_call: set[int] = set()
        self.seen: set[tuple[Any, ...]] = set()
        self.budget = CALL_BUDGET + 8 * len(data)
        self.over_budget = False
        self.too_deep = False
        self.chain_at = (1, 1)

    # --- positions and words ----------------------------------------------------------------

    def position(self, node: Any) -> tuple[int, int]:
        row, column = node.start_point
        if not self.ascii and row < len(self.lines):
            column = len(self.lines[row][:column].decode("utf-8", "replace"))
        return self.mapper(row, column)

    def raw(self, node: Any) -> str:
        if self.ascii:  # byte offsets are character offsets
            return self.text[node.start_byte:node.end_byte]
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def word(self, node: Any) -> Word:
        text, dynamic = self._value(node)
        line, column = self.position(node)
        return Word(text, line, column, dynamic)

    def _value(self, node: Any) -> tuple[str, bool]:
        kind = node.type
        raw = self.raw(node)
        if kind == "command_name" and node.named_child_count:
            return self._value(node.named_children[0])
        if kind == "word":
            return _unescape(raw), False
        if kind == "raw_string":
            return raw[1:-1], False
        if kind == "ansi_c_string":
            return _ansi_c(raw[2:-1]), False
        if kind == "string":
            dynamic = any(c.type in _EXPANSIONS for c in node.named_children)
            return _unescape_double(raw[1:-1]), dynamic
        if kind == "concatenation":
            parts = [self._value(c) for c in node.children]
            return "".join(p for p, _ in parts), any(d for _, d in parts)
        if kind == "number":
            return raw, False
        return raw, True

    # --- the walk ---------------------------------------------------------------------------

    def walk(self, node: Any, cd: list[Word | None]) -> None:
        kind = node.type
        if kind in ("comment", "heredoc_body", "heredoc_start", "heredoc_end"):
            return
        if kind == "command":
            self.command(node, cd)
            return
        if kind == "redirected_statement":
            self.redirected(node, cd)
            return
        if kind == "variable_assignment":
            count = len(self.out.assignments)
            self.assignment(node, cd)
            parent = node.parent
            if len(self.out.assignments) > count and (
                    parent is None or parent.type != "declaration_command"):
                word = self.out.assignments[-1][1]
                self.out.own.add((word.line, word.column))
            return
        if kind == "declaration_command":
            self.declaration(node, cd)
            return
        if kind == "test_command":
            if node.start_point[0] != node.end_point[0] and node.children[0].type == "[":
                self.spans(node)
            self.test_words(node)
        if kind == "pipeline":
            self.pipeline(node, cd)
            return
        if kind == "function_definition":
            self.define(node, cd)
            return
        if kind in _NEW_SHELL:
            inner: list[Word | None] = list(cd)  # the cd list (see `chdir`)
            for child in node.children:
                self.walk(child, inner)
            return
        for child in node.children:
            self.walk(child, cd)

    def declaration(self, node: Any, cd: list[Word | None]) -> None:
        """`export A=1`, `declare -x "A=1"`, `readonly A=1`: what bash assigns. A quoted
        word `"A=1"` is an assignment too; an option the builtin does not take
        (`readonly -x`) makes it assign nothing (bash prints its usage, status 2)."""
        keyword = self.raw(node.children[0]) if node.children else ""
        valid = _DECLARE_OPTIONS.get(keyword, "")
        given = [self.raw(c) for c in node.named_children if c.type == "word" and
                 self.raw(c)[:1] in "-+" and len(self.raw(c)) > 1]
        refused = any(letter not in valid for option in given for letter in option[1:])
        mark = len(self.out.assignments)
        for child in node.children:
            self.walk(child, cd)
            if child.type not in ("string", "raw_string", "concatenation"):
                continue
            text, dynamic = self._value(child)
            match = _QUOTED_ASSIGNMENT.match(text)
            raw = self.raw(child)
            if match is None or dynamic or "=" not in raw:
                continue
            line, column = self.position(child)
            value = Word(match.group(2), line, column + raw.index("=") + 1)
            self.out.assignments.append((match.group(1), value))
            self.out.words.append(value)
        if refused:
            del self.out.assignments[mark:]

    def define(self, node: Any, cd: list[Word | None]) -> None:
        """`run() { "$@"; }`: the body is read where it is written (with its arguments
        unknown) and kept, so a later call walks it again with the call's arguments."""
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is not None and body is not None:
            self.functions[self.raw(name)] = body
            self.clock += 1
            self.defined[self.raw(name)] = self.clock
        start = len(self.out.commands)
        inner: list[Word | None] = list(cd)  # the cd list (see `chdir`)
        for child in node.children:
            self.walk(child, inner)
        if name is not None and inner[1] != cd[1]:
            self.cd_effects[self.raw(name)] = inner[1]
        if body is not None:
            # what the body ran, summarised at its first call (most are never called
            # with words they run)
            self.read_range[body.id] = (start, len(self.out.commands), self.clock)

    def _summary(self, body: Any) -> _Body:
        summary = self.summaries.get(body.id)
        if summary is None and body.id not in self.read_range:
            return _Body([], frozenset(), True, self.clock)  # called while being read
        if summary is None:
            start, end, clock = self.read_range[body.id]
            found = self.out.commands[start:end]
            # a word of the call can only be run where the body runs a word it does not
            # know (`"$@"`, `sudo "$1"`, `$cmd`) or a shell string (`eval "$@"`)
            runs_unknown = any(
                c.program.dynamic or (c.name in _RUNS_A_STRING and any(
                    w.dynamic and POSITIONAL.match(w.text) for w in c.args))
                for c in found)
            summary = _Body(found, frozenset(c.name for c in found), runs_unknown, clock)
            self.summaries[body.id] = summary
        return summary

    def call(self, command: Command, cd: list[Word | None]) -> None:
        """`run python3 x.py` with `run() { "$@"; }` defined before: the body walked again
        with the call's words as `$1`...; the commands that take a word of the call (or
        of a call inside it) are what the call adds (the rest was read at the
        definition). A function calling itself is followed once per chain."""
        name = command.name
        body = self.functions[name]
        if name in self.active:
            return
        summary = self._summary(body)
        cached = self.later.get(body.id)
        if cached is None or cached[0] != self.clock:  # recomputed after a definition
            cached = (self.clock, any(self.defined.get(callee, 0) > summary.clock
                                      for callee in summary.callees))
            self.later[body.id] = cached
        later = cached[1]
        uses = (summary.runs_unknown or later or
                not summary.callees.isdisjoint(self.functions)) and \
            _USES_POSITIONAL.search(self.data, body.start_byte, body.end_byte)
        if not later and (not uses or all(w.dynamic for w in command.args)):
            return  # what it runs was read at its definition (arguments unknown there too)
        # the same walk again finds nothing new: once per body (and per arguments where it
        # reads them) while no function is defined anew
        key = (body.id, self.clock, tuple(
            (w.text, w.line, w.column, w.dynamic) for w in command.args) if uses else ())
        if key in self.walked:
            return
        self.walked.add(key)
        line, column = command.program.line, command.program.column
        if not self.active:
            self.chain_at = (line, column)  # where a chain too deep is reported
        if len(self.active) >= MAX_CALLS:
            if not self.too_deep:
                self.too_deep = True
                self.out.errors.append(ParseError(
                    "shell function calls nested too deeply: this call was not analysed",
                    *self.chain_at))
            return
        self.budget -= body.end_byte - body.start_byte
        if self.budget < 0:
            if not self.over_budget:
                self.over_budget = True
                self.out.errors.append(ParseError(
                    "shell functions called more often than qt-lint follows: this call "
                    "and later ones were not analysed", line, column))
            return
        out = self.out
        marks = (len(out.commands), len(out.redirects), len(out.words),
                 len(out.assignments), len(out.written))
        saved = self.positional, self.values, self.sources
        self.sources = dict(self.sources)
        zero = saved[0][0] if saved[0] else Word("$0", line, column, True)
        self.positional = (zero, *command.args)
        self.values = dict(self.values)
        self.active.append(name)
        try:
            self.walk(body, cd)
        finally:
            self.active.pop()
            self.positional, self.values, self.sources = saved
        low = self.mapper(*body.start_point)
        high = self.mapper(*body.end_point)

        def foreign(word: Word) -> bool:
            return not low <= (word.line, word.column) < high

        kept: list[Command] = []
        read = self.read_keys.get(body.id)
        if read is None:
            read = self.read_keys[body.id] = {_key(c) for c in summary.found}
        for found in out.commands[marks[0]:]:
            if id(found) in self.via_call:  # kept by a call inside this one
                kept.append(found)
                continue
            if found.program.dynamic:
                continue  # what runs is still not known
            found_key = _key(found)
            if found_key in read:
                continue  # read at the definition already
            if found_key not in self.seen:
                self.seen.add(found_key)
                self.via_call.add(id(found))
                kept.append(found)
        redirects = [r for r in out.redirects[marks[1]:] if foreign(r.target)]
        del out.commands[marks[0]:], out.redirects[marks[1]:], out.words[marks[2]:]
        del out.assignments[marks[3]:], out.written[marks[4]:]
        out.commands.extend(kept)
        out.redirects.extend(redirects)

    def _parameters(self, words: list[Word], nodes: list[Any]
                    ) -> tuple[list[Word], list[Any]]:
        """`"$@"`, `$1`, `"${@:2}"`, `${1:-python3}` with the positional parameters known:
        the words they stand for, as bash splits them (`"$@"` one word per parameter,
        `"$*"` one word, unquoted ones split at blanks)."""
        params = self.positional
        if params is None:  # `"${1:-python3}"` where the arguments are unknown: the default
            return [self._default(w) if w.dynamic and w.text.startswith("${") else w
                    for w in words], nodes
        if not any(w.dynamic and "$" in w.text for w in words):
            return words, nodes
        out_words: list[Word] = []
        out_nodes: list[Any] = []
        for word, node in zip(words, nodes, strict=True):
            match = POSITIONAL.match(word.text) if word.dynamic else None
            values = self._parameter(match, word) if match else None
            if values is None:
                out_words.append(word)
                out_nodes.append(node)
                continue
            raw = self.raw(node)
            quoted = raw.startswith('"') or (node.type == "command_name"
                                             and raw.startswith('"'))
            if quoted and "*" in word.text and values:
                values = [Word(" ".join(v.text for v in values), values[0].line,
                               values[0].column, any(v.dynamic for v in values))]
            for value in values:
                if quoted or value.dynamic:
                    out_words.append(value)
                    out_nodes.append(node)
                    continue
                for part in re.finditer(r"\S+", value.text):
                    out_words.append(Word(part.group(), value.line,
                                          value.column + part.start()))
                    out_nodes.append(node)
        return out_words, out_nodes

    @staticmethod
    def _default(word: Word) -> Word:
        match = POSITIONAL.match(word.text) if word.dynamic else None
        if match is None or match.group("dn") is None or not match.group("default"):
            return word
        return Word(match.group("default"), word.line, word.column)

    def _parameter(self, match: re.Match[str], word: Word) -> list[Word] | None:
        params = self.positional or ()
        index = match.group("digit") or match.group("n") or match.group("dn")
        if index is not None:
            at = int(index)
            value = params[at] if at < len(params) else None
            if match.group("dn") is not None and (value is None or value.text == ""):
                default = match.group("default") or ""
                return [Word(default, word.line, word.column)]
            return [value] if value is not None else [Word("", word.line, word.column)]
        if match.group("all") or match.group("ball"):
            return list(params[1:])
        offset = int(match.group("off"))
        length = match.group("len")
        chosen = params[offset:] if length is None else params[offset:offset + int(length)]
        return list(chosen)

    def _assign(self, key: str, static: str | None) -> None:
        """A variable set by a command (`printf -v`, `read`), as an assignment sets it."""
        if key in self.values and self.values[key] != static and not self.active:
            static = None
        self.values[key] = static

    def _set_by(self, command: Command, heres: list[Any]) -> None:
        """`printf -v cmd '%s' python3`, `read -r cmd <<< "python3"`: the variable's
        value, for a later `$cmd x.py`."""
        args = command.args
        if command.name == "printf" and len(args) >= 3 and args[0].text == "-v":
            rest = Command((command.program, *args[2:]), command.origin)
            text = None if any(w.dynamic for w in args[2:]) else printed(rest)
            self._assign(args[1].text, text)
            return
        if command.name != "read":
            return
        names: list[str] = []
        i = 0
        raw_mode = False
        while i < len(args):
            text = args[i].text
            if text.startswith("-") and len(text) > 1:
                if text in ("-p", "-t", "-u", "-n", "-N", "-d", "-a", "-i"):
                    if text in ("-a", "-d", "-n", "-N"):
                        names = []
                        break  # an array, another delimiter or a count: not followed
                    i += 1
                raw_mode = raw_mode or "r" in text
                i += 1
                continue
            names.append(text)
            i += 1
        names = [n for n in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
        line: str | None = None
        if heres and len(heres) == 1 and names:
            target = next((c for c in heres[0].children if c.is_named), None)
            if target is not None:
                value = self._expanded(self.word(target))
                if not value.dynamic and (raw_mode or "\\" not in value.text):
                    line = value.text.split("\n", 1)[0]
        if command.first is not None and command.first.text.startswith("IFS="):
            line = None  # another field separator: not followed
        if not names:
            return
        fields = line.split(None, len(names) - 1) if line is not None else []
        for index, key in enumerate(names):
            if line is None:
                self._assign(key, None)
            else:
                self._assign(key, fields[index].strip() if index < len(fields) else "")

    def test_words(self, node: Any) -> None:
        """The operands of `[ ... ]` and `[[ ... ]]` are data words (`[ -d /opt/x ]`)."""
        for child in node.named_children:
            if child.type in ("word", "string", "raw_string", "concatenation"):
                self.out.words.append(self.word(child))
            elif child.type == "unary_expression" and self.raw(child).startswith("~"):
                # `[[ -f ~/x ]]`: the grammar reads the tilde as an operator; it is a path
                line, column = self.position(child)
                self.out.words.append(Word(self.raw(child), line, column, False))
            elif child.type in ("binary_expression", "unary_expression",
                                "parenthesized_expression", "negated_expression"):
                self.test_words(child)

    def assignment(self, node: Any, cd: list[Word | None]) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if value is not None:
            word = self.word(value)
            key = self.raw(name) if name else ""
            self.out.assignments.append((key, word))
            self.out.words.append(word)
            if value.type == "array":  # `CMD=(python3 x.py)`: "${CMD[@]}" runs it
                parts = [self._value(c) for c in value.named_children]
                static = None if any(d for _, d in parts) else " ".join(p for p, _ in parts)
            else:
                expanded = self._expanded(word) if word.dynamic else word
                static = expanded.text if not expanded.dynamic else self._looked_up(value)
                if static is None and word.dynamic:
                    # `PY=${PY:-python3}`, `PY="${PY:-$(command -v python3)}"`: the default
                    # where the script has not set the variable before
                    bare = word.text[1:-1] if word.text[:1] == word.text[-1:] == '"' \
                        else word.text
                    if _DEFAULT.match(bare) or _DEFAULT_LOOKUP.match(bare):
                        static = self._program_of(bare)
                if static is None and self.positional is not None and word.dynamic:
                    # `cmd=$1` in a function walked at a call: the call's word
                    match = POSITIONAL.match(word.text)
                    values = self._parameter(match, word) if match else None
                    if values is not None and not any(v.dynamic for v in values):
                        static = " ".join(v.text for v in values)
                        if len(values) == 1:
                            self.sources[key] = values[0]
            if key in self.values and b"+=" in self.data[name.end_byte:value.start_byte] \
                    if name is not None else False:
                known = self.values[key]  # `CMD+=(python3 x.py)`: added to the value
                joiner = " " if value.type == "array" else ""
                static = None if known is None or static is None else \
                    (known + joiner + static).strip()
            elif key in self.values and self.values[key] != static and not self.active:
                static = None  # assigned differently twice (in a call: its own value)
            self.values[key] = static
            if self.sources and key in self.sources and (
                    static is None or self.sources[key].text != static):
                del self.sources[key]  # assigned again from something else
            self.walk(value, cd)

    def _looked_up(self, node: Any) -> str | None:
        """`$(command -v python3)`, `$(which python3)`, `` `type -P python3` ``: the
        program found, so running the variable runs it."""
        if node.type == "string" and node.named_child_count == 1:
            node = node.named_children[0]
        if node.type != "command_substitution":
            return None
        return looked_up(self.raw(node).strip("$()` \t"))

    def _expanded(self, word: Word) -> Word:
        """`"$BACKUP_DIR"/old` with `BACKUP_DIR=/opt/x` assigned once before: the command's
        argument as it runs (`/opt/x/old`). A variable assigned differently twice, or not in
        this script, leaves the word as it is."""
        if not word.dynamic or "$" not in word.text:
            return word
        if self.sources:  # `local command=$2; eval "$command"`: the call's word, where it is
            whole = _VARIABLE.match(word.text)
            name = source_name(whole) if whole else ""
            source = self.sources.get(name)
            if source is not None and self.values.get(name) == source.text:
                return source
        values = self.values
        if _DEFAULT.match(word.text):
            # `redis-cli -h "${REDIS_HOST:-10.0.0.5}"`: the default where the script has not
            # set the variable (its value where set once), as an assignment reads it
            static = self._program_of(word.text)
            return word if static is None or "$" in static else Word(static, word.line,
                                                                     word.column, False)
        unknown = False

        def value(match: re.Match[str]) -> str:
            nonlocal unknown
            known = values.get(match.group(1) or match.group(2))
            if known is None or "$" in known:
                unknown = True
                return match.group()
            return known

        text = _REFERENCE.sub(value, word.text)
        if unknown or "$" in text or "`" in text or len(text) > MAX_EXPANDED:
            return word  # `$A$A$A...` of a long value: not a path anyone writes
        return Word(text, word.line, word.column, False)

    def _program_of(self, text: str) -> str | None:
        """The program a dynamic first word names: `${PY:-python3}` (the default where
        PY is not set in the script), `"${CMD[@]}"` of an array, `$(which python3)`,
        `$(command -v python3)`."""
        default = _DEFAULT.match(text)
        if default:
            known = self.values.get(default.group(1))
            return known if default.group(1) in self.values else default.group(2)
        array = _ARRAY.match(text)
        if array:
            value = self.values.get(array.group(1))
            if value and array.group(2) == "0":
                return value.split()[0]
            return value
        lookup = _DEFAULT_LOOKUP.match(text)
        if lookup and lookup.group(1) not in self.values:
            return looked_up(lookup.group(2).strip("$()` \t"))
        if text.startswith(("$(", "`")):
            return looked_up(text.strip("$()` \t"))
        return None

    def _resolved(self, words: list[Word], nodes: list[Any]) -> tuple[list[Word], list[Any]]:
        """`$PYTHON3 x.py` with `PYTHON3="python3"` (or `PY=$(command -v python3)`) set
        before in the script: the command as it runs."""
        match = _VARIABLE.match(words[0].text) if words and words[0].dynamic else None
        value = self.values.get(match.group(1) or match.group(2)) if match else None
        if value is None and words and words[0].dynamic:
            value = self._program_of(words[0].text)
        if not value or not value.split():
            return words, nodes
        first = words[0]
        source = self.sources.get(match.group(1) or match.group(2)) if match else None
        if source is not None and source.text == value:  # `local cmd=$1; $cmd`: the call's
            new = [Word(m.group(), source.line, source.column + m.start(), "$" in m.group())
                   for m in re.finditer(r"\S+", value)]
        else:
            new = [Word(part, first.line, first.column, "$" in part) for part in value.split()]
        return [*new, *words[1:]], [nodes[0]] * len(new) + nodes[1:]

    def spans(self, node: Any) -> None:
        """Where `node`'s words run across an unescaped newline (impossible in bash)."""
        previous = None
        for child in node.children:
            if child.type in ("comment", "heredoc_redirect") or (
                    not child.is_named and child.type not in ("[", "]")):
                continue
            if child.start_point[0] != child.end_point[0] and child.type in (
                    "word", "concatenation", "command_name"):
                at = self._bare_newline(child)
                if at is not None:
                    self.splits.append(at)
                    return
            if previous is not None and child.start_point[0] > previous.end_point[0]:
                gap = self.data[previous.end_byte:child.start_byte].replace(b"\\\n", b"")
                if b"\n" in gap:
                    # the first line end alone: what follows is parsed again
                    self.splits.append(previous.end_byte)
                    return
            previous = child

    def _bare_newline(self, node: Any) -> int | None:
        """The offset of an unescaped, unquoted newline inside a word (tree-sitter-bash
        may start a word with the newline that ends the command before it)."""
        if node.type != "word":
            for child in node.children:
                if child.type in ("word", "command_name", "concatenation"):
                    at = self._bare_newline(child)
                    if at is not None:
                        return at
            return None
        data = self.data
        i, end = int(node.start_byte), int(node.end_byte)
        while i < end:
            byte = data[i]
            if byte == 0x5C:  # backslash: the next byte is escaped
                i += 2
                continue
            if byte == 0x0A:
                return i
            i += 1
        return None

    def command(self, node: Any, cd: list[Word | None]) -> None:
        if node.start_point[0] != node.end_point[0]:
            self.spans(node)
        words: list[Word] = []
        nodes: list[Any] = []
        heres: list[Any] = []
        # `REDIS_HOST=x cmd`: the variable is set in the command's environment only; the
        # shell's own value is as it was (restored once the prefixes are read)
        named = any(c.type == "command_name" for c in node.children)
        before: dict[str, tuple[bool, str | None]] = {}
        for child in node.children:
            if child.type == "variable_assignment":
                if named:
                    key = self.raw(child.child_by_field_name("name") or child).split("=")[0]
                    before.setdefault(key, (key in self.values, self.values.get(key)))
                self.assignment(child, cd)
            elif child.type in ("file_redirect", "herestring_redirect"):
                self.redirect(child, cd)
                if child.type == "herestring_redirect":
                    heres.append(child)
            elif child.type == "command_name" or child.is_named:
                words.append(self.word(child))
                nodes.append(child)
                # substitutions inside the words run too
                if child.child_count:
                    for sub in child.children:
                        self.walk(sub, cd)
        for key, (present, known) in before.items():
            if present:
                self.values[key] = known
            else:
                self.values.pop(key, None)
        if not words:
            return
        if len(words) > 1 and b"\\\n" in self.data[node.start_byte:node.end_byte]:
            words, nodes = self._continued(words, nodes)
        if node.id == self.mark:
            self.marked = len(self.out.commands)
        if self.positional is not None or b"${" in self.data[node.start_byte:node.end_byte]:
            words, nodes = self._parameters(words, nodes)
            if not words:
                return  # `"$@"` with no parameters runs nothing
        words, nodes = self._resolved(words, nodes)
        if words[0].dynamic:  # `$BIN/python3`, `${p}3` with the variables known
            program = self._expanded(words[0])
            if program is not words[0]:
                words = [program, *words[1:]]
        if words[0].text == ":":  # `: "${PY:=python3}"` assigns where PY is unset
            for word in words[1:]:
                default = _ASSIGN_DEFAULT.match(word.text)
                if default and default.group(1) not in self.values:
                    self.values[default.group(1)] = default.group(2)
        written = make_command(tuple(words), self.origin, cd[0], cd[1])
        if written is None:
            return
        command = written
        if any(w.dynamic for w in words[1:]):  # most commands have no `$` to expand
            expanded = [words[0], *(self._expanded(w) for w in words[1:])]
            if any(e is not w for e, w in zip(expanded, words, strict=True)):
                command = make_command(tuple(expanded), self.origin, cd[0], cd[1]) or written
        self.out.commands.append(command)
        if command.name == "find":
            from qt_lint.command_model import exec_commands

            for inner in exec_commands(command):
                self.out.commands.append(inner)
                self.nested(inner, words, nodes)  # `-exec sh -c 'python3 "$1"' _ {} \;`
        # the data words as written: a value in a variable is judged where it is assigned
        self.out.words.extend(written.args)
        name = command.name
        if name == "cd" and not command.program.dynamic:
            target = command.args[0] if command.args else None
            if target is None or target.dynamic or target.text.startswith(("/", "~", "-")):
                cd[0] = None
            else:
                # the directory, positioned at its `cd` (where QT104 reports)
                cd[0] = Word(target.text, command.program.line, command.program.column)
        if name in ("cd", "pushd", "popd") and not command.program.dynamic:
            chdir(command, cd)
        self.nested(command, words, nodes)
        if heres:
            self.herestrings(command, heres)
        if name in ("printf", "read"):
            self._set_by(command, heres)
        elif name == "shift" and self.positional is not None and not command.wrappers:
            count = command.args[0].text if command.args else "1"
            step = int(count) if count.isdigit() else 1
            self.positional = (self.positional[0], *self.positional[1 + step:])
        elif name == "set" and command.args and command.args[0].text == "--":
            # `set -- python3 x.py`: the positional parameters from here on
            rest = command.args[1:]
            unknown = any(w.dynamic and POSITIONAL.match(w.text) for w in rest)
            zero = self.positional[0] if self.positional else Word(
                "$0", command.program.line, command.program.column, True)
            self.positional = None if unknown else (zero, *rest)
        if name in self.functions and command.wrappers in ((), ("time",)) and \
                not command.program.dynamic and "/" not in command.program.text:
            for word, at in zip(words, nodes, strict=True):
                if at.type in ("string", "raw_string"):
                    self.quoted.add((word.line, word.column))  # its text starts inside
            if name in self.cd_effects:
                cd[1] = self.cd_effects[name]
            self.call(command, cd)

    def _continued(self, words: list[Word], nodes: list[Any]) -> tuple[list[Word], list[Any]]:
        """`pyth\\<newline>on3`: bash removes a backslash-newline inside a word, so
        the two pieces tree-sitter-bash reads as two words are one (`python3`)."""
        out_words, out_nodes = [words[0]], [nodes[0]]
        end = nodes[0].end_byte
        for word, node in zip(words[1:], nodes[1:], strict=True):
            if self.data[end:node.start_byte] == b"\\\n":
                last = out_words[-1]
                out_words[-1] = Word(last.text + word.text, last.line, last.column,
                                     last.dynamic or word.dynamic)
            else:
                out_words.append(word)
                out_nodes.append(node)
            end = node.end_byte
        return out_words, out_nodes

    def nested(self, command: Command, words: list[Word], nodes: list[Any]) -> None:
        """`bash -c 'script'`, `eval 'script'` and `ssh host 'script'`: the string is
        shell too (ssh runs its command words in the remote user's shell)."""
        if self.depth >= MAX_DEPTH or (command.name not in SHELLS and
                                       command.name not in ("eval", "ssh", "trap")):
            return
        by_position = {(w.line, w.column): n for w, n in zip(words, nodes, strict=True)}
        script: Word | None = None
        positional: tuple[Word, ...] | None = None
        if command.name in SHELLS:
            from qt_lint.command_model import shell_script_argument

            script = shell_script_argument(command)
            # `sh -c 'exec "$0" "$@"' python3 x.py`: the words after the string are its
            # positional parameters, `$0` first
            after = next((command.args[i + 1:] for i, w in enumerate(command.args)
                          if w is script), ())
            positional = after or (command.program,)
            if any(w.dynamic and POSITIONAL.match(w.text) for w in after):
                positional = None  # `"$@"` of a script whose arguments are unknown
        elif command.name == "eval" and command.args:
            positional = self.positional
            args = command.args[1:] if command.args[0].text == "--" else command.args
            if args:  # eval joins its words with blanks and runs them
                first = args[0]
                script = Word(" ".join(w.text for w in args), first.line, first.column,
                              any(w.dynamic for w in args))
        elif command.name == "trap" and len(command.args) >= 2:
            # `trap 'python3 cleanup.py' EXIT`: the string runs when the signal comes
            first = command.args[0]
            if first.text not in ("-", "--", "-p", "-l") and not first.text.isdigit():
                script = first
        elif command.name == "ssh":
            remote = ssh_remote_command(command)
            if remote:
                first = remote[0]
                script = Word(" ".join(w.text for w in remote), first.line, first.column,
                              any(w.dynamic for w in remote))
        if script is None:
            return
        node = by_position.get((script.line, script.column))
        if node is not None and self.position(node) != (script.line, script.column):
            node = None  # a word of a call (`run() { bash -c "$1"; }`): parsed there
            foreign = True
        else:
            foreign = False
        if node is None:
            # a string inside a word (`su --command='python3 x'`): parsed at the word
            outer = self.mapper
            line, column = script.line, script.column
            if (line, column) in self.quoted:
                column += 1  # `run 'python3 x.py'`: the script starts inside the quote
            def mapper(r: int, c: int) -> tuple[int, int]:
                return (line, column + c) if r == 0 else (line + r, c + 1)

            if outer is identity or foreign:
                self.out.extend(parse_shell(script.text, self.origin, mapper, self.depth + 1,
                                            positional=positional))
            return
        self.script_in(node, script.text, positional)

    def script_in(self, node: Any, text: str,
                  positional: tuple[Word, ...] | None = None) -> None:
        """`text`, the value of the word `node`, parsed as a shell script where it is
        written."""
        quote = 1 if node.type in ("string", "raw_string") else 0
        row, column = node.start_point
        if not self.ascii and row < len(self.lines):
            column = len(self.lines[row][:column].decode("utf-8", "replace"))
        column += quote
        outer = self.mapper

        def mapper(r: int, c: int) -> tuple[int, int]:
            return outer(row + r, column + c if r == 0 else c)

        self.out.extend(parse_shell(text, self.origin, mapper, self.depth + 1,
                                    positional=positional))

    def herestrings(self, command: Command, nodes: list[Any]) -> None:
        """`bash <<< 'script'`: a here-string a shell reads is shell."""
        if self.depth >= MAX_DEPTH or not reads_a_script(command):
            return
        for node in nodes:
            target = next((c for c in node.children if c.is_named), None)
            if target is not None:
                value, _ = self._value(target)
                self.script_in(target, value)

    def redirected(self, node: Any, cd: list[Word | None]) -> None:
        body = node.child_by_field_name("body")
        redirects_before = len(self.out.redirects)
        heredocs = []
        body_id = body.id if body is not None else None
        for child in node.children:
            if child.id == body_id:
                continue
            if child.type == "heredoc_redirect":
                heredocs.append(child)
            elif child.type in ("file_redirect", "herestring_redirect"):
                self.redirect(child, cd)
            else:
                self.walk(child, cd)
        own = range(redirects_before, len(self.out.redirects))
        if body is not None:
            before = len(self.out.commands)
            simple = body.type == "command"
            last = _last_simple(body)
            if last is not None and last.id != body.id:
                # tree-sitter-bash #345: `cd d && cat > f <<EOF` hangs the redirects on
                # the list; bash gives them to its last command
                saved = self.mark, self.marked
                self.mark, self.marked = last.id, None
                self.walk(body, cd)
                if self.marked is not None:
                    before = self.marked
                    simple = True
                self.mark, self.marked = saved
                for index in own:  # opened where that command runs (after the list's cd)
                    r = self.out.redirects[index]
                    self.out.redirects[index] = Redirect(r.operator, r.target, cd[1])
            else:
                self.walk(body, cd)
            fed = self.out.commands[before:before + 1]
            if fed and reads_a_script(fed[0]) and self.depth < MAX_DEPTH:
                for heredoc in heredocs:
                    self.heredoc(heredoc)
            heres = [c for c in node.children if c.type == "herestring_redirect"]
            if fed and heres:
                self.herestrings(fed[0], heres)
        for heredoc in heredocs:
            for child in heredoc.children:
                if child.type == "file_redirect":
                    self.redirect(child, cd)
                elif child.is_named and not child.type.startswith("heredoc_"):
                    # `cat <<EOF | tee f`: the grammar hangs the rest of the line here
                    start = len(self.out.commands)
                    self.walk(child, cd)
                    self._cat_into_shell(node, body, heredoc, child, start)
        if body is None:
            return
        writer = self.out.commands[before] if len(self.out.commands) > before else None
        redirects = self.out.redirects[redirects_before:]
        target = _written_to(writer, redirects) if heredocs else None
        if target is not None and writer is not None:
            append = any(r.operator == ">>" for r in redirects) if writer.name == "cat" \
                else any(w.text in ("-a", "--append") for w in writer.args)
            for heredoc in heredocs:
                for child in heredoc.children:
                    if child.type == "heredoc_body":
                        line, _ = self.mapper(child.start_point[0], 0)
                        text = self.raw(child)
                        rows = tuple(range(line, line + text.count("\n") + 1))
                        self.out.written.append(Written(target, text, rows, append))
        elif writer is not None and not heredocs and simple:
            self.printed_to(writer, redirects)

    def _cat_into_shell(self, node: Any, body: Any, heredoc: Any, rest: Any,
                        start: int) -> None:
        """`cat <<EOF | bash`: the heredoc, passed on by `cat`, is the shell's script."""
        if body is None or body.type != "command" or self.depth >= MAX_DEPTH:
            return
        if rest.type == "pipeline":
            rest = next((c for c in rest.children if c.is_named), None)
        if rest is None or not self.data[
                heredoc.start_byte:rest.start_byte].rstrip().endswith(b"|"):
            return
        fed = self.out.commands[start:start + 1]
        cat = self.raw(body).split()
        if fed and reads_a_script(fed[0]) and shell_script_argument_free(fed[0]) and \
                cat and cat[0].rsplit("/", 1)[-1] == "cat" and len(cat) == 1:
            self.heredoc(heredoc)

    def printed_to(self, writer: Command, redirects: list[Redirect]) -> None:
        """`echo 'User=root' >> /etc/systemd/system/x.service`, `printf '...' > f`."""
        outs = [r for r in redirects if r.operator in (">", ">>", ">|")]
        if outs:
            self._printed(writer, outs[-1].target, outs[-1].operator == ">>")

    def pipeline(self, node: Any, cd: list[Word | None]) -> None:
        """`echo '...' | sudo tee -a /etc/cron.d/x`: the text written to the file."""
        before = len(self.out.commands)
        for child in node.children:
            self.walk(child, cd)
        commands = self.out.commands[before:]
        if len(commands) == 2 and reads_a_script(commands[1]) and self.depth < MAX_DEPTH \
                and (commands[1].name in ("at", "batch", "ssh")
                     or shell_script_argument_free(commands[1])):
            # `echo 'python3 x.py' | bash`: what is printed is the shell's script
            text = printed(commands[0])
            if text is not None:
                first = commands[0].args[0] if commands[0].args else commands[0].program

                def mapper(r: int, c: int, first: Word = first) -> tuple[int, int]:
                    return first.line, first.column

                self.out.extend(parse_shell(text, self.origin, mapper, self.depth + 1))
        if len(commands) == 2 and commands[1].name == "tee":
            files = [w for w in commands[1].args if not w.text.startswith("-")]
            if len(files) == 1:
                append = any(w.text in ("-a", "--append") for w in commands[1].args)
                self._printed(commands[0], files[0], append)

    def _printed(self, printer: Command, target: Word, append: bool) -> None:
        """What `echo`/`printf` writes to a fixed absolute path, each line at the printer's
        line and its first argument's column."""
        text = printed(printer)
        if text is None or target.dynamic or not target.text.startswith("/"):
            return
        count = text.count("\n") + 1
        first = printer.args[0] if printer.args else printer.program
        self.out.written.append(Written(target.text, text, (printer.program.line,) * count,
                                        append, (first.column,) * count))

    def heredoc(self, node: Any) -> None:
        for child in node.children:
            if child.type != "heredoc_body":
                continue
            row, _ = child.start_point
            text = self.raw(child)

            def mapper(r: int, c: int, row: int = row, outer: Mapper = self.mapper
                       ) -> tuple[int, int]:
                return outer(row + r, c)

            self.out.extend(parse_shell(text, self.origin, mapper, self.depth + 1))

    def redirect(self, node: Any, cd: list[Word | None]) -> None:
        if node.start_point[0] != node.end_point[0] and node.type == "file_redirect":
            self.spans(node)
        operator = ""
        target = None
        for child in node.children:
            if not child.is_named:
                operator = self.raw(child)
            elif child.type != "file_descriptor":
                target = child
        if target is None or node.type == "herestring_redirect":
            if target is not None:
                self.walk(target, cd)
            return
        if operator in (">&", "<&") and target.type == "number":
            return
        word = self.word(target)
        self.out.redirects.append(Redirect(operator, self._expanded(word), cd[1]))
        self.out.words.append(word)  # as written: a value is judged where it is assigned
        self.walk(target, cd)

    def collect_errors(self, node: Any) -> None:
        if node.type == "ERROR" or node.is_missing:
            line, column = self.position(node)
            what = "missing " + node.type if node.is_missing else "syntax error"
            self.out.errors.append(ParseError(
                f"shell {what}: this region could not be parsed (the rest was analysed)",
                line, column))
            return
        for child in node.children:
            if child.has_error or child.is_missing:
                self.collect_errors(child)


def chdir(command: Command, cd: list[Word | None]) -> None:
    """What `cd DIR`, `pushd DIR` and `popd` make of the walk's cd list: [the directory of
    a relative `cd` (QT104), the working directory where known (absolute), then the
    directories `pushd` saved]. A directory built at run time, `cd -`, `cd ~` or a `cd`
    relative to an unknown directory makes it unknown."""
    name = command.name
    if name == "popd":
        cd[1] = cd.pop() if len(cd) > 2 and not command.args else None
        return
    args = [w for w in command.args if w.text not in ("-L", "-P", "-e", "-@", "-n")]
    if args and args[0].text == "--":
        args = args[1:]
    target = args[0] if args else None
    if name == "pushd":
        if target is None or target.text[:1] in "+-":
            cd[1] = None  # `pushd` alone swaps, `pushd +N` rotates the stack
            return
        cd.append(cd[1])
    if target is None or target.dynamic or target.text.startswith(("~", "-")) or not target.text:
        cd[1] = None
        return
    if target.text.startswith("/"):
        cd[1] = Word(posixpath.normpath(target.text), target.line, target.column)
    elif cd[1] is not None:
        cd[1] = Word(posixpath.normpath(posixpath.join(cd[1].text, target.text)),
                     target.line, target.column)


def _unescape(text: str, escapable: str | None = None) -> str:
    """Backslash escapes removed; `escapable` limits them (inside double quotes only
    `"\\$` and backquote escape); a backslash-newline is a line continuation."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if text[i] == "\\" and nxt and (escapable is None or nxt in escapable):
            if nxt != "\n":
                out.append(nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


_ANSI_C = lazyre.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|"
                     r"c.|.)", re.S)
_ANSI_C_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b",
                  "E": "\x1b", "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _ansi_c(text: str) -> str:
    """The value of `$'...'` as bash decodes it (`$'\\x70ython3'` is `python3`)."""
    if "\\" not in text:
        return text

    def decoded(match: re.Match[str]) -> str:
        code = match.group(1)
        head = code[0]
        if head in "xuU" and len(code) > 1:
            value = int(code[1:], 16)
            return chr(value) if value < 0x110000 else ""
        if head in "01234567":
            return chr(int(code, 8) & 0xFF)
        if head == "c" and len(code) == 2:
            return chr(ord(code[1].upper()) & 0x1F)
        return _ANSI_C_SIMPLE.get(code, "\\" + code)

    return _ANSI_C.sub(decoded, text)


def _unescape_double(text: str) -> str:
    return _unescape(text, '"\\$`\n')


def syntax_tree(data: bytes) -> Any:
    """tree-sitter's tree of a script, for models built on the same parse (shellflow)."""
    return _parser().parse(data)


def word_reader(data: bytes, text: str, mapper: Mapper = identity) -> Any:
    """What turns the tree's nodes into positioned `Word`s (`.word(node)`, `.raw(node)`,
    `.position(node)`), as the command walk reads them (`mapper`: a string's positions in
    its file, for a string that is run as shell)."""
    return _Walker(data, text, "shell", mapper, 0)


def comment_starts(text: str) -> set[tuple[int, int]]:
    """(line, byte column), 1-based, of the `#` of every shell comment: text in a heredoc
    body, a quoted string or an argument is data, not a comment."""
    data = text.encode("utf-8", "surrogateescape")
    out: set[tuple[int, int]] = set()
    stack = [_parser().parse(data).root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            row, column = node.start_point
            out.add((row + 1, column + 1))
        elif node.type not in ("heredoc_body", "string", "raw_string"):
            stack.extend(node.children)
    return out
