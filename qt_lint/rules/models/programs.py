"""What the canary script's calls do (QT604): the repository programs it runs that change
the active models or the model setting (a write at the call), and the quality-gate runs
that an option or an environment variable defeats (read from the gate's own code when it
is in the repository, else `contract.gate-defeats`)."""

from __future__ import annotations

import ast
import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from qt_lint.command_model import SHELLS, Word, is_python_name, is_wrapper
from qt_lint.config import Contract
from qt_lint.shellflow import Facts, Step

MAX_DEPTH = 3  # programs that run programs: followed this deep
_EXTS = (".py", ".sh", ".bash")


@dataclass(frozen=True)
class Repo:
    """The repository the canary belongs to: `read` gives the text of a file by its path
    relative to the repository root (None: absent or unreadable)."""

    contract: Contract
    read: Callable[[str], str | None]
    depth: int = 0
    seen: frozenset[str] = field(default_factory=frozenset)

    def deeper(self, rel: str) -> Repo:
        return Repo(self.contract, self.read, self.depth + 1, self.seen | {rel})


def _relative(text: str, contract: Contract) -> str | None:
    """A program's name as a path relative to the repository root, or None (built at run
    time, or outside the repository)."""
    text = text.strip()
    for prefix in (contract.repo_root.rstrip("/") + "/", "$REPO_ROOT/", "${REPO_ROOT}/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if "$" in text or "`" in text or text.startswith("/") or not text.endswith(_EXTS):
        return None
    text = posixpath.normpath(text.removeprefix("./"))
    return None if text.startswith("..") else text


def _program_word(step: Step, contract: Contract) -> tuple[Word, str] | None:
    """The repository program a command runs (`python x.py`, `python -m ops.x`, the
    wrapper's script, `bash x.sh`, `./x.sh`), as (its word, its name as written)."""
    command = step.command
    words = command.words
    if not words:
        return None
    program = command.program.text
    if program.endswith(_EXTS) and not is_wrapper(program, contract):
        return words[0], program
    python = is_python_name(command.name) or program.endswith(("/bin/python", "/bin/python3"))
    runner = python or command.name in SHELLS or command.name in ("source", ".") or \
        is_wrapper(program, contract) or program.endswith("/" + contract.wrapper)
    if not runner:
        return None
    args = list(words[1:])
    for i, word in enumerate(args):
        if python and word.text == "-m" and i + 1 < len(args):
            module = args[i + 1].text
            return args[i + 1], module.replace(".", "/") + ".py"
        if word.text.endswith(_EXTS):
            return word, word.text
    return None


def called_program(step: Step, repo: Repo) -> tuple[Word, str] | None:
    """(the word, the repository path) of a repository program the command runs."""
    found = _program_word(step, repo.contract)
    if found is None:
        return None
    word, name = found
    rel = _relative(name, repo.contract)
    if rel is None:
        return None
    here = posixpath.dirname(repo.contract.canary_script)
    for candidate in (rel, posixpath.normpath(posixpath.join(here, rel))):
        if repo.read(candidate) is not None:
            return word, candidate
    return None


def program_write(step: Step, repo: Repo) -> tuple[Word, str, str] | None:
    """(the call's word, the program, what it writes) when the command runs a repository
    program that changes the active models or the model setting."""
    if repo.depth >= MAX_DEPTH:
        return None
    found = called_program(step, repo)
    if found is None:
        return None
    word, rel = found
    c = repo.contract
    if rel in repo.seen or rel in (c.quality_gate.strip("/"), c.canary_script.strip("/")):
        return None
    text = repo.read(rel)
    if text is None:
        return None
    written = _python_write(text, c) if rel.endswith(".py") else _shell_write(text, rel, repo)
    return (word, rel, written) if written is not None else None


def _python_write(text: str, contract: Contract) -> str | None:
    from qt_lint.parsers import ParseError
    from qt_lint.parsers.python import PythonFacts, parse_tree
    from qt_lint.pymodel.calls import file_ops
    from qt_lint.rules.models.helpers import in_active, model_setting_file

    try:
        facts = PythonFacts(text, parse_tree(text))
        for op in file_ops(facts):
            path = op.path.text
            if op.op == "write" and (in_active(path) or model_setting_file(path, contract)):
                return path
    except (ParseError, SyntaxError, ValueError, RecursionError):
        return None
    return None


def _shell_write(text: str, rel: str, repo: Repo) -> str | None:
    from qt_lint.parsers import ParseError
    from qt_lint.rules.models.helpers import model_classifier, writes
    from qt_lint.shellflow import analyse

    inner = repo.deeper(rel)
    try:
        flow = analyse(text, model_classifier(repo.contract, inner))
    except (ParseError, RecursionError):
        return None
    for target, _facts, via in writes(flow, repo.contract, inner):
        return target.text if via is None else f"{target.text} through {via}"
    return None


# --- the quality gate's defeats -----------------------------------------------------------

@dataclass(frozen=True)
class GateSkips:
    """What makes the gate in the repository exit 0 without judging: the environment
    variables and the options it reads in a condition whose branch exits 0."""

    env: frozenset[str]
    flags: frozenset[str]


_EXITS = frozenset({"sys.exit", "exit", "quit", "os._exit", "SystemExit"})


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _zero(args: list[ast.expr]) -> bool:
    return not args or (isinstance(args[0], ast.Constant) and args[0].value in (0, None,
                                                                                False))


def _exits_zero(body: list[ast.stmt]) -> bool:
    """The branch ends the gate with exit status 0 (`sys.exit(0)`, `return 0`, ...)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                             ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and (node.value is None or (
                isinstance(node.value, ast.Constant) and node.value.value in (0, None))):
            return True
        if isinstance(node, ast.Call) and _dotted(node.func) in _EXITS and _zero(node.args):
            return True
        if isinstance(node, ast.Raise) and node.exc is not None and \
                _dotted(node.exc) == "SystemExit":
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


@functools.lru_cache(maxsize=32)
def gate_skips(text: str) -> GateSkips | None:
    """The gate's own skips, or None when its code cannot be read as Python."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    options: dict[str, set[str]] = {}  # argparse dest -> its option strings
    bound: dict[str, ast.expr] = {}  # `skip = os.getenv("SKIP_GATE")`
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "add_argument":
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and
                       isinstance(a.value, str) and a.value.startswith("-")]
            if not strings:
                continue
            dest = next((k.value.value for k in node.keywords if k.arg == "dest" and
                         isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)),
                        None)
            if dest is None:
                long = [f for f in strings if f.startswith("--")] or strings
                dest = long[0].lstrip("-").replace("-", "_")
            options.setdefault(dest, set()).update(strings)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = node.value

    def mentions(expr: ast.expr, depth: int = 0) -> tuple[set[str], set[str]]:
        env: set[str] = set()
        flags: set[str] = set()
        todo: list[ast.AST] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                continue  # `if not args.strict: exit 0`: the option makes it judge
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name.endswith(("getenv", "environ.get")) and node.args and \
                        isinstance(node.args[0], ast.Constant) and \
                        isinstance(node.args[0].value, str):
                    env.add(node.args[0].value)
            elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ") \
                    and isinstance(node.slice, ast.Constant) and \
                    isinstance(node.slice.value, str):
                env.add(node.slice.value)
            elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and \
                    isinstance(node.left.value, str) and node.comparators:
                target = _dotted(node.comparators[0])
                if target.endswith("environ"):
                    env.add(node.left.value)
                elif target.endswith("argv"):
                    flags.add(node.left.value)
            elif isinstance(node, ast.Attribute) and node.attr in options:
                flags |= options[node.attr]
            elif isinstance(node, ast.Name) and node.id in bound and depth < 3:
                more_env, more_flags = mentions(bound[node.id], depth + 1)
                env |= more_env
                flags |= more_flags
            todo.extend(ast.iter_child_nodes(node))
        return env, flags

    env: set[str] = set()
    flags: set[str] = set()
    for node in ast.walk(tree):
        test: ast.expr | None = None
        if isinstance(node, ast.If) and _exits_zero(node.body):
            test = node.test
        elif isinstance(node, ast.Call) and _dotted(node.func) in _EXITS and node.args and \
                isinstance(node.args[0], ast.IfExp) and _zero([node.args[0].body]):
            test = node.args[0].test  # `sys.exit(0 if args.no_fail else 2)`
        if test is not None:
            found_env, found_flags = mentions(test)
            env |= found_env
            flags |= found_flags
    return GateSkips(frozenset(env), frozenset(flags))


def _shown(key: str, prefix: dict[str, str]) -> str:
    return f"{key}={prefix[key]}" if key in prefix else f"export {key}"


def _option(word: str) -> str:
    return word.split("=", 1)[0]


def gate_defeat(step: Step, facts: Facts, gate_word: int, repo: Repo | None,
                contract: Contract) -> str | None:
    """Why this run of the quality gate cannot fail (`SKIP_GATE=1`, `--dry-run`), or
    None. `gate_word`: the index of the gate's word in the command."""
    given = [w.text for w in step.command.words[gate_word + 1:] if w.text.startswith("-")]
    prefix = dict(step.assigns)
    env = [*prefix, *(f[len("exported:"):] for f in facts if f.startswith("exported:"))]
    text = repo.read(contract.quality_gate.strip("/")) if repo is not None else None
    skips = gate_skips(text) if text is not None else None
    if text is not None and skips is not None:
        for key in env:
            if key in skips.env:
                return f"`{_shown(key, prefix)}` (the gate exits 0 when it is set)"
        for word in given:
            option = _option(word)
            # argparse takes an unambiguous prefix of a long option (`--dry` for `--dry-run`)
            if option in skips.flags or (option.startswith("--") and len(option) > 3 and any(
                    f.startswith(option) for f in skips.flags if f.startswith("--"))):
                return f"`{option}` (the gate exits 0 with it)"
        return None
    # the gate is not in the repository (or is not Python it can read): the list
    for key in env:
        if any(fnmatchcase(key, p) for p in contract.gate_defeats if not p.startswith("-")):
            return f"`{_shown(key, prefix)}` (listed in contract.gate-defeats)"
    for word in given:
        option = _option(word)
        if any(fnmatchcase(option, p) for p in contract.gate_defeats if p.startswith("-")):
            return f"`{option}` (listed in contract.gate-defeats)"
    return None
