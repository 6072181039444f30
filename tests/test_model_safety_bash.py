"""QT604, QT607 and QT608 judged against bash itself: variants of the contract's canary,
rollback and wrapper scripts (each a family the rules must read: loops that leave with
`break`, traps that exit 0, assignments undone before the exec, refusals that exit 0,
restarts nobody waits for, `set +e` in subshells, `|| true` through functions, `exit`
inside `$(...)`, traps set in functions) are run by bash with every program a stub, under
every outcome of the checks, in a tree whose paths the contract is configured to. The rule
must report a variant exactly when some run breaks the contract:

- the wrapper (QT608): a failed check runs the script or ends with status 0; a script run
  without PYTHONPATH on the repository, the venv's bin/ on PATH, or the env file's values;
- the canary (QT604, its quality-gate step): the model setting changes although the gate
  failed;
- the rollback (QT607): without a backup it restores or exits 0; it exits 0 without having
  restored, restarted the service's unit (waited for), notified the journal and logged
  the git hash.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config, Contract
from qt_lint.golden import wrapper
from qt_lint.golden_models import canary, rollback

if shutil.which("bash") is None:  # pragma: no cover - the oracle is required
    pytest.fail("bash is needed as the oracle of the model-safety rules")


def _contract(root: Path) -> Contract:
    return Contract(repo_root=str(root / "repo"), venv_root=str(root / "venvs"),
                    env_dir=str(root / "etc/quantum"), db_path=str(root / "data/q.db"),
                    model_dir=str(root / "models"), log_dir=str(root / "log"),
                    data_dir=str(root / "data"))


def _stub(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(0o755)


def _findings(root: Path, contract: Contract, rel: str, code: str) -> list[str]:
    config = Config(root=root / "repo", select=(code,), contract=contract)
    found = check([root / "repo" / rel], config, jobs=1).findings
    assert all(f.code == code for f in found), [(f.code, f.message) for f in found]
    return [f"{f.line}: {f.message}" for f in found]


# --- the wrapper (QT608) -------------------------------------------------------------------

GOLD_CHECKS = ('redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n'
               'test -f "$DB_PATH"\ntest -x "$VENV/bin/python"\n')
EXEC = 'exec "$VENV/bin/python" "$SCRIPT" "$@"\n'
PP = 'export PYTHONPATH="{repo}"\n'
WRAPPER_VARIANTS: dict[str, tuple[str, str]] = {
    "golden": ("", ""),
    "unset PYTHONPATH before the exec": (EXEC, "unset PYTHONPATH\n" + EXEC),
    "unset -v PYTHONPATH": (EXEC, "unset -v PYTHONPATH\n" + EXEC),
    "PATH reset": (EXEC, "PATH=/usr/bin:/bin\n" + EXEC),
    "export PATH reset": (EXEC, "export PATH=/usr/local/bin:/usr/bin:/bin\n" + EXEC),
    "PATH extended keeps the venv": (EXEC, 'PATH="$PATH:/usr/local/bin"\n' + EXEC),
    "PYTHONPATH elsewhere": (EXEC, "export PYTHONPATH=/tmp\n" + EXEC),
    "PYTHONPATH plain reassigned": (EXEC, "PYTHONPATH=/srv/other\n" + EXEC),
    "PYTHONPATH extended keeps the repo": (EXEC, 'PYTHONPATH="$PYTHONPATH:/srv/lib"\n' + EXEC),
    "export -n PYTHONPATH": (EXEC, "export -n PYTHONPATH\n" + EXEC),
    "exec -c": (EXEC, EXEC.replace("exec ", "exec -c ")),
    "exec env -u PYTHONPATH": (EXEC, EXEC.replace("exec ", "exec env -u PYTHONPATH ")),
    "exec env -i": (EXEC, EXEC.replace("exec ", "exec env -i ")),
    "PYTHONPATH prefix on the exec": (EXEC, "PYTHONPATH=/tmp " + EXEC),
    "unset in a function called": (EXEC, "clean() { unset PYTHONPATH; }\nclean\n" + EXEC),
    "unset in a function never called": (EXEC, "clean() { unset PYTHONPATH; }\n" + EXEC),
    "unset in a subshell": (EXEC, "( unset PYTHONPATH )\n" + EXEC),
    "unset on one branch": (EXEC, 'if [ -n "${X:-}" ]; then unset PYTHONPATH; fi\n' + EXEC),
    "unset after the exec": (EXEC, EXEC + "unset PYTHONPATH\n"),
    "trap exit 0 ERR": ("set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 0' ERR\n"),
    "trap exit 0 EXIT": ("set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 0' EXIT\n"),
    "trap function exits 0 on EXIT": (
        "set -euo pipefail\n", "set -euo pipefail\nbye() { echo bye; exit 0; }\ntrap bye EXIT\n"),
    "trap function exits 0 on ERR": (
        "set -euo pipefail\n", "set -euo pipefail\nbye() { exit 0; }\ntrap bye ERR\n"),
    "trap echo then exit on ERR": (
        "set -euo pipefail\n", "set -euo pipefail\ntrap 'echo failed; exit' ERR\n"),
    "trap bare exit on ERR": ("set -euo pipefail\n", "set -euo pipefail\ntrap exit ERR\n"),
    "trap exit 1 ERR": ("set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 1' ERR\n"),
    "trap cleanup EXIT keeps the status": (
        "set -euo pipefail\n", "set -euo pipefail\ntrap 'rm -f /tmp/qt-none' EXIT\n"),
    "trap set in a function": (
        "set -euo pipefail\n", "set -euo pipefail\nt() { trap 'exit 0' ERR; }\nt\n"),
    "trap in a function never called": (
        "set -euo pipefail\n", "set -euo pipefail\nt() { trap 'exit 0' ERR; }\n"),
    "trap reset before the checks": (
        "set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 0' ERR\ntrap - ERR\n"),
    "trap exit 0 ERR in a subshell": (
        "set -euo pipefail\n", "set -euo pipefail\n( trap 'exit 0' ERR )\n"),
    "trap exit 0 EXIT after the checks": (EXEC, "trap 'exit 0' EXIT\n" + EXEC),
    "redis || exit 0": (GOLD_CHECKS, GOLD_CHECKS.replace("ping >/dev/null",
                                                         "ping >/dev/null || exit 0")),
    "db check in a subshell with set +e": (
        'test -f "$DB_PATH"\n', '( set +e; test -f "$DB_PATH" )\n'),
    "db check in a subshell, set -e, || exit": (
        'test -f "$DB_PATH"\n', '( set -e; test -f "$DB_PATH"; true ) || exit 1\n'),
    "db check in a subshell, set +e, exit status kept": (
        'test -f "$DB_PATH"\n', '( set +e; test -f "$DB_PATH" ) || exit 1\n'),
    "db check || true through a function": (
        'test -f "$DB_PATH"\n', 'soft() { "$@" || true; }\nsoft test -f "$DB_PATH"\n'),
    "db check through a function that returns its status": (
        'test -f "$DB_PATH"\n', 'must() { "$@"; }\nmust test -f "$DB_PATH"\n'),
    "exit 1 inside $(...)": (
        'test -f "$DB_PATH"\n', 'x=$(test -f "$DB_PATH" || exit 1)\n'),
    "exit inside $(...) through local": (
        'test -f "$DB_PATH"\n', 'f() { local x=$(test -f "$DB_PATH" || exit 1); }\nf\n'),
    "checks in a loop with break": (
        GOLD_CHECKS, "for i in 1; do\n" + GOLD_CHECKS + "break\ndone\n"),
    "redis retried until it answers": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'until redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null; do exit 1; done\n'),
    "redis in while with break": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'while ! redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null; do break; done\n'),
}

# each check's outcome: (Redis answers, the database exists, the venv's python exists)
OUTCOMES = list(itertools.product((True, False), repeat=3))


def _wrapper_tree(root: Path, c: Contract, text: str) -> None:
    repo = root / "repo"
    (repo / "ops").mkdir(parents=True, exist_ok=True)
    (repo / c.wrapper).write_text(text)
    (root / "etc/quantum").mkdir(parents=True, exist_ok=True)
    (root / "etc/quantum/ai-engine.env").write_text(
        f"REDIS_HOST=localhost\nREDIS_PORT=6379\nDB_PATH={c.db_path}\nQT_ENV_MARK=1\n")
    _stub(root / "bin/redis-cli", '[ "$REDIS_OK" = 1 ] || exit 1\necho PONG\n')
    (root / "data").mkdir(exist_ok=True)


def _wrapper_breaks(root: Path, c: Contract) -> list[str]:
    """What bash does against contract G, over every outcome of the checks."""
    python = root / "venvs/ai-engine/bin/python"
    log = root / "ran.log"
    broken: list[str] = []
    for redis, db, venv in OUTCOMES:
        log.unlink(missing_ok=True)
        db_file = Path(c.db_path)
        if db:
            db_file.write_text("x")
        else:
            db_file.unlink(missing_ok=True)
        if venv:
            _stub(python, f'echo "PP=$PYTHONPATH PATH=$PATH MARK=${{QT_ENV_MARK:-}}" > {log}\n')
        else:
            python.unlink(missing_ok=True)
        env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "REDIS_OK": "1" if redis else "0",
               "X": "1"}  # a variable a branch may test
        done = subprocess.run(["bash", str(root / "repo" / c.wrapper), "ai-engine", "job.py"],
                              env=env, cwd=root, capture_output=True, timeout=30, check=False)
        ran = log.read_text() if log.exists() else None
        if all((redis, db, venv)):
            if ran is None:
                broken.append("the checks passed and the script did not run")
                continue
            words = dict(w.split("=", 1) for w in ran.split())
            if c.repo_root not in words["PP"].split(":"):
                broken.append(f"PYTHONPATH={words['PP']}")
            if f"{c.venv_root}/ai-engine/bin" not in words["PATH"].split(":"):
                broken.append("PATH without the venv's bin/")
            if words["MARK"] != "1":
                broken.append("the env file's values are not in the script's environment")
        else:
            if ran is not None:
                broken.append(f"the script ran with a check failing {(redis, db, venv)}")
            if done.returncode == 0:
                broken.append(f"exit 0 with a check failing {(redis, db, venv)}")
    return broken


@pytest.mark.parametrize("name", sorted(WRAPPER_VARIANTS))
def test_qt608_fires_exactly_when_bash_breaks_contract_g(tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    old, new = WRAPPER_VARIANTS[name]
    gold = wrapper(c)
    old, new = old.replace("{repo}", c.repo_root), new.replace("{repo}", c.repo_root)
    assert old in gold, old
    text = gold.replace(old, new, 1) if old else gold
    _wrapper_tree(tmp_path, c, text)
    broken = _wrapper_breaks(tmp_path, c)
    found = _findings(tmp_path, c, c.wrapper, "QT608")
    assert bool(found) == bool(broken), (name, broken, found, text)
