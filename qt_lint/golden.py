"""The golden unit template of contract D, built from the contract configuration.

QT401 judges units against it, the unit fixes insert its lines in its order, and
`qt-lint unit new` prints it.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from qt_lint.config import Contract
from qt_lint.finding import Edit
from qt_lint.parsers.systemd import Assignment, Section

# The template's keys in order: insertions keep a fixed unit reading like the template.
ORDER = (
    "Description", "After", "Wants", "BindsTo", "Type", "User", "Group", "WorkingDirectory",
    "EnvironmentFile", "ExecStart", "Restart", "RestartSec", "StandardOutput", "StandardError",
    "SyslogIdentifier", "WantedBy",
)


def rank(key: str) -> int:
    return ORDER.index(key) if key in ORDER else len(ORDER)


def env_file(contract: Contract, unit_stem: str) -> str:
    return f"{contract.env_dir.rstrip('/')}/{contract.service_of_unit(unit_stem)}.env"


def common_env_file(contract: Contract) -> str:
    return f"{contract.env_dir.rstrip('/')}/{contract.common_env}"


def predecessor(contract: Contract, unit_stem: str) -> str | None:
    """The unit that must start before this one in the configured start order."""
    chain = contract.dependency_chain
    for i, pattern in enumerate(chain):
        if fnmatchcase(unit_stem, pattern):
            return chain[i - 1] if i > 0 else None
    return None


def set_value(assignment: Assignment, value: str) -> Edit:
    """Replace the whole value (continuation lines included)."""
    return Edit(assignment.value_start, assignment.end, value)


def add_line(section: Section, key: str, value: str) -> Edit:
    """A new `Key=Value` line after the section's last setting."""
    return Edit(section.content_end, section.content_end, f"\n{key}={value}", rank(key))


def render(contract: Contract, service: str, *, oneshot: bool, script: str, venv: str,
           description: str | None = None) -> str:
    stem = f"{contract.unit_prefix}{service}"
    after = ["network-online.target", contract.redis_unit]
    before = predecessor(contract, stem)
    if before and f"{before}.service" != contract.redis_unit:
        after.append(f"{before}.service")
    lines = [
        "[Unit]",
        f"Description={description or f'Quantum {service}'}",
        f"After={' '.join(after)}",
        "Wants=network-online.target",
        f"BindsTo={contract.redis_unit}",
        *([f"Requires={after[-1]}"] if len(after) > 2 and contract.hard_dependencies else []),
        "",
        "[Service]",
        f"Type={'oneshot' if oneshot else 'simple'}",
        f"User={contract.user}",
        f"Group={contract.group}",
        f"WorkingDirectory={contract.repo_root}",
        f"EnvironmentFile={env_file(contract, stem)}",
        f"ExecStart={contract.venv_python(venv)} {script}",
    ]
    if oneshot:
        lines.append("RemainAfterExit=no")
    else:
        lines += ["Restart=always", f"RestartSec={contract.restart_sec}"]
    lines += [
        "StandardOutput=journal",
        "StandardError=journal",
        f"SyslogIdentifier={stem}",
    ]
    if not oneshot:
        lines += ["", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def wrapper(contract: Contract) -> str:
    """An `ops/run.sh` that does what contract G lists (H151 judges a host's against the
    same requirements): fail closed, source the service's env file, select its venv,
    validate Redis, the database and the venv, run the script with the venv's interpreter
    by absolute path."""
    return f"""#!/bin/bash
# ops/run.sh <service> <script> [args...]: contract G
set -euo pipefail
SERVICE="$1"; shift
SCRIPT="$1"; shift
set -a
source "{contract.env_dir.rstrip('/')}/$SERVICE.env"
set +a
VENV="{contract.venv_root.rstrip('/')}/$SERVICE"
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="{contract.repo_root}"
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null
test -f "$DB_PATH"
test -x "$VENV/bin/python"
cd "{contract.repo_root}"
exec "$VENV/bin/python" "$SCRIPT" "$@"
"""
