"""Commands run through positional parameters, proven against bash itself: the arguments a
function runs (`run() { "$@"; }; run python3 x.py`, `shift`, `"${@:2}"`, `command`/`exec`/
`sudo "$@"`), the words after a shell string (`sh -c 'exec "$0" "$@"' python3 x.py`), and
variables set by `printf -v` and `read <<<`. Scripts are generated from a grammar of these
forms (quoting, splitting of unquoted parameters, nesting), run by bash with every program
a stub that logs its argv (nothing real runs), and each argv bash ran must be one qt-lint
reads, and no other.

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 25x more examples."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.parsers.shell import MAX_CALLS, parse_shell
from tests.shell_oracle import bash_argv, qtlint_argv

EXAMPLES = 1000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 40
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])
STUBS = ["c1", "c2", "c3", "c4"]

# name -> (definition, how many words the call puts before the command)
FUNCTIONS = {
    "run": ('run() { "$@"; }', ""),
    "runc": ("runc() {\n  command \"$@\"\n}", ""),
    "runs": ("function runs { $@; }", ""),
    "runx": ("runx() ( exec \"$@\" )", ""),
    "first": ('first() { "$1" "${@:2}"; }', ""),
    "retry": ('retry() { local n=$1; shift; "$@"; }', "3 "),
    "skip2": ('skip2() { shift 2; "$@" || true; }', "a b "),
    "viasudo": ('viasudo() { sudo "$@"; }', ""),
    "viaenv": ('viaenv() { nohup env "$@"; }', ""),
    "quiet": ('quiet() { "$@" >/dev/null 2>&1; }', ""),
    "outer": ('outer() { run "$@"; }', ""),
    "deep": ('deep() { outer "$@"; }', ""),
    "viaeval": ('viaeval() { eval "$@"; }', ""),
    "viash": ("viash() { sh -c '\"$@\"' _ \"$@\"; }", ""),
    "again": ('again() { set -- "$@"; "$@"; }', ""),
    "viaevalvar": ('viaevalvar() { local c="$1"; eval "$c"; }', ""),
    "viavar": ('viavar() { local cmd=$1; shift; $cmd "$@"; }', ""),
    "self": ('self() { [ "$1" = stop ] || self stop; "${@:2}"; }', ""),
    # data, not a command: bash runs echo/printf
    "say": ('say() { echo "$@"; }', ""),
    "show": ("show() { printf '%s\\n' \"$@\"; }", ""),
}
DEFINITIONS = "\n".join(d for d, _ in FUNCTIONS.values()) + "\n"

ARG = st.sampled_from(["x", "-v", '"a b"', "'c d'", "--opt=1", "y.py", "2"])


def _spelled(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, f'"{name}"', f"'{name}'", f"\\{name}", f"{name[0]}'{name[1:]}'"])


@st.composite
def command(draw: st.DrawFn) -> str:
    return " ".join([draw(_spelled(draw(st.sampled_from(STUBS)))),
                     *draw(st.lists(ARG, max_size=3))])


@st.composite
def runs(draw: st.DrawFn) -> str:
    """One statement that runs a command through positional parameters or a variable."""
    kind = draw(st.sampled_from(["call", "call", "call", "string", "printf", "read"]))
    if kind == "call":
        name = draw(st.sampled_from(sorted(FUNCTIONS)))
        if name == "self":
            return f"self go {draw(command())}"
        return f"{name} {FUNCTIONS[name][1]}{draw(command())}"
    if kind == "string":
        cmd = draw(command())
        form = draw(st.sampled_from([
            "sh -c 'exec \"$0\" \"$@\"' {c}", "bash -c '\"$@\"' _ {c}",
            "sh -c '$0 \"$@\"' {c}", "bash -c 'f() { \"$@\"; }; f \"$@\"' _ {c}",
            "bash -o pipefail -c -- '\"$@\" | cat' _ {c}",
            "sh -c 'shift; \"$@\"' _ skipped {c}"]))
        return form.replace("{c}", cmd)
    name = draw(st.sampled_from(STUBS))
    args = " ".join(draw(st.lists(ARG, max_size=2)))
    if kind == "printf":
        form = draw(st.sampled_from(["printf -v @V@ '%s' {n}", "printf -v @V@ 'c%s' {d}",
                                     "printf -v @V@ -- '%s%s' c {d}"]))
        return form.format(n=name, d=name[1:]) + f"; $@V@ {args}"
    form = draw(st.sampled_from(['read -r @V@ <<< "{n}"', "read @V@ <<< {n}",
                                 "read -r @V@ rest <<< '{n} q'"]))
    return form.format(n=name) + f"; $@V@ {args}"


@st.composite
def statement(draw: st.DrawFn, depth: int = 0) -> str:
    inner = draw(runs())
    if depth >= 2:
        return inner
    shape = draw(st.sampled_from(["plain", "plain", "subshell", "if", "and", "group",
                                  "function"]))
    if shape == "subshell":
        return f"( {draw(statement(depth + 1))} )"
    if shape == "if":
        return f"if true; then\n  {draw(statement(depth + 1))}\nfi"
    if shape == "and":
        return f"true && {draw(statement(depth + 1))}"
    if shape == "group":
        return f"{{ {draw(statement(depth + 1))}; }}"
    if shape == "function":  # a function that runs the statement, then its call
        return f"wrap{depth}() {{\n  {draw(statement(depth + 1))}\n}}\nwrap{depth}"
    return inner


# each statement its own variable: qt-lint follows a variable assigned once (one assigned
# differently twice is unknown, whatever the order)
SCRIPT = st.lists(statement(), min_size=1, max_size=4).map(
    lambda statements: DEFINITIONS + "\n".join(
        s.replace("@V@", f"v{i}") for i, s in enumerate(statements)) + "\n")


@PROFILE
@given(SCRIPT)
def test_the_commands_are_those_bash_runs(script: str) -> None:
    """Each argv bash runs (through a function's or a shell string's parameters, or a
    variable set by `printf -v`/`read`) is one qt-lint reads, and qt-lint reads no other."""
    with tempfile.TemporaryDirectory() as folder:
        ran = bash_argv(script, STUBS, Path(folder))
    assert qtlint_argv(script, STUBS) == ran, script


# --- each form once, with its position ---------------------------------------------------------

CASES = {
    "exec $0 $@": ("sh -c 'exec \"$0\" \"$@\"' python3 x.py\n", [(1, 24, "python3 x.py")]),
    "bash -c $@": ("bash -c '\"$@\"' _ python3 x.py\n", [(1, 18, "python3 x.py")]),
    "run": ('run() { "$@"; }\nrun python3 x.py\n', [(2, 5, "python3 x.py")]),
    "retry": ("retry() { local n=$1; shift; \"$@\"; }\nretry 3 python3 x.py\n",
              [(2, 9, "python3 x.py")]),
    "command": ('run() { command "$@"; }\nrun python3 x.py\n', [(2, 5, "python3 x.py")]),
    "exec": ('run() { exec "$@"; }\nrun python3 x.py\n', [(2, 5, "python3 x.py")]),
    "sudo": ('run() { sudo -u qt "$@"; }\nrun python3 x.py\n', [(2, 5, "python3 x.py")]),
    "$1 ${@:2}": ('run() {\n  "$1" "${@:2}"\n}\nrun python3 x.py\n',
                  [(4, 5, "python3 x.py")]),
    "unquoted $1 splits": ('run() { $1; }\nrun "python3 x.py"\n', [(2, 5, "python3 x.py")]),
    "printf -v": ("printf -v cmd '%s' python3; $cmd x.py\n", [(1, 29, "python3 x.py")]),
    "printf -v format": ("printf -v cmd 'python%s' 3\n$cmd x.py\n", [(2, 1, "python3 x.py")]),
    "read <<<": ('read -r cmd <<< "python3"\n$cmd x.py\n', [(2, 1, "python3 x.py")]),
    "defined after the call": ('run python3 x.py\nrun() { "$@"; }\n', []),
    "eval of an argument": ('check() { eval "$2"; }\ncheck "syntax" "python3 -m x"\n',
                            [(2, 17, "python3 -m x")]),
    "bash -c of an argument": ("run() { bash -c \"$1\"; }\nrun 'python3 x.py'\n",
                               [(2, 6, "python3 x.py")]),
    "eval of a local": ('wait_for() {\n  local cmd="$2"\n  eval "$cmd" >/dev/null\n}\n'
                        'wait_for redis "python3 -m ping"\n', [(5, 17, "python3 -m ping")]),
    "default of a parameter": ('f() { "${1:-python3}" x.py; }\nf\n', [(1, 7, "python3 x.py")]),
    "main at the end": ('main() { run python3 x.py; }\nrun() { "$@"; }\nmain\n',
                        [(1, 14, "python3 x.py")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_form(name: str) -> None:
    script, expected = CASES[name]
    found = [(c.program.line, c.program.column, " ".join(w.text for w in c.words))
             for c in parse_shell(script).commands if c.name == "python3"]
    assert found == expected
    with tempfile.TemporaryDirectory() as folder:
        ran = bash_argv(script, ["python3"], Path(folder))
    assert ran == {tuple(e[2].split()) for e in expected}


def test_echo_of_the_arguments_runs_echo() -> None:
    analysis = parse_shell('run() { echo "$@"; }; run python3 x.py\n')
    assert [c.name for c in analysis.commands if c.name == "python3"] == []


def test_a_function_calling_itself_is_bounded() -> None:
    """Recursion is followed once per chain; a chain deeper than qt-lint follows is
    QT001 at the call, never a traceback; many calls stay within a linear budget."""
    analysis = parse_shell('f() { f "$@"; "$@"; }\nf python3 x.py\n')
    assert [c.program.line for c in analysis.commands if c.name == "python3"] == [2]
    chain = [f'f{i}() {{ f{i - 1} "$@"; }}' for i in range(1, MAX_CALLS + 5)]
    script = 'f0() { "$@"; }\n' + "\n".join(chain) + f"\nf{MAX_CALLS + 4} python3 x.py\n"
    deep = parse_shell(script)
    assert any("nested too deeply" in str(e) for e in deep.errors)
    many = 'run() { "$@"; }\n' + "run python3 x.py\n" * 3000
    assert len([c for c in parse_shell(many).commands if c.name == "python3"]) == 3000
