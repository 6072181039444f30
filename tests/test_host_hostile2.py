"""`qt-lint host` judging the host as systemd, the kernel and Redis will run it (issue 24):
nothing not analysed passes, every unit systemd would run and every object qt could
change is judged, and the audit is never steered, stuck or leaking. Each numbered section
is an item of the issue; every audit of a tree also proves it wrote nothing
(`hostile_audit`, from tests/test_host_hostile.py).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import qt_lint, qt_lint_exe
from tests.hosttree import QT, build_host, folder, put, redis_server
from tests.test_host_hostile import ENV, REPO, UNIT, bad, hostile_audit, results

WRAPPER = f"{REPO}/ops/run.sh"
SYSTEM = "/etc/systemd/system"
PAD = ("# " + "x" * 78 + "\n") * (3 * 1024 * 1024 // 80)  # 3 MiB: over max-file-size


def status(proc: subprocess.CompletedProcess[str], code: str, obj: str) -> set[str]:
    return {c["status"] for c in results(proc) if c["code"] == code and c["object"] == obj}


def edit(root: Path, path: str, old: str, new: str) -> None:
    full = root / path.lstrip("/")
    text = full.read_text()
    assert old in text, (path, old)
    full.write_text(text.replace(old, new))


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder other users can reach (pytest's tmp_path is private to root)."""
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="qt-lint-host2-"))
    where.chmod(0o755)
    yield where
    shutil.rmtree(where)


def test_a_compliant_host_passes_with_every_check_pass_or_documented_na(host: Path) -> None:
    proc = hostile_audit(host)
    assert proc.returncode == 0, bad(proc)
    assert {(c["code"], c["status"]) for c in results(proc) if c["status"] != "pass"} == {
        ("H143", "n/a")}  # live processes on an --offline image, as H143 documents
    assert {"H116", "H145", "H163", "H164"} <= {c["code"] for c in results(proc)}


# 1. in host mode, anything not analysed is ERROR ---------------------------------------

@pytest.mark.parametrize(("path", "old", "new", "code"), [
    (ENV, "AUTO_ACTIVATION=disabled", PAD + "AUTO_ACTIVATION=enabled", "H131"),
    (UNIT, "User=qt", PAD + "User=root", "H141"),
    (WRAPPER, "set -euo pipefail", "set -euo pipefail\n" + PAD + "python3 x.py", "H151"),
])
def test_a_file_padded_past_max_file_size_is_an_error(host: Path, path: str, old: str,
                                                      new: str, code: str) -> None:
    edit(host, path, old, new)
    proc = hostile_audit(host)
    assert status(proc, code, path) == {"error"}
    assert proc.returncode == 1
    text = next(c["actual"] for c in results(proc) if c["code"] == code and c["object"] == path)
    assert "not analysed" in text


def test_a_line_over_max_line_length_is_an_error(host: Path) -> None:
    put(host, "/etc/quantum/qt-lint.toml", "max-line-length = 200\n")
    edit(host, ENV, "LOG_LEVEL=INFO", "LOG_LEVEL=INFO\nNOTE=" + "y" * 300)
    proc = hostile_audit(host)
    assert status(proc, "H131", ENV) == {"error"}


# 2. checks never pass what they never read; N/A only where the contract says so --------

def test_service_name_from_an_undecodable_env_file_is_not_a_pass(host: Path) -> None:
    (host / ENV.lstrip("/")).write_bytes(b"SERVICE_NAME=backend\n\xff\xfe\n")
    proc = hostile_audit(host)
    assert status(proc, "H144", "quantum-backend.service") == {"error"}


def test_a_data_folder_reaching_tmp_through_a_parent_link_fails(host: Path) -> None:
    shutil.move(str(host / "opt/quantum"), str(host / "tmp/quantum"))
    os.symlink("/tmp/quantum", host / "opt/quantum")
    proc = hostile_audit(host)
    for sub in ("", "/backups"):
        assert status(proc, "H112", f"/opt/quantum/data{sub}") == {"fail"}
    h112 = next(c for c in results(proc) if c["object"] == "/opt/quantum/data")
    assert "under /tmp (/tmp/quantum/data)" in h112["actual"]


def test_no_archive_folder_is_not_zero_entries_passed(host: Path) -> None:
    shutil.rmtree(host / "opt/quantum/ai_engine/models/archive")
    proc = hostile_audit(host)
    assert status(proc, "H114", "/opt/quantum/ai_engine/models/archive entries") == {"fail"}


def test_no_repository_is_not_a_passing_configuration(host: Path) -> None:
    shutil.rmtree(host / REPO.lstrip("/"))
    proc = hostile_audit(host)
    assert status(proc, "H162", f"{REPO} configuration") == {"error"}


def test_found_nothing_is_never_a_pass(tmp_path: Path) -> None:
    """Not a quantum host: checks that found nothing to judge fail, never n/a."""
    root = tmp_path / "bare"
    put(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    folder(root, "/etc/systemd/system")
    proc = hostile_audit(root)
    assert proc.returncode == 1
    doc = results(proc)
    for code in ("H131", "H142", "H144"):
        assert {c["status"] for c in doc if c["code"] == code} == {"fail"}, code
    # the documented N/As: live processes on an image; no cron at all schedules nothing
    assert {c["status"] for c in doc if c["code"] == "H153"} == {"n/a"}
    assert {c["status"] for c in doc if c["code"] not in ("H143", "H153")} <= {"fail", "error"}


@pytest.mark.skipif(os.geteuid() != 0, reason="audits as another user (needs root)")
def test_an_unlistable_unit_folder_is_an_error_for_an_unprivileged_auditor(
        shared: Path) -> None:
    from tests.test_robust import other_user_env

    root = shared / "host"
    root.mkdir()
    build_host(root)
    (root / "etc/quantum").chmod(0o755)
    hidden = folder(root, "/run/systemd/system", 0o700)
    put(root, "/run/systemd/system/quantum-backend.service", "[Service]\nUser=root\n")
    assert hidden.is_dir()
    put(shared, "/contract.toml", "")
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", qt_lint_exe(),
         "host", "--root", str(root), "--offline", "--only", "H141", "--format", "json",
         "--config", str(shared / "contract.toml")],
        capture_output=True, text=True, check=False, timeout=120,
        env=other_user_env(shared), cwd=shared)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)["checks"]
    assert {c["status"] for c in doc if c["object"] == "/run/systemd/system"} == {"error"}


# 3. systemd-analyze missing: ERROR unless the operator opts out by name --------------------

def test_systemd_analyze_missing_is_an_error_unless_opted_out(host: Path,
                                                             tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    without = {"PATH": str(empty)}
    proc = hostile_audit(host, env=without)
    assert status(proc, "H141", "systemd-analyze verify") == {"error"}
    assert proc.returncode == 1
    # a world-writable unit is still judged by H132 either way
    proc = hostile_audit(host, "--no-systemd-analyze", env=without)
    assert status(proc, "H141", "systemd-analyze verify") == {"n/a"}
    assert proc.returncode == 0, bad(proc)


# 4. every unit systemd would run ---------------------------------------------------------

ROOT_UNIT = ("[Unit]\nDescription=x\n\n[Service]\nUser=root\n{line}\n\n"
             "[Install]\nWantedBy=multi-user.target\n")


def test_a_template_is_judged_through_its_enabled_instance(host: Path) -> None:
    template = f"{SYSTEM}/quantum-worker@.service"
    put(host, template, ROOT_UNIT.format(
        line="ExecStart=/opt/quantum/venvs/backend/bin/python -m worker %i"))
    proc = hostile_audit(host)
    assert status(proc, "H141", template) == set()  # no instance: never runs
    folder(host, f"{SYSTEM}/multi-user.target.wants")
    os.symlink("../quantum-worker@.service",
               host / f"{SYSTEM}/multi-user.target.wants/quantum-worker@1.service".lstrip("/"))
    proc = hostile_audit(host)
    assert status(proc, "H141", template) == {"fail"}


@pytest.mark.parametrize("line", [
    "ExecStart=/opt//quantum/venvs/backend/bin/python -m x",
    "ExecStart=/usr/bin/env \\\n  /home/qt/quantum_trader/./ops/x.sh",
    "ExecStart=/bin/sh -c 'cd /home/qt/quantum_trader && ops/model_safety/canary_activate.sh'",
    'ExecStart="/home/qt/quantum_trader/../quantum_trader/x"',
    "WorkingDirectory=-/home/qt//quantum_trader/",
])
def test_a_unit_of_another_name_that_runs_the_repository_is_found(host: Path,
                                                                 line: str) -> None:
    put(host, f"{SYSTEM}/nightly.service", ROOT_UNIT.format(line=line))
    proc = hostile_audit(host)
    assert status(proc, "H141", f"{SYSTEM}/nightly.service") == {"fail"}


def test_a_timer_of_a_judged_service_is_judged(host: Path) -> None:
    put(host, f"{SYSTEM}/nightly.service", ROOT_UNIT.format(
        line="ExecStart=/bin/sh -c 'cd /home/qt/quantum_trader && "
             "ops/model_safety/canary_activate.sh'"))
    put(host, f"{SYSTEM}/nightly.timer", "[Timer]\nOnCalendar=daily\n\n"
        "[Install]\nWantedBy=timers.target\n")
    proc = hostile_audit(host)
    assert status(proc, "H141", f"{SYSTEM}/nightly.timer")
    service = next(c for c in results(proc) if c["object"] == f"{SYSTEM}/nightly.service"
                   and c["code"] == "H141")
    assert "QT601" in {f["code"] for f in service["findings"]}


def test_an_alias_is_the_same_unit(host: Path) -> None:
    os.symlink("quantum-backend.service", host / f"{SYSTEM}/quantum-api.service".lstrip("/"))
    proc = hostile_audit(host)
    assert proc.returncode == 0, bad(proc)
    assert not [c for c in results(proc) if "quantum-api" in c["object"]]


# 5. Redis as systemd would start it ------------------------------------------------------

REDIS_DROPIN = "/etc/systemd/system/redis-server.service.d/override.conf"
REDIS_OBJ = "redis (image) /etc/redis/redis.conf"


def test_exec_start_options_override_redis_conf(host: Path) -> None:
    put(host, REDIS_DROPIN, "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server "
        "/etc/redis/redis.conf --bind 0.0.0.0 --protected-mode no --appendonly no\n")
    proc = hostile_audit(host)
    assert status(proc, "H102", REDIS_OBJ) == {"fail"}
    assert status(proc, "H103", REDIS_OBJ) == {"fail"}


def test_another_config_file_named_by_the_unit_is_read(host: Path) -> None:
    put(host, "/etc/redis/other.conf", "bind 127.0.0.1\nprotected-mode yes\nappendonly no\n")
    put(host, REDIS_DROPIN, "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server "
        "/etc/redis/other.conf --supervised systemd\n")
    proc = hostile_audit(host)
    assert status(proc, "H102", "redis (image) /etc/redis/other.conf") == {"fail"}


@pytest.mark.parametrize("mask", ["link", "empty"])
def test_a_masked_redis_fails_even_without_dev(host: Path, mask: str) -> None:
    assert not (host / "dev").exists()
    path = host / f"{SYSTEM}/redis-server.service".lstrip("/")
    if mask == "link":
        os.symlink("/dev/null", path)
    else:
        path.write_text("")
    proc = hostile_audit(host)
    assert status(proc, "H101", "redis (image) redis-server.service") == {"fail"}


def test_a_masked_vendor_drop_in_is_not_an_error(host: Path) -> None:
    put(host, "/usr/lib/systemd/system/quantum-backend.service.d/vendor.conf",
        "[Service]\nUser=root\n")
    folder(host, f"{UNIT}.d")
    os.symlink("/dev/null", host / f"{UNIT}.d/vendor.conf".lstrip("/"))
    proc = hostile_audit(host)
    assert proc.returncode == 0, bad(proc)


# 6. write access (H132) for every object the audit judges --------------------------------

def _setfacl(*args: str) -> None:
    subprocess.run(["setfacl", *args], check=True)


@pytest.mark.parametrize(("case", "obj"), [
    ("unit owned by qt", UNIT),
    ("unit linked into qt's repository", f"{REPO}/systemd/quantum-backend.service"),
    ("drop-in folder group qt", f"{UNIT}.d"),
    ("default ACL on the unit folder", SYSTEM),
    ("pyvenv.cfg owned by qt", "/opt/quantum/venvs/backend/pyvenv.cfg"),
    ("interpreter owned by qt", "/usr/bin/python3.11"),
    ("site-packages writable", "/opt/quantum/venvs/backend (every entry)"),
    ("redis.conf world-writable", "/etc/redis/redis.conf"),
])
def test_every_judged_object_qt_could_write_fails(host: Path, case: str, obj: str) -> None:
    h = host
    if case == "unit owned by qt":
        os.chown(h / UNIT.lstrip("/"), QT, QT)
    elif case == "unit linked into qt's repository":
        (h / UNIT.lstrip("/")).unlink()
        os.symlink(f"{REPO}/systemd/quantum-backend.service", h / UNIT.lstrip("/"))
    elif case == "drop-in folder group qt":
        put(h, f"{UNIT}.d/limits.conf", "[Service]\nLimitNOFILE=4096\n")
        os.chown(h / f"{UNIT}.d".lstrip("/"), 0, QT)
        (h / f"{UNIT}.d".lstrip("/")).chmod(0o775)
    elif case == "default ACL on the unit folder":
        _setfacl("-d", "-m", f"u:{QT}:rwx", str(h / SYSTEM.lstrip("/")))
    elif case in {"pyvenv.cfg owned by qt", "interpreter owned by qt"}:
        os.chown(h / obj.lstrip("/"), QT, QT)
    elif case == "site-packages writable":
        site = folder(h, "/opt/quantum/venvs/backend/lib/python3.11/site-packages")
        put(h, "/opt/quantum/venvs/backend/lib/python3.11/site-packages/evil.pth", "x")
        os.chown(site, 0, QT)
        site.chmod(0o775)
    elif case == "redis.conf world-writable":
        (h / obj.lstrip("/")).chmod(0o666)
    proc = hostile_audit(h)
    assert status(proc, "H132", obj) == {"fail"}, [c for c in results(proc)
                                                    if c["code"] == "H132"][-5:]


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setfacl") is None,
                    reason="needs root and setfacl (scripts/test installs acl)")
def test_h132_agrees_with_the_kernel_for_every_judged_file(shared: Path) -> None:
    """The oracle: for each object H132 judges, whether qt (a real uid with its groups)
    may write it, asked of the kernel with `setpriv ... test -w`."""
    root = shared / "host"
    root.mkdir()
    build_host(root)
    os.chown(root / UNIT.lstrip("/"), 0, QT)
    (root / UNIT.lstrip("/")).chmod(0o664)
    _setfacl("-m", f"u:{QT}:rw", str(root / "opt/quantum/venvs/backend/pyvenv.cfg"))
    _setfacl("-m", f"u:{QT}:r", "-m", "m::rw",
             str(root / "opt/quantum/venvs/execution/pyvenv.cfg"))
    (root / "etc/redis/redis.conf").chmod(0o646)
    proc = hostile_audit(root, "--only", "H132")
    verdicts = {c["object"]: c["status"] for c in results(proc)}
    checked = 0
    for obj, verdict in verdicts.items():
        path = root / obj.lstrip("/")
        if not obj.startswith("/") or path.is_symlink() or not path.exists():
            continue
        kernel = subprocess.run(["setpriv", f"--reuid={QT}", f"--regid={QT}",
                                 "--clear-groups", "test", "-w", str(path)],
                                check=False).returncode == 0
        assert (verdict == "fail") == kernel, (obj, verdict, kernel)
        checked += 1
    assert checked > 20
    assert verdicts[UNIT] == verdicts["/opt/quantum/venvs/backend/pyvenv.cfg"] == "fail"
    assert verdicts["/opt/quantum/venvs/execution/pyvenv.cfg"] == "pass"


# 7. privilege the contract forbids (J) ----------------------------------------------------

@pytest.mark.parametrize(("files", "group", "obj"), [
    ({"/etc/sudoers.d/qt": "qt ALL=(ALL) NOPASSWD: ALL\n"}, "", "/etc/sudoers.d/qt:1"),
    ({"/etc/sudoers.d/ops": "%ops ALL=(ALL:ALL) \\\n  /bin/systemctl\n"}, "ops:x:50:qt",
     "/etc/sudoers.d/ops:1"),
    ({"/etc/sudoers.d/alias": "User_Alias SVC = qt, deploy\nSVC ALL = ALL\n"}, "",
     "/etc/sudoers.d/alias:2"),
    ({"/etc/sudoers.d/uid": f"#{QT} ALL=(root) NOPASSWD: /usr/bin/tee\n"}, "",
     "/etc/sudoers.d/uid:1"),
])
def test_a_sudoers_rule_for_qt_fails(host: Path, files: dict[str, str], group: str,
                                     obj: str) -> None:
    put(host, "/etc/sudoers", "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n", 0o440)
    for path, text in files.items():
        put(host, path, text, 0o440)
    put(host, "/etc/sudoers.d/ignored.bak", "qt ALL=(ALL) NOPASSWD: ALL\n", 0o440)
    if group:
        with open(host / "etc/group", "a") as handle:
            handle.write(group + "\n")
    proc = hostile_audit(host)
    assert status(proc, "H163", obj) == {"fail"}
    assert not status(proc, "H163", "/etc/sudoers.d/ignored.bak:1")  # sudo skips it


def test_a_sudoers_excluding_qt_passes(host: Path) -> None:
    put(host, "/etc/sudoers", "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n"
        "ALL, !qt ALL=(ALL) /usr/bin/id\n#includedir /etc/sudoers.d\n", 0o440)
    proc = hostile_audit(host)
    assert status(proc, "H163", "sudoers") == {"pass"}
    assert proc.returncode == 0, bad(proc)


@pytest.mark.parametrize(("passwd", "group", "obj"), [
    ("", "docker:x:999:qt", "user qt groups"),
    ("", "disk:x:6:qt", "user qt groups"),
    ("toor:x:0:0::/root:/bin/sh", "", "user toor"),
])
def test_root_by_another_name_fails(host: Path, passwd: str, group: str, obj: str) -> None:
    for path, line in (("etc/passwd", passwd), ("etc/group", group)):
        if line:
            with open(host / path, "a") as handle:
                handle.write(line + "\n")
    proc = hostile_audit(host)
    assert status(proc, "H163", obj) == {"fail"}


def test_a_setuid_interpreter_fails(host: Path) -> None:
    (host / "usr/bin/python3.11").chmod(0o4755)
    proc = hostile_audit(host)
    assert status(proc, "H164", "/usr/bin/python3.11") == {"fail"}


@pytest.mark.parametrize("setting", [
    "AmbientCapabilities=CAP_NET_ADMIN", "CapabilityBoundingSet=CAP_SYS_ADMIN",
    "SupplementaryGroups=qt disk", "SupplementaryGroups=root",
    "UnsetEnvironment=SHADOW_MODE", "BindPaths=/home/qt/bin:/opt/quantum/venvs/backend/bin",
    "BindReadOnlyPaths=/home/qt/etc:/etc/quantum", "RootDirectory=/home/qt/jail",
    # as systemd reads them: an escaped colon is part of the source, quotes are removed
    "BindPaths=/home/qt/a\\:b:/opt/quantum/venvs/backend/bin",
    "BindReadOnlyPaths='/home/qt/etc':'/etc/quantum'", "RootDirectory=/home/qt%E",
])
def test_a_drop_in_giving_back_privilege_fails(host: Path, setting: str) -> None:
    put(host, f"{UNIT}.d/zz-local.conf", f"[Service]\n{setting}\n")
    proc = hostile_audit(host)
    assert status(proc, "H145", UNIT) == {"fail"}


# 8. models and secrets --------------------------------------------------------------------

@pytest.mark.parametrize(("change", "code", "obj"), [
    (lambda h: (h / "opt/quantum/ai_engine/models/active").chmod(0o777), "H114",
     "/opt/quantum/ai_engine/models/active"),
    (lambda h: (h / "opt/quantum/ai_engine/models/shadow").chmod(0o757), "H114",
     "/opt/quantum/ai_engine/models/shadow"),
    (lambda h: shutil.rmtree(h / "opt/quantum/secrets"), "H116", "/opt/quantum/secrets"),
    (lambda h: (h / "opt/quantum/secrets").chmod(0o755), "H116", "/opt/quantum/secrets"),
    (lambda h: (h / "opt/quantum/secrets/exchange.key").chmod(0o640), "H116",
     "/opt/quantum/secrets/exchange.key"),
])
def test_models_and_secrets_others_could_reach_fail(host: Path, change: object, code: str,
                                                    obj: str) -> None:
    assert callable(change)
    change(host)
    proc = hostile_audit(host)
    assert status(proc, code, obj) == {"fail"}


# 9. the live Redis: whoever holds the port, within the time bounds -------------------------

def _live(port: int, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return qt_lint("host", "--only", "H10", "--redis-port", str(port), "--format", "json",
                   *extra, cwd=cwd)


def test_a_redis_server_of_another_account_does_not_pass(tmp_path: Path) -> None:
    with redis_server(tmp_path, as_user=False, uid=65534) as port:
        proc = _live(port, "--timeout", "1", cwd=tmp_path)
    doc = json.loads(proc.stdout)["checks"]
    held = next(c for c in doc if c["object"].endswith("listener"))
    assert held["status"] == "fail" and "uid 65534" in held["actual"]
    assert proc.returncode == 1
    with redis_server(tmp_path) as port:  # as Debian runs it: the redis account
        proc = _live(port, "--timeout", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_the_listener_is_the_redis_units_main_process(tmp_path: Path) -> None:
    """With systemd's answer (recorded `systemctl show` output), the port must be held by
    the unit's main process, whoever runs it."""
    from qt_lint.config import Config
    from qt_lint.host.check import Audit, HostExample
    from qt_lint.host.checks.redis import RedisPing
    from qt_lint.host.collect import _redis, main_pid_from_show
    from qt_lint.host.examples import changed, compliant

    config = Config()

    def judged(port: int, show: str) -> tuple[list[str], dict[str, object]]:
        def recorded(unit: str) -> tuple[int | None, str | None]:
            assert unit == "redis-server.service"
            return main_pid_from_show(show)

        redis = _redis("localhost", port, 2.0, ("localhost",), None,
                       time.monotonic() + 10, "redis-server.service", recorded)
        snapshot = changed(compliant(config.contract), HostExample(facts={"redis": redis}))
        return [r.status for r in RedisPing().run(Audit(snapshot, config))
                if r.object.endswith("listener")], redis["listener"]

    with redis_server(tmp_path, as_user=False, uid=65534) as port:
        verdicts, held = judged(port, "MainPID=1\n")
        assert verdicts == ["fail"] and held.get("uid") == 65534
        verdicts, _ = judged(port, f"MainPID={held['pid']}\n")
        assert verdicts == ["pass"]  # systemd's main process, whoever runs it
    assert main_pid_from_show("0\n") == (None, "the Redis unit has no main process "
                                               "(not running)")


class SlowRedis:
    """A fake Redis on 127.0.0.1 that answers every command one byte per second."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = int(self.sock.getsockname()[1])
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            for byte in b"+PONG\r\n" * 1000:
                if self.stop.wait(1.0):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_redis_that_drips_one_byte_a_second_cannot_stretch_the_audit(
        tmp_path: Path) -> None:
    slow = SlowRedis()
    try:
        started = time.monotonic()
        proc = _live(slow.port, "--timeout", "2", "--time-limit", "5", cwd=tmp_path)
        elapsed = time.monotonic() - started
    finally:
        slow.close()
    assert elapsed < 8, elapsed
    doc = json.loads(proc.stdout)["checks"]
    ping = next(c for c in doc if c["code"] == "H101" and not c["object"].endswith("listener"))
    assert ping["status"] == "error" and "TimeoutError" in ping["actual"]
    assert proc.returncode == 1


# 10. the repository is opened without following links; -o writes 0600 ---------------------

SHADOW = "root:QTLINT-SHADOW-CANARY:19000:0:99999:7:::\n"


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_a_repository_unit_linked_to_shadow_is_never_read(host: Path, fmt: str) -> None:
    put(host, "/etc/shadow", SHADOW, 0o640)
    repo_unit = host / f"{REPO}/systemd/quantum-backend.service".lstrip("/")
    repo_unit.unlink()
    os.symlink("/etc/shadow", repo_unit)
    os.lchown(repo_unit, QT, QT)
    proc = hostile_audit(host, "--format", fmt)
    assert "QTLINT-SHADOW-CANARY" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    if fmt == "json":
        h142 = next(c for c in results(proc) if c["code"] == "H142" and c["object"] == UNIT)
        assert h142["status"] == "error" and "symbolic link" in h142["actual"]


def test_a_repository_folder_linked_out_or_a_file_of_another_owner_is_not_read(
        host: Path) -> None:
    put(host, "/root/units/quantum-backend.service", SHADOW, 0o600)
    systemd = host / f"{REPO}/systemd".lstrip("/")
    shutil.rmtree(systemd)
    os.symlink("/root/units", systemd)
    proc = hostile_audit(host)
    assert "QTLINT-SHADOW-CANARY" not in proc.stdout
    assert status(proc, "H142", UNIT) == {"error"}
    os.unlink(systemd)
    put(host, f"{REPO}/systemd/quantum-backend.service", SHADOW, 0o644, 0, 0)
    proc = hostile_audit(host)
    assert "QTLINT-SHADOW-CANARY" not in proc.stdout
    h142 = next(c for c in results(proc) if c["code"] == "H142" and c["object"] == UNIT)
    assert h142["status"] == "error" and "owned by uid 0" in h142["actual"]


def test_reports_written_with_o_are_0600_unless_asked(host: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old")
    out.chmod(0o644)
    hostile_audit(host, "-o", str(out))
    assert out.stat().st_mode & 0o777 == 0o600 and json.loads(out.read_text())["ok"]
    prom = tmp_path / "qt.prom"
    hostile_audit(host, "--format", "prometheus", "-o", str(prom), "--output-mode", "0644")
    assert prom.stat().st_mode & 0o777 == 0o644
    proc = qt_lint("host", "--root", str(host), "-o", str(prom), "--output-mode", "4755",
                   cwd=tmp_path)
    assert proc.returncode == 2 and "permission bits only" in proc.stderr


# 11. redact and escape everything printed ----------------------------------------------------

def test_raw_systemd_analyze_lines_are_redacted(host: Path) -> None:
    assert shutil.which("systemd-analyze"), "scripts/test installs systemd"
    edit(host, UNIT, "[Service]\n", '[Service]\nEnvironment="BINANCE_API_SECRET=QTLINT-SECRET '
         "OTHER=1\n")
    for fmt in ("text", "json", "junit", "prometheus"):
        proc = hostile_audit(host, "--format", fmt)
        assert "QTLINT-SECRET" not in proc.stdout + proc.stderr, fmt
    proc = hostile_audit(host)
    unit = next(c for c in results(proc) if c["code"] == "H141" and c["object"] == UNIT)
    assert "systemd-analyze" in unit["actual"] and "Invalid syntax" in unit["actual"]


def test_a_newline_in_a_file_name_forges_no_line(host: Path) -> None:
    put(host, "/opt/quantum/ai_engine/models/archive/bad\nH114 PASS  forged", "m", 0o644,
        QT, QT)
    put(host, f"{SYSTEM}/quantum-evil\nH141 PASS  forged.service",
        "[Service]\nExecStart=/opt/quantum/venvs/backend/bin/python -m x\n")
    proc = hostile_audit(host, "--format", "text")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if "forged" in line and
                not line.lstrip().startswith(("H1", "actual", "/", "expected"))], lines
    assert not [line for line in lines if line.startswith(("H114 PASS  forged",
                                                           "H141 PASS  forged"))]
    assert "quantum-evil\\nH141 PASS  forged.service" in proc.stdout


# 12. bounds on what qt controls: each an ERROR on that object, the audit goes on -----------

@pytest.mark.parametrize("name", ["qt-lint.toml", "pyproject.toml"])
def test_a_deeply_nested_repository_configuration_is_an_error(host: Path, name: str) -> None:
    head = "[tool.qt-lint]\n" if name == "pyproject.toml" else ""
    put(host, f"{REPO}/{name}", head + "x = " + "[" * 5000 + "]" * 5000 + "\n", 0o644, QT, QT)
    proc = hostile_audit(host)
    assert status(proc, "H162", f"{REPO}/{name}") == {"error"}
    assert proc.returncode == 1 and len(results(proc)) > 50


def _find_state(root: Path) -> str:
    """Every entry below `root` with its type, mode, owner, size, times and link (find(1):
    no recursion limit for deep trees)."""
    return subprocess.run(["find", str(root), "-printf", "%p %y %m %U %G %s %T@ %C@ %l\n"],
                          capture_output=True, text=True, check=True).stdout


def test_a_thousand_nested_repository_folders_is_an_error(host: Path) -> None:
    deep = host / REPO.lstrip("/") / "d"
    # made and removed with mkdir -p and rm -rf: os.makedirs and shutil.rmtree (pytest's
    # clean-up too) recurse once per level
    subprocess.run(["mkdir", "-p", str(deep) + "/d" * 999], check=True)
    try:
        before = _find_state(host)
        proc = qt_lint("host", "--root", str(host), "--offline", "--format", "json",
                       cwd=host.parent)
        assert _find_state(host) == before and "Traceback" not in proc.stderr
        assert status(proc, "H142", UNIT) == {"error"}
        h142 = next(c for c in results(proc) if c["code"] == "H142" and c["object"] == UNIT)
        assert "nested more than" in h142["actual"]
        assert status(proc, "H141", UNIT) == {"pass"}
    finally:
        subprocess.run(["rm", "-rf", str(deep)], check=True)


def test_many_sparse_repository_units_stay_bounded(host: Path) -> None:
    for index in range(160):
        with open(host / f"{REPO}/systemd/quantum-x{index}.service".lstrip("/"), "wb") as f:
            f.truncate(8 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = hostile_audit(host)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert proc.returncode == 0, bad(proc)  # not installed: nothing compares with them
    assert max(before, peak) < 400 * 1024, peak  # kB: far below 160 x 8 MB


def test_a_passwd_uid_that_is_no_number_is_an_error_on_that_line(host: Path) -> None:
    with open(host / "etc/passwd", "a") as handle:
        handle.write("mallory:x:\u00b2:1000::/home/m:/bin/sh\n")
    proc = hostile_audit(host)
    assert proc.returncode == 1
    assert status(proc, "H161", "/etc/passwd:3") == {"error"}
    assert status(proc, "H161", "user qt") == {"pass"}


# 13. the time limit bounds judging too ------------------------------------------------------

def test_the_time_limit_bounds_judging(host: Path) -> None:
    from qt_lint.config import Config
    from qt_lint.host.check import Audit
    from qt_lint.host.checks import TIME_UP, run_checks
    from qt_lint.host.examples import compliant

    config = Config()
    audit = Audit(compliant(config.contract), config, offline=True)
    late = run_checks(audit, (), deadline=time.monotonic() - 1)
    assert late and {(r.status, r.actual) for r in late} == {("error", TIME_UP)}
    assert {r.status for r in run_checks(audit, (), deadline=time.monotonic() + 60)} <= {
        "pass", "n/a"}


def test_ten_thousand_units_end_within_the_time_limit(host: Path) -> None:
    unit = (host / UNIT.lstrip("/")).read_text()
    for index in range(10_000):
        (host / f"{SYSTEM}/quantum-n{index}.service".lstrip("/")).write_text(unit)
    before = _find_state(host)
    started = time.monotonic()
    proc = qt_lint("host", "--root", str(host), "--offline", "--format", "json",
                   "--time-limit", "5", cwd=host.parent)
    elapsed = time.monotonic() - started
    assert _find_state(host) == before and "Traceback" not in proc.stderr
    # the limit, and start-up and the report around it (on a loaded machine); without
    # the bound on judging this ran 30 s past the limit
    assert elapsed < 5 + 10, elapsed
    assert json.loads(proc.stdout)["duration_seconds"] < 5 + 6
    assert proc.returncode == 1
    assert any("time limit" in c["actual"] for c in results(proc) if c["status"] == "error")


def test_redis_passwords_never_reach_a_snapshot(host: Path, tmp_path: Path) -> None:
    edit(host, "/etc/redis/redis.conf", "appendonly yes",
         "appendonly yes\nrequirepass QTLINT-REDIS-PASS\nuser ops on >QTLINT-ACL-PASS ~* +@all")
    put(host, REDIS_DROPIN, "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server "
        "/etc/redis/redis.conf --masterauth QTLINT-MASTER-PASS\n")
    out = tmp_path / "snapshot.json"
    proc = hostile_audit(host, "--snapshot-out", str(out))
    written = out.read_text()
    for secret in ("QTLINT-REDIS-PASS", "QTLINT-ACL-PASS", "QTLINT-MASTER-PASS"):
        assert secret not in written and secret not in proc.stdout, secret
    assert "requirepass ****" in written and proc.returncode == 0, bad(proc)
