"""The fleet integrations in contrib/: the Ansible role run by `ansible-playbook` on a
local connection against host trees under a temporary root (a compliant host, one with a
failing check, one whose audit cannot run), the Prometheus alert rules under `promtool test
rules`, and the Grafana dashboard's queries against the metrics the audit writes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.hosttree import build_host

BIN = Path(sys.executable).parent
CONTRIB = ROOT / "contrib"


def _tool(name: str, where: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is needed by this test ({where}); scripts/test installs it"
    return found


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The playbook run once over three hosts; the wheel installed on one of them."""
    tmp = tmp_path_factory.mktemp("fleet")
    roots = {name: tmp / "roots" / name for name in ("good", "bad", "broken")}
    for root in roots.values():
        root.mkdir(parents=True)
    build_host(roots["good"])
    build_host(roots["bad"])
    (roots["bad"] / "etc/quantum/backend.env").chmod(0o666)  # H131 fails
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("qt_lint-*.whl"))
    inventory = tmp / "inventory.ini"
    inventory.write_text(
        "[qt]\n"
        f"good qt_lint_root={roots['good']} qt_lint_install=true qt_lint_venv={tmp}/venv\n"
        f"bad qt_lint_root={roots['bad']} qt_lint_executable={BIN / 'qt-lint'}\n"
        f"broken qt_lint_root={roots['broken']} qt_lint_executable={BIN / 'qt-lint'}\n\n"
        "[qt:vars]\nansible_connection=local\n"
        f"ansible_python_interpreter={sys.executable}\n"
        f"qt_lint_python={sys.executable}\n"
        "qt_lint_install=false\n"
        f"qt_lint_wheel={wheel}\n"
        f"qt_lint_report_dir={tmp}/out/{{{{ inventory_hostname }}}}/report\n"
        f"qt_lint_textfile_dir={tmp}/out/{{{{ inventory_hostname }}}}/textfile\n"
        f"qt_lint_reports_dir={tmp}/controller\n")
    before = {name: _tree(root) for name, root in roots.items()}
    playbook = _tool("ansible-playbook", "pip install ansible-core")
    env = {**os.environ, "ANSIBLE_HOME": str(tmp / ".ansible"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCAL_TEMP": str(tmp / ".ansible-tmp"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(
        [playbook, "-i", str(inventory), str(CONTRIB / "ansible" / "playbook.yml"),
         "-e", "qt_lint_become=false"],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=1200, check=False)
    (tmp / "ansible.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 2, proc.stdout[-4000:]  # a host failed: the one that cannot run
    assert re.search(r"good\s+: ok=\d+ .*failed=0", proc.stdout), proc.stdout[-3000:]
    assert re.search(r"bad\s+: ok=\d+ .*failed=0", proc.stdout), proc.stdout[-3000:]
    assert re.search(r"broken\s+: ok=\d+ .*failed=1", proc.stdout), proc.stdout[-3000:]
    for name, root in roots.items():
        assert _tree(root) == before[name], f"the audit changed {name}'s tree"
    return {"tmp": tmp, **roots}


def _tree(root: Path) -> list[tuple[str, int, int, int, int]]:
    """What an audit must not change: every entry's name, mode, owner and mtime."""
    out = []
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out.append((str(path.relative_to(root)), st.st_mode, st.st_uid, st.st_gid,
                    st.st_mtime_ns))
    return out


@pytest.mark.slow
def test_role_installs_the_wheel_audits_and_fetches_reports(fleet: dict[str, Path]) -> None:
    tmp = fleet["tmp"]
    assert (tmp / "venv" / "bin" / "qt-lint").is_file()  # installed from the wheel
    controller = tmp / "controller"
    good = json.loads((controller / "good.json").read_text())
    bad = json.loads((controller / "bad.json").read_text())
    assert good["ok"] is True and bad["ok"] is False
    assert not (controller / "broken.json").exists()
    summary = json.loads((controller / "summary.json").read_text())
    assert summary["good"]["failing"] == [] and summary["bad"]["failing"] == ["H131"]
    assert summary["broken"]["ran"] is False and summary["broken"]["exit_code"] == 2
    text = (controller / "summary.txt").read_text().splitlines()
    assert "bad: FAILING H131 (" in text[0] and text[1] == "broken: AUDIT DID NOT RUN (exit 2)"
    assert text[2].startswith("good: ok (")


@pytest.mark.slow
def test_role_writes_the_textfiles_node_exporter_reads(fleet: dict[str, Path]) -> None:
    promtool = _tool("promtool", "Debian's prometheus package")
    tmp = fleet["tmp"]
    for host, up in (("good", 1), ("bad", 1), ("broken", 0)):
        audit = (tmp / "out" / host / "textfile" / "qt_lint_host_audit.prom").read_text()
        assert f"qt_lint_host_audit_up {up}\n" in audit
    for host in ("good", "bad"):
        prom = tmp / "out" / host / "textfile" / "qt_lint_host.prom"
        check = subprocess.run([promtool, "check", "metrics"], input=prom.read_text(),
                               capture_output=True, text=True, timeout=60, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    assert "qt_lint_host_ok 0" in (tmp / "out/bad/textfile/qt_lint_host.prom").read_text()
    assert "qt_lint_host_ok 1" in (tmp / "out/good/textfile/qt_lint_host.prom").read_text()


def test_alert_rules_pass_promtool(tmp_path: Path) -> None:
    promtool = _tool("promtool", "Debian's prometheus package")
    rules = CONTRIB / "prometheus" / "qt-lint-host.rules.yml"
    check = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                           text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run([promtool, "test", "rules", "qt-lint-host.rules.test.yml"],
                          cwd=CONTRIB / "prometheus", capture_output=True, text=True,
                          timeout=120, check=False)
    assert test.returncode == 0, test.stdout + test.stderr
    names = {r["alert"] for g in yaml.safe_load(rules.read_text())["groups"]
             for r in g["rules"]}
    assert names == {"QtLintHostCheckFailing", "QtLintHostAuditStale", "QtLintHostAuditNotRun"}


def _written_metrics() -> set[str]:
    """The metric names the audit (qt_lint/host/report.py) and the role write."""
    source = (ROOT / "qt_lint" / "host" / "report.py").read_text()
    role = (CONTRIB / "ansible" / "roles" / "qt_lint_host" / "tasks" / "main.yml").read_text()
    return set(re.findall(r"# TYPE (qt_lint_\w+) ", source + role))


def test_dashboard_is_grafana_json_whose_queries_use_written_metrics() -> None:
    dashboard = json.loads((CONTRIB / "grafana" / "qt-lint-host.json").read_text())
    assert dashboard["title"] and dashboard["panels"] and dashboard["schemaVersion"] >= 30
    written = _written_metrics()
    assert {"qt_lint_host_check_status", "qt_lint_host_audit_up"} <= written
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs
    for expr in exprs:
        used = set(re.findall(r"\bqt_lint_\w+", expr))
        assert used and used <= written, (expr, used - written)
    rules = yaml.safe_load((CONTRIB / "prometheus" / "qt-lint-host.rules.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\bqt_lint_\w+", rule["expr"]))
            assert used and used <= written, (rule["alert"], used - written)
