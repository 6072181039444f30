"""A path model of a shell script: which facts hold on *every* path that reaches a command.

The model-safety rules (QT604, QT607, QT608) ask questions such as "has the quality gate
passed, on every path, before this write?" or "did the Redis check stop the wrapper when it
failed, before the exec?". The flat command list of `parsers/shell.py` cannot answer them;
this walk of the same tree-sitter tree can. A *fact* is a name a caller gives a command when
it succeeds (`classify`); the walk follows bash's exit status through:

- sequences, `&&`, `||`, `!` (`! !` cancels it), pipelines (the last command's status;
  every command's with `set -o pipefail`), `{ ...; }`, `( ... )`, `cmd &` (status 0 at
  once: its failure stops nothing);
- `if`/`elif`/`else`, `case` (a branch that exits ends its path), `while`/`until`/`for`
  (the body may run zero times, unless a `for` over literal words; the loop ends when its
  condition stops it or by `break`; `continue` returns to the condition);
- traps: `trap ACTION ERR` (run where errexit would act) and `trap ACTION EXIT` (at every
  end of the shell); an action that exits 0 makes that end a success (`End.code` 0); the
  action is walked as shell on each path where it runs (`trap - EXIT` resets it, a later
  `trap` replaces it, a subshell's runs at its end, an `exec` runs none): its commands
  are steps (`Step.trap`) with what holds on those paths;
- facts undone: a classifier's `-name` removes `name` (`unset PYTHONPATH`), and facts the
  caller marks `local` (the shell's own state) do not leave a subshell;
- `set -e`/`set +e`, `set -o errexit`, `set -euo pipefail`, `set +euo pipefail` (also as
  `builtin set`, `command set`, `eval "set ..."`): under
  errexit a failing command outside a condition ends the path, so what it checks holds after;
- `exit`, `return`, and `exec <program>` (the path ends there: what comes after never runs);
- `$?` and `rc=$?` compared with 0 afterwards;
- functions: a call runs the body where it is called; a function never called runs nothing;
- `x=$(cmd)` has the status of `cmd`; `local x=$(cmd)` and `export x=$(cmd)` have status 0.

Facts are intersected where paths meet, so a check that only warns (`if ! check; then echo;
fi`), is followed by `|| true`, or runs under `set +e` without a test of its status, does not
hold after it. Variables assigned in the script are expanded as far as they are known
(`$ENV_DIR/$SERVICE.env` -> `/etc/quantum/$SERVICE.env`) for the classifier.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from qt_lint import lazyre
from qt_lint.command_model import Command, Word, make_command
from qt_lint.parsers import ParseError
from qt_lint.record import field, record, replace

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

Facts = frozenset[str]
EMPTY: Facts = frozenset()
MAX_CALL_DEPTH = 8
MAX_STEPS = 200_000  # commands evaluated, over all calls of all functions (hostile input)


class TooManyPaths(ParseError):
    """A script with more steps on its paths than the walk follows (reported as QT001)."""

    def __init__(self, rules: str) -> None:
        super().__init__(f"more than {MAX_STEPS} steps on its paths (functions calling "
                         f"functions): the script was not analysed for {rules}", 1, 1)


@record(frozen=True)
class Step:
    """A simple command as it runs: its words (variables expanded where known) and the
    redirections of its statement."""

    command: Command
    redirects: tuple[tuple[str, Word], ...] = ()
    test: bool = False  # `[ ... ]`, `[[ ... ]]` or `test ...`
    assigns: tuple[tuple[str, str], ...] = ()  # `VAR=value cmd`: the prefix assignments
    written: tuple[Word, ...] = ()  # every word as run, wrappers included (`exec -c`, `env -u X`)
    # where its standard output goes: a file (`>> "$LOG"`, `| tee -a "$LOG"`, a `{ ...; }`
    # or function call redirected, `exec >> "$LOG"` before), "|" and the program it is
    # piped to (`|systemd-cat`; "|" alone when not known), None (the script's own output)
    stdout: str | None = None
    raw: tuple[str, ...] = ()  # a test's words before expansion (`$ok`, not its last value)
    # what it reads on standard input, where the script gives it: a heredoc's body, a
    # here-string, what `echo`/`printf` before it in a pipeline prints (positioned where
    # the text is written); None: not known
    stdin: Word | None = None
    # a command of a trap's action: "the EXIT trap set at line 6" (it runs at each exit
    # after that line, with the facts of those paths)
    trap: str | None = None


# facts when the command succeeds, facts when it fails (tests: when false)
Classifier = Callable[[Step, Facts], tuple[Facts, Facts]]
# `source WORD`: None (not a file to read: run as a command), else (the file as shown,
# its text, or None when it cannot be read)
Resolver = Callable[[str], "tuple[str, str | None] | None"]
MAX_SOURCE_DEPTH = 4


@record(frozen=True)
class State:
    """What is known at one point of a shell script's flow."""

    facts: Facts = EMPTY
    errexit: bool = False
    pipefail: bool = False
    status: Facts = EMPTY  # facts that hold when `$?` is 0
    # what holds when a variable has a value: `rc=$?` gives `rc` (what holds when `$rc` is
    # 0), a literal `ok=1` gives `ok=1` (ZERO: it is, whatever holds) and `ok=*` (ALL: any
    # other value never is); see `saved_facts`
    saved: tuple[tuple[str, Facts], ...] = ()
    # traps: `trap ACTION ERR` runs where errexit would act ("zero": its action exits 0 on
    # some path, "fail": it always exits non-zero); `trap ACTION EXIT` ("zero": it exits 0)
    err_trap: str | None = None
    err_active: bool = True  # the ERR trap applies here (not in a function, unless `set -E`)
    errtrace: bool = False
    exit_trap: str | None = None
    may_zero: bool = True  # `$?` may be 0 here (what a bare `exit` or `exit $?` exits with)
    # after a pipeline, until the next command: what holds when `${PIPESTATUS[i]}` is 0
    pipestatus: tuple[Facts, ...] = ()
    nounset: bool = False  # `set -u`: expanding a variable that is unset ends the shell
    # the EXIT / ERR traps (indexes of `_Walk.trap_actions`) that may be set here: their
    # actions run where the shell exits / where a failure runs the ERR trap
    exit_traps: frozenset[int] = frozenset()
    err_traps: frozenset[int] = frozenset()


def join(*states: State | None) -> State | None:
    """Where paths meet: what holds on all of them (None: no path)."""
    live = [s for s in states if s is not None]
    if not live:
        return None
    first = live[0]
    if len(live) == 1:
        return first
    facts, status = first.facts, first.status
    errexit, pipefail = first.errexit, first.pipefail
    for s in live[1:]:
        facts &= s.facts
        status &= s.status
        errexit = errexit and s.errexit
        pipefail = pipefail and s.pipefail
    saved = _join_saved(live) if any(s.saved for s in live) else {}
    traps = [s.err_trap for s in live]
    # a trap that exits 0 on one path may turn a failure into success: it wins; one that
    # aborts counts only when it is set on every path
    err_trap = "zero" if "zero" in traps else ("fail" if all(t == "fail" for t in traps)
                                               else None)
    exit_trap = "zero" if any(s.exit_trap == "zero" for s in live) else None
    pipes = first.pipestatus
    for s in live[1:]:
        pipes = tuple(a & b for a, b in zip(pipes, s.pipestatus, strict=True)) \
            if len(pipes) == len(s.pipestatus) else ()
    return State(facts, errexit, pipefail, status, tuple(sorted(saved.items())), err_trap,
                 any(s.err_active for s in live), all(s.errtrace for s in live), exit_trap,
                 any(s.may_zero for s in live), pipes, all(s.nounset for s in live),
                 frozenset().union(*(s.exit_traps for s in live)),
                 frozenset().union(*(s.err_traps for s in live)))


# values of `State.saved`: the variable has the value on every path here (what holds is
# what holds there), or never has it (anything holds when it has: no path)
ZERO: Facts = frozenset({"<always>"})
ALL: Facts = frozenset({"<never>"})


def saved_facts(state: State, name: str, value: str = "0") -> Facts | None:
    """What holds on the paths where `$name` is `value` (ALL: no path; None: not known)."""
    saved = dict(state.saved)
    key = name if value == "0" else f"{name}={value}"
    found = saved.get(key, saved.get(f"{name}=*"))
    if found == ZERO:
        return state.facts
    return found


def _join_saved(live: list[State]) -> dict[str, Facts]:
    keys = {k for s in live for k, _v in s.saved}
    out: dict[str, Facts] = {}
    for key in keys:
        name, _, value = key.partition("=")
        parts: list[Facts] = []
        for s in live:
            found = saved_facts(s, name, value or "0")
            if found is None:
                break
            parts.append(found)
        else:
            real = [p for p in parts if p != ALL]
            out[key] = frozenset.intersection(*real) if real else ALL
    return out


def _saving(state: State, name: str, value: Facts | None, literal: str | None = None
            ) -> State:
    """`name=$?` (value: what holds when it is 0) or `name=LITERAL`: what the variable's
    value says from here on (another assignment: nothing)."""
    saved = {k: v for k, v in state.saved if k != name and not k.startswith(name + "=")}
    if value is not None:
        saved[name] = value
    elif literal is not None:
        saved[name if literal == "0" else f"{name}={literal}"] = ZERO
        saved[f"{name}=*"] = ALL
    if not saved and not state.saved:
        return state
    return replace(state, saved=tuple(sorted(saved.items())))


def settle(true: State | None, false: State | None) -> State | None:
    """The state after a statement, whichever its status: `$?` is 0 on the true path."""
    after = join(true, false)
    if after is None:
        return None
    return replace(after, status=true.status if true is not None else EMPTY)


def _add(state: State | None, facts: Facts) -> State | None:
    """`facts` added; a fact written `-name` is removed (`unset PYTHONPATH` undoes the export
    that established it: the last assignment on the path wins)."""
    if state is None or not facts:
        return state
    kills = {f[1:] for f in facts if f.startswith("-")}
    if not kills:
        return replace(state, facts=state.facts | facts)
    adds = frozenset(f for f in facts if not f.startswith("-"))
    return replace(state, facts=(state.facts - kills) | adds)


def negations(on_true: Facts, on_false: Facts) -> tuple[Facts, Facts]:
    """What a command's outcome says of the facts it did not establish: on the path where a
    check failed, `not:<fact>` (a branch that exits 0 there turns the failed check into a
    success); a check that passes undoes an earlier `not:`."""
    pos_t = frozenset(f for f in on_true if not f.startswith(("-", "not:")))
    pos_f = frozenset(f for f in on_false if not f.startswith(("-", "not:")))
    true = frozenset(f"not:{f}" for f in pos_f - pos_t) | frozenset(f"-not:{f}" for f in pos_t)
    false = frozenset(f"not:{f}" for f in pos_t - pos_f) | frozenset(f"-not:{f}" for f in pos_f)
    return true, false


@record
class End:
    """Where a path ends: `exit N` (code None when not a literal), the end of the script
    (code 0 when it falls off the end... of the last status, None), or an `exec`."""

    line: int
    column: int
    code: int | None
    facts: Facts
    exec_step: Step | None = None
    via: str | None = None  # what made the status 0: "the ERR trap", "the EXIT trap"
    # an end whose status is the last command's (the script's end, `exit`, `exit $?`): the
    # facts on the paths where that status is 0 (None: not known to be one)
    ok_facts: Facts | None = None
    # an `exec` whose process is not the script's own: "background" (`exec prog &`), "pipe"
    # (a member of a pipeline whose status is another member's)
    detached: str | None = None


# a command that cannot succeed (a classifier gives it: `redis-cli` with a PATH that holds
# no folder it is in): bash fails it with 127, "command not found"
NOT_FOUND = "<not-found>"
BASH_BUILTINS = frozenset({
    "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen",
    "complete", "compopt", "continue", "declare", "dirs", "disown", "echo", "enable", "eval",
    "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "history",
    "jobs", "kill", "let", "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd",
    "read", "readarray", "readonly", "return", "set", "shift", "shopt", "source", "suspend",
    "test", "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset",
    "wait", ".", ":", "[", "[[",
})

# `unset:X`: the script unset X (a classifier gives it; an assignment undoes it)
UNSET = "unset:"

# the fact on the path where an `exec` failed and the shell went on (a redirection it could
# not open, or a program it could not run under `shopt -s execfail`)
EXEC_FAILED = "exec-failed"


@record
class Flow:
    """The facts on every path of a shell script, per command."""

    # (line, column) of each command's first word -> facts on every path reaching it
    at: dict[tuple[int, int], Facts] = field(default_factory=dict)
    steps: list[tuple[Step, Facts]] = field(default_factory=list)
    ends: list[End] = field(default_factory=list)
    functions: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    # where bash ends the shell by an error of its own: (line, column, why)
    dies: list[tuple[int, int, str]] = field(default_factory=list)
    # `source FILE` of a file the caller could not give (line, column, the file as named):
    # what it does is not known
    unread: list[tuple[int, int, str]] = field(default_factory=list)
    # each trap whose action runs (`Step.trap`): its status becomes the shell's (errexit
    # is on wherever it runs, so a failure in it ends the shell with its status, or it
    # always exits); else the shell keeps the status it had before the trap
    traps: dict[str, bool] = field(default_factory=dict)

    def facts_at(self, line: int, column: int) -> Facts | None:
        return self.at.get((line, column))


# a whole word that is an array's elements (`"${F[@]}"`, `${F[*]}`), or one of them
_ELEMENTS = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}")
# a slice of an array's elements: `"${F[@]:1}"`, `"${F[@]:0:2}"`, `"${F[@]: -1}"`
_SLICE = lazyre.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]:(?: ?(-?[0-9]+)|\((-[0-9]+)\))(?::([0-9]+))?\}")
# `${F[1]}`, `${F[-1]}`, and the last by the count: `${F[${#F[@]}-1]}`
_ELEMENT = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[(-?[0-9]+|\$\{#\1\[[@*]\]\}-1)\]\}")
_TEE_SUB = lazyre.compile(r"^>\(\s*tee\s+(?:-a\s+|--append\s+)*(\"?)([^\s\")]+)\1")
_REF = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_SINGLE_QUOTED = lazyre.compile(r"'[^']*'")
# the variables an arithmetic expression assigns: `n++`, `--n`, `n = 1`, `n += 2`
_ARITH_ASSIGNED = lazyre.compile(
    r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\+|--|[-+*/%&|^]?=(?!=)|<<=|>>=)|(?:\+\+|--)\s*"
    r"([A-Za-z_][A-Za-z0-9_]*)")
# `${X:-D}`, `${X=D}`, `${X:?msg}`, `${X:+A}`: a default, an alternate, an error
_OPERATOR = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(:?[-=?+])([^{}$`\"']*)\}")
_INDIRECT = lazyre.compile(r"\$\{!([A-Za-z_][A-Za-z0-9_]*)\}")  # `${!n}`: the variable n names
# `$(echo X)`, `$(printf '%s' X)`, `` `echo X` ``: what a substitution of constants prints
_PRINTS = lazyre.compile(r"\$\(\s*((?:echo|printf|cat|dirname|basename|realpath|readlink|ls|"
                         r"find)\s[^()$`;|&<>]*?)\s*\)|`\s*((?:echo|printf|cat|dirname|"
                         r"basename|realpath|readlink|ls|find)\s[^()$`;|&<>]*?)\s*`")
_CAT_HEREDOC = lazyre.compile(r"\$\(\s*cat\s*<<-?\s*(['\"]?)(\w+)\1\s*\n(.*?)\n\s*\2\s*\n?\s*\)",
                              re.S)
_KEYED = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[([^\]$@*]+)\]\}")  # `${M[key]}`
_ANY_ELEMENT = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\[([^\]@*]+)\]\}")
_INDICES = lazyre.compile(r"\$\{!([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}")
_UNBOUND = lazyre.compile(
    r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{#?([A-Za-z_][A-Za-z0-9_]*)(?:\}|\[|:?\?))")
_LITERAL = lazyre.compile(r"[A-Za-z0-9_.:+-]*")
_SET_ON = lazyre.compile(r"^-[a-zA-Z]*e")
_SET_OFF = lazyre.compile(r"^\+[a-zA-Z]*e")


class _Frame:
    """A function body or a subshell: where its `return`/`exit` paths go."""

    def __init__(self, function: bool = False) -> None:
        self.function = function
        self.ok: list[State] = []
        self.failed: list[State] = []


class _Loop:
    """A loop being walked: the states its `break` and `continue` statements leave with."""

    def __init__(self) -> None:
        self.breaks: list[State] = []
        self.continues: list[State] = []


MAX_VALUES = 16  # values of a `for` variable followed, each a run of the command
MAX_ROUNDS = 4  # a loop's body walked again while what holds at its head still changes
DEEP_LOOPS = 3  # loops nested this deep are walked once (see `_Walk.loop`)
MAX_TRAP_PATHS = 16  # the paths a trap's action is walked on, each with its own facts


class _Walk:
    def __init__(self, data: bytes, text: str, classify: Classifier,
                 local: Callable[[str], bool] | None = None,
                 resolve: Resolver | None = None) -> None:
        from qt_lint.parsers.shell import word_reader

        self.resolve = resolve
        self.sourcing: tuple[str, ...] = ()  # the files being sourced, outermost first

        self.words = word_reader(data, text)
        self.home = self.words  # the file's own reader (a sourced file's functions: theirs)
        # id of a function body -> (the body, the reader of its file)
        self.readers: dict[int, tuple[Any, Any]] = {}
        self.classify = classify
        self.local: Callable[[str], bool] = local or (lambda fact: False)
        self.flow = Flow()
        self.values: dict[str, str] = {}
        self.depth = 0
        self.calling: list[str] = []
        self.frames: list[_Frame] = []
        self.loops: list[_Loop] = []  # the loops of the current function or subshell
        self.steps = 0
        self.here = (1, 1)  # the command being evaluated (where errexit ends a path)
        self.in_exit_trap = False  # walking an EXIT trap's action
        self.locals: list[set[str]] = []  # the variables made local in the functions called
        # in a function called with known words: its positional parameters (`$0` first)
        self.positional: tuple[Word, ...] | None = None
        # every function the script defines, for a trap's action: bash looks its name up
        # when the trap runs, so `trap bye EXIT` may come before `bye() { ...; }`
        self.defined: dict[str, Any] = {}
        self.sinks: list[str | None] = []  # where the standard output of what runs goes
        self.exec_sink: str | None = None  # `exec >> "$LOG"`: the shell's own, from there on
        # where the standard input of what runs comes from: "|" (a pipe: `echo yes | { read
        # a; }`), "<<" (the script's own text), a file; None: the script's own input
        self.sources: list[str | None] = []
        self.exec_source: str | None = None  # `exec < file`: the shell's own, from there on
        self.glued: set[int] = set()  # the numbers that are a redirection's descriptor
        self.detached: list[str | None] = []  # `cmd &`, a pipeline member: see End.detached
        self.execfail = False  # `shopt -s execfail`: a failed exec does not end the shell
        # an `if` or `case` fails when the branch it ran fails (`analyse(...,
        # if_status=True)`); else its paths are read as one that succeeds
        self.if_status = False
        self.aliasing = False  # `shopt -s expand_aliases`
        self.aliases: dict[str, str] = {}  # `alias setw='sed -i ...'`
        self.expanding: tuple[str, ...] = ()  # the aliases being expanded (none again)
        # the facts a job started with `&` adds when it succeeds / fails (None: it never
        # does); `pid=$!` keeps the last one under the variable's name
        self.last_job: tuple[Facts | None, Facts | None] | None = None
        self.job_count = 0  # the jobs started with `&` (2: more than one, or in a loop)
        self.jobs: dict[str, tuple[Facts | None, Facts | None] | None] = {}
        # the words a variable stands for: an array's elements (`F=(a b)`, `"${F[@]}"`),
        # and a `for` variable's values (the body runs once with each)
        self.arrays: dict[str, tuple[Word, ...]] = {}
        self.each: dict[str, tuple[Word, ...]] = {}
        # the files `exec 3>> F` opened (a later `>&3` writes F)
        self.fds: dict[str, Word] = {}
        self.inputs: dict[str, str] = {}  # the files `exec 3< F` opened for reading
        self.keyed: dict[str, dict[str, Word]] = {}  # `declare -A M=([k]=v)`, `M[k]=v`
        self.refs: dict[str, str] = {}  # `declare -n r=p`: `$r` is `$p`
        self.files: dict[str, Word] = {}  # what the script printed into a file (`echo F > L`)
        self.feed: Word | None = None  # standard input of the next command (see Step.stdin)
        # each trap's action as set: (text, line, column, signal, line of the `trap`); the
        # states of the paths where it runs (by their facts and errexit), walked after the
        # script
        self.trap_actions: list[tuple[str, int, int, str, int]] = []
        self.trap_states: dict[int, dict[tuple[Facts, bool], State]] = {}
        self.trap_index_of: dict[tuple[str, int, int, str, int], int] = {}

    # --- words ------------------------------------------------------------------------------

    def expand(self, word: Word) -> Word:
        if "$" not in word.text or not word.dynamic:
            if "`" in word.text and word.dynamic:  # `` `echo X` ``
                return self._substituted_text(word)
            return word  # `'$(git rev-parse HEAD)'`: single quotes expand nothing
        text = word.text
        if "[" in text:  # `"${F[$i]}"`: the index's variables first
            text = re.sub(r"\[([^\]]*)\]", lambda m: "[" + _REF.sub(
                lambda r: self.value(r.group(1) or r.group(2), r.group()), m.group(1)) + "]",
                text)
        element = _ELEMENT.fullmatch(text)
        if element is not None and element.group(1) in self.arrays:  # `"${F[1]}"`
            items = self.arrays[element.group(1)]
            index = element.group(2)  # `${F[-1]}`: counted from the end
            at = int(index) if not index.startswith("$") else -1
            if len(items) == 1 and re.search(r"[*?[]", items[0].text):
                at = 0  # `F=(DIR/*)`: each element is one of the glob's matches
            known = -len(items) <= at < len(items)
            return Word(items[at].text if known else "", word.line, word.column,
                        items[at].dynamic if known else False)
        keyed = _KEYED.fullmatch(text)
        if keyed is not None and keyed.group(1) in self.keyed and \
                keyed.group(2) in self.keyed[keyed.group(1)]:
            item = self.keyed[keyed.group(1)][keyed.group(2)]
            return Word(item.text, word.line, word.column, item.dynamic)
        for _ in range(4):  # `$A` -> `$B/x` -> `/etc/x`: a few rounds, bounded
            new = _REF.sub(lambda m: self.value(m.group(1) or m.group(2), m.group()), text)
            new = _INDIRECT.sub(lambda m: self.value(self.values.get(m.group(1), ""),
                                                     m.group()), new)
            new = _OPERATOR.sub(self.operator, new)
            new = self._printing(new)
            if new == text or len(new) > 4096:
                break
            text = new
        return Word(text, word.line, word.column, "$" in text or "`" in text)

    def _substituted_text(self, word: Word) -> Word:
        text = self._printing(word.text)
        return Word(text, word.line, word.column, "$" in text or "`" in text)

    def _printing(self, text: str) -> str:
        """`$(echo X)`, `$(printf '%s' X)`, `$(cat <<EOF ... EOF)` of constants: what they
        print, less the trailing newlines (as bash substitutes it)."""

        if "(" not in text and "`" not in text:
            return text

        def put(match: re.Match[str]) -> str:
            words = tuple(Word(w.strip("'\""), 1, 1) for w in
                          re.findall(r"'[^']*'|\"[^\"]*\"|\S+", match.group(1) or match.group(2)))
            command = make_command(words, "shell")
            shown = self.prints(command) if command is not None else None
            return shown.rstrip("\n") if shown is not None else match.group()

        text = _PRINTS.sub(put, text)
        return _CAT_HEREDOC.sub(lambda m: m.group(3) if "$" not in m.group(3) or
                                m.group(1) else m.group(), text)

    def prints(self, command: Command) -> str | None:
        """What a command of constants prints: `echo`/`printf`, `cat` of a file the script
        printed into, `dirname`/`basename`/`realpath`/`readlink -f`, `ls`/`find` (the
        paths as globs); None for anything else."""
        from qt_lint.parsers.shell import printed

        if command.wrappers:
            return None
        name = command.name
        operands = [w.text for w in command.args if not w.text.startswith("-")]
        if name in ("echo", "printf"):
            return printed(command)
        if name == "cat" and operands and all(o in self.files for o in operands):
            return "".join(self.files[o].text for o in operands)
        if name == "find":
            return _found(command)
        if not operands:
            return None
        if name == "dirname":
            return "".join(posixpath.dirname(o.rstrip("/")) or "." for o in operands[:1]) + "\n"
        if name == "basename":
            return posixpath.basename(operands[0].rstrip("/")) + "\n"
        if name == "ls" and all(re.search(r"[*?\[]", o) for o in operands):
            return "".join(o + "\n" for o in operands)  # `ls DIR/*.env`: the glob's files
        if name in ("realpath", "readlink"):
            if name == "readlink" and not any(w.text.startswith("-") for w in command.args):
                return None  # `readlink F`: the link's target, not known
            return "".join(posixpath.normpath(o) + "\n" for o in operands)
        return None

    def value(self, name: str, written: str) -> str:
        """A variable's known value (through `declare -n`), else the text as written."""
        for _ in range(4):
            if name not in self.refs:
                break
            name = self.refs[name]
        return self.values.get(name, written)

    def operator(self, match: re.Match[str]) -> str:
        """`${X:-D}` (and `-`, `=`, `:=`): X's value when known and set, else the default,
        which it may be (an unknown X, the script's own `$1`); `${X:?m}`: X's value;
        `${X:+A}`: A when X is known non-empty, "" when known empty."""
        name, op, given = match.groups()
        if name.isdigit():
            params = self.positional
            known: str | None = (params[int(name)].text if params is not None and
                                 int(name) < len(params) else ("" if params is not None
                                                                else None))
        else:
            known = self.value(name, "\0")
            known = None if known == "\0" else known
        if op.endswith(("-", "=")):
            if known is not None and (known or ":" not in op):
                return known
            if op.endswith("=") and not name.isdigit():
                self.values[name] = given
            return given
        if op.endswith("?"):
            return known if known else match.group()
        if known is None:
            return match.group()
        return given if known else ""

    def raw(self, node: Any) -> str:
        return str(self.words.raw(node))

    # --- scopes -------------------------------------------------------------------------------

    def enter(self, frame: _Frame, state: State) -> tuple[list[_Loop], State]:
        """Start a subshell (or a function, `frame.function`): its loops are its own (a
        `break` in it leaves no loop outside); a subshell inherits no trap (the ERR trap
        only under `set -E`), and the ERR trap does not apply in a function without it."""
        self.frames.append(frame)
        loops, self.loops = self.loops, []
        if frame.function:
            return loops, replace(state, err_active=state.errtrace)
        return loops, replace(state, exit_trap=None, exit_traps=frozenset(),
                              err_trap=state.err_trap if state.errtrace else None,
                              err_traps=state.err_traps if state.errtrace else frozenset())

    def leave_scope(self, loops: list[_Loop]) -> None:
        self.frames.pop()
        self.loops = loops

    def restore(self, inner: State | None, outer: State, function: bool) -> State | None:
        """The state after a subshell (its settings, traps and the facts of the shell's own
        state, `local` ones such as an export, stay inside) or a function (its `set` and
        `trap` hold after it; whether the ERR trap applies is the caller's)."""
        if inner is None:
            return None
        if function:
            return replace(inner, err_active=outer.err_active)
        self.trapped(inner.exit_traps, inner)  # the subshell's own EXIT trap, at its end
        local = self.local
        facts = frozenset(f for f in inner.facts if not local(f)) | frozenset(
            f for f in outer.facts if local(f))
        return replace(inner, facts=facts, errexit=outer.errexit, pipefail=outer.pipefail,
                       nounset=outer.nounset,
                       err_trap=outer.err_trap, err_active=outer.err_active,
                       errtrace=outer.errtrace, exit_trap=outer.exit_trap,
                       exit_traps=outer.exit_traps, err_traps=outer.err_traps)

    def trapped(self, traps: frozenset[int], state: State) -> None:
        """The traps run on this path, with what holds here (past MAX_TRAP_PATHS paths of
        one trap, the others are joined into one: what holds on all of them)."""
        for index in traps:
            paths = self.trap_states.setdefault(index, {})
            key = (state.facts, state.errexit)
            if key not in paths and len(paths) >= MAX_TRAP_PATHS:
                key = next(reversed(paths))
            known = paths.get(key)
            paths[key] = state if known is None else join(known, state) or state

    def leave(self, state: State, code: int | None, line: int, column: int,
              via: str | None = None, ok_facts: Facts | None = None) -> None:
        """A path ends with `exit code` (or errexit): in the innermost subshell, or the
        script. An EXIT trap that exits 0 makes every end of its shell a success."""
        if state.exit_trap == "zero" and code != 0:
            code, via, ok_facts = 0, "the EXIT trap", None
        frame = next((f for f in reversed(self.frames) if not f.function), None)
        if frame is not None:
            (frame.ok if code == 0 else frame.failed).append(state)
            return
        self.trapped(state.exit_traps, state)
        self.flow.ends.append(End(line, column, code, state.facts, via=via, ok_facts=ok_facts))

    # --- statements ---------------------------------------------------------------------------

    def block(self, nodes: list[Any], state: State | None, checked: bool
              ) -> tuple[State | None, State | None]:
        """A sequence: the status is the last statement's."""
        result: tuple[State | None, State | None] = (state, None)
        current = state
        statements = [n for n in nodes if n.is_named and n.type != "comment"]
        for node in statements:
            if current is None:
                return None, None
            following = node.next_sibling
            if following is not None and following.type == "&":
                true, false = self.background(node, current)
            else:
                # bash: in a tested context (`f || x`, `if f`, `! f`) errexit is ignored
                # throughout a compound command or function body, not only at its end
                true, false = self.run(node, current, checked)
            result = (true, false)
            current = settle(true, false)
        return result

    def run(self, node: Any, state: State, checked: bool
            ) -> tuple[State | None, State | None]:
        """Evaluate one node: the states after it when it succeeds and when it fails.
        `checked`: its status is tested (an `if` condition, left of `&&`/`||`, after `!`),
        so errexit does not end the path when it fails."""
        true, false = self.evaluate(node, state, checked)
        if true is not None and not true.may_zero:
            true = replace(true, may_zero=True)
        if false is not None and false.may_zero:
            false = replace(false, may_zero=False)
        return true, false

    def evaluate(self, node: Any, state: State, checked: bool
                 ) -> tuple[State | None, State | None]:
        kind = node.type
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.flow.truncated = True
            return None, None
        if kind in ("comment", "function_definition"):
            if kind == "function_definition":
                name = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name is not None and body is not None:
                    self.flow.functions[self.raw(name)] = body
                    if self.sourcing:  # the body's words are read from its own file
                        self.readers[id(body)] = (body, self.words)
            return state, None
        if kind == "compound_statement" and node.children and \
                self.raw(node.children[0]) == "((":
            return self.arithmetic(node, state, checked)
        if kind in ("program", "compound_statement", "do_group"):
            return self.block(list(node.children), state, checked)
        if kind == "subshell":
            return self.subshell(node, state, checked)
        if kind == "list":
            return self.list_(node, state, checked)
        if kind == "negated_command":
            inner = [c for c in node.children if c.is_named]
            if not inner:
                return state, None
            bangs = self.bangs(inner[0])
            if bangs % 2:
                # `! ! cmd`: bash's second `!` cancels the first (tree-sitter reads it as a
                # command named `!`): the command as it is, errexit applies
                return self.command(inner[0], state, checked, (), strip=bangs)
            if bangs:
                true, false = self.command(inner[0], state, True, (), strip=bangs)
            else:
                true, false = self.run(inner[0], state, True)
            return false, true
        if kind == "pipeline":
            return self.pipeline(node, state, checked)
        if kind == "if_statement":
            return self.if_(node, state, checked)
        if kind == "case_statement":
            return self.case(node, state, checked)
        if kind in ("while_statement", "until_statement", "for_statement",
                    "c_style_for_statement"):
            return self.loop(node, state, checked)
        if kind == "redirected_statement":
            body = node.child_by_field_name("body")
            redirects = tuple(r for c in node.children if c.type == "file_redirect"
                              for r in self.redirect(c))
            # `read answer <<EOF`: standard input is the script's own text
            redirects += tuple(("<<", Word("<<", *self.words.position(c)))
                               for c in node.children if c.type == "heredoc_redirect")
            if body is None:
                return state, None
            out = self.stdout_of([c for c in node.children if c.type == "file_redirect"])
            inner = [c for c in body.children if c.is_named]
            self.glue(body, node)
            allocated = re.fullmatch(r"exec\s+\{([A-Za-z_][A-Za-z0-9_]*)\}",
                                     self.raw(body).strip()) if body.type == "command" else None
            if body.type == "command" and (self.raw(body).strip() == "exec" or allocated):
                self.descriptors([c for c in node.children if c.type == "file_redirect"],
                                 allocated.group(1) if allocated is not None else None)
            feed = self.heredoc_text(node)
            if feed is not None:
                self.feed = feed
            if body.type == "negated_command" and inner and inner[0].type == "command":
                # tree-sitter-bash hangs `! cmd <x` as `(! cmd) <x`: bash redirects `cmd`
                true, false = self.run_with(inner[0], state, True, redirects, out)
                return false, true
            if body.type == "command":
                return self.run_with(body, state, checked, redirects, out)
            for c in node.children:  # `while read -r f; do ...; done <<< X` (or `< <(...)`)
                if c.type == "herestring_redirect":
                    for _op, target in self.redirect(c):
                        self.feed = Word(target.text + "\n", target.line, target.column,
                                         target.dynamic)
            for op, target in redirects:
                shown = re.fullmatch(r"<\((.*)\)", target.text, re.S) if op == "<" else None
                if shown is not None:
                    text = self._printing(f"$({shown.group(1)})")
                    if not text.startswith("$("):
                        self.feed = Word(text + "\n", target.line, target.column)
                elif op == "<" and target.text in self.files:
                    self.feed = self.files[target.text]
            self.sinks.append(out if out is not None else self.sink())
            # `{ read -r a; } <<< yes`: what the body reads comes from there
            herestrings = tuple(("<<<", Word("<<<", *self.words.position(c)))
                                for c in node.children if c.type == "herestring_redirect")
            inputs = [t.text if op == "<" else "<<" for op, t in redirects + herestrings
                      if op in ("<", "<<", "<<-", "<<<")]
            self.sources.append(inputs[-1] if inputs else self.stdin_source())
            try:
                return self.run_with(body, state, checked, redirects)
            finally:
                self.sources.pop()
                self.sinks.pop()
        if kind in ("test_command", "variable_assignment", "declaration_command") and \
                self.unbound(node, state):
            return None, None
        if kind == "command":
            return self.command(node, state, checked, ())
        if kind == "test_command":
            return self.test(node, state, checked)
        if kind == "variable_assignment":
            return self.assignment(node, state, checked, declared=False)
        if kind == "unset_command":  # `unset PYTHONPATH`: recorded as a step named `unset`
            words = [self.raw(c) for c in node.children if c.is_named]
            if "-f" not in words:
                for word in words:
                    self.values.pop(word, None)
            return self.declared(node, state), None
        if kind == "declaration_command":
            keyword = self.raw(node.children[0]) if node.children else ""
            if self.locals and keyword in ("local", "declare", "typeset"):
                # in a function, these make the variable local: gone at its return
                for child in node.children:
                    named = child.child_by_field_name("name") \
                        if child.type == "variable_assignment" else \
                        (child if child.type == "variable_name" else None)
                    if named is not None:
                        self.locals[-1].add(self.raw(named))
            for child in node.children:
                if child.type == "variable_assignment":
                    state = join(*self.assignment(child, state, True, declared=True)) or state
            return self.declared(node, state), None
        if kind == "variable_assignments":
            result: tuple[State | None, State | None] = (state, None)
            for child in node.named_children:
                result = self.run(child, state, checked)
            return result
        # anything else (arithmetic, heredoc bodies, ...) runs nothing we judge
        return state, None

    def arithmetic(self, node: Any, state: State, checked: bool
                   ) -> tuple[State | None, State | None]:
        """`(( n++ < 3 ))`: status 1 when the expression is 0, so it may fail (a constant
        `(( 1 ))` never does, `(( 0 ))` always), and errexit ends the path then (`(( n++
        ))` with n 0 under `set -e`). The variables it assigns are no longer known."""
        text = " ".join(self.raw(c) for c in node.children[1:-1]).strip()
        self.here = self.words.position(node)
        value, after = arithmetic_value(text, state)
        for match in _ARITH_ASSIGNED.finditer(text):
            name = match.group(1) or match.group(2)
            self.values.pop(name, None)
            self.arrays.pop(name, None)
            known = after.get(name)
            state = _saving(state, name, None, None if known is None else str(known))
        if state.pipestatus:
            state = replace(state, pipestatus=())
        true: State | None = replace(state, status=state.facts)
        false: State | None = replace(state, status=EMPTY)
        if value is not None:
            true, false = (true, None) if value else (None, false)
        else:
            on_true, on_false = _arith_flag(text, state)
            true, false = _add(true, on_true), _add(false, on_false)
        return self.fails(true, false, state, checked)

    def unbound(self, node: Any, state: State) -> bool:
        """Under `set -u`, the node expands a variable the script unset on every path here
        (`unset X; echo "$X"`): bash says "unbound variable" and the shell ends (status
        1). `${X:-}`, `${X-}`, `${X:+...}` do not expand it."""
        if not state.nounset or not any(f.startswith(UNSET) for f in state.facts):
            return False
        text = _SINGLE_QUOTED.sub("", self.raw(node))
        for match in _UNBOUND.finditer(text):
            variable = match.group(1) or match.group(2)
            if f"{UNSET}{variable}" in state.facts:
                line, column = self.words.position(node)
                self.leave(state, 1, line, column)
                self.flow.dies.append((line, column, f"`${variable}` is unset there and "
                                       "`set -u` is on: bash stops with \"unbound variable\""))
                return True
        return False

    def run_with(self, node: Any, state: State, checked: bool,
                 redirects: tuple[tuple[str, Word], ...], out: str | None = None
                 ) -> tuple[State | None, State | None]:
        if node.type == "command":
            return self.command(node, state, checked, redirects, out)
        return self.run(node, state, checked)

    def heredoc_text(self, node: Any) -> Word | None:
        """The body of the (first) heredoc of a redirected statement, positioned at its
        first line."""
        for child in node.children:
            if child.type != "heredoc_redirect":
                continue
            for part in child.children:
                if part.type == "heredoc_body":
                    return Word(self.raw(part), *self.words.position(part))
        return None

    def redirect_parts(self, node: Any) -> tuple[str | None, str, Any]:
        """A redirection's descriptor (None: the default one), operator and target node."""
        fd, operator, target = None, "", None
        for child in node.children:
            if child.type == "file_descriptor":
                fd = self.raw(child)
            elif child.type == "ERROR" and self.raw(child) == ">" and operator == "<":
                operator = "<>"  # tree-sitter-bash (0.25) reads `3<>F` as `<`, an error
            elif not child.is_named:
                operator = self.raw(child)
            else:
                target = child
        return fd, operator, target

    def descriptors(self, nodes: list[Any], allocated: str | None = None) -> None:
        """`exec 3>> F` opens descriptor 3 on F for the commands after it; `exec 3>&-`
        closes it; `exec {fd}>> F` opens one and puts its number in `fd` (bash's first
        free one from 10)."""
        for node in nodes:
            fd, operator, target = self.redirect_parts(node)
            if allocated is not None and fd is None:
                fd = str(10 + len(self.fds))
                self.values[allocated] = fd
            if fd is None:
                continue
            if operator in (">", ">>", ">|", "<>") and target is not None:
                self.fds[fd] = self.expand(self.words.word(target))
            elif operator in (">&-", "<&-", ">&", "<&"):
                self.fds.pop(fd, None)
            if operator == "<" and target is not None:  # `exec 3</dev/tty`: read from there
                self.inputs[fd] = self.expand(self.words.word(target)).text
            elif operator in ("<&-", "<&", ">&-") or operator.startswith(">"):
                self.inputs.pop(fd, None)

    def printed_by(self, node: Any) -> Word | None:
        """What `echo`/`printf` prints (into a pipe), positioned at its first argument
        (dynamic where a word is not known); None for anything else."""
        from qt_lint.parsers.shell import printed

        if node.type == "redirected_statement":  # `cat <<EOF | while read -r f`
            body = node.child_by_field_name("body")
            heredoc = self.heredoc_text(node)
            if body is not None and heredoc is not None and \
                    self.raw(body).strip() == "cat":
                return heredoc
            return None
        if node.type != "command":
            return None
        words = [self.expand(self.words.word(c)) for c in node.children
                 if c.is_named and c.type not in ("variable_assignment", "file_redirect",
                                                  "herestring_redirect")]
        if not words or words[0].dynamic:
            return None
        command = make_command(tuple(words), "shell")
        text = printed(command) if command is not None and not command.wrappers else None
        if command is not None and text is None:
            text = self.prints(command)
        if text is None or command is None:
            return None
        at = command.args[0] if command.args else command.program
        # `"/^M=/s/=.*/=$MODEL/" w q`: its lines are known but for the variables in them
        return Word(text, at.line, at.column, any(w.dynamic for w in words))

    def glue(self, body: Any, node: Any) -> None:
        """tree-sitter-bash (0.25) reads `exec 0</dev/tty` as the argument `0` then `<`:
        a number written against the redirection that follows is its descriptor."""
        redirects = [c for c in node.children if c.type == "file_redirect"]
        if body.type == "negated_command" and body.named_children:
            body = body.named_children[0]
        if body.type == "command" and body.named_children and redirects:
            last = body.named_children[-1]
            if last.type == "number" and last.end_byte == redirects[0].start_byte:
                self.glued.add(last.start_byte)

    def sink(self) -> str | None:
        """Where the standard output of a command without its own redirection goes."""
        return self.sinks[-1] if self.sinks else self.exec_sink

    def stdin_source(self) -> str | None:
        """Where the standard input of a command without its own redirection comes from."""
        return self.sources[-1] if self.sources else self.exec_source

    def stdout_of(self, nodes: list[Any]) -> str | None:
        """The file the redirections (in order) send standard output to: `> F`, `>> F`,
        `1> F`, `&> F`, `>&2` (`/dev/stderr`), `> >(tee -a F)` (F); None when they leave it."""
        out: str | None = None
        for node in nodes:
            fd, operator, target = self.redirect_parts(node)
            if target is None or fd not in (None, "1"):
                continue
            text = self.expand(self.words.word(target)).text
            if operator in (">", ">>", ">|", "&>", "&>>"):
                tee = _TEE_SUB.match(text) if target.type == "process_substitution" else None
                out = tee.group(2) if tee is not None else text
            elif operator == ">&":
                out = "/dev/stderr" if text == "2" else (
                    f"/dev/fd/{text}" if text.isdigit() else text)
        return out

    def redirect(self, node: Any) -> list[tuple[str, Word]]:
        operator, target = "", None
        for child in node.children:
            if not child.is_named:
                operator = self.raw(child)
            elif child.type != "file_descriptor":
                target = child
        if target is None:
            return []
        opened = self.fds.get(self.expand(self.words.word(target)).text) \
            if operator == ">&" else None
        if opened is not None:  # `echo x >&3` after `exec 3>> F`: F is written here
            line, column = self.words.position(target)
            return [(">>", Word(opened.text, line, column, opened.dynamic))]
        return [(operator, self.expand(self.words.word(target)))]

    def background(self, node: Any, state: State) -> tuple[State | None, State | None]:
        """`cmd &`: it runs in a subshell nobody waits for; its status is 0 at once, so its
        failure stops nothing, and a check in it holds only where it holds either way."""
        frame = _Frame()
        loops, inner = self.enter(frame, state)
        self.detached.append("background")
        self.sources.append("/dev/null")  # bash without job control: `cmd &` reads nothing
        try:
            true, false = self.run(node, inner, True)
        finally:
            self.sources.pop()
            self.detached.pop()
            self.leave_scope(loops)
        after = self.restore(join(true, false, *frame.ok, *frame.failed), state, False)
        # what `wait $!` learns: the job's facts when it succeeded, when it failed
        ok = self.restore(join(true, *frame.ok), state, False)
        failed = self.restore(join(false, *frame.failed), state, False)
        self.last_job = (None if ok is None else ok.facts - state.facts,
                         None if failed is None else failed.facts - state.facts)
        self.job_count = min(2, self.job_count + (2 if self.loops else 1))
        if after is None:
            return state, None
        return replace(after, status=EMPTY), None

    def wait(self, step: Step, raw: list[Word], state: State, checked: bool
             ) -> tuple[State | None, State | None] | None:
        """`wait $!`, `wait "$pid"` after `pid=$!`: the status of the job started last with
        `&` (or the one whose pid was saved); None for other waits."""
        if [w.text for w in raw[1:]] == ["-n"]:
            # `wait -n`: the status of the next job to end, the only one when one was started
            job = self.last_job if self.job_count == 1 else None
        elif len(raw) != 2:
            return None
        else:
            text = raw[1].text
            match = _REF.fullmatch(text)
            job = self.last_job if text in ("$!", "${!}") else (
                self.jobs.get(match.group(1) or match.group(2)) if match else None)
        if job is None:
            return None
        self.simple(step, state, True)  # recorded as a step
        ok, failed = job
        true = _add(state, ok) if ok is not None else None
        false = _add(state, failed) if failed is not None else None
        true = replace(true, status=true.facts) if true is not None else None
        false = replace(false, status=EMPTY) if false is not None else None
        return self.fails(true, false, state, checked)

    def subshell(self, node: Any, state: State, checked: bool
                 ) -> tuple[State | None, State | None]:
        frame = _Frame()
        loops, inner = self.enter(frame, state)
        try:
            true, false = self.block(list(node.children), inner, checked)
        finally:
            self.leave_scope(loops)
        # a subshell's settings (`set +e`, traps) stay inside it
        true = self.restore(join(true, *frame.ok), state, False)
        false = self.restore(join(false, *frame.failed), state, False)
        return self.fails(true, false, state, checked)

    def fails(self, true: State | None, false: State | None, state: State, checked: bool
              ) -> tuple[State | None, State | None]:
        """A failure outside a condition runs the ERR trap (one that exits ends the path:
        with status 0 when its action exits 0), then, under errexit, ends the path: the
        innermost subshell fails, or the script ends."""
        if false is None or checked:
            return true, false
        line, column = self.here
        if false.err_active:
            self.trapped(false.err_traps, false)
        if false.err_trap is not None and false.err_active:
            code = 0 if false.err_trap == "zero" else 1
            self.leave(false, code, line, column, "the ERR trap" if code == 0 else None)
            return true, None
        if false.errexit and state.errexit:
            self.leave(false, 1, line, column)
            return true, None
        return true, false

    def list_(self, node: Any, state: State, checked: bool
              ) -> tuple[State | None, State | None]:
        children = node.children
        named = [c for c in children if c.is_named and c.type != "comment"]
        operators = [self.raw(c) for c in children if not c.is_named]
        if len(named) != 2 or not operators:
            return self.block(named, state, checked)
        left, right = named
        true, false = self.run(left, state, True)
        if operators[0] == "&&":
            if true is None:
                return None, false
            rtrue, rfalse = self.run(right, true, checked)
            return rtrue, join(false, rfalse)
        if operators[0] == "||":
            if false is None:
                return true, None
            rtrue, rfalse = self.run(right, false, checked)
            return join(true, rtrue), rfalse
        # `a; b` or `a & b` as a list node
        after = settle(true, false)
        return self.run(right, after, checked) if after else (None, None)

    def pipeline(self, node: Any, state: State, checked: bool
                 ) -> tuple[State | None, State | None]:
        members = [c for c in node.children if c.is_named and c.type != "comment"]
        negated = any(not c.is_named and self.raw(c) == "!" for c in node.children)
        facts = EMPTY
        true: State | None = state
        false: State | None = None
        statuses: list[Facts] = []  # what holds when member i exits 0 (`${PIPESTATUS[i]}`)
        always = EMPTY  # what the members before the last establish either way
        for i, member in enumerate(members):
            last = i == len(members) - 1
            # each side of a pipe runs in its own subshell: `exit` there ends only that one
            frame = _Frame()
            loops, inner = self.enter(frame, state)
            self.sinks.append(self.sink() if last else self.piped_to(members[i + 1]))
            # each member after the first reads what the one before it prints
            self.sources.append("|" if i else self.stdin_source())
            # its status is the pipeline's only as its last member, or under pipefail
            self.detached.append(None if last or state.pipefail else "pipe")
            self.feed = self.printed_by(members[i - 1]) if i else None
            try:
                mtrue, mfalse = self.run(member, inner, True)
            finally:
                self.feed = None
                self.detached.pop()
                self.sources.pop()
                self.sinks.pop()
                self.leave_scope(loops)
            mtrue = self.restore(join(mtrue, *frame.ok), state, False)
            mfalse = self.restore(join(mfalse, *frame.failed), state, False)
            gained = (mtrue.facts - state.facts) if mtrue is not None else EMPTY
            statuses.append(mtrue.facts if mtrue is not None else EMPTY)
            if last:
                gained |= always
                if state.pipefail:
                    gained |= facts
                true = _add(state, gained) if mtrue is not None else None
                false = _add(state, always) if mfalse is not None or (state.pipefail and i) \
                    else None
            elif state.pipefail:
                facts |= gained
            if not last:  # what it establishes whichever its status (it sent a line to a log)
                either = join(mtrue, mfalse)
                always |= (either.facts - state.facts) if either is not None else EMPTY
        pipes = tuple(statuses)
        true = replace(true, pipestatus=pipes) if true is not None else None
        false = replace(false, pipestatus=pipes) if false is not None else None
        if negated:
            true, false = false, true
            return true, false
        return self.fails(true, false, state, checked)

    def piped_to(self, node: Any) -> str | None:
        """Where what is piped into `node` ends: the file of `tee [-a] F` (or `cat >> F`),
        else "|" and the program that reads it (`|systemd-cat`), "|" when not known."""
        redirects: list[Any] = []
        if node.type == "redirected_statement":
            redirects = [c for c in node.children if c.type == "file_redirect"]
            node = node.child_by_field_name("body")
        if node is None or node.type != "command":
            return "|"
        words = [self.expand(self.words.word(c)).text for c in node.children
                 if c.is_named and c.type not in ("variable_assignment", "file_redirect",
                                                  "herestring_redirect")]
        redirects += [c for c in node.children if c.type == "file_redirect"]
        name = words[0].rsplit("/", 1)[-1] if words else ""
        if name == "tee":
            files = [w for w in words[1:] if not w.startswith("-") and not
                     w.startswith("/dev/")]
            return files[0] if files else (self.sink() if len(words) > 0 else "|")
        if name == "cat" and len(words) == 1:
            out = self.stdout_of(redirects)
            return out if out is not None else self.sink()
        read = journal_input(name, words[1:])
        if read is not None and read[0] == "command" and words[1 + read[1]:] == ["cat"]:
            return "|" + name  # `| systemd-cat cat`: the command it runs reads the pipe
        if name in _JOURNAL_ARGS and (read is None or read[0] != "stdin"):
            return "|"  # `| logger "msg"`, `| systemd-cat CMD`: what is piped is not read
        return "|" + name

    def if_(self, node: Any, state: State, checked: bool) -> tuple[State | None, State | None]:
        conditions: list[Any] = []
        bodies: list[list[Any]] = [[]]
        alternatives: list[Any] = []
        part = "condition"
        for child in node.children:
            if child.type in ("elif_clause", "else_clause"):
                alternatives.append(child)
            elif child.type == "then":
                part = "body"
            elif not child.is_named or child.type == "comment":
                continue
            elif part == "condition":
                conditions.append(child)
            else:
                bodies[0].append(child)
        ends: list[State | None] = []
        failed: list[State | None] = []  # the paths where the branch that ran failed
        ctrue, cfalse = self.block(conditions, state, True)
        btrue, bfalse = self.block(bodies[0], ctrue, checked) if ctrue else (None, None)
        ends += [btrue, bfalse]
        failed.append(bfalse)
        current = cfalse
        for alternative in alternatives:
            if current is None:
                break
            if alternative.type == "else_clause":
                etrue, efalse = self.block([c for c in alternative.children if c.is_named],
                                           current, checked)
                ends += [etrue, efalse]
                failed.append(efalse)
                current = None
                break
            conds: list[Any] = []
            arm: list[Any] = []
            part = "condition"
            for child in alternative.children:
                if child.type == "then":
                    part = "body"
                elif child.is_named and child.type != "comment":
                    (conds if part == "condition" else arm).append(child)
            etrue, efalse = self.block(conds, current, True)
            if etrue is not None:
                arm_true, arm_false = self.block(arm, etrue, checked)
                ends += [arm_true, arm_false]
                failed.append(arm_false)
            current = efalse
        if current is not None:
            ends.append(replace(current, status=current.facts))
        if self.if_status:
            return join(*(e for e in ends if all(e is not f for f in failed))), join(*failed)
        after = join(*ends)
        return after, None

    def case(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        subject = node.child_by_field_name("value")
        subject_text = self.raw(subject) if subject is not None else ""
        if subject is not None:  # `case "$(redis-cli ping)" in`: the substitution runs first
            state = self.substituted(subject, state)
        ends: list[State | None] = []
        failed: list[State | None] = []  # the paths where the branch that ran failed
        default = False
        for item in node.children:
            if item.type != "case_item":
                continue
            patterns: list[str] = []
            body: list[Any] = []
            seen_paren = False
            for child in item.children:
                if not child.is_named:
                    if self.raw(child) == ")":
                        seen_paren = True
                    continue
                if not seen_paren and child.type != "comment":
                    patterns.append(self.raw(child))
                elif child.type != "comment":
                    body.append(child)
            if any(p.strip("\"'") in ("*", "?*", "*?") for p in patterns):
                default = True
            matched = self.classify(
                Step(Command(tuple(Word(t, item.start_point[0] + 1, 1)
                                   for t in ("case", subject_text, *patterns)), "case"),
                     test=True), state.facts)[0]
            branch_true, branch_false = self.block(body, _add(state, matched), checked)
            ends += [branch_true, branch_false]
            failed.append(branch_false)
        if not default:
            ends.append(state)
        if self.if_status:  # a `case` fails when the branch it ran fails, as an `if`
            return join(*(e for e in ends if all(e is not f for f in failed))), join(*failed)
        return join(*ends), None

    def loop(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        """`while`/`until`/`for`: the loop ends when its condition stops it (before any
        round, or after one: `while` when it fails, `until` when it succeeds; a `for` after
        any round, or none), or by a `break` (in whatever state it left). A `continue`
        goes back to the condition. The body is walked again while what holds at the
        head still changes (bounded)."""
        condition = [c for c in node.children if c.is_named and c.type not in
                     ("do_group", "comment", "variable_name", "word", "string",
                      "concatenation", "simple_expansion", "expansion",
                      "command_substitution")]
        body = node.child_by_field_name("body")
        tested = node.type in ("while_statement", "until_statement") and bool(condition)
        # tree-sitter-bash (0.25) parses `until` as a while_statement: its keyword tells
        until = node.type == "until_statement" or (
            bool(node.children) and self.raw(node.children[0]) == "until")
        # `for i in 1 "a b"`: literal words (no expansion, no glob) run the body at least once
        values = node.children_by_field_name("value") if node.type == "for_statement" else []
        variable = node.child_by_field_name("variable") if node.type == "for_statement" \
            else None
        once = bool(values) and all(
            v.type in ("word", "number", "string", "raw_string") and
            not re.search(r"[$`*?\[]", self.raw(v)) for v in values)
        name = self.raw(variable) if variable is not None else ""
        given = self.for_values(values) if variable is not None and values else None
        if variable is not None and not values and node.type == "for_statement" and \
                self.positional is not None and not any(
                    self.raw(c) == "in" for c in node.children if not c.is_named):
            given = self.positional[1:] or None  # `for f; do`: each of "$@"
        self.values.pop(name, None)
        self.each.pop(name, None)
        if given is not None and len(given) == 1 and not given[0].dynamic:
            self.values[name] = given[0].text
        elif given:
            self.each[name] = given
        frame = _Loop()
        exits: list[State | None] = []
        head = state
        rounds = MAX_ROUNDS
        if len(self.loops) >= DEEP_LOOPS:
            # nested deeper: one walk from a head without the shell's own state (all an
            # assignment in the body can undo), so walks do not multiply with the nesting
            head = replace(state, facts=frozenset(f for f in state.facts if not self.local(f)))
            rounds = 1
        self.loops.append(frame)
        try:
            for round_ in range(rounds):
                if tested:
                    ctrue, cfalse = self.block(condition, head, True)
                    go, stop = (cfalse, ctrue) if until else (ctrue, cfalse)
                else:  # a `for`: before its first round (unless it runs once), or after any
                    go, stop = head, (None if once or round_ else head)
                    if variable is not None and go is not None:
                        # each round assigns the loop's variable (a value not known here)
                        line, column = self.words.position(variable)
                        step = Step(Command((Word(f"{self.raw(variable)}=${{FOR_VALUE}}",
                                                  line, column, True),), "assign", name="="))
                        go = _add(go, self.classify(step, go.facts)[0])
                exits.append(stop)
                if go is None or body is None:
                    break
                after = join(*self.block([body], go, checked), *frame.continues)
                frame.continues.clear()
                if not tested:
                    exits.append(after)
                again = join(state, after)
                if again is None or after is None or again == head:
                    break
                head = again
        finally:
            self.loops.pop()
            if name in self.each:  # after the loop: its last value
                last = self.each.pop(name)[-1]
                if not last.dynamic:
                    self.values[name] = last.text
        return join(*exits, *frame.breaks), None

    def for_values(self, nodes: list[Any]) -> tuple[Word, ...] | None:
        """The words a `for` loop's variable takes (a glob stays a glob: the files it
        names); None when one is not known."""
        words = [self.expand(w) for w in
                 self.spread(self.parameters([self.words.word(v) for v in nodes]))]
        words = self.spread(words)
        if not words or any(w.dynamic for w in words):
            return None
        return tuple(words)

    # --- simple commands ----------------------------------------------------------------------

    def assignment(self, node: Any, state: State, checked: bool, declared: bool
                   ) -> tuple[State | None, State | None]:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        key = self.raw(name) if name is not None else ""
        if value is None:
            self.values[key] = ""
            return state, None
        text = self.raw(value).strip()
        piped = _pipestatus(text.strip('"'), state)
        self.jobs.pop(key, None)
        if text in ("$!", '"$!"', "${!}"):
            self.jobs[key] = self.last_job
        if text in ("$?", '"$?"', "${?}") or piped is not None:
            # after a failure (`cmd || rc=$?`) the status is never 0
            holds = piped if piped is not None else (state.status if state.may_zero
                                                     else ALL)
            self.values.pop(key, None)  # the status is not known here
            return replace(_saving(state, key, holds), pipestatus=()), None
        if state.pipestatus:
            state = replace(state, pipestatus=())
        word = self.expand(self.words.word(value))
        if self.positional is not None and word.dynamic and "$" in word.text:
            # `local f="$1"` in a function whose call's words are known: those words
            given = self.parameters([word])
            if given != [word]:
                word = Word(" ".join(w.text for w in given), word.line, word.column,
                            any(w.dynamic for w in given))
        subscript = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\[(.+)\]", key)
        if subscript is None:
            self.values[key] = word.text
        literal = word.text if not word.dynamic and _LITERAL.fullmatch(word.text) else None
        state = _saving(state, key, None, literal)
        if value.type == "array":  # `F=(a "b")`, `F+=(c)`: the elements
            items, keys = self.elements(value)
            if name is not None and b"+=" in self.words.data[name.end_byte:value.start_byte]:
                items = self.arrays.get(key, ()) + items
            self.arrays[key] = items
            if keys:
                self.keyed[key] = keys
            if items and not items[0].dynamic:
                self.values[key] = items[0].text  # `$F` is its first element
            else:
                self.values.pop(key, None)
        elif subscript is not None:  # `F[0]=x`, `M[key]=x`: an element
            array, index = subscript.groups()
            if index.lstrip("-").isdigit():
                cells = list(self.arrays.get(array, ()))
                at = int(index)
                if 0 <= at < 64:
                    cells += [Word("", word.line, word.column)] * (at + 1 - len(cells))
                    cells[at] = word
                    self.arrays[array] = tuple(cells)
            else:
                self.keyed.setdefault(array, {})[index.strip("'\"")] = word
                self.arrays[array] = (*self.arrays.get(array, ()), word)
        else:
            self.arrays.pop(key, None)
            self.keyed.pop(key, None)
        step = Step(Command((Word(f"{key}={word.text}", word.line, word.column,
                                  word.dynamic),), "assign", name="="))
        self.flow.steps.append((step, state.facts))
        state = _add(state, self.classify(step, state.facts)[0]) or state
        substitutions = [c for c in _descendants(value) if c.type == "command_substitution"]
        if not substitutions:
            return state, None
        true: State | None = state
        false: State | None = None
        for sub in substitutions:
            body = [c for c in sub.children if c.is_named]
            if true is None:
                break
            frame = _Frame()
            loops, inner = self.enter(frame, true)
            self.sinks.append("|")  # what it prints is the value
            try:
                strue, sfalse = self.block(body, inner, True)
            finally:
                self.sinks.pop()
                self.leave_scope(loops)
            strue = self.restore(join(strue, *frame.ok), true, False)
            sfalse = self.restore(join(sfalse, *frame.failed), true, False)
            before = true
            if sfalse is not None:
                false = join(false, _add(before, sfalse.facts - before.facts))
            true = _add(before, strue.facts - before.facts) if strue is not None else None
        if declared:  # `local x=$(cmd)`: the status is `local`'s
            return join(true, false), None
        return self.fails(true, false, state, checked)

    def elements(self, value: Any) -> tuple[tuple[Word, ...], dict[str, Word]]:
        """An array's elements (`("$@")` with the call's words, `"${F[@]}"` spread), and
        those given a key (`([ai]=/etc/x)`)."""
        items: list[Word] = []
        keys: dict[str, Word] = {}
        for child in value.named_children:
            if child.type == "comment":
                continue
            word = self.words.word(child)
            keyed = re.match(r"\[([^\]]*)\]=", word.text)
            if keyed is not None:
                word = Word(word.text[keyed.end():], word.line, word.column, word.dynamic)
            spread = self.spread(self.parameters([self.expand(word)]))
            if keyed is not None and spread:
                keys[keyed.group(1).strip("'\"")] = spread[0]
            items.extend(spread)
        return tuple(items), keys

    def declared(self, node: Any, state: State) -> State:
        """`export PYTHONPATH` / `export PATH=...`: recorded as a step named `export`."""
        words: list[Word] = []
        flags = "".join(self.raw(c)[1:] for c in node.children
                        if c.type == "word" and self.raw(c).startswith("-"))
        for c in node.children:
            if c.type == "variable_assignment" and "n" in flags:  # `declare -n r=p`
                key = c.child_by_field_name("name")
                value = c.child_by_field_name("value")
                if key is not None and value is not None:
                    given = self.parameters([self.words.word(value)])
                    if given:
                        self.refs[self.raw(key)] = self.expand(given[0]).text
            elif c.type == "variable_name" and ("a" in flags or "A" in flags):
                self.arrays.setdefault(self.raw(c), ())  # `declare -a F`: an empty array
            if c.type == "variable_assignment":
                key = c.child_by_field_name("name")
                value = c.child_by_field_name("value")
                text = self.expand(self.words.word(value)).text if value is not None else ""
                line, column = self.words.position(c)
                words.append(Word(f"{self.raw(key) if key else ''}={text}", line, column))
            elif c.is_named and c.type in ("word", "variable_name"):
                words.append(self.expand(self.words.word(c)))
        first = node.children[0]
        line, column = self.words.position(first)
        program = Word(self.raw(first), line, column)
        command = Command((program, *words), "declare")
        self.flow.steps.append((Step(command), state.facts))
        return _add(state, self.classify(Step(command), state.facts)[0]) or state

    def test(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        words: list[Word] = []
        raw: list[str] = []
        for child in node.children:
            self._test_words(child, words, raw)
        if not words:
            return state, None
        line, column = self.words.position(node)
        program = Word(words[0].text, line, column)
        command = Command((program, *words[1:]), "test")
        return self.simple(Step(command, test=True, raw=tuple(raw)), state, checked)

    def _test_words(self, node: Any, out: list[Word], raw: list[str]) -> None:
        if node.type in ("binary_expression", "unary_expression", "parenthesized_expression",
                         "negated_expression"):
            for child in node.children:
                self._test_words(child, out, raw)
            return
        if node.type == "comment":
            return
        line, column = self.words.position(node)
        if node.is_named and node.type not in ("test_operator",):
            word = self.words.word(node)
            out.append(self.expand(word))
            raw.append(word.text)
        else:
            out.append(Word(self.raw(node), line, column))
            raw.append(out[-1].text)

    def bangs(self, node: Any) -> int:
        """How many `!` words a command starts with (after a `!`, tree-sitter-bash reads
        a further `!` as the command's name)."""
        if node.type != "command":
            return 0
        count = 0
        for child in node.children:
            if child.type in ("command_name", "word") and self.raw(child) == "!":
                count += 1
            elif child.is_named:
                break
        return count

    def command(self, node: Any, state: State, checked: bool,
                redirects: tuple[tuple[str, Word], ...], out: str | None = None,
                strip: int = 0) -> tuple[State | None, State | None]:
        stdin, self.feed = self.feed, None  # this command reads it (not its substitutions)
        if self.unbound(node, state):
            return None, None
        words: list[Word] = []
        prefix: list[Any] = []
        more: list[tuple[str, Word]] = []
        own = self.stdout_of([c for c in node.children if c.type == "file_redirect"])
        redirected = own if own is not None else out  # the command's own redirections
        out = redirected if redirected is not None else self.sink()
        for child in node.children:
            if child.type == "number" and child.start_byte in self.glued:
                continue
            if child.type == "variable_assignment":
                prefix.append(child)
            elif child.type in ("file_redirect", "herestring_redirect"):
                more.extend(self.redirect(child))
            elif strip and child.type in ("command_name", "word"):
                strip -= 1  # a `!` read as a word (see `bangs`)
            elif child.type == "command_name" or child.is_named:
                words.append(self.words.word(child))
                state = self.substituted(child, state)
        if words:
            # tree-sitter-bash (0.25) hangs `A=1 B=2` lines onto the next command: an
            # assignment on an earlier line than the command is a statement of its own
            row = words[0].line
            for child in [c for c in prefix if c.end_point[0] + 1 < row]:
                state = join(*self.assignment(child, state, checked, declared=False)) or state
            prefix = [c for c in prefix if c.end_point[0] + 1 >= row]
        if not words:
            for child in prefix:
                self.assignment(child, state, checked, declared=False)
            return state, None
        words = self.spread(self.parameters(words))
        if not words:
            return state, None
        line, column = words[0].line, words[0].column
        if self.aliasing and words[0].text in self.aliases and \
                words[0].text not in self.expanding and \
                len(self.sourcing) < MAX_SOURCE_DEPTH:
            # `alias setw='sed -i ...'`, then `setw F`: the alias's text and the rest
            name_node = next(c for c in node.children if c.type == "command_name")
            rest = self.words.data[name_node.end_byte:node.end_byte].decode("utf-8", "replace")
            self.expanding = (*self.expanding, words[0].text)
            first_step = len(self.flow.steps)
            try:
                return self.source("alias", self.aliases[words[0].text] + rest, state,
                                   checked, line, column, own_return=False)
            finally:
                self.expanding = self.expanding[:-1]
                # the alias's commands stand where it is used
                self.flow.steps[first_step:] = [
                    (_placed(step, line, column), facts)
                    for step, facts in self.flow.steps[first_step:]]
        expanded = tuple(self.expand(w) for w in words)
        command = make_command(expanded, "shell")
        for operator, target in more:
            if operator == "<<<":  # `ed -s F <<< 'wq'`: the string and a newline
                stdin = Word(target.text + "\n", target.line, target.column, target.dynamic)
        if command is not None and command.name == "printf" and not command.wrappers and \
                len(command.args) >= 3 and command.args[0].text == "-v":
            # `printf -v f '%s' F`: f holds what it would print
            from qt_lint.parsers.shell import printed

            shown = printed(replace(command, words=(command.program, *command.args[2:])))
            if shown is not None:
                self.values[command.args[1].text] = shown
        if command is not None and command.name == "alias" and not command.wrappers:
            for w in command.args:
                key, sep, value = w.text.partition("=")
                if sep and not w.dynamic:
                    self.aliases[key] = value
        if command is not None and command.name in ("echo", "printf") and redirected and \
                not command.wrappers:  # `echo F > "$L"`: what the file holds
            from qt_lint.parsers.shell import printed

            text = printed(command)
            appended = any(op == ">>" for op, _ in more)
            before = self.files.get(redirected) if appended else None
            if text is not None:
                self.files[redirected] = Word((before.text if before else "") + text, line,
                                              column, any(w.dynamic for w in expanded) or
                                              bool(before and before.dynamic))
        runs: list[Command] = []  # `xargs -I{} cmd {}`: once per line it reads
        if command is not None and command.wrappers[-1:] == ("xargs",):
            stdin = _arg_file(expanded, command, self.files) or stdin
        if command is not None and stdin is not None and command.wrappers[-1:] == ("xargs",):
            runs = _xargs(command, expanded, stdin)
            command = runs[0] if len(runs) == 1 else command
        if len(expanded) == 2 and expanded[0].text == "exec" and \
                re.fullmatch(r"\{[A-Za-z_][A-Za-z0-9_]*\}", expanded[1].text):
            command = None  # `exec {fd}>> F`: bash opens a descriptor, runs nothing
            expanded = expanded[:1]
            redirected = None  # (standard output stays where it is)
        if command is None and [w.text for w in expanded] in (["exec"], ["command", "exec"],
                                                              ["builtin", "exec"]):
            # `exec </dev/tty`, `exec >> "$LOG"`: only redirections, for the shell itself;
            # bash (not in POSIX mode) carries on when one fails, with status 1
            if redirected is not None:
                self.exec_sink = redirected
            inputs = [t.text for op, t in redirects + tuple(more) if op == "<"]
            if inputs:  # `exec </dev/tty`, `exec < answers.txt`: the shell's input from here
                self.exec_source = inputs[-1]
            step = Step(Command((expanded[-1],), "shell", name="exec"),
                        redirects + tuple(more), written=expanded, stdout=out)
            return self.simple(step, state, checked)
        if command is None:
            return state, None
        assigns = []
        for child in prefix:
            key_node = child.child_by_field_name("name")
            value_node = child.child_by_field_name("value")
            if key_node is not None:
                value = self.expand(self.words.word(value_node)).text if value_node else ""
                assigns.append((self.raw(key_node), value))
        if "env" in command.wrappers:  # `env SKIP_GATE=1 cmd`: the program's environment
            program = command.words[0]
            for word in expanded:
                if (word.line, word.column) == (program.line, program.column):
                    break
                key, sep, value = word.text.partition("=")
                if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                    assigns.append((key, value))
        step = Step(command, redirects + tuple(more), test=command.name in ("test", "[", "[["),
                    assigns=tuple(assigns), written=expanded, stdout=out)
        name = command.name
        first = words[0].text
        self.record(line, column, state.facts)
        self.here = (line, column)
        if name in self.flow.functions and not command.wrappers and \
                name not in self.calling and len(self.calling) < MAX_CALL_DEPTH:
            # bash runs a function before a builtin of its name (`exit() { ...; }` makes
            # `exit 1` a call; `builtin exit 1` is not one)
            self.sinks.append(out)  # `log "x" >> "$LOG"`: what the body prints goes there
            try:
                return self.call(name, state, checked, (command.program, *command.args))
            finally:
                self.sinks.pop()
        if (first == "return" or name == "return") and not any(f.function for f in self.frames):
            # `return` outside a function (in a script that is run, not sourced): bash says
            # "can only `return' from a function" and goes on, with status 2
            return self.fails(None, replace(state, status=EMPTY), state, checked)
        if first in ("exit", "return") or name in ("exit", "return"):
            returning = first == "return" or name == "return"
            variable = _REF.fullmatch(words[1].text) if len(words) == 2 else None
            holds = saved_facts(state, variable.group(1) or variable.group(2)) \
                if variable is not None else None
            if holds is not None:
                # `return $rc`, `exit "$rc"` after `rc=$?` (or `rc=0`): 0 where it is
                return self.exit_with(state, holds, returning, line, column)
            code = _code(command.args[0].text if command.args else None)
            if code is None and state.may_zero and not self.in_exit_trap and (
                    not command.args or command.args[0].text in ("$?", "${?}")):
                # `exit` / `exit $?`: the last status, 0 when the command before succeeded
                # (`{ echo "no backup"; exit; }` exits 0; bash 5.2 in an ERR trap too; in an
                # EXIT trap it keeps the status the script exits with)
                code = 0
                last = state.status
            else:
                last = None
            # `return` leaves the innermost function, `exit` the innermost subshell (or
            # the script: a function's `exit` ends the whole script)
            if returning:
                frame = self.frames[-1] if self.frames else None
                if frame is not None:
                    (frame.ok if code == 0 else frame.failed).append(state)
                    return None, None
            self.leave(state, code, line, column, ok_facts=last)
            return None, None
        if name in ("break", "continue") and not command.wrappers:
            return self.jump(name, command, state)
        if name == "trap" and set(command.wrappers) <= {"builtin", "command"}:
            return self.trap(command, state), None
        if name == "unset" and not any(w.text == "-f" for w in command.args):
            for w in command.args:
                self.values.pop(w.text, None)
        # `builtin set +e`, `command set +e` run the builtin in this shell; `eval "set +e"`
        # too (its string's first command, up to a separator)
        if name == "set" and command.args and command.args[0].text == "--" and \
                not command.wrappers:  # `set -- a b`: "$1" is a
            self.positional = (Word("$0", line, column), *command.args[1:])
        if name == "set" and set(command.wrappers) <= {"builtin", "command"}:
            return self.set_([w.text for w in command.args], state), None
        if name == "shopt" and set(command.wrappers) <= {"builtin", "command"}:
            return self.shopt([w.text for w in command.args], state), None
        if name == "eval" and not command.wrappers:
            evaluated = re.split(r"[;&|\n]", " ".join(w.text for w in command.args))[0].split()
            if evaluated[:1] == ["set"]:
                return self.set_(evaluated[1:], state), None
            if evaluated[:1] == ["trap"]:  # `eval "trap 'exit 0' ERR"`: the string's trap
                from qt_lint.parsers.shell import syntax_tree

                source = " ".join(w.text for w in command.args)
                nested = _Walk(source.encode("utf-8"), source, self.classify, self.local)
                nested.flow.functions, nested.defined = self.flow.functions, self.defined
                nested.trap_actions, nested.trap_index_of = self.trap_actions, self.trap_index_of
                tree = syntax_tree(source.encode("utf-8")).root_node
                statement = next((c for c in tree.children if c.is_named), None)
                if statement is not None and statement.type == "command":
                    return nested.run(statement, state, True)[0], None
            if len(words) > 1 and not any(w.dynamic for w in words[1:]) and \
                    len(self.sourcing) < MAX_SOURCE_DEPTH:
                # `eval 'exec "$VENV/bin/python" "$SCRIPT" "$@"'`: a constant string is
                # run as shell, here (its `return` is the enclosing function's)
                self.simple(step, state, True)  # recorded as a step
                first_step = len(self.flow.steps)
                try:
                    return self.source("eval", " ".join(w.text for w in words[1:]), state,
                                       checked, line, column, own_return=False)
                finally:  # the string's commands stand where the eval is
                    self.flow.steps[first_step:] = [
                        (_placed(s, line, column), facts)
                        for s, facts in self.flow.steps[first_step:]]
        if name == "shift" and self.positional is not None:
            count = _code(command.args[0].text if command.args else "1")
            if count is None:
                self.positional = None  # `shift $n`: no longer known
            else:
                self.positional = (self.positional[0], *self.positional[1 + count:])
        if name in ("source", ".") and command.args and self.resolve is not None and \
                set(command.wrappers) <= {"builtin", "command"}:
            found = self.resolve(command.args[0].text)
            if found is not None and found[1] is None:
                self.flow.unread.append((line, column, found[0]))
            elif found is not None and found[0] not in self.sourcing and \
                    len(self.sourcing) < MAX_SOURCE_DEPTH:
                self.simple(step, state, True)  # recorded as a step
                return self.source(found[0], found[1] or "", state, checked, line, column)
        if name == "wait" and not command.wrappers:
            waited = self.wait(step, words, state, checked)
            if waited is not None:
                return waited
        if command.wrappers and command.wrappers[0] == "exec":
            # what holds when the program starts: the exec's own `VAR=value` prefix and
            # `env -u`/`env -i`/`exec -c` (the classifier reads them) apply
            result = self.simple(step, state, True)
            started = result[0] or result[1] or state
            detached = self.detached[-1] if self.detached else None
            self.flow.ends.append(End(line, column, None, started.facts, step,
                                      detached=detached))
            # bash goes on after an exec whose redirection it cannot open (status 1, even
            # under errexit), and after one whose program it cannot run under `shopt -s
            # execfail` (without errexit: bash 5.2 exits with 127 then, `||` or not)
            opens = any(op in (">", ">>", "<", "&>", "&>>", ">|", "<>") and
                        not target.text.startswith("/dev/") for op, target in step.redirects)
            if opens or (self.execfail and not state.errexit):
                failed = _add(state, frozenset({EXEC_FAILED})) or state
                return self.fails(None, replace(failed, status=EMPTY), state, checked)
            return None, None
        if stdin is not None:
            step = replace(step, stdin=stdin)
        # `for f in a b; do sed -i ... "$f"; done`: once with each value
        alternatives = runs if len(runs) > 1 else self.alternatives(step.command) \
            if self.each or self.arrays else []
        if alternatives:
            done = [self.simple(replace(step, command=alternative), state, checked)
                    for alternative in alternatives]
            return join(*(t for t, _ in done)), join(*(f for _, f in done))
        return self.simple(step, state, checked)

    def source(self, shown: str, text: str, state: State, checked: bool, line: int,
               column: int, own_return: bool = True) -> tuple[State | None, State | None]:
        """`source FILE`: the file's commands run in this shell (its `set`, its exits, the
        functions it defines); its `return` ends only the file. Where a path ends in it,
        the `source` line stands for it."""
        from qt_lint.parsers.shell import syntax_tree

        data = text.encode("utf-8")
        nested = _Walk(data, text, self.classify, self.local, self.resolve)
        nested.sourcing = (*self.sourcing, shown)
        frame = _Frame(function=True)
        nested.frames = [*self.frames, frame] if own_return else self.frames
        nested.values, nested.defined = self.values, self.defined
        nested.flow.functions = self.flow.functions
        nested.steps, nested.execfail = self.steps, self.execfail
        nested.positional, nested.calling = self.positional, self.calling
        nested.exec_sink, nested.in_exit_trap = self.exec_sink, self.in_exit_trap
        nested.jobs, nested.arrays, nested.last_job = self.jobs, self.arrays, self.last_job
        nested.job_count = self.job_count
        nested.locals, nested.readers, nested.home = self.locals, self.readers, self.home
        nested.trap_actions, nested.trap_states = self.trap_actions, self.trap_states
        nested.trap_index_of = self.trap_index_of
        tree = syntax_tree(data).root_node
        for node in _descendants(tree):
            if node.type == "function_definition":
                fname, body = node.child_by_field_name("name"), node.child_by_field_name("body")
                if fname is not None and body is not None:
                    self.defined.setdefault(nested.raw(fname), body)
                    self.readers[id(body)] = (body, nested.words)
        true, false = nested.run(tree, state, checked)
        self.steps, self.execfail = nested.steps, nested.execfail
        self.exec_sink, self.last_job = nested.exec_sink, nested.last_job
        self.job_count = nested.job_count
        flow = nested.flow
        self.flow.ends += [replace(e, line=line, column=column) for e in flow.ends]
        self.flow.steps += flow.steps
        self.flow.dies += [(line, column, f"in {shown}: {why}") for _l, _c, why in flow.dies]
        self.flow.unread += [(line, column, f"{name} (from {shown})")
                             for _l, _c, name in flow.unread]
        self.flow.truncated = self.flow.truncated or flow.truncated
        true = join(true, *frame.ok)
        false = join(false, *frame.failed)
        return self.fails(true, false, state, checked)

    def exit_with(self, state: State, holds: Facts, returning: bool, line: int, column: int
                  ) -> tuple[State | None, State | None]:
        """`return $rc` / `exit $rc` where what holds when `$rc` is 0 is known: 0 with
        those facts, else a failure (ALL: never 0)."""
        frame = self.frames[-1] if self.frames else None
        if returning and frame is not None:
            if holds != ALL:
                ok = _add(state, holds) or state
                frame.ok.append(replace(ok, status=ok.facts))
            frame.failed.append(replace(state, status=EMPTY))
            return None, None
        if returning:  # outside a function: bash fails (status 2) and goes on
            return self.fails(None, replace(state, status=EMPTY), state, False)
        if holds == ALL:
            self.leave(state, 1, line, column)
        else:
            self.leave(state, 0, line, column, ok_facts=holds | state.facts)
        return None, None

    def spread(self, words: list[Word]) -> list[Word]:
        """`"${F[@]}"` with the array `F` known: its elements, one word each."""
        if not self.arrays or not any("[" in w.text for w in words):
            return words
        out: list[Word] = []
        for word in words:
            indices = _INDICES.fullmatch(word.text) if word.dynamic else None
            if indices is not None and indices.group(1) in self.arrays:  # `"${!F[@]}"`
                keys = list(self.keyed.get(indices.group(1), {})) or \
                    [str(i) for i in range(len(self.arrays[indices.group(1)]))]
                out.extend(Word(k, word.line, word.column + i) for i, k in enumerate(keys))
                continue
            match = _ELEMENTS.fullmatch(word.text) if word.dynamic else None
            part = _SLICE.fullmatch(word.text) if word.dynamic and match is None else None
            found = match or part
            if found is None or found.group(1) not in self.arrays:
                out.append(word)
                continue
            items = self.arrays[found.group(1)]
            if part is not None:
                # bash: from the offset (counted from the end when negative: nothing
                # when it is before the first), as many as the length (all when none)
                at = int(part.group(2) or part.group(3))
                at = at if at >= 0 else len(items) + at
                items = () if at < 0 else items[at:]
                if part.group(4) is not None:
                    items = items[:int(part.group(4))]
            out.extend(Word(e.text, word.line, word.column + i, e.dynamic)
                       for i, e in enumerate(items))
        return out

    def alternatives(self, command: Command) -> list[Command]:
        """The command once with each value of the first `for` variable its words name
        (none when they name none)."""
        names = {m.group(1) or m.group(2) for w in command.words for m in _REF.finditer(w.text)}
        name = next((n for n in self.each if n in names), None)
        if name is None:
            return self.any_element(command)
        out: list[Command] = []
        for value in self.each[name][:MAX_VALUES]:
            def put(match: re.Match[str], value: Word = value) -> str:
                return value.text if (match.group(1) or match.group(2)) == name else \
                    match.group()

            words = tuple(Word(_REF.sub(put, w.text), w.line, w.column,
                               value.dynamic or "$" in _REF.sub(put, w.text))
                          for w in command.words)
            out.append(replace(command, words=words))
        return out

    def any_element(self, command: Command) -> list[Command]:
        """`"${L[i]}"`, `"${M[$k]}"` with an index not known: the command once with each
        element of the known array."""
        for at, word in enumerate(command.words):
            match = _ANY_ELEMENT.search(word.text) if word.dynamic else None
            if match is None or match.group(1) not in self.arrays:
                continue
            out: list[Command] = []
            for item in self.arrays[match.group(1)][:MAX_VALUES]:
                text = word.text[:match.start()] + item.text + word.text[match.end():]
                words = list(command.words)
                words[at] = Word(text, word.line, word.column, item.dynamic or "$" in text)
                out.append(replace(command, words=tuple(words)))
            return out
        return []

    def parameters(self, words: list[Word]) -> list[Word]:
        """`"$@"`, `$1`, `"${@:2}"` in a function whose call's words are known: those words
        (`must() { "$@"; }; must test -f "$DB"` runs the test)."""
        from qt_lint.parsers.shell import POSITIONAL

        params = self.positional
        if params is None or not any(w.dynamic and "$" in w.text for w in words):
            return words
        out: list[Word] = []
        for word in words:
            text = word.text
            # `${1:?msg}`: the parameter (or bash stops); `${@: -2}`: counted from the end
            text = re.sub(r"^\$\{([0-9]+):?\?[^}]*\}$", r"${\1}", text)
            tail = re.fullmatch(r"\$\{[@*]:\s*(?:\(\s*)?-([0-9]+)(?:\s*\))?(?::([0-9]+))?\}",
                                text)
            if tail is not None and word.dynamic:
                start = max(1, len(params) - int(tail.group(1)))
                end = start + int(tail.group(2)) if tail.group(2) else len(params)
                text = f"${{@:{start}:{max(0, end - start)}}}"
            word = Word(text, word.line, word.column, word.dynamic)
            match = POSITIONAL.match(word.text) if word.dynamic else None
            if match is None:
                # `"[$(date)] $*"`: the parameters inside a longer word, as text
                out.append(Word(_INNER_POSITIONAL.sub(lambda m: _inner(m, params), word.text),
                                word.line, word.column, word.dynamic)
                           if word.dynamic else word)
                continue
            index = match.group("digit") or match.group("n") or match.group("dn")
            if index is not None:
                at = int(index)
                if at < len(params) and params[at].text:
                    out.append(Word(params[at].text, word.line, word.column,
                                    params[at].dynamic))
                elif match.group("dn") is not None:
                    out.append(Word(match.group("default") or "", word.line, word.column))
                continue
            if match.group("all") or match.group("ball"):
                chosen = params[1:]
            else:
                offset = int(match.group("off"))
                length = match.group("len")
                chosen = params[offset:] if length is None else \
                    params[offset:offset + int(length)]
            # the words stand where `"$@"` is written (the command's position)
            out.extend(Word(p.text, word.line, word.column + i, p.dynamic)
                       for i, p in enumerate(chosen))
        return out

    def unlocal(self, inner: State | None, outer: State, names: set[str]) -> State | None:
        """A function's local variables are gone at its return: what it established of
        them (as an `unset` would undo it) is what held before the call."""
        if inner is None:
            return None
        kills: set[str] = set()
        for name in names:
            kills |= _unlocal_kills(self, name)
        return replace(inner, facts=(inner.facts - kills) | (outer.facts & kills))

    def jump(self, name: str, command: Command, state: State
             ) -> tuple[State | None, State | None]:
        """`break [N]` / `continue [N]`: the path leaves the loop N levels out (bash: all of
        them when N is larger; outside a loop, in this function or subshell, nothing)."""
        if not self.loops:
            return state, None
        count = _code(command.args[0].text if command.args else "1")
        count = count if count is not None and count > 0 else 1
        target = self.loops[max(0, len(self.loops) - count)]
        (target.breaks if name == "break" else target.continues).append(state)
        return None, None

    def trap(self, command: Command, state: State) -> State:
        """`trap ACTION ERR`/`EXIT`: what the action does when it runs (read as shell: a
        function of the script, or the action's own text)."""
        args = [w.text for w in command.args]
        if args[:1] == ["--"]:
            args = args[1:]
        if not args or (args[0].startswith("-") and args[0] != "-"):
            return state  # `trap -p`, `trap -l`: lists
        action, signals = (args[0], args[1:]) if len(args) > 1 else ("-", args)
        names = {s.upper() for s in signals}  # `SIGERR`, `SIGEXIT`: bash refuses them
        err = "ERR" in names
        exit_ = bool(names & {"EXIT", "0"})
        if not err and not exit_:
            return state
        given = command.args[len(command.args) - len(args)] if len(args) > 1 else None
        if err:
            kind = None if action in ("-", "") else self.trap_kind(action, True)
            state = replace(state, err_trap=kind, err_active=True,
                            err_traps=self.trap_index(given, "ERR", command))
        if exit_:
            kind = None if action in ("-", "") else self.trap_kind(action, False)
            state = replace(state, exit_trap="zero" if kind == "zero" else None,
                            exit_traps=self.trap_index(given, "EXIT", command))
        return state

    def trap_index(self, action: Word | None, signal: str, command: Command
                   ) -> frozenset[int]:
        """The trap now set for `signal` (none for `trap - EXIT`, `trap '' EXIT`): its
        action, positioned where its text starts in the file."""
        if action is None or action.text in ("-", "") or not action.text.strip():
            return frozenset()
        line, column = action.line, action.column
        rows = self.words.text.split("\n", line)
        # (a trap set in a trap's action is positioned in the file, not in its text)
        row = rows[line - 1] if 1 <= line <= len(rows) else ""
        opening = row[column - 1:column + 1]
        column += 2 if opening == "$'" else (1 if opening[:1] in ("'", '"') else 0)
        key = (action.text, line, column, signal, command.program.line)
        index = self.trap_index_of.setdefault(key, len(self.trap_actions))
        if index == len(self.trap_actions):
            self.trap_actions.append(key)
        return frozenset({index})

    def run_traps(self) -> None:
        """Each trap's action, walked where it runs: on each path that reaches it (an exit,
        errexit's end, the end of the script; a failure for ERR) with what holds there.
        Its commands are steps of the flow, each with what holds on every path reaching
        it (a write in an EXIT trap set before the gate is a write on the gate's failure
        path; one the action guards, `[ "$answer" = yes ] && sed ...`, only where the
        guard passes); its ends are its own."""
        for index, paths in sorted(self.trap_states.items()):
            steps: dict[Step, Facts] = {}
            for state in paths.values():
                self.run_trap(index, state, steps)
            self.flow.steps += list(steps.items())

    def run_trap(self, index: int, state: State, steps: dict[Step, Facts]) -> None:
        """One walk of a trap's action from `state`: its steps go into `steps` (what holds
        on every walk that reaches one)."""
        from qt_lint.parsers.shell import syntax_tree, word_reader

        text, line, column, signal, at = self.trap_actions[index]
        data = text.encode("utf-8")
        nested = _Walk(data, text, self.classify, self.local, self.resolve)

        def mapper(r: int, c: int, line: int = line, column: int = column
                   ) -> tuple[int, int]:
            return (line, column + c) if r == 0 else (line + r, c + 1)

        nested.words = word_reader(data, text, mapper)
        nested.home, nested.readers = self.home, self.readers
        nested.values, nested.defined = dict(self.values), self.defined
        nested.flow.functions = {**self.defined, **self.flow.functions}
        nested.arrays, nested.jobs = self.arrays, self.jobs
        nested.steps, nested.exec_sink = self.steps, self.exec_sink
        nested.in_exit_trap = signal == "EXIT"
        frame = _Frame()
        nested.frames = [frame]
        start = replace(state, exit_traps=frozenset(), err_traps=frozenset(),
                        exit_trap=None, err_trap=None)
        true, false = nested.run(syntax_tree(data).root_node, start, False)
        self.steps = nested.steps
        label = f"the {signal} trap set at line {at}"
        # its status is the shell's under errexit, or when the action always exits
        kept = state.errexit or (
            true is None and false is None and bool(frame.ok or frame.failed))
        self.flow.traps[label] = self.flow.traps.get(label, True) and kept
        for step, facts in nested.flow.steps:
            step = replace(step, trap=label)
            known = steps.get(step)
            steps[step] = facts if known is None else known & facts
        for (row, col), facts in nested.flow.at.items():
            self.record(row, col, facts)
        self.flow.ends += [e for e in nested.flow.ends
                           if e.exec_step is not None and e not in self.flow.ends]
        self.flow.truncated = self.flow.truncated or nested.flow.truncated

    def trap_kind(self, action: str, err: bool) -> str | None:
        """"zero" when the action exits 0 on some path, "fail" when it exits non-zero on
        every path, None when it may return (then errexit, or nothing, decides)."""
        from qt_lint.parsers.shell import syntax_tree

        data = action.encode("utf-8")
        words = action.split()
        frame = _Frame()
        saved = (len(self.flow.steps), dict(self.flow.at), len(self.flow.ends),
                 dict(self.values), self.in_exit_trap)
        # an ERR trap starts with the failed command's status
        loops, inner = self.enter(frame, State(may_zero=not err))
        self.in_exit_trap = not err
        try:
            known = words[0] in self.flow.functions if words else False
            if words and not known and words[0] in self.defined:
                self.flow.functions[words[0]] = self.defined[words[0]]
            if words and words[0] in self.flow.functions and words[0] not in self.calling:
                try:
                    true, false = self.call(words[0], inner, True)
                finally:
                    if not known:
                        del self.flow.functions[words[0]]
            else:
                nested = _Walk(data, action, self.classify, self.local)
                nested.frames, nested.in_exit_trap = [frame], self.in_exit_trap
                nested.steps = self.steps
                true, false = nested.run(syntax_tree(data).root_node, inner, True)
                self.steps = nested.steps
        finally:
            self.leave_scope(loops)
            self.in_exit_trap = saved[4]
            del self.flow.steps[saved[0]:]
            self.flow.at = saved[1]
            del self.flow.ends[saved[2]:]
            self.values = saved[3]
        if frame.ok:
            return "zero"
        if true is None and false is None and frame.failed:
            return "fail"
        return None

    def substituted(self, node: Any, state: State) -> State:
        """`echo "git=$(git rev-parse HEAD)"`: the substitutions in a word run first (their
        status is not the command's)."""
        for sub in _descendants(node):
            if sub.type != "command_substitution":
                continue
            frame = _Frame()
            loops, inner = self.enter(frame, state)
            self.sinks.append("|")  # what it prints becomes the word
            try:
                strue, sfalse = self.block([c for c in sub.children if c.is_named], inner,
                                           True)
            finally:
                self.sinks.pop()
                self.leave_scope(loops)
            after = self.restore(join(strue, sfalse, *frame.ok, *frame.failed), state, False)
            if after is not None:
                state = replace(state, facts=state.facts | (after.facts - state.facts))
        return state

    def record(self, line: int, column: int, facts: Facts) -> None:
        key = (line, column)
        known = self.flow.at.get(key)
        self.flow.at[key] = facts if known is None else known & facts

    def simple(self, step: Step, state: State, checked: bool
               ) -> tuple[State | None, State | None]:
        words = step.command.words
        self.record(words[0].line, words[0].column, state.facts)
        self.here = (words[0].line, words[0].column)
        self.flow.steps.append((step, state.facts))
        on_true, on_false = self.classify(step, state.facts)
        if NOT_FOUND in on_true:
            self.flow.dies.append((words[0].line, words[0].column, f"`{words[0].text}` is "
                                   "not found (status 127): PATH holds no folder it is in"))
            on_true = on_true - {NOT_FOUND}
            found = False
        else:
            found = True
        not_true, not_false = negations(on_true, on_false)
        status_true, status_false = self._status_test(step, state)
        true = _add(state, on_true | status_true | not_true)
        false = _add(state, on_false | status_false | not_false)
        name = step.command.name
        if not step.redirects and not step.command.wrappers and not step.test:
            if name in ("true", ":"):  # never fails (`while true; do ...; break; done`)
                false = None
            elif name == "false":
                true = None
        if not found:
            true = None
        if true is not None:
            true = replace(true, status=true.facts)
        if false is not None:
            false = replace(false, status=EMPTY)
        # the command ran: `${PIPESTATUS[0]}` is its status now
        true = replace(true, pipestatus=()) if true is not None and true.pipestatus else true
        false = replace(false, pipestatus=()) if false is not None and false.pipestatus \
            else false
        if step.command.name in ("read", "mapfile", "readarray"):
            self.read_into(step)
        if step.command.name == "read":
            read = read_variable(step.command)
            # an answer from a heredoc, a here-string, a file or `< <(echo yes)` is the
            # script's, not a person's: not a `read:` of the answer
            fed = any(op in ("<<", "<<-", "<<<") or (op == "<" and target.text != "/dev/tty")
                      for op, target in step.redirects)
            # `echo yes | { read -r a; }`, `{ read a; } < file`: what it reads is the script's
            fed = fed or (not any(op == "<" for op, _ in step.redirects) and
                          self.stdin_source() not in (None, "/dev/tty"))
            # `read a <&3`, `read -u "${COPROC[0]}" a`: a descriptor the script opened (a
            # coprocess, a pipe), unless it opened it on the terminal
            dup = [t.text for op, t in step.redirects if op == "<&"]
            fed = fed or any(fd != "0" and self.inputs.get(fd) != "/dev/tty"
                             for fd in dup + read_descriptor(step.command))
            if not fed:
                true = _add(true, frozenset({f"read:{read}"}))
                false = _add(false, frozenset({f"read:{read}"}))
        return self.fails(true, false, state, checked)

    def read_into(self, step: Step) -> None:
        """`read -r F <<< X`, `IFS=: read -ra F`, `mapfile -t F <<EOF`, `while read -r f;
        ... done <<< X`, `printf ... | while read`: the variables get what is read (each
        line read, for a `read` given several); not known (unset here) otherwise."""
        command = step.command
        args = [w.text for w in command.args]
        mapping = command.name != "read"
        delimiter = "\n"
        array: str | None = None
        names: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg.startswith("-") and len(arg) > 1 and not names:
                for j, letter in enumerate(arg[1:]):
                    if letter in ("dnOsuCc" if mapping else "adpntuNi"):  # takes a value
                        rest = arg[j + 2:]
                        given = rest if rest else (args[i + 1] if i + 1 < len(args) else "")
                        if not rest:
                            i += 1
                        if letter == "a" and not mapping:
                            array = given
                        elif letter == "d":
                            delimiter = given[:1] or "\0"
                        break
            else:
                names.append(arg)
            i += 1
        if mapping:
            array = names[-1] if names else "MAPFILE"
            names = []
        elif array is None and not names:
            names = ["REPLY"]
        for name in [*names, *([array] if array else [])]:
            self.values.pop(name, None)
            self.arrays.pop(name, None)
            self.each.pop(name, None)
        fed = step.stdin
        for op, target in step.redirects:
            if op == "<":
                fed = self.files.get(target.text)
                inner = re.fullmatch(r"<\((.*)\)", target.text, re.S)
                if inner is not None:  # `< <(echo X)`
                    shown = self._printing(f"$({inner.group(1)})")
                    fed = None if shown.startswith("$(") else Word(shown + "\n", target.line,
                                                                   target.column)
        if fed is None or fed.dynamic:
            return
        records = fed.text.split(delimiter)
        if records and records[-1] in ("", "\n"):
            records.pop()
        if not records:
            return
        at = (fed.line, fed.column)
        if mapping and array:
            keep = "-t" in args or any(a.startswith("-") and "t" in a for a in args)
            self.arrays[array] = tuple(Word(r if keep else r + delimiter, *at)
                                       for r in records[:64])
            self.values[array] = records[0]
            return
        ifs = next((v for k, v in step.assigns if k == "IFS"), None)
        if ifs is None:
            ifs = self.values.get("IFS", " \t\n")

        def split(record: str, count: int) -> list[str]:
            if not ifs:
                return [record]
            pattern = "[" + re.escape(ifs) + "]+" if ifs.strip() == "" else \
                "[" + re.escape(ifs) + "]"
            parts = re.split(pattern, record.strip(" \t\n") if ifs.strip() != ifs else
                             record, maxsplit=max(0, count - 1) if count else 0)
            return parts

        if array is not None:
            self.arrays[array] = tuple(Word(p, *at) for p in split(records[0], 0))
            return
        each: dict[str, list[str]] = {}
        for line in records[:MAX_VALUES]:
            parts = split(line, len(names))
            for k, name in enumerate(names):
                each.setdefault(name, []).append(parts[k] if k < len(parts) else "")
        for name, found in each.items():
            if len(found) == 1:
                self.values[name] = found[0]
            else:  # a loop reading line after line: each of them
                self.each[name] = tuple(Word(v, *at) for v in found)

    def _status_test(self, step: Step, state: State) -> tuple[Facts, Facts]:
        """`[ $? -ne 0 ]`, `[ "$rc" -eq 0 ]`, `(( rc != 0 ))`: what the tested status means."""
        if not step.test:
            return EMPTY, EMPTY
        texts = [w.text for w in step.command.args if w.text not in ("]", "]]")]
        raw = [t for t in step.raw[1:] if t not in ("]", "]]")] if step.raw else texts
        if len(texts) != 3 or len(raw) != 3:
            return EMPTY, EMPTY
        subject, operator, value = raw[0], texts[1], texts[2].strip('"')
        piped = _pipestatus(subject.strip('"'), state)
        holds: Facts | None
        if subject in ("$?", "${?}") and value == "0":
            holds = state.status
        elif piped is not None and value == "0":
            holds = piped
        else:
            # `[ "$rc" -eq 0 ]`, `[ "$ok" = 1 ]`: what holds where the variable has the value
            match = _REF.fullmatch(subject) or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", subject)
            ref = match is not None and match.re is lazyre.compiled(_REF)
            name = (match.group(1) or match.group(2)) if match and ref else \
                (subject if match else "")
            holds = saved_facts(state, name, value) if name and _LITERAL.fullmatch(value) \
                else None
            if holds is None:
                return EMPTY, EMPTY
            if holds == ALL:
                holds = EMPTY  # the variable never has the value (a test's path is not cut)
        if operator in ("-eq", "=", "=="):
            return holds, EMPTY
        if operator in ("-ne", "!=") or (operator == "-gt" and value == "0"):
            return EMPTY, holds
        return EMPTY, EMPTY

    def set_(self, args: list[str], state: State) -> State:
        errexit, pipefail = state.errexit, state.pipefail
        errtrace, nounset = state.errtrace, state.nounset
        for i, text in enumerate(args):
            value = args[i + 1] if i + 1 < len(args) else ""
            if text[:1] in "-+" and not text.startswith("--") and (
                    "u" in text[1:] or ("o" in text[1:] and value == "nounset")):
                nounset = text[0] == "-"
            elif text.startswith("+") and "$" in text:
                nounset = False
            if (text.startswith("-") and "E" in text[1:] and not text.startswith("--")) or \
                    (text.startswith("-") and "o" in text[1:] and value == "errtrace"):
                errtrace = True
            elif (text.startswith("+") and "E" in text[1:]) or \
                    (text.startswith("+") and "o" in text[1:] and value == "errtrace"):
                errtrace = False
            if text.startswith("-") and "o" in text[1:] and value in ("errexit", "pipefail"):
                errexit = True if value == "errexit" else errexit
                pipefail = True if value == "pipefail" else pipefail
            elif text.startswith("+") and "o" in text[1:] and value in ("errexit", "pipefail"):
                errexit = False if value == "errexit" else errexit
                pipefail = False if value == "pipefail" else pipefail
            if _SET_ON.match(text):
                errexit = True
            elif _SET_OFF.match(text) or (text.startswith("+") and "$" in text):
                # `set +$-`: every flag set now, errexit among them
                errexit = False
        return replace(state, errexit=errexit, pipefail=pipefail, errtrace=errtrace,
                       nounset=nounset)

    def shopt(self, args: list[str], state: State) -> State:
        """`shopt -so errexit` is `set -o errexit`, `shopt -uo pipefail` `set +o pipefail`;
        `shopt -s execfail`: a failed exec no longer ends the shell."""
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        names = [a for a in args if not a.startswith("-")]
        on = "s" in flags
        if "u" not in flags and not on:
            return state
        if "o" in flags:
            out: list[str] = []
            for name in names:
                out += ["-o" if on else "+o", name]
            return self.set_(out, state)
        if "execfail" in names and on:
            self.execfail = True
        if "expand_aliases" in names:  # a script's aliases are expanded only with it
            self.aliasing = on
        return state

    def call(self, name: str, state: State, checked: bool,
             arguments: tuple[Word, ...] | None = None) -> tuple[State | None, State | None]:
        body = self.flow.functions[name]
        frame = _Frame(function=True)
        loops, inner = self.enter(frame, state)
        self.calling.append(name)
        saved, self.positional = self.positional, arguments
        self.locals.append(set())
        owner = self.readers.get(id(body))
        reader, self.words = self.words, owner[1] if owner and owner[0] is body else self.home
        try:
            true, false = self.run(body, inner, checked)
        finally:
            self.words = reader
            self.positional = saved
            local = self.locals.pop()
            self.calling.pop()
            self.leave_scope(loops)
        if local:  # `local PYTHONPATH=...; export PYTHONPATH`: undone at the return
            true = self.unlocal(true, state, local)
            false = self.unlocal(false, state, local)
            frame.ok = [s for s in (self.unlocal(s, state, local) for s in frame.ok) if s]
            frame.failed = [s for s in (self.unlocal(s, state, local) for s in frame.failed)
                            if s]
        return self.fails(self.restore(join(true, *frame.ok), state, True),
                          self.restore(join(false, *frame.failed), state, True), state, checked)


def _unlocal_kills(walk: _Walk, name: str) -> set[str]:
    step = Step(Command((Word("unset", 1, 1), Word(name, 1, 7)), "declare"))
    return {f[1:] for f in walk.classify(step, EMPTY)[0] if f.startswith("-")}


def _found(command: Command) -> str | None:
    """The paths `find DIR... -name N` prints, as globs (`DIR/N`, `DIR/*`); `-print0`
    ends each with a NUL."""
    args = [w.text for w in command.args]
    folders = []
    for arg in args:
        if arg.startswith(("-", "(", "!")):
            break
        folders.append(arg.rstrip("/"))
    names = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-name", "-iname")]
    if not folders or any(a in ("-exec", "-execdir", "-delete", "-ok") for a in args):
        return None
    end = "\0" if "-print0" in args else "\n"
    return "".join(f"{folder}/{name}{end}" for folder in folders for name in (names or ["*"]))


def _placed(step: Step, line: int, column: int) -> Step:
    """A step read from other text (an alias's), its words put at (line, column)."""
    def at(word: Word, k: int) -> Word:
        return Word(word.text, line, column + k, word.dynamic)

    command = replace(step.command, words=tuple(at(w, k)
                                                for k, w in enumerate(step.command.words)))
    return replace(step, command=command,
                   redirects=tuple((op, at(t, 0)) for op, t in step.redirects),
                   written=tuple(at(w, k) for k, w in enumerate(step.written)))


def _arg_file(written: tuple[Word, ...], command: Command, files: dict[str, Word]
              ) -> Word | None:
    """`xargs -a FILE cmd`: what the script printed into FILE (None: not known)."""
    before = [w.text for w in written[:len(written) - len(command.words)]]
    for i, option in enumerate(before):
        name = option[2:] if option.startswith("-a") and len(option) > 2 else \
            option.split("=", 1)[1] if option.startswith("--arg-file=") else \
            before[i + 1] if option in ("-a", "--arg-file") and i + 1 < len(before) else None
        if name is not None and name in files:  # read where xargs is
            held = files[name]
            return Word(held.text, command.program.line, command.program.column, held.dynamic)
    return None


def _xargs(command: Command, written: tuple[Word, ...], stdin: Word) -> list[Command]:
    """`echo F | xargs sed -i X`: the command with the words xargs reads added; with
    `-I R` (`-IR`, `-i`, `--replace[=R]`) once per line read, R in its words replaced by
    the line (GNU xargs). Not with `-0`, `-d`, `-a`, which read them otherwise."""
    before = [w.text for w in written[:len(written) - len(command.words)]]
    at = max(i for i, w in enumerate(before) if w.rsplit("/", 1)[-1] == "xargs") \
        if "xargs" in [w.rsplit("/", 1)[-1] for w in before] else len(before)
    options = before[at + 1:]
    if any(o.startswith(("-0", "--null")) for o in options):  # `printf '%s\0' F | xargs -0`
        stdin = Word(stdin.text.replace("\0", "\n"), stdin.line, stdin.column, stdin.dynamic)
    if any(o.startswith(("-d", "--delimiter")) for o in options):
        return [command]
    options = [o for i, o in enumerate(options)  # `-a FILE` (read by the caller)
               if not o.startswith(("-a", "--arg-file")) and
               (i == 0 or options[i - 1] not in ("-a", "--arg-file"))]
    replaced: str | None = None
    for i, option in enumerate(options):
        if option == "-I" and i + 1 < len(options):
            replaced = options[i + 1]
        elif option.startswith("-I") and len(option) > 2:
            replaced = option[2:]
        elif option in ("-i", "--replace"):
            replaced = "{}"
        elif option.startswith(("-i", "--replace=")):
            replaced = option.split("=", 1)[1] if "=" in option else option[2:]
    if replaced is None:
        items = tuple(Word(m.group(), stdin.line, stdin.column + m.start(), stdin.dynamic)
                      for m in re.finditer(r"\S+", stdin.text))
        return [replace(command, words=command.words + items)]
    lines = [line.strip() for line in stdin.text.split("\n") if line.strip()]
    return [replace(command, words=tuple(
        Word(w.text.replace(replaced, line), w.line, w.column, w.dynamic or stdin.dynamic)
        if replaced in w.text else w for w in command.words)) for line in lines[:MAX_VALUES]
    ] or [command]


_PIPESTATUS = lazyre.compile(r"\$\{PIPESTATUS\[([0-9]+)\]\}|\$PIPESTATUS")


def _pipestatus(text: str, state: State) -> Facts | None:
    """`${PIPESTATUS[i]}` (`$PIPESTATUS`: index 0): what holds when it is 0 (after a
    pipeline; after any other command index 0 is its status); None for other words."""
    match = _PIPESTATUS.fullmatch(text)
    if match is None:
        return None
    index = int(match.group(1) or 0)
    if state.pipestatus:
        return state.pipestatus[index] if index < len(state.pipestatus) else EMPTY
    return state.status if index == 0 else EMPTY


_INNER_POSITIONAL = lazyre.compile(r"\$(?:([0-9@*])|\{([0-9]+|[@*])\})")


def _inner(match: re.Match[str], params: tuple[Word, ...]) -> str:
    index = match.group(1) or match.group(2)
    if index in ("@", "*"):
        return " ".join(p.text for p in params[1:])
    at = int(index)
    return params[at].text if at < len(params) else ""


def known_integer(state: State, name: str) -> int | None:
    """The integer `$name` is on every path here (a literal assigned: `n=0`), or None."""
    for key, value in state.saved:
        if value != ZERO:
            continue
        if key == name:
            return 0
        head, _, literal = key.partition("=")
        if head == name and re.fullmatch(r"-?[0-9]+", literal):
            return int(literal)
    return None


def nonzero_facts(state: State, name: str) -> Facts | None:
    """What holds on the paths where `$name` is a non-zero integer, when every path gave
    it a literal (`ok=0` ... `ok=1`): what holds for each non-zero one (ALL: no path)."""
    saved = dict(state.saved)
    if saved.get(f"{name}=*") != ALL:
        return None
    parts: list[Facts] = []
    for key in saved:
        head, _, literal = key.partition("=")
        if head != name or not literal or literal == "*":
            continue
        if not re.fullmatch(r"-?[0-9]+", literal):
            return None  # `ok=yes`: in arithmetic, the variable named yes
        found = saved_facts(state, name, literal) if int(literal) else None
        if found is not None and found != ALL:
            parts.append(found)
    return frozenset.intersection(*parts) if parts else ALL


def _arith_flag(text: str, state: State) -> tuple[Facts, Facts]:
    """`(( ok ))`, `(( ! ok ))`, `(( ok == 1 ))`, `(( ok != 0 ))`: what holds when true,
    when false, read from the literals the flag was given on each path."""
    match = re.fullmatch(r"(!?)\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*(==|!=)\s*(-?[0-9]+))?",
                         text.strip()) or re.fullmatch(
        r"()(?P<v>-?[0-9]+)\s*(==|!=)\s*([A-Za-z_][A-Za-z0-9_]*)", text.strip())
    if match is None:
        return EMPTY, EMPTY
    if match.re.groupindex.get("v"):
        bang, value, operator, name = match.groups()
    else:
        bang, name, operator, value = match.groups()
    if operator is None or (value is not None and int(value) == 0):
        nonzero = nonzero_facts(state, name)
        zero = saved_facts(state, name, "0")
        equal = operator == "==" or (operator is None and bang)
        on_true, on_false = (zero, nonzero) if equal else (nonzero, zero)
        if bang and operator is not None:
            on_true, on_false = on_false, on_true
    else:
        holds = saved_facts(state, name, value)
        on_true, on_false = (holds, None) if operator == "==" else (None, holds)
        if bang:
            return EMPTY, EMPTY
    return tuple(EMPTY if f is None or f == ALL else f  # type: ignore[return-value]
                 for f in (on_true, on_false))


_ARITH_TOKEN = lazyre.compile(
    r"\s*(?:(\+\+|--)?([A-Za-z_][A-Za-z0-9_]*)(\+\+|--)?|([0-9]+)|"
    r"(\|\||&&|==|!=|<=|>=|[-+*/%<>!()]))")


def arithmetic_value(text: str, state: State) -> tuple[int | None, dict[str, int]]:
    """The value of a bash arithmetic expression whose variables are known integers on
    every path (`n++ < 3` after `n=0`: 1, and n is 1 after it), with the values it
    assigns; (None, {}) for anything else (an unknown variable, another operator)."""
    tokens: list[str] = []
    after: dict[str, int] = {}
    at = 0
    text = text.strip()
    while at < len(text):
        match = _ARITH_TOKEN.match(text, at)
        if match is None or match.end() == at:
            return None, {}
        at = match.end()
        pre, name, post, number, operator = match.groups()
        if name is not None:
            if pre and post:
                return None, {}
            current = after.get(name, known_integer(state, name))
            if current is None:
                return None, {}
            step = 1 if "+" in (pre or post or "+") else -1
            if pre:
                current += step
                after[name] = current
                tokens.append(str(current))
            else:
                tokens.append(str(current))
                if post:
                    after[name] = current + step
        elif number is not None:
            tokens.append(number)
        elif operator is not None:
            tokens.append(operator)
    value = _arith_parse(tokens)
    return (value, after) if value is not None else (None, {})


_ARITH_LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"),
                 ("*", "/", "%"))


def _arith_apply(operator: str, a: int, b: int) -> int:
    """A binary operator of bash arithmetic (C's: `/` and `%` truncate towards 0)."""
    if operator in ("/", "%"):
        quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
        return quotient if operator == "/" else a - b * quotient
    if operator == "||":
        return int(bool(a) or bool(b))
    if operator == "&&":
        return int(bool(a) and bool(b))
    if operator in ("+", "-", "*"):
        return a + b if operator == "+" else (a - b if operator == "-" else a * b)
    return int({"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                ">=": a >= b}[operator])


def _arith_parse(tokens: list[str]) -> int | None:
    """Integers and `|| && == != < > <= >= + - * / % ! ( )`, as C (bash) evaluates them."""
    position = [0]

    def peek() -> str | None:
        return tokens[position[0]] if position[0] < len(tokens) else None

    def level(depth: int) -> int | None:
        if depth == len(_ARITH_LEVELS):
            return unary()
        left = level(depth + 1)
        while left is not None and peek() in _ARITH_LEVELS[depth]:
            operator = tokens[position[0]]
            position[0] += 1
            right = level(depth + 1)
            if right is None or (operator in ("/", "%") and right == 0):
                return None
            left = _arith_apply(operator, left, right)
        return left

    def unary() -> int | None:
        token = peek()
        if token is None:
            return None
        position[0] += 1
        if token in ("!", "-", "+"):
            inner = unary()
            if inner is None:
                return None
            return int(not inner) if token == "!" else (-inner if token == "-" else inner)
        if token == "(":
            inner = level(0)
            if peek() != ")":
                return None
            position[0] += 1
            return inner
        return int(token) if token.isdigit() else None

    value = level(0)
    return value if position[0] == len(tokens) else None


def _descendants(node: Any) -> list[Any]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if current.type != "command_substitution" or current is node:
            stack.extend(current.children)
    return out


def _code(text: str | None) -> int | None:
    if text is None:
        return None  # `exit` alone: the last status
    try:
        return int(text)
    except ValueError:
        return None


# the options of systemd-cat(1) and logger(1) whose value is the next word
_JOURNAL_ARGS = {"systemd-cat": ("-t", "--identifier", "-p", "--priority", "--stderr-priority",
                                 "--level-prefix"),
                 "logger": ("-t", "--tag", "-p", "--priority", "-f", "--file", "-n", "--server",
                            "-P", "--port", "-u", "--socket", "-S", "--size", "--msgid",
                            "--sd-id", "--sd-param")}


def journal_input(name: str, args: list[str]) -> tuple[str, int] | None:
    """What `systemd-cat` or `logger` sends to the journal, given its arguments: ("stdin",
    0) what it reads on standard input; ("command", i) the output of the command that
    starts at args[i] (systemd-cat runs it and leaves its standard input alone); ("args",
    i) logger's message, args[i:] (standard input is not read); ("file", i) `logger -f
    F`; None: nothing (`logger --no-act`), or not one of those programs."""
    takes = _JOURNAL_ARGS.get(name)
    if takes is None:
        return None
    at, source = 0, "stdin"
    while at < len(args):
        text = args[at]
        if text == "--":
            at += 1
            break
        if not text.startswith("-") or text == "-":
            break
        if name == "logger" and text == "--no-act":
            return None
        if text in takes:
            source = "file" if text in ("-f", "--file") else source
            at += 2
            continue
        if name == "logger" and re.fullmatch(r"-[a-zA-Z]*[tpfnPuS].+", text):
            source = "file" if re.fullmatch(r"-[a-zA-Z]*f.+", text) else source
        at += 1
    if at < len(args):
        return ("command" if name == "systemd-cat" else "args"), at
    return source, at


def read_descriptor(command: Command) -> list[str]:
    """`read -u 3 answer` -> `["3"]`: the descriptor it reads from (none: standard input)."""
    args = [w.text for w in command.args]
    for at, text in enumerate(args):
        if text == "-u" and at + 1 < len(args):
            return [args[at + 1]]
        if text.startswith("-u") and len(text) > 2:
            return [text[2:]]
    return []


def read_variable(command: Command) -> str:
    """`read -r -p 'Sure? ' answer` -> `answer`; `read` alone -> `REPLY`."""
    args = command.args
    takes = {"-p", "-t", "-n", "-N", "-d", "-u", "-a", "-i"}
    names: list[str] = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text in takes:
            i += 2
            continue
        if text.startswith("-"):
            i += 1
            continue
        names.append(text)
        i += 1
    return names[0] if names else "REPLY"


_SHEBANG = lazyre.compile(r"#![ \t]*(?:/usr/bin/env[ \t]+-S[ \t]+)?(?:\S*/)?(?:ba)?sh[ \t]+"
                      r"-[a-zA-Z]*e[a-zA-Z]*(?:[ \t]|$)")


def _shebang_errexit(text: str) -> bool:
    """`#!/bin/bash -e` (or `-eu`, `#!/usr/bin/env -S bash -e`): errexit from the start, when
    the script is run by its own name (`bash script` reads no `#!` line)."""
    return _SHEBANG.match(text.split("\n", 1)[0]) is not None


def analyse(text: str, classify: Classifier, local: Callable[[str], bool] | None = None,
            by_name: bool = False, resolve: Resolver | None = None,
            if_status: bool = False) -> Flow:
    """The flow of a whole script: every command's facts, and where each path ends (the
    script's end is an `End` with code None). `local`: the facts that are the shell's own
    state (an exported variable), which a subshell's change does not carry out."""
    from qt_lint.parsers.shell import syntax_tree

    data = text.encode("utf-8")
    tree = syntax_tree(data)
    walk = _Walk(data, text, classify, local, resolve)
    walk.if_status = if_status  # an `if` fails when its branch does (else: read as 0)
    for node in _descendants(tree.root_node):
        if node.type == "function_definition":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            if name is not None and body is not None:
                walk.defined.setdefault(walk.raw(name), body)
    # `by_name`: the script is run by its own name (a unit's ExecStart=), so its `#!` line's
    # options apply; a person may run it as `bash script`, which reads no `#!` line
    errexit = by_name and _shebang_errexit(text)
    true, false = walk.run(tree.root_node, State(errexit=errexit), False)
    after = join(true, false)
    if after is not None:
        lines = text.count("\n") + 1
        walk.leave(after, None, lines, 1, ok_facts=true.facts if true is not None else None)
    if walk.trap_states:
        walk.run_traps()
    return walk.flow
