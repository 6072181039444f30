"""The rule modules, one rule each, grouped by the contract family of their code.

To add a rule, follow "Adding a rule" in the README: a module here, its entry below, its
fixtures, then `python -m qt_lint.docs` (rule docs, README table and index.py).
"""

from __future__ import annotations

RULE_MODULES: tuple[str, ...] = (
    "meta.qt001_parse_error",
    "meta.qt002_unused_suppression",
    "meta.qt003_suppression_without_reason",
    "meta.qt004_control_character",
    "meta.qt005_gate_weakened",
    "runtime.qt101_bare_python",
    "runtime.qt102_wrapper_bypass",
    "runtime.qt103_venv_mismatch",
    "runtime.qt104_relative_cd",
    "runtime.qt105_ops_without_wrapper",
    "paths.qt201_hardcoded_path",
    "paths.qt202_path_fallback",
    "paths.qt203_tmp_state",
    "paths.qt204_repo_location",
    "paths.qt205_relative_config_path",
    "paths.qt206_log_to_repo",
    "env.qt301_env_file_in_repo",
    "env.qt302_env_template_in_repo",
    "env.qt303_repo_env_load",
    "env.qt304_env_file_contract",
    "env.qt305_secret_in_env",
    "env.qt306_credential_logged",
    "env.qt307_env_required_vars",
    "units.qt400_unit_syntax",
    "units.qt401_unit_missing_field",
    "units.qt402_unit_root",
    "units.qt403_unit_user",
    "units.qt404_unit_workdir",
    "units.qt405_unit_execstart",
    "units.qt406_unit_restart",
    "units.qt407_unit_redis_order",
    "units.qt408_unit_logging",
    "units.qt409_unit_identity",
    "units.qt410_unit_dependency_chain",
    "containers.qt501_docker_reference",
    "containers.qt502_redis_container_host",
    "containers.qt503_remote_redis",
    "models.qt601_auto_activation",
    "models.qt602_active_model_write",
    "models.qt603_backup_overwrite",
    "models.qt604_canary_steps",
    "privilege.qt701_needs_root",
    "privilege.qt702_world_writable",
)
