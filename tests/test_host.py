"""`qt-lint host` against real host trees under a temp --root and a real redis-server."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import qt_lint
from tests.hosttree import QT, folder, put, redis_server

C_ENV = "/etc/quantum/backend.env"
UNIT = "etc/systemd/system/quantum-backend.service"
REPO_UNIT = "home/qt/quantum_trader/systemd/quantum-backend.service"


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


def audit(root: Path, port: int = 0, *extra: str) -> tuple[int, dict[str, object]]:
    """The image audit (`port` is that of a Redis running on this machine, which must
    never change the verdict)."""
    proc = qt_lint("host", "--root", str(root), "--offline",
                   "--format", "json", *extra, cwd=root.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def failing(doc: dict[str, object]) -> set[str]:
    checks = doc["checks"]
    assert isinstance(checks, list)
    return {c["code"] for c in checks if c["status"] in ("fail", "error")}


def _both_units(root: Path, change: Callable[[str], str]) -> None:
    """Change the installed unit and its repository copy alike (no drift)."""
    for rel in (UNIT, REPO_UNIT):
        path = root / rel
        path.write_text(change(path.read_text()))


def test_compliant_host_passes(host: Path, redis_port: int) -> None:
    code, doc = audit(host, redis_port)
    assert failing(doc) == set(), json.dumps(doc, indent=1)[:3000]
    assert code == 0


MUTANTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "env file mode 644": (lambda r: (r / C_ENV[1:]).chmod(0o644), "H131"),
    "env file owned root:root": (lambda r: os.chown(r / C_ENV[1:], 0, 0), "H131"),
    "required variable only in a comment": (
        lambda r: (r / C_ENV[1:]).write_text((r / C_ENV[1:]).read_text().replace(
            "LOG_LEVEL=INFO", "# LOG_LEVEL=INFO")), "H131"),
    "AUTO_ACTIVATION=enabled": (
        lambda r: (r / C_ENV[1:]).write_text((r / C_ENV[1:]).read_text().replace(
            "AUTO_ACTIVATION=disabled", "AUTO_ACTIVATION=enabled")), "H131"),
    "User=root with User=qt in comments": (
        lambda r: _both_units(r, lambda t: t.replace(
            "User=qt", "# User=qt (golden template)\nUser=root\n; User=qt")), "H141"),
    "drop-in with StandardOutput=append:": (
        lambda r: put(r, f"/{UNIT}.d/50-debug.conf",
                      "[Service]\nStandardOutput=append:/var/log/quantum/backend.log\n"),
        "H141"),
    "EnvironmentFile=-...": (
        lambda r: _both_units(r, lambda t: t.replace("EnvironmentFile=/", "EnvironmentFile=-/")),
        "H141"),
    "unit differs from the repository copy": (
        lambda r: (r / UNIT).write_text((r / UNIT).read_text().replace(
            "RestartSec=10", "RestartSec=10\nNice=5")), "H142"),
    "missing venv": (lambda r: shutil.rmtree(r / "opt/quantum/venvs/execution"), "H121"),
    "venv with system site-packages": (
        lambda r: put(r, "/opt/quantum/venvs/backend/pyvenv.cfg",
                      "home = /usr/bin\ninclude-system-site-packages = true\n"), "H121"),
    "0-byte database": (
        lambda r: put(r, "/opt/quantum/data/quantum_trader.db", b"", 0o644, QT, QT), "H113"),
    "directory where the database should be": (
        lambda r: ((r / "opt/quantum/data/quantum_trader.db").unlink(),
                   folder(r, "/opt/quantum/data/quantum_trader.db", 0o755, QT, QT)), "H113"),
    "data dir under /tmp": (lambda r: _data_under_tmp(r), "H112"),  # noqa: PLW0108
    "missing archive/": (
        lambda r: shutil.rmtree(r / "opt/quantum/ai_engine/models/archive"), "H114"),
    "unreadable env file": (
        lambda r: ((r / "etc/quantum/rl-agent.env").unlink(),
                   os.symlink("rl-agent.env", r / "etc/quantum/rl-agent.env")), "H131"),
    "world-writable /etc/quantum": (lambda r: (r / "etc/quantum").chmod(0o757), "H132"),
    "qt user is uid 0": (
        lambda r: put(r, "/etc/passwd", "root:x:0:0::/root:/bin/sh\nqt:x:0:0::/home/qt:/bin/sh\n"),
        None),
    "wrapper not executable": (
        lambda r: (r / "home/qt/quantum_trader/ops/run.sh").chmod(0o644), "H151"),
    "wrapper only warns when the database is missing": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/run.sh", 'test -f "$DB_PATH"',
                        '[ -f "$DB_PATH" ] || echo "WARNING: no database"'), "H151"),
    "wrapper checks Redis after the exec": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/run.sh",
                        'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null\n', "",
                        append='redis-cli ping >/dev/null || exit 1\n'), "H151"),
    "wrapper unsets PYTHONPATH before the exec": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/run.sh", 'exec "$VENV/bin/python"',
                        'unset PYTHONPATH\nexec "$VENV/bin/python"'), "H151"),
    "wrapper hides the script's failure behind || echo": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/run.sh", 'exec "$VENV/bin/python" '
                        '"$SCRIPT" "$@"', '"$VENV/bin/python" "$SCRIPT" "$@" || '
                        'echo "script failed: $?" >&2'), "H151"),
    "wrapper's ERR trap exits 0": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/run.sh", "set -euo pipefail\n",
                        "set -euo pipefail\ntrap 'exit 0' ERR\n"), "H151"),
    "the host's canary leaves the gate loop by break": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/model_safety/canary_activate.sh",
                        "ops/run.sh ai-engine ops/model_safety/quality_gate.py\n",
                        "while ! ops/run.sh ai-engine ops/model_safety/quality_gate.py; do "
                        "break; done\n"), "H152"),
    "the host's rollback exits 0 without a backup": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/model_safety/rollback_last.sh",
                        "exit 1; }", "exit 0; }"), "H152"),
    "the host's rollback does not wait for the restart": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/model_safety/rollback_last.sh",
                        "systemctl restart", "systemctl --no-block restart"), "H152"),
    "a daily canary_activate.sh in /etc/cron.d": (
        lambda r: put(r, "/etc/cron.d/quantum-canary", "0 6 * * * qt /home/qt/quantum_trader/"
                      "ops/model_safety/canary_activate.sh xgb P0.5\n"), "H153"),
    "AUTO_ACTIVATION=enabled in the qt user's crontab": (
        lambda r: put(r, "/var/spool/cron/crontabs/qt", "AUTO_ACTIVATION=enabled\n0 * * * * "
                      "/home/qt/quantum_trader/ops/run.sh ai-engine ops/x.py\n"), "H153"),
    "a bare python in /etc/crontab": (
        lambda r: put(r, "/etc/crontab", "0 * * * * qt cd /home/qt/quantum_trader && "
                      "python3 ops/model_safety/scoreboard.py\n"), "H153"),
    "the host's canary ignores the gate": (
        lambda r: _edit(r, "home/qt/quantum_trader/ops/model_safety/canary_activate.sh",
                        "quality_gate.py\n", "quality_gate.py || true\n"), "H152"),
    "the host has no rollback script": (
        lambda r: (r / "home/qt/quantum_trader/ops/model_safety/rollback_last.sh").unlink(),
        "H152"),
    "a repository script writes the model weight": (
        lambda r: put(r, "/home/qt/quantum_trader/ops/training/retrain.sh",
                      "#!/bin/sh\nsed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0.4/' "
                      "/etc/quantum/ai-engine.env\n", 0o755, QT, QT), "H154"),
    "an extensionless repository script sets SHADOW_MODE=disabled": (
        lambda r: put(r, "/home/qt/quantum_trader/bin/go-live",
                      "#!/usr/bin/env bash\nSHADOW_MODE=disabled ops/run.sh ai-engine x.py\n",
                      0o755, QT, QT), "H154"),
    "a repository program that cannot be read": (
        lambda r: put(r, "/home/qt/quantum_trader/ops/promote_model.py",
                      "import os\nos.environ['AUTO_ACTIVATION'] = 'enabled'\n", 0o644, 0, 0),
        "H154"),
    "SERVICE_NAME disagrees": (
        lambda r: (r / C_ENV[1:]).write_text((r / C_ENV[1:]).read_text().replace(
            "SERVICE_NAME=backend", "SERVICE_NAME=api")), "H144"),
}


def _edit(root: Path, rel: str, old: str, new: str, append: str = "") -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new) + append)


def _data_under_tmp(root: Path) -> None:
    data = root / "opt/quantum/data"
    shutil.move(str(data), str(root / "tmp/qtdata"))
    os.symlink("/tmp/qtdata", data)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_each_mutant_fails_exactly_its_check(host: Path, redis_port: int, name: str) -> None:
    mutate, code = MUTANTS[name]
    mutate(host)
    exit_code, doc = audit(host, redis_port)
    assert exit_code == 1
    if name == "qt user is uid 0":  # the qt user is root: H161 and every ownership check
        assert "H161" in failing(doc)
        return
    if name == "SERVICE_NAME disagrees":  # also QT307 keeps passing; identity is H144's
        assert failing(doc) == {"H144"}
        return
    if name == "unreadable env file":  # its SERVICE_NAME= was never read: H144 too
        assert failing(doc) == {"H131", "H144"}
        return
    assert failing(doc) == {code}, json.dumps([c for c in doc["checks"]  # type: ignore[union-attr]
                                               if c["status"] != "pass"], indent=1)[:2500]


def test_the_host_repository_is_judged_for_activation(host: Path, redis_port: int) -> None:
    """H154: QT601 across the host's repository copy. A file the prefilters clear is not
    kept; one that can fire is judged at its line; one owned by another user is not read
    (an error, never a pass)."""
    put(host, "/home/qt/quantum_trader/ops/report.py", "print('shadow report')\n", 0o644, QT, QT)
    # the path spelt with quotes: only the words as the shell reads them name /etc/quantum/
    put(host, "/home/qt/quantum_trader/ops/tune.sh", "#!/bin/sh\necho XGB_WEIGHT=0.3 >> "
        "/etc/\"quantum\"/ai-engine.env\n", 0o755, QT, QT)
    MUTANTS["a repository script writes the model weight"][0](host)
    MUTANTS["a repository program that cannot be read"][0](host)
    _, doc = audit(host, redis_port, "--only", "H154")
    results = {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr]
    script = results["/home/qt/quantum_trader/ops/training/retrain.sh"]
    assert script["status"] == "fail"
    assert [(f["line"], f["code"]) for f in script["findings"]] == [(2, "QT601")]
    assert "activation by other means" in script["findings"][0]["message"]
    quoted = results["/home/qt/quantum_trader/ops/tune.sh"]
    assert quoted["status"] == "fail" and quoted["findings"][0]["line"] == 2
    unread = results["/home/qt/quantum_trader/ops/promote_model.py"]
    assert unread["status"] == "error" and "not the repository's owner" in unread["actual"]
    assert "/home/qt/quantum_trader/ops/report.py" not in results
    assert "/home/qt/quantum_trader" not in results  # no pass while something failed


def test_unreadable_file_is_error_and_others_still_run(host: Path, redis_port: int) -> None:
    MUTANTS["unreadable env file"][0](host)
    _, doc = audit(host, redis_port)
    checks = doc["checks"]
    assert isinstance(checks, list)
    bad = [c for c in checks if c["object"] == "/etc/quantum/rl-agent.env"]
    assert bad and bad[0]["status"] == "error" and "loop" in bad[0]["actual"]
    assert sum(c["status"] == "pass" for c in checks) > 40


def test_cron_entries_that_are_not_regular_files_are_judged(host: Path, redis_port: int) -> None:
    """cron reads a crontab through a symbolic link: the link's target is judged. A spool
    entry that is neither a file nor a folder (a FIFO), or a link to nothing, cannot be
    analysed: an error, never a pass."""
    put(host, "/opt/cron-src/canary", "0 6 * * * qt /home/qt/quantum_trader/ops/model_safety/"
        "canary_activate.sh xgb v1\n")
    folder(host, "/etc/cron.d")
    os.symlink("/opt/cron-src/canary", host / "etc/cron.d/quantum")
    os.symlink("/nonexistent", host / "etc/cron.d/gone")
    folder(host, "/var/spool/cron/crontabs", 0o730)
    os.mkfifo(host / "var/spool/cron/crontabs/qt")
    _, doc = audit(host, redis_port, "--only", "H153")
    results = {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr]
    linked = results["/etc/cron.d/quantum"]
    assert linked["status"] == "fail"
    assert [(f["line"], f["code"]) for f in linked["findings"]] == [(1, "QT601")]
    assert results["/etc/cron.d/gone"]["status"] == "error"
    assert results["/var/spool/cron/crontabs/qt"]["status"] == "error"


def live_redis(port: int, *extra: str, cwd: Path) -> tuple[int, dict[str, object]]:
    """The live-host Redis checks (`--root /`: this machine), against a real redis-server."""
    proc = qt_lint("host", "--only", "H10", "--redis-port", str(port), "--timeout", "1",
                   "--format", "json", *extra, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_live_redis_appendonly_no_and_public_bind(tmp_path: Path) -> None:
    with redis_server(tmp_path, appendonly="no") as port:
        _, doc = live_redis(port, cwd=tmp_path)
    assert failing(doc) == {"H102"}
    with redis_server(tmp_path, bind="0.0.0.0") as port:
        code, doc = live_redis(port, cwd=tmp_path)
    assert failing(doc) == {"H103"} and code == 1
    with redis_server(tmp_path) as port:
        code, doc = live_redis(port, cwd=tmp_path)
    assert failing(doc) == set() and code == 0


def test_live_redis_with_a_password_from_a_root_owned_file(tmp_path: Path) -> None:
    secret = "QTLINT-REDIS-CANARY"
    with redis_server(tmp_path, password=secret) as port:
        _, doc = live_redis(port, cwd=tmp_path)
        assert failing(doc) == {"H101", "H102", "H103"}  # no password: cannot verify
        assert secret not in json.dumps(doc)
        password = put(tmp_path, "/redis.pass", secret + "\n", 0o600)
        code, doc = live_redis(port, "--redis-password-file", str(password), cwd=tmp_path)
        assert failing(doc) == set() and code == 0
        assert secret not in json.dumps(doc)
        password.chmod(0o644)  # others may read it: not a trusted source
        proc = qt_lint("host", "--only", "H10", "--redis-port", str(port),
                       "--redis-password-file", str(password), cwd=tmp_path)
        assert proc.returncode == 2 and "owned by root with mode 0600" in proc.stderr
        assert secret not in proc.stdout + proc.stderr


def test_no_redis_is_an_error_within_the_timeout(tmp_path: Path) -> None:
    from tests.hosttree import free_port

    # a fake redis-cli answering PONG earlier on PATH fools a script, not the audit
    fake = tmp_path / "bin"
    fake.mkdir()
    put(fake, "/redis-cli", "#!/bin/sh\necho PONG\n", 0o755)
    start = time.monotonic()
    proc = qt_lint("host", "--only", "H10", "--redis-port", str(free_port()),
                   "--timeout", "1", "--format", "json", cwd=tmp_path,
                   env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert time.monotonic() - start < 30
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert failing(doc) == {"H101", "H102", "H103"}
    statuses = {c["status"] for c in doc["checks"] if c["code"] == "H101"}
    assert statuses == {"error"}


def test_root_judges_the_images_redis_not_this_machines(host: Path, tmp_path: Path) -> None:
    """A redis-server runs here on the contract's port's neighbour; the image's own files
    decide: no Redis in the image fails however this machine is."""
    conf = host / "etc/redis/redis.conf"
    with redis_server(tmp_path) as port:
        conf.write_text(conf.read_text().replace("appendonly yes", "appendonly no"))
        _, doc = audit(host, port)
        assert failing(doc) == {"H102"}
        conf.write_text("bind 0.0.0.0\nprotected-mode no\nport 6380\nappendonly yes\n")
        _, doc = audit(host, port)
        assert failing(doc) == {"H103"}
        shutil.rmtree(host / "etc/redis")
        (host / "etc/systemd/system/multi-user.target.wants/redis-server.service").unlink()
        code, doc = audit(host, port)
        assert failing(doc) == {"H101", "H102", "H103"} and code == 1
    proc = qt_lint("host", "--root", str(host), "--redis-port", "6379", cwd=tmp_path)
    assert proc.returncode == 2 and "live host only" in proc.stderr
    proc = qt_lint("host", "--redis-port", "0", cwd=tmp_path)
    assert proc.returncode == 2 and "--redis-port" in proc.stderr


def _fingerprint(root: Path) -> dict[str, tuple[int, int, int, float, str]]:
    out = {}
    for path in sorted(root.rglob("*")):
        st = os.lstat(path)
        digest = ""
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out[str(path)] = (st.st_mode, st.st_uid, st.st_gid, st.st_mtime, digest)
    return out


def test_audit_is_read_only(host: Path, redis_port: int) -> None:
    before = _fingerprint(host)
    audit(host, redis_port)
    assert _fingerprint(host) == before


def test_live_process_checks_error_without_offline(host: Path, redis_port: int) -> None:
    proc = qt_lint("host", "--root", str(host),
                   "--format", "json", cwd=host.parent)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert failing(doc) == {"H143"}
    assert all(c["status"] == "error" for c in doc["checks"] if c["code"] == "H143")


def test_snapshot_round_trip_masks_secrets(host: Path, redis_port: int,
                                           tmp_path: Path) -> None:
    env = host / C_ENV[1:]
    env.write_text(env.read_text() + "BINANCE_API_SECRET=QTLINT-HOST-CANARY\n")
    out = tmp_path / "snapshot.json"
    first = qt_lint("host", "--root", str(host), "--offline",
                    "--format", "json", "--snapshot-out", str(out), cwd=tmp_path)
    assert "QTLINT-HOST-CANARY" not in out.read_text() + first.stdout + first.stderr
    second = qt_lint("host", "--snapshot-in", str(out), "--offline", "--format", "json",
                     cwd=tmp_path)
    strip = lambda doc: [(c["code"], c["status"], c["object"]) for c in doc["checks"]]  # noqa: E731
    assert strip(json.loads(second.stdout)) == strip(json.loads(first.stdout))
    assert failing(json.loads(second.stdout)) == {"H131"}  # QT305 still fires on the mask


def test_snapshot_keeps_repository_python_parseable(host: Path, redis_port: int,
                                                     tmp_path: Path) -> None:
    """H154 judges the repository's Python from the snapshot as on the host: its secrets
    are masked as literals, so a line the redactor marks (`key=votes.get`) still parses."""
    put(host, "/home/qt/quantum_trader/ops/promote_job.py",
        "import os\nAPI_KEY = 'QTLINT-PY-CANARY'\nbest = max(votes, key=votes.get)\n"
        "os.environ['AUTO_ACTIVATION'] = 'enabled'\n", 0o644, QT, QT)
    put(host, "/home/qt/quantum_trader/ops/go_live.sh",
        "#!/bin/sh\nAPI_SECRET=\"QTLINT-SH-CANARY\"\necho \"key: ${API_KEY:0:4}...\"\n"
        "AUTO_ACTIVATION=enabled ops/run.sh ai-engine x.py\n", 0o755, QT, QT)
    out = tmp_path / "snapshot.json"
    first = qt_lint("host", "--root", str(host), "--offline", "--only", "H154",
                    "--format", "json", "--snapshot-out", str(out), cwd=tmp_path)
    assert "QTLINT-PY-CANARY" not in out.read_text() + first.stdout + first.stderr
    assert "QTLINT-SH-CANARY" not in out.read_text() + first.stdout + first.stderr
    second = qt_lint("host", "--snapshot-in", str(out), "--offline", "--only", "H154",
                     "--format", "json", cwd=tmp_path)
    strip = lambda doc: [(c["code"], c["status"], c["object"],  # noqa: E731
                          [(f["line"], f["code"]) for f in c.get("findings", [])])
                         for c in doc["checks"]]
    assert strip(json.loads(second.stdout)) == strip(json.loads(first.stdout))
    assert strip(json.loads(first.stdout)) == [
        ("H154", "fail", "/home/qt/quantum_trader/ops/go_live.sh", [(4, "QT601")]),
        ("H154", "fail", "/home/qt/quantum_trader/ops/promote_job.py", [(4, "QT601")])]


def test_narrowing_and_formats(host: Path, redis_port: int) -> None:
    _, doc = audit(host, redis_port, "--only", "H13,H161")
    assert {c["code"] for c in doc["checks"]} == {"H131", "H132", "H161"}  # type: ignore[union-attr]
    _, doc = audit(host, redis_port, "--only", "H131", "--service", "backend")
    assert [c["object"] for c in doc["checks"]] == ["/etc/quantum/backend.env"]  # type: ignore[union-attr]
    proc = qt_lint("host", "--root", str(host), "--offline",
                   "--format", "junit", cwd=host.parent)
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(proc.stdout)
    assert suite.get("failures") == "0" and int(suite.get("tests") or 0) > 40


def test_not_a_contract_host(tmp_path: Path) -> None:
    """Like CI's machine: a clear report and exit 1, never a traceback."""
    proc = qt_lint("host", "--timeout", "0.5", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "checks:" in proc.stdout


def test_unreadable_root_exits_2(tmp_path: Path) -> None:
    proc = qt_lint("host", "--root", str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 2 and "--root" in proc.stderr


def test_database_opened_read_only_and_checked(host: Path, redis_port: int) -> None:
    db = host / "opt/quantum/data/quantum_trader.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE more (x)")
    data = bytearray(db.read_bytes())
    data[200:4000] = b"\xff" * 3800  # damage the first page past the header
    db.write_bytes(bytes(data))
    _, doc = audit(host, redis_port)
    assert failing(doc) == {"H113"}


def test_repository_files_over_the_total_bound_are_one_error(
        host: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """H154 reads the repository within a total bound: past it, the rest is one error at
    the repository (never a pass, never one error per file)."""
    from qt_lint.config import Config
    from qt_lint.host import collect
    from qt_lint.host.check import Audit
    from qt_lint.host.checks.models import RepositoryActivation

    for index in range(5):
        put(host, f"/home/qt/quantum_trader/ops/job{index}.py", "x = 1\n" * 100, 0o644, QT, QT)
    config = Config()
    whole = collect.collect(config, root=str(host))
    assert whole.repo_files_error is None and whole.repo_files_read >= 5
    assert [r.status for r in RepositoryActivation().run(Audit(whole, config, True))] == ["pass"]
    monkeypatch.setattr(collect, "MAX_REPO_FILES_TOTAL", 1000)
    bounded = collect.collect(config, root=str(host))
    results = list(RepositoryActivation().run(Audit(bounded, config, True)))
    assert [(r.status, r.object) for r in results] == [("error", "/home/qt/quantum_trader")]
    assert "exceed 1000 bytes in all" in results[0].actual


_CANARY_RUN = "/home/qt/quantum_trader/ops/model_safety/canary_activate.sh xgb v1\n"


def test_run_parts_folders_and_anacrontab_are_judged(host: Path, redis_port: int) -> None:
    """cron's run-parts folders hold scripts, not crontabs: each one run-parts would run
    (an executable file whose name is letters, digits, `_` and `-`, as the real `run-parts
    --test` lists them) is judged as the script it is; /etc/anacrontab as a crontab of
    `period delay id command` lines. A name run-parts skips, a script that is not
    executable and a folder are not run; a link, a FIFO or an unreadable script is an
    error, never a pass."""
    put(host, "/etc/cron.daily/quantum-canary", "#!/bin/sh\n" + _CANARY_RUN, 0o755)
    put(host, "/etc/cron.hourly/scoreboard", "#!/bin/sh\ncd /home/qt/quantum_trader\n"
        "python3 ops/model_safety/scoreboard.py\n", 0o755)
    put(host, "/etc/cron.weekly/promote", "#!/usr/bin/env bash\nexport AUTO_ACTIVATION=enabled\n"
        "/home/qt/quantum_trader/ops/run.sh ai-engine ops/x.py\n", 0o755)
    put(host, "/etc/cron.monthly/logrotate-quantum", "#!/bin/sh\nexec logrotate /etc/x\n", 0o755)
    # not run by run-parts: a dot in the name, not executable, a folder
    put(host, "/etc/cron.daily/canary.sh", "#!/bin/sh\n" + _CANARY_RUN, 0o755)
    put(host, "/etc/cron.daily/canary-off", "#!/bin/sh\n" + _CANARY_RUN, 0o644)
    folder(host, "/etc/cron.daily/sub")
    os.symlink("/opt/x/canary", host / "etc/cron.daily/linked")
    os.mkfifo(host / "etc/cron.monthly/pipe")
    os.chmod(host / "etc/cron.monthly/pipe", 0o755)
    put(host, "/etc/cron.monthly/secret", "#!/bin/sh\ntrue\n", 0o700)
    os.chmod(host / "etc/cron.monthly/secret", 0o000)
    put(host, "/etc/anacrontab", "SHELL=/bin/sh\nAUTO_ACTIVATION=enabled\n"
        "1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n"
        "7 10 quantum.canary " + _CANARY_RUN)
    if shutil.which("run-parts"):
        listed = os.popen(f"run-parts --test {host}/etc/cron.daily").read().split()
        assert sorted(p.rsplit("/", 1)[1] for p in listed) == ["linked", "quantum-canary"] \
            or sorted(p.rsplit("/", 1)[1] for p in listed) == ["quantum-canary"]
    _, doc = audit(host, redis_port, "--only", "H153")
    results = {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr]

    def found(path: str) -> list[tuple[int, str]]:
        return [(f["line"], f["code"]) for f in results[path]["findings"]]

    assert results["/etc/cron.daily/quantum-canary"]["status"] == "fail"
    assert found("/etc/cron.daily/quantum-canary") == [(2, "QT601")]
    assert results["/etc/cron.hourly/scoreboard"]["status"] == "fail"
    assert (3, "QT101") in found("/etc/cron.hourly/scoreboard")
    assert found("/etc/cron.weekly/promote") == [(2, "QT601")]
    assert results["/etc/cron.monthly/logrotate-quantum"]["status"] == "pass"
    for skipped in ("/etc/cron.daily/canary.sh", "/etc/cron.daily/canary-off",
                    "/etc/cron.daily/sub"):
        assert skipped not in results, skipped
    for odd in ("/etc/cron.daily/linked", "/etc/cron.monthly/pipe"):
        assert results[odd]["status"] == "error", results[odd]
    if os.geteuid() != 0:
        assert results["/etc/cron.monthly/secret"]["status"] == "error"
    assert results["/etc/anacrontab"]["status"] == "fail"
    assert found("/etc/anacrontab") == [(2, "QT601"), (4, "QT601")]


def test_user_manager_units_are_judged(host: Path, redis_port: int) -> None:
    """A timer of the qt user's own systemd manager (`systemctl --user`, kept running by
    lingering) whose service runs the canary activates models as a system timer does."""
    unit = ("[Unit]\nDescription=refresh\n\n[Service]\nType=oneshot\nExecStart="
            + _CANARY_RUN)
    timer = "[Unit]\nDescription=refresh\n\n[Timer]\nOnCalendar=daily\n"
    put(host, "/home/qt/.config/systemd/user/refresh.service", unit, 0o644, QT, QT)
    put(host, "/home/qt/.config/systemd/user/refresh.timer", timer, 0o644, QT, QT)
    put(host, "/etc/systemd/user/shared.service", unit)
    put(host, "/home/qt/.config/systemd/user/notes.txt", "x\n", 0o644, QT, QT)
    put(host, "/home/qt/.config/systemd/user/other.service", unit, 0o644, 0, 0)
    _, doc = audit(host, redis_port, "--only", "H153")
    results = {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr]
    for path in ("/home/qt/.config/systemd/user/refresh.service",
                 "/etc/systemd/user/shared.service"):
        assert results[path]["status"] == "fail", results[path]
        assert [(f["line"], f["code"]) for f in results[path]["findings"]] == [(6, "QT601")]
    assert "/home/qt/.config/systemd/user/notes.txt" not in results
    # a file in qt's home that qt does not own is not read (it could be anything)
    assert results["/home/qt/.config/systemd/user/other.service"]["status"] == "error"


RUN_PARTS_NAMES = ["quantum", "Quantum_2", "a-b", "x.sh", "x.dpkg-old", "bak~", ".hidden",
                   "sp ace", "é", "1", "_", "-x", "a+b", "a:b", "a@b", "README", "x.py", "nl\n"]


@pytest.mark.skipif(shutil.which("run-parts") is None, reason="needs run-parts (the oracle)")
def test_the_run_parts_name_filter_is_run_parts_own(tmp_path: Path) -> None:
    """The names H153 judges in a run-parts folder are exactly those the real `run-parts
    --test` lists (executable files; its default filter, as cron and anacron call it)."""
    import subprocess

    from qt_lint.host.collect import RUN_PARTS_NAME

    for name in RUN_PARTS_NAMES:
        path = tmp_path / name
        path.write_text("#!/bin/sh\ntrue\n")
        path.chmod(0o755)
    listed = subprocess.run(["run-parts", "--test", str(tmp_path)], capture_output=True,
                            text=True, check=False).stdout.split("\n")
    ran = sorted(line.rsplit("/", 1)[1] for line in listed if line.startswith(str(tmp_path)))
    assert ran == sorted(n for n in RUN_PARTS_NAMES if RUN_PARTS_NAME.match(n))


def test_run_parts_folders_the_crontabs_name_and_python_shebangs(host: Path,
                                                                 redis_port: int) -> None:
    """A folder an anacrontab or crontab hands to run-parts is one too; a Python script
    run-parts runs with a system interpreter (its first line) runs a system python; a
    run-parts folder that is a link is not followed (an error)."""
    put(host, "/etc/anacrontab", "SHELL=/bin/sh\n"
        "@monthly 15 quantum.jobs run-parts --report /opt/quantum/cron\n")
    put(host, "/opt/quantum/cron/canary", "#!/bin/sh\n" + _CANARY_RUN, 0o755)
    put(host, "/etc/cron.daily/report", "#!/usr/bin/env python3\nprint('report')\n", 0o755)
    put(host, "/etc/cron.daily/venv-report",
        "#!/opt/quantum/venvs/ai-engine/bin/python\nprint('report')\n", 0o755)
    put(host, "/etc/cron.d/more", "0 1 * * * root run-parts /opt/linked\n")
    folder(host, "/opt/elsewhere")
    os.symlink("/opt/elsewhere", host / "opt/linked")
    _, doc = audit(host, redis_port, "--only", "H153")
    results = {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr]
    assert [(f["line"], f["code"]) for f in results["/opt/quantum/cron/canary"]["findings"]] \
        == [(2, "QT601")]
    assert results["/etc/cron.daily/report"]["status"] == "fail"
    assert results["/etc/cron.daily/report"]["actual"] == (
        "run by `env python3` (its first line): a system python; run the script through "
        "ops/run.sh <service> <script>")
    assert results["/etc/cron.daily/venv-report"]["status"] == "pass"
    assert results["/opt/linked"]["status"] == "error"
