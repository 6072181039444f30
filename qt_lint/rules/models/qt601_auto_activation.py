from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase

from qt_lint import lazyre
from qt_lint.command_model import (
    SHELLS,
    Command,
    Word,
    copy_operands,
    is_python_name,
    is_wrapper,
)
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.record import replace
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.rules.examples import GOLDEN_ONESHOT

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    import ast

    from qt_lint.parsers.python import Call, PythonFacts

_GATE = lazyre.compile(r"(?i)quality|gate|pass|eval|score|metric|accura|sharpe|threshold|better|"
                   r"improv|valid|backtest|auc|loss|profit|pnl|drawdown|approv|decision|"
                   r"verdict|status|promot|champion|winner|outperform|beats?\b")
# a condition a person answers: a command-line flag, a prompt, a confirmation
_HUMAN = lazyre.compile(r"\b(?:args|opts|options|cli_args|flags)\.\w+|(?i:confirm|input\(|"
                    r"interactive|i_am_human)")
# work whose result an activation right after it in the same function acts on
_PRODUCES = lazyre.compile(r"(?:^|_)(?:re)?train|^fit$|^fit_|(?:^|_)evaluat|(?:^|_)backtest|"
                       r"^validate|^score_")  # functions, not classes (`EvaluationResult`)
_SWITCH = lazyre.compile(r"(?:^|\s)[\"']?([A-Z0-9_]*(?:AUTO_ACTIVAT|AUTO_PROMOT)[A-Z0-9_]*|"
                     r"SHADOW_MODE)=([^\s\"']*)")
SWITCH_VALUES = {"AUTO_ACTIVATION": "disabled", "SHADOW_MODE": "enabled"}
_CRON_ENV = lazyre.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
# `env [-i] [-u NAME] NAME=value ... cmd` (GNU env's grammar: options first)
_ENV_PREFIX = lazyre.compile(r"(?:^|[\s;&|(`]|\$\()(?:/usr)?(?:/bin/)?env\s+"
                         r"(?:(?:-[iv0]|--ignore-environment|-|-u\s*\S+|--unset=\S+)\s+)*")
_ENV_PAIR = lazyre.compile(r"(([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|]*))\s+")
_MODEL = lazyre.compile(r"(?i)model|weight")
_MODEL_KEY = lazyre.compile(r"(?:MODEL|WEIGHT)[A-Z0-9_]*\s*=")  # `XGB_WEIGHT=`, `ACTIVE_MODEL=`
# Python's key of a mapping naming a model or a weight (`{"XGB_WEIGHT": ...}`,
# `cfg["m"]["model_path"] = ...`, `cfg.set("m", "XGB_WEIGHT", ...)`): what `configparser`
# writes as `xgb_weight = 0.10`
_PY_MODEL_KEY = lazyre.compile(r"(?i)[\"'][\w.-]*(?:model|weight)[\w.-]*[\"']\s*[:\]]|"
                               r"\.set\(\s*[^,()]+,\s*[\"'][\w.-]*(?:model|weight)")
_OFF = frozenset({"disabled", "false", "0", "no", "off"})
_WHERE = {Kind.CRONTAB: "a crontab", Kind.MAKEFILE: "a Makefile recipe"}
_ON = frozenset({"enabled", "true", "1", "yes", "on"})


def switch_of(key: str) -> str | None:
    """The contract switch a key is: `SHADOW_MODE`, or `AUTO_ACTIVATION` for every
    `*AUTO_ACTIVAT*` and `*AUTO_PROMOT*` key (`QT_CLM_AUTO_PROMOTE`)."""
    upper = key.upper()
    if upper == "SHADOW_MODE":
        return "SHADOW_MODE"
    if "AUTO_ACTIVAT" in upper or "AUTO_PROMOT" in upper:
        return "AUTO_ACTIVATION"
    return None


def switch_ok(switch: str, value: str) -> bool:
    """Off for activation, on for shadow mode, in any of the usual spellings."""
    return value.strip().lower() in (_OFF if switch == "AUTO_ACTIVATION" else _ON)


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_GLOB = lazyre.compile(r"[*?\[]")
_FIND_NAME = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"})
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def names_script(text: str, script: str) -> bool:
    """A word that runs `script` when it is run: its name, or a glob the shell expands
    to it (`canary_activ*.sh`, `canary_activ?te.sh`, `./canary*`): the last part,
    matched as the shell matches a file name."""
    name = text.rsplit("/", 1)[-1]
    if name == script:
        return True
    return bool(_GLOB.search(name)) and not name.startswith("$") and fnmatchcase(script, name)


def _find_exec(command: Command, script: str) -> int | None:
    """`find DIR -name 'canary_*.sh' -exec {} \\;` (or `-exec bash {} +`): the index of
    the name pattern when it matches the script and `{}` is run (the program or a
    runner's first argument)."""
    words = [w.text for w in command.words]
    pattern = None
    for i, text in enumerate(words[:-1]):
        if text in _FIND_NAME:
            last = words[i + 1].rsplit("/", 1)[-1]
            folded = text.startswith("-i")
            if fnmatchcase(script.lower() if folded else script,
                           last.lower() if folded else last):
                pattern = i + 1
        elif text in _FIND_EXEC and pattern is not None:
            run = words[i + 1:i + 3]
            if run[:1] == ["{}"] or (len(run) == 2 and run[1] == "{}" and (
                    run[0].rsplit("/", 1)[-1] in SHELLS or run[0] in ("source", "."))):
                return pattern
    return None


def canary_word(command: Command, ctx: FileContext) -> int | None:
    """Index of the word that is the canary script this command runs, or None: the
    program, a runner's argument (a shell, a python, the wrapper, `source`), a glob
    either expands to, or a `find -name` pattern whose matches `-exec` runs."""
    script = ctx.contract.canary_name
    words = command.words
    if names_script(command.program.text, script):
        return 0
    runner = command.name in SHELLS or is_python_name(command.name) or is_wrapper(
        command.program.text, ctx.contract) or command.name in ("source", ".")
    if runner:
        for i, word in enumerate(words[1:], start=1):
            if names_script(word.text, script):
                return i
    if command.name == "find":
        return _find_exec(command, script)
    return None


def _name(text: str) -> str:
    """A file's name as written, `${TMP}` as `$TMP`."""
    return re.sub(r"\$\{(\w+)\}", r"$\1", text.strip())


_HEREDOC = lazyre.compile(r"(?<!<)<<-?(?!<)\s*([\"']?)(\w+)\1")
_HEREDOC_LINES = 500  # a body longer than this is not read for a model setting


def _with_heredoc(lines: list[str], line: int) -> str:
    """A line and the text of the heredocs it starts (`cat > "$TMP" <<EOF`; not a `<<<`
    here-string)."""
    text = lines[line - 1]
    if "<<" not in text:
        return text
    parts = [text]
    at = line
    for match in _HEREDOC.finditer(text):
        end = min(len(lines), at + _HEREDOC_LINES)
        while at < end and lines[at].strip() != match.group(2):
            parts.append(lines[at])
            at += 1
        at += 1
    return "\n".join(parts)


def _moves_staged(command: Command, target: Word, staged: dict[str, tuple[int, int]]) -> bool:
    """`mv "$TMP" /etc/quantum/ai-engine.env` where `$TMP` was given a model setting before:
    the two-step replace that writes the setting."""
    copy = copy_operands(command.name, command.args)
    if copy is None:
        return False
    sources = copy.operands if copy.folders else copy.operands[:-1]
    return any(_name(w.text) in staged and staged[_name(w.text)] < (target.line, target.column)
               for w in sources)


_RUNNERS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                      "subprocess.check_output", "subprocess.Popen", "os.system", "os.popen"})


def _chdirs(facts: PythonFacts) -> list[tuple[int, int, str]]:
    """`os.chdir("/etc/quantum")` calls with a known absolute folder: (scope, line, folder)."""
    out = []
    for call in facts.calls:
        if call.name != "os.chdir":
            continue
        node = call.arg(0, "path")
        folder = facts.resolve(node, call.scope) if node is not None else None
        if folder is not None and folder.exact and folder.text.startswith("/"):
            out.append((id(call.scope), call.line, folder.text))
    return out


def _cwd_at(moved: list[tuple[int, int, str]], call: Call) -> str | None:
    """The folder of the last `os.chdir` before the call in its own function (or module)."""
    found = [(line, folder) for scope, line, folder in moved
             if scope == id(call.scope) and line < call.line]
    return max(found)[1] if found else None


def _in_chdir(command: Command, moved: list[tuple[int, int, str]],
              facts: PythonFacts) -> Command:
    """A command Python runs, in the folder an `os.chdir` before its call moved to."""
    if not moved or command.cwd is not None or command.cd is not None:
        return command
    here = _chdir_at(moved, facts, command.program)
    return command if here is None else replace(command, cwd=here)


def _chdir_at(moved: list[tuple[int, int, str]], facts: PythonFacts,
              word: Word) -> Word | None:
    """The folder an `os.chdir` moved to before the runner call on the word's line."""
    for call in facts.calls:
        end = getattr(call.node, "end_lineno", None) or call.line
        if call.name in _RUNNERS and call.line <= word.line <= end:
            here = _cwd_at(moved, call)
            return None if here is None else Word(here, word.line, word.column)
    return None


def _main_guard(source: str) -> bool:
    return "__name__" in source and "__main__" in source


def _gate_text(facts: PythonFacts, condition: ast.expr, call: Call) -> str:
    """A condition's source, with what the names in it were assigned (`should_promote =
    score > best` then `if should_promote:` is a gate on a score)."""
    import ast  # Python files only (the module costs a unit's run 2 ms)

    parts = [facts.source(condition)]
    for node in ast.walk(condition):
        if isinstance(node, ast.Name):
            bound = call.scope.lookup(node.id)
            if bound is not None:
                parts.append(facts.source(bound))
    return " ".join(parts)


def python_writes(facts: PythonFacts, lines: list[str], contract: Contract,
                  cwd: str | None = None) -> Iterator[tuple[int, int, str]]:
    """Python's writes of the model setting, (line, column, message) in its own text: its
    file calls (`open(..., "w"/"a")`, `shutil.copy`, `fileinput` in place, `os.open` with
    a write flag, a path given as a function's argument), then the programs it runs.
    `cwd`: the folder it runs in (`cd /etc/quantum && python3 -c ...`)."""
    from qt_lint.pymodel.calls import file_ops
    from qt_lint.rules.models.helpers import from_cwd, model_setting_file, model_write
    from qt_lint.shellflow import Step

    text = facts.text
    model = _MODEL_KEY.search(text) is not None or _PY_MODEL_KEY.search(text) is not None
    moved = _chdirs(facts)
    reported: set[tuple[int, int]] = set()  # a place is reported once, whatever its values
    for op in file_ops(facts, through_calls=True):
        path = op.path.text
        here = (_cwd_at(moved, op.call) or cwd) if not path.startswith("/") else None
        if here is not None and op.path.exact:  # `os.chdir("/etc/quantum")` before
            path = posixpath.normpath(posixpath.join(here, path))
        if op.op != "write" or not model_setting_file(path, contract):
            continue
        line, column = facts.position(op.node)
        call = op.call.node  # its line, and the call's (a path given at a function's call)
        named = [line, *range(call.lineno, (call.end_lineno or call.lineno) + 1)]
        if not path.endswith(".env.model_config") and not model and not any(
                _MODEL.search(lines[row - 1]) for row in named if row <= len(lines)):
            continue  # `shutil.copy("staged/model.env", ...)` names the model
        if (line, column) in reported:
            continue
        reported.add((line, column))
        who = f"`{op.call.name.lstrip('.')}`"
        function = op.call.scope.function
        outside = (op.node.lineno, op.node.col_offset) < (call.lineno, call.col_offset) or \
            op.node.lineno > (call.end_lineno or call.lineno)
        if function is not None and outside:  # the path a call of the function gives
            who += f" in `{function.name}` (called with this path)"
        yield (line, column, f"{who} writes the model setting ({path}) "
               f"outside {contract.canary_name}: activation by other means")
    # the programs it runs (`subprocess.run(["sed", "-i", ..., path])`, `os.system`)
    seen: set[tuple[int, int]] = set()
    folder = Word(cwd, 1, 1) if cwd is not None else None
    # (like a script's: the command's lines must name a model or a weight)
    writes: list[tuple[str, int, Word | None]] = [
        (f"`{command.name}` run from Python", command.program.line,
         model_write(Step(_in_chdir(_at(command, folder), moved, facts)), contract))
        for command in facts.commands]
    writes += [("a redirection run from Python", r.target.line,
                from_cwd(r.cwd or (_chdir_at(moved, facts, r.target) if moved else None)
                         or folder, r.target))
               for r in facts.shell_redirects if r.operator.startswith((">", "&>"))]
    for who, first, target in writes:
        if target is None or (target.line, target.column) in seen or \
                not model_setting_file(target.text, contract):
            continue
        spanned = "\n".join(lines[min(first, target.line) - 1:target.line])
        if not target.text.endswith(".env.model_config") and not _MODEL.search(spanned):
            continue
        seen.add((target.line, target.column))
        yield (target.line, target.column,
               f"{who} writes the model setting ({target.text}) outside "
               f"{contract.canary_name}: activation by other means")
    yield from _bound_runs(facts, lines, contract, seen)


def _bound_runs(facts: PythonFacts, lines: list[str], contract: Contract,
                seen: set[tuple[int, int]]) -> Iterator[tuple[int, int, str]]:
    """A program a function runs on its parameter (`def f(p): subprocess.run(["sed", "-i",
    ..., p])`), read at each call of the function (`f("/etc/quantum/ai-engine.env")`),
    reported at the argument that gives the path."""
    from qt_lint.pymodel.calls import bound_scopes, call_scope, valued_calls
    from qt_lint.rules.models.helpers import from_cwd, model_setting_file, model_write
    from qt_lint.shellflow import Step

    _ = facts.commands  # the file's own, read before any call is read afresh
    for call in facts.calls:
        if call.name not in _RUNNERS:
            continue
        node = call.node
        text = "\n".join(lines[node.lineno - 1:node.end_lineno or node.lineno])
        # its function's parameters bound at each call of it; a part of its arguments
        # given each value it may have (a list iterated, `a if c else b`, `self.p`)
        call = replace(call, scope=call_scope(facts, call))
        runs = [(replace(call, scope=bound), where)
                for bound, where in bound_scopes(facts, call.scope)] \
            if call.scope.function is not None else []
        runs += valued_calls(facts, call)
        for run, where in runs:
            commands, redirects = facts.commands_of(run)
            targets = [model_write(Step(c), contract) for c in commands]
            targets += [from_cwd(r.cwd, r.target) for r in redirects
                        if r.operator.startswith((">", "&>"))]
            line, column = facts.position(where)
            for target in targets:
                if target is None or (line, column) in seen or \
                        not model_setting_file(target.text, contract):
                    continue
                if not target.text.endswith(".env.model_config") and not _MODEL.search(
                        text + "\n" + lines[line - 1] if line <= len(lines) else text):
                    continue
                seen.add((line, column))
                function = run.scope.function or call.scope.function
                who = f"`{call.name}`" if function is None or where is run.node or \
                    _inside(where, call.node) else \
                    f"`{call.name}` in `{function.name}` (called with this path)"
                yield (line, column, f"{who} writes the model setting ({target.text}) "
                       f"outside {contract.canary_name}: activation by other means")


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    """The node is written inside `outer`'s text (its lines and columns)."""
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    first = (getattr(outer, "lineno", 0), getattr(outer, "col_offset", 0))
    last = (getattr(outer, "end_lineno", None) or first[0],
            getattr(outer, "end_col_offset", None) or 0)
    return first <= start <= last


_EXPORTS = lazyre.compile(r"(?:^|[;&|(\s])(?:export|(?:declare|typeset)\s+-\w*x\w*)\s+"
                          r"([^;&|#\n]*)")
_ALLEXPORT = lazyre.compile(r"(?:^|[;&|(\s])set\s+(?:-\w*a\w*|-o\s+allexport)\b")


def _exported_names(lines: list[str]) -> set[str]:
    """The names a Makefile's recipes (or its own `export` lines) export: `export X`,
    `declare -x X`; `*` for `set -a` (read from the text: more names, never fewer)."""
    out: set[str] = set()
    for text in lines:
        if "export" not in text and "-" not in text:
            continue
        for match in _EXPORTS.finditer(text):
            out.update(w.split("=", 1)[0] for w in match.group(1).split())
        if _ALLEXPORT.search(text):
            out.add("*")
    return out


def _ancestors(built_for: dict[str, list[str]], targets: tuple[str, ...],
               limit: int = 64) -> tuple[str, ...]:
    """The targets that have these as prerequisites, directly or not, outermost first."""
    found: list[str] = []
    todo = list(targets)
    while todo and len(found) < limit:
        for parent in built_for.get(todo.pop(), ()):
            if parent not in found and parent not in targets:
                found.append(parent)
                todo.append(parent)
    return tuple(reversed(found))


def _at(command: Command, cwd: Word | None) -> Command:
    """A command Python runs, in the folder the Python itself runs in when it sets none."""
    if cwd is None or command.cwd is not None or command.cd is not None:
        return command
    return replace(command, cwd=cwd)


def python_heredoc(command: Command, lines: list[str]) -> Word | None:
    """The program `python3 - <<'EOF'` (or `python3 <<EOF`) reads from a heredoc, as a
    word of column 0 on its first line (its lines are the script's)."""
    from qt_lint.rules.models.helpers import python_options
    from qt_lint.shellflow import Step

    line = command.program.line
    if not is_python_name(command.name) or line > len(lines) or "<<" not in lines[line - 1]:
        return None
    if python_options(Step(command))[1] not in ("-", ""):
        return None  # it runs a script or `-c`: the heredoc is the script's input
    match = _HEREDOC.search(lines[line - 1])
    if match is None:
        return None
    body: list[str] = []
    for text in lines[line:line + _HEREDOC_LINES]:
        if text.strip() == match.group(2):
            return Word("\n".join(body), line + 1, 0)
        body.append(text)
    return None


# what only the path model reads: a word bash gives other values at run time (a
# function's parameter, an array's elements, a `for` variable, `find`'s `{}`), a program
# reading its words or its script on standard input, a descriptor opened by `exec`
_FLOW_WORD = lazyre.compile(r"\$\{?(?:[0-9@*]|[A-Za-z_][A-Za-z0-9_]*\[)")
_ARRAY_WORD = lazyre.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\[")
_FOR_NAME = lazyre.compile(r"\b(?:for|select)\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b")
_EXEC_FD = lazyre.compile(r"\bexec\s+(?:[0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})?\s*[<>]")
# words whose strings only the path model knows: a default/alternate/indirect/element
# expansion, a substitution printing constants, what `read`/`mapfile` read, a nameref, the
# positional parameters `set --` gives or a bare `for f;` loops over, python's argv/environ
_FLOW_TEXT = lazyre.compile(
    r"\$\{[!#]?[A-Za-z_0-9@*]+(?:\[|:|[-=?+]|\})|[`(]\s*(?:echo|printf|cat|dirname|basename|"
    r"realpath|readlink|ls|find)\b|\b(?:read|mapfile|readarray)\b|\b(?:declare|typeset|local)\s+-"
    r"|\bset\s+--|\bfor\s+[A-Za-z_][A-Za-z0-9_]*\s*(?:;|\n|\s+do\b)|"
    r"^\s*[A-Za-z_][A-Za-z0-9_]*\[[^\]]*\]=|sys\.argv|os\.environ|getenv", re.M)
# `{ ...; } >> F`, `done > F` over several lines: what the commands in it print goes to F
_COMPOUND_OUT = lazyre.compile(r"^\s*(?:\}|done|fi|esac|\))\s*[0-9&]?>", re.M)
_PY_GIVEN = lazyre.compile(r"sys\.argv|os\.environ|getenv")
_ALIAS = lazyre.compile(r"\bexpand_aliases\b")  # a script's aliases run only with it
_FLOW_PROGRAM = lazyre.compile(r"\b(?:xargs|find|ed|red|ex|vi|vim|view|nvim|eval)\b")
# the programs that may write a file the words they are given name (and shells, which
# run them); a function of the script is read through its body's commands
_FLOW_WRITERS = frozenset({"sed", "perl", "tee", "dd", "truncate", "cp", "mv", "install",
                           "rsync", "ln", "tar", "ed", "red", "ex", "vi", "vim", "nvim",
                           "view", "awk", "gawk", "sh", "bash", "dash", "zsh", "ksh", "eval",
                           "source", ".", "exec", "command", "builtin"})
_FUNCTION = lazyre.compile(r"^\s*(?:function\s+([A-Za-z_][A-Za-z0-9_.:-]*)|"
                           r"([A-Za-z_][A-Za-z0-9_.:-]*)\s*\(\s*\))", re.M)
# `f=$1`, `f="${ARR[0]}"`: a variable given such a word
_PARAMETER_ASSIGNED = lazyre.compile(r"(?:^|[\s;{(])[A-Za-z_][A-Za-z0-9_]*=[\"']?\$\{?[0-9@*]",
                                    re.M)
_ARRAY_ASSIGNED = lazyre.compile(r"(?:^|[\s;{(])[A-Za-z_][A-Za-z0-9_]*(?:\+?=\(|=[\"']?\$\{"
                                 r"[A-Za-z_][A-Za-z0-9_]*\[)", re.M)


def _needs_flow(ctx: FileContext) -> bool:
    """Whether the script has a write the command list cannot resolve, which the path
    model (bash's expansion along each path) may: the path model costs a script about
    ten times its parse, so it runs only where its reading can differ. A function's
    parameters are known to it only at a call of the function (the script's own stay
    unknown to both readings)."""
    contract = ctx.contract
    text = ctx.text
    if contract.env_dir.rstrip("/") not in text and ".env.model_config" not in text:
        return False
    functions = {a or b for a, b in _FUNCTION.findall(text)}
    if _EXEC_FD.search(text) or _FLOW_PROGRAM.search(text) or _ARRAY_ASSIGNED.search(text) \
            or (functions and _PARAMETER_ASSIGNED.search(text)) or _ALIAS.search(text) \
            or _COMPOUND_OUT.search(text):
        return True
    if functions:
        from qt_lint.rules.models.helpers import model_setting_file

        lines = ctx.lines
        if any(0 < r.target.line <= len(lines) and not _MODEL.search(lines[r.target.line - 1])
               and model_setting_file(r.target.text, contract)
               for r in ctx.shell.redirects if r.target is not None):
            return True  # `w >> /etc/quantum/x.env`: what the function prints goes there
    loops = set(_FOR_NAME.findall(text))
    words = _FLOW_WORD if functions else _ARRAY_WORD

    def expanded(word: str) -> bool:
        return "$" in word and (words.search(word) is not None or any(
            f"${name}" in word or f"${{{name}" in word for name in loops))

    def unknown(word: str) -> bool:
        # in a function, a variable may be set only when it is called (`TARGET=...` after
        # the function's definition, before its call)
        return expanded(word) or bool(functions and "$" in word)

    def may_write(command: Command) -> bool:
        name = command.name
        return name in _FLOW_WRITERS or name in functions or is_python_name(name) or \
            expanded(name)

    def given(command: Command) -> bool:
        # a word bash expands on the command's lines (as written: the command list may
        # have put in a value), or python's argv/environ (in its heredoc too)
        rows = range(command.program.line, max(w.line for w in command.words) + 1)
        written = "\n".join(ctx.lines[r - 1] for r in rows if 0 < r <= len(ctx.lines))
        return "$" in written or "`" in written or _PY_GIVEN.search(
            _with_heredoc(ctx.lines, command.program.line)
            if 0 < command.program.line <= len(ctx.lines) else written) is not None

    if _FLOW_TEXT.search(text) and any(given(command) for command in ctx.commands
                                       if may_write(command)):
        # a writer's word the path model may know (`${1:-...}`, what `read` read)
        return True
    return any(unknown(w.text) for command in ctx.commands if may_write(command)
               for w in command.words) or any(expanded(r.target.text)
                                              for r in ctx.shell.redirects
                                              if r.target is not None)


def _shell_string(command: Command) -> Word | None:
    """The constant string `sh -c STRING` (`bash -ec STRING`) runs."""
    args = command.args
    for i, word in enumerate(args[:-1]):
        if not word.text.startswith("-") or word.text.startswith("--"):
            return None
        if "c" in word.text[1:]:
            code = args[i + 1]
            return None if code.dynamic else code
    return None


class AutoActivation(Rule):
    """
    ## What it does
    Reports model activation without a human:
    - running `canary_activate.sh` from code, scripts, Makefiles, crontabs, units or
      timers (activation is a human's act at a terminal), also through a glob the
      shell expands to it (`ops/model_safety/canary_activ*.sh`, `./canary*`) or `find
      -name 'canary_*.sh' -exec {} \\;`;
    - a call of a configured activation verb (`activate_model`, `promote*`,
      `canary_activate`, `set_active_model`) inside a branch conditioned on a quality
      gate or evaluation result;
    - `AUTO_ACTIVATION` (and every `*AUTO_ACTIVAT*` or `*AUTO_PROMOT*` key, such as
      `QT_CLM_AUTO_PROMOTE`) set to anything but off (`disabled`, `false`, `0`, `no`,
      `off`), or `SHADOW_MODE` to anything but on (`enabled`, `true`, `1`, `yes`, `on`), in
      env files, unit `Environment=` and `os.environ` writes, in shell scripts, Makefile
      recipes and crontabs (`export AUTO_ACTIVATION=enabled`, quoted `export
      "AUTO_ACTIVATION=enabled"`, a `SHADOW_MODE=disabled cmd` prefix or its `env
      SHADOW_MODE=disabled cmd` form, a crontab's `NAME=value` line; `readonly -x X=1`, an
      option bash refuses, sets nothing), and
      in what a Makefile exports to its recipes' environment (`export
      AUTO_ACTIVATION=enabled`, `export` after the assignment, `.EXPORT_ALL_VARIABLES:`, a
      target's `t: export SHADOW_MODE=disabled`, which also reaches the recipes of the
      prerequisites it builds); a variable make does not export reaches no recipe and is
      not reported (`t: SHADOW_MODE=disabled`), nor is a recipe's own shell variable
      (`SHADOW_MODE=disabled` alone on a recipe line) unless the recipes export it
      (`export SHADOW_MODE`, `set -a`);
    - writing a model path or weight into the model setting (`/etc/quantum/*.env`,
      `.env.model_config`) from anything but the canary script: Python `open(..., "w"/"a")`,
      `shutil.copy`/`copy2`/`copyfile`/`move`, `os.replace`/`os.rename`, `Path.write_text`,
      `fileinput.input(..., inplace=True)`, `codecs.open` with a mode that writes,
      `os.open` with a write flag (`O_WRONLY`, `O_RDWR`, `O_APPEND`, `O_CREAT`, `O_TRUNC`;
      `O_RDONLY` reads), `os.truncate`; a path read as every value it may have (a
      conditional's branches, `a or b`, each assignment, an element of a list, tuple or
      dict iterated or subscripted, a tuple unpacked, `self.p` as the class's methods set
      it, the pattern of `glob.glob("/etc/quantum/*.env")` or `Path(d).glob("*.env")`
      standing for its matches; a value not known is no finding), a path or mode a
      function, lambda or class takes as its parameter, read at each call of it in the
      file (`def w(p): open(p, "a")` then `w("/etc/quantum/ai-engine.env")`; `def
      opener(p, m): return open(p, m)`; `S(ENV)` for `self.p`; reported at that argument),
      `functools.partial(open, ENV, "a")` called, and the
      programs it runs (`subprocess.run(["sed", "-i", ...])`, `check_call`, `Popen`,
      `os.system("...")`, also on a function's parameter bound at its calls), a relative
      path read from `cwd=` or an `os.chdir` before it in the same function (for the
      redirections of a shell string too); `python3 -c CODE` in a script or a recipe,
      and the program a script's `python3 - <<'EOF'` reads, are read as that Python (in
      the folder a `cd` before it made known); scripts, Makefile recipes and crontab
      lines: `sed -i`, `perl -i`,
      `tee`, `dd of=`, `cp`/`mv`/`install` (read with their option grammar: `install SRC
      DEST -m 0640`, `-S .bak`, `--`, `-t DIR`, and a folder destination: the folder plus
      the source's name), `>`, `>>`; a relative path after `cd`, `pushd` or `cd "$ENV_DIR"`
      in the same shell (`cd /etc/quantum && sed -i ... ai-engine.env`; a recipe line is a
      shell of its own); a temp file the script gave a model setting (a redirect, a heredoc)
      moved or copied into place (`mv "$TMP" /etc/quantum/ai-engine.env`); `truncate`;
      the editors by their commands (`ed` by the script it reads on standard input, `ex
      -c ... -c wq`, `vim -es +x`; one that only prints writes nothing); Python run with
      `-c` or on a heredoc (`python3 - <<EOF`), read as a Python file is; a descriptor
      `exec 3>>` opened, written by `>&3`; the words a variable stands for, as bash
      expands them: an array's elements (`"${FILES[@]}"`), each value of a `for` loop
      (`for f in /etc/quantum/*.env`, a glob standing for the files it matches), a
      function's parameters at each call (`setw /etc/quantum/ai-engine.env`; `"${@: -1}"`,
      `${1:?msg}`, a bare `for f; do`, `local -a fs=("$@")`, `set -- ...`), the words
      `xargs` reads from `echo`/`printf` (`-0` too), and `{}` of `find DIR -name P -exec`
      (in a recipe too, as its shell receives it);
      a default the variable may take (`${1:-/etc/quantum/x.env}`, `${T:=...}`, an unset
      one's), `${!n}` and a `declare -n` name, an element by index or key (`F[0]=...`,
      `declare -A M=([k]=...)`, `"${L[i]}"` with `i` not known: each element), what a
      substitution of constants prints (`$(echo ...)`, `$(printf '%s' ...)`, `$(cat
      <<EOF ...)`, `$(dirname ...)`, `$(cat LIST)` of a file the script printed into),
      `printf -v f`, what `read`/`mapfile` read from a here-string, a heredoc, `< <(echo
      ...)`, a file the script printed into, or a pipe from `printf`/`find` (`... | while
      read -r f`: each line); `exec >> FILE` (or `1>>`), then what the shell prints, and
      what a function or a `{ ...; }`/loop over several lines prints into its redirection;
      `exec {fd}>> FILE`, `exec 3<> FILE`;
      sed's `w FILE` command and `s///w FILE`; Python's `sys.argv[N]` and `os.environ["F"]`
      given by the command's words and its `F=... python3` prefix; a trap's action is
      shell that runs at the exit (or failure) it is set for: its writes, and those of a
      function it calls (`trap 'setw /etc/quantum/ai-engine.env' EXIT`), are writes. A
      recipe is read as its shell receives it, after make's expansion: a line continued by
      `\\` is one
      command, a `define`d canned recipe (`$(SETW)`, `$(call SETW,...)`) runs each of its
      lines as a recipe line of its own (its `@`/`-`/`+` dropped; under `.ONESHELL:` one
      script), and the automatic variables of an explicit rule are known (`$@` the target,
      so `/etc/quantum/ai-engine.env: FORCE` with `echo ... >> $@` writes it; `$<`, `$^`,
      `$+`, `$(@D)`, `$(@F)`; a pattern rule's, with `$*`, for each target or prerequisite
      of the Makefile it matches; `$?` stays unknown); make's functions are expanded as make
      does (`$(foreach f,$(FILES),...)`, `$(patsubst ...)`, `$(subst ...)`, `$(wildcard
      /etc/quantum/*.env)` as its pattern), `$(eval ...)` is read as the Makefile lines it
      makes, and `$(file >>F,text)` writes F where make expands it (in a recipe, or as make
      reads a line outside one: on every run, whatever the target). The command
      must name a model or a weight on its lines or in the words it receives (for
      Python's file calls: the line, or in the file a `MODEL...=`/`WEIGHT...=` key or a
      mapping key naming a model or a weight, `{"XGB_WEIGHT": "0.10"}` or
      `c.set("x", "XGB_WEIGHT", ...)`, which is what `configparser` writes as `xgb_weight =
      0.10`), except for `.env.model_config` and a
      temp holding one (a Python program's `MODEL...=` key names it too). This is how a
      canary activates; anything else doing it is activation by other means. The rollback
      script (`contract.rollback-script`) restores the previous setting and is judged by
      QT607 instead.

    `contract.activation-verbs` lists the call names that activate (globs: `promote*`); a
    team adds its own (`deploy_to_prod`, `go_live*`).

    ## Why is this bad?
    Contract F: Shadow -> Canary -> Manual promote ONLY. "NEVER auto-activate from
    training"; missing proof means no activation. An automated promotion trades real money
    on a model no human looked at.

    ## Example
    ```python
    if quality_gate_pass:
        activate_model(path)
    ```

    ## Use instead
    A human runs `ops/model_safety/canary_activate.sh` after the gate passes.

    ## Options
    `contract.activation-verbs`, `contract.canary-script`.
    """

    code = "QT601"
    name = "auto-activation"
    section = "F"
    kinds = frozenset({Kind.UNIT, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON,
                       Kind.ENV})
    summary = "Model activated without a human (canary run from automation, switches)"
    example_path = "systemd/quantum-ai-engine.service"
    VALID = (Example(GOLDEN_ONESHOT),
             Example(GOLDEN_ONESHOT.replace("Type=oneshot", "Type=oneshot\n"
                                            "Environment=AUTO_ACTIVATION=disabled")),
             Example("echo 'then run ops/model_safety/canary_activate.sh by hand'\n",
                     path="ops/a.sh"),
             Example("def activate_model(p):\n    ...\nif args.confirm:\n    activate_model(p)\n",
                     path="ops/model_safety/manual.py"),
             Example("SHADOW_MODE=true\nAUTO_ACTIVATION=false\nQT_CLM_AUTO_PROMOTE=0\n",
                     path="deploy/ai-engine.env"),
             Example('sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/" /etc/quantum/ai-engine.env\n',
                     path="ops/model_safety/canary_activate.sh"),
             Example("export SHADOW_MODE=enabled\necho LOG_LEVEL=INFO >> /etc/quantum/x.env\n",
                     path="ops/a.sh"),
             Example("SHADOW_MODE = disabled\nshow: AUTO_ACTIVATION = on\ndefine SHOW\n"
                     "cd /etc/quantum\nsed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' ai-engine.env\n"
                     "endef\nshow: /etc/quantum/ai-engine.env\n\t$(SHOW)\n\tcat $< > copy.env\n",
                     path="Makefile"),
             Example('import fileinput, os\nE = "/etc/quantum/ai-engine.env"\n'
                     'for row in fileinput.input(E):\n    print(row, "XGB_WEIGHT")\n'
                     'os.read(os.open(E, os.O_RDONLY), 100)\n', path="ops/x.py"),
             Example("cd /opt/quantum/data && sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' a.env\n"
                     'TMP="$(mktemp)"\necho LOG_LEVEL=INFO > "$TMP"\n'
                     'mv "$TMP" /etc/quantum/backend.env\n', path="ops/a.sh"),
             Example("printf '%s\\n' '/^MODEL_PATH=/p' q | ed -s /etc/quantum/ai-engine.env\n"
                     "python3 -c \"print(open('/etc/quantum/ai-engine.env').read())\"  # MODEL\n"
                     "readonly -x QT_AUTO_PROMOTE=yes\n", path="ops/a.sh"),
             Example("LOGS = $(wildcard /etc/quantum/*.conf)\nshow:\n"
                     "\t$(foreach f,$(LOGS),sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' $(f);)\n"
                     "\t$(file >>/opt/quantum/data/weights.log,XGB_WEIGHT=0.4)\n",
                     path="Makefile"),
             Example('import sys\nPATHS = {"ai": "/etc/quantum/ai-engine.env", '
                     '"log": "/var/log/quantum/w.log"}\n'
                     'open(PATHS["log"], "a").write("XGB_WEIGHT=0.4\\n")\n'
                     'p = sys.argv[1] if len(sys.argv) > 1 else "/opt/quantum/data/w.env"\n'
                     'open(p, "a").write("XGB_WEIGHT=0.4\\n")\n', path="ops/x.py"),
             Example("f=${1:-/opt/quantum/data/ai-engine.env}\n"
                     "sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/' \"$f\"\n"
                     "read -r g || exit 1\nsed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' \"$g\"\n",
                     path="ops/b.sh"))
    INVALID = (
        Example(GOLDEN_ONESHOT.replace(
            "/opt/quantum/venvs/ai-engine/bin/python ops/training/train_patchtst.py",
            "/bin/bash ops/model_safety/canary_activate.sh --yes"), expect=((14, 21),)),
        Example(GOLDEN_ONESHOT.replace("Type=oneshot", "Type=oneshot\n"
                                       "Environment=\"SHADOW_MODE=disabled\""),
                expect=((9, 14),)),
        Example("promote:\n\tops/model_safety/canary_activate.sh --yes\n", path="Makefile",
                expect=((2, 2),)),
        Example("set-weight:\n\tcd /etc/quantum && sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' "
                "ai-engine.env\n", path="Makefile", expect=((2, 61),)),
        Example("if quality_gate_pass:\n    activate_model(path)\n"
                "if score > best and not dry_run:\n    registry.promote_to_active(m)\n",
                path="ops/training/train.py", expect=((2, 5), (4, 5))),
        Example("QT_CLM_AUTO_PROMOTE=true\nMODEL_AUTO_ACTIVATION_ENABLED=yes\n",
                path="deploy/ai-engine.env", expect=((1, 21), (2, 31))),
        Example('import os\nos.environ["AUTO_ACTIVATION"] = "enabled"\n', path="ops/x.py",
                expect=((2, 1),)),
        Example("AUTO_ACTIVATION=true\nSHADOW_MODE=enabled\n", path="deploy/ai-engine.env",
                expect=((1, 17),)),
        Example('sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/" /etc/quantum/ai-engine.env\n'
                "export AUTO_ACTIVATION=enabled\nSHADOW_MODE=off ./ops/run.sh ai-engine x.py\n",
                path="ops/a.sh", expect=((1, 43), (2, 24), (3, 13))),
        Example('open(".env.model_config", "w").write(f"ACTIVE_MODEL={p}")\n', path="ops/x.py",
                expect=((1, 6),)),
        Example("cd /etc/quantum && sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' ai-engine.env\n"
                'TMP="$(mktemp)"\necho "MODEL_PATH=/opt/m/v2" > "$TMP"\n'
                'mv "$TMP" /etc/quantum/ai-engine.env\n', path="ops/a.sh",
                expect=((1, 60), (4, 11))),
        Example("export AUTO_ACTIVATION = enabled\n"
                "/etc/quantum/ai-engine.env: FORCE\n\techo XGB_WEIGHT=0.1 >> $@\nFORCE:\n",
                path="Makefile", expect=((1, 26), (3, 25))),
        Example("define SETW\nsed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' /etc/quantum/ai-engine.env"
                "\nendef\nset-weight: export SHADOW_MODE = off\nset-weight:\n\t$(SETW)\n"
                "\tpython3 -c \"open('/etc/quantum/ai-engine.env', 'a').write('MODEL=x')\"\n",
                path="Makefile", expect=((4, 34), (6, 2), (7, 13))),
        Example('import fileinput, os\nE = "/etc/quantum/ai-engine.env"\n'
                'for row in fileinput.input(E, inplace=True):\n'
                '    print(row.replace("XGB_WEIGHT=0.5", "XGB_WEIGHT=0.4"), end="")\n'
                'os.write(os.open(E, os.O_WRONLY | os.O_APPEND), b"XGB_WEIGHT=0.4")\n\n\n'
                'def w(p):\n    open(p, "a").write("XGB_WEIGHT=0.4")\n\n\nw(E)\n',
                path="ops/x.py", expect=((3, 28), (5, 18), (12, 3))),
        Example('import subprocess\nsubprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/",'
                '\n                "/etc/quantum/ai-engine.env"], check=True)\n',
                path="ops/x.py", expect=((3, 17),)),
        Example("printf '%s\\n' '/^MODEL_PATH=/s/=.*/=x/' w q | ed -s /etc/quantum/ai-engine.env\n"
                "setw() { sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/' \"$1\"; }\n"
                "setw /etc/quantum/ai-engine.env\n"
                "for f in /etc/quantum/*.env; do sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' \"$f\"; "
                "done\n"
                "python3 - <<'EOF'\nopen('/etc/quantum/ai-engine.env', 'a').write('MODEL_PATH=x')\n"
                "EOF\nexport \"AUTO_ACTIVATION=enabled\"\n", path="ops/a.sh",
                expect=((1, 53), (2, 52), (4, 73), (6, 6), (8, 25))),
        Example("ENVF := /etc/quantum/ai-engine.env\n$(file >>$(ENVF),XGB_WEIGHT=0.4)\n"
                "FILES = $(wildcard /etc/quantum/*.env)\nset-weight:\n"
                "\t$(foreach f,$(FILES),sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' $(f);)\n"
                "\tfor f in /etc/quantum/*.env; do sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' $$f; "
                "done\n$(eval reset: ; sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0/' $(ENVF))\n",
                path="Makefile", expect=((2, 1), (5, 2), (6, 74), (7, 57))),
        Example('import functools, glob, sys\n'
                'E = sys.argv[1] if len(sys.argv) > 1 else "/etc/quantum/ai-engine.env"\n'
                'open(E, "a").write("XGB_WEIGHT=0.4\\n")\n'
                'for p in glob.glob("/etc/quantum/*.env"):\n'
                '    open(p, "a").write("MODEL_PATH=x\\n")\n'
                'w = functools.partial(open, "/etc/quantum/ai-engine.env", "a")\n'
                'w().write("XGB_WEIGHT=0.4\\n")\n', path="ops/x.py",
                expect=((3, 6), (5, 10), (6, 29))),
        Example("f=${1:-/etc/quantum/ai-engine.env}\n"
                "sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/' \"$f\"\n"
                "while read -r g; do sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' \"$g\"; done <<< "
                "/etc/quantum/ai-engine.env\n"
                "exec >>/etc/quantum/ai-engine.env\necho XGB_WEIGHT=0.2\n", path="ops/b.sh",
                expect=((2, 43), (3, 61), (5, 1))),
    )

    def prefilter_for(self, kind: Kind, contract: Contract) -> AnyOf | Either | None:
        if kind is Kind.CRONTAB:
            return None  # a glob can name the canary (`canary_activ*.sh`, `c*`)
        if kind is Kind.SHELL:
            # a glob naming the canary starts with some of its name (`canary_activ*.sh`)
            stem = re.split(r"[*?\[._-]", contract.canary_name, maxsplit=1)[0]
            return AnyOf(stem or contract.canary_name, "AUTO_ACTIVAT", "AUTO_PROMOT",
                         "SHADOW_MODE", ".env.model_config", contract.env_dir.rstrip("/"),
                         ignore_case=True)  # `cd /etc/quantum && sed -i ... ai-engine.env`
        if kind is not Kind.PYTHON:
            return None
        verbs = [v.split("*")[0].split("?")[0].split("[")[0] for v in contract.activation_verbs]
        if not all(verbs):
            return None  # a verb that starts with a wildcard (`*_promote`): no needle of its own
        # one scan per needle of the text lowered once (shared with the other rules that
        # ignore case): `AUTO_PROMOTE`, `auto_promotion_enabled`, `--auto-promote`
        words = [contract.canary_name, "auto_activat", "auto_promot", "shadow_mode",
                 "auto-activat", "auto-promot", "shadow-mode", ".env.model_config",
                 contract.env_dir.rstrip("/")]
        # `_python`'s findings are calls whose last name (`Call.attr`) matches a verb
        # (`fnmatchcase`: it starts with the verb's text before its first wildcard, in that
        # case). That name is written either where it is called, `promote_to_active(` (only
        # blanks, line continuations and comments between it and the "("), or, when the
        # call is of a name imported under another, in `import promote as p` (the call's
        # name follows the import alias). "promote" alone is in many docstrings.
        # (Behind a plain scan for the verbs: a pattern per verb, each starting with its text.)
        called = [re.compile(re.escape(v) + r"\w*(?:\s|\\|#[^\n\r]*)*(?:\(|as\b)")
                  for v in dict.fromkeys(verbs)]
        return Either(AnyOf(*(w for w in words if w), ignore_case=True),
                      (AnyOf(*verbs), Either(*called)))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.ENV:
            yield from self._env(ctx)
            return
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            yield from self._python_setting_writes(ctx)
        elif ctx.kind in (Kind.SHELL, Kind.CRONTAB):
            yield from self._shell_switches(ctx)
            yield from self._setting_writes(ctx)
        elif ctx.kind is Kind.MAKEFILE:
            yield from self._make_switches(ctx)
            yield from self._shell_switches(ctx)
            yield from self._setting_writes(ctx)
        for command in ctx.commands:
            index = canary_word(command, ctx)
            if index is not None:
                word = command.words[index]
                yield ctx.finding(self, word.line, word.column,
                                  f"{ctx.contract.canary_name} is run by automation; "
                                  "activation needs a human")
        if ctx.kind is Kind.UNIT:
            yield from self._unit(ctx)

    def _shell_switches(self, ctx: FileContext) -> Iterator[Finding]:
        """`export AUTO_ACTIVATION=enabled`, `SHADOW_MODE=disabled cmd`, and crontab
        `NAME=value` lines."""
        shell = ctx.shell
        # a recipe line is a shell of its own: a variable it keeps to itself (`X=1` alone)
        # reaches no program unless the recipes export it (`export X`, `set -a`)
        exported = _exported_names(ctx.lines) if ctx.kind is Kind.MAKEFILE else None
        assigned: list[tuple[str, str, int, int]] = [
            (key, word.text, word.line, word.column) for key, word in shell.assignments
            if not word.dynamic and (exported is None or key in exported or
                                     "*" in exported or (word.line, word.column) not in shell.own)]
        if ctx.kind is Kind.CRONTAB:
            for index, text in enumerate(ctx.lines):
                match = _CRON_ENV.match(text)
                if match:
                    assigned.append((match.group(1), match.group(2).strip().strip("\"'"),
                                     index + 1, match.start(2) + 1))
        # `env SHADOW_MODE=disabled cmd` is the prefix `SHADOW_MODE=disabled cmd`
        known = {(line, column) for _, _, line, column in assigned}
        for index, text in enumerate(ctx.lines):
            if text.lstrip().startswith("#"):
                continue
            for match in _ENV_PREFIX.finditer(text):
                at = match.end()
                for pair in _ENV_PAIR.finditer(text, at):
                    if pair.start() != at:
                        break
                    at = pair.end()
                    key, value = pair.group(2), pair.group(3).strip("\"'")
                    column = pair.start(3) + 1 + (pair.group(3)[:1] in "\"'")
                    if (index + 1, column) not in known:
                        assigned.append((key, value, index + 1, column))
        for key, value, line, column in assigned:
            switch = switch_of(key)
            if switch is not None and not switch_ok(switch, value):
                yield ctx.finding(self, line, column,
                                  f"{key}={value or '(empty)'} in "
                                  f"{_WHERE.get(ctx.kind, 'a script')}"
                                  f"; the contract requires {key}={SWITCH_VALUES[switch]} "
                                  "(activation needs a human)")

    def _make_switches(self, ctx: FileContext) -> Iterator[Finding]:
        """A switch make exports to a recipe's shell (`export AUTO_ACTIVATION=enabled`,
        `.EXPORT_ALL_VARIABLES:`, a target's `t: export SHADOW_MODE=disabled`), reported
        where it is set; one make does not export stays make's own and reaches no recipe
        (`t: SHADOW_MODE=disabled`)."""
        program = ctx.makefile
        seen: set[tuple[int, int]] = set()
        # the targets each target is built for: make gives a target's variables to its
        # prerequisites (`all: sub` with `all: export SHADOW_MODE=disabled`)
        built_for: dict[str, list[str]] = {}
        for target, wanted in program.prerequisites.items():
            for prerequisite in wanted:
                built_for.setdefault(prerequisite, []).append(target)
        for recipe in program.recipes:
            targets = program.rule_targets.get(recipe.rule, ())
            inherited = _ancestors(built_for, targets)
            _, env = program.recipe_variables(recipe, inherited)
            targets = (*inherited, *targets)
            for key, value in env.items():
                switch = switch_of(key)
                if switch is None or switch_ok(switch, value):
                    continue
                line = next((program.target_lines[t][key] for t in reversed(targets)
                             if key in program.target_lines.get(t, {})), None)
                if line is None:
                    line = program.assigned.get(key, (0, ""))[0]
                if not 0 < line <= len(ctx.lines):
                    continue
                text = ctx.lines[line - 1]
                at = re.search(rf"(?<![\w.-]){re.escape(key)}\s*[:?+!]*=\s*", text)
                column = at.end() + 1 if at else 1
                if (line, column) in seen:
                    continue
                seen.add((line, column))
                yield ctx.finding(self, line, column,
                                  f"{key}={value or '(empty)'} is exported to the recipes' "
                                  f"environment; the contract requires "
                                  f"{key}={SWITCH_VALUES[switch]} (activation needs a human)")

    def _setting_writes(self, ctx: FileContext) -> Iterator[Finding]:
        """A model path or weight written into `/etc/quantum/*.env` or `.env.model_config`
        (`sed -i`, `tee`, `cp`, `install`, `>`, `>>`, a relative path after `cd`, a temp
        file holding a model setting moved into place) by anything but the canary script."""
        from qt_lint.rules.models.helpers import (
            from_cwd,
            is_script,
            model_setting_file,
            model_write,
            python_code,
        )
        from qt_lint.shellflow import Step

        contract = ctx.contract
        # the canary activates; the rollback script restores the previous setting (QT607)
        if is_script(ctx.relpath, contract.canary_script) or \
                is_script(ctx.relpath, contract.rollback_script):
            return
        seen: set[tuple[int, int]] = set()
        staged = self._staged(ctx)
        writes: list[tuple[Command | None, Word | None]] = [
            (command, model_write(Step(command), contract)) for command in ctx.commands]
        writes += [(None, from_cwd(r.cwd, r.target)) for r in ctx.shell.redirects
                   if r.operator.startswith((">", "&>"))]
        # a program's text that names the model (Python's `MODEL_PATH=` in its heredoc)
        named: set[tuple[int, int]] = set()
        if ctx.kind is Kind.SHELL and _needs_flow(ctx):
            writes += self._flow_writes(ctx, named)
        elif ctx.kind is Kind.MAKEFILE:
            writes += self._recipe_flow_writes(ctx)
        # what the shell receives on each line: the words of the commands that span it
        # (a line continued by `\`, a recipe's `$(SETW)` as make expands it)
        received: dict[int, list[str]] = {}
        for each in ctx.commands:
            rows = [w.line for w in each.words]
            text = " ".join(w.text for w in each.words)
            for row in range(min(rows), min(max(rows), min(rows) + 50) + 1):
                received.setdefault(row, []).append(text)
        # `python3 -c "open('/etc/quantum/x.env', 'a')..."`, `python3 - <<'EOF'`: the code
        # read as Python names the call that writes (the path model's reading of the same
        # command, on the same line, is not reported twice)
        python_found: list[Finding] = []
        python_lines: set[int] = set()
        for each in ctx.commands:
            code = python_code(each)
            if code is None and ctx.kind is not Kind.MAKEFILE:
                code = python_heredoc(each, ctx.lines)
            if code is not None and (code.line, code.column) not in seen:
                found = list(self._python_code(ctx, each, code))
                if found:
                    python_found += found
                    python_lines.add(min(w.line for w in each.words))
                seen.add((code.line, code.column))
        # the command list's and the path model's reading of one write (a line's, an
        # eval's string's): one finding per file a line writes
        done: set[tuple[int, str]] = set()
        ran: set[tuple[int, int, str]] = set()  # (the command's place, the file)
        for command, target in writes:
            if target is None or (target.line, target.column) in seen or \
                    not model_setting_file(target.text, contract) or \
                    (target.line, target.text) in done:
                continue
            place = (command.program.line, command.program.column, target.text) \
                if command is not None else None
            if place in ran:
                continue
            if command is not None and is_python_name(command.name) and \
                    min(w.line for w in command.words) in python_lines:
                continue
            # the line, with the heredoc it starts (`cat > ai-engine.env <<EOF`)
            line = _with_heredoc(ctx.lines, target.line) if target.line <= len(ctx.lines) \
                else ""
            line += "\n" + "\n".join(received.get(target.line, ()))
            if not target.text.endswith(".env.model_config") and not _MODEL.search(line) \
                    and (target.line, target.column) not in named \
                    and not (command is not None and _moves_staged(command, target, staged)):
                continue
            seen.add((target.line, target.column))
            done.add((target.line, target.text))
            if place is not None:
                ran.add(place)
            yield ctx.finding(self, target.line, target.column,
                              f"writes the model setting ({target.text}) outside "
                              f"{contract.canary_name}: activation by other means")
        yield from python_found

    def _python_code(self, ctx: FileContext, command: Command, code: Word
                     ) -> Iterator[Finding]:
        from qt_lint.pymodel.code import read_code

        facts = read_code(code.text)
        if facts is None:
            return  # python itself refuses it: nothing runs
        cwd = command.cwd.text if command.cwd is not None else None
        heredoc = code.column == 0  # its lines are the script's, from `code.line` on
        for line, column, message in python_writes(facts, code.text.split("\n"),
                                                   ctx.contract, cwd):
            if heredoc:
                yield ctx.finding(self, code.line + line - 1, column,
                                  f"`{command.name}` reading a heredoc: {message}")
            else:
                yield ctx.finding(self, code.line, code.column,
                                  f"`{command.name} -c`: {message}")

    @staticmethod
    def _flow_writes(ctx: FileContext, named: set[tuple[int, int]], text: str | None = None,
                     depth: int = 0) -> list[tuple[Command | None, Word | None]]:
        """The writes the script's path model sees (QT604's reading): a function's body
        with the words of each call (`setw /etc/quantum/x.env`), an array's elements, a
        `for` variable's values, a descriptor `exec 3>> F` opened, what `xargs` and
        `ed` read on standard input, Python's code run with `-c` or from a heredoc (as
        for a Python file, a `MODEL...=`/`WEIGHT...=` key in its code names the model:
        `named`)."""
        from qt_lint.rules.models.helpers import (
            in_cwd,
            model_setting_file,
            model_write,
            shell_state,
            working_dir,
        )
        from qt_lint.shellflow import TooManyPaths, analyse

        contract = ctx.contract
        if contract.env_dir.rstrip("/") not in ctx.text and ".env.model_config" not in ctx.text:
            return []
        # only the working directory matters here (`cd /etc/quantum`, then a relative path)
        flow = analyse(ctx.text if text is None else text, working_dir, shell_state)
        out: list[tuple[Command | None, Word | None]] = []
        for step, facts in flow.steps:
            step = in_cwd(step, facts)
            target = model_write(step, contract)
            if target is None and step.stdout and step.command.name not in ("=", "exec") \
                    and not any(op.startswith((">", "&>")) for op, _ in step.redirects):
                # `exec >> /etc/quantum/x.env`, then `echo XGB_WEIGHT=0.1`: what it prints
                at = step.command.program
                printed = Word(step.stdout, at.line, at.column)
                # (`{ echo ...; } > F` on one line: the redirection is the finding)
                if model_setting_file(printed.text, contract) and text is None and not any(
                        r.target is not None and r.target.line == at.line and
                        r.target.text == step.stdout for r in ctx.shell.redirects):
                    target = printed
            if target is None and step.command.name in SHELLS and depth < 2:
                # `xargs -I{} sh -c 'sed -i ... {}'`: the string as the shell runs it
                string = _shell_string(step.command)
                try:
                    inside = AutoActivation._flow_writes(ctx, named, string.text, depth + 1) \
                        if string is not None else []
                except (TooManyPaths, RecursionError):  # read as the command list reads it
                    inside = []
                if string is not None:
                    for _, inner in inside:
                        if inner is not None:
                            out.append((step.command, Word(inner.text, string.line,
                                                           string.column, inner.dynamic)))
            if target is not None:
                out.append((step.command, target))
                code = step.stdin.text if step.stdin is not None else \
                    " ".join(w.text for w in step.command.args)
                if is_python_name(step.command.name) and _MODEL_KEY.search(code):
                    named.add((target.line, target.column))
                elif not is_python_name(step.command.name) and any(
                        _MODEL.search(w.text) for w in step.command.words
                        if w is not target):
                    # the words it runs with name the model (an alias's `sed -i
                    # 's/^MODEL_PATH=...'` used as `setw F`)
                    named.add((target.line, target.column))
        return out

    @staticmethod
    def _recipe_flow_writes(ctx: FileContext) -> list[tuple[Command | None, Word | None]]:
        """The writes the path model sees in each recipe's shell, read as make hands it the
        text (its variables and functions expanded, `$$f` the shell's `$f`): a `for` loop's
        values, what `xargs` reads on standard input, placed where make took the words."""
        from qt_lint.rules.models.helpers import in_cwd, model_write, shell_state, working_dir
        from qt_lint.shellflow import analyse

        contract = ctx.contract
        needles = (contract.env_dir.rstrip("/"), ".env.model_config")
        if not any(n in ctx.text for n in needles):
            return []
        out: list[tuple[Command | None, Word | None]] = []
        for text, placed in ctx.makefile.shell_texts():
            if not any(n in text for n in needles):
                continue
            for step, facts in analyse(text, working_dir, shell_state).steps:
                target = model_write(in_cwd(step, facts), contract)
                if target is not None:
                    # placed where make took its words (a `python3 -c` the command list
                    # read as Python is reported there once)
                    words = tuple(Word(w.text, *placed(w.line, w.column), w.dynamic)
                                  for w in step.command.words)
                    out.append((replace(step.command, words=words),
                                Word(target.text, *placed(target.line, target.column),
                                     target.dynamic)))
        return out

    @staticmethod
    def _staged(ctx: FileContext) -> dict[str, tuple[int, int]]:
        """The files the script writes a model setting into (`echo MODEL_PATH=x > "$TMP"`,
        a heredoc, `sed ... > "$TMP"`), by their name as written, with where it is first
        written: a copy or move of one into the setting's place writes the setting."""
        from qt_lint.rules.models.helpers import written_targets
        from qt_lint.shellflow import Step

        found: dict[str, tuple[int, int]] = {}

        def add(text: str, line: int, column: int) -> None:
            key = _name(text)
            if key and (key not in found or (line, column) < found[key]):
                found[key] = (line, column)

        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator.startswith((">", "&>")) and target.line <= len(ctx.lines) \
                    and _MODEL.search(_with_heredoc(ctx.lines, target.line)):
                add(target.text, target.line, target.column)
        for written in ctx.shell.written:
            if _MODEL_KEY.search(written.text) and written.rows:
                add(written.path, written.rows[0], 0)
        for command in ctx.commands:
            line = command.program.line  # `tee "$TMP" <<EOF`: with the heredoc's text
            if line <= len(ctx.lines) and _MODEL.search(_with_heredoc(ctx.lines, line)):
                for target in written_targets(Step(command), ctx.contract):
                    add(target.text, target.line, target.column)
        return found

    def _python_setting_writes(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.rules.models.helpers import is_script

        contract = ctx.contract
        # the canary activates; the rollback script restores the previous setting (QT607)
        if is_script(ctx.relpath, contract.canary_script) or \
                is_script(ctx.relpath, contract.rollback_script):
            return
        for line, column, message in python_writes(ctx.python, ctx.lines, contract):
            yield ctx.finding(self, line, column, message)

    def _env(self, ctx: FileContext) -> Iterator[Finding]:
        for entry in ctx.env.entries:
            switch = switch_of(entry.key)
            if switch is not None and not switch_ok(switch, entry.value):
                yield ctx.finding(self, entry.value_line, entry.value_column,
                                  f"{entry.key}={entry.value or '(empty)'}; the contract "
                                  f"requires {entry.key}={SWITCH_VALUES[switch]}")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        verbs = ctx.contract.activation_verbs
        # the last training/evaluation call seen in each scope, in call order (one pass)
        produced: dict[int, Call] = {}
        for call in facts.calls:
            if _PRODUCES.search(call.attr):
                produced[id(call.scope)] = call
                continue
            if not any(fnmatchcase(call.attr, verb) for verb in verbs):
                continue
            conditions = [c for c in call.conditions if not _main_guard(facts.source(c))]
            if any(_HUMAN.search(facts.source(c)) for c in conditions):
                continue  # a person decides
            gate = next((c for c in reversed(conditions)
                         if _GATE.search(_gate_text(facts, c, call))), None)
            if gate is not None:
                yield ctx.finding(self, call.line, call.column,
                                  f"`{call.attr}` runs when `{_clip(facts.source(gate))}` holds: "
                                  "activation follows a gate automatically; a human promotes")
                continue
            if conditions:
                continue
            before = produced.get(id(call.scope))
            if before is not None and before.line <= call.line:
                yield ctx.finding(self, call.line, call.column,
                                  f"`{call.attr}` runs right after `{before.attr}` in the same "
                                  "function: activation follows training automatically; a "
                                  "human promotes")
        yield from self._python_switches(ctx)

    def _python_switches(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        seen: set[tuple[int, int]] = set()
        set_here = {id(call.arg(1)) for call in facts.calls
                    if call.name in ("os.environ.setdefault", "os.putenv")}
        for setting in facts.settings:
            switch = switch_of(setting.key)
            if switch is None or id(setting.value) in set_here:
                continue  # not a switch, or an environment write (below)
            text = facts.scalar(setting.value, setting.scope)
            # a default is judged when it is a switch's value (`True`, "enabled"); one that
            # means "not set" or names a mode (`"NOT SET"`, `4`) switches nothing
            if text is None or text.strip().lower() not in (_ON | _OFF) or \
                    switch_ok(switch, text):
                continue
            position = facts.position(facts.origin(setting.value, setting.scope))
            if position not in seen:
                seen.add(position)
                yield ctx.finding(self, *position,
                                  f"{setting.key} defaults to {text}; the contract requires "
                                  f"{SWITCH_VALUES[switch]} (activation needs a human)")
        writes = list(facts.environ_writes)
        for call in facts.calls:
            if call.name in ("os.environ.setdefault", "os.putenv"):
                name = facts.resolve(call.arg(0), call.scope)
                given = call.arg(1)
                if name is not None and given is not None:
                    line, column = facts.position(call.node)
                    writes.append((name.text, given, line, column))
        for key, node, line, column in writes:
            switch = switch_of(key)
            if switch is None:
                continue
            value = facts.resolve(node)
            if value is not None and value.exact and not switch_ok(switch, value.text):
                yield ctx.finding(self, line, column,
                                  f"{key} is set to {value.text!r}; the contract requires "
                                  f"{key}={SWITCH_VALUES[switch]}")

    def _unit(self, ctx: FileContext) -> Iterator[Finding]:
        for section in ctx.unit_document.sections:
            for a in section.assignments:
                if a.key != "Environment":
                    continue
                for match in _SWITCH.finditer(a.value):
                    key, value = match.group(1), match.group(2)
                    switch = switch_of(key)
                    if switch is not None and not switch_ok(switch, value):
                        line, column = a.position(match.start(1))
                        yield ctx.finding(self, line, column,
                                          f"{key}={value}; the contract requires "
                                          f"{key}={SWITCH_VALUES[switch]}")
        if ctx.unit.type in ("timer", "path") and ctx.is_fragment:
            service = ctx.project.timer_service(ctx)
            if service is None or service.fragment is None:
                return
            if any(canary_word(cmd, ctx) is not None for cmd in service.fragment.commands()):
                kind = ctx.unit.type
                timer = ctx.unit.section(kind.capitalize())
                line, column = (timer.line, timer.column) if timer else (1, 1)
                yield ctx.finding(self, line, column,
                                  f"{'timer' if kind == 'timer' else 'path unit'} triggers "
                                  f"{service.name}, which runs "
                                  f"{ctx.contract.canary_name}; activation needs a human")
