"""H121: each configured venv is a real, isolated venv inside the root (never executed)."""

from __future__ import annotations

from collections.abc import Iterator

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
from qt_lint.parsers.pyvenv import read_pyvenv

_VENV = "/opt/quantum/venvs/backend"


class Venvs(HostCheck):
    """
    ## What it does
    For each configured venv (`contract.venvs` under `contract.venv-root`): `pyvenv.cfg` is
    present, its `home=` interpreter and the venv's `bin/python` resolve inside the audited
    root and are executable, and the system site-packages are left out, as CPython decides
    it: only `include-system-site-packages = true` (any case) includes them, and so does a
    `pyvenv.cfg` without the line; `false`, `no`, `0` isolate the venv. Nothing in the venv
    is executed.

    ## Why is this bad?
    Contract B: each service runs its own isolated venv by absolute path. A venv whose
    base interpreter is gone fails at start; one that includes the system site-packages
    mixes dependencies the contract keeps apart.

    ## Example
    `include-system-site-packages = true`, or `home = /usr/local/bin` where no Python is
    installed any more.

    ## Use instead
    `python3 -m venv /opt/quantum/venvs/backend` (no `--system-site-packages`).

    ## Remediation
    Recreate the venv with `python3 -m venv /opt/quantum/venvs/<venv>` and reinstall its
    requirements; after a Python upgrade, recreate every venv.
    """

    code = "H121"
    name = "venvs"
    section = "B"
    summary = "Each venv: pyvenv.cfg, home= and bin/python executable inside the root, isolated"
    VALID = (HostExample(),
             HostExample(texts={f"{_VENV}/pyvenv.cfg": "home = /usr/bin\n"
                                "include-system-site-packages = no\n"}))
    INVALID = (HostExample(texts={f"{_VENV}/pyvenv.cfg": "home = /usr/bin\n"
                                  "include-system-site-packages = true\n"},
                           status=FAIL, object=_VENV),
               HostExample(texts={f"{_VENV}/pyvenv.cfg": "home = /usr/bin\n"},
                           status=FAIL, object=_VENV),
               HostExample(stats={f"{_VENV}/pyvenv.cfg": {"kind": "missing"}},
                           texts={f"{_VENV}/pyvenv.cfg": None}, status=FAIL, object=_VENV),
               HostExample(texts={f"{_VENV}/pyvenv.cfg": None}, status=ERROR, object=_VENV),
               HostExample(stats={_VENV: {"kind": "missing"}}, status=FAIL, object=_VENV))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        c = audit.config.contract
        expected = ("pyvenv.cfg; home= interpreter and bin/python executable inside the root; "
                    "no system site-packages")
        for venv in c.venvs:
            base = f"{c.venv_root}/{venv}"
            info = s.stat(base)
            if info.kind != "dir":
                status = ERROR if info.kind == "error" else FAIL
                yield self.result(status, base, expected, describe(info, s))
                continue
            cfg = s.text(f"{base}/pyvenv.cfg")
            if cfg.text is None:
                status = FAIL if cfg.stat.kind == "missing" else ERROR
                yield self.result(status, base, expected, f"pyvenv.cfg: {cfg.error}")
                continue
            venv_cfg = read_pyvenv(cfg.text)
            problems = []
            if venv_cfg.system_site:
                written = venv_cfg.system_site_value
                problems.append("no include-system-site-packages line: Python includes the "
                                "system site-packages" if written is None else
                                f"include-system-site-packages = {written}")
            home = venv_cfg.home
            if not home:
                problems.append("pyvenv.cfg has no home=")
            else:
                interpreters = [s.stat(f"{home.rstrip('/')}/{n}") for n in ("python3", "python")]
                if not any(i.executable for i in interpreters):
                    problems.append(f"no executable interpreter in home={home}")
            python = s.stat(f"{base}/bin/python")
            if not python.executable:
                problems.append(f"bin/python: {describe(python, s)}")
            yield self.result(FAIL if problems else PASS, base, expected,
                              "; ".join(problems) or f"home={home}")
