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

import contextlib
import fcntl
import itertools
import os
import re
import shutil
import subprocess
import sys
import tarfile
import termios
import time
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
REDIS = 'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n'
_STOPPING = GOLD_CHECKS.replace("\n", " || exit 1\n")  # each check exits 1 when it fails
_JOB = "'\"$VENV/bin/python\" \"$SCRIPT\"'"  # a trap's action that runs the job
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
    "declare -x PYTHONPATH": (PP, 'declare -x PYTHONPATH="{repo}"\n'),
    "PYTHONPATH then export": (PP, 'PYTHONPATH="{repo}"\nexport PYTHONPATH\n'),
    "export then PYTHONPATH": (PP, 'export PYTHONPATH\nPYTHONPATH="{repo}"\n'),
    "PYTHONPATH never exported": (PP, 'PYTHONPATH="{repo}"\n'),
    "readonly PYTHONPATH": (PP, 'readonly PYTHONPATH="{repo}"\n'),
    "export PYTHONPATH alone": (PP, "export PYTHONPATH\n"),
    "PYTHONPATH local in a function": (
        PP, 'setpp() { local PYTHONPATH="{repo}"; export PYTHONPATH; }\nsetpp\n'),
    "PYTHONPATH exported in a function": (
        PP, 'setpp() { export PYTHONPATH="{repo}"; }\nsetpp\n'),
    "PATH local in a function after the export": (
        EXEC, 'f() { local PATH=/usr/bin:/bin; }\nf\n' + EXEC),
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
    "command trap exit 0 ERR": (
        "set -euo pipefail\n", "set -euo pipefail\ncommand trap 'exit 0' ERR\n"),
    "eval trap exit 0 ERR": (
        "set -euo pipefail\n", "set -euo pipefail\neval \"trap 'exit 0' ERR\"\n"),
    "trap before its function is defined": (
        "set -euo pipefail\n", "set -euo pipefail\ntrap bye EXIT\nbye() { exit 0; }\n"),
    "trap -- with exit 0 after a message": (
        "set -euo pipefail\n", "set -euo pipefail\ntrap -- 'echo FAILED >&2; exit 0' err\n"),
    "trap exit 0 on INT only": ("set -euo pipefail\n", "set -euo pipefail\ntrap 'exit 0' INT\n"),
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
    # the script's exit status must reach the wrapper's caller (issue #23)
    "python || echo": (EXEC, 'PY="$VENV/bin/python"\n"$PY" "$SCRIPT" "$@" || '
                             'echo "script failed: $?" >&2\n'),
    "python under set +e, rc echoed": (
        EXEC, 'set +e\n"$VENV/bin/python" "$SCRIPT" "$@"\nrc=$?\necho "finished rc=$rc"\n'),
    "python || true": (EXEC, '"$VENV/bin/python" "$SCRIPT" "$@" || true\n'),
    "if ! python; then echo": (
        EXEC, 'if ! "$VENV/bin/python" "$SCRIPT" "$@"; then echo failed >&2; fi\n'),
    "python with trap exit 0 EXIT": (EXEC, "trap 'exit 0' EXIT\n" + EXEC.replace("exec ", "")),
    "python last under set -e": (EXEC, EXEC.replace("exec ", "")),
    "python; exit $?": (EXEC, 'set +e\n' + EXEC.replace("exec ", "") + "exit $?\n"),
    "python; rc=$?; exit $rc": (
        EXEC, 'set +e\n' + EXEC.replace("exec ", "") + 'rc=$?\necho "rc=$rc"\nexit $rc\n'),
    "python then echo under set -e": (EXEC, EXEC.replace("exec ", "") + "echo done\n"),
    "python || exit 1": (EXEC, EXEC.replace("exec ", "").strip() + " || exit 1\n"),
    "exec python -I": (EXEC, EXEC.replace('python"', 'python" -I')),
    "exec python -E": (EXEC, EXEC.replace('python"', 'python" -E')),
    "exec python -IB": (EXEC, EXEC.replace('python"', 'python" -IB')),
    "exec python -sE": (EXEC, EXEC.replace('python"', 'python" -sE')),
    "exec python -u -B": (EXEC, EXEC.replace('python"', 'python" -u -B')),
    "exec python -s": (EXEC, EXEC.replace('python"', 'python" -s')),
    "exec python -W error -I": (EXEC, EXEC.replace('python"', 'python" -W error -I')),
    "exec python -Werror": (EXEC, EXEC.replace('python"', 'python" -WE')),
    # PYTHONPATH with the repository root first, an inherited path after it (issue #23)
    "PYTHONPATH root then inherited": (
        PP, 'export PYTHONPATH="{repo}${PYTHONPATH:+:$PYTHONPATH}"\n'),
    "PYTHONPATH inherited then root": (
        PP, 'export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}{repo}"\n'),
    # Redis checked by its answer (issue #23)
    "redis answer compared to PONG": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        '[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" = PONG ] || exit 1\n'),
    "redis answer [[ == PONG ]]": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        '[[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" == PONG ]] || exit 1\n'),
    "redis answer | grep -q PONG": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping | grep -q PONG\n'),
    "redis answer compared, only warns": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        '[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" = PONG ] || echo warn\n'),
    "redis answer != PONG exits": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'if [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" != PONG ]; then exit 1; fi\n'),
    # a second hostile review (issue #23): what bash does with the exec and errexit
    "exec in the background": (EXEC, EXEC.strip() + " &\n"),
    "exec piped to cat without pipefail": (EXEC, "set +o pipefail\n" + EXEC.strip() +
                                           " 2>&1 | cat\n"),
    "exec piped to cat under pipefail": (EXEC, EXEC.strip() + " 2>&1 | cat\n"),
    "exec with a log it cannot open || exit 0": (
        EXEC, EXEC.strip() + " >>/nonexistent-qt/job.log 2>&1 || exit 0\n"),
    "exec with a log it opens || exit 1": (
        EXEC, EXEC.strip() + ' >>"$DB_PATH.log" 2>&1 || exit 1\n'),
    # the venv checked as a folder (contract E's form): a missing python is the exec's
    "execfail, exec || exit 0": (
        'test -x "$VENV/bin/python"\ncd "{repo}"\n' + EXEC,
        'test -d "$VENV"\ncd "{repo}"\nshopt -s execfail\n' + EXEC.strip() + " || exit 0\n"),
    "execfail, exec || exit 1": (
        'test -x "$VENV/bin/python"\ncd "{repo}"\n' + EXEC,
        'test -x "$VENV/bin/python"\ncd "{repo}"\nshopt -s execfail\n' + EXEC.strip() +
        " || exit 1\n"),
    "shopt -uo errexit": ("set -euo pipefail\n", "set -euo pipefail\nshopt -uo errexit\n"),
    "shopt -so errexit instead of set -e": (
        "set -euo pipefail\n", "shopt -so errexit\nshopt -so pipefail\nset -u\n"),
    "set +$-": ("set -euo pipefail\n", "set -euo pipefail\nset +$-\n"),
    "#!/bin/bash -e instead of set -e": (
        "#!/bin/bash\n# ops/run.sh <service> <script> [args...]: contract G\nset -euo pipefail\n",
        "#!/bin/bash -e\nset -uo pipefail\n"),
    "#!/bin/bash -eu instead of set -e": (
        "#!/bin/bash\n# ops/run.sh <service> <script> [args...]: contract G\nset -euo pipefail\n",
        "#!/bin/bash -eu\nset -o pipefail\n"),
    "#!/bin/bash -e, then set +e": (
        "#!/bin/bash\n# ops/run.sh <service> <script> [args...]: contract G\nset -euo pipefail\n",
        "#!/bin/bash -e\nset +e\nset -uo pipefail\n"),
    "exit shadowed by a function": (
        "set -euo pipefail\n" , "set -uo pipefail\nexit() { echo suppressed >&2; }\n"),
    "checks || exit 1 with exit shadowed": (
        GOLD_CHECKS, "exit() { echo suppressed >&2; }\nset +e\n" + _STOPPING),
    "checks || exit 1 without set -e": (GOLD_CHECKS, "set +e\n" + _STOPPING),
    "redis || return 1 at the top level": (
        GOLD_CHECKS, "set +e\n" + _STOPPING.replace("|| exit 1", "|| return 1", 1)),
    "redis in while with break": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'while ! redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null; do break; done\n'),
    # a third hostile review: the job's status and the checks, read as bash runs them
    "python in the background, wait on its pid": (
        EXEC, EXEC.replace("exec ", "").strip() + ' &\npid=$!\nwait "$pid"\n'),
    "python in the background, wait $!": (
        EXEC, EXEC.replace("exec ", "").strip() + " &\nwait $!\n"),
    "python in the background, wait on another job": (
        EXEC, EXEC.replace("exec ", "").strip() + ' &\npid=$!\nsleep 0 &\nwait $!\n'),
    "python in the background, wait -n": (
        EXEC, EXEC.replace("exec ", "").strip() + " &\nwait -n\n"),
    "python in the background, wait alone": (
        EXEC, EXEC.replace("exec ", "").strip() + " &\nwait\n"),
    "function returns the python's status": (
        EXEC, 'run() { local rc=0; "$VENV/bin/python" "$SCRIPT" "$@" || rc=$?; '
              'echo "rc=$rc" >&2; return $rc; }\nrun "$@"\n'),
    "function returns 0 after the python": (
        EXEC, 'run() { local rc=0; "$VENV/bin/python" "$SCRIPT" "$@" || rc=$?; '
              'echo "rc=$rc" >&2; return 0; }\nrun "$@"\n'),
    "function returns a status reset after the python": (
        EXEC, 'run() { local rc=0; "$VENV/bin/python" "$SCRIPT" "$@" || rc=$?; rc=0; '
              'return $rc; }\nrun "$@"\n'),
    "python || rc=$?, exit $rc": (
        EXEC, 'rc=0\n"$VENV/bin/python" "$SCRIPT" "$@" || rc=$?\necho "rc=$rc"\nexit $rc\n'),
    "python || rc=$?, return $? of echo": (
        EXEC, 'run() { "$VENV/bin/python" "$SCRIPT" "$@" || echo failed; return $?; }\n'
              'run "$@"\n'),
    "exec of an array": (EXEC, 'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]}"\n'),
    "exec of an array with -I": (
        EXEC, 'cmd=("$VENV/bin/python" -I "$SCRIPT" "$@")\nexec "${cmd[@]}"\n'),
    "redis answer in a case": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'case "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" in\n  PONG) ;;\n'
        '  *) echo "redis down" >&2; exit 1 ;;\nesac\n'),
    "redis answer in a case that only warns": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'case "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" in\n  PONG) ;;\n'
        '  *) echo "redis down" >&2 ;;\nesac\n'),
    "redis answer in a case, any answer passes": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'case "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping)" in\n  *) ;;\nesac\n'),
    "redis retried, a flag tested": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=0\nfor i in 1 2 3; do\n  if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping '
        '>/dev/null; then ok=1; break; fi\ndone\n[ "$ok" = 1 ] || { echo "FAIL redis" >&2; '
        'exit 1; }\n'),
    "redis retried, the flag set either way": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=0\nfor i in 1 2 3; do\n  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping '
        '>/dev/null || true; ok=1\ndone\n[ "$ok" = 1 ] || exit 1\n'),
    "redis retried, the flag tested -eq": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=0\nfor i in 1 2 3; do\n  if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping '
        '>/dev/null; then ok=1; break; fi\ndone\nif [ "$ok" -ne 1 ]; then exit 1; fi\n'),
    "redis flag set when it fails": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=0\nif redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null; then :; '
        'else ok=1; fi\n[ "$ok" = 1 ] || exit 1\n'),
    "redis flag cleared when it fails": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=yes\nredis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null || ok=no\n'
        'if [ "$ok" != yes ]; then exit 1; fi\n'),
    "redis flag tested for another value": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        'ok=0\nredis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null && ok=1\n'
        '[ "$ok" = 2 ] && exit 1\n'),
    "python under set +e, exit \"$rc\" after set -e": (
        EXEC, 'set +e\n"$VENV/bin/python" "$SCRIPT" "$@"\nrc=$?\nset -e\necho "rc=$rc"\n'
              'exit "$rc"\n'),
    "python || rc=$?, rc reset on success": (
        EXEC, 'rc=0\n"$VENV/bin/python" "$SCRIPT" "$@" && rc=0 || rc=$?\nexit $rc\n'),
    "PYTHONPATH extended after unset under set -u": (
        PP, 'unset PYTHONPATH\nexport PYTHONPATH="{repo}:$PYTHONPATH"\n'),
    "PYTHONPATH extended with a default after unset under set -u": (
        PP, 'unset PYTHONPATH\nexport PYTHONPATH="{repo}:${PYTHONPATH:-}"\n'),
    "exec through eval of a constant": (EXEC, "eval '" + EXEC.strip() + "'\n"),
    "eval of a constant that unsets PYTHONPATH": (EXEC, "eval 'unset PYTHONPATH'\n" + EXEC),
    "eval of a constant check that exits 0": (
        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n',
        "eval 'redis-cli -h \"$REDIS_HOST\" -p \"$REDIS_PORT\" ping >/dev/null || exit 0'\n"),
    "PATH with the venv alone before redis-cli": (
        'export PATH="$VENV/bin:$PATH"\n', 'export PATH="$VENV/bin"\n'),
    # a fourth hostile review: a trap's action runs at every exit after the `trap`
    "trap python EXIT before the checks": (GOLD_CHECKS, f"trap {_JOB} EXIT\n" + GOLD_CHECKS),
    "trap -- python 0 before the checks": (GOLD_CHECKS, f"trap -- {_JOB} 0\n" + GOLD_CHECKS),
    "trap python EXIT INT TERM before the checks": (
        GOLD_CHECKS, f"trap {_JOB} EXIT INT TERM\n" + GOLD_CHECKS),
    "trap python ERR before the checks": (GOLD_CHECKS, f"trap {_JOB} ERR\n" + GOLD_CHECKS),
    "trap python ERR, checks || exit 1": (
        GOLD_CHECKS, f"set +e\ntrap {_JOB} ERR\n" + _STOPPING),
    "trap a function running python on EXIT": (
        GOLD_CHECKS, 'job() { "$VENV/bin/python" "$SCRIPT"; }\ntrap job EXIT\n' + GOLD_CHECKS),
    "trap python EXIT reset by trap - EXIT": (
        GOLD_CHECKS, f"trap {_JOB} EXIT\ntrap - EXIT\n" + GOLD_CHECKS),
    "trap python EXIT replaced by a cleanup": (
        GOLD_CHECKS, f"trap {_JOB} EXIT\ntrap 'rm -f /tmp/qt-none' EXIT\n" + GOLD_CHECKS),
    "trap python EXIT reset in a function called": (
        GOLD_CHECKS, f"trap {_JOB} EXIT\nnotrap() {{ trap - EXIT; }}\nnotrap\n" + GOLD_CHECKS),
    "trap python EXIT in a subshell": (
        GOLD_CHECKS, f"( trap {_JOB} EXIT; true )\n" + GOLD_CHECKS),
    "trap python EXIT right before the exec": (EXEC, f"trap {_JOB} EXIT\n" + EXEC),
    "trap python EXIT after the checks, python last": (
        EXEC, f"trap {_JOB} EXIT\n" + 'echo "running" >&2\n'),
    "trap python EXIT after the checks, python last, no errexit": (
        EXEC, f"set +e\ntrap {_JOB} EXIT\n" + 'echo "running" >&2\n'),
    "trap python EXIT after the checks, python last, exit $? in it": (
        EXEC, "set +e\ntrap '\"$VENV/bin/python\" \"$SCRIPT\"; exit $?' EXIT\n"
              'echo "running" >&2\n'),
    # the action's own status: an `exit` in an EXIT trap is the wrapper's status
    "trap cleanup; exit 0 EXIT before the checks": (
        GOLD_CHECKS, "trap 'rm -f /tmp/qt-none; exit 0' EXIT\n" + GOLD_CHECKS),
    "trap exit 0 on 0 with signals": (GOLD_CHECKS, "trap -- 'exit 0' 0 INT TERM\n" + GOLD_CHECKS),
    "trap exit 0 EXIT reset before the checks": (
        GOLD_CHECKS, "trap 'exit 0' EXIT\ntrap - EXIT\n" + GOLD_CHECKS),
    "trap exit 0 EXIT replaced by exit $?": (
        GOLD_CHECKS, "trap 'exit 0' EXIT\ntrap 'exit $?' EXIT\n" + GOLD_CHECKS),
    "trap exit 1 EXIT before the checks": (GOLD_CHECKS, "trap 'exit 1' EXIT\n" + GOLD_CHECKS),
    "trap exit 0 EXIT in a function called": (
        GOLD_CHECKS, "ok() { trap 'exit 0' EXIT; }\nok\n" + GOLD_CHECKS),
    "trap exit 0 EXIT in a subshell": (GOLD_CHECKS, "( trap 'exit 0' EXIT; true )\n" + GOLD_CHECKS),
    "trap cleanup EXIT before the checks": (
        GOLD_CHECKS, "trap 'rm -f /tmp/qt-none' EXIT\n" + GOLD_CHECKS),
    # a fourth hostile review (rev10): arithmetic commands fail (status 1 when 0), a loop
    # left by `break` after failures is no check, an array's slice is what runs
    **{f"redis retried, {name}": (REDIS, text.replace("R", REDIS.strip()))
       for name, text in (
           ("until, (( n++ < 3 )) || break", "n=0\nuntil R; do (( n++ < 3 )) || break; done\n"),
           ("until, (( n++ < 3 )) || exit 1",
            "n=0\nuntil R; do (( n++ < 3 )) || exit 1; done\n"),
           ("until, (( ++n >= 3 )) && break",
            "n=0\nuntil R; do (( ++n >= 3 )) && break; sleep 0; done\n"),
           ("until, let n++ and a test || break",
            "n=0\nuntil R; do let n++ || true; [ $n -lt 3 ] || break; done\n"),
           ("while (( n++ < 3 )), R && break",
            "n=0\nwhile (( n++ < 3 )); do R && break; done\n"),
           ("until R || (( ++n > 3 ))", "n=0\nuntil R || (( ++n > 3 )); do sleep 0; done\n"),
           ("while true, R && break, (( n++ < 3 )) || break",
            "n=0\nwhile true; do R && break; (( n++ < 3 )) || break; done\n"),
           ("while :, if R break, if (( n++ >= 3 )) break",
            "n=0\nwhile :; do\n  if R; then break; fi\n  if (( n++ >= 3 )); then echo giving up"
            " >&2; break; fi\ndone\n"),
           ("while :, if (( n++ >= 3 )) exit 1",
            "n=0\nwhile :; do\n  if R; then break; fi\n  if (( n++ >= 3 )); then exit 1; fi\n"
            "done\n"),
           ("while ! R, (( ++n < 3 )) || break",
            "n=0\nwhile ! R; do sleep 0; (( ++n < 3 )) || break; done\n"),
           ("until R, (( n++ == 3 )) && break", "n=0\nuntil R; do (( n++ == 3 )) && break; done\n"),
           ("the flag tested (( ok ))",
            "ok=0\nfor i in 1 2 3; do R && { ok=1; break; }; done\n(( ok )) || exit 1\n"),
           ("the flag tested (( ok == 1 ))",
            "ok=0\nfor i in 1 2 3; do R && { ok=1; break; }; done\n(( ok == 1 )) || exit 1\n"),
           ("the flag tested (( ! ok ))",
            "ok=0\nfor i in 1 2 3; do R && { ok=1; break; }; done\nif (( ! ok )); then exit 1; "
            "fi\n"),
           ("the flag tested (( ok == 0 )) && exit",
            "ok=0\nfor i in 1 2 3; do R && { ok=1; break; }; done\n(( ok == 0 )) && exit 1\n"),
           ("the flag set either way, tested (( ok ))",
            "ok=0\nfor i in 1 2 3; do R || true; ok=1; done\n(( ok )) || exit 1\n"),
           ("the flag tested for another value (( ok == 2 ))",
            "ok=0\nfor i in 1 2 3; do R && { ok=1; break; }; done\n(( ok == 2 )) && exit 1\n"),
       )},
    "(( n++ )) with n 0 under set -e": (REDIS, "n=0\n(( n++ ))\n" + REDIS),
    "(( n++ )) with n 1 under set -e": (REDIS, "n=1\n(( n++ ))\n" + REDIS),
    "(( 0 )) under set -e": (REDIS, "(( 0 ))\n" + REDIS),
    "(( 0 )) || true": (REDIS, "(( 0 )) || true\n" + REDIS),
    "exec of an array's first two": (
        EXEC, 'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:0:2}"\n'),
    "exec of an array from 0": (
        EXEC, 'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:0}"\n'),
    "exec of an array from 1": (
        EXEC, 'cmd=(nice "$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:1}"\n'),
    "exec of an array from the end": (
        EXEC, 'cmd=(nice "$VENV/bin/python" "$SCRIPT")\nexec "${cmd[@]: -2}" "$@"\n'),
    "exec of an array without the python": (
        EXEC, 'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:1}"\n'),
    "exec of the args dropped the same way": (
        EXEC, 'cmd=("$VENV/bin/python" "$SCRIPT")\nexec "${cmd[@]}"\n'),
}

# the wrapper sources a file of the repository (ops/lib.sh): what it does counts
HERE_LIB = 'source "$(dirname "$0")/lib.sh"\n'
WRAPPER_LIB_VARIANTS: dict[str, tuple[str, str, str | None]] = {
    "checks in a sourced file": (GOLD_CHECKS, HERE_LIB, _STOPPING),
    "checks under set -e in a sourced file": (GOLD_CHECKS, HERE_LIB, GOLD_CHECKS),
    "checks in a sourced file by the repository's path": (
        GOLD_CHECKS, 'source "{repo}/ops/lib.sh"\n', _STOPPING),
    "checks in a sourced file through BASH_SOURCE": (
        GOLD_CHECKS, '. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"\n', _STOPPING),
    "a sourced file turns errexit off": (GOLD_CHECKS, HERE_LIB + GOLD_CHECKS, "set +e\n"),
    "a sourced file turns errexit off in a function it defines": (
        GOLD_CHECKS, HERE_LIB + "relax\n" + GOLD_CHECKS, "relax() { set +e; }\n"),
    "a sourced file's function that checks": (
        GOLD_CHECKS, HERE_LIB + "checks\n", "checks() {\n" + _STOPPING + "}\n"),
    "a sourced file's function that only warns": (
        GOLD_CHECKS, HERE_LIB + "checks\n",
        "checks() {\n" + GOLD_CHECKS.replace("\n", " || echo warn >&2\n") + "}\n"),
    "a sourced file that returns early": (
        GOLD_CHECKS, HERE_LIB, "return 0\n" + _STOPPING),
    "a sourced file that is absent": (GOLD_CHECKS, HERE_LIB + GOLD_CHECKS, None),
    "a sourced file by its bare name": (GOLD_CHECKS, "source lib.sh\n" + GOLD_CHECKS, ""),
    "a sourced file outside the repository": (
        GOLD_CHECKS, "source /nonexistent-qt/lib.sh\n" + GOLD_CHECKS, None),
}


@pytest.mark.parametrize("name", sorted(WRAPPER_LIB_VARIANTS))
def test_qt608_reads_the_files_the_wrapper_sources_as_bash_does(tmp_path: Path,
                                                                name: str) -> None:
    c = _contract(tmp_path)
    old, new, lib = WRAPPER_LIB_VARIANTS[name]
    gold = wrapper(c)
    new = new.replace("{repo}", c.repo_root)
    assert old in gold, old
    _wrapper_tree(tmp_path, c, gold.replace(old, new, 1))
    if lib is not None:
        (tmp_path / "repo/ops/lib.sh").write_text(lib)
    broken = _wrapper_breaks(tmp_path, c)
    found = _findings(tmp_path, c, c.wrapper, "QT608")
    assert bool(found) == bool(broken), (name, broken, found)
    if lib is None or new.startswith("source lib.sh"):
        assert any("cannot be read" in f for f in found), found


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


# a python that, as CPython, ignores PYTHONPATH under -E or -I (alone or combined, before
# the script; -c, -m, -W and -X take the rest of their word) and exits with $PY_RC
_PYTHON_STUB = """pp="$PYTHONPATH"; skip=
for a do
  if [ -n "$skip" ]; then skip=; continue; fi
  case "$a" in
    --) break ;;
    --*) ;;
    -*) o="${{a#-}}"; o="${{o%%[cmWX]*}}"
        case "$o" in *[IE]*) pp= ;; esac
        case "$a" in -*[cm]*) break ;; -*[WX]) skip=1 ;; esac ;;
    *) break ;;
  esac
done
echo "PP=$pp PATH=$PATH MARK=${{QT_ENV_MARK:-}}" > {log}
exit "${{PY_RC:-0}}"
"""


def _wrapper_breaks(root: Path, c: Contract) -> list[str]:
    """What bash does against contract G, over every outcome of the checks."""
    python = root / "venvs/ai-engine/bin/python"
    log = root / "ran.log"
    broken: list[str] = []
    for redis, db, venv, script_rc in [*((*o, 0) for o in OUTCOMES), (True, True, True, 2)]:
        log.unlink(missing_ok=True)
        db_file = Path(c.db_path)
        if db:
            db_file.write_text("x")
        else:
            db_file.unlink(missing_ok=True)
        if venv:
            _stub(python, _PYTHON_STUB.format(log=log))
        else:
            python.unlink(missing_ok=True)
        env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "REDIS_OK": "1" if redis else "0",
               "X": "1", "PY_RC": str(script_rc)}  # a variable a branch may test
        script = root / "repo" / c.wrapper
        script.chmod(0o755)
        done = subprocess.run([str(script), "ai-engine", "job.py"],
                              env=env, cwd=root, capture_output=True, timeout=30, check=False)
        ran = log.read_text() if log.exists() else None
        if script_rc:
            if done.returncode == 0:
                broken.append("the script failed and the wrapper exited 0")
            continue
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


# --- the canary (QT604: the quality gate) ---------------------------------------------------

GATE = "ops/run.sh ai-engine ops/model_safety/quality_gate.py\n"
CANARY_VARIANTS: dict[str, tuple[str, str]] = {
    "golden": ("", ""),
    "while ! gate; do break; done": (GATE, f"while ! {GATE.strip()}; do break; done\n"),
    "until gate; do break; done": (GATE, f"until {GATE.strip()}; do break; done\n"),
    "until gate; do continue 2 in a for": (
        GATE, f"for i in 1; do until {GATE.strip()}; do continue 2; done; done\n"),
    "until gate; do sleep; done": (GATE, f"until {GATE.strip()}; do sleep 0; done\n"),
    "while ! gate; do exit 2; done": (GATE, f"while ! {GATE.strip()}; do exit 2; done\n"),
    "while gate; do break; done": (GATE, f"while {GATE.strip()}; do break; done\n"),
    "while true; do gate && break; done": (
        GATE, f"while true; do {GATE.strip()} && break; sleep 0; done\n"),
    "while true; do gate || break; done": (
        GATE, f"while true; do {GATE.strip()} || break; break; done\n"),
    "for: gate || break": (GATE, f"for i in 1; do {GATE.strip()} || break; done\n"),
    "for: gate || continue": (GATE, f"for i in 1 2; do {GATE.strip()} || continue; done\n"),
    "gate || true via a function": (GATE, f"soft() {{ \"$@\" || true; }}\nsoft {GATE}"),
    "gate through a function": (GATE, f"must() {{ \"$@\"; }}\nmust {GATE}"),
    "gate in a subshell with set +e": (GATE, f"( set +e; {GATE.strip()} )\n"),
    "gate in a subshell, status kept": (GATE, f"( set +e; {GATE.strip()} ) || exit 2\n"),
    "gate in $(...) with exit 0": (GATE, f"x=$({GATE.strip()} || exit 0)\n"),
    "gate in $(...) with exit 2": (GATE, f"x=$({GATE.strip()} || exit 2)\n"),
    "gate in local $(...)": (GATE, f"f() {{ local x=$({GATE.strip()}); }}\nf\n"),
    "gate under set +e in a function": (GATE, f"f() {{ set +e; {GATE.strip()}; set -e; }}\nf\n"),
    "gate with trap exit 0 ERR": (GATE, "trap 'exit 0' ERR\n" + GATE),
    "gate backgrounded": (GATE, GATE.strip() + " &\n"),

    "gate || exit 0": (GATE, GATE.strip() + " || exit 0\n"),
    "if gate; then :; fi": (GATE, f"if {GATE.strip()}; then :; fi\n"),
    "set +e around the gate": (GATE, f"set +e\n{GATE}set -e\n"),
    "set +e, $? tested": (GATE, f"set +e\n{GATE}rc=$?\nset -e\n[ $rc -eq 0 ] || exit 2\n"),
    "! gate && exit 2": (GATE, f"! {GATE.strip()} && exit 2\n"),
    # bash's second `!` cancels the first: errexit applies again (a hostile review, rev9b)
    "! ! gate": (GATE, f"! ! {GATE.strip()}\n"),
    "! ! ! gate": (GATE, f"! ! ! {GATE.strip()}\n"),
    "! gate": (GATE, f"! {GATE.strip()}\n"),
    "gate || { echo failed; }": (GATE, GATE.strip() + " || { echo failed; }\n"),
    "gate | tee under pipefail": (GATE, GATE.strip() + " | tee /dev/null\n"),
    "gate | tee without pipefail": (
        GATE, "set +o pipefail\n" + GATE.strip() + " | tee /dev/null\n"),
    "(gate) &": (GATE, f"( {GATE.strip()} ) &\n"),
    "gate in a function under ||": (GATE, f"g() {{ {GATE.strip()}; true; }}\ng || exit 2\n"),
    "gate with an ERR trap that aborts": (GATE, "set +e\ntrap 'exit 2' ERR\n" + GATE),
    # make runs the gate (the tree's Makefile): only without the flags that ignore or skip it
    "make quality-gate": (GATE, "make quality-gate\n"),
    "make -s quality-gate": (GATE, "make -s quality-gate\n"),
    "make -k quality-gate": (GATE, "make -k quality-gate\n"),
    "make -j4 quality-gate": (GATE, "make -j4 quality-gate\n"),
    "make -C . -f Makefile quality-gate": (GATE, "make -C . -f Makefile quality-gate\n"),
    "make -i quality-gate": (GATE, "make -i quality-gate\n"),
    "make -ik quality-gate": (GATE, "make -ik quality-gate\n"),
    "make -ki quality-gate": (GATE, "make -ki quality-gate\n"),
    "make -ij2 quality-gate": (GATE, "make -ij2 quality-gate\n"),
    "make --ignore-errors quality-gate": (GATE, "make --ignore-errors quality-gate\n"),
    "make --ignore quality-gate": (GATE, "make --ignore quality-gate\n"),
    "make -n quality-gate": (GATE, "make -n quality-gate\n"),
    "make --dry-run quality-gate": (GATE, "make --dry-run quality-gate\n"),
    "make --just-print quality-gate": (GATE, "make --just-print quality-gate\n"),
    "make --recon quality-gate": (GATE, "make --recon quality-gate\n"),
    "make -t quality-gate": (GATE, "make -t quality-gate\n"),
    "make --touch quality-gate": (GATE, "make --touch quality-gate\n"),
    "make quality-gate -i": (GATE, "make quality-gate -i\n"),
    "MAKEFLAGS=-i make quality-gate": (GATE, "MAKEFLAGS=-i make quality-gate\n"),
    "MAKEFLAGS=i make quality-gate": (GATE, "MAKEFLAGS=i make quality-gate\n"),
    "MAKEFLAGS=-j2 make quality-gate": (GATE, "MAKEFLAGS=-j2 make quality-gate\n"),
    "export MAKEFLAGS=-i earlier": (GATE, "export MAKEFLAGS=-i\nmake quality-gate\n"),
    "MAKEFLAGS=-n then export": (GATE, "MAKEFLAGS=-n\nexport MAKEFLAGS\nmake quality-gate\n"),
    "make -f /dev/null -f Makefile -i": (GATE, "make -f /dev/null -f Makefile -i quality-gate\n"),
    "make -o -i quality-gate (a file named -i)": (GATE, "make -o -i quality-gate\n"),
    # compliant forms that fail closed
    "set -eu": ("set -euo pipefail\n", "set -eu\n"),
    "gate | tee, PIPESTATUS[0] tested": (
        GATE, GATE.strip() + ' 2>&1 | tee -a /dev/null; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n'),
    "gate | tee without pipefail, PIPESTATUS[0] tested": (
        GATE, "set +o pipefail\n" + GATE.strip()
        + ' 2>&1 | tee -a /dev/null; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n'),
    "set -eu, gate | tee, PIPESTATUS[0] tested": (
        GATE, "set +o pipefail\n" + GATE.strip()
        + ' | tee -a /dev/null\nif [ ${PIPESTATUS[0]} -ne 0 ]; then exit 2; fi\n'),
    "gate | tee without pipefail, PIPESTATUS[0] saved": (
        GATE, "set +o pipefail\n" + GATE.strip()
        + ' | tee -a /dev/null; rc=${PIPESTATUS[0]}; [ "$rc" -eq 0 ] || exit 2\n'),
    "gate | tee without pipefail, PIPESTATUS[1] tested": (
        GATE, "set +o pipefail\n" + GATE.strip()
        + ' | tee -a /dev/null; [ "${PIPESTATUS[1]}" -eq 0 ] || exit 2\n'),
    "gate | tee without pipefail, PIPESTATUS after another command": (
        GATE, "set +o pipefail\n" + GATE.strip()
        + ' | tee -a /dev/null; true; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n'),
    "gate | tee without pipefail, $? tested": (
        GATE, "set +o pipefail\n" + GATE.strip() + ' | tee -a /dev/null; [ $? -eq 0 ] || exit 2\n'),
    **{f"gate | tee, {fail}, {check}": (
        GATE, f"set {fail}\n{GATE.strip()} 2>&1 | tee -a /dev/null\n{test}")
       for fail in ("-o pipefail", "+o pipefail")
       for check, test in (
           ("nothing", ""),
           ("PIPESTATUS[0] tested", '[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n'),
           ("PIPESTATUS tested", '[ "$PIPESTATUS" = 0 ] || exit 2\n'),
           ("PIPESTATUS[0] -ne 0 then exit", "if [ ${PIPESTATUS[0]} -ne 0 ]; then exit 2; fi\n"),
           ("PIPESTATUS[0] saved", 'rc=${PIPESTATUS[0]}\n[ "$rc" -eq 0 ] || exit 2\n'),
           ("PIPESTATUS[0] saved late", 'x=1\nrc=${PIPESTATUS[0]}\n[ "$rc" -eq 0 ] || exit 2\n'),
           ("PIPESTATUS[1] tested", '[ "${PIPESTATUS[1]}" -eq 0 ] || exit 2\n'),
           ("$? tested", "[ $? -eq 0 ] || exit 2\n"),
           ("PIPESTATUS[0] after echo", 'echo ok\n[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2\n'))},
    "bash ops/run.sh": (GATE, "bash " + GATE),
    "/bin/bash ops/run.sh": (GATE, "/bin/bash " + GATE),
    "sh ops/run.sh": (GATE, "sh " + GATE),
}


def _canary_tree(root: Path, c: Contract, text: str) -> None:
    repo = root / "repo"
    (repo / "ops/model_safety").mkdir(parents=True, exist_ok=True)
    (repo / c.canary_script).write_text(text)
    (repo / c.rollback_script).write_text(rollback(c))
    _stub(repo / c.wrapper, '[ "$GATE_OK" = 1 ]\n')
    (root / "etc/quantum").mkdir(parents=True, exist_ok=True)
    (root / "models/archive").mkdir(parents=True, exist_ok=True)
    (root / "log").mkdir(parents=True, exist_ok=True)
    (repo / "Makefile").write_text(f"quality-gate:\n\t{GATE}")
    # the real `date`, each call a second later than the last (from 2026-01-01 00:00:00
    # UTC): two activations never share a second; `-d`/`-r` dates are its own
    _stub(root / "bin/date", f'n=$(cat {root}/date.n 2>/dev/null || echo 0); n=$((n + 1))\n'
          f'echo "$n" > {root}/date.n\n'
          'case " $* " in *" -d"*|*" --date"*|*" -r "*|*" --reference"*) '
          'exec /usr/bin/date "$@" ;; esac\n'
          'exec /usr/bin/date -u -d "@$((1767225600 + n))" "$@"\n')
    _git_history(repo)


def _git_history(repo: Path) -> None:
    """The repository with two commits: HEAD's hash is what the activation log must hold
    (real git: `HEAD~1`, `-C /elsewhere` and `--abbrev-ref` print something else)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "one"],
                 ["commit", "-q", "--allow-empty", "-m", "two"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                       timeout=30)


def _head(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, check=True, timeout=30, env={"PATH": "/usr/bin:/bin"}
                          ).stdout.strip()


def _holds_hash(text: str, full: str) -> bool:
    """HEAD's hash in a log: in full, or abbreviated (`--short`: 7 digits or more)."""
    return any(full.startswith(word) for word in re.findall(r"[0-9a-f]{7,40}", text))


def _controlling_tty() -> None:
    """The pty on stdin is the run's controlling terminal (`/dev/tty` opens it)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _canary_breaks(root: Path, c: Contract) -> list[str]:
    """Runs where bash changes the model setting although the gate failed (a person at a
    terminal types yes)."""
    setting = root / "etc/quantum/ai-engine.env"
    broken: list[str] = []
    for gate_ok in (True, False):
        setting.write_text("ACTIVE_MODEL=old\n")
        master, slave = os.openpty()
        try:
            os.write(master, b"yes\n")
            env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "GATE_OK": "1" if gate_ok else "0"}
            # a retry loop waiting for a gate that keeps failing is killed: nothing done
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(["bash", str(root / "repo" / c.canary_script), "xgb", "v2"],
                               stdin=slave, env=env, cwd=root / "repo", capture_output=True,
                               timeout=3, check=False, start_new_session=True,
                               preexec_fn=_controlling_tty)
        finally:
            os.close(slave)
            os.close(master)
        changed = "ACTIVE_MODEL=xgb" in setting.read_text()
        if gate_ok and not changed:
            broken.append("the gate passed and nothing was activated")  # the oracle's own
        if not gate_ok and changed:
            broken.append("activated although the gate failed")
    return broken


def test_qt604_the_canary_s_shebang_errexit_does_not_count(tmp_path: Path) -> None:
    """A person runs it as `bash canary_activate.sh` (as this oracle does): bash reads no `#!`
    line, so `#!/bin/bash -e` does not stop it when the gate fails."""
    c = _contract(tmp_path)
    gold = canary(c)
    head = ("#!/usr/bin/env bash\n# ops/model_safety/canary_activate.sh <model> <version>: "
            "contract F, by a person at a terminal\nset -euo pipefail\n")
    assert head in gold
    _canary_tree(tmp_path, c, gold.replace(head, "#!/bin/bash -e\nset -uo pipefail\n", 1))
    assert "activated although the gate failed" in _canary_breaks(tmp_path, c)
    found = _findings(tmp_path, c, c.canary_script, "QT604")
    assert any("quality gate's failure does not stop the script" in f for f in found), found


@pytest.mark.parametrize("name", sorted(CANARY_VARIANTS))
def test_qt604_gate_fires_exactly_when_bash_activates_past_a_failed_gate(
        tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    old, new = CANARY_VARIANTS[name]
    gold = canary(c)
    assert old in gold, old
    text = gold.replace(old, new, 1) if old else gold
    _canary_tree(tmp_path, c, text)
    broken = _canary_breaks(tmp_path, c)
    assert "the gate passed and nothing was activated" not in broken, (name, text)
    found = _findings(tmp_path, c, c.canary_script, "QT604")
    assert all("quality gate" in f for f in found), found  # only the gate is varied
    assert bool(found) == bool(broken), (name, broken, found, text)


# the setting written by a path relative to a `cd` (each: the replacements in the golden
# canary, `{env}` the setting's folder); the gate defeated or not
SED = 'sed -i "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" '
DEFEATED = (GATE, GATE.strip() + " || true\n")
CANARY_CWD_VARIANTS: dict[str, list[tuple[str, str]]] = {
    "cd && sed, the gate defeated": [DEFEATED, (SED + "{env}/", "cd {env} && " + SED)],
    "cd then sed, the gate defeated": [DEFEATED, (SED + "{env}/", "cd {env}\n" + SED)],
    "pushd, sed, the gate defeated": [DEFEATED, (SED + "{env}/", "pushd {env}\n" + SED)],
    "cd .. then quantum/, the gate defeated": [
        DEFEATED, (SED + "{env}/", "cd {env}/..\n" + SED + "quantum/")],
    "cd && sed, the gate kept": [(SED + "{env}/", "cd {env} && " + SED)],
    "cd in a subshell, the gate defeated": [
        DEFEATED, (SED + "{env}/", "(cd {env}) || true\n" + SED + "{env}/")],
    # write forms QT601 reads the same way: each with the gate defeated
    "ed, its script piped in, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        "printf '%s\\n' \"/^ACTIVE_MODEL=/s/=.*/=$MODEL/\" w q | ed -s {env}/ai-engine.env")],
    "ed, its script piped in, the gate kept": [(
        SED + "{env}/ai-engine.env",
        "printf '%s\\n' \"/^ACTIVE_MODEL=/s/=.*/=$MODEL/\" w q | ed -s {env}/ai-engine.env")],
    "ex -c s -c wq, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        'ex -s -c "%s/^ACTIVE_MODEL=.*/ACTIVE_MODEL=$MODEL/" -c wq {env}/ai-engine.env')],
    "python3 -c open(p, 'w'), the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        "python3 -c \"import sys; open('{env}/ai-engine.env', 'w').write("
        "'ACTIVE_MODEL=' + sys.argv[1] + '\\n')\" \"$MODEL\"")],
    "an array's elements, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", 'FILES=({env}/ai-engine.env)\n' + SED + '"${FILES[@]}"')],
    "for f in a glob, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", 'for f in {env}/*.env; do ' + SED + '"$f"; done')],
    "echo PATH | xargs sed -i, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", "echo {env}/ai-engine.env | xargs " + SED.strip())],
    "find -exec sed -i {} +, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", "find {env} -name '*.env' -exec " + SED + "{} +")],
    "a function given the path, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", 'setw() { ' + SED + '"$1"; }\nsetw {env}/ai-engine.env')],
    "python3 - <<EOF, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        "python3 - \"$MODEL\" <<'EOF'\nimport sys\nopen('{env}/ai-engine.env', 'w').write("
        "'ACTIVE_MODEL=' + sys.argv[1] + '\\n')\nEOF")],
    "vim -es +s +x, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        'vim -u NONE -es "+%s/^ACTIVE_MODEL=.*/ACTIVE_MODEL=$MODEL/" +x {env}/ai-engine.env')],
    "echo PATH | xargs -I{} sed -i {}, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", "echo {env}/ai-engine.env | xargs -I{} " + SED + "{}")],
    "for f in words, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", "for f in /dev/null/x {env}/ai-engine.env; do\n"
        "    [ -f \"$f\" ] || continue\n    " + SED + '"$f"\ndone')],
    "an array's second element, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env", 'F=(/dev/null/x {env}/ai-engine.env)\n' + SED + '"${F[1]}"')],
    "exec 3> then echo >&3, the gate defeated": [DEFEATED, (
        SED + "{env}/ai-engine.env",
        'exec 3>{env}/ai-engine.env\necho "ACTIVE_MODEL=$MODEL" >&3')],
}


@pytest.mark.parametrize("name", sorted(CANARY_CWD_VARIANTS))
def test_qt604_sees_a_write_relative_to_cd(tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    text = canary(c)
    for old, new in CANARY_CWD_VARIANTS[name]:
        old, new = old.replace("{env}", c.env_dir), new.replace("{env}", c.env_dir)
        assert old in text, old
        text = text.replace(old, new, 1)
    _canary_tree(tmp_path, c, text)
    broken = _canary_breaks(tmp_path, c)
    assert "the gate passed and nothing was activated" not in broken, (name, text)
    found = _findings(tmp_path, c, c.canary_script, "QT604")
    assert all("quality gate" in f for f in found), found
    assert bool(found) == bool(broken), (name, broken, found, text)


# --- the canary (QT604: the terminal, the confirmation, the archive, the git hash) ---------

TERM = '[ -t 0 ] || { echo "canary activation needs a person at a terminal" >&2; exit 1; }\n'
READ = 'read -r -p "Activate $MODEL $VERSION? Type yes: " answer\n'
TTY_READ = READ.replace(" answer\n", " answer </dev/tty\n")
ASK = '[ "$answer" = yes ] || exit 1\n'
ARCH = 'cp -a {env} "{archive}/${STAMP}_${MODEL}_${VERSION}"\n'
WRITE = 'sed -i "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" {env}\n'
LOG = 'echo "$STAMP $MODEL $VERSION git=$(git -C {repo} rev-parse HEAD)" \\\n    >> {log}\n'
HASH = "git -C {repo} rev-parse HEAD"
NEW_V2 = "cp new.pkl {active}/model_v2.pkl\n"
STAMP_LINE = "STAMP=$(date +%Y%m%dT%H%M%S)\n"
STEP_VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "golden": (),
    # the terminal: without one, bash fails `exec </dev/tty` (status 1, it carries on) and a
    # read from /dev/tty (the answer stays empty)
    "exec </dev/tty": ((TERM, "exec </dev/tty\n"),),
    "exec 0</dev/tty": ((TERM, "exec 0</dev/tty\n"),),
    "exec 3</dev/tty": ((TERM, "exec 3</dev/tty\n"),),
    "command exec </dev/tty": ((TERM, "command exec </dev/tty\n"),),
    "exec </dev/tty 2>/dev/null || exit 1": ((TERM, "exec </dev/tty 2>/dev/null || exit 1\n"),),
    "if ! exec </dev/tty; then exit 1; fi": ((TERM, "if ! exec </dev/tty; then exit 1; fi\n"),),
    "exec </dev/tty under set +e": ((TERM, "set +e\nexec </dev/tty\nset -e\n"),),
    "command exec </dev/tty under set +e": ((TERM, "set +e\ncommand exec </dev/tty\nset -e\n"),),
    "exec </dev/tty || true": ((TERM, "exec </dev/tty || true\n"),),
    "exec </dev/tty in a function never called": ((TERM, "t() { exec </dev/tty; }\n"),),
    "exec </dev/tty in a subshell": ((TERM, "( exec </dev/tty )\n"),),
    "no terminal check": ((TERM, ""),),
    # a third hostile review (issue #23)
    "[[ -t 0 ]] after an assignment line": ((TERM, "X=1 Y=2\n[[ -t 0 ]] || exit 1\n"),),
    "[[ -t 0 ]] || { echo; exit 1; }": (
        (TERM, "[[ -t 0 ]] || { echo 'need a terminal' >&2; exit 1; }\n"),),
    "tty >/dev/null || exit 1": ((TERM, "tty >/dev/null || exit 1\n"),),
    "tty -s || exit 1": ((TERM, "tty -s || exit 1\n"),),
    "answer from a here-string": ((READ, "read -r answer <<< yes\n"),),
    "answer from a heredoc": ((READ, "read -r answer <<EOF\nyes\nEOF\n"),),
    "answer from a process substitution": ((READ, "read -r answer < <(echo yes)\n"),),
    "terminal check only warns": ((TERM, "[ -t 0 ] || echo 'no terminal' >&2\n"),),
    "read </dev/tty": ((TERM, ""), (READ, TTY_READ)),
    "read </dev/tty || true": ((TERM, ""), (READ, TTY_READ.replace("\n", " || true\n"))),
    "read </dev/tty under set +e, answer tested": (
        (TERM, ""), (READ, "set +e\n" + TTY_READ + "set -e\n")),
    "read </dev/tty under set +e, answer not tested": (
        (TERM, ""), (READ, "set +e\n" + TTY_READ + "set -e\n"), (ASK, "")),
    "read </dev/tty, case on the answer": (
        (TERM, ""), (READ, TTY_READ), (ASK, 'case "$answer" in yes) ;; *) exit 1 ;; esac\n')),
    "read </dev/tty, answer tested loosely": (
        (TERM, ""), (READ, TTY_READ), (ASK, '[ "$answer" != no ] || exit 1\n')),
    # the archive: a copy of what the write replaces (the file, or a folder holding it)
    "archive of another env file": ((ARCH, ARCH.replace("{env}", "{etc}/backend.env")),),
    "archive into archive/ itself": ((ARCH, "cp {env} {archive}/\n"),),
    "archive through a variable": ((ARCH, "SRC={env}\n" + ARCH.replace("{env}", '"$SRC"')),),
    "archive after the write": ((ARCH, ""), (WRITE, WRITE + ARCH)),
    "active write, model_v1 archived": (
        (ARCH, ARCH.replace("{env}", "{active}/model_v1.pkl")), (WRITE, NEW_V2)),
    "active write, model_v2 archived": (
        (ARCH, ARCH.replace("{env}", "{active}/model_v2.pkl")), (WRITE, NEW_V2)),
    "active write, active folder archived": ((ARCH, ARCH.replace("{env}", "{active}")),
                                             (WRITE, NEW_V2)),
    "active write, active/ archived": ((ARCH, ARCH.replace("{env}", "{active}/")),
                                       (WRITE, NEW_V2)),
    "active write, env archived": ((WRITE, NEW_V2),),
    "active write, old model moved to the archive": (
        (ARCH, ARCH.replace("cp -a {env}", "mv {active}/model_v2.pkl")), (WRITE, NEW_V2)),
    "env and active written, env archived": ((WRITE, WRITE + NEW_V2),),
    "env and active written, both archived": (
        (ARCH, ARCH + ARCH.replace("{env}", "{active}").replace("}\"", "}_active\"")),
        (WRITE, WRITE + NEW_V2)),
    "active write, active tarred with -C": (
        (ARCH, 'tar -czf "{archive}/${STAMP}_${MODEL}_${VERSION}.tgz" -C {models} active\n'),
        (WRITE, NEW_V2)),
    "active write, active tarred": (
        (ARCH, 'tar czf "{archive}/${STAMP}_${MODEL}_${VERSION}.tgz" {active}\n'),
        (WRITE, NEW_V2)),
    "active write, model_v1 tarred": (
        (ARCH, 'tar --create --file="{archive}/${STAMP}.tar" {active}/model_v1.pkl\n'),
        (WRITE, NEW_V2)),
    "active write, env tarred": (
        (ARCH, 'tar -cf "{archive}/${STAMP}.tar" {env}\n'), (WRITE, NEW_V2)),
    "write into the active folder, that file archived": (
        (ARCH, "cp {active}/new.pkl {archive}/\n"), (WRITE, "cp new.pkl {active}/\n")),
    "write into the active folder, env archived": ((WRITE, "cp new.pkl {active}/\n"),),
    "archive from the folder it cds into": (
        (ARCH, 'cd {etc}\ncp ai-engine.env "{archive}/${STAMP}_${MODEL}_${VERSION}"\n'
               "cd {repo}\n"),),
    # the git hash: it must reach the activation log
    "hash to /dev/null": ((LOG, f'{HASH} >/dev/null\necho "$STAMP $MODEL" >> {{log}}\n'),),
    "hash to standard output": ((LOG, f'{HASH}\necho "$STAMP $MODEL" >> {{log}}\n'),),
    "hash to stderr": ((LOG, f'echo "git=$({HASH})" >&2\necho "$STAMP" >> {{log}}\n'),),
    "hash in a variable, logged": (
        (LOG, f'GIT_HASH=$({HASH})\necho "$STAMP git=$GIT_HASH" >> {{log}}\n'),),
    "hash in a variable, never logged": (
        (LOG, f'GIT_HASH=$({HASH})\necho "$STAMP $MODEL" >> {{log}}\n'),),
    "hash appended by git": ((LOG, f"{HASH} >> {{log}}\n"),),
    "git log -1 --format=%H appended": (
        (LOG, "git -C {repo} log -1 --format=%H >> {log}\n"),),
    "hash through tee -a": ((LOG, f'echo "git=$({HASH})" | tee -a {{log}}\n'),),
    "hash through tee to /dev/null only": ((LOG, f'echo "git=$({HASH})" | tee /dev/null\n'),),
    "hash through a log function with tee": (
        (LOG, f'log() {{ echo "[$(date)] $*" | tee -a {{log}}; }}\nlog "git=$({HASH})"\n'),),
    "hash through a log function with tee, no pipefail": (
        ("set -euo pipefail\n", "set -eu\n"),
        (LOG, f'log() {{ echo "[$(date)] $*" | tee -a {{log}}; }}\nlog "git=$({HASH})"\n'),),
    "hash through a log function with >>": (
        (LOG, f'log() {{ echo "$1" >> {{log}}; }}\nlog "git=$({HASH})"\n'),),
    "hash through a function printing it": (
        (LOG, f'say() {{ echo "$*"; }}\nsay "git=$({HASH})"\n'),),
    "hash through a function redirected at the call": (
        (LOG, f'say() {{ echo "$*"; }}\nsay "git=$({HASH})" >> {{log}}\n'),),
    "hash in a group redirected": ((LOG, f'{{ echo "git=$({HASH})"; }} >> {{log}}\n'),),
    "hash after exec >> log": ((LOG, f'exec >> {{log}}\necho "git=$({HASH})"\n'),),
    # a hostile review (rev9b): text that is not HEAD's hash, a log emptied after
    "hash in single quotes": ((LOG, f"echo 'git=$({HASH})' >> {{log}}\n"),),
    "hash of another folder": (
        (LOG, 'echo "git=$(git -C /nonexistent rev-parse HEAD 2>/dev/null)" >> {log}\n'),),
    "hash of HEAD~1": ((LOG, 'echo "git=$(git -C {repo} rev-parse HEAD~1)" >> {log}\n'),),
    "hash of HEAD^{commit}": (
        (LOG, 'echo "git=$(git -C {repo} rev-parse HEAD^{commit})" >> {log}\n'),),
    "hash --short": ((LOG, 'echo "git=$(git -C {repo} rev-parse --short HEAD)" >> {log}\n'),),
    "hash --short=12": (
        (LOG, 'echo "git=$(git -C {repo} rev-parse --short=12 HEAD)" >> {log}\n'),),
    "hash --abbrev-ref": (
        (LOG, 'echo "git=$(git -C {repo} rev-parse --abbrev-ref HEAD)" >> {log}\n'),),
    "hash --verify": ((LOG, 'echo "git=$(git -C {repo} rev-parse --verify HEAD)" >> {log}\n'),),
    "hash || echo unknown": (
        (LOG, 'echo "git=$(git -C {repo} rev-parse HEAD 2>/dev/null || echo unknown)" '
              '>> {log}\n'),),
    "hash in the log, then : > log": ((LOG, LOG + ": > {log}\n"),),
    "hash in the log, then truncate": ((LOG, LOG + "truncate -s 0 {log}\n"),),
    "hash in the log, then rm": ((LOG, LOG + "rm -f {log}\n"),),
    "hash in the log, then cp /dev/null over it": ((LOG, LOG + "cp /dev/null {log}\n"),),
    "hash in the log, then the log rewritten by echo >": (
        (LOG, LOG + 'echo "activated $MODEL" > {log}\n'),),
    "hash in the log, then another log emptied": (
        (LOG, LOG + ": > {log}.other\n"),),
    "hash in the log, emptied, then logged again": (
        (LOG, ": > {log}\n" + LOG),),
    "hash to a file outside the log folder": (
        (LOG, f"{HASH} >> {{repo}}/activation.log\n"),),
    "hash logged by a relative path": ((LOG, f"{HASH} >> activation.log\n"),),
    # the confirmation read from a pipe or a string the script feeds it
    "answer from a pipe into a group": (
        (READ + ASK, 'echo yes | { read -r answer; [ "$answer" = yes ] || exit 1; }\n'),),
    "answer from a here-string into a group": (
        (READ + ASK, '{ read -r answer; [ "$answer" = yes ] || exit 1; } <<< yes\n'),),
    "answer from printf piped to a while loop": (
        (READ + ASK, "printf 'yes\\n' | while read -r answer; do\n"
                     '  [ "$answer" = yes ] || exit 1\ndone\n'),),
    "answer read in a group from the terminal": (
        (READ, '{ read -r answer; } </dev/tty\n'),),
    # the archive copy's name: the next activation must not overwrite it
    "archive under a fixed name": ((ARCH, "cp -a {env} {archive}/ai-engine.env.bak\n"),),
    "archive by cp -t": ((ARCH, "cp -t {archive} {env}\n"),),
    "archive into a stamped folder": (
        (ARCH, 'mkdir -p "{archive}/${STAMP}_${MODEL}_${VERSION}"\n'
               'cp -a {env} "{archive}/${STAMP}_${MODEL}_${VERSION}/"\n'),),
    "archive named by $(date) directly": (
        (ARCH, 'cp -a {env} "{archive}/$(date +%s)_${MODEL}_${VERSION}"\n'),),
    "archive named by the version only": (
        (ARCH, 'cp -a {env} "{archive}/${MODEL}_${VERSION}"\n'),),
    "archive by cat >": ((ARCH, 'cat {env} > "{archive}/${STAMP}_${MODEL}_${VERSION}"\n'),),
    "archive by cat < >": (
        (ARCH, 'cat < {env} > "{archive}/$(date +%s)_${MODEL}_${VERSION}"\n'),),
    "archive by cat > a fixed name": ((ARCH, "cat {env} > {archive}/last.env\n"),),
    "archive tarred under a fixed name": (
        (ARCH, "tar -czf {archive}/last.tgz -C {etc} ai-engine.env\n"),),
    "archive moved into archive/": (
        (ARCH, ""), (WRITE, "mv {active}/model_v2.pkl {archive}/\n" + NEW_V2)),
    # the confirmation from a coprocess: the script answers itself (rev10)
    "answer from a coprocess by <&": (
        (READ, 'coproc Y { echo yes; }\nread -r answer <&"${Y[0]}"\n'),),
    "answer from a coprocess by read -u": (
        (READ, 'coproc Y { echo yes; }\nread -r -u "${Y[0]}" answer\n'),),
    "answer from fd 3 on a pipe by read -u 3": (
        (READ, "exec 3< <(echo yes)\nread -r -u 3 answer\n"),),
    "answer read -u 3 from the terminal": (
        (TERM, ""), (READ, "exec 3</dev/tty\nread -r -u 3 answer\n")),
    "answer read <&3 from the terminal": (
        (TERM, ""), (READ, "exec 3</dev/tty\nread -r answer <&3\n")),
    "answer read <&0": ((READ, "read -r answer <&0\n"),),
    # the archive copy's time stamp: it must change between two runs a second apart (rev10)
    **{f"archive stamp: {stamp}": ((STAMP_LINE, f"STAMP={stamp}\n"),) for stamp in (
        "$(date +%F)", "$(date +%Y)", "$(date -d @0 +%s)", "${STAMP:-20260101}",
        "$(date +%Y%m%d%H%M)", "$(date -I)", "$(date --iso-8601=seconds)",
        "$(date -Iseconds)", "$(date +%s)", "$(date +%s%N)", "$(date +%Y%m%d_%H%M%S)",
        "$(date +%H%M%S)", "$(date -u +%FT%T)", "$(date)", "$(date -R)",
        "$(date --rfc-3339=date)", "$(date --rfc-3339=seconds)", "$(date +%%s)",
        '"${STAMP:-$(date +%s)}"', "$(date +%Y-%m-%d)", "$(date +%c)", "$(date +%T)",
        "$(date -d 2026-01-01 +%s)", "$(date --date=@1767225600 +%Y%m%dT%H%M%S)")},
    **{f"archive stamp in the name: {stamp}": (
        (ARCH, f'cp -a {{env}} "{{archive}}/{stamp}_${{MODEL}}_${{VERSION}}"\n'),)
       for stamp in ("$(date +%F)", "$(date +%s)", "$(date +%Y%m%d)", "$(date +%Y%m%dT%H%M%S)",
                     "$(date -u +%Y-%m-%dT%H:%M:%S)", "$(date +%H%M)", "$(date +%s%3N)",
                     "$(date -d @86400 +%s)", "$(date +%_S)", "`date +%s`", "`date +%F`",
                     "$(date -R)", "$(date -Ihours)", "$(date --iso-8601=ns)")},
    # the answer from a descriptor: the script's (a coprocess, a pipe) or the terminal's
    **{f"answer by {how}": ((TERM, ""), (READ, text)) for how, text in (
        ("coproc and <&", 'coproc Y { echo yes; }\nread -r answer <&"${Y[0]}"\n'),
        ("coproc and -u", 'coproc Y { echo yes; }\nread -r -u "${Y[0]}" answer\n'),
        ("a pipe on fd 4", "exec 4< <(echo yes)\nread -r answer <&4\n"),
        ("the terminal on fd 4", "exec 4</dev/tty\nread -r answer <&4\n"),
        ("the terminal on fd 4, -u", "exec 4</dev/tty\nread -r -u 4 answer\n"),
        ("a file on fd 4", "echo yes > \"$HOME/ans\"\nexec 4< \"$HOME/ans\"\n"
                           "read -r answer <&4\n"))},
    "archive stamp: a literal name in single quotes": (
        (ARCH, "cp -a {env} '{archive}/$(date +%s)_${MODEL}_${VERSION}'\n"),),
    # the hash must stay in the activation log (rev10)
    "hash tee'd to a rotated log": (
        (LOG, f"{HASH} | tee -a {{log}}.1 >/dev/null\n"),),
    "hash tee'd to the log and a rotated one": (
        (LOG, f"{HASH} | tee -a {{log}} {{log}}.1 >/dev/null\n"),),
    "hash in the log, the log removed after the write": ((WRITE, WRITE + "rm -f {log}\n"),),
    "hash in the log, the log moved away after the write": (
        (WRITE, WRITE + "mv {log} {log}.old\n"),),
    "hash in the log, the log moved to another log": (
        (WRITE, WRITE + "mv {log} {logdir}/activations.log\n"),),
    "hash in the log, the log emptied after the write": ((WRITE, WRITE + ": > {log}\n"),),
    "hash in the log, another file removed after the write": (
        (WRITE, WRITE + "rm -f {log}.1\n"),),
}

# every way of checking for a terminal, under every way of handling its failure
TERMINAL_FORMS = ("exec </dev/tty", "exec 0</dev/tty", "command exec </dev/tty",
                  "builtin exec </dev/tty", "exec 3</dev/tty", "[ -t 0 ]", "test -t 0",
                  "[[ -t 0 ]]", "tty -s")
TERMINAL_HANDLING = {
    "alone": "{f}\n",
    "|| exit 1": "{f} || exit 1\n",
    "|| true": "{f} || true\n",
    "under set +e": "set +e\n{f}\nset -e\n",
    "under set +e, || exit 1": "set +e\n{f} || exit 1\nset -e\n",
    "under set +e, $? tested": "set +e\n{f}\nrc=$?\nset -e\n[ $rc -eq 0 ] || exit 1\n",
    "if ! ...; then exit": "if ! {f}; then exit 1; fi\n",
    "if ! ...; then warn": "if ! {f}; then echo 'no terminal' >&2; fi\n",
    "in a function": "t() { {f}; }\nt\n",
    "in a function under ||": "t() { {f}; }\nt || exit 1\n",
    "in a function under || true": "t() { {f}; }\nt || true\n",
}
STEP_VARIANTS.update({
    f"terminal: {form}, {how}": ((TERM, text.replace("{f}", form)),)
    for form in TERMINAL_FORMS for how, text in TERMINAL_HANDLING.items()})
# every way of writing the hash into a line, sent every way (to the log or not)
HASH_SOURCES = {
    "$(git rev-parse HEAD)": ("", "$(git -C {repo} rev-parse HEAD)"),
    "backticks": ("", "`git -C {repo} rev-parse HEAD`"),
    "git log %H": ("", "$(git -C {repo} log -1 --format=%H)"),
    "a variable": ("GIT_HASH=$(git -C {repo} rev-parse HEAD)\n", "$GIT_HASH"),
    "a braced variable": ("GIT_HASH=$(git -C {repo} rev-parse --short HEAD)\n", "${GIT_HASH}"),
    # what prints something else than HEAD's hash, or only part of it
    "HEAD~1": ("", "$(git -C {repo} rev-parse HEAD~1)"),
    "--short": ("", "$(git -C {repo} rev-parse --short HEAD)"),
    "another folder": ("", "$(git -C /nonexistent rev-parse HEAD 2>/dev/null)"),
    "single quotes inside double": ("", "'$(git -C {repo} rev-parse HEAD)'"),
    "a variable in single quotes": ("GIT_HASH=$(git -C {repo} rev-parse HEAD)\n", "'$GIT_HASH'"),
}
HASH_SINKS = {
    ">> log": 'echo "git={h}" >> {log}\n',
    "&>> log": 'echo "git={h}" &>> {log}\n',
    "printf >> log": "printf '%s\\n' \"git={h}\" >> {log}\n",
    "| tee -a log": 'echo "git={h}" | tee -a {log}\n',
    "| tee -a log >/dev/null": 'echo "git={h}" | tee -a {log} >/dev/null\n',
    "| cat >> log": 'echo "git={h}" | cat >> {log}\n',
    "group >> log": '{ echo "start"; echo "git={h}"; } >> {log}\n',
    "function with tee": 'log() { echo "$*" | tee -a {log}; }\nlog "git={h}"\n',
    "function with >> on $1": 'log() { echo "[x] $1" >> {log}; }\nlog "git={h}"\n',
    "function redirected at the call": 'say() { echo "$@"; }\nsay "git={h}" >> {log}\n',
    "after exec >> log": 'exec >> {log}\necho "git={h}"\n',
    "> /dev/null": 'echo "git={h}" >/dev/null\n',
    "stderr": 'echo "git={h}" >&2\n',
    "2>> log": 'echo "git={h}" 2>> {log}\n',
    "stdout": 'echo "git={h}"\n',
    "| tee /dev/stderr": 'echo "git={h}" | tee /dev/stderr\n',
    "function printing it": 'say() { echo "$*"; }\nsay "git={h}"\n',
    "function logging another argument": 'log() { echo "$2" >> {log}; }\nlog "git={h}" done\n',
    "into a variable only": 'LINE="git={h}"\n',
}
STEP_VARIANTS.update({
    f"git hash: {source} {sink}": ((LOG, before + text.replace("{h}", value)),)
    for source, (before, value) in HASH_SOURCES.items() for sink, text in HASH_SINKS.items()
    # `LINE="$(git -C /nonexistent ...)"` has git's status: errexit ends the script there
    if (source, sink) != ("another folder", "into a variable only")})


def _places(root: Path, c: Contract) -> dict[str, str]:
    etc = c.env_dir.rstrip("/")
    return {"env": f"{etc}/ai-engine.env", "etc": etc, "archive": f"{c.model_dir}/archive",
            "active": f"{c.model_dir}/active", "repo": c.repo_root, "models": c.model_dir,
            "log": f"{c.log_dir}/canary_activation.log", "logdir": c.log_dir}


def _placed(text: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        text = text.replace("{" + key + "}", value)
    return text


def _run_canary(root: Path, c: Contract, *, tty: bool, typed: bytes, version: str = "v2"
                ) -> None:
    """One run with the gate passing: at a terminal typing `typed`, or with no terminal
    and `typed` piped in (cron, a unit, `yes |`)."""
    env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "GATE_OK": "1", "HOME": str(root)}
    args = ["bash", str(root / "repo" / c.canary_script), "xgb", version]
    if not tty:
        subprocess.run(args, input=typed, env=env, cwd=root / "repo", capture_output=True,
                       timeout=10, check=False, start_new_session=True)
        return
    master, slave = os.openpty()
    try:
        os.write(master, typed)
        subprocess.run(args, stdin=slave, env=env, cwd=root / "repo", capture_output=True,
                       timeout=10, check=False, start_new_session=True,
                       preexec_fn=_controlling_tty)
    finally:
        os.close(slave)
        os.close(master)


def _model_files(root: Path, c: Contract) -> dict[Path, str]:
    found = {}
    for folder in (Path(c.env_dir), Path(c.model_dir) / "active"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[path] = path.read_text()
    return found


def _reset_models(root: Path, c: Contract) -> None:
    etc, models = Path(c.env_dir), Path(c.model_dir)
    for folder in (etc, models / "active", models / "archive", Path(c.log_dir)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    (etc / "ai-engine.env").write_text("ACTIVE_MODEL=old\n")
    (etc / "backend.env").write_text("BACKEND_MODE=old\n")
    (models / "active/model_v1.pkl").write_text("v1 as it was\n")
    (models / "active/model_v2.pkl").write_text("v2 as it was\n")
    (models / "active/new.pkl").write_text("new.pkl as it was\n")
    (root / "repo/new.pkl").write_text("the new model\n")


def _archived(c: Contract) -> list[str]:
    """What the archive holds: its files, and the files in its tar archives."""
    archived: list[str] = []
    for path in Path(c.model_dir, "archive").rglob("*"):
        if path.is_file() and tarfile.is_tarfile(path):
            with tarfile.open(path) as tar:
                members = [tar.extractfile(m) for m in tar.getmembers() if m.isfile()]
                archived += [m.read().decode() for m in members if m is not None]
        elif path.is_file():
            archived.append(path.read_text())
    return archived


def _step_breaks(root: Path, c: Contract) -> dict[str, list[str]]:
    """What bash does against contract F's steps other than the gate, by step."""
    broken: dict[str, list[str]] = {"terminal": [], "confirmation": [], "archive": [],
                                    "git hash": [], "oracle": []}
    _reset_models(root, c)
    before = _model_files(root, c)
    _run_canary(root, c, tty=True, typed=b"yes\n")
    after = _model_files(root, c)
    changed = [p for p in after if before.get(p) != after[p]]
    if not changed:
        broken["oracle"].append("a person typed yes and nothing was activated")
        return broken
    archived = _archived(c)
    for path in changed:
        if path in before and before[path] not in archived:
            broken["archive"].append(f"{path.name} replaced without its copy in the archive")
    # the activation log: a `.log` file in the log folder (not a rotated `.log.1`, `.old`)
    logs = "".join(p.read_text() for p in Path(c.log_dir).rglob("*.log") if p.is_file())
    if not _holds_hash(logs, _head(root / "repo")):
        broken["git hash"].append("HEAD's hash is not in the activation log")
    # the next activation (another version, a second later) keeps this one's copy
    _run_canary(root, c, tty=True, typed=b"yes\n", version="v3")
    archived = _archived(c)
    for path in changed:
        if path in before and before[path] not in archived:
            broken["archive"].append(f"the next activation overwrote {path.name}'s copy")
    # the same version activated again (after a rollback), a second later: the name's time
    # stamp must tell them apart
    _run_canary(root, c, tty=True, typed=b"yes\n")
    archived = _archived(c)
    for path in changed:
        if path in before and before[path] not in archived:
            broken["archive"].append(f"activating v2 again overwrote {path.name}'s copy")
    for tty, typed, step, why in ((False, b"yes\n", "terminal", "activated without a terminal"),
                                  (True, b"\n", "confirmation", "activated on an empty answer")):
        _reset_models(root, c)
        _run_canary(root, c, tty=tty, typed=typed)
        if _model_files(root, c) != before:
            broken[step].append(why)
    return broken


def _variant_canary(tmp_path: Path, c: Contract, name: str,
                    pairs: tuple[tuple[str, str], ...]) -> str:
    """The golden canary with a variant's replacements, written as the tree's canary."""
    places = _places(tmp_path, c)
    text = canary(c)
    for old, new in pairs:
        old, new = _placed(old, places), _placed(new, places)
        assert old in text, (name, old)
        text = text.replace(old, new, 1)
    _canary_tree(tmp_path, c, text)
    return text


@pytest.mark.parametrize("name", sorted(STEP_VARIANTS))
def test_qt604_steps_fire_exactly_when_bash_skips_them(tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    text = _variant_canary(tmp_path, c, name, STEP_VARIANTS[name])
    broken = _step_breaks(tmp_path, c)
    assert not broken["oracle"], (name, text)
    found = _findings(tmp_path, c, c.canary_script, "QT604")
    assert not [f for f in found if "quality gate" in f], found  # the gate is not varied
    for step, said in (("terminal", "for a terminal"), ("confirmation", "confirmation"),
                       ("archive", "archive"), ("git hash", "git hash")):
        fired = [f for f in found if said in f]
        assert bool(fired) == bool(broken[step]), (name, step, broken[step], found, text)


# --- the rollback (QT607) --------------------------------------------------------------------

RESTART = "systemctl restart quantum-ai-engine.service\n"
_CP = 'cp "$BACKUP" '
REFUSE = '[ -n "$BACKUP" ] && [ -f "$BACKUP" ] || { echo "no backup: refusing" >&2; exit 1; }\n'
# the golden rollback's journal line
# what writes the hash, where its output goes, what reads it for the journal (generated)
JOURNAL_WRITERS = {"echo": 'echo "rollback git=$(git -C {repo} rev-parse HEAD)"',
                   "printf": "printf '%s\\n' \"rollback git=$(git -C {repo} rev-parse HEAD)\"",
                   "git": "git -C {repo} rev-parse HEAD"}
JOURNAL_OUTPUTS = ("", " >/dev/null", " >&2", " 2>&1", " 2>/dev/null", " 1>&2")
JOURNAL_READERS = ("systemd-cat -t quantum-rollback", "logger -t quantum-rollback",
                   "systemd-cat -t quantum-rollback cat", "logger -t quantum-rollback --")
JOURNAL_LINE = ("echo \"rollback to $BACKUP git=$(git -C {repo} rev-parse HEAD)\" \\\n"
                "    | systemd-cat -t quantum-rollback")
# a variant is (old, new), replaced once, or a sequence of such pairs
ROLLBACK_VARIANTS: dict[str, tuple[str, str] | tuple[tuple[str, str], ...]] = {
    "golden": ("", ""),
    "refusal exits 0": (REFUSE, REFUSE.replace("exit 1", "exit 0")),
    "refusal only echoes": (REFUSE, REFUSE.replace("; exit 1", "")),
    "refusal as if ... exit 0": (
        REFUSE, 'if [ -z "$BACKUP" ] || [ ! -f "$BACKUP" ]; then echo none; exit 0; fi\n'),
    "refusal as [ -z ] && exit 0": (REFUSE, '[ -z "$BACKUP" ] && exit 0\n[ -f "$BACKUP" ]\n'),
    "refusal under trap exit 0 EXIT": (REFUSE, "trap 'exit 0' EXIT\n" + REFUSE),
    "refusal by errexit under trap exit 0 ERR": (
        REFUSE, "trap 'exit 0' ERR\n[ -f \"$BACKUP\" ]\n"),
    "refusal by errexit": (REFUSE, '[ -f "$BACKUP" ]\n'),
    "refusal in a function exiting 0": (
        REFUSE, 'none() { echo none; exit 0; }\n[ -f "$BACKUP" ] || none\n'),
    "refusal in a function exiting 1": (
        REFUSE, 'none() { echo none; exit 1; }\n[ -f "$BACKUP" ] || none\n'),
    "refusal in a subshell": (REFUSE, '( [ -f "$BACKUP" ] || exit 1 )\n'),
    "refusal in a subshell, status kept": (REFUSE, '( [ -f "$BACKUP" ] || exit 1 ) || exit 1\n'),
    "refusal in $(...)": (REFUSE, 'x=$([ -f "$BACKUP" ] || exit 1)\n'),
    "refusal by a bare exit": (REFUSE, REFUSE.replace("exit 1", "exit")),
    "refusal by exit $?": (REFUSE, '[ -f "$BACKUP" ] || exit $?\n'),
    "refusal with an ERR trap that aborts": (
        REFUSE, "set +e\ntrap 'exit 3' ERR\n[ -f \"$BACKUP\" ]\nset -e\n"),
    "restart backgrounded": (RESTART, RESTART.strip() + " &\n"),
    "restart --no-block": (RESTART, RESTART.replace("restart ", "--no-block restart ")),
    "restart of another unit": (RESTART, RESTART.replace("ai-engine", "backend")),
    "restart || true": (RESTART, RESTART.strip() + " || true\n"),
    "restart || true via a function": (
        RESTART, 'soft() { "$@" || true; }\nsoft ' + RESTART),
    "restart through a function": (RESTART, 'must() { "$@"; }\nmust ' + RESTART),
    "restart in a subshell with set +e": (RESTART, "( set +e; " + RESTART.strip() + " )\n"),
    "restart of a oneshot unit": (
        RESTART, "systemctl start quantum-model-rollback.service\n"),
    "start of the service itself": (RESTART, RESTART.replace("restart", "start")),
    "try-restart": (RESTART, RESTART.replace("restart", "try-restart")),
    "reload-or-restart": (RESTART, RESTART.replace("restart", "reload-or-restart")),
    "restart of the service and a oneshot": (
        RESTART, RESTART + "systemctl start quantum-model-rollback-notify.service\n"),
    "backup from $1 with a default": (
        REFUSE, 'BACKUP="${1:-$BACKUP}"\n' + REFUSE),
    "backup from $1": (REFUSE, 'BACKUP="$1"\n' + REFUSE),
    # the restart after the restore (the service comes back with the setting restored)
    "restart before the restore": ((RESTART, ""), (_CP, RESTART + _CP)),
    "oneshot started before the restore": (
        (RESTART, ""), (_CP, "systemctl start quantum-model-rollback.service\n" + _CP)),
    "restart before the restore through a function": (
        (RESTART, ""), (_CP, "up() { " + RESTART.strip() + "; }\nup\n" + _CP)),
    "restart before and after the restore": ((_CP, RESTART + _CP),),
    "restart in a function defined before the restore, called after": (
        (RESTART, "up\n"), (_CP, "up() { " + RESTART.strip() + "; }\n" + _CP)),
    # the restore's source: the backup the script found, not a path from outside
    "backup from the environment, the archive's as default": (
        ("BACKUP=$(ls", "LATEST=$(ls"), (REFUSE, 'BACKUP="${BACKUP:-$LATEST}"\n' + REFUSE)),
    "backup from the environment in the copy": (
        ("BACKUP=$(ls", "LATEST=$(ls"),
        (REFUSE, REFUSE.replace('"$BACKUP"', '"${BACKUP:-$LATEST}"')),
        (_CP, _CP.replace('"$BACKUP"', '"${BACKUP:-$LATEST}"'))),
    "backup from the environment around the search": (
        ("BACKUP=$(", "BACKUP=${BACKUP:-$("), ("|| true)\n", "|| true)}\n")),
    "default on the script's own backup": ((_CP, _CP.replace('"$BACKUP"', '"${BACKUP:-x}"')),),
    "backup read from standard input": (
        ("BACKUP=$(ls", "LATEST=$(ls"), (REFUSE, "read -r BACKUP || true\n" + REFUSE)),
    "backup path read from standard input": (
        (REFUSE, 'read -r path || true\n' + REFUSE.replace("$BACKUP", "$path")),
        (_CP, _CP.replace("$BACKUP", "$path"))),
    "an answer read from standard input": ((REFUSE, "read -r answer || true\n" + REFUSE),),
    "backup from the environment with :=": (
        ("BACKUP=$(ls", "LATEST=$(ls"), (REFUSE, ': "${BACKUP:=$LATEST}"\n' + REFUSE)),
    "backup from the environment with - (set or empty)": (
        ("BACKUP=$(ls", "LATEST=$(ls"), (REFUSE, 'BACKUP="${BACKUP-$LATEST}"\n' + REFUSE)),
    "backup from the environment never set by the script": (("BACKUP=$(ls", "LATEST=$(ls"),),
    "backup from the environment, the script's own search in a function": (
        ("BACKUP=$(ls", "find_backup() { BACKUP=$(ls"),
        ("|| true)\n", "|| true); }\nfind_backup\n")),
    "backup in a loop over the archive": (
        ("BACKUP=$(ls", "for BACKUP in $(ls"),
        ("|| true)\n", "|| true); do break; done\n")),
    "backup from the environment, overwritten by the search": (
        ("BACKUP=$(ls", 'BACKUP="${BACKUP:-}"\nBACKUP=$(ls'),),
    "restore by install, the mode after the operands": (
        ('cp "$BACKUP" ', 'install "$BACKUP" -m 0640 '),),
    "restore by install -m 0640": (('cp "$BACKUP" ', 'install -m 0640 "$BACKUP" '),),
    # which backup: the newest (the setting the last activation replaced), as the listing
    # runs (a hostile review, rev9b)
    **{f"backup by {listing}": (("ls -t {archive}/* 2>/dev/null | head -n 1", listing),)
       for listing in (
           "ls -tr {archive}/* | head -1", "ls {archive}/* | sort | head -1",
           "ls -t {archive}/* | tail -n 1", "ls {archive}/* | head -n1",
           "ls -r {archive}/* | tail -1", "ls {archive}/* | sort -r | tail -1",
           "ls -t {archive}/* | tac | head -1",
           "ls {archive}/* | sort | tail -1", "ls -tr {archive}/* | tail -1",
           "ls -r {archive}/* | head -1", "ls -1 {archive}/* | tail -n 1",
           "ls {archive}/* | sort -r | head -n 1", "ls -rt {archive}/* | tac | head -1",
           "find {archive} -type f -printf '%T@ %p\\n' | sort -n | tail -1 | cut -d' ' -f2",
           "find {archive} -type f -printf '%T@ %p\\n' | sort -n | head -1 | cut -d' ' -f2",
           "find {archive} -type f | sort | tail -n 1",
           "find {archive} -type f | sort | head -n 1")},
    # a listing read as list operations on a sorted list, stage by stage: which element
    # comes out (a hostile review, rev10: the oldest, or the middle one of three)
    **{f"backup by {listing}": (("ls -t {archive}/* 2>/dev/null | head -n 1", listing),)
       for listing in (
           "printf '%s\\n' {archive}/* | head -1", "printf '%s\\n' {archive}/* | tail -1",
           "ls {archive}/* | sort | sed -n 1p", "ls {archive}/* | sort | sed -n '$p'",
           "ls -t {archive}/* | sed -n '$p'", "ls -t {archive}/* | sed -n 1p",
           "ls -t {archive}/* | sed 1q", "ls -t {archive}/* | sed -n 2p",
           "ls {archive}/* | sort | awk 'NR==1'", "ls -t {archive}/* | awk 'NR==1'",
           "ls -t {archive}/* | awk 'NR==2'", "ls {archive}/* | awk 'END {print}'",
           "ls -t {archive}/* | head -2 | tail -1", "ls -t {archive}/* | tail -n +2 | head -1",
           "ls {archive}/* | tail -2 | head -1", "ls -t {archive}/* | head -n 2 | head -n 1",
           "ls -t {archive}/* | sed -n '1,2p' | tail -1",
           "ls -t {archive}/* | tail -n +1 | head -1",
           "ls {archive}/* | head -n -1 | tail -1", "ls {archive}/* | sort -r | sed -n 1p",
           "ls -t {archive}/* | grep -m1 .", "ls {archive}/* | grep -m 1 .",
           "ls {archive}/* | tac | sed -n 1p", "ls -t {archive}/* | sed -n 1p | tail -1")},
    # every listing by every selection, as generated pairs: bash decides which comes out
    **{f"backup by {source} | {pick}": (
        ("ls -t {archive}/* 2>/dev/null | head -n 1", f"{source} | {pick}"),)
       for source in ("ls {archive}/*", "ls -t {archive}/*", "ls -r {archive}/*",
                      "ls -tr {archive}/*", "printf '%s\\n' {archive}/* | sort -r",
                      "ls {archive}/* | sort", "find {archive} -type f | sort -r")
       for pick in ("head -1", "tail -1", "sed -n 1p", "sed -n '$p'", "awk 'NR==1'",
                    "awk 'END {print}'", "head -2 | tail -1", "tail -n +2 | head -1",
                    "tac | head -1", "grep -m1 .", "sed 1q", "tail -2 | head -n 1")},
    # an array of the glob, sorted by name: its last element is the newest (rev10)
    **{f"backup by the glob: {how}": (
        ("BACKUP=$(ls -t {archive}/* 2>/dev/null | head -n 1 || true)", text),)
       for how, text in (
           ("the last element of an array", "BK=({archive}/*); BACKUP=${BK[-1]}"),
           ("the first element of an array", "BK=({archive}/*); BACKUP=${BK[0]}"),
           ("the second element of an array", "BK=({archive}/*); BACKUP=${BK[1]}"),
           ("the element at the count less one",
            "BK=({archive}/*); BACKUP=${BK[${#BK[@]}-1]}"),
           ("a for loop broken at once", "for BACKUP in {archive}/*; do break; done"),
           ("a for loop run through", "for BACKUP in {archive}/*; do :; done"),
           ("a for loop assigning, broken", "for f in {archive}/*; do BACKUP=$f; break; done"),
           ("a for loop assigning", "for f in {archive}/*; do BACKUP=$f; done"))},
    # the git hash: to the journal or a log, not elsewhere
    "hash to /dev/null, the journal told without it": (
        ("echo \"rollback to $BACKUP git=$(git", "git -C {repo} rev-parse HEAD >/dev/null\n"
         "echo \"rollback to $BACKUP git=$(: "),),
    "hash in single quotes to the journal": (
        ("echo \"rollback to $BACKUP git=$(git -C {repo} rev-parse HEAD)\"",
         "echo 'rollback git=$(git rev-parse HEAD)'"),),
    "hash to stderr only": (
        ("echo \"rollback to $BACKUP git=$(git", 'echo "$(git -C {repo} rev-parse HEAD)" >&2\n'
         "echo \"rollback to $BACKUP git=$(: "),),
    "hash through logger": (
        ("echo \"rollback to $BACKUP git=$(git -C {repo} rev-parse HEAD)\" \\\n"
         "    | systemd-cat -t quantum-rollback",
         'logger -t quantum-rollback "rollback to $BACKUP git=$(git -C {repo} rev-parse '
         'HEAD)"'),),
    "hash in a variable to the journal": (
        ("echo \"rollback to $BACKUP git=$(git", "HASH=$(git -C {repo} rev-parse HEAD)\n"
         "echo \"rollback to $BACKUP git=$HASH $(: "),),
    "hash to a log, the journal told without it": (
        ("echo \"rollback to $BACKUP git=$(git", "git -C {repo} rev-parse HEAD >> {log}\n"
         "echo \"rollback to $BACKUP git=$(: "),),
    **{f"journal: {writer}{out} | {reader}": (
        (JOURNAL_LINE, f"{JOURNAL_WRITERS[writer]}{out} | {reader}"),)
       for writer in JOURNAL_WRITERS for out in JOURNAL_OUTPUTS for reader in JOURNAL_READERS},
    # which stream reaches the journal (rev10): what systemd-cat and logger are given
    **{f"journal: {how}": ((JOURNAL_LINE, text),) for how, text in (
        ("> /dev/null |", 'echo "rollback git=$(git -C {repo} rev-parse HEAD)" > /dev/null '
                          "| systemd-cat -t quantum-rollback"),
        (">&2 |", 'echo "rollback git=$(git -C {repo} rev-parse HEAD)" >&2 '
                  "| systemd-cat -t quantum-rollback"),
        ("2>&1 |", 'echo "rollback git=$(git -C {repo} rev-parse HEAD)" 2>&1 '
                   "| systemd-cat -t quantum-rollback"),
        ("systemd-cat true <<<", 'systemd-cat -t quantum-rollback true <<< '
                                 '"rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("systemd-cat <<<", 'systemd-cat -t quantum-rollback <<< '
                            '"rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("systemd-cat echo", 'systemd-cat -t quantum-rollback echo '
                             '"rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("systemd-cat git", "systemd-cat -t quantum-rollback git -C {repo} rev-parse HEAD"),
        ("systemd-cat --identifier= echo", 'systemd-cat --identifier=quantum-rollback echo '
                                           '"rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("logger", 'logger -t quantum-rollback "rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("logger --no-act", 'logger --no-act -t quantum-rollback '
                            '"rollback git=$(git -C {repo} rev-parse HEAD)"'),
        ("logger without the hash, the file log with it",
         'echo "git=$(git -C {repo} rev-parse HEAD)" >> {log}\n'
         'logger -t quantum-rollback "rollback done, see {log}"'),
        ("| logger", 'echo "rollback git=$(git -C {repo} rev-parse HEAD)" '
                     "| logger -t quantum-rollback"),
        ("${HASH:-} never set", 'echo "rollback ${HASH:-}" | systemd-cat -t quantum-rollback'),
        ("${HASH:-} set", 'HASH=$(git -C {repo} rev-parse HEAD)\n'
                          'echo "rollback ${HASH:-}" | systemd-cat -t quantum-rollback'),
    )},
}
ROLLBACK_OUTCOMES = list(itertools.product((True, False), repeat=2))  # backup, restart ok


def _rollback_tree(root: Path, c: Contract, text: str) -> None:
    repo = root / "repo"
    (repo / "ops/model_safety").mkdir(parents=True, exist_ok=True)
    (repo / c.rollback_script).write_text(text)
    (root / "etc/quantum").mkdir(parents=True, exist_ok=True)
    (root / "models/archive").mkdir(parents=True, exist_ok=True)
    log = root / "calls.log"
    _stub(root / "bin/git", f'echo "git $*" >> {log}\necho 0123abcd\n')
    # the journal keeps what it is sent: systemd-cat's input, logger's message (or input)
    journal = root / "journal.log"
    # (systemd-cat(1): a command given runs, its output is logged and standard input is
    # left alone; logger(1): the message given, else standard input; `--no-act` logs none)
    _stub(root / "bin/systemd-cat", 'while [ $# -gt 0 ]; do case "$1" in '
          '-t|-p|--identifier|--priority|--stderr-priority|--level-prefix) shift 2 ;; '
          '-*) shift ;; *) break ;; esac; done\n'
          f'if [ $# -gt 0 ]; then "$@" >> {journal} 2>&1; else cat >> {journal}; fi\n'
          f'echo "journal" >> {log}\n')
    _stub(root / "bin/logger", 'act=1\nwhile [ $# -gt 0 ]; do case "$1" in -t|-p) shift 2 ;; '
          '--no-act) act=0; shift ;; --) shift; break ;; -*) shift ;; *) break ;; esac; done\n'
          f'if [ $act = 0 ]; then cat >/dev/null; elif [ $# -gt 0 ]; then echo "$*" >> {journal}; '
          f'else cat >> {journal}; fi\n'
          f'echo "journal" >> {log}\n')
    _stub(root / "bin/cp", f'echo "cp $*" >> {log}\nexec /bin/cp "$@"\n')
    # each restart logs the setting the service comes back with
    setting = root / "etc/quantum/ai-engine.env"
    _stub(root / "bin/systemctl", f'[ "$RESTART_OK" = 1 ] || exit 1\n'
          f'case " $* " in *" --no-block "*) exit 0 ;; esac\n'
          f'echo "systemctl $* with $(cat {setting})" >> {log}\n')
    (root / "decoy.env").write_text("ACTIVE_MODEL=decoy\n")
    (root / "log").mkdir(exist_ok=True)


def _rollback_breaks(root: Path, c: Contract) -> list[str]:
    setting = root / "etc/quantum/ai-engine.env"
    backup = root / "models/archive/20260101T000000_xgb_v1"
    # an earlier backup (by name and by time): the last activation's is the newest
    earlier = root / "models/archive/20250101T000000_xgb_v0"
    middle = root / "models/archive/20250601T000000_xgb_v05"
    log = root / "calls.log"
    journal = root / "journal.log"
    broken: list[str] = []
    for has_backup, restart_ok in ROLLBACK_OUTCOMES:
        setting.write_text("ACTIVE_MODEL=new\n")
        log.write_text("")
        journal.write_text("")
        for kept in Path(c.log_dir).rglob("*"):  # the last run's logs prove nothing
            if kept.is_file():
                kept.unlink()
        if has_backup:
            earlier.write_text("ACTIVE_MODEL=older\n")
            os.utime(earlier, (1_700_000_000, 1_700_000_000))
            middle.write_text("ACTIVE_MODEL=middle\n")
            os.utime(middle, (1_720_000_000, 1_720_000_000))
            backup.write_text("ACTIVE_MODEL=old\n")
        else:
            backup.unlink(missing_ok=True)
            earlier.unlink(missing_ok=True)
            middle.unlink(missing_ok=True)
        # a caller that names another file, in the environment and on standard input:
        # what is restored must still be the newest backup the script finds
        decoy = str(root / "decoy.env")
        env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "RESTART_OK": "1" if restart_ok else "0",
               "BACKUP": decoy}
        done = subprocess.run(["bash", str(root / "repo" / c.rollback_script), str(setting)],
                              env=env, cwd=root / "repo", capture_output=True, timeout=30,
                              check=False, input=(decoy + "\n").encode())
        restored = setting.read_text() == "ACTIVE_MODEL=old\n"
        for _ in range(20):  # a backgrounded restart may log after the script ended
            calls = log.read_text()
            if "systemctl" in calls or not restart_ok or not has_backup:
                break
            time.sleep(0.05)
        if not has_backup:
            if done.returncode == 0:
                broken.append("exit 0 without a backup")
            if "cp " in calls:  # the refusal is the test's: no restore is tried
                broken.append("tried to restore without a backup")
            continue
        if done.returncode != 0:
            if restart_ok:
                broken.append("failed with a backup and a working restart")  # the oracle's own
            continue
        if not restored:
            broken.append("exit 0 and the previous setting is not restored")
        restarts = [line for line in calls.splitlines()
                    if " restart quantum-ai-engine" in line or
                    "start quantum-model-rollback" in line]
        if not restart_ok or not restarts:
            broken.append("exit 0 without the service restarted")
        elif not restarts[-1].endswith("with ACTIVE_MODEL=old"):
            broken.append("exit 0 and the service restarted before the restore")
        # the journal must hear of the rollback (an entry in it), and the git hash must
        # be logged: in the journal or in a log under the log folder (contract I: "Git
        # hash logged for audit" and "Notify via journal" are two duties)
        if "journal" not in calls or not journal.read_text().strip():
            broken.append("exit 0 without the journal notified")
        logs = [f.read_text(errors="replace") for f in Path(c.log_dir).rglob("*")
                if f.is_file()]
        if "0123abcd" not in journal.read_text() and not any("0123abcd" in t for t in logs):
            broken.append("exit 0 without the git hash logged")
    return broken


@pytest.mark.parametrize("name", sorted(ROLLBACK_VARIANTS))
def test_qt607_fires_exactly_when_bash_breaks_the_rollback_protocol(
        tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    variant = ROLLBACK_VARIANTS[name]
    pairs = variant if isinstance(variant[0], tuple) else (variant,)
    text = rollback(c)
    places = {"{archive}": f"{c.model_dir}/archive", "{repo}": c.repo_root,
              "{log}": f"{c.log_dir}/rollback.log"}
    for key, value in places.items():
        pairs = tuple((old.replace(key, value), new.replace(key, value)) for old, new in pairs)
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1) if old else text
    _rollback_tree(tmp_path, c, text)
    found = _findings(tmp_path, c, c.rollback_script, "QT607")
    if "$1" in name:
        # a decision, not bash's: what is restored is the newest backup (the setting the
        # last activation replaced), never a file the caller names
        assert any("a path its caller names" in f for f in found), found
        return
    broken = _rollback_breaks(tmp_path, c)
    assert "failed with a backup and a working restart" not in broken, (name, broken, text)
    assert bool(found) == bool(broken), (name, broken, found, text)
    if "environment" in name and broken:
        assert any("is the caller's `BACKUP` when the environment sets it" in f
                   for f in found), found
    if "backup" in name and "read from standard input" in name:
        assert any("is a path `read` takes from standard input at line 5" in f
                   for f in found), found
    if name.startswith("backup by") and broken:
        assert any(re.search(r"what it restores is (?:the oldest|the second newest|not the "
                             r"newest) backup", f) for f in found), found
    assert not any("`$p`" in f for f in found), found  # sed's `$p`: no variable
    if "before the restore" in name and broken:
        assert any(", before the restore: it comes back with the model being rolled back"
                   in f for f in found), found


# the venv python itself (a real CPython venv): `exec -a NAME` and python's own `-`/`-c`
# run something other than the script in the venv
REAL_PYTHON_VARIANTS: dict[str, tuple[str, bool]] = {
    "exec the venv python": (EXEC, True),
    "exec -a qt-job": ('exec -a qt-job "$VENV/bin/python" "$SCRIPT" "$@"\n', False),
    "exec -c -a qt-job": ('exec -c -a qt-job "$VENV/bin/python" "$SCRIPT" "$@"\n', False),
    "python - with a heredoc": ('exec "$VENV/bin/python" - "$@" <<PY\nprint("inline")\nPY\n',
                                False),
    "python -c": ('exec "$VENV/bin/python" -c "print(1)" "$SCRIPT" "$@"\n', False),
    "python -u -B": ('exec "$VENV/bin/python" -u -B "$SCRIPT" "$@"\n', True),
    "python -W error": ('exec "$VENV/bin/python" -W error "$SCRIPT" "$@"\n', True),
    # an array's slice: the python and the script, or the python alone (it reads stdin)
    "exec of a slice with the script": (
        'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:0:2}"\n', True),
    "exec of a slice without the script": (
        'cmd=("$VENV/bin/python" "$SCRIPT" "$@")\nexec "${cmd[@]:0:1}"\n', False),
    "python with no script": ('exec "$VENV/bin/python" -u\n', False),
}


@pytest.mark.parametrize("name", sorted(REAL_PYTHON_VARIANTS))
def test_qt608_duty_8_as_cpython_runs_the_venv(tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    line, expected = REAL_PYTHON_VARIANTS[name]
    text = wrapper(c).replace(EXEC, line, 1)
    _wrapper_tree(tmp_path, c, text)
    venv = Path(c.venv_root) / "ai-engine"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    Path(c.db_path).write_text("x")
    mark = tmp_path / "job.out"
    (tmp_path / "repo" / "job.py").write_text(
        f"import sys\nopen({str(mark)!r}, 'w').write(sys.prefix)\n")
    script = tmp_path / "repo" / c.wrapper
    script.chmod(0o755)
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "REDIS_OK": "1"}
    subprocess.run([str(script), "ai-engine", "job.py"], env=env, cwd=tmp_path / "repo",
                   capture_output=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    in_venv = mark.exists() and Path(mark.read_text()).resolve() == venv.resolve()
    assert in_venv == expected, (name, mark.read_text() if mark.exists() else None)
    found = _findings(tmp_path, c, c.wrapper, "QT608")
    assert bool(found) == (not in_venv), (name, found)


# --- the canary's traps (QT604): a trap's action runs at every exit after the `trap` ------

_SETTING = 'sed -i "s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|" {env}'
_TRAPPED = "'" + _SETTING + "'"
CANARY_TRAP_VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "golden": (),
    "trap write EXIT before the terminal check": ((TERM, f"trap {_TRAPPED} EXIT\n" + TERM),),
    "trap -- write 0 before the terminal check": ((TERM, f"trap -- {_TRAPPED} 0\n" + TERM),),
    "trap write EXIT INT TERM before the gate": (
        (GATE, f"trap {_TRAPPED} EXIT INT TERM\n" + GATE),),
    "trap write ERR before the gate": ((GATE, f"trap {_TRAPPED} ERR\n" + GATE),),
    "trap write ERR under set -E in a function": (
        (GATE, f"set -E\ntrap {_TRAPPED} ERR\ng() {{ {GATE.strip()}; }}\ng\n"),),
    "trap write ERR in a function without set -E": (
        (GATE, f"trap {_TRAPPED} ERR\ng() {{ {GATE.strip()}; true; }}\ng\n"),),
    "trap write EXIT reset before the gate": (
        (GATE, f"trap {_TRAPPED} EXIT\ntrap - EXIT\n" + GATE),),
    "trap write EXIT replaced before the gate": (
        (GATE, f"trap {_TRAPPED} EXIT\ntrap 'rm -f /tmp/qt-none' EXIT\n" + GATE),),
    "trap a function that writes on EXIT": (
        (TERM, f"activate() {{ {_SETTING}; }}\ntrap activate EXIT\n" + TERM),),
    "trap set in a function called": (
        (TERM, f"arm() {{ trap {_TRAPPED} EXIT; }}\narm\n" + TERM),),
    "trap set in a function never called": ((TERM, f"arm() {{ trap {_TRAPPED} EXIT; }}\n" + TERM),),
    "trap write EXIT in a subshell": ((TERM, f"( trap {_TRAPPED} EXIT; true )\n" + TERM),),
    "trap write EXIT after the gate": ((READ, f"trap {_TRAPPED} EXIT\n" + READ),),
    "trap write EXIT after the confirmation": ((ASK, ASK + f"trap {_TRAPPED} EXIT\n"),),
    "trap write EXIT after the log": ((WRITE, f"trap {_TRAPPED} EXIT\n" + WRITE),),
    # the action as bash runs it: double quotes, set in a loop or a branch, never run
    "trap write in double quotes EXIT": (
        (TERM, 'trap "sed -i \'s|^ACTIVE_MODEL=.*|ACTIVE_MODEL=$MODEL|\' {env}" EXIT\n' + TERM),),
    "trap write EXIT set in a for loop": (
        (TERM, f"for s in EXIT; do trap {_TRAPPED} \"$s\"; done\n" + TERM),),
    "trap write EXIT set in an if": (
        (TERM, f"if [ -n \"$MODEL\" ]; then trap {_TRAPPED} EXIT; fi\n" + TERM),),
    "trap write on INT only": ((TERM, f"trap {_TRAPPED} INT\n" + TERM),),
    "trap write EXIT then exec at the end": (
        (TERM, f"trap {_TRAPPED} EXIT\n" + TERM), (WRITE, WRITE + "exec true\n")),
    "trap write EXIT, the action exits 0": (
        (TERM, "trap '" + _SETTING + "; exit 0' EXIT\n" + TERM),),
    "trap write EXIT in the subshell of the gate": (
        (GATE, f"( trap {_TRAPPED} EXIT; {GATE.strip()} )\n"),),
}


def _trap_run(root: Path, c: Contract, *, gate: bool, tty: bool, typed: bytes) -> None:
    env = {"PATH": f"{root / 'bin'}:/usr/bin:/bin", "GATE_OK": "1" if gate else "0",
           "HOME": str(root)}
    args = ["bash", str(root / "repo" / c.canary_script), "xgb", "v2"]
    if not tty:
        subprocess.run(args, input=typed, env=env, cwd=root / "repo", capture_output=True,
                       timeout=10, check=False, start_new_session=True)
        return
    master, slave = os.openpty()
    try:
        os.write(master, typed)
        subprocess.run(args, stdin=slave, env=env, cwd=root / "repo", capture_output=True,
                       timeout=10, check=False, start_new_session=True,
                       preexec_fn=_controlling_tty)
    finally:
        os.close(slave)
        os.close(master)


def _trap_breaks(root: Path, c: Contract) -> dict[str, list[str]]:
    """Every run (the gate passing or failing, a terminal or not, yes, an empty answer or
    end of input (^D); and one whose archive copy fails): where the setting changed,
    which of contract F's steps did not hold on that run."""
    broken: dict[str, list[str]] = {"gate": [], "terminal": [], "confirmation": [],
                                    "archive": [], "git hash": []}
    activated = False
    runs = [(*r, True) for r in itertools.product((True, False), (True, False),
                                                  (b"yes\n", b"\n", b"\x04"))]
    for gate, tty, typed, archive in [*runs, (True, True, b"yes\n", False)]:
        _reset_models(root, c)
        if not archive:  # the copy into the archive fails (errexit ends the script there)
            shutil.rmtree(Path(c.model_dir, "archive"))
        before = _model_files(root, c)
        _run = (gate, tty, typed, archive)
        _trap_run(root, c, gate=gate, tty=tty, typed=typed)
        after = _model_files(root, c)
        changed = [p for p in after if before.get(p) != after[p]]
        if not changed:
            continue
        activated = activated or _run == (True, True, b"yes\n", True)
        if not gate:
            broken["gate"].append(f"activated with the gate failing {_run}")
        if not tty:
            broken["terminal"].append(f"activated without a terminal {_run}")
        if typed != b"yes\n":
            broken["confirmation"].append(f"activated on an empty answer {_run}")
        archived = _archived(c)
        if any(p in before and before[p] not in archived for p in changed):
            broken["archive"].append(f"replaced without its copy in the archive {_run}")
        logs = "".join(p.read_text() for p in Path(c.log_dir).rglob("*") if p.is_file())
        if not _holds_hash(logs, _head(root / "repo")):
            broken["git hash"].append(f"HEAD's hash is not in the activation log {_run}")
    assert activated, "a person typed yes at a terminal, the gate passed: nothing activated"
    return broken


@pytest.mark.parametrize("name", sorted(CANARY_TRAP_VARIANTS))
def test_qt604_a_trap_s_write_counts_where_bash_runs_it(tmp_path: Path, name: str) -> None:
    c = _contract(tmp_path)
    text = _variant_canary(tmp_path, c, name, CANARY_TRAP_VARIANTS[name])
    broken = _trap_breaks(tmp_path, c)
    found = _findings(tmp_path, c, c.canary_script, "QT604")
    for step, said in (("gate", "quality gate"), ("terminal", "for a terminal"),
                       ("confirmation", "confirmation"), ("archive", "archive"),
                       ("git hash", "git hash")):
        fired = [f for f in found if said in f]
        assert bool(fired) == bool(broken[step]), (name, step, broken[step], found, text)
    if any(broken.values()):
        assert any(" trap set at line " in f for f in found), found
