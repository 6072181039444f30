"""H151: the ops wrapper does what contract G requires; the Makefile goes through it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.finding import Kind
from qt_lint.host.check import (
    ERROR,
    FAIL,
    PASS,
    Audit,
    HostCheck,
    HostExample,
    HostResult,
    describe,
    not_analysed,
)

_REPO = "/home/qt/quantum_trader"
# the golden wrapper, but the database check only warns (passed H151 before QT608)
_WARNS_ONLY = """#!/bin/bash
set -euo pipefail
SERVICE="$1"; shift
SCRIPT="$1"; shift
source "/etc/quantum/$SERVICE.env"
VENV="/opt/quantum/venvs/$SERVICE"
export PATH="$VENV/bin:$PATH"
export PYTHONPATH="/home/qt/quantum_trader"
redis-cli ping >/dev/null
[ -f "$DB_PATH" ] || echo "WARNING: no database"
test -x "$VENV/bin/python"
exec "$VENV/bin/python" "$SCRIPT" "$@"
"""


class OpsWrapper(HostCheck):
    """
    ## What it does
    Reads the ops wrapper (`contract.wrapper`, `ops/run.sh`, in the repository root) as
    shell and checks what contract G requires of it: it is an executable regular file;
    it fails closed (`set -e`, `set -u` and `pipefail`, in a `set` line or its `#!` line);
    it sources the service's env file from `contract.env-dir` (`source
    "/etc/quantum/$SERVICE.env"`); it runs a venv interpreter under `contract.venv-root` by
    absolute path (plain `NAME=value` assignments are followed, so `VENV=...;
    "$VENV/bin/python"` counts); it never runs a system python (QT101); and QT608's path
    analysis finds all eight duties of contract G on the path that reaches the venv python,
    each check failing closed (a database check that only warns, a check after `exec`, in a
    function never called or after `set +e` fails the audit). The
    repository's `Makefile` must pass QT102 (every recipe that runs Python goes through
    the wrapper).

    ## Why is this bad?
    Contract G: ops scripts run only through the wrapper, which sources the service's env
    file, selects its venv and validates Redis, the database and the venv first, failing
    closed. A wrapper that exists but does none of it (`exec "$@"`) passes a file check
    and runs whatever `python` is on the PATH.

    ## Example
    `ops/run.sh` without the executable bit, without `set -euo pipefail`, or ending in
    `exec python3 "$@"`; `quality-gate:` running `python ops/...`.

    ## Use instead
    A wrapper with `set -euo pipefail`, `source "/etc/quantum/$SERVICE.env"` and `exec
    "/opt/quantum/venvs/$SERVICE/bin/python" "$SCRIPT" "$@"`; `quality-gate:` running
    `ops/run.sh ai-engine ops/model_safety/quality_gate.py`.

    ## Remediation
    `chmod 0755 ops/run.sh` in the repository (commit the mode); add what the result
    lists as missing; route every Makefile recipe that runs Python through
    `ops/run.sh <service> <script>`.
    """

    code = "H151"
    name = "ops-wrapper"
    section = "G"
    summary = ("ops/run.sh is executable, fails closed, sources the env file, runs the venv "
               "python; the Makefile passes QT102")
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={f"{_REPO}/ops/run.sh": {"mode": 0o644, "executable": False}},
                           status=FAIL, object=f"{_REPO}/ops/run.sh"),
               HostExample(texts={f"{_REPO}/ops/run.sh": "#!/bin/bash\nexec \"$@\"\n"},
                           status=FAIL, object=f"{_REPO}/ops/run.sh"),
               HostExample(texts={f"{_REPO}/Makefile": "gate:\n\tpython3 ops/gate.py\n"},
                           status=FAIL, object=f"{_REPO}/Makefile"),
               HostExample(texts={f"{_REPO}/ops/run.sh": _WARNS_ONLY},
                           status=FAIL, object=f"{_REPO}/ops/run.sh"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        path = f"{c.repo_root}/{c.wrapper}"
        expected = ("an executable file: fails closed, sources the env file, runs the venv "
                    "interpreter by absolute path, no system python")
        got = s.text(path)
        info = got.stat
        if info.kind == "error" or (got.text is None and got.error != "missing"):
            yield self.result(ERROR, path, expected, got.error or describe(info, s))
        elif got.text is None:
            yield self.result(FAIL, path, expected, "missing")
        else:
            problems = [] if info.executable else [f"not executable ({describe(info, s)})"]
            problems += wrapper_problems(got.text, c.env_dir, c.venv_root)
            findings = tuple(audit.judge(path, Kind.SHELL, frozenset({"QT101", "QT608"})))
            refused = not_analysed(findings)
            bare = [f for f in findings if f.code == "QT101"]
            if bare and not refused:
                problems.append(f"{len(bare)} system python call(s)")
            # contract G's duties on the path that reaches the exec (QT608's analysis)
            problems += [f.message.split(": ", 1)[-1] for f in findings if f.code == "QT608"]
            if refused:
                yield self.result(ERROR, path, expected, "; ".join([*problems, refused]),
                                  findings)
            else:
                yield self.result(FAIL if problems else PASS, path, expected,
                                  "; ".join(problems) or "fails closed, sources the env "
                                  "file, runs the venv interpreter", findings)
        makefile = f"{c.repo_root}/Makefile"
        got = s.text(makefile)
        if got.text is None:
            status = FAIL if got.stat.kind == "missing" else ERROR
            yield self.result(status, makefile, "passes QT102", got.error or "missing")
            return
        findings = tuple(audit.judge(makefile, Kind.MAKEFILE, frozenset({"QT102"})))
        if refused := not_analysed(findings):
            yield self.result(ERROR, makefile, "passes QT102", refused, findings)
            return
        yield self.result(FAIL if findings else PASS, makefile, "passes QT102",
                          f"{len(findings)} finding(s)" if findings else "every recipe uses "
                          f"{c.wrapper}", findings)


_ASSIGN = lazyre.compile(r"^(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)*)?"
                     r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)")
_VAR = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _code_lines(text: str) -> list[str]:
    """The wrapper's lines without comments (a `#` that starts a word), joined across
    backslash continuations."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((pending + line).strip())
        pending = ""
    return [line for line in out if line]


def wrapper_problems(text: str, env_dir: str, venv_root: str) -> list[str]:
    """What the wrapper lacks of contract G (empty when it has it all)."""
    first = text.split("\n", 1)[0]
    lines = _code_lines(text)
    values: dict[str, str] = {}
    expanded = []
    for line in lines:
        for part in re.split(r"\s*(?:;|&&|\|\|)\s*", line):
            line_now = _VAR.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)),
                                part)
            expanded.append(line_now)
            match = _ASSIGN.match(line_now)
            if match:
                values[match.group(1)] = match.group(2).strip("\"'")
    flags: set[str] = set()
    for line in [first, *expanded]:
        words = line.split()
        if not words or not (words[0] == "set" or first == line):
            continue
        for index, word in enumerate(words):
            if re.fullmatch(r"-[a-zA-Z]+", word):
                flags.update(word[1:])
                if word.endswith("o") and index + 1 < len(words):
                    flags.add(words[index + 1])
    problems = []
    missing = [name for name, keys in (("set -e", {"e", "errexit"}), ("set -u", {"u", "nounset"}),
                                       ("pipefail", {"pipefail"})) if not flags & keys]
    if missing:
        problems.append("does not fail closed (no " + ", ".join(missing) + ")")
    env = env_dir.rstrip("/") + "/"
    if not any(re.match(r"(?:source|\.)\s", line) and env in line for line in expanded):
        problems.append(f"does not source {env}<service>.env")
    venvs = venv_root.rstrip("/") + "/"
    if not any(venvs in line and re.search(r"/bin/python[0-9.]*[\"']?(\s|$)", line)
               and not _ASSIGN.match(line) for line in expanded):
        problems.append(f"does not run a venv interpreter under {venvs} by absolute path")
    return problems
