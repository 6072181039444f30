from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.env.helpers import is_template

_FULL = (
    "REPO_ROOT=/home/qt/quantum_trader\nDATA_DIR=/opt/quantum/data\n"
    "MODEL_DIR=/opt/quantum/ai_engine/models\nSERVICE_NAME=backend\nLOG_LEVEL=INFO\n"
    "PYTHONUNBUFFERED=1\nREDIS_HOST=localhost\nREDIS_PORT=6379\nREDIS_DB=0\n"
    "DB_PATH=/opt/quantum/data/quantum_trader.db\nAUTO_ACTIVATION=disabled\n"
    "SHADOW_MODE=enabled\n"
)


def in_deploy_dir(relpath: str, deploy_dirs: tuple[str, ...]) -> bool:
    """The file sits under a configured deploy folder (`deploy/`, `etc/quantum/`, ...)."""
    folder = "/" + relpath.rpartition("/")[0].strip("/") + "/"
    return any(f"/{d.strip('/')}/" in folder for d in deploy_dirs)


def is_service_env(relpath: str, ctx_common: str) -> bool:
    """`<name>.env` or a template of it; never a dotenv `.env`/`.env.*`, nor common.env."""
    name = relpath.rsplit("/", 1)[-1]
    if name.startswith(".") or name == ctx_common:
        return False
    parts = name.split(".")
    if "env" not in parts[1:]:
        return False
    after = parts[parts.index("env", 1) + 1:]
    return not after or is_template(name)


class EnvRequiredVars(Rule):
    """
    ## What it does
    For an env file meant for `/etc/quantum/`, reports required variables that are missing
    (one finding per file, at line 1, naming every missing variable) and pinned variables
    set to other values than the contract's (`REPO_ROOT`, `DATA_DIR`, `MODEL_DIR`,
    `DB_PATH`, `REDIS_PORT=6379`, `REDIS_DB=0`, `PYTHONUNBUFFERED=1`; one finding per
    value). A `common.env` beside the
    file supplies shared variables. Wrong Redis hosts are QT502/QT503 and wrong safety
    switches QT601; another spelling of a switch's safe value (`SHADOW_MODE=true`,
    `AUTO_ACTIVATION=off`) switches nothing and is reported here, as a pinned value.

    Which files: in a repository, files named `<name>.env` or a template of one
    (`<name>.env.example`, ...) under a configured deploy folder (by default `deploy/`,
    `etc/quantum/`, `systemd/`, `config/`), never a dotenv file named `.env` or `.env.*`
    (those are local-development files, QT301/QT302); on a host, every file in
    `/etc/quantum/`. Placeholders (empty values) in templates are not judged.

    ## Why is this bad?
    Contract C: every service reads the same twelve variables, with absolute paths that
    match the contract. A missing `DB_PATH` or a `DATA_DIR` pointing elsewhere starts a
    service against the wrong data.

    ## Example
    ```sh
    # deploy/backend.env
    REPO_ROOT=/srv/quantum
    LOG_LEVEL=INFO
    ```

    ## Use instead
    All twelve variables of contract C, paths as the contract gives them.

    ## Options
    `contract.required-vars`, `contract.pinned-vars`, `contract.common-env`,
    `contract.env-deploy-dirs`.
    """

    code = "QT307"
    name = "env-required-vars"
    section = "C"
    kinds = frozenset({Kind.ENV})
    summary = "Env file for /etc/quantum lacks required variables or pins wrong values"
    example_path = "deploy/backend.env"
    VALID = (Example(_FULL), Example("A=1\n", path=".env"), Example("A=1\n", path="x/b.env"),
             Example(_FULL.replace("DB_PATH=/opt/quantum/data/quantum_trader.db", "DB_PATH="),
                     path="deploy/backend.env.example"))
    INVALID = (
        Example(_FULL.replace("LOG_LEVEL=INFO\n", "").replace("REDIS_DB=0\n", ""),
                expect=((1, 1),)),
        Example(_FULL.replace("REDIS_PORT=6379", "REDIS_PORT=6380"), expect=((8, 12),)),
        Example(_FULL.replace("REDIS_DB=0", "REDIS_DB=3"), expect=((9, 10),)),
        Example(_FULL.replace("SHADOW_MODE=enabled", "SHADOW_MODE=true"),
                expect=((_FULL.splitlines().index("SHADOW_MODE=enabled") + 1, 13),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        c = ctx.contract
        if not in_deploy_dir(ctx.relpath, c.env_deploy_dirs) or not is_service_env(
                ctx.relpath, c.common_env):
            return
        yield from judge_env(self, ctx, ctx.project.common_env_keys(ctx),
                             template=is_template(ctx.relpath.rsplit("/", 1)[-1]))


def judge_env(rule: Rule, ctx: FileContext, common: set[str],
              template: bool = False) -> Iterator[Finding]:
    """The QT307 judgement of `ctx.env` (shared with the host audit)."""
    c = ctx.contract
    env = ctx.env
    present = env.keys() | common
    missing = [v for v in c.required_vars if v not in present]
    if missing:
        yield ctx.finding(rule, 1, 1, f"missing required variable{'s' if len(missing) > 1 else ''}"
                                      f": {', '.join(missing)}")
    for key, want in c.pinned_vars:
        entry = env.get(key)
        if entry is None or (template and entry.value == "") or entry.value == want:
            continue
        yield ctx.finding(rule, entry.value_line, entry.value_column,
                          f"{key}={entry.value}; the contract sets {key}={want}")
    for key, (want, same) in _SAFE_SPELLINGS.items():
        entry = env.get(key)
        # another spelling of the safe value switches nothing (a value that switches
        # activation on or shadow mode off is QT601's): the contract's spelling is pinned
        if entry is not None and entry.value != want and entry.value.strip().lower() in same:
            yield ctx.finding(rule, entry.value_line, entry.value_column,
                              f"{key}={entry.value}; the contract spells it {key}={want}")


# the safety switches' contract values, and the other spellings that mean the same (QT601
# reads them so: a value outside these switches activation on or shadow mode off)
_SAFE_SPELLINGS = {"AUTO_ACTIVATION": ("disabled", frozenset({"disabled", "false", "0", "no",
                                                              "off"})),
                   "SHADOW_MODE": ("enabled", frozenset({"enabled", "true", "1", "yes", "on"}))}

