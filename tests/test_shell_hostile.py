"""Spellings of a command that bash runs and a reader may miss, each judged by bash
itself: the script runs with every program a logging stub (nothing real runs), and qt-lint
must read the programs bash ran, as many times. Found by a hostile review of the gate;
the wrappers and shell strings bash cannot judge without running real programs are
fixtures (fixtures/shell/qt101/fire/hostile.sh and its neighbours)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest

from qt_lint import api
from qt_lint.cache import ResultCache
from qt_lint.config import Config
from qt_lint.parsers.shell import parse_shell
from qt_lint.settings import RunSettings
from tests.shell_oracle import bash_ran

STUBS = ["python3", "sudo", "docker"]

SPELLINGS = {
    "double quotes inside the word": '"py"thon3 x.py\n',
    "empty quotes inside the word": "py''thon3 x.py\n",
    "a backslash inside the word": "p\\ython3 x.py\n",
    "a backslash-newline inside the word": "pyth\\\non3 x.py\n",
    "ANSI-C hex": "$'\\x70ython3' x.py\n",
    "ANSI-C octal": "$'\\160ython3' x.py\n",
    "ANSI-C unicode": "$'\\u0070ython3' x.py\n",
    "a variable inside the word": "p=python\n${p}3 x.py\n",
    "the first element of an array": "CMD=(python3 x.py)\n${CMD[0]} x.py\n",
    "an array grown with +=": 'ARGS=()\nARGS+=(python3 x.py)\n"${ARGS[@]}"\n',
    "a default that looks the program up": "${PYTHON:-$(command -v python3)} x.py\n",
    "a default assigned by :": ': "${PY:=python3}"\n$PY x.py\n',
    "a variable built from a variable": 'PYV=python3\nLINE="$PYV x.py"\n$LINE\n',
    "eval of several words": "eval sudo python3 x.py\n",
    "eval --": "eval -- 'python3 x.py'\n",
    "builtin eval": "builtin eval 'python3 x.py'\n",
    "a trap": "trap 'python3 x.py' EXIT\n",
    "a coprocess": "coproc python3 x.py\nwait\n",
    "quoted sudo": "su\"do\" id\n",
    "quoted docker": "dock''er ps\n",
    "a variable naming sudo": "S=sudo\n$S id\n",
    "a variable assigned its own default": 'PY=${PY:-python3}\n$PY x.py\n',
    "a variable assigned a default lookup": 'PY="${PY:-$(command -v python3)}"\n"$PY" x.py\n',
    "a lookup with its errors discarded": 'PY=$(command -v python3 2>/dev/null)\n$PY x.py\n',
    "a lookup with its errors discarded, run": '"$(command -v python3 2>/dev/null)" x.py\n',
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_the_programs_are_those_bash_runs(name: str) -> None:
    script = SPELLINGS[name]
    with tempfile.TemporaryDirectory() as folder:
        ran = bash_ran(script, STUBS, Path(folder))
    # the program bash starts is the outermost one (a stub `sudo` runs nothing further),
    # past bash's own keywords and builtins
    started = (c.name if c.wrappers[:1] in (("coproc",), ("builtin",)) else
               (c.first or c.program).text.rsplit("/", 1)[-1]
               for c in parse_shell(script).commands)
    read = Counter(name for name in started if name in STUBS)
    assert ran, f"bash ran none of the stubs: {script!r}"
    assert read == ran, script


@pytest.mark.parametrize("script", [
    '#!/bin/bash\nsu"do" systemctl restart quantum-backend\n',
    "#!/bin/bash\ns\\udo id\n",
    "#!/bin/bash\n$'\\x73udo' id\n",
])
def test_a_cached_script_learns_that_a_service_runs_it(tmp_path: Path, script: str) -> None:
    """The cache keys an escalating script by what runs it: a spelled-apart `sudo` is an
    escalation too, so a unit added later that runs the script is not answered from a
    result cached while nothing ran it."""
    root = tmp_path / "repo"
    root.mkdir()
    target = root / "job.sh"
    target.write_text(script)
    settings = RunSettings.build(Config(root=root, select=("QT701",)))

    def run() -> list[str]:
        cache = ResultCache(tmp_path / "cache", settings)
        return [f.code for f in api.check([target], settings, cache=cache, jobs=1).findings]

    assert run() == []  # an administrator's script: nothing runs it
    (root / "systemd").mkdir()
    (root / "systemd" / "quantum-x.service").write_text(
        "[Service]\nExecStart=/home/qt/quantum_trader/job.sh\n")
    assert run() == ["QT701"]
