from __future__ import annotations

import os
from collections.abc import Iterator

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import (
    BACKUP_CHECKED,
    GIT_HASH,
    JOURNAL,
    RESTARTED,
    is_script,
    runs_anywhere,
    script_flow,
    success_ends_after_write,
    writes,
)

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
    - **logs the git hash** (`git rev-parse HEAD`), **notifies the journal**
      (`systemd-cat` or `logger`), and **restarts the service** (`systemctl restart
      quantum-<service>`, or `systemctl start` of a quantum oneshot unit that restarts
      it), before it ends successfully.

    When the canary script is checked and the rollback script does not exist, that is
    reported on the canary script's first line: an activation without a way back.

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
             Example(_GOOD.replace("systemctl restart quantum-ai-engine.service",
                                   "systemctl start quantum-model-rollback.service")))
    INVALID = (
        Example(_GOOD.replace('[ -n "$BACKUP" ] && [ -f "$BACKUP" ] || '
                              '{ echo "no backup: refusing" >&2; exit 1; }\n', ""),
                expect=((4, 14),)),
        Example(_GOOD.replace("systemctl restart quantum-ai-engine.service\n", "")
                .replace("| systemd-cat -t quantum-rollback", ">> /var/log/quantum/rb.log")
                .replace("$(git rev-parse HEAD)", "now"), expect=((5, 14),) * 3),
        Example("#!/bin/sh\necho nothing to do\n", expect=((1, 1),)),
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
        for target, facts, _ in changes:
            missing = []
            if BACKUP_CHECKED not in facts:
                missing.append("the backup test does not stop the script (exit non-zero) when "
                               "there is no backup" if checked else
                               "it does not refuse (exit non-zero) when there is no backup")
            for fact, step in ((GIT_HASH, "the git hash (`git rev-parse HEAD`) is not logged"),
                               (JOURNAL, "the journal is not notified (`systemd-cat` or "
                                         "`logger`)"),
                               (RESTARTED, "the service is not restarted (`systemctl restart "
                                           f"{contract.unit_prefix}<service>`)")):
                if fact not in facts and (not ends or any(fact not in e for e in ends)):
                    missing.append(step)
            for step in missing:
                yield ctx.finding(self, target.line, target.column,
                                  f"{name} restores the model setting here, but {step}")
