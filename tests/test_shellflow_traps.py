"""The shell flow's reading of traps against bash itself: generated scripts set a trap
whose action runs a `write` (EXIT, `0`, `--`, EXIT with signals, ERR, a function as the
action, an action that exits 0), before or after a `check` whose failure stops the script
or not, then reset, replace, scope it (a subshell, a function called or not). Bash runs
each with the check passing and failing, every program a stub that logs; the flow must
say that a `write` runs without the check's success (its facts lack the check's) exactly
when bash runs one with the check failing.

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs every script."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from qt_lint.shellflow import EMPTY, Facts, Step, analyse

if shutil.which("bash") is None:  # pragma: no cover - the oracle is required
    pytest.fail("bash is needed as the oracle of the shell flow")

SETS = ["set -e\n", "", "set -eE\n"]
TRAPS = {
    "exit": "trap 'write' EXIT\n",
    "zero": "trap 'write' 0\n",
    "dashes": "trap -- 'write' EXIT\n",
    "signals": "trap 'write' EXIT INT TERM\n",
    "err": "trap 'write' ERR\n",
    "function": "w() { write; }\ntrap w EXIT\n",
    "exits 0": "trap 'write; exit 0' EXIT\n",
    "on INT": "trap 'write' INT\n",
    "trap in the action": "trap 'trap - EXIT; write; trap \"exit 0\" EXIT' EXIT\n",
    "multi-line action": "trap '\n  : cleaning\n  write\n' EXIT\n",
}
# what follows the `trap` line ({s}: the trap's signal)
AFTER = {
    "": "",
    "reset": "trap - {s}\n",
    "replaced": "trap 'true' {s}\n",
}
SCOPES = ["plain", "subshell", "function called", "function never called", "if"]
CHECKS = ["check\n", "check || exit 1\n", "check || true\n",
          "if ! check; then exit 2; fi\n", "check && :\n"]
PLACES = ["before", "after"]
ENDS = ["", "exit 0\n", "exec true\n", "false\n"]


def _script(setting: str, trap: str, after: str, scope: str, check: str, place: str,
            end: str) -> str:
    signal = "ERR" if trap == "err" else ("INT" if trap == "on INT" else "EXIT")
    armed = TRAPS[trap] + AFTER[after].replace("{s}", signal)
    if scope == "subshell":
        armed = f"(\n{armed}true\n)\n"
    elif scope.startswith("function"):
        armed = f"arm() {{\n{armed}}}\n" + ("arm\n" if scope == "function called" else "")
    elif scope == "if":
        armed = f"if [ -n \"$HOME\" ]; then\n{armed}fi\n"
    body = armed + check if place == "before" else check + armed
    return "#!/bin/bash\n" + setting + body + ":\n" + end


def _all() -> list[tuple[str, ...]]:
    return list(itertools.product(SETS, TRAPS, AFTER, SCOPES, CHECKS, PLACES, ENDS))


_LONG = os.environ.get("QT_LINT_LONG_TESTS") == "1"
CASES = _all() if _LONG else random.Random(11).sample(_all(), 150)


def _classify(step: Step, facts: Facts) -> tuple[Facts, Facts]:
    if step.command.name == "check":
        return frozenset({"checked"}), EMPTY
    return EMPTY, EMPTY


def _bash_unguarded(text: str, root: Path) -> bool:
    """Bash runs a `write` while the check fails (or before it passed)."""
    bin_ = root / "bin"
    bin_.mkdir(exist_ok=True)
    log = root / "writes.log"
    for name, body in (("check", '[ "$CHECK_OK" = 1 ]\n'),
                       ("write", f'echo "$CHECK_OK" >> {log}\n')):
        (bin_ / name).write_text("#!/bin/sh\n" + body)
        (bin_ / name).chmod(0o755)
    script = root / "s.sh"
    script.write_text(text)
    log.unlink(missing_ok=True)
    for ok in ("0", "1"):
        subprocess.run(["bash", str(script)], env={"PATH": f"{bin_}:/usr/bin:/bin",
                                                   "CHECK_OK": ok, "HOME": str(root)},
                       capture_output=True, timeout=10, check=False)
    return log.exists() and "0" in log.read_text().split()


@pytest.mark.parametrize("case", CASES, ids=lambda c: "|".join(x.strip() or "-" for x in c))
def test_a_trap_s_commands_run_where_bash_runs_them(tmp_path: Path,
                                                    case: tuple[str, ...]) -> None:
    text = _script(*case)
    flow = analyse(text, _classify)
    model = any(step.command.name == "write" and "checked" not in facts
                for step, facts in flow.steps)
    assert model == _bash_unguarded(text, tmp_path), text
