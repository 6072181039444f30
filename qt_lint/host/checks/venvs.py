"""H121: each configured venv is a real, isolated venv inside the root (never executed)."""

from __future__ import annotations

from collections.abc import Iterator

from qt_lint.host.checks import ERROR, FAIL, PASS, Audit, CheckResult, describe
from qt_lint.host.snapshot import pyvenv_values


def h121_venvs(audit: Audit) -> Iterator[CheckResult]:
    s = audit.snapshot
    c = audit.config.contract
    expected = ("pyvenv.cfg; home= interpreter and bin/python executable inside the root; "
                "no system site-packages")
    for venv in c.venvs:
        base = f"{c.venv_root}/{venv}"
        info = s.stat(base)
        if info.kind != "dir":
            status = ERROR if info.kind == "error" else FAIL
            yield CheckResult("H121", status, base, expected, describe(info, s))
            continue
        cfg = s.text(f"{base}/pyvenv.cfg")
        if cfg.text is None:
            status = FAIL if cfg.stat.kind == "missing" else ERROR
            yield CheckResult("H121", status, base, expected, f"pyvenv.cfg: {cfg.error}")
            continue
        values = pyvenv_values(cfg.text)
        problems = []
        if values.get("include-system-site-packages", "false").lower() != "false":
            problems.append("include-system-site-packages = true")
        home = values.get("home")
        if not home:
            problems.append("pyvenv.cfg has no home=")
        else:
            interpreters = [s.stat(f"{home.rstrip('/')}/{n}") for n in ("python3", "python")]
            if not any(i.executable for i in interpreters):
                problems.append(f"no executable interpreter in home={home}")
        python = s.stat(f"{base}/bin/python")
        if not python.executable:
            problems.append(f"bin/python: {describe(python, s)}")
        yield CheckResult("H121", FAIL if problems else PASS, base, expected,
                          "; ".join(problems) or f"home={home}")
