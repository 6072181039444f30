"""Burning a baseline down with fixes: a fix never turns a baselined finding into a new one
(the baseline follows the lines a fix rewrites), and `--fix` with a baseline is never silent
about what it left."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from qt_lint.baseline import rebase
from qt_lint.finding import Finding
from tests.conftest import qt_lint

# QT407's safe fix extends the `After=` line; QT401's "After= lacks network-online.target"
# is reported on that same line, so its fingerprint changes with the fix.
UNIT = """\
[Unit]
Description=Quantum backend
After=network.target

[Service]
Type=simple
User=qt
Group=qt
WorkingDirectory=/home/qt/quantum_trader
EnvironmentFile=/etc/quantum/backend.env
ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
Restart=on-failure
RestartSec=10
StandardOutput=syslog

[Install]
WantedBy=multi-user.target
"""


def _entries(path: Path) -> Counter[tuple[str, str, str]]:
    return Counter({(e["path"], e["code"], e["fingerprint"]): e["count"]
                    for e in json.loads(path.read_text())["findings"]})


def _adopted(tmp_path: Path) -> Path:
    (tmp_path / "quantum-backend.service").write_text(UNIT)
    (tmp_path / "qt-lint.toml").write_text('baseline = "baseline.json"\n')
    proc = qt_lint("check", "--write-baseline", "baseline.json", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp_path


def test_fix_with_a_baseline_says_what_it_left(tmp_path: Path) -> None:
    """Every finding is baselined: --fix changes nothing, and says how to burn them down."""
    work = _adopted(tmp_path)
    proc = qt_lint("check", "--fix", ".", cwd=work)
    assert proc.returncode == 0, proc.stdout
    assert (work / "quantum-backend.service").read_text() == UNIT
    assert ("5 baselined findings are fixable: --fix-baselined fixes them and updates the "
            "baseline.") in proc.stdout.splitlines()


def test_fix_baselined_burns_down_without_new_findings(tmp_path: Path) -> None:
    work = _adopted(tmp_path)
    before = _entries(work / "baseline.json")
    proc = qt_lint("check", "--fix-baselined", ".", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (work / "quantum-backend.service").read_text()
    assert "After=network.target redis-server.service" in text, text
    assert "StandardOutput=journal" in text
    after = _entries(work / "baseline.json")
    assert sum(after.values()) == sum(before.values()) - 5  # the fixed ones left it
    codes = Counter(code for _, code, _ in after.elements())
    assert codes["QT401"] == 2 and codes["QT407"] == 1, codes
    # the QT401 on the rewritten After= line is baselined under its new fingerprint
    assert after - before, "no entry moved: the test does not exercise a moved finding"
    again = qt_lint("check", ".", cwd=work)
    assert again.returncode == 0, again.stdout
    assert "All checks passed" in again.stdout
    assert "0 baseline entries no longer match" in again.stdout, again.stdout
    assert qt_lint("check", "--fix-baselined", ".", cwd=work).returncode == 0
    assert _entries(work / "baseline.json") == after  # a second burn-down changes nothing


def test_fixing_a_new_finding_keeps_the_baselined_one_on_its_line(tmp_path: Path) -> None:
    """A plain --fix (as the pre-commit hook runs it) fixes only the new finding; it
    rewrites a line a baselined finding is on, and that finding stays baselined."""
    (tmp_path / "quantum-backend.service").write_text(
        UNIT.replace("After=network.target", "After=network.target redis-server.service"))
    (tmp_path / "qt-lint.toml").write_text('baseline = "baseline.json"\n')
    assert qt_lint("check", "--write-baseline", "baseline.json", ".",
                   cwd=tmp_path).returncode == 0
    (tmp_path / "quantum-backend.service").write_text(UNIT)  # a new QT407 on After=
    proc = qt_lint("check", "--fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "After=network.target redis-server.service" in \
        (tmp_path / "quantum-backend.service").read_text()
    again = qt_lint("check", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    assert "0 baseline entries no longer match" in again.stdout, again.stdout


def _f(line: int, code: str, anchor: str, message: str = "m") -> Finding:
    return Finding("u.service", line, 1, code, message, anchor=anchor)


def test_rebase_moves_baselined_entries_and_keeps_new_findings_new() -> None:
    known = Counter({("u.service", "QT401", "a1"): 1, ("u.service", "QT408", "b1"): 1,
                     ("other.service", "QT401", "z"): 3, ("u.service", "QT409", "stale"): 1})
    before = [_f(3, "QT401", "a1", "After= lacks x"), _f(3, "QT401", "n1", "new one"),
              _f(14, "QT408", "b1")]
    # the fix rewrote line 3 (both QT401 moved) and removed the QT408
    after = [_f(3, "QT401", "a2", "After= lacks x"), _f(3, "QT401", "n2", "new one")]
    out = rebase(known, [("u.service", before, after)])
    assert out == Counter({("u.service", "QT401", "a2"): 1, ("other.service", "QT401", "z"): 3,
                           ("u.service", "QT409", "stale"): 1})


def test_the_fixable_hint_names_what_a_hook_user_does(tmp_path: Path) -> None:
    """Run by pre-commit (which sets PRE_COMMIT=1), the hint names the hook's `args:`."""
    (tmp_path / "quantum-backend.service").write_text(UNIT)
    (tmp_path / "qt-lint.toml").write_text("")
    by_hand = qt_lint("check", ".", cwd=tmp_path, env={"PRE_COMMIT": ""})
    assert by_hand.stdout.rstrip().endswith("(5 fixable with --fix)"), by_hand.stdout
    hook = qt_lint("check", ".", cwd=tmp_path, env={"PRE_COMMIT": "1"})
    assert hook.stdout.rstrip().endswith(
        "(5 fixable with `args: [--fix]` on the qt-lint hook, or `qt-lint check --fix`)"), \
        hook.stdout
