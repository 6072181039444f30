"""The shell path model (`qt_lint.shellflow`): listed cases, and bash as the oracle.

The model claims: a fact it says holds at a command held on *every* run of bash that
reached it, and a command it says no path reaches is never reached. The differential test
generates scripts of checks (`chk NAME`, which succeeds or fails as the run's environment
says and logs its name when it succeeds) and markers (`mark ID`, which records the checks
that succeeded so far), runs each under bash with every outcome of the checks, and holds
the model to both claims. `QT_LINT_LONG_TESTS=1` runs 20x more scripts.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.shellflow import EMPTY, Facts, Flow, Step, analyse, journal_input

EXAMPLES = 1000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 50
CHECKS = ("a", "b", "c")


def classify(step: Step, facts: Facts) -> tuple[Facts, Facts]:
    command = step.command
    if command.name in ("chk", "check") and command.args:
        return frozenset({command.args[0].text}), EMPTY
    return EMPTY, EMPTY


def flow(text: str) -> Flow:
    return analyse(text, classify)


def at_mark(result: Flow, ident: str) -> Facts | None:
    """What holds at `mark ID` on every path (None: no path reaches it)."""
    found: Facts | None = None
    for step, facts in result.steps:
        if step.command.name == "mark" and step.command.args and \
                step.command.args[0].text == ident:
            found = facts if found is None else found & facts
    # `not:<check>`: the check's last run failed (what an `exit 0` after it turns into success)
    return None if found is None else frozenset(f for f in found if not f.startswith("not:"))


# --- listed cases --------------------------------------------------------------------------

@pytest.mark.parametrize(("script", "expected"), [
    ("chk a\nmark m\n", set()),  # no errexit: a failure goes on
    ("set -e\nchk a\nmark m\n", {"a"}),
    ("set -euo pipefail\nchk a || true\nmark m\n", set()),
    ("chk a || exit 1\nmark m\n", {"a"}),
    ("chk a && mark m\n", {"a"}),
    ("if ! chk a; then exit 2; fi\nmark m\n", {"a"}),
    ("if ! chk a; then echo warn; fi\nmark m\n", set()),
    ("if chk a; then mark m; fi\n", {"a"}),
    ("if chk a; then :; else exit 1; fi\nmark m\n", {"a"}),
    ("set -e\nset +e\nchk a\nmark m\n", set()),
    ("set -e\nset +euo pipefail\nchk a\nmark m\n", set()),
    ("set -o errexit\nchk a\nmark m\n", {"a"}),
    ("f() { chk a || exit 1; }\nmark m\n", set()),  # never called
    ("f() { chk a || exit 1; }\nf\nmark m\n", {"a"}),
    ("f() { chk a || return 1; }\nf || exit 1\nmark m\n", {"a"}),
    ("chk a\nif [ $? -ne 0 ]; then exit 1; fi\nmark m\n", {"a"}),
    ("chk a\nrc=$?\n[ \"$rc\" -eq 0 ] || exit 1\nmark m\n", {"a"}),
    ("set -e\nx=$(chk a)\nmark m\n", {"a"}),
    ("set -e\nf() { local x=$(chk a); }\nf\nmark m\n", set()),  # `local` hides the status
    ("set -e\nchk a | cat\nmark m\n", set()),  # the pipeline's status is cat's
    ("set -eo pipefail\nchk a | cat\nmark m\n", {"a"}),
    ("(chk a || exit 1) || exit 1\nmark m\n", {"a"}),
    ("(chk a || exit 1)\nmark m\n", set()),  # the subshell's exit ends only the subshell
    ("case \"$1\" in x) chk a || exit 1 ;; *) exit 1 ;; esac\nmark m\n", {"a"}),
    ("case \"$1\" in x) chk a || exit 1 ;; esac\nmark m\n", set()),
    ("for i in $LIST; do chk a || exit 1; done\nmark m\n", set()),  # may run zero times
    ("for i in 1 2; do chk a || exit 1; done\nmark m\n", {"a"}),  # literal words: once at least
    ("while ! chk a; do sleep 1; done\nmark m\n", {"a"}),
    ("chk a || { echo no; exit 1; }\nmark m\n", {"a"}),
    # loops: where bash leaves them
    ("while ! chk a; do break; done\nmark m\n", set()),
    ("until chk a; do break; done\nmark m\n", set()),
    ("until chk a; do exit 1; done\nmark m\n", {"a"}),
    ("while ! chk a; do exit 1; done\nmark m\n", {"a"}),
    ("while true; do chk a && break; done\nmark m\n", {"a"}),
    ("while true; do chk a || break; break; done\nmark m\n", set()),
    ("for i in 1; do until chk a; do continue 2; done; done\nmark m\n", set()),
    ("for i in 1; do chk a || break; done\nmark m\n", set()),
    ("for i in 1; do f() { break; }; f; chk a || exit 1; done\nmark m\n", {"a"}),
    ("for i in 1; do ( break ); chk a || exit 1; done\nmark m\n", {"a"}),
    # traps: an ERR trap that exits ends the path where errexit would
    ("trap 'exit 1' ERR\nchk a\nmark m\n", {"a"}),
    ("trap 'exit 0' ERR\nchk a\nmark m\n", {"a"}),
    ("trap 'echo x' ERR\nchk a\nmark m\n", set()),
    ("trap 'exit 1' ERR\nf() { chk a; }\nf\nmark m\n", {"a"}),  # at the call
    ("trap 'exit 1' ERR\nf() { chk a; true; }\nf\nmark m\n", set()),  # not in f
    ("set -E\ntrap 'exit 1' ERR\nf() { chk a; true; }\nf\nmark m\n", {"a"}),
    ("trap 'exit 1' ERR\n( chk a; true )\nmark m\n", set()),  # not in a subshell
    # errexit inside a subshell fails the subshell, the script goes on
    ("( set -e; chk a; true )\nmark m\n", set()),
    ("( set -e; chk a; true ) || exit 1\nmark m\n", set()),  # errexit ignored there
    ("set -e\n( chk a; true )\nmark m\n", {"a"}),
    # arguments of a function reach the commands it runs through them
    ("must() { \"$@\"; }\nset -e\nmust chk a\nmark m\n", {"a"}),
    ("soft() { \"$@\" || true; }\nset -e\nsoft chk a\nmark m\n", set()),
])
def test_listed(script: str, expected: set[str]) -> None:
    assert at_mark(flow(script), "m") == frozenset(expected)


@pytest.mark.parametrize("script", [
    "exit 1\nmark m\n",
    "exec python x\nmark m\n",
    "f() { exit 1; }\nf\nmark m\n",
    "set -e\nfalse_check() { return 1; }\nfalse_check\nmark m\n",
])
def test_unreachable(script: str) -> None:
    assert at_mark(flow(script), "m") is None


def test_exec_ends_the_path_with_what_holds_there() -> None:
    result = flow("set -e\nchk a\nexec /opt/quantum/venvs/x/bin/python s.py\nchk b\n")
    execs = [end for end in result.ends if end.exec_step is not None]
    assert [(e.line, sorted(e.facts)) for e in execs] == [(3, ["a"])]
    assert not any(step.command.name == "chk" and step.command.args[0].text == "b"
                   for step, _ in result.steps)


def test_variables_are_expanded_as_far_as_known() -> None:
    result = flow('DIR=/etc/quantum\nF="$DIR/$1.env"\nsource "$F"\n')
    sourced = [s.command.args[0].text for s, _ in result.steps if s.command.name == "source"]
    assert sourced == ["/etc/quantum/$1.env"]


def test_a_default_expands_to_the_value_the_script_set() -> None:
    result = flow('H=abc\necho "${H:-}" "${H-x}" "${U:-d}"\nE=\necho "${E:-d}" "${E-d}"\n')
    printed = [[w.text for w in s.command.args] for s, _ in result.steps
               if s.command.name == "echo"]
    assert printed == [["abc", "abc", "d"], ["d", ""]]


@pytest.mark.parametrize(("words", "expected"), [
    ("-t x", ("stdin", 2)), ("-t x echo hi", ("command", 2)),
    ("--identifier=x true", ("command", 1)), ("-p info -- ls", ("command", 3))])
def test_systemd_cat_logs_a_command_s_output_or_its_input(words: str,
                                                        expected: tuple[str, int]) -> None:
    assert journal_input("systemd-cat", words.split()) == expected


@pytest.mark.parametrize(("words", "expected"), [
    ("-t x", ("stdin", 2)), ("-t x msg", ("args", 2)), ("--no-act -t x msg", None),
    ("-f /tmp/f", ("file", 2)), ("-tx -- msg", ("args", 2)), ("-s msg", ("args", 1))])
def test_logger_logs_its_message_or_its_input(words: str,
                                              expected: tuple[str, int] | None) -> None:
    assert journal_input("logger", words.split()) == expected


def test_nested_loops_do_not_multiply_the_walk() -> None:
    """A loop body is walked again while its head changes; nested deep, once: forty loops,
    each undoing a fact, stay a few hundred steps (not 2**40)."""
    from qt_lint.config import Contract
    from qt_lint.rules.models.helpers import script_flow

    text = "".join("while ! redis-cli ping; do unset PYTHONPATH\n" for _ in range(40)) + \
        "break\n" + "done\n" * 40 + "exec /opt/quantum/venvs/a/bin/python x\n"
    assert len(script_flow(text, Contract()).steps) < 2000


def test_hostile_depth_is_bounded() -> None:
    # a function calling itself, and a long script of calls: bounded, no RecursionError
    text = "f() { f; chk a; }\n" + "f\n" * 2000
    result = flow(text)
    assert result.steps


# --- bash as the oracle --------------------------------------------------------------------

def _bash() -> str:
    found = shutil.which("bash")
    if found is None:
        pytest.fail("bash is needed as the oracle of the shell path model")
    return found


_check = st.sampled_from(CHECKS)


def _statements(depth: int) -> st.SearchStrategy[list[str]]:
    simple = st.one_of(
        _check.map(lambda c: f"chk {c}"),
        _check.map(lambda c: f"chk {c} || exit 1"),
        _check.map(lambda c: f"chk {c} || true"),
        _check.map(lambda c: f"chk {c} && MARK"),
        _check.map(lambda c: f"if ! chk {c}; then exit 2; fi"),
        _check.map(lambda c: f"if ! chk {c}; then echo warn; fi"),
        _check.map(lambda c: f"chk {c}; rc=$?; [ $rc -eq 0 ] || exit 3"),
        _check.map(lambda c: f"chk {c}; if [ $? -ne 0 ]; then exit 4; fi"),
        _check.map(lambda c: f"x=$(chk {c})"),
        _check.map(lambda c: f"chk {c} | cat"),
        st.sampled_from(["set -e", "set +e", "set -o pipefail", "set +o pipefail",
                         "set -euo pipefail", "set +euo pipefail", "MARK", "MARK",
                         "g", "exit 0", "break",
                         "trap 'exit 0' ERR", "trap 'exit 1' ERR", "trap - ERR",
                         "trap 'exit 0' EXIT", "set -E"]),
    )
    if depth <= 0:
        return st.lists(simple, min_size=1, max_size=4)
    inner = _statements(depth - 1).map("; ".join)
    compound = st.one_of(
        st.tuples(_check, inner, inner).map(
            lambda t: f"if chk {t[0]}; then {t[1]}; else {t[2]}; fi"),
        st.tuples(_check, inner).map(lambda t: f"if chk {t[0]}; then {t[1]}; fi"),
        inner.map(lambda s: f"( {s} )"),
        inner.map(lambda s: f"{{ {s}; }}"),
        inner.map(lambda s: f"for i in 1; do {s}; done"),
        st.tuples(_check, inner).map(lambda t: f"while ! chk {t[0]}; do {t[1]}; break; done"),
        st.tuples(_check, inner).map(lambda t: f"until chk {t[0]}; do {t[1]}; break; done"),
        st.tuples(_check, inner).map(lambda t: f"while chk {t[0]}; do {t[1]}; break; done"),
        inner.map(lambda s: f"while true; do {s}; break; done"),
        inner.map(lambda s: f"for i in 1 2; do {s}; done"),
        st.tuples(_check, inner).map(
            lambda t: f"for i in 1 2; do {t[1]}; chk {t[0]} || continue; MARK; done"),
        st.tuples(_check, inner).map(
            lambda t: f'case "$K{t[0]}" in 0) {t[1]} ;; *) chk {t[0]} || exit 5 ;; esac'),
    )
    return st.lists(st.one_of(simple, compound), min_size=1, max_size=5)


def _numbered(lines: list[str], function: list[str]) -> str:
    """`MARK` -> `mark m<N>`, one number each; the function `g` defined first."""
    counter = itertools.count()
    out = [f"g() {{ {'; '.join(function)}; }}"]
    for line in lines:
        while "MARK" in line:
            line = line.replace("MARK", f"mark m{next(counter)}", 1)
        out.append(line)
    return "\n".join(out)


_TOOLS = {
    "chk": '#!/bin/sh\nif [ "$(printenv K$1)" = 0 ]; then echo "$1" >> "$LOG"; exit 0; fi\n'
           'exit 1\n',
    "mark": '#!/bin/sh\nprintf "%s:%s\\n" "$1" "$(sort -u "$LOG" | tr -d "\\n")" >> "$OUT"\n',
}


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tools")
    for name, text in _TOOLS.items():
        path = folder / name
        path.write_text(text)
        path.chmod(0o755)
    return folder


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=_statements(2), function=_statements(0))
def test_model_agrees_with_bash(lines: list[str], function: list[str], tools: Path,
                                tmp_path: Path) -> None:
    bash = _bash()
    # `g` is a function whose body may hold marks too; `exit` inside it ends the script
    script = _numbered(lines, [f.replace("MARK", ":").replace("g", ":") for f in function])
    model = flow(script)
    reached: dict[str, list[frozenset[str]]] = {}
    for outcome in itertools.product("01", repeat=len(CHECKS)):
        log, out = tmp_path / "log", tmp_path / "out"
        log.write_text("")
        out.write_text("")
        env = {"PATH": f"{tools}:/usr/bin:/bin", "LOG": str(log), "OUT": str(out),
               **{f"K{c}": o for c, o in zip(CHECKS, outcome, strict=True)}}
        subprocess.run([bash, "-c", script], env=env, capture_output=True, timeout=20,
                       check=False, cwd=tmp_path)
        for row in out.read_text().splitlines():
            ident, _, passed = row.partition(":")
            reached.setdefault(ident, []).append(frozenset(passed))
    for ident, runs in reached.items():
        facts = at_mark(model, ident)
        assert facts is not None, f"bash reached {ident}, the model says nothing does:\n{script}"
        for passed in runs:
            assert facts <= passed, (f"at {ident} the model says {sorted(facts)} hold, bash "
                                     f"ran with only {sorted(passed)} passed:\n{script}")


def test_exponential_calls_are_cut_and_reported(tmp_path: Path) -> None:
    """f0 calls f1 twice, f1 calls f2 twice, ...: 2**n paths. The walk stops at its bound and
    the rules report the canary as not analysed (QT001), never as passing."""
    from qt_lint.api import check
    from qt_lint.config import Config

    lines = [f"f{i}() {{ f{i + 1}; f{i + 1}; }}" for i in range(7)] + ["f7() { chk a; }"]
    text = "\n".join(lines) + "\n" + "f0\n" * 1000 + "echo x >> /etc/quantum/ai-engine.env\n"
    assert flow(text).truncated
    script = tmp_path / "ops/model_safety/canary_activate.sh"
    script.parent.mkdir(parents=True)
    script.write_text(text)
    findings = check([tmp_path], Config(root=tmp_path, select=("QT001", "QT604")),
                     jobs=1).findings
    assert [(f.code, f.line) for f in findings] == [("QT001", 1)]
