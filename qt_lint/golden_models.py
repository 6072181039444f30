"""The contract's model-safety scripts, rendered from a contract: what a compliant host's
repository holds (the host examples and test trees use them; QT604-QT607 pass on them)."""

from __future__ import annotations

from qt_lint.config import Contract


def canary(c: Contract) -> str:
    env = f"{c.env_dir.rstrip('/')}/ai-engine.env"
    return f"""#!/usr/bin/env bash
# {c.canary_script} <model> <version>: contract F, by a person at a terminal
set -euo pipefail
MODEL="${{1:?model}}"
VERSION="${{2:?version}}"
[ -t 0 ] || {{ echo "canary activation needs a person at a terminal" >&2; exit 1; }}
{c.wrapper} ai-engine {c.quality_gate}
read -r -p "Activate $MODEL $VERSION? Type yes: " answer
[ "$answer" = yes ] || exit 1
STAMP=$(date +%Y%m%dT%H%M%S)
cp -a {env} "{c.model_dir}/archive/${{STAMP}}_${{MODEL}}_${{VERSION}}"
echo "$STAMP $MODEL $VERSION git=$(git -C {c.repo_root} rev-parse HEAD)" \\
    >> {c.log_dir}/canary_activation.log
sed -i "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" {env}
"""


def quality_gate(c: Contract) -> str:
    return f'''"""{c.quality_gate}: contract F's fail-closed gate."""

import sys

MIN_EVENTS = {c.gate_min_events}
MAX_CLASS_SHARE = {c.gate_max_class_share}
MIN_CONFIDENCE_STD = {c.gate_min_confidence_std}
MIN_P10_P90_RANGE = {c.gate_min_p10_p90}
MAX_HOLD_SHARE = {c.gate_max_hold_share}


def main() -> int:
    events: list[dict[str, float]] = []
    if len(events) < MIN_EVENTS:
        return 2
    last = events[-1]
    if last["class_share"] > MAX_CLASS_SHARE or last["hold_share"] > MAX_HOLD_SHARE:
        return 2
    if last["conf_std"] < MIN_CONFIDENCE_STD or last["p_range"] < MIN_P10_P90_RANGE:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def rollback(c: Contract) -> str:
    env = f"{c.env_dir.rstrip('/')}/ai-engine.env"
    return f"""#!/usr/bin/env bash
# {c.rollback_script}: contract F's rollback protocol
set -euo pipefail
BACKUP=$(ls -t {c.model_dir}/archive/* 2>/dev/null | head -n 1 || true)
[ -n "$BACKUP" ] && [ -f "$BACKUP" ] || {{ echo "no backup: refusing" >&2; exit 1; }}
cp "$BACKUP" {env}
systemctl restart {c.unit_prefix}ai-engine.service
echo "rollback to $BACKUP git=$(git -C {c.repo_root} rev-parse HEAD)" \\
    | systemd-cat -t {c.unit_prefix}rollback
"""


def makefile(c: Contract) -> str:
    return (f"RUN := {c.wrapper} ai-engine\n\n.PHONY: quality-gate\nquality-gate:\n"
            f"\t$(RUN) {c.quality_gate}\n")
