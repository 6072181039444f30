"""Configuration: `[tool.qt-lint]` in pyproject.toml or a `qt-lint.toml`, validated strictly.

Every concrete value of the contract lives in `Contract`; its defaults equal RULES.md.
A broken configuration raises `ConfigError`, which the CLI turns into exit 2 naming the
key and the reason (and the closest valid key when one is misspelt).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from qt_lint.finding import Severity
from qt_lint.record import field, field_names, record, replace
from qt_lint.source import Unreadable, read_bounded

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

CONFIG_FILENAME = "qt-lint.toml"
MAX_CONFIG_SIZE = 4 * 1024 * 1024  # a configuration file larger than this is refused
MAX_FILE_SIZE_LIMIT = 256 * 1024 * 1024  # the largest max-file-size accepted


class ConfigError(Exception):
    """A configuration problem; the message names the key and the reason."""


class TOMLDecodeError(ValueError):
    """A document that is not valid TOML (the parser's message)."""


def parse_toml(text: str) -> dict[str, Any]:
    """A TOML document (tomllib, or tomli on Python 3.10); TOMLDecodeError when invalid,
    or nested deeper than the parser's recursion can follow. The parser is imported here,
    when a document is read: most runs (a pre-commit run in a repository configured by
    defaults) read none."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TOMLDecodeError(str(exc)) from None
    except RecursionError:
        raise TOMLDecodeError("nested too deeply to be read") from None
    return document


@record(frozen=True)
class Contract:
    """The contract values rules use. Defaults are those of SYSTEMD_GOLDEN_CONTRACT.md."""

    repo_root: str = "/home/qt/quantum_trader"
    venv_root: str = "/opt/quantum/venvs"
    venvs: tuple[str, ...] = ("ai-engine", "backend", "execution", "rl-agent")
    # unit name (without the .service suffix) glob -> venv
    service_venvs: tuple[tuple[str, str], ...] = (
        ("quantum-ai-engine", "ai-engine"),
        ("quantum-backend", "backend"),
        ("quantum-execution", "execution"),
        ("quantum-rl-*", "rl-agent"),
    )
    # repository path glob -> venv
    script_venvs: tuple[tuple[str, str], ...] = (
        ("ops/training/*", "ai-engine"),
        ("ops/model_safety/*", "ai-engine"),
    )
    env_dir: str = "/etc/quantum"
    unit_prefix: str = "quantum-"
    user: str = "qt"
    group: str = "qt"
    required_vars: tuple[str, ...] = (
        "REPO_ROOT", "DATA_DIR", "MODEL_DIR", "SERVICE_NAME", "LOG_LEVEL", "PYTHONUNBUFFERED",
        "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "DB_PATH", "AUTO_ACTIVATION", "SHADOW_MODE",
    )
    pinned_vars: tuple[tuple[str, str], ...] = (
        ("REPO_ROOT", "/home/qt/quantum_trader"),
        ("DATA_DIR", "/opt/quantum/data"),
        ("MODEL_DIR", "/opt/quantum/ai_engine/models"),
        ("DB_PATH", "/opt/quantum/data/quantum_trader.db"),
        ("REDIS_PORT", "6379"),
        ("REDIS_DB", "0"),
        ("PYTHONUNBUFFERED", "1"),
    )
    common_env: str = "common.env"
    path_roots: tuple[str, ...] = (
        "/home/", "/opt/", "/var/", "/etc/", "/srv/", "/mnt/", "/root/", "/data/", "/Users/",
        "C:\\",
    )
    dependency_chain: tuple[str, ...] = (
        "redis-server", "quantum-backend", "quantum-ai-engine", "quantum-execution",
        "quantum-rl-*",
    )
    activation_verbs: tuple[str, ...] = (
        "activate_model", "promote*", "canary_activate", "set_active_model",
    )
    # options and environment variables that make a quality gate pass without judging
    # (QT604), used when the gate itself is not in the repository (globs)
    gate_defeats: tuple[str, ...] = (
        "--skip*", "--no-fail*", "--dry-run", "--dryrun", "--warn-only", "--no-exit*",
        "--ignore-fail*", "--report-only", "SKIP_*", "*_SKIP", "*SKIP_GATE*", "NO_GATE",
        "GATE_DISABLED", "DRY_RUN", "WARN_ONLY",
    )
    redis_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    redis_container_names: tuple[str, ...] = (
        "quantum_redis", "redis", "redis-server", "quantum-redis",
    )
    redis_port: int = 6379
    redis_unit: str = "redis-server.service"
    # other names of that unit (Debian's redis-server.service has Alias=redis.service,
    # created when it is enabled, which the host audit's H101 requires)
    redis_unit_aliases: tuple[str, ...] = ("redis.service",)
    redis_sockets: tuple[str, ...] = ("/var/run/redis/redis-server.sock",
                                      "/run/redis/redis-server.sock")
    log_dir: str = "/var/log/quantum"  # contract: the fallback of journald
    restart_sec: int = 10
    data_dir: str = "/opt/quantum/data"
    model_dir: str = "/opt/quantum/ai_engine/models"
    db_path: str = "/opt/quantum/data/quantum_trader.db"
    secrets_dir: str = "/opt/quantum/secrets"
    env_deploy_dirs: tuple[str, ...] = ("deploy", "etc/quantum", "systemd", "config")
    wrapper: str = "ops/run.sh"
    # the model-safety scripts (QT604-QT608), repository paths; a script is recognised by
    # its path or, where only a name is known (a command line), by its base name
    canary_script: str = "ops/model_safety/canary_activate.sh"
    quality_gate: str = "ops/model_safety/quality_gate.py"
    rollback_script: str = "ops/model_safety/rollback_last.sh"
    # the quality gate's fail-closed thresholds (contract F): at least this strict
    gate_min_events: int = 200
    gate_max_class_share: float = 0.70
    gate_min_confidence_std: float = 0.05
    gate_min_p10_p90: float = 0.12
    gate_max_hold_share: float = 0.85
    # section D "MUST be running before": Requires=/BindsTo= on the predecessor (QT410);
    # false accepts After= alone
    hard_dependencies: bool = True

    @property
    def canary_name(self) -> str:
        """The canary script's base name (`canary_activate.sh`)."""
        return self.canary_script.rstrip("/").rsplit("/", 1)[-1]

    def venv_python(self, venv: str) -> str:
        return f"{self.venv_root.rstrip('/')}/{venv}/bin/python"

    def service_of_unit(self, unit_stem: str) -> str:
        """`quantum-backend` -> `backend` (the name env files and venvs are keyed by)."""
        if unit_stem.startswith(self.unit_prefix):
            return unit_stem[len(self.unit_prefix):]
        return unit_stem

    def venv_for_unit(self, unit_stem: str) -> str | None:
        from fnmatch import fnmatchcase

        for pattern, venv in self.service_venvs:
            if fnmatchcase(unit_stem, pattern):
                return venv
        return None

    def venv_for_script(self, relpath: str) -> str | None:
        from fnmatch import fnmatchcase

        for pattern, venv in self.script_venvs:
            if fnmatchcase(relpath, pattern):
                return venv
        return None


@record(frozen=True)
class Config:
    """The effective configuration of one run."""

    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    # with --base-config: the working tree's configuration file that the base does not
    # have and that would replace `source` for the files below it (QT005 reports it)
    proposed_source: Path | None = None
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    strict: bool = False
    require_suppression_reason: bool = False
    unsuppressible: tuple[str, ...] = ()
    baseline: str | None = None
    docs_url: str | None = None  # each rule's page: "https://.../rules/{code}.md" (SARIF helpUri)
    max_file_size: int = 2 * 1024 * 1024
    max_line_length: int = 100_000
    contract: Contract = field(default_factory=Contract)


DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".mypy_cache", ".nox",
    ".pants.d", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", "__pypackages__", "_build",
    "buck-out", "node_modules", "venv", "__pycache__", ".pytest_cache", ".qt-lint-cache",
)


# --- validation -------------------------------------------------------------------------

if TYPE_CHECKING:
    Validator = Callable[[str, Any], Any]


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {_tname(value)}")
    return value


def _abs_path(key: str, value: Any) -> str:
    text = _str(key, value)
    if not text.startswith("/"):
        raise ConfigError(f"{key}: expected an absolute path, got {text!r}")
    return text


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {_tname(value)}")
    return value


def _int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{key}: expected a non-negative integer, got {value!r}")
    return value


def _fraction(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{key}: expected a number from 0 to 1, got {value!r}")
    return float(value)


def _repo_path(key: str, value: Any) -> str:
    text = _str(key, value)
    if not text or text.startswith("/") or ".." in text.split("/"):
        raise ConfigError(f"{key}: expected a path relative to the repository root, got "
                          f"{text!r}")
    return text


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings, got {_tname(value)}")
    return tuple(value)


def _str_table(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table of strings, got {_tname(value)}")
    for k, v in value.items():
        if not isinstance(v, str):
            raise ConfigError(f"{key}.{k}: expected a string, got {_tname(v)}")
    return tuple(value.items())


def _tname(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


_CONTRACT_KEYS: dict[str, Validator] = {
    "repo-root": _abs_path,
    "venv-root": _abs_path,
    "venvs": _str_list,
    "service-venvs": _str_table,
    "script-venvs": _str_table,
    "env-dir": _abs_path,
    "unit-prefix": _str,
    "user": _str,
    "group": _str,
    "required-vars": _str_list,
    "pinned-vars": _str_table,
    "common-env": _str,
    "path-roots": _str_list,
    "dependency-chain": _str_list,
    "activation-verbs": _str_list,
    "gate-defeats": _str_list,
    "redis-hosts": _str_list,
    "redis-container-names": _str_list,
    "redis-port": _int,
    "redis-unit": _str,
    "redis-unit-aliases": _str_list,
    "redis-sockets": _str_list,
    "log-dir": _abs_path,
    "restart-sec": _int,
    "data-dir": _abs_path,
    "model-dir": _abs_path,
    "db-path": _abs_path,
    "secrets-dir": _abs_path,
    "env-deploy-dirs": _str_list,
    "wrapper": _str,
    "canary-script": _repo_path,
    "quality-gate": _repo_path,
    "rollback-script": _repo_path,
    "gate-min-events": _int,
    "gate-max-class-share": _fraction,
    "gate-min-confidence-std": _fraction,
    "gate-min-p10-p90": _fraction,
    "gate-max-hold-share": _fraction,
    "hard-dependencies": _bool,
}

_TOP_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
    "severity", "strict", "require-suppression-reason", "unsuppressible", "max-file-size",
    "max-line-length", "baseline", "docs-url", "contract",
)


def _unknown(key: str, valid: list[str] | tuple[str, ...], where: str) -> ConfigError:
    import difflib

    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(valid)}"
    return ConfigError(f"{where}{key}: unknown key{hint}")


def parse_codes(key: str, value: Any, known: frozenset[str]) -> tuple[str, ...]:
    """A list of rule codes or code prefixes (`QT3` selects QT301..QT307)."""
    items = _str_list(key, value)
    for item in items:
        if item != "ALL" and not any(code.startswith(item) for code in known):
            import difflib

            close = difflib.get_close_matches(item, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{key}: unknown rule code {item!r}{hint}")
    return items


def parse_config(data: Mapping[str, Any], root: Path, source: Path | None,
                 known_codes: frozenset[str]) -> Config:
    """Validate the `[tool.qt-lint]` table (or a qt-lint.toml document) into a Config."""
    kw: dict[str, Any] = {"root": root, "source": source}
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise _unknown(key, _TOP_KEYS, "")
        if key in ("select", "extend-select", "ignore", "unsuppressible"):
            kw[key.replace("-", "_")] = parse_codes(key, value, known_codes)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{key}: expected a table of glob = [codes], got {_tname(value)}")
            kw["per_file_ignores"] = tuple(
                (glob, parse_codes(f"{key}.{glob}", codes, known_codes))
                for glob, codes in value.items()
            )
        elif key in ("exclude", "extend-exclude"):
            kw[key.replace("-", "_")] = _str_list(key, value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{key}: expected a table of CODE = \"error\"|\"warning\"")
            overrides = []
            for code, level in value.items():
                parse_codes(f"{key}.{code}", [code], known_codes)
                if level not in ("error", "warning"):
                    raise ConfigError(
                        f"{key}.{code}: expected \"error\" or \"warning\", got {level!r}")
                overrides.append((code, Severity(level)))
            kw["severity"] = tuple(overrides)
        elif key in ("strict", "require-suppression-reason"):
            kw[key.replace("-", "_")] = _bool(key, value)
        elif key == "baseline":
            kw["baseline"] = _str(key, value)
        elif key == "docs-url":
            url = _str(key, value)
            if not url.startswith(("https://", "http://")) or "{code}" not in url:
                raise ConfigError(f"{key}: expected an http(s) URL with {{code}} where the rule "
                                  f"code goes, got {url!r}")
            kw["docs_url"] = url
        elif key == "max-file-size":
            kw["max_file_size"] = _int(key, value)
            if not 0 < kw["max_file_size"] <= MAX_FILE_SIZE_LIMIT:
                raise ConfigError(f"{key}: expected a size from 1 to {MAX_FILE_SIZE_LIMIT} "
                                  f"bytes (every file read is bounded), got {value!r}")
        elif key == "max-line-length":
            kw["max_line_length"] = _int(key, value)
            if kw["max_line_length"] < 1:
                raise ConfigError(f"{key}: expected a positive integer, got {value!r}")
        elif key == "contract":
            kw["contract"] = parse_contract(value)
    return Config(**kw)


def parse_contract(value: Any) -> Contract:
    if not isinstance(value, dict):
        raise ConfigError(f"contract: expected a table, got {_tname(value)}")
    kw: dict[str, Any] = {}
    for key, item in value.items():
        if key not in _CONTRACT_KEYS:
            raise _unknown(key, tuple(_CONTRACT_KEYS), "contract.")
        kw[key.replace("-", "_")] = _CONTRACT_KEYS[key](f"contract.{key}", item)
    contract = Contract(**kw)
    venvs = set(contract.venvs)
    for table in ("service_venvs", "script_venvs"):
        for pattern, venv in getattr(contract, table):
            if venv not in venvs:
                raise ConfigError(
                    f"contract.{table.replace('_', '-')}.{pattern}: venv {venv!r} is not one of "
                    f"contract.venvs ({', '.join(contract.venvs)})")
    return contract


def find_config_file(start: Path) -> Path | None:
    """Walk up from `start` to the first qt-lint.toml or pyproject.toml with [tool.qt-lint]."""
    directory = start if os.path.isdir(start) else start.parent
    for folder in (directory, *directory.parents):
        candidate = folder / CONFIG_FILENAME
        if os.path.isfile(candidate):
            return candidate
        pyproject = folder / "pyproject.toml"
        if os.path.isfile(pyproject):
            try:
                text = read_bounded(pyproject, MAX_CONFIG_SIZE).decode("utf-8")
            except (Unreadable, UnicodeDecodeError):
                continue
            if "[tool.qt-lint" in text:
                return pyproject
    return None


def project_root(start: Path) -> Path:
    """The project root when no configuration file gives it (none found, or `--isolated`
    ignoring it), found from the paths checked as git and pre-commit find it: the
    enclosing git work tree; else the nearest folder with a `pyproject.toml` or
    `qt-lint.toml`; else (nothing marks a project) the current folder, as before: a
    system file checked from elsewhere (`/etc/cron.d/x`) keeps its absolute path, which
    its kind and rules read."""
    start = start.resolve()
    directory = start if os.path.isdir(start) else start.parent
    folders = (directory, *directory.parents)
    for folder in folders:
        if os.path.exists(folder / ".git"):
            return folder
    for folder in folders:
        if os.path.isfile(folder / "pyproject.toml") or os.path.isfile(folder / CONFIG_FILENAME):
            return folder
    return Path.cwd()


def root_for(start: Path) -> Path:
    """The root a run from `start` has whether or not it reads the configuration: the
    folder of the configuration file found, else `project_root`."""
    found = find_config_file(start.resolve())
    return found.parent.resolve() if found is not None else project_root(start)


def load_config(path: Path | None, start: Path, known_codes: frozenset[str],
                overrides: tuple[str, ...] = ()) -> Config:
    """Load the explicit `path`, else the config found above `start`, else the defaults;
    then lay the `--config KEY=VALUE` overrides (TOML) over it."""
    extra = [parse_override(text) for text in overrides]
    if path is None:
        path = find_config_file(start.resolve())
        if path is None:
            root = project_root(start)
            if not extra:
                return Config(root=root)
            return _parsed(_merged({}, extra), root, None, "--config", known_codes)
    elif not os.path.isfile(path):
        raise ConfigError(f"--config: {path}: no such file")
    try:
        data = read_bounded(path, MAX_CONFIG_SIZE)
    except Unreadable as exc:
        raise ConfigError(f"{path}: cannot read: {exc.message}") from None
    return config_from_bytes(data, str(path), path.name, path.parent.resolve(), known_codes,
                             extra)


def parse_override(text: str) -> dict[str, Any]:
    """`--config 'contract.user = "svc"'`: one TOML assignment (ruff's form)."""
    try:
        value = parse_toml(text)
    except TOMLDecodeError:
        raise ConfigError(f"--config {text!r}: neither a file nor a TOML `key = value` "
                          "(quote strings: --config 'baseline = \"b.json\"')") from None
    if not value:
        raise ConfigError(f"--config {text!r}: no key = value in it")
    return value


def _merged(table: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(table)
    for override in extra:
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = _merged(out[key], [value])
            else:
                out[key] = value
    return out


def _parsed(table: dict[str, Any], root: Path, source: Path | None, where: str,
            known_codes: frozenset[str]) -> Config:
    try:
        return parse_config(table, root, source, known_codes)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def config_from_bytes(data: bytes, where: str, name: str, root: Path,
                      known_codes: frozenset[str],
                      overrides: list[dict[str, Any]] | None = None) -> Config:
    """A configuration file's content as a Config (`name`: `pyproject.toml` reads its
    `[tool.qt-lint]` table); ConfigError names `where` and the reason."""
    try:
        document = parse_toml(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    except TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    table = document.get("tool", {}).get("qt-lint", {}) if name == "pyproject.toml" \
        else document
    if overrides:
        where += " with --config"
        table = _merged(table, overrides)
    return _parsed(table, root, Path(where.removesuffix(" with --config")), where,
                   known_codes)


# --- the JSON Schema of the table ----------------------------------------------------------

_JSON_TYPES: dict[Any, dict[str, Any]] = {
    "_str": {"type": "string"},
    "_abs_path": {"type": "string", "pattern": "^/"},
    "_bool": {"type": "boolean"},
    "_int": {"type": "integer", "minimum": 0},
    "_fraction": {"type": "number", "minimum": 0, "maximum": 1},
    "_repo_path": {"type": "string", "pattern": "^[^/]"},
    "_str_list": {"type": "array", "items": {"type": "string"}},
    "_str_table": {"type": "object", "additionalProperties": {"type": "string"}},
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `[tool.qt-lint]` / `qt-lint.toml`, from the same
    key tables the validation uses (a test holds the two together)."""
    codes = {"type": "array", "items": {"type": "string", "pattern": "^(ALL|QT[0-9]{0,3})$"}}
    top: dict[str, Any] = {
        "select": codes, "extend-select": codes, "ignore": codes, "unsuppressible": codes,
        "per-file-ignores": {"type": "object", "additionalProperties": codes},
        "exclude": _JSON_TYPES["_str_list"], "extend-exclude": _JSON_TYPES["_str_list"],
        "severity": {"type": "object", "additionalProperties": {"enum": ["error", "warning"]}},
        "strict": _JSON_TYPES["_bool"], "require-suppression-reason": _JSON_TYPES["_bool"],
        "max-file-size": {"type": "integer", "minimum": 1, "maximum": MAX_FILE_SIZE_LIMIT},
        "max-line-length": {"type": "integer", "minimum": 1},
        "baseline": _JSON_TYPES["_str"],
        "docs-url": {"type": "string", "pattern": "^https?://.*\\{code\\}"},
        "contract": {"type": "object", "additionalProperties": False, "properties": {
            key: dict(_JSON_TYPES[validator.__name__])
            for key, validator in _CONTRACT_KEYS.items()}},
    }
    assert set(top) == set(_TOP_KEYS)
    from qt_lint.config_text import CONTRACT, TOP

    for key, schema in top.items():
        schema = top[key] = dict(schema, description=TOP[key])
    for key, schema in top["contract"]["properties"].items():
        schema["description"] = CONTRACT[key]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "qt-lint configuration ([tool.qt-lint] or qt-lint.toml)",
            "type": "object", "additionalProperties": False, "properties": top}


def with_overrides(config: Config, **changes: Any) -> Config:
    """The config with command-line values laid over it (None means: not given)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})


def config_fingerprint(config: Config) -> str:
    """A stable text of everything in the config that changes findings (for the cache)."""
    parts = []
    for name in field_names(config):
        if name in ("root", "source", "baseline", "docs_url"):
            continue
        parts.append(f"{name}={getattr(config, name)!r}")
    return "\n".join(parts)
