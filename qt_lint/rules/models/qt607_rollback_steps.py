from __future__ import annotations

import os
import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Word
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import (
    BACKUP_CHECKED,
    GIT_HASH,
    GIT_JOURNAL,
    GIT_LOGGED,
    JOURNAL,
    RESTART_VERBS,
    WROTE,
    backup_pick,
    is_script,
    model_write,
    runs_anywhere,
    script_flow,
    success_ends_after_write,
    writes,
    written_targets,
)
from qt_lint.shellflow import Facts, Flow, read_variable

_GOOD = """#!/usr/bin/env bash
set -euo pipefail
BACKUP=$(ls -t /opt/quantum/ai_engine/models/archive/*_ai-engine.env 2>/dev/null | head -n 1)
[ -n "$BACKUP" ] && [ -f "$BACKUP" ] || { echo "no backup: refusing" >&2; exit 1; }
cp "$BACKUP" /etc/quantum/ai-engine.env
systemctl restart quantum-ai-engine.service
echo "rollback to $BACKUP at $(git rev-parse HEAD)" | systemd-cat -t quantum-rollback
"""


def rollback_path(ctx: FileContext) -> str:
    """Where the rollback script is, beside the canary script being checked."""
    contract = ctx.contract
    canary = contract.canary_script.strip("/")
    base = (ctx.abspath or ctx.path)
    root = base[: len(base) - len(canary)] if base.endswith(canary) else ""
    return os.path.join(root, contract.rollback_script)


class RollbackSteps(Rule):
    """
    ## What it does
    Reads the rollback script (`contract.rollback-script`,
    `ops/model_safety/rollback_last.sh`) as a program and checks that it:
    - **refuses without a backup**: before it restores, a test of the backup
      (`[ -f "$BACKUP" ]`, `[ -n "$BACKUP" ]`, `[ -d "$BACKUP_DIR" ]`) stops it with a
      non-zero exit when there is none;
    - **restores the previous model setting**: it writes the model setting
      (`/etc/quantum/*.env`, `.env.model_config`) or the active models;
    - **logs the git hash** (`git rev-parse HEAD`) to the journal (`echo "... $(git
      rev-parse HEAD)" | systemd-cat`, `logger "... $HASH"`) or to a log file, **notifies
      the journal** (`systemd-cat` or `logger`), and **restarts the service** (`systemctl
      restart quantum-<service>`, or `systemctl start` of a quantum oneshot unit that
      restarts it), before it ends successfully (contract I: "Git hash logged for audit"
      and "Notify via journal" are two duties). A hash sent to `/dev/null`, standard
      output or stderr, or in single quotes (`HEAD~1`, `--abbrev-ref` give no hash of HEAD,
      as in QT604) is not logged.
      What reaches the journal is read as the programs run: `systemd-cat CMD ARGS` logs
      the output of CMD and leaves its standard input alone (`systemd-cat true <<< "$(git
      rev-parse HEAD)"` logs nothing); without a command it logs its standard input (a
      pipe, a here-string); `logger MESSAGE` logs the message and reads no input (`echo
      "$HASH" | logger -t x done` logs `done`), `logger` alone its input; `logger
      --no-act` logs nothing and notifies no one. A writer whose output does not go down
      the pipe (`echo ... >/dev/null | systemd-cat`, `>&2 |`) sends it nothing.

    When the canary script is checked and the rollback script does not exist, that is
    reported on the canary script's first line: an activation without a way back.

    What the protocol demands, form by form:
    - a refusal is a **non-zero** exit before the restore: a missing-backup branch that
      exits 0, only echoes and carries on, or exits 1 under `trap 'exit 0' EXIT` (which
      makes every end a success) or `trap 'exit 0' ERR` (errexit's refusal becomes 0) is
      reported; the caller of a rollback takes status 0 for "rolled back";
    - the restart is `systemctl restart <the unit whose setting it restores>`
      (`/etc/quantum/<service>.env` -> `quantum-<service>`; `.env.model_config` and
      `active/` -> the AI engine's), waited for, its failure stopping the script before a
      successful end. Not accepted: `systemctl restart ... &` and `systemctl --no-block`
      (the job is only queued: a failed restart goes unseen), `|| true`, another
      service's unit, `systemctl start` of the service itself (nothing happens to a running
      service), `try-restart` and `reload-or-restart` (a stopped service stays stopped: a
      rollback often follows a failed start). `systemctl start` of another quantum unit is
      accepted as the root-owned oneshot below. The restart comes **after** the restore on
      every path to a successful end: a unit restarted (or the oneshot started) before the
      `cp` brings the service back with the model being rolled back, and is reported with
      its line;
    - what is restored is the newest backup in `archive/` (the setting the last
      activation replaced), found by the script: a source taken from the command line
      (`cp "$1" ...`, `BACKUP=${1:-...}`) is reported even with a default, since the
      caller can then restore any file (or the current setting) and the backup test only
      proves that the file exists. So is a source from the environment: a variable the
      script does not set itself on every path to the restore (`cp "${BACKUP:-$LATEST}"
      ...`, `BACKUP=${BACKUP:-$(ls -t ...)}`, `: "${BACKUP:=...}"`, a `for BACKUP in
      $(ls ...)` that runs no round when the archive is empty, or no assignment at all: a
      caller's `BACKUP` wins), and a path read with `read` (`read -r path; cp "$path"
      ...`), named with the line of the `read` and what it reads (standard input, or its
      `<` file). A default on a variable the script set (`BACKUP=$(ls -t ...)` then
      `cp "${BACKUP:-}" ...`) is its own;
    - the backup restored is the **newest**, read from the listing that finds it as its
      pipeline runs (backups are named `<timestamp>_<model>_<version>`: by name, as by
      time, the oldest first): `ls -t` lists the newest first, `ls` and `sort` by name
      the oldest first, `-r` and `tac` reverse, `head -n 1` takes the first and `tail -n
      1` the last (`cut`, `grep`, `sed 's/...'`, `awk '{print ...}'` keep the order). So
      `ls -t ... | head -n 1`, `ls ... | sort | tail -1` and `find ... -printf '%T@ %p\n'
      | sort -n | tail -1` restore the newest, and `ls -tr ... | head -1`, `ls ... | sort
      | head -1` or `ls -t ... | tail -1` the oldest: a finding (the rollback goes back
      past every later activation). A listing ordered otherwise (`ls -U`, `-S`, `sort
      -R`, a key other than the first field, `find` unsorted) is not judged. Each stage
      is a list operation on the sorted backups, and what comes out of the last is the
      one restored: `head -n N`/`-n -N`, `tail -n N`/`-n +N`, `sed -n Np`, `sed -n '$p'`,
      `sed -n 'N,Mp'`, `sed Nq`, `awk 'NR==N'`, `awk 'END {print}'`, `grep -m N` select;
      `printf '%s\n' DIR/*` lists the glob's matches by name. So `ls -t ... | head -2 |
      tail -1` and `ls -t ... | tail -n +2 | head -1` restore the second newest (a
      finding), `ls ... | sort | sed -n '$p'` the newest. A glob taken as bash orders it
      counts the same way: `BK=(DIR/*); BACKUP=${BK[-1]}` (or `${BK[${#BK[@]}-1]}`) and a
      `for BACKUP in DIR/*; do :; done` run through give the newest, `${BK[0]}` and a loop
      left by `break` in its first round the oldest.

    ## Why is this bad?
    Contract F's rollback protocol: "restores previous .env.model_config", "Git hash
    logged for audit", "Restart service automatically", "Notify via journal", "NEVER
    rollback without backup", "NEVER skip restart". A rollback that cannot be trusted is
    found out during the outage it was written for.

    Contract J says the `qt` user cannot restart units, and `/etc/quantum` belongs to
    root. A rollback, like the canary activation, is an operator's act: the operator runs
    it with `sudo` (the script then restarts the unit itself), or the script starts a
    root-owned oneshot unit (`quantum-model-rollback.service`, allowed to `qt` by one
    polkit rule for that unit alone) that restores and restarts. Both are accepted; the
    second keeps the privilege in a reviewed unit file rather than in an ad-hoc `sudo`.
    What is not accepted is a rollback that skips the restart because `qt` cannot do it.

    ## Example
    ```sh
    cp "$(ls -t /opt/quantum/backups/*.env | head -1)" /etc/quantum/ai-engine.env
    ```

    ## Use instead
    ```sh
    set -euo pipefail
    [ -f "$BACKUP" ] || { echo "no backup: refusing" >&2; exit 1; }
    cp "$BACKUP" /etc/quantum/ai-engine.env
    systemctl restart quantum-ai-engine.service
    echo "rollback $(git rev-parse HEAD)" | systemd-cat -t quantum-rollback
    ```

    ## Options
    `contract.rollback-script`, `contract.canary-script`, `contract.env-dir`,
    `contract.unit-prefix`.
    """

    code = "QT607"
    name = "rollback-steps"
    section = "F"
    kinds = frozenset({Kind.SHELL})
    summary = "The rollback script lacks a step of the rollback protocol, or is missing"
    example_path = "ops/model_safety/rollback_last.sh"
    VALID = (Example(_GOOD),
             # the hash in the rollback's log file and the journal notified: two duties
             Example(_GOOD.replace('echo "rollback to $BACKUP at $(git rev-parse HEAD)" | '
                                   "systemd-cat -t quantum-rollback",
                                   'git rev-parse HEAD >> /var/log/quantum/rollback.log\n'
                                   'logger -t quantum-rollback "rollback to $BACKUP"')),
             Example(_GOOD.replace("systemctl restart quantum-ai-engine.service",
                                   "systemctl start quantum-model-rollback.service")),
             Example(_GOOD.replace("set -euo pipefail\n",
                                   "set -euo pipefail\ntrap 'rm -f \"$TMP\"' EXIT\n")),
             # stopped before the restore, restarted after it; a default on its own variable
             Example(_GOOD.replace("cp \"$BACKUP\"", "systemctl stop quantum-ai-engine.service"
                                   "\ncp \"${BACKUP:-}\"")),
             # sorted by name (the time stamp first), the last is the newest
             Example(_GOOD.replace("ls -t ", "ls ").replace("| head -n 1", "| sort | tail -n 1")),
             # the glob's matches sorted by name: the last element is the newest
             Example(_GOOD.replace("BACKUP=$(ls -t /opt/quantum/ai_engine/models/archive/"
                                   "*_ai-engine.env 2>/dev/null | head -n 1)",
                                   "BK=(/opt/quantum/ai_engine/models/archive/*_ai-engine.env)"
                                   "\nBACKUP=${BK[-1]}")),
             # systemd-cat runs echo: its output is what the journal gets
             Example(_GOOD.replace('echo "rollback to $BACKUP at $(git rev-parse HEAD)" | '
                                   "systemd-cat -t quantum-rollback",
                                   "systemd-cat -t quantum-rollback echo \"rollback to $BACKUP "
                                   'at $(git rev-parse HEAD)"')))
    INVALID = (
        Example(_GOOD.replace('[ -n "$BACKUP" ] && [ -f "$BACKUP" ] || '
                              '{ echo "no backup: refusing" >&2; exit 1; }\n', ""),
                expect=((4, 14),)),
        Example(_GOOD.replace("systemctl restart quantum-ai-engine.service\n", "")
                .replace("| systemd-cat -t quantum-rollback", ">> /var/log/quantum/rb.log")
                .replace("$(git rev-parse HEAD)", "now"), expect=((5, 14),) * 3),
        Example("#!/bin/sh\necho nothing to do\n", expect=((1, 1),)),
        Example(_GOOD.replace("exit 1; }", "exit 0; }"), expect=((5, 14),)),
        Example(_GOOD.replace("systemctl restart", "systemctl --no-block restart"),
                expect=((5, 14),)),
        Example(_GOOD.replace("quantum-ai-engine.service", "quantum-backend.service"),
                expect=((5, 14),)),
        Example(_GOOD.replace("[ -n", "BACKUP=${1:-$BACKUP}\n[ -n"), expect=((6, 14),)),
        # a caller's BACKUP wins over the newest backup the script found
        Example(_GOOD.replace("BACKUP=$(ls", "LATEST=$(ls")
                .replace("[ -n", "BACKUP=${BACKUP:-$LATEST}\n[ -n"), expect=((6, 14),)),
        Example(_GOOD.replace("[ -n", "read -r BACKUP\n[ -n"), expect=((6, 14),)),
        # the oldest backup: ls -tr lists it first
        Example(_GOOD.replace("ls -t ", "ls -tr "), expect=((5, 14),)),
        # the second newest: the first two, then the last of those
        Example(_GOOD.replace("| head -n 1", "| head -2 | tail -1"), expect=((5, 14),)),
        # systemd-cat runs `true` (which prints nothing) and leaves the here-string unread
        Example(_GOOD.replace('echo "rollback to $BACKUP at $(git rev-parse HEAD)" | '
                              "systemd-cat -t quantum-rollback",
                              "systemd-cat -t quantum-rollback true <<< \"rollback to $BACKUP "
                              'at $(git rev-parse HEAD)"'), expect=((5, 14),)),
        # the hash read and thrown away
        Example(_GOOD.replace('echo "rollback to $BACKUP at $(git rev-parse HEAD)"',
                              'git rev-parse HEAD >/dev/null\necho "rollback to $BACKUP"'),
                expect=((5, 14),)),
        # the service comes back with the model being rolled back
        Example(_GOOD.replace("systemctl restart quantum-ai-engine.service\n", "")
                .replace("cp ", "systemctl restart quantum-ai-engine.service\ncp "),
                expect=((6, 14),)),
        Example("#!/bin/sh\nsystemctl stop quantum-ai-engine\n",
                path="ops/model_safety/canary_activate.sh", expect=((1, 1),)),
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return is_script(relpath, contract.canary_script) or \
            is_script(relpath, contract.rollback_script)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        if is_script(ctx.relpath, contract.canary_script):
            if not ctx.project.files.isfile(rollback_path(ctx)):
                yield ctx.finding(self, 1, 1, f"{contract.canary_name} activates models but "
                                  f"there is no rollback script ({contract.rollback_script})")
            return
        if not is_script(ctx.relpath, contract.rollback_script):
            return
        flow = script_flow(ctx.text, contract)
        changes = writes(flow, contract)
        name = contract.rollback_script.rsplit("/", 1)[-1]
        if not changes:
            yield ctx.finding(self, 1, 1, f"{name} never restores the previous model setting "
                              f"({contract.env_dir}/<service>.env or .env.model_config)")
            return
        ends = success_ends_after_write(flow)
        checked = runs_anywhere(flow, BACKUP_CHECKED, contract)
        # where the script ends with status 0 although the backup test failed
        refusals = [e for e in flow.ends if e.exec_step is None and e.code == 0 and
                    f"not:{BACKUP_CHECKED}" in e.facts]
        for target, facts, _ in changes:
            missing = []
            if BACKUP_CHECKED not in facts:
                missing.append("the backup test does not stop the script (exit non-zero) when "
                               "there is no backup" if checked else
                               "it does not refuse (exit non-zero) when there is no backup")
            elif refusals:
                end = refusals[0]
                how = f"`exit 0` at line {end.line}" if end.via is None else \
                    f"{end.via} (line {end.line})"
                missing.append(f"when there is no backup it exits 0 through {how}: a "
                               "refusal must exit non-zero (its caller takes 0 for a rollback)")
            source = _restored_from_outside(flow, target, contract)
            if source is not None:
                missing.append(source)
            oldest = _restored_oldest(flow, target, contract, ctx.text)
            if oldest is not None:
                missing.append(oldest)
            # the hash read, but kept nowhere: neither the journal nor a log (not: kept on
            # some paths only). Contract I lists "Git hash logged for audit" and "Notify via
            # journal" as two duties: a hash in the rollback's own log file is logged.
            hashed = runs_anywhere(flow, GIT_HASH, contract) and not any(
                runs_anywhere(flow, f, contract) for f in (GIT_LOGGED, GIT_JOURNAL))
            for have, step in (
                    ((GIT_LOGGED, GIT_JOURNAL),
                     "the git hash (`git rev-parse HEAD`) is not logged" + (
                         " (its output goes to /dev/null, standard output or stderr, or to "
                         "a systemd-cat or logger that does not read it: send it to the "
                         "journal or a log, `echo \"rollback $(git rev-parse HEAD)\" | "
                         "systemd-cat -t quantum-rollback`)" if hashed else "")),
                    ((JOURNAL,), "the journal is not notified (`systemd-cat` or `logger`)")):
                if not _holds(have, facts) and (not ends or any(not _holds(have, e)
                                                                for e in ends)):
                    missing.append(step)
            restart = _restart_problem(flow, target, facts, ends, contract)
            if restart is not None:
                missing.append(restart)
            for step in missing:
                yield ctx.finding(self, target.line, target.column,
                                  f"{name} restores the model setting here, but {step}")


_POSITIONAL = lazyre.compile(r"\$(?:[1-9@*]|\{[1-9@*#])")
# `${BACKUP}`, `${BACKUP:-...}` (group 2: a default, `:-`, `-`, `:=`, `=`), `$BACKUP` (3)
_NAMED = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=])?|([A-Za-z_][A-Za-z0-9_]*))")
# what the shell itself sets (or a login does), never the caller's choice of a file
_SHELL_SET = frozenset({"PWD", "OLDPWD", "HOME", "USER", "LOGNAME", "HOSTNAME", "RANDOM",
                        "SECONDS", "LINENO", "PPID", "UID", "EUID", "BASHPID", "BASH_SOURCE",
                        "BASH_REMATCH", "IFS", "REPLY"})


def _restored_from_outside(flow: Flow, target: Word, contract: Contract) -> str | None:
    """Where the source of the restore at `target` comes from when the script did not find
    it itself: the command line (`$1`, `${1:-...}`, `"$@"`), the environment (a variable
    the script never sets but for a default, `${BACKUP:-$LATEST}`,
    `BACKUP=${BACKUP:-...}`), or a `read` (standard input, or the file it reads)."""
    for step, facts in flow.steps:
        if model_write(step, contract) is not target and not any(
                (t.line, t.column) == (target.line, target.column)
                for t in written_targets(step, contract)):
            continue
        args = [w for w in step.command.args if not w.text.startswith("-")]
        sources = args[:-1] if step.command.name in ("cp", "mv", "install", "rsync", "ln") \
            else args
        sources += [t for op, t in step.redirects if op == "<"]
        for word in sources:
            text = word.text if len(word.text) <= 60 else word.text[:57] + "..."
            if _POSITIONAL.search(word.text):
                return (f"what it restores (`{text}`) is a path its caller names: restore "
                        "the newest backup in archive/ (the setting the last activation "
                        "replaced), not a file given on the command line")
            for match in _NAMED.finditer(_quoted_out(word.text)):
                name = match.group(1) or match.group(3)
                if f"read:{name}" in facts:
                    line, source = _read_at(flow, name)
                    return (f"what it restores (`{text}`) is a path `read` takes from "
                            f"{source} at line {line}: restore the newest backup in "
                            "archive/ the script finds itself, not a path from its input")
                if f"set:{name}" not in facts and name not in _SHELL_SET:
                    shown = f"${{{name}:-...}}" if match.group(2) else f"${name}"
                    return (f"what it restores (`{shown}`) is the caller's `{name}` when "
                            "the environment sets it: the script does not set it itself on "
                            f"every path here (`{name}=/any/file {_script_name(contract)}` "
                            "restores that file): restore the newest backup in archive/ "
                            "the script finds itself, not a path from the environment")
    return None


_SUBSTITUTED = lazyre.compile(r"\$\((?:[^()]|\([^()]*\))*\)")


def _quoted_out(text: str) -> str:
    """The text less what single quotes hold inside its command substitutions (`sed -n
    '$p'`: no variable `p`)."""
    return _SUBSTITUTED.sub(lambda m: re.sub(r"'[^']*'", "''", m.group()), text)


def _holds(facts_any: tuple[str, ...], facts: Facts) -> bool:
    return any(f in facts for f in facts_any)


def _restore_sources(flow: Flow, target: Word, contract: Contract) -> list[Word]:
    """The words the restore at `target` copies from, as run."""
    out: list[Word] = []
    for step, _ in flow.steps:
        if model_write(step, contract) is not target and not any(
                (t.line, t.column) == (target.line, target.column)
                for t in written_targets(step, contract)):
            continue
        args = [w for w in step.command.args if not w.text.startswith("-")]
        out += args[:-1] if step.command.name in ("cp", "mv", "install", "rsync", "ln") \
            else args
        out += [t for op, t in step.redirects if op == "<"]
    return out


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_GLOB_ARRAY = lazyre.compile(rf"\b({_NAME})=\(\s*(\S*[*?]\S*)\s*\)")
_ELEMENT_OF = lazyre.compile(rf"\b({_NAME})=\"?\$\{{({_NAME})\[((?:[^][]|\[[^]]*\])+)\]\}}")
_FOR_GLOB = lazyre.compile(rf"\bfor\s+({_NAME})\s+in\s+([^\s;]*[*?][^\s;]*)\s*;?\s*do\b"
                           r"((?:(?!\bdone\b).)*)\bdone\b", re.S)
_COUNT = r"\$\{#\w+\[[@*]\]\}\s*-\s*1"
_LAST_INDEX = lazyre.compile(rf"-1|{_COUNT}|\$\(\(\s*{_COUNT}\s*\)\)")


def _glob_listing(text: str, line: int) -> str | None:
    """A backup taken from a glob before `line`, as the listing bash makes of it (the
    glob's matches sorted by name): an array's element (`BK=(DIR/*); B=${BK[0]}`: the
    first, `${BK[-1]}`: the last), a `for` over the glob left by `break` in its first round
    (the first) or run through (the last). None when the script takes none that way."""
    before = "\n".join(text.split("\n")[: max(line - 1, 0)])
    found: list[tuple[int, str]] = []
    arrays = {m.group(1): m.group(2) for m in _GLOB_ARRAY.finditer(before)}
    for match in _ELEMENT_OF.finditer(before):
        glob = arrays.get(match.group(2))
        index = match.group(3).strip()
        if glob is None:
            continue
        if _LAST_INDEX.fullmatch(index):
            found.append((match.start(), f"printf '%s\\n' {glob} | tail -n 1"))
        elif index.isdigit():
            found.append((match.start(), f"printf '%s\\n' {glob} | sed -n {int(index) + 1}p"))
    for match in _FOR_GLOB.finditer(before):
        body = match.group(3)
        pick = "head -n 1" if re.search(r"(?:^|[;\s])break\b", body) and not re.search(
            r"\b(?:if|case|&&|\|\|)\b|&&|\|\|", body) else "tail -n 1"
        found.append((match.start(), f"printf '%s\\n' {match.group(2)} | {pick}"))
    return f"$({max(found)[1]})" if found else None


def _restored_oldest(flow: Flow, target: Word, contract: Contract, text: str = ""
                     ) -> str | None:
    """The restore's source is not the newest backup its listing finds (`ls -tr ... |
    head -1`, `ls | sort | head -1`, `BK=(DIR/*); B=${BK[0]}`): the rollback goes back
    past later activations."""
    for word in _restore_sources(flow, target, contract):
        listing = _glob_listing(text, target.line) if re.search(r"[*?]", word.text) and \
            "$(" not in word.text else None
        pick = backup_pick(listing or word.text)
        word = Word(listing, word.line, word.column, True) if listing else word
        if pick not in (None, "newest"):
            shown = next(iter(_listing(word.text)), word.text)
            which = {"oldest": "the oldest", "second newest": "the second newest"}.get(
                pick or "", "not the newest")
            return (f"what it restores is {which} backup (`{shown}`, read stage by stage "
                    "as a list of the backups, the oldest first by name and by time, gives "
                    "that one): restore the newest, the setting the last activation "
                    "replaced (`ls -t ... | head -n 1`, `ls ... | sort | tail -n 1`)")
    return None


def _listing(text: str) -> list[str]:
    found = _LISTING.findall(text)
    return [f if len(f) <= 80 else f[:77] + "..." for f in found]


_LISTING = lazyre.compile(r"\$\(([^()]*)\)")


def _script_name(contract: Contract) -> str:
    return contract.rollback_script.rsplit("/", 1)[-1]


def _read_at(flow: Flow, name: str) -> tuple[int, str]:
    """Where `read` sets `name`: its line, and what it reads (a `<` file, or standard
    input)."""
    for step, _ in flow.steps:
        if step.command.name == "read" and read_variable(step.command) == name:
            files = [t.text for op, t in step.redirects if op == "<"]
            return step.command.words[0].line, (f"`{files[0]}`" if files else
                                                 "standard input")
    return 0, "standard input"


def _service_units(target: Word, contract: Contract) -> set[str]:
    """The unit whose setting the write restores: `quantum-<name>` of
    `/etc/quantum/<name>.env`; the AI engine's for `.env.model_config` and `active/`."""
    name = target.text.rstrip("/").rsplit("/", 1)[-1]
    env = contract.env_dir.rstrip("/") + "/"
    if target.text.startswith(env) and name.endswith(".env"):
        return {contract.unit_prefix + name.removesuffix(".env")}
    return {contract.unit_prefix + (contract.venv_for_script(contract.quality_gate) or
                                    "ai-engine")}


def _restart_problem(flow: Flow, target: Word, facts: Facts, ends: list[Facts],
                     contract: Contract) -> str | None:
    """None when the service whose setting is restored is restarted (waited for, before
    every successful end, or before the write), or a quantum oneshot unit is started;
    else what is wrong with the restart."""
    units = _service_units(target, contract)

    def done(have: Facts) -> bool:
        return any(f"restarted:{u}" in have for u in units) or any(
            f.startswith("started:") and f[len("started:"):] not in units for f in have)

    # a restart counts after the write only (the write undoes an earlier one): a service
    # restarted before the restore comes back with the model being rolled back
    if (ends and all(done(e) for e in ends)) or (not ends and done(facts)):
        return None
    unit = sorted(units)[0]
    early = None
    for step, before in flow.steps:
        if step.command.name != "systemctl":
            continue
        texts = [w.text for w in step.command.args]
        verbs = [t for t in texts if not t.startswith("-")]
        if not verbs or verbs[0] not in (*RESTART_VERBS, "start", "try-restart",
                                         "reload-or-restart"):
            continue
        named = [v.removesuffix(".service") for v in verbs[1:]]
        line = step.command.words[0].line
        if "--no-block" in texts and set(named) & units:
            return (f"the service is not restarted: `systemctl --no-block` at line {line} "
                    "only queues the restart, its failure goes unseen (restart and wait: "
                    f"`systemctl restart {unit}`)")
        others = [n for n in named if n.startswith(contract.unit_prefix) and n not in units]
        if others and verbs[0] in RESTART_VERBS:
            return (f"the service is not restarted: line {line} restarts {others[0]}, not "
                    f"{unit}, whose setting it restores (`systemctl restart {unit}`)")
        if verbs[0] in ("try-restart", "reload-or-restart") and set(named) & units:
            return (f"the service is not restarted: `systemctl {verbs[0]}` at line {line} "
                    "leaves a stopped service stopped (a rollback often follows a failed "
                    f"start: `systemctl restart {unit}`)")
        if verbs[0] == "start" and set(named) & units:
            return (f"the service is not restarted: `systemctl start {unit}` at line {line} "
                    f"does nothing to a running service (`systemctl restart {unit}`)")
        if early is None and WROTE not in before and "--no-block" not in texts and \
                (set(named) & units if verbs[0] in RESTART_VERBS else others):
            early = line
    if early is not None:
        return (f"the service is restarted at line {early}, before the restore: it comes "
                "back with the model being rolled back (restart it after the restore: "
                f"`systemctl restart {unit}`)")
    return ("the service is not restarted (`systemctl restart "
            f"{contract.unit_prefix}<service>`)")
