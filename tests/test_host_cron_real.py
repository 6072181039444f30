"""The crontabs of tests/test_host_cron.py run by the real Debian cron (opt in:
`QT_LINT_REAL_CRON=1`, as root, with cron installed; about 70 seconds): in a private
mount and pid namespace (`unshare -m -p -f`), its own /etc/cron.d, /etc/crontab, spool,
/run and a tmpfs /home holding a canary stub that logs each run. The entries H153
fails are exactly those that ran the canary; a file cron ignores ran nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.hosttree import put
from tests.test_host import audit
from tests.test_host_cron import CANARY, ENTRY, FIRES, SILENT

pytestmark = pytest.mark.skipif(
    os.environ.get("QT_LINT_REAL_CRON") != "1" or os.geteuid() != 0
    or shutil.which("cron") is None or shutil.which("unshare") is None,
    reason="real cron: QT_LINT_REAL_CRON=1, root, cron and unshare")

INNER = """set -e
W={work}
mount --make-rprivate /
mount -t tmpfs tmpfs /home
mkdir -p {folder}
for n in canary_activate.sh x.sh rollback_last.sh; do
  printf '#!/bin/sh\\necho "$TAG %s" >> %s/log\\n' "$n" "$W" > {folder}/$n
  chmod 755 {folder}/$n
done
mount --bind $W/cron.d /etc/cron.d
mount --bind $W/crontab /etc/crontab
mount -t tmpfs tmpfs /var/spool/cron/crontabs
mkdir -p $W/run && mount --bind $W/run /run
set +e
timeout 70 cron -f -L 0 >/dev/null 2>&1
true
"""


def cases() -> dict[str, tuple[str, int, int, bool]]:
    """name -> (text, mode, uid, runs the canary)."""
    out = {name: (text, 0o644, 0, ("QT601" in {c for _, c in codes}))
           for name, (text, codes) in FIRES.items()}
    out.update({name: (text, 0o644, 0, False) for name, text in SILENT.items()})
    out.update({"ignored.dotted": (ENTRY, 0o644, 0, False),
                "ignored_groupw": (ENTRY, 0o664, 0, False),
                "ignored_notroot": (ENTRY, 0o644, 1001, False),
                "control": (ENTRY, 0o644, 0, True),
                "contin": (f"* * * * * qt echo start \\\n{CANARY}\n", 0o644, 0, False)})
    return out


def test_h153_fails_exactly_the_entries_real_cron_runs_the_canary_for(
        host: Path, tmp_path: Path) -> None:
    work = tmp_path / "cron"
    (work / "cron.d").mkdir(parents=True)
    (work / "crontab").write_text("")
    (work / "crontab").chmod(0o644)
    for name, (text, mode, uid, _) in cases().items():
        # root runs the entries (no qt account on this machine); the same text is audited
        body = f'MAILTO=""\nHOME=/home/qt\nTAG={name}\n' + text.replace(" qt ", " root ")
        target = work / "cron.d" / name
        target.write_text(body)
        target.chmod(mode)
        os.chown(target, uid, 0)
        put(host, f"/etc/cron.d/{name}", body, mode, uid)
    (work / "inner.sh").write_text(INNER.format(
        work=work, folder=CANARY.rsplit("/", 1)[0]))
    subprocess.run(["unshare", "-m", "-p", "-f", "--mount-proc", "sh", str(work / "inner.sh")],
                   check=True, timeout=120)
    log = (work / "log").read_text() if (work / "log").exists() else ""
    ran = {line.split()[0] for line in log.splitlines()
           if line.endswith(" canary_activate.sh")}
    assert ran == {name for name, case in cases().items() if case[3]}, log
    _, doc = audit(host, 0, "--only", "H153")
    failed = {c["object"].rsplit("/", 1)[-1] for c in doc["checks"]  # type: ignore[union-attr,index]
              if c["status"] == "fail" and any(f["code"] == "QT601" for f in c["findings"])}
    assert failed == ran
