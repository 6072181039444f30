"""What each configuration key means: the JSON Schema's `description`s (editors show them)
and the tables of docs/configuration.md are both generated from here, so the two cannot
say different things (tests/test_docs.py, tests/test_config_docs.py)."""

from __future__ import annotations

TOP: dict[str, str] = {
    "select": 'Codes or prefixes to run (`["QT3", "QT402"]`, `"ALL"`); all rules when empty.',
    "extend-select": "Codes or prefixes added to `select`.",
    "ignore": "Codes or prefixes removed from the selection.",
    "per-file-ignores": 'Glob -> codes not reported in the files it matches, e.g. '
                        '`"legacy/**" = ["QT201"]`.',
    "exclude": "Globs that replace the default excludes of directory walks (VCS, venv and "
               "cache folders).",
    "extend-exclude": "Globs excluded in addition to `exclude`.",
    "severity": 'Code -> `"error"` or `"warning"`.',
    "strict": "Warnings fail the run too.",
    "require-suppression-reason": "QT003 for an inline suppression without a reason.",
    "unsuppressible": "Codes that inline suppressions cannot silence (only a reviewed "
                      "baseline can).",
    "max-file-size": "Bytes: a larger file is QT001 instead of being read.",
    "max-line-length": "Characters: a file with a longer line is QT001 instead of being "
                       "analysed (a backstop: every pattern is linear).",
    "baseline": "The baseline file (as `--baseline`), relative to the configuration file.",
    "docs-url": "Each rule's documentation page, with `{code}` in it, for SARIF's `helpUri` "
                "(not set when absent).",
    "contract": "The contract's concrete values (the table below).",
}

CONTRACT: dict[str, str] = {
    "repo-root": "The repository root on a host.",
    "venv-root": "The folder holding one venv per service.",
    "venvs": "The venvs under `venv-root`.",
    "service-venvs": "Unit-name glob -> the venv its service runs.",
    "script-venvs": "Repository path glob -> the venv that runs the script (QT101's fix).",
    "env-dir": "Where env files live on a host.",
    "unit-prefix": "The prefix of contract units (unit `quantum-backend` is service "
                   "`backend`).",
    "user": "The user services run as.",
    "group": "The group services run as.",
    "required-vars": "Variables every service's env file sets (contract C).",
    "pinned-vars": "Variables whose values are fixed by the contract.",
    "common-env": "The env file beside the services' that supplies shared variables.",
    "path-roots": "Prefixes that make a string a hardcoded absolute path (QT201).",
    "dependency-chain": "The start order of the services (QT410), Redis first.",
    "activation-verbs": "Names of calls that activate a model (QT601).",
    "gate-defeats": ("Options and environment variables that make the quality gate pass "
                     "without judging, when the gate is not in the repository (QT604)."),
    "redis-hosts": "The hosts Redis may be reached at (loopback only).",
    "redis-container-names": "Container names that are not a Redis host (QT502).",
    "redis-port": "The Redis port (QT503).",
    "redis-unit": "The Redis unit services order after and bind to (QT407).",
    "redis-unit-aliases": "Other names QT407 accepts for the Redis unit (Debian's `Alias=`).",
    "redis-sockets": "Redis socket paths QT201 accepts.",
    "log-dir": "The journal's fallback folder; QT201 accepts paths below it.",
    "restart-sec": "RestartSec= of a runtime unit.",
    "data-dir": "The data folder.",
    "model-dir": "The models folder (active/, shadow/, archive/).",
    "db-path": "The SQLite database.",
    "secrets-dir": "Where secrets live on a host (never in env files).",
    "env-deploy-dirs": "Repository folders whose `<name>.env` files are meant for `env-dir` "
                       "(QT307).",
    "wrapper": "The wrapper script Makefiles and units run Python through (QT102).",
    "canary-script": "The one script allowed to activate a model, a repository path (QT601 "
                     "and QT602 match its base name; QT604 reads it as a program).",
    "quality-gate": "The quality gate script (QT604 runs it through the wrapper; QT605, "
                    "QT606).",
    "rollback-script": "The rollback script (QT607).",
    "gate-min-events": "Fewer telemetry events than this fail the gate (QT605).",
    "gate-max-class-share": "More than this share in one class fails the gate (QT605).",
    "gate-min-confidence-std": "A confidence std below this fails the gate (QT605).",
    "gate-min-p10-p90": "A P10-P90 confidence range below this fails the gate (QT605).",
    "gate-max-hold-share": "More than this share of HOLD fails the gate (QT605).",
    "hard-dependencies": "QT410 wants Requires=/BindsTo= on the predecessor (false: After= "
                         "alone).",
}
