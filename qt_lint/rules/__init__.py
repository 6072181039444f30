"""The rule modules, one rule each, grouped by the contract family of their code.

To add a rule: `python -m qt_lint.scaffold QT999 name-of-rule family` (see README).
"""

from __future__ import annotations

RULE_MODULES: tuple[str, ...] = (
    "meta.qt001_parse_error",
    "meta.qt002_unused_suppression",
    "meta.qt003_suppression_without_reason",
    "env.qt301_env_file_in_repo",
    "env.qt302_env_template_in_repo",
    "containers.qt501_docker_reference",
)
