"""The host audit reads a quantum unit with every file systemd applies to it (issue 23 item 6):
the drop-ins of its aliases, the links of its `.requires/` folder, a drop-in's empty
assignment, a predecessor whose start a condition may skip. Each case was a PASS or a
false FAIL before; systemd's reading is systemd.unit(5) and `systemd-analyze verify`
(tests/test_readers_units.py compares the prefixes with it)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hosttree import put
from tests.test_host_hostile import bad, hostile_audit, results
from tests.test_host_hostile2 import edit

SYSTEM = "/etc/systemd/system"
ENGINE = f"{SYSTEM}/quantum-ai-engine.service"


def _messages(proc: object, obj: str) -> list[str]:
    return [f["message"] for c in results(proc) if c["object"] == obj  # type: ignore[arg-type]
            for f in c.get("findings", [])]


def test_an_alias_drop_in_that_ignores_a_check_fails_its_unit(host: Path) -> None:
    os.symlink("quantum-ai-engine.service", host / "etc/systemd/system/qae.service")
    put(host, f"{SYSTEM}/qae.service.d/10-check.conf",
        "[Service]\nExecStartPre=-/usr/bin/redis-cli PING\n")
    proc = hostile_audit(host)
    assert ("H141", "fail", ENGINE) in bad(proc)
    assert any(m.startswith("ExecStartPre=-/usr/bin/redis-cli: the `-` ignores")
               for m in _messages(proc, ENGINE)), results(proc)


def test_a_requires_link_is_a_requires(host: Path) -> None:
    edit(host, ENGINE, "Requires=quantum-backend.service\n", "")
    os.makedirs(host / f"{ENGINE.lstrip('/')}.requires")
    os.symlink("../quantum-backend.service",
               host / f"{ENGINE.lstrip('/')}.requires/quantum-backend.service")
    assert ("H141", "fail", ENGINE) not in bad(hostile_audit(host))
    os.unlink(host / f"{ENGINE.lstrip('/')}.requires/quantum-backend.service")
    assert ("H141", "fail", ENGINE) in bad(hostile_audit(host))


def test_a_check_a_drop_in_removes_is_not_reported(host: Path) -> None:
    put(host, "/usr/bin/redis-cli", "#!/not/run\n", 0o755)  # what verify looks for
    edit(host, ENGINE, "[Service]\n", "[Service]\nExecStartPre=-/usr/bin/redis-cli PING\n")
    assert ("H141", "fail", ENGINE) in bad(hostile_audit(host))
    put(host, f"{ENGINE}.d/10-fail-closed.conf",
        "[Service]\nExecStartPre=\nExecStartPre=/usr/bin/redis-cli PING\n")
    assert ("H141", "fail", ENGINE) not in bad(hostile_audit(host))


def test_requires_on_a_predecessor_a_condition_may_skip_fails(host: Path) -> None:
    backend = f"{SYSTEM}/quantum-backend.service"
    edit(host, backend, "[Service]\n",
         "ConditionPathExists=/opt/quantum/data/quantum_trader.db\n\n[Service]\n")
    proc = hostile_audit(host)
    assert ("H141", "fail", ENGINE) in bad(proc)
    assert any("skipped by a condition" in m for m in _messages(proc, ENGINE))
    edit(host, ENGINE, "Requires=quantum-backend.service\n",
         "BindsTo=quantum-backend.service\n")
    assert ("H141", "fail", ENGINE) not in bad(hostile_audit(host))
