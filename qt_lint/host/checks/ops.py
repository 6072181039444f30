"""H151: the ops wrapper exists and is executable; the Makefile goes through it."""

from __future__ import annotations

from collections.abc import Iterator

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
)

_REPO = "/home/qt/quantum_trader"


class OpsWrapper(HostCheck):
    """
    ## What it does
    Checks that the ops wrapper (`contract.wrapper`, `ops/run.sh`) exists in the repository
    root and is executable, and that the repository's `Makefile` passes QT102 (every
    recipe that runs Python goes through the wrapper).

    ## Why is this bad?
    Contract G: ops scripts run only through the wrapper, which sources the service's env
    file, selects its venv and validates Redis, the database and the venv first, failing
    closed. Without it, `make quality-gate` runs whatever `python` is on the PATH.

    ## Example
    `ops/run.sh` without the executable bit; `quality-gate:` running `python ops/...`.

    ## Use instead
    `quality-gate:` running `ops/run.sh ai-engine ops/model_safety/quality_gate.py`.

    ## Remediation
    `chmod 0755 ops/run.sh` in the repository (commit the mode), and route every Makefile
    recipe that runs Python through `ops/run.sh <service> <script>`.
    """

    code = "H151"
    name = "ops-wrapper"
    section = "G"
    summary = "ops/run.sh exists and is executable; the Makefile passes QT102"
    VALID = (HostExample(),)
    INVALID = (HostExample(stats={f"{_REPO}/ops/run.sh": {"mode": 0o644, "executable": False}},
                           status=FAIL, object=f"{_REPO}/ops/run.sh"),
               HostExample(texts={f"{_REPO}/Makefile": "gate:\n\tpython3 ops/gate.py\n"},
                           status=FAIL, object=f"{_REPO}/Makefile"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        path = f"{c.repo_root}/{c.wrapper}"
        info = s.stat(path)
        if info.kind == "error":
            yield self.result(ERROR, path, "an executable file", describe(info, s))
        else:
            yield self.result(PASS if info.executable else FAIL, path, "an executable file",
                              describe(info, s))
        makefile = f"{c.repo_root}/Makefile"
        got = s.text(makefile)
        if got.text is None:
            status = FAIL if got.stat.kind == "missing" else ERROR
            yield self.result(status, makefile, "passes QT102", got.error or "missing")
            return
        findings = tuple(audit.judge(makefile, Kind.MAKEFILE, frozenset({"QT102"})))
        yield self.result(FAIL if findings else PASS, makefile, "passes QT102",
                          f"{len(findings)} finding(s)" if findings else "every recipe uses "
                          f"{c.wrapper}", findings)
