"""A planted secret must never appear in any output: every format, diffs, statistics,
file listings, errors, debug output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, git, qt_lint

CANARY = "QTLINT-CANARY-7f3a9c1e"


def _repo(repo: Path) -> Path:
    (repo / "deploy").mkdir()
    (repo / "deploy" / "execution.env").write_text(
        f"BINANCE_API_SECRET={CANARY}\nexport DB_PASSWORD='{CANARY}'\n"
        f"PRIVATE_KEY_PATH=keys/{CANARY}.pem\nthis line is broken {CANARY}\n"
        f"REDIS_URL=redis://:{CANARY}@10.0.0.5:6379/0\n")
    (repo / ".env").write_text(f"API_TOKEN={CANARY}\n")
    unit = (FIXTURES / "fix/systemd-unit/input/quantum-execution.service").read_text()
    unit = unit.replace("Type=simple", f"Type=simple\nEnvironment=EXCHANGE_API_KEY={CANARY}\n"
                                       f"garbage {CANARY}")
    (repo / "quantum-execution.service").write_text(unit)
    (repo / "client.py").write_text(
        f'import logging\nlogger = logging.getLogger(__name__)\napi_key = "{CANARY}"\n'
        'logger.info(f"key={api_key}")\n')
    (repo / "job.sh").write_text(f"#!/bin/bash\nexport API_TOKEN={CANARY}\npython3 x.py\n")
    git("add", "-A", cwd=repo)
    return repo


@pytest.mark.parametrize("args", [
    ["check", "."],
    ["check", "--format", "json", "."],
    ["check", "--statistics", "."],
    ["check", "--show-files", "."],
    ["check", "--diff", "."],
    ["check", "--debug", "."],
    ["check", "--select", "QT305", "--format", "json", "."],
    ["check", "--format", "sarif", "."],
    ["check", "--format", "github", "."],
    ["check", "--format", "junit", "."],
    ["check", "--format", "gitlab", "."],
    ["check", "--write-baseline", "b.json", "."],
])
def test_canary_never_printed(repo: Path, args: list[str]) -> None:
    _repo(repo)
    proc = qt_lint(*args, cwd=repo)
    assert "Traceback" not in proc.stderr
    assert CANARY not in proc.stdout + proc.stderr
    if "--write-baseline" in args:
        assert CANARY not in (repo / "b.json").read_text()
    if args == ["check", "."]:
        assert "QT305" in proc.stdout and "BINANCE_API_SECRET" in proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_canary_never_printed_by_the_host_audit(tmp_path: Path, fmt: str) -> None:
    from tests.hosttree import build_host, put

    root = tmp_path / "host"
    root.mkdir()
    build_host(root)
    env = root / "etc/quantum/backend.env"
    env.write_text(env.read_text() + f"EXCHANGE_API_SECRET={CANARY}\nbroken {CANARY}\n")
    put(root, "/etc/systemd/system/quantum-backend.service.d/10-x.conf",
        f"[Service]\nEnvironment=API_TOKEN={CANARY}\ngarbage {CANARY}\n")
    out = tmp_path / "snap.json"
    proc = qt_lint("host", "--root", str(root), "--timeout", "0.2",
                   "--offline", "--format", fmt, "--snapshot-out", str(out), cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert CANARY not in proc.stdout + proc.stderr + out.read_text()
    assert "H131" in proc.stdout


def test_canary_not_in_stdin_mode(tmp_path: Path) -> None:
    proc = qt_lint("check", "--stdin-filename", "deploy/x.env", "-", cwd=tmp_path,
                   input=f"API_KEY={CANARY}\nbroken {CANARY}\n".encode())
    assert CANARY.encode() not in proc.stdout + proc.stderr
    assert b"QT305" in proc.stdout


@pytest.mark.parametrize(("name", "template"), [
    ("deploy/backend.env", "BINANCE_API_SECRET={}\n"),
    ("deploy/backend.env", "REDIS_URL=redis://:{}@10.0.0.9:6379/0\n"),
    ("ops/a.py", 'import redis\nr = redis.from_url("redis://:{}@10.0.0.9:6379")\n'),
])
def test_no_fingerprint_is_derived_from_a_secret(tmp_path: Path, name: str,
                                                 template: str) -> None:
    """A committed baseline or a SARIF upload must not let anyone confirm a guessed secret
    offline: fingerprints are the same whatever the secret's value."""
    prints = []
    for value in ("guess-one", "other-value"):
        root = tmp_path / value
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text(template.format(value))
        doc = json.loads(qt_lint("check", "--isolated", "--format", "json", ".",
                                 cwd=root).stdout)
        sarif = json.loads(qt_lint("check", "--isolated", "--format", "sarif", ".",
                                   cwd=root).stdout)
        gitlab = json.loads(qt_lint("check", "--isolated", "--format", "gitlab", ".",
                                    cwd=root).stdout)
        qt_lint("check", "--isolated", "--write-baseline", "b.json", ".", cwd=root)
        baseline = json.loads((root / "b.json").read_text())
        prints.append((
            [f["fingerprint"] for f in doc["findings"]],
            [r["partialFingerprints"] for r in sarif["runs"][0]["results"]],
            [i["fingerprint"] for i in gitlab],
            [e["fingerprint"] for e in baseline["findings"]],
        ))
        for text in (json.dumps(doc), json.dumps(sarif), json.dumps(gitlab),
                     json.dumps(baseline)):
            assert value not in text
    assert prints[0] == prints[1] and prints[0][0]
