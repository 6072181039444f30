from __future__ import annotations

from collections.abc import Iterator

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import (
    DB_CHECK,
    ENV_SOURCED,
    PATH_VENV,
    PYTHONPATH,
    REDIS_CHECK,
    SCRIPT_OK,
    SCRIPT_RAN,
    VENV_CHECK,
    Repo,
    classify,
    ignores_pythonpath,
    is_script,
    python_options,
    runs_anywhere,
    runs_venv_python,
    script_flow,
)
from qt_lint.shellflow import EXEC_FAILED, End, Facts, Flow, Step

_GOOD = """#!/usr/bin/env bash
set -euo pipefail
SERVICE="$1"
SCRIPT="$2"
shift 2
VENV="/opt/quantum/venvs/$SERVICE"
source "/etc/quantum/$SERVICE.env"
export PATH="$VENV/bin:$PATH"
export PYTHONPATH=/home/qt/quantum_trader
redis-cli -h localhost -p 6379 PING >/dev/null
test -f "$DB_PATH"
[ -x "$VENV/bin/python" ]
cd /home/qt/quantum_trader
exec "$VENV/bin/python" "$SCRIPT" "$@"
"""


def duties(contract: Contract) -> tuple[tuple[str, str, str], ...]:
    """(fact, the duty as the message names it, the check's name or "" when the duty is
    not a check), in contract G's order."""
    env = contract.env_dir.rstrip("/")
    return (
        (ENV_SOURCED, f"1 (source {env}/<service>.env)", ""),
        (PATH_VENV, f"2 (PATH with the venv's bin/, {contract.venv_root}/<service>/bin)", ""),
        (PYTHONPATH, f"3 (export PYTHONPATH={contract.repo_root})", ""),
        (REDIS_CHECK, "4 (check Redis: redis-cli PING)", "Redis"),
        (DB_CHECK, f"5 (check the database: test -f {contract.db_path})", "database"),
        (VENV_CHECK, f"6 (check the venv: test -x {contract.venv_root}/<service>/bin/python)",
         "venv"),
    )


def wrapper_problems(flow: Flow, contract: Contract) -> list[tuple[int, int, str]]:
    """What the wrapper lacks of contract G's eight duties on the path that reaches the
    venv python: (line, column, problem)."""
    points: list[tuple[int, int, Facts, Step, str | None]] = [
        (end.line, end.column, end.facts, end.exec_step, end.detached) for end in flow.ends
        if end.exec_step is not None and runs_venv_python(end.exec_step, contract)]
    if not points:
        points = [(step.command.program.line, step.command.program.column, facts, step, None)
                  for step, facts in flow.steps if runs_venv_python(step, contract)]
    else:  # a trap's action runs it too, where the trap runs
        points += [(step.command.program.line, step.command.program.column, facts, step, None)
                   for step, facts in flow.steps
                   if step.trap and runs_venv_python(step, contract)]
    if not points and flow.dies:
        line, column, why = flow.dies[0]
        return [(line, column, f"duty 8: the wrapper never runs the venv python: at line "
                               f"{line} {why}")]
    if not points:
        return [(1, 1, f"duty 8: it never runs the venv python ({contract.venv_root}/"
                       "<service>/bin/python) by its full path")]
    successes = [end for end in flow.ends if end.exec_step is None and end.code == 0]
    out: list[tuple[int, int, str]] = []
    hidden = next((e for e in flow.ends if _success_after_failure(e)), None)
    failed_exec = next((e for e in flow.ends if e.exec_step is None and EXEC_FAILED in e.facts
                        and (e.code == 0 or e.via is not None)), None)
    for line, column, facts, step, detached in points:
        out += [(line, column, f"duty 8: {problem}") for problem in _runs_other(step)]
        if step.trap and any(check and fact not in facts
                             for fact, _duty, check in duties(contract)):
            out.append((line, column, f"duty 8: the venv python runs in {step.trap}: bash "
                        "runs it at each exit after that line, a failed check's exit among "
                        "them (exec it after the checks instead)"))
        elif step.trap and step.trap.startswith("the EXIT") and not flow.traps.get(step.trap):
            out.append((line, column, f"duty 8: the venv python runs in {step.trap} without "
                        "errexit: the wrapper exits with the status it had before the trap, "
                        "not the script's (exec the venv python instead)"))
        if detached is not None:
            where = "in the background (`&`): nothing waits for it" if detached == \
                "background" else "in a pipeline whose status is another command's (no " \
                "pipefail)"
            out.append((line, column, f"duty 8: the venv python runs {where}, so its exit "
                        "status does not reach the caller (exec it in the wrapper's own "
                        "process)"))
        if failed_exec is not None and step.command.wrappers[:1] == ("exec",):
            out.append((line, column, "duty 8: when this exec fails (a redirection it cannot "
                        "open, or under `shopt -s execfail` a program it cannot run) bash goes "
                        f"on, and the wrapper exits 0 through {_how(failed_exec)} without "
                        "running the script (exit non-zero there)"))
        if hidden is not None and step.command.wrappers[:1] != ("exec",):
            out.append((line, column, "duty 8: the script's failure does not reach the "
                        "caller: when the venv python fails the wrapper exits 0 through "
                        f"{_how(hidden)} (exec the venv python, or run it last and exit "
                        "with its status)"))
        for fact, duty, check in duties(contract):
            number = duty.split(" ", 1)[0]
            option = ignores_pythonpath(step) if fact == PYTHONPATH else None
            if fact in facts and option is not None:
                out.append((line, column, f"duty {duty}: `{option}` makes Python ignore "
                            "PYTHONPATH (every PYTHON* variable): the script does not get it"))
                continue
            if fact in facts:
                success = next((e for e in successes if f"not:{fact}" in e.facts), None)
                if check and success is not None:
                    how = _how(success)
                    out.append((line, column, f"duties {number} and 7: when the {check} "
                                f"check fails the wrapper exits 0 through {how}, a success "
                                "to its caller (abort with a non-zero exit: fail closed)"))
                continue
            undone = undoing_step(flow, fact, contract)
            if undone is not None and not check:
                out.append((line, column, f"duty {duty}: undone at line {undone[0]} "
                            f"(`{undone[1]}`) before it runs the script (the last "
                            "assignment on the path is the one the script gets)"))
            elif check and runs_anywhere(flow, fact, contract):
                out.append((line, column, f"duties {number} and 7: the {check} check does not "
                            "stop the wrapper when it fails, before it runs the script "
                            "(abort with a non-zero exit: fail closed)"))
            elif runs_anywhere(flow, fact, contract):
                out.append((line, column, f"duty {duty}: its failure does not stop the "
                                          "wrapper before it runs the script"))
            else:
                out.append((line, column, f"duty {duty}: not done on the path that "
                                          "runs the script"))
    return out


def _runs_other(step: Step) -> list[str]:
    """What makes the exec'd venv python run something other than the script in the venv:
    `exec -a NAME` (another argv[0]: python looks for its venv from it and does not find
    it) or python's own `-` / `-c` (standard input or a string, not the script)."""
    out: list[str] = []
    words = [w.text for w in step.written]
    program = step.command.program.text
    if step.command.wrappers[:1] == ("exec",) and "exec" in words:
        options = words[words.index("exec") + 1:]
        for word in options:
            if word == program or not word.startswith("-"):
                break
            if "a" in word[1:]:
                out.append("`exec -a` gives the venv python another name (argv[0]): it "
                           "does not find its venv and runs with the base interpreter's "
                           "packages")
                break
    runs = python_options(step)[1]
    if runs in ("-", "-c"):
        what = "standard input (`-`)" if runs == "-" else "a string (`-c`)"
        out.append(f"the venv python runs {what}, not the script")
    elif runs == "" and not any(w.dynamic for w in step.command.args):
        # `exec "${cmd[@]:0:1}"`: no word after its options, python reads standard input
        out.append("the venv python is given no script: it runs what it reads on standard "
                   "input, not the script")
    return out


def _success_after_failure(end: End) -> bool:
    """The end exits 0 on a path where the venv python ran and failed: the python ran on
    every path to it, but did not succeed on all of them."""
    if end.exec_step is not None:
        return False
    if end.via is not None or (end.code == 0 and end.ok_facts is None):
        facts: Facts | None = end.facts
    else:
        facts = end.ok_facts
    return facts is not None and SCRIPT_RAN in facts and SCRIPT_OK not in facts


def _how(end: End) -> str:
    if end.via is not None:
        return f"{end.via} (line {end.line})"
    if end.code is None:
        return "the end of the wrapper, with the last command's status"
    return f"`exit` at line {end.line}" if end.ok_facts is not None else \
        f"`exit 0` at line {end.line}"



def undoing_step(flow: Flow, fact: str, contract: Contract) -> tuple[int, str] | None:
    """The first command that undoes `fact` (`unset PYTHONPATH`, `PATH=/usr/bin`, `exec
    env -i ...`) after a command established it: (its line, its text)."""
    established = False
    for step, _facts in flow.steps:
        true, _false = classify(step, _facts, contract)
        if fact in true:
            established = True
        elif established and f"-{fact}" in true:
            words = step.command.words if not step.written else step.written
            text = " ".join(w.text for w in words)
            if step.command.name == "=":
                text = step.command.words[0].text
            return words[0].line, text if len(text) <= 60 else text[:57] + "..."
    return None

def wrapper_repo(ctx: FileContext) -> Repo | None:
    """The repository of the wrapper being checked (its path less the configured one: the
    repository root, or the repository's copy on a host), read through the project's files:
    the files it sources."""
    project = ctx.project
    wrapper = ctx.contract.wrapper.strip("/")
    abspath = ctx.abspath.replace("\\", "/")
    if project is None or not abspath.endswith(wrapper):
        return None
    base = abspath[: -len(wrapper)]
    files = project.files

    def read(rel: str) -> str | None:
        return files.read(base + rel) if files.isfile(base + rel) else None

    return Repo(ctx.config, read)


class OpsWrapper(Rule):
    """
    ## What it does
    Reads the ops wrapper (`contract.wrapper`, `ops/run.sh`) as a program and checks that
    contract G's duties all happen on every path that reaches the venv python (`exec
    /opt/quantum/venvs/<service>/bin/python ...`):
    1. source `/etc/quantum/<service>.env`;
    2. put the venv's `bin/` on `PATH`;
    3. export `PYTHONPATH` with the repository root;
    4. check Redis (`redis-cli PING`), 5. the database (`test -f "$DB_PATH"`), 6. the venv
       (`test -x "$VENV/bin/python"`);
    7. abort when any check fails: each check must stop the wrapper with a non-zero exit
       (under `set -e`, `|| exit 1`, `if ! ...; then exit 1; fi`); a check that only warns
       does not count;
    8. run the script with the venv python by its full path, and let its exit status
       reach the caller: `exec` it, or run it last (`rc=$?; ...; exit "$rc"`). A wrapper
       that exits 0 when the script failed (`"$PY" "$SCRIPT" || echo failed`, `|| true`,
       `set +e` then an `echo` as the last command, `trap 'exit 0' EXIT`) is reported:
       the canary and cron take the job for a success.

    The venv python must run the script, in the wrapper's own process: `exec -a NAME`
    (python finds its venv from its argv[0]: it runs with the base interpreter's
    packages), python's `-` (a heredoc) or `-c`, an exec in the background (`exec ... &`)
    or in a pipeline whose status is another command's (`exec ... | cat` without
    pipefail) are reported; so is an exec that bash can survive (a redirection it cannot
    open, `exec ... >>"$LOG" || exit 0`; under `shopt -s execfail` without errexit, a
    program it cannot run) followed by an exit 0. Errexit is read as bash sets it: `set
    -e`, `shopt -so errexit`, the `#!` line (`#!/bin/bash -e`, when the wrapper is run by
    its name as units and the canary run it), undone by `set +e`, `shopt -uo errexit` or
    `set +$-`. A function named `exit`, `set` or `trap` replaces the builtin (`exit 1`
    calls it), and `return` outside a function only fails (status 2) and goes on.

    `PYTHONPATH` must reach the script: `python -I` or `-E` (alone or combined, `-IB`,
    `-sE`, before the script) makes Python ignore every `PYTHON*` variable. A value that
    keeps the caller's paths after the root (`"$ROOT${PYTHONPATH:+:$PYTHONPATH}"`) has the
    root. Redis's answer compared with `PONG` (`[ "$(redis-cli PING)" = PONG ] || exit 1`)
    is a Redis check.

    The job's status is followed as bash passes it on: `"$PY" "$SCRIPT" "$@" & pid=$!;
    wait "$pid"` (or `wait $!`) has the job's status, and so has a function that saves
    it and returns it (`"$PY" ... || rc=$?; ...; return $rc`, `exit "$rc"`); a variable's
    value is read on each path (a retry's `ok=1; break`, then `[ "$ok" = 1 ] || exit
    1`, is a Redis check). `cmd=("$VENV/bin/python" "$SCRIPT" "$@"); exec "${cmd[@]}"`
    runs the venv python, and so does `eval` of a constant string (`eval 'exec
    "$VENV/bin/python" "$SCRIPT" "$@"'`: the string is read as shell, where it stands);
    `case "$(redis-cli PING)" in PONG) ;; *) exit 1;; esac` checks Redis.

    An arithmetic command fails when its value is 0, as in bash: a retry `until
    redis-cli PING; do (( n++ < 3 )) || break; done` ends by `break` with Redis down
    and is no check (`|| exit 1` there is one), `n=0; (( n++ ))` under `set -e` ends
    the wrapper before the job runs, and a flag tested in arithmetic (`(( ok )) || exit
    1`, `(( ok == 1 ))`, `(( ! ok ))`) is read as `[ "$ok" = 1 ]` is. A slice of an
    array is the words it selects: `cmd=("$VENV/bin/python" "$SCRIPT" "$@"); exec
    "${cmd[@]:0:2}"` runs the venv python with the script (the caller's arguments are
    dropped, as by `cmd=("$VENV/bin/python" "$SCRIPT")`: not one of contract G's
    duties, not reported); a venv python given no script (`exec "${cmd[@]:0:1}"`)
    runs what it reads on standard input and is reported.

    A file the wrapper sources (`source "$(dirname "$0")/lib.sh"`, or by the
    repository's path) is read as bash runs it: its checks, exits, functions and `set
    +e` count. One that cannot be read (outside the repository, built at run time,
    absent, or by a bare name bash looks up in PATH) is reported, and is QT001 too: what
    it does was not analysed (the host audit's H151 says ERROR). A wrapper that dies
    before the job runs is reported: under `set -u`, a variable it unset expanded
    (`unset PYTHONPATH; export PYTHONPATH="/root:$PYTHONPATH"`: "unbound variable"), or
    a program not found because PATH holds the venv's folders alone (`export
    PATH="$VENV/bin"`, then `redis-cli`).

    A check after `exec "$@"`, undone by `set +euo pipefail`, or inside a function that
    is never called does not count. The host audit's H151 runs the same analysis on the
    host's copy.

    The duties must hold at the exec: the last assignment on the path wins. `unset
    PYTHONPATH`, `export -n PYTHONPATH`, `PYTHONPATH=/elsewhere` or `PATH=/usr/bin:/bin`
    after the export (on any path to the exec), `PYTHONPATH=/tmp exec ...`, `exec -c`,
    `exec env -i` or `exec env -u PYTHONPATH` undo it; a change in a subshell
    (`( unset PYTHONPATH )`), in a function never called, or after the exec does not, and
    `PATH="$PATH:/usr/local/bin"` keeps the venv.

    Failing closed means a non-zero exit: a check whose failure ends the wrapper with
    status 0 is reported (`redis-cli PING || exit 0`; `trap 'exit 0' ERR`, which bash runs
    where errexit would stop; `trap 'exit 0' EXIT` or a trap function that exits 0, which
    turns every end into a success; the ERR trap in a function applies only under
    `set -E`, a trap set in a function called holds after it). A trap that aborts
    (`trap 'echo FAIL >&2; exit 1' ERR`) makes plain failing checks stop the wrapper even
    without `set -e`; a cleanup trap (`trap 'rm -f "$TMP"' EXIT`) keeps the status.

    A trap's action is read as shell and runs where bash runs it: an EXIT trap (`trap
    CMD EXIT`, `trap -- CMD 0`, `trap CMD EXIT INT TERM`) at every exit after the `trap`
    (`exit N`, errexit's end, the end of the script; not an `exec` that replaces the
    shell), an ERR trap where a failure runs it (in a function only under `set -E`),
    until `trap - EXIT` or a later `trap` replaces it; a subshell's trap runs at the
    subshell's end. A venv python run by a trap (`trap '"$VENV/bin/python" "$SCRIPT"'
    EXIT` before `redis-cli PING`) is judged with what holds on those paths: the failed
    checks' exits run the job. Its status reaches the caller only under errexit or when
    the action exits with it (`trap '"$PY" "$SCRIPT"; exit $?' EXIT`).

    ## Why is this bad?
    Contract G makes the wrapper the only way ops jobs run, and E's fail-closed rule says
    a failed dependency check exits immediately. A wrapper that warns "database not
    found" and runs the job anyway has the job run against a missing database.

    ## Example
    ```sh
    if [ ! -f "$DB_PATH" ]; then echo "WARNING: no database"; fi
    exec "$VENV/bin/python" "$SCRIPT" "$@"
    ```

    ## Use instead
    ```sh
    [ -f "$DB_PATH" ] || { echo "FAIL: no database" >&2; exit 1; }
    exec "$VENV/bin/python" "$SCRIPT" "$@"
    ```

    ## Options
    `contract.wrapper`, `contract.env-dir`, `contract.venv-root`, `contract.repo-root`,
    `contract.db-path`.
    """

    code = "QT608"
    name = "ops-wrapper-duties"
    section = "G"
    kinds = frozenset({Kind.SHELL})
    summary = "The ops wrapper reaches the venv python without one of contract G's duties"
    example_path = "ops/run.sh"
    VALID = (Example(_GOOD),
             Example(_GOOD.replace("redis-cli -h",
                                   "trap 'rm -f /tmp/qt-stage' EXIT\nredis-cli -h")),
             Example(_GOOD.replace("set -euo pipefail\n", "")
                     .replace(".env\"\n", ".env\" || exit 1\n").replace(
                         "redis-cli -h localhost -p 6379 PING >/dev/null\n"
                         "test -f \"$DB_PATH\"\n[ -x \"$VENV/bin/python\" ]\n",
                         "redis-cli PING || exit 1\nif [ ! -f \"$DB_PATH\" ]; then exit 1; fi\n"
                         "test -x \"$VENV/bin/python\"\nrc=$?\n[ $rc -eq 0 ] || exit 1\n")),
             Example(_GOOD.replace("set -euo pipefail\n", "set -uo pipefail\n"
                                   "trap 'echo FAIL >&2; exit 1' ERR\n")
                     .replace("source ", "set -a\nsource ")
                     .replace(".env\"\n", ".env\"\nset +a\n")),
             Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                                   'set +e\n"$VENV/bin/python" "$SCRIPT" "$@"\nrc=$?\n'
                                   'echo "rc=$rc" >&2\nexit "$rc"\n')),
             Example(_GOOD.replace("#!/usr/bin/env bash\nset -euo pipefail\n",
                                   "#!/bin/bash -e\nshopt -so pipefail\n")),
             Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                                   '"$VENV/bin/python" "$SCRIPT" "$@" &\npid=$!\n'
                                   'wait "$pid"\n')),
             Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                                   'run() {\n  local rc=0\n  "$VENV/bin/python" "$SCRIPT" '
                                   '"$@" || rc=$?\n  echo "rc=$rc" >&2\n  return $rc\n}\n'
                                   'run "$@"\n')),
             Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                                   'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\n'
                                   'exec "${cmd[@]:0:2}"\n')),
             Example(_GOOD.replace("redis-cli -h localhost -p 6379 PING >/dev/null\n",
                                   "n=0\nuntil redis-cli PING >/dev/null; do\n"
                                   "  (( n++ < 3 )) || exit 1\n  sleep 1\ndone\n")),
             Example("exec python3 x\n", path="ops/other.sh"))
    INVALID = (
        # the EXIT trap runs the job at the failed checks' exits too
        Example(_GOOD.replace("redis-cli -h", "trap '\"$VENV/bin/python\" \"$SCRIPT\"' EXIT\n"
                              "redis-cli -h"), expect=((10, 7), (10, 7), (10, 7), (10, 7))),
        Example(_GOOD.replace("test -f \"$DB_PATH\"\n",
                              "if [ ! -f \"$DB_PATH\" ]; then echo warn; fi\n"),
                expect=((14, 1),)),
        Example(_GOOD.replace("set -euo pipefail\n", "set -euo pipefail\nset +euo pipefail\n"),
                expect=((15, 1), (15, 1), (15, 1), (15, 1))),
        Example(_GOOD.replace("redis-cli -h localhost -p 6379 PING >/dev/null\n",
                              "check() { redis-cli PING; }\n")
                .replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                         'exec "$VENV/bin/python" "$SCRIPT" "$@"\ncheck\n'),
                expect=((14, 1),)),
        Example("#!/bin/sh\nset -e\nexec \"$@\"\n", expect=((1, 1),)),
        Example(_GOOD.replace("cd /home/qt/quantum_trader\n",
                              "cd /home/qt/quantum_trader\nunset PYTHONPATH\n"),
                expect=((15, 1),)),
        Example(_GOOD.replace("set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 0' ERR\n"),
                expect=((15, 1),) * 3),
        Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                              '"$VENV/bin/python" "$SCRIPT" "$@" || echo "failed: $?" >&2\n'),
                expect=((14, 1),)),
        Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT"',
                              'exec "$VENV/bin/python" -I "$SCRIPT"'),
                expect=((14, 1),)),
        Example(_GOOD.replace('exec "$VENV/bin/python" "$SCRIPT" "$@"\n',
                              'exec "$VENV/bin/python" "$SCRIPT" "$@" &\n'),
                expect=((14, 1),)),
        Example(_GOOD.replace('exec "$VENV/bin/python"', 'exec -a qt-job "$VENV/bin/python"'),
                expect=((14, 1),)),
        Example(_GOOD.replace("set -euo pipefail\n", "set -euo pipefail\nshopt -uo errexit\n"),
                expect=((15, 1),) * 4),
        Example(_GOOD.replace("export PYTHONPATH=/home/qt/quantum_trader\n",
                              "unset PYTHONPATH\n"
                              'export PYTHONPATH="/home/qt/quantum_trader:$PYTHONPATH"\n'),
                expect=((10, 1),)),
        Example(_GOOD.replace("redis-cli -h localhost -p 6379 PING >/dev/null\n",
                              "n=0\nuntil redis-cli PING >/dev/null; do\n"
                              "  (( n++ < 3 )) || break\n  sleep 1\ndone\n"),
                expect=((18, 1),)),
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return is_script(relpath, contract.wrapper)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        if not is_script(ctx.relpath, contract.wrapper):
            return
        flow = script_flow(ctx.text, contract, wrapper_repo(ctx), by_name=True,
                           relpath=contract.wrapper.strip("/"))
        for line, column, name in flow.unread:
            # not analysed is never a pass: QT001 too (the host audit's ERROR)
            ctx.not_analysed(f"`source {name}` cannot be read: what it does was not "
                             "analysed (QT608)", line, column)
            yield ctx.finding(self, line, column, f"{contract.wrapper}: `source {name}`: the "
                              "file cannot be read (outside the repository, built at run "
                              "time, or absent), so what it does was not analysed: its "
                              "checks and settings do not count (source a file of the "
                              "repository by its path)")
        for line, column, problem in wrapper_problems(flow, contract):
            yield ctx.finding(self, line, column, f"{contract.wrapper}: {problem}")
