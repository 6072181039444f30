from __future__ import annotations

from collections.abc import Iterator

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import (
    ARCHIVED,
    ARCHIVED_NEW,
    CONFIRMED,
    GATE,
    GATE_UNWRAPPED,
    LOGGED_TO,
    TERMINAL,
    Repo,
    archive_covers,
    archive_destination,
    archive_named,
    archive_sources,
    gate_command,
    gate_defeat_of,
    in_cwd,
    is_script,
    reads_git_hash,
    runs_anywhere,
    script_flow,
    step_write,
    success_ends_after_write,
    writes,
)

_GOOD = """#!/usr/bin/env bash
set -euo pipefail
MODEL="$1"
VERSION="$2"
CONFIG=/etc/quantum/ai-engine.env
[ -t 0 ] || { echo "needs a person at a terminal" >&2; exit 1; }
ops/run.sh ai-engine ops/model_safety/quality_gate.py
read -r -p "Activate $MODEL $VERSION? Type yes: " answer
[ "$answer" = yes ] || exit 1
cp "$CONFIG" "/opt/quantum/ai_engine/models/archive/$(date +%Y%m%dT%H%M%S)_${MODEL}_${VERSION}"
echo "git=$(git rev-parse HEAD) model=$MODEL" >> /var/log/quantum/activation.log
sed -i "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" "$CONFIG"
"""

_TERMINAL = '[ -t 0 ] || { echo "needs a person at a terminal" >&2; exit 1; }\n'
_ACTIVE = """#!/usr/bin/env bash
set -euo pipefail
ACTIVE=/opt/quantum/ai_engine/models/active
ARCHIVE=/opt/quantum/ai_engine/models/archive
LOG=/var/log/quantum/canary_activation.log
[ -t 0 ] || exit 1
ops/run.sh ai-engine ops/model_safety/quality_gate.py
read -r -p "Activate $1 $2? Type yes: " answer
[ "$answer" = yes ] || exit 1
cp -a "$ACTIVE" "$ARCHIVE/$(date +%Y%m%dT%H%M%S)_$1_$2"
git rev-parse HEAD >> "$LOG"
cp "staging/$1.pkl" "$ACTIVE/model_v2.pkl"
"""


class CanarySteps(Rule):
    """
    ## What it does
    Reads the canary activation script (`contract.canary-script`,
    `ops/model_safety/canary_activate.sh`) as a program and, at every command that changes
    the active models (`active/`) or the model setting (`/etc/quantum/*.env`,
    `.env.model_config`: `cp`, `mv`, `install`, `rsync`, `ln`, `tee`, `sed -i`, `perl -i`,
    `dd of=`, `>`, `>>`; a relative path is read from the folder a `cd` or `pushd` before
    it on every path made known: `cd /etc/quantum` then `sed -i ... ai-engine.env`),
    checks that every path reaching it has:
    - **the quality gate**, run through the wrapper (`ops/run.sh ai-engine
      ops/model_safety/quality_gate.py`, `bash ops/run.sh ...`, or `make quality-gate`
      without the options that ignore or skip its recipe: `-i`, `-n`, `-t`, `-q` (also
      clustered, `-ik`, long or abbreviated, `--ignore`, or in `MAKEFLAGS`), with a
      failure that ends the script: under `set -e`, or `|| exit`, `if ! ...; then exit
      ...; fi`, or `$?` tested. `|| true`, an `if` that only warns, or `set +e` without
      a test defeat it;
    - **a person's confirmation**: a `read` whose answer is tested so that only an
      explicit answer goes on (an empty answer, as without a person, stops it); an answer
      the script feeds itself (`read answer <<< yes`, a heredoc, `< <(echo yes)`, a file,
      a pipe: `echo yes | { read -r answer; ...; }`, a group redirected: `{ read -r
      answer; } < answers.txt`, a command run with `&`, after `exec < file`, a descriptor
      the script opened: `coproc Y { echo yes; }` then `read -r answer <&"${Y[0]}"` or
      `read -u "${Y[0]}"`, `exec 3< <(echo yes)` then `read -u 3`) is no person's (a
      descriptor opened on `/dev/tty` is the terminal);
    - **failing closed without a terminal**: `[ -t 0 ] || exit 1` (`[[ -t 0 ]]`, `tty -s`,
      `tty >/dev/null`: status 1 without one), or the
      terminal opened: `exec </dev/tty` (`exec 0</dev/tty`, `command exec </dev/tty`) whose
      failure stops the script, or an explicit answer read from it (`read -r answer
      </dev/tty`, then `[ "$answer" = yes ] || exit 1`). Without a terminal bash (not in
      POSIX mode) does not end the script on a failed `exec </dev/tty`: it is a command
      failing with status 1, so it stops the script under `set -e` or with `|| exit 1`,
      not after `|| true` or under `set +e`. Under cron or a unit there is no terminal,
      and `yes |` types for nobody;
    - **an archive copy** of what the write replaces, into
      `archive/<timestamp>_<model>_<version>`, before the write: the same file, or a folder
      holding it (`cp -a "$ACTIVE" "$ARCHIVE/..."` for a write of `$ACTIVE/model.pkl`,
      `tar -czf "$ARCHIVE/x.tgz" -C "$MODELS" active`; for a write into a folder, `cp
      new.pkl "$ACTIVE/"`, a file in it). A path not known when reading (`$1`, a glob, a
      path relative to where the script `cd`s) is not judged. A copy of another file
      (`cp "$ACTIVE/model_v1.pkl" "$ARCHIVE/"` before writing `$ACTIVE/model_v2.pkl`, the
      env file archived while `active/` is written) is a finding naming both. The copy
      needs a name of its own on every activation, the same version activated again
      included: a time stamp in its path below `archive/` that changes between two runs a
      second apart (`$(date +%Y%m%dT%H%M%S)`, `%s`, `%s%N`, `%H%M%S`, `%T`, `date` alone,
      `-Iseconds`, `$EPOCHSECONDS`, or a variable set from one; also a stamped folder, `cp
      -a ENV "$ARCHIVE/$STAMP/"`). Not such a stamp: the day or the year (`+%F`, `+%Y`,
      `+%Y%m%d%H%M` a minute, `-I`), a fixed date (`date -d @0 +%s`, `-d 2026-01-01`),
      `%%s` (the text `%s`), a default that is fixed unless the caller sets the variable
      (`TS=${TS:-20260101}`), a name in single quotes (`'archive/$(date +%s)_x'` runs no
      `date`), or the model and version alone (`"$ARCHIVE/${MODEL}_${VERSION}"`). A
      variable not known when reading counts. A copy into `archive/`
      itself (`cp ENV "$ARCHIVE/"`, `cp -t "$ARCHIVE" ENV`, `mv x.pkl "$ARCHIVE/"`: the
      source's own name) or under a fixed name (`archive/ai-engine.env.bak`, `tar -czf
      archive/last.tgz`) is overwritten by the next activation and is a finding. `cat ENV >
      "$ARCHIVE/$(date +%s)_..."` is a copy;
    - **the git hash** in the activation log when the script ends successfully after the
      write (or at the write, when it never does): the output of `git rev-parse HEAD` (or
      `git log -1 --format=%H`) sent to a `.log` file in `contract.log-dir`
      (`/var/log/quantum/`; a path not known when reading counts; a rotated or set-aside
      name, `activation.log.1`, `.log.old`, is not the log): `git rev-parse HEAD >>
      "$LOG"`, `echo "git=$(git rev-parse HEAD)" >> "$LOG"` or `| tee -a "$LOG"`,
      `HASH=$(git rev-parse HEAD)` then `$HASH` in a line sent there, through a function
      that writes its arguments to the log (`log "git=$HASH"`), a `{ ...; } >> "$LOG"`,
      or after `exec >> "$LOG"`. A hash
      sent to `/dev/null`, to standard output or stderr, to a file elsewhere, or kept in a
      variable never logged, is not recorded; nor is a log emptied, replaced or moved away
      after it, before or after the write (`: > "$LOG"`, `truncate -s 0`, `rm`, `cp
      /dev/null "$LOG"`, `echo x > "$LOG"`, `mv "$LOG" "$LOG.old"`; `mv` to another `.log`
      keeps it).
      Only HEAD's hash of the repository counts, read as bash runs the line: text in
      single quotes (`echo 'git=$(git rev-parse HEAD)'` prints it as it is), `rev-parse
      HEAD~1` (the parent's), `--abbrev-ref HEAD` (the branch's name) and `git -C
      /elsewhere` (a folder outside `contract.repo-root`: another repository, or an empty
      hash) are not. An abbreviated hash is: `git rev-parse --short HEAD` (also
      `--short=12`, `--verify`, `HEAD^{commit}`).

    A gate piped into `tee` has the status of `tee` unless `set -o pipefail`, or
    `${PIPESTATUS[0]}` is tested right after the pipe (`... | tee -a "$LOG"; [
    "${PIPESTATUS[0]}" -eq 0 ] || exit 2`, or saved: `rc=${PIPESTATUS[0]}`).

    Each missing or defeated step is one finding at the write, naming the step. Checks
    inside a function that is never called, or after an `exit`, do not count.

    A trap's action is read as shell and runs where bash runs it, with what holds there:
    an EXIT trap (`trap CMD EXIT`, `trap -- CMD 0`, `trap CMD EXIT INT TERM`) at every
    exit after the `trap` (the terminal check's `exit 1`, a failed gate's errexit, the
    end of the script), an ERR trap where a failure runs it (in a function only under
    `set -E`), until `trap - EXIT` or a later `trap` replaces it; a subshell's trap runs
    at the subshell's end, and a trap naming a function runs its body. So `trap 'sed -i
    "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" "$CONFIG"' EXIT` before `[ -t 0 ] || exit
    1` writes the setting with no person and no gate: each step is missing at the
    write in the trap.

    A gate in a loop counts as bash runs it: a loop ends when its condition stops it
    (`while` when the condition fails, `until` when it succeeds) or by a `break` in
    whatever state the body left it; `continue` goes back to the condition. So `while !
    <gate>; do break; done` and `until <gate>; do break; done` leave the loop with the gate
    failed (a finding), while `until <gate>; do exit 2; done` and `while true; do <gate> &&
    break; sleep 60; done` (retry until it passes) hold the gate after the loop. A `for`
    over literal words runs its body at least once; over anything else, maybe never.

    A canary that activates by running another program of the repository
    (`"$VENV/bin/python" ops/model_safety/promote.py "$MODEL"`, `ops/run.sh ai-engine
    ops/activate.py`, `python -m ops.activate`, `bash ops/swap.sh`) is judged at that call:
    when the program writes `active/` or the model setting (Python writes as QT602 reads
    them; a shell program's own writes and calls, three levels deep), the call is the write
    and the message names the program. The rollback script (QT607) restores, it does not
    activate; a program named through a variable, or one that does not parse, is not
    followed.

    A gate run that cannot fail is defeated: an option or an environment variable
    (`SKIP_GATE=1 ops/run.sh ...`, `... quality_gate.py --dry-run`, or exported before)
    that the gate's own code reads in a condition whose branch exits 0 (`sys.exit(0)`,
    `raise SystemExit`, `sys.exit(0 if args.no_fail else 2)`, `return 0` in the function
    the gate exits with, `sys.exit(main())`; an argparse option by its `dest`, also
    abbreviated as argparse allows). When the gate is not in the repository (or is not
    Python that parses), `contract.gate-defeats` lists what defeats it (globs over options
    and variable names; default `--skip*`, `--no-fail*`, `--dry-run`, `--dryrun`,
    `--warn-only`, `--no-exit*`, `--ignore-fail*`, `--report-only`, `SKIP_*`, `*_SKIP`,
    `*SKIP_GATE*`, `NO_GATE`, `GATE_DISABLED`, `DRY_RUN`, `WARN_ONLY`). An option the gate
    does not treat as a skip (`--verbose`) is a gate run.

    ## Why is this bad?
    Contract F: "Quality gate MUST pass (exit 0) before activation", "Canary activation
    requires manual confirmation", "Backup created before EVERY model change", "Git hash
    recorded in activation log". The canary script is the only way models go live; a step
    it skips is skipped for every activation.

    ## Example
    ```sh
    python3 ops/model_safety/quality_gate.py || true
    sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" /etc/quantum/ai-engine.env
    ```

    ## Use instead
    ```sh
    set -euo pipefail
    [ -t 0 ] || exit 1
    ops/run.sh ai-engine ops/model_safety/quality_gate.py
    read -r -p "Type yes to activate: " answer
    [ "$answer" = yes ] || exit 1
    cp /etc/quantum/ai-engine.env "$ARCHIVE/$(date +%s)_${MODEL}_${VERSION}"
    echo "git=$(git rev-parse HEAD)" >> /var/log/quantum/activation.log
    sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" /etc/quantum/ai-engine.env
    ```

    ## Options
    `contract.canary-script`, `contract.quality-gate`, `contract.wrapper`,
    `contract.env-dir`, `contract.gate-defeats`.
    """

    code = "QT604"
    name = "canary-steps"
    section = "F"
    kinds = frozenset({Kind.SHELL})
    summary = "The canary script changes the model without a step the contract requires"
    example_path = "ops/model_safety/canary_activate.sh"
    VALID = (Example(_GOOD),
             Example(_GOOD.replace("set -euo pipefail\n", "")
                     .replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                              "if ! ops/run.sh ai-engine ops/model_safety/quality_gate.py; "
                              "then exit 2; fi\n")
                     .replace("${VERSION}\"\n", "${VERSION}\" || exit 1\n")),
             Example(_GOOD.replace("quality_gate.py\n", "quality_gate.py --verbose\n")),
             Example(_GOOD.replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                                   "until ops/run.sh ai-engine ops/model_safety/quality_gate.py;"
                                   " do exit 2; done\n")),
             Example(_GOOD.replace("ops/run.sh ai-engine", "bash ops/run.sh ai-engine")),
             Example(_GOOD.replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                                   "make -s -o -i quality-gate\n")),
             Example(_GOOD.replace(_TERMINAL, "exec </dev/tty\n")),
             Example(_GOOD.replace(_TERMINAL, "").replace("answer\n", "answer </dev/tty\n")),
             Example(_GOOD.replace("set -euo pipefail\n", "set -eu\n").replace(
                 "quality_gate.py\n", 'quality_gate.py 2>&1 | tee -a /var/log/quantum/gate.log\n'
                 '[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n')),
             Example(_GOOD.replace('echo "git=$(git rev-parse HEAD) model=$MODEL"',
                                   'HASH=$(git rev-parse HEAD)\necho "git=$HASH"')),
             Example(_GOOD.replace('cp "$CONFIG" "/opt', 'cat "$CONFIG" > "/opt')
                     .replace("rev-parse HEAD", "rev-parse --short HEAD")),
             Example(_ACTIVE),
             Example(_GOOD.replace(_TERMINAL, "trap 'rm -f /tmp/qt-stage' EXIT\n" + _TERMINAL)),
             Example("cp m.pkl /opt/quantum/ai_engine/models/active/\n", path="ops/deploy.sh"))
    INVALID = (
        # bash runs the EXIT trap at every exit after it: the terminal check's, the gate's
        Example(_GOOD.replace(_TERMINAL, "trap 'sed -i \"s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|\""
                              " \"$CONFIG\"' EXIT\n" + _TERMINAL),
                expect=((6, 56),) * 5),
        Example(_GOOD.replace("quality_gate.py\n", "quality_gate.py || true\n"),
                expect=((12, 50),)),
        # the day alone: the same version activated again the same day overwrites it
        Example(_GOOD.replace("$(date +%Y%m%dT%H%M%S)", "$(date +%F)"), expect=((12, 50),)),
        # the answer comes from a coprocess the script started, not from a person
        Example(_GOOD.replace('read -r -p "Activate $MODEL $VERSION? Type yes: " answer',
                              'coproc Y { echo yes; }\nread -r answer <&"${Y[0]}"'),
                expect=((13, 50),)),
        # the hash logged, then the log moved aside
        Example(_GOOD + "mv /var/log/quantum/activation.log "
                "/var/log/quantum/activation.log.old\n", expect=((12, 50),)),
        Example(_GOOD.replace("ops/run.sh", "SKIP_GATE=1 ops/run.sh"), expect=((12, 50),)),
        Example(_GOOD.replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                              "while ! ops/run.sh ai-engine ops/model_safety/quality_gate.py;"
                              " do break; done\n"), expect=((12, 50),)),
        Example(_GOOD.replace("quality_gate.py\n", "quality_gate.py --dry-run\n"),
                expect=((12, 50),)),
        Example(_GOOD.replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                              "make -ik quality-gate\n"), expect=((12, 50),)),
        Example(_GOOD.replace("ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                              "export MAKEFLAGS=n\nmake quality-gate\n"), expect=((13, 50),)),
        Example(_GOOD.replace('[ -t 0 ] || { echo "needs a person at a terminal" >&2; exit 1; }\n',
                              "").replace('[ "$answer" = yes ] || exit 1\n', ""),
                expect=((10, 50), (10, 50))),
        Example("".join(line for line in _GOOD.splitlines(keepends=True)
                        if "git rev-parse" not in line and "/archive/" not in line),
                expect=((10, 50), (10, 50))),
        Example(_GOOD.replace(_TERMINAL, "exec </dev/tty || true\n"), expect=((12, 50),)),
        Example(_GOOD.replace('cp "$CONFIG"', "cp /etc/quantum/backend.env"),
                expect=((12, 50),)),
        Example(_ACTIVE.replace('"$ACTIVE" "$ARCHIVE', '"$ACTIVE/model_v1.pkl" "$ARCHIVE'),
                expect=((12, 21),)),
        Example(_GOOD.replace('echo "git=$(git rev-parse HEAD) model=$MODEL"',
                              'git rev-parse HEAD >/dev/null\necho "model=$MODEL"'),
                expect=((13, 50),)),
        Example(_GOOD.replace("set -euo pipefail\n", "set -eu\n").replace(
            "quality_gate.py\n", 'quality_gate.py 2>&1 | tee -a /var/log/quantum/gate.log\n'),
            expect=((12, 50),)),
        # the copy keeps the source's name: the next activation overwrites it
        Example(_GOOD.replace("$(date +%Y%m%dT%H%M%S)_${MODEL}_${VERSION}", ""),
                expect=((12, 50),)),
        # single quotes: the log gets the text, not the hash
        Example(_GOOD.replace('echo "git=$(git rev-parse HEAD) model=$MODEL"',
                              "echo 'git=$(git rev-parse HEAD)'"), expect=((12, 50),)),
        Example(_GOOD.replace(">> /var/log/quantum/activation.log\n",
                              ">> /var/log/quantum/activation.log\n"
                              ": > /var/log/quantum/activation.log\n"), expect=((13, 50),)),
        # the answer comes down a pipe: no person typed it
        Example(_GOOD.replace('read -r -p "Activate $MODEL $VERSION? Type yes: " answer\n'
                              '[ "$answer" = yes ] || exit 1\n',
                              'echo yes | { read -r answer; [ "$answer" = yes ] || exit 1; }\n'),
                expect=((11, 50),)),
        Example("set -e\nf() { [ -t 0 ] || exit 1; }\n"
                "ops/run.sh ai-engine ops/model_safety/quality_gate.py\n"
                "read -r a\n[ \"$a\" = yes ] || exit 1\n"
                "cp /etc/quantum/ai-engine.env "
                "/opt/quantum/ai_engine/models/archive/$(date +%s)_x_1\n"
                "git rev-parse HEAD >> /var/log/quantum/activation.log\n"
                "echo ACTIVE_MODEL=x >> /etc/quantum/ai-engine.env\n", expect=((8, 24),)),
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return is_script(relpath, contract.canary_script)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        if not is_script(ctx.relpath, contract.canary_script):
            return
        repo = canary_repo(ctx)
        flow = script_flow(ctx.text, contract, repo)
        changes = writes(flow, contract, repo)
        if not changes:
            return
        ends = success_ends_after_write(flow)
        gate_ran = runs_anywhere(flow, GATE, contract, repo)
        unwrapped = runs_anywhere(flow, GATE_UNWRAPPED, contract, repo)
        defeats = [(step.command.words[0].line, why) for step, facts in flow.steps
                   if (why := gate_defeat_of(step, facts, contract, repo)) is not None]
        asked = any(step.command.name == "read" for step, _ in flow.steps)
        archives: dict[str, int] = {}  # what is copied into the archive -> the step's line
        hashes: list[int] = []  # the lines of `git rev-parse HEAD`
        others: list[int] = []  # the lines of a git command that prints no hash of HEAD
        fixed: list[tuple[int, str]] = []  # archive copies under a name used every run
        for ran, _ in flow.steps:
            for source in archive_sources(ran):
                archives.setdefault(source, ran.command.words[0].line)
            if archive_sources(ran) and not archive_named(ran):
                fixed.append((ran.command.words[0].line, archive_destination(ran) or ""))
            if reads_git_hash(ran, contract):
                hashes.append(ran.command.words[0].line)
            elif any("rev-parse" in w.text or "%H" in w.text for w in ran.written):
                others.append(ran.command.words[0].line)
        gate = gate_command(contract)
        # the writes of a trap's action (it runs at every exit after the `trap`)
        trapped = {(found[0].line, found[0].column): step.trap for step, facts in flow.steps
                   if step.trap and (found := step_write(in_cwd(step, facts), contract, repo))}
        for target, facts, via in changes:
            trap = trapped.get((target.line, target.column))
            missing: list[str] = []
            if GATE not in facts:
                if defeats:
                    line, why = defeats[0]
                    missing.append(f"the quality gate run at line {line} cannot fail: {why} "
                                   f"defeats it; run `{gate}` as it is and exit when it fails")
                elif gate_ran and trap:
                    where_run = "failures" if trap.startswith("the ERR") else "exits"
                    missing.append(f"the quality gate does not guard this write: the trap "
                                   f"runs at {where_run} before `{gate}` passed (its "
                                   "failure's among them); write after the gate, not in a "
                                   "trap")
                elif gate_ran:
                    missing.append(f"the quality gate's failure does not stop the script "
                                   f"before this write (`|| true`, an `if` that carries on "
                                   f"or `set +e` defeat it: exit when `{gate}` fails)")
                elif unwrapped:
                    missing.append(f"the quality gate runs without {contract.wrapper} "
                                   f"before this write (run `{gate}` and exit when it fails)")
                else:
                    missing.append(f"no quality gate before this write (run `{gate}` and "
                                   "exit when it fails)")
            if CONFIRMED not in facts:
                missing.append("no person's confirmation before this write (`read` an "
                               "answer and exit unless it is an explicit yes)"
                               if not asked else
                               "the confirmation does not stop the script before this write "
                               "(exit unless the answer is an explicit yes; an empty answer "
                               "must stop it)")
            if TERMINAL not in facts:
                missing.append("no fail-closed check for a terminal before this write "
                               "(`[ -t 0 ] || exit 1`: under cron or a unit there is no "
                               "person)")
            if ARCHIVED not in facts:
                missing.append("no copy of what this write replaces into "
                               "archive/<timestamp>_<model>_<version> before it")
            elif ARCHIVED_NEW not in facts and fixed:
                line, dest = fixed[0]
                named = f"into {dest} under the source's own name" if dest.endswith("/") \
                    else (f"under the name {dest}, the same on the next run (no time stamp "
                          "to the second in it)" if "$" in dest or "`" in dest else
                          f"under the fixed name {dest}")
                missing.append(
                    f"the archive step at line {line} copies {named}: the next activation "
                    f"overwrites it (name the copy archive/<timestamp>_<model>_<version>, "
                    f"`$(date +%Y%m%dT%H%M%S)` in it)")
            elif via is None:
                copied = [s for s in archives if f"archived:{s}" in facts]
                if copied and not any(archive_covers(s, target.text) for s in copied):
                    missing.append(
                        f"the archive step at line {archives[copied[0]]} copies "
                        f"{' and '.join(copied)} into the archive, not {target.text} this "
                        f"line replaces (copy it, or the folder holding it, into "
                        f"archive/<timestamp>_<model>_<version> before it)")
            # in the log when the script ends with success (removed, moved or emptied
            # after the write, it is gone), or at the write when it never ends so (or when
            # a trap makes the write, at the exits that run it)
            if (not _in_log(facts, contract) and (trap or not ends)) or (
                    not trap and any(not _in_log(e, contract) for e in ends)):
                missing.append(
                    "the git hash (`git rev-parse HEAD`) is not recorded in the activation "
                    "log for this change" + (
                        f" (line {others[0]} logs no hash of HEAD: single quotes print the "
                        "text as it is; `HEAD~1`, `--abbrev-ref`, `git -C` another folder "
                        "print something else)" if others else "") if not hashes else
                    f"the git hash (`git rev-parse HEAD` at line {hashes[0]}) is not recorded "
                    f"in the activation log ({contract.log_dir}/...) for this change: it "
                    f"goes to /dev/null, to standard output, to another file, into a "
                    f"variable never logged, or the log is emptied after (append it: `echo "
                    f"\"git=$(git rev-parse HEAD)\" >> \"$LOG\"`)")
            where = "here" if via is None else f"here (it runs {via})"
            if trap:
                where += f", in {trap} (bash runs it " + (
                    "at each failure after that line)" if trap.startswith("the ERR") else
                    "at every exit after that line, a failure's exit and errexit's too)")
            for step in missing:
                yield ctx.finding(self, target.line, target.column,
                                  f"{contract.canary_name} changes the model {where}: {step}")


def _in_log(facts: frozenset[str], contract: Contract) -> bool:
    """HEAD's hash is in the activation log: a file in `contract.log-dir` (or one whose
    path is not known when reading) that it was sent to and that was not emptied after."""
    logs = contract.log_dir.rstrip("/") + "/"
    return any(f.startswith(LOGGED_TO) and ((f[len(LOGGED_TO):].startswith(logs) and
                                               _a_log(f[len(LOGGED_TO):])) or
                                              "$" in f or "`" in f) for f in facts)


def _a_log(path: str) -> bool:
    """A log file (`activation.log`), not a rotated or set-aside copy (`.log.1`,
    `.log.old`, `.log.gz`): logrotate and a reader look for the log by its name."""
    return path.endswith(".log")


def canary_repo(ctx: FileContext) -> Repo | None:
    """The repository of the canary script being checked (its path less the configured
    one: the repository root, or the repository's copy on a host), read through the
    project's files."""
    project = ctx.project
    canary = ctx.contract.canary_script.strip("/")
    abspath = ctx.abspath.replace("\\", "/")
    if project is None or not abspath.endswith(canary):
        return None
    base = abspath[: -len(canary)]
    files = project.files

    def read(rel: str) -> str | None:
        return files.read(base + rel) if files.isfile(base + rel) else None

    return Repo(ctx.config, read)
