"""`qt-lint host` against trees built the way an adversarial `qt` (or a broken image) would
build them: it stays inside --root, trusts only what root owns, never hangs or judges a
prefix, and fails closed. Every audit here also proves it wrote nothing (`hostile_audit`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import qt_lint
from tests.hosttree import QT, build_host, folder, put

UNIT = "/etc/systemd/system/quantum-backend.service"
REPO = "/home/qt/quantum_trader"
ENV = "/etc/quantum/backend.env"
OUTSIDE = "QTLINT-OUTSIDE-CANARY"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the root, that no audit of the root may read."""
    where = tmp_path / "outside"
    put(where, "/secret.env", f"EXCHANGE_API_SECRET={OUTSIDE}\nNOTE={OUTSIDE}\n")
    put(where, "/quantum-backend.service", f"[Service]\nDescription={OUTSIDE}\nUser=qt\n")
    put(where, "/systemd/quantum-backend.service", f"[Service]\nDescription={OUTSIDE}\n")
    put(where, "/qt-lint.toml", 'per-file-ignores = {"**" = ["QT601"]}\n')
    return where


def tree_state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry below `root` with its type, mode, owner, size, times, link text and
    content hash: what `qt-lint host` must leave exactly as it found it."""
    out: dict[str, tuple[object, ...]] = {}
    for current, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(current, name)
            st = os.lstat(path)
            link = os.readlink(path) if os.path.islink(path) else ""
            digest = ""
            if os.path.isfile(path) and not os.path.islink(path) and st.st_size < 64 << 20 \
                    and st.st_blocks:
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            out[path] = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns,
                         st.st_ctime_ns, link, digest)
    return out


def hostile_audit(root: Path, *args: str, timeout: float = 120,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Audit `root` (offline, JSON unless a format is given) and prove nothing below it
    changed and nothing was created."""
    before = tree_state(root)
    fmt = [] if "--format" in args else ["--format", "json"]
    started = time.monotonic()
    proc = qt_lint("host", "--root", str(root), "--offline", *fmt, *args, cwd=root.parent,
                   env=env)
    assert time.monotonic() - started < timeout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert tree_state(root) == before, "the audit changed the tree it audited"
    return proc


def results(proc: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    doc = json.loads(proc.stdout)
    return list(doc["checks"])


def bad(proc: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str]]:
    return {(c["code"], c["status"], c["object"]) for c in results(proc)
            if c["status"] in ("fail", "error")}


def codes(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {code for code, _, _ in bad(proc)}


def _replace(root: Path, path: str, target: str) -> None:
    full = root / path.lstrip("/")
    if full.is_dir() and not full.is_symlink():
        shutil.rmtree(full)
    elif full.exists() or full.is_symlink():
        full.unlink()
    os.symlink(target, full)


# 1. links never lead out of the root --------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "junit", "prometheus"])
def test_a_unit_linked_outside_the_root_is_never_read(host: Path, outside: Path,
                                                      fmt: str) -> None:
    _replace(host, UNIT, str(outside / "quantum-backend.service"))
    _replace(host, ENV, str(outside / "secret.env"))
    proc = hostile_audit(host, "--format", fmt)
    assert OUTSIDE not in proc.stdout + proc.stderr
    assert proc.returncode == 1


def test_links_out_of_the_root_are_re_rooted(host: Path, outside: Path) -> None:
    # an absolute link is re-rooted (the auditing machine's /etc/shadow is <root>/etc/shadow)
    _replace(host, UNIT, "/etc/shadow")
    # `..` stops at the root however many there are
    _replace(host, ENV, "../../../../../../../../../../" + str(outside / "secret.env"))
    proc = hostile_audit(host)
    doc = results(proc)
    unit = [c for c in doc if c["object"] == UNIT and c["code"] == "H141"]
    assert unit and unit[0]["status"] == "error" and "missing" in unit[0]["actual"]
    assert OUTSIDE not in proc.stdout
    assert ("H131", "fail", ENV) in bad(proc)


def test_a_repository_linked_to_slash_walks_the_image_only(host: Path, outside: Path) -> None:
    repo = host / REPO.lstrip("/")
    shutil.move(str(repo), str(host / "srv-repo"))
    os.symlink("/", repo)
    proc = hostile_audit(host, timeout=60)
    assert OUTSIDE not in proc.stdout
    assert ("H111", "fail", REPO) in bad(proc)
    os.unlink(repo)
    os.symlink(str(outside), repo)  # the outside folder, by its absolute path: re-rooted
    proc = hostile_audit(host)
    assert OUTSIDE not in proc.stdout
    h162 = [c for c in results(proc) if c["code"] == "H162"]
    assert "QT601" not in json.dumps(h162) and "would change" not in json.dumps(h162)


def test_a_link_swapped_in_is_never_followed_by_the_kernel(host: Path, outside: Path) -> None:
    """The resolver opens each component itself with O_NOFOLLOW: a folder on the way that
    is a link to an outside absolute path is resolved inside the root, never by the
    kernel (which would leave the root)."""
    from qt_lint.host.inroot import Root

    _replace(host, "/etc/quantum", str(outside))
    fs = Root(str(host))
    try:
        with pytest.raises(FileNotFoundError):
            fs.read(ENV, 1 << 20)
        with pytest.raises(FileNotFoundError):
            fs.read("/etc/quantum/secret.env", 1 << 20)
        data, where = fs.read("/../../../etc/passwd", 1 << 20)
        assert where == "/etc/passwd" and b"qt:x:1000" in data
    finally:
        fs.close()


# 2. the audited user does not steer the audit -----------------------------------------

def _repo_config(root: Path, text: str) -> None:
    put(root, f"{REPO}/qt-lint.toml", text, 0o644, QT, QT)


def test_a_repository_configuration_is_reported_never_applied(host: Path) -> None:
    env = host / ENV.lstrip("/")
    env.write_text(env.read_text().replace("AUTO_ACTIVATION=disabled", "AUTO_ACTIVATION=enabled"))
    _repo_config(host, 'per-file-ignores = {"**" = ["QT601"]}\n')
    proc = hostile_audit(host)
    assert ("H131", "fail", ENV) in bad(proc)
    assert ("H162", "fail", f"{REPO}/qt-lint.toml") in bad(proc)
    h162 = next(c for c in results(proc) if c["code"] == "H162")
    assert "per-file-ignores" in h162["actual"] and h162["remediation"]


def test_a_repository_contract_moves_nothing(host: Path) -> None:
    db = host / "opt/quantum/data/quantum_trader.db"
    db.write_bytes(b"")
    put(host, "/opt/quantum/data/other.db", b"", 0o644, QT, QT)
    _repo_config(host, '[contract]\ndb-path = "/opt/quantum/data/elsewhere.db"\n'
                 'required-vars = ["REPO_ROOT"]\nredis-hosts = ["192.0.2.1"]\n')
    proc = hostile_audit(host)
    assert ("H113", "fail", "/opt/quantum/data/quantum_trader.db") in bad(proc)
    h162 = next(c for c in results(proc) if c["code"] == "H162")
    for key in ("contract.db-path", "contract.required-vars", "contract.redis-hosts"):
        assert key in h162["actual"]


def test_a_root_owned_host_configuration_is_used(host: Path) -> None:
    config = put(host, "/etc/quantum/qt-lint.toml",
                 '[contract]\ndb-path = "/opt/quantum/data/quantum_trader.db"\n'
                 'data-dir = "/opt/quantum/data"\nuser = "qt"\n', 0o644)
    proc = hostile_audit(host)
    assert proc.returncode == 0, bad(proc)
    for uid, mode in ((QT, 0o644), (0, 0o666)):
        os.chown(config, uid, 0)
        config.chmod(mode)
        proc = hostile_audit(host)
        assert proc.returncode == 2 and "only trusts a file that root owns" in proc.stderr
    os.chown(config, 0, 0)
    config.chmod(0o644)
    subprocess.run(["setfacl", "-m", f"u:{QT}:rw", str(config)], check=True)
    proc = hostile_audit(host)
    assert proc.returncode == 2 and "no ACL" in proc.stderr
    config.unlink()
    os.symlink("/etc/passwd", config)
    proc = hostile_audit(host)
    assert proc.returncode == 2 and "regular file" in proc.stderr


# 3. the audited user cannot deny the audit -----------------------------------------------

def test_a_huge_sparse_configuration_is_an_error_not_a_hang(host: Path) -> None:
    path = put(host, f"{REPO}/pyproject.toml", "[tool.qt-lint]\n", 0o644, QT, QT)
    with open(path, "r+b") as handle:
        handle.truncate(2 * 1024**3)
    started = time.monotonic()
    proc = hostile_audit(host, timeout=60)
    assert time.monotonic() - started < 30
    assert proc.returncode == 1
    h162 = next(c for c in results(proc) if c["code"] == "H162")
    assert h162["status"] == "error" and "read limit" in h162["actual"]


def test_fifos_and_devices_are_never_opened(host: Path) -> None:
    env = host / ENV.lstrip("/")
    env.unlink()
    os.mkfifo(host / "etc/quantum/pipe")
    os.symlink("pipe", env)
    os.mkfifo(host / "etc/quantum/ai-engine.env.fifo")
    (host / "etc/quantum/ai-engine.env").unlink()
    os.symlink("/dev/zero", host / "etc/quantum/ai-engine.env")  # the image's /dev/zero
    makefile = host / REPO.lstrip("/") / "Makefile"
    makefile.unlink()
    os.mkfifo(makefile)
    proc = hostile_audit(host, timeout=60)
    found = bad(proc)
    assert ("H131", "error", ENV) in found
    assert ("H131", "fail", "/etc/quantum/ai-engine.env") in found  # missing in the image
    assert ("H151", "error", f"{REPO}/Makefile") in found
    actual = [c["actual"] for c in results(proc) if c["object"] == ENV]
    assert any("fifo" in a for a in actual)


def test_the_collection_has_a_time_budget(host: Path) -> None:
    from qt_lint.config import Config
    from qt_lint.host.collect import TIME_UP, Reader
    from qt_lint.host.inroot import OutOfTime, Root

    reader = Reader(str(host), deadline=time.monotonic() - 1)
    try:
        assert reader.read(ENV).error == TIME_UP
        assert reader.stat(REPO).error == TIME_UP
    finally:
        reader.fs.close()
    fs = Root(str(host), time.monotonic() - 1)
    with pytest.raises(OutOfTime):
        list(fs.walk(REPO, frozenset(), 100))
    fs.close()
    assert Config().contract.repo_root == REPO


def test_a_repository_too_large_to_walk_is_an_error(host: Path) -> None:
    from qt_lint.host.collect import Reader, _repo_units

    reader = Reader(str(host))
    try:
        units, error = _repo_units(reader, REPO)
        assert error is None and "quantum-backend.service" in units
        from qt_lint.host import collect

        old = collect.MAX_REPO_ENTRIES
        collect.MAX_REPO_ENTRIES = 3
        try:
            _, error = _repo_units(reader, REPO)
        finally:
            collect.MAX_REPO_ENTRIES = old
        assert error is not None and "more than 3 entries" in error
    finally:
        reader.fs.close()


def test_systemd_analyze_that_does_not_finish_is_an_error(host: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    put(fake, "/systemd-analyze", "#!/bin/sh\nsleep 60\n", 0o755)
    proc = hostile_audit(host, "--time-limit", "3", timeout=40,
                         env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert proc.returncode == 1
    assert ("H141", "error", "systemd-analyze verify") in bad(proc)


# 4. who can write: owner, groups, mode, ACLs, as the kernel decides -------------------------

def test_acl_and_group_write_access_fail_h132(host: Path) -> None:
    subprocess.run(["setfacl", "-m", f"u:{QT}:rwx", str(host / "etc/systemd/system")],
                   check=True)
    proc = hostile_audit(host)
    assert ("H132", "fail", "/etc/systemd/system") in bad(proc)
    subprocess.run(["setfacl", "-b", str(host / "etc/systemd/system")], check=True)
    put(host, "/etc/group", f"root:x:0:\nadm:x:4:syslog,qt\nqt:x:{QT}:\n")
    os.chown(host / "etc/quantum", 0, 4)
    (host / "etc/quantum").chmod(0o775)
    proc = hostile_audit(host)
    h132 = [c for c in results(proc) if c["code"] == "H132" and c["object"] == "/etc/quantum"]
    assert h132[0]["status"] == "fail" and "group adm" in h132[0]["actual"]


# (mode, owner uid, group gid, setfacl arguments)
ACCESS_CASES = [
    (0o755, 0, 0, []), (0o775, 0, QT, []), (0o775, 0, 4, []), (0o757, 0, 0, []),
    (0o555, QT, QT, []), (0o755, QT, QT, []), (0o770, 0, 0, ["-m", f"u:{QT}:rwx"]),
    (0o750, 0, 0, ["-m", f"u:{QT}:rwx", "-m", "m::rx"]), (0o750, 0, 0, ["-m", "g:4:rwx"]),
    (0o757, 0, 0, ["-m", "g:4:rx"]), (0o755, 0, 0, ["-m", f"u:{QT}:rx", "-m", "o::rwx"]),
    (0o705, 0, QT, ["-m", "g:4:rwx", "-m", "m::rwx"]), (0o777, QT, 0, ["-m", f"u:{QT}:r"]),
]


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="qt-lint-acl-"))
    where.chmod(0o755)
    yield where
    shutil.rmtree(where)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setfacl") is None,
                    reason="needs root and setfacl (scripts/test installs acl)")
def test_write_access_is_the_kernels_answer(shared: Path) -> None:
    from qt_lint.host.check import user_can_write
    from qt_lint.host.collect import Reader
    from qt_lint.host.snapshot import Snapshot

    put(shared, "/etc/passwd", f"root:x:0:0::/root:/bin/sh\nqt:x:{QT}:{QT}::/home/qt:/bin/sh\n")
    put(shared, "/etc/group", f"root:x:0:\nadm:x:4:qt\nqt:x:{QT}:\n")
    snapshot = Snapshot(version=2, root=str(shared), live=False, users={"root": 0, "qt": QT},
                        user_gids={"qt": QT}, groups={"root": 0, "adm": 4, "qt": QT},
                        group_members={"adm": ["qt"], "qt": []})
    reader = Reader(str(shared))
    answers = []
    try:
        for index, (mode, uid, gid, acl) in enumerate(ACCESS_CASES):
            path = folder(shared, f"/case{index}", mode, uid, gid)
            if acl:
                subprocess.run(["setfacl", *acl, str(path)], check=True)
            kernel = subprocess.run(
                ["setpriv", f"--reuid={QT}", f"--regid={QT}", "--groups=4", "test", "-w",
                 str(path)], check=False).returncode == 0
            ours = user_can_write(reader.stat(f"/case{index}"), snapshot, "qt")
            answers.append((index, kernel, ours is not None))
    finally:
        reader.fs.close()
    assert [a for a in answers if a[1] != a[2]] == [], answers
    assert {kernel for _, kernel, _ in answers} == {True, False}


# 5. every drop-in systemd loads, every unit that runs the repository's code ---------------

DROPINS = ["/etc/systemd/system/quantum-.service.d", "/etc/systemd/system/service.d",
           "/run/systemd/system/quantum-backend.service.d",
           "/usr/lib/systemd/system/quantum-backend.service.d",
           "/usr/local/lib/systemd/system/quantum-backend.service.d"]


@pytest.mark.parametrize("where", DROPINS)
def test_user_root_in_any_drop_in_fails(host: Path, where: str) -> None:
    put(host, f"{where}/50-root.conf", "[Service]\nUser=root\n")
    proc = hostile_audit(host)
    assert ("H141", "fail", UNIT) in bad(proc)


def test_drop_ins_are_those_systemd_loads(host: Path) -> None:
    """systemd-analyze verify reports an unknown key in every drop-in it loads, in the
    order it loads them: the audit's list must be exactly that one."""
    from qt_lint.config import Config
    from qt_lint.host.collect import Reader, find_units

    files = {
        "/etc/systemd/system/quantum-backend.service.d/10-a.conf": True,
        "/run/systemd/system/quantum-backend.service.d/10-a.conf": False,  # /etc's wins
        "/etc/systemd/system/quantum-.service.d/20-b.conf": True,
        "/usr/lib/systemd/system/service.d/30-c.conf": True,
        "/usr/lib/systemd/system/quantum-backend.service.d/05-z.conf": True,
        "/etc/systemd/system/quantum.service.d/40-d.conf": False,  # no dash: not a prefix
        "/etc/systemd/system/quantum-backend.service.d/50-e.txt": False,  # not .conf
        "/run/systemd/system/service.d/60-f.conf": True,
    }
    for index, path in enumerate(files):
        put(host, path, f"[Service]\nQtLintProbe{index}=1\n")
    reader = Reader(str(host))
    try:
        _units, dropins, _ = find_units(reader, Config())
    finally:
        reader.fs.close()
    ours = dropins[UNIT]
    assert ours == sorted((p for p, loaded in files.items() if loaded),
                          key=os.path.basename)
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={host}",
                           "quantum-backend.service"], capture_output=True, text=True,
                          check=False, timeout=60)
    loaded = [line.split(":", 1)[0].removeprefix(str(host)) for line in
              proc.stderr.splitlines() if "QtLintProbe" in line]
    # the unit asked for loads first; the type-wide service.d/ ones recur for every other
    # service systemd then loads as a dependency
    assert list(dict.fromkeys(loaded)) == ours


def test_a_unit_with_another_name_that_runs_the_repository_is_judged(host: Path) -> None:
    put(host, "/etc/systemd/system/trader-audit.service",
        "[Service]\nUser=root\nExecStart=/usr/bin/python3 "
        f"{REPO}/ops/audit.py\n")
    put(host, "/etc/systemd/system/unrelated.service",
        "[Service]\nUser=root\nExecStart=/usr/bin/true\n")
    proc = hostile_audit(host)
    assert ("H141", "fail", "/etc/systemd/system/trader-audit.service") in bad(proc)
    assert not any("unrelated" in obj for _, _, obj in bad(proc))


# 6. the database as SQLite sees it, write-ahead log included -------------------------------

def _wal_only(host: Path, tmp_path: Path, statement: str) -> Path:
    """The host's database with `statement` committed to its write-ahead log only: the
    files are copied while the writer still holds them (no checkpoint on close)."""
    work = tmp_path / "work.db"
    db = host / "opt/quantum/data/quantum_trader.db"
    shutil.copy(db, work)
    writer = sqlite3.connect(work, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("PRAGMA writable_schema=ON")
        writer.execute(statement)
        shutil.copy(work, db)  # the database file without the change
        shutil.copy(f"{work}-wal", f"{db}-wal")  # the change, only in the log
    finally:
        writer.close()
    os.chown(f"{db}-wal", QT, QT)
    return db


def test_a_corruption_committed_only_to_the_wal_fails(host: Path, tmp_path: Path) -> None:
    db = _wal_only(host, tmp_path, "UPDATE sqlite_master SET sql='CREATE TABLE trades(' "
                   "WHERE name='trades'")
    proc = hostile_audit(host)
    h113 = next(c for c in results(proc) if c["code"] == "H113")
    assert h113["status"] == "fail", h113
    assert not Path(f"{db}-shm").exists()


def test_a_healthy_wal_database_passes(host: Path, tmp_path: Path) -> None:
    _wal_only(host, tmp_path, "INSERT INTO trades (symbol) VALUES ('ETHUSDT')")
    proc = hostile_audit(host)
    assert proc.returncode == 0, bad(proc)
    h113 = next(c for c in results(proc) if c["code"] == "H113")
    assert h113["status"] == "pass"


# 7. never judge a prefix ------------------------------------------------------------------

def test_a_breach_after_a_megabyte_is_found(host: Path) -> None:
    filler = "# " + "x" * 78 + "\n"
    megabyte = filler * (1024 * 1024 // len(filler) + 1)
    for path in (UNIT, f"{REPO}/systemd/quantum-backend.service"):
        full = host / path.lstrip("/")
        full.write_text(full.read_text().replace("User=qt", megabyte + "User=root"))
    env = host / ENV.lstrip("/")
    env.write_text(megabyte + env.read_text().replace("AUTO_ACTIVATION=disabled",
                                                      "AUTO_ACTIVATION=enabled"))
    proc = hostile_audit(host)
    assert ("H141", "fail", UNIT) in bad(proc)
    assert ("H131", "fail", ENV) in bad(proc)
    assert ("H142", "fail", UNIT) not in bad(proc)  # the same change on both sides
    repo_copy = host / f"{REPO}/systemd/quantum-backend.service".lstrip("/")
    repo_copy.write_text(repo_copy.read_text().replace("RestartSec=10", "RestartSec=30"))
    assert ("H142", "fail", UNIT) in bad(hostile_audit(host))


def test_over_the_read_limit_is_an_error(host: Path) -> None:
    from qt_lint.host.collect import MAX_TEXT

    env = host / ENV.lstrip("/")
    env.write_text("# " + "y" * (MAX_TEXT + 10) + "\n" + env.read_text())
    proc = hostile_audit(host)
    h131 = next(c for c in results(proc) if c["object"] == ENV)
    assert h131["status"] == "error" and "read limit" in h131["actual"]


# 8. nothing verified never passes ------------------------------------------------------------

@pytest.mark.parametrize("args", [["--only", "H999"], ["--only", "X"], ["--only", ","],
                                  ["--service", "bakcend"]])
def test_a_filter_that_selects_nothing_is_a_usage_error(host: Path, args: list[str]) -> None:
    proc = hostile_audit(host, *args)
    assert proc.returncode == 2, proc.stdout[-500:]
    assert "Traceback" not in proc.stderr and proc.stderr.strip()


@pytest.mark.parametrize("kind", ["empty", "no etc"])
def test_an_empty_or_unrecognisable_root_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "mnt"
    root.mkdir()
    if kind == "no etc":
        put(root, "/data/x", "x")
    proc = hostile_audit(root)
    assert proc.returncode == 2 and "not a host" in proc.stderr


# 12. which repository copy a unit is compared with -------------------------------------------

def test_several_repository_copies_are_resolved_by_rule_or_reported(host: Path) -> None:
    unit = (host / UNIT.lstrip("/")).read_text()
    for where in ("deploy", "old", "systemd/legacy"):
        put(host, f"{REPO}/{where}/quantum-backend.service",
            unit.replace("RestartSec=10", "RestartSec=5"), 0o644, QT, QT)
    proc = hostile_audit(host)
    h142 = next(c for c in results(proc) if c["code"] == "H142" and c["object"] == UNIT)
    assert h142["status"] == "pass" and "3 other copies" in h142["actual"]
    (host / f"{REPO}/systemd/quantum-backend.service".lstrip("/")).unlink()
    proc = hostile_audit(host)
    h142 = next(c for c in results(proc) if c["code"] == "H142" and c["object"] == UNIT)
    assert h142["status"] == "error" and "3 copies, none in" in h142["actual"]


# 13. statuses ---------------------------------------------------------------------------------

def test_missing_accounts_is_an_error_not_a_wrong_owner(host: Path) -> None:
    (host / "etc/passwd").unlink()
    proc = hostile_audit(host)
    statuses = {(c["code"], c["status"]) for c in results(proc)
                if c["code"] in ("H111", "H112", "H132", "H161")}
    assert all(status == "error" for _, status in statuses), statuses


def test_corrupt_database_is_a_failure(host: Path) -> None:
    db = host / "opt/quantum/data/quantum_trader.db"
    db.write_bytes(db.read_bytes()[:100] + b"\xff" * 4000)
    proc = hostile_audit(host)
    h113 = next(c for c in results(proc) if c["code"] == "H113")
    assert h113["status"] == "fail", h113


def test_repo_option_moves_every_check(host: Path) -> None:
    shutil.move(str(host / REPO.lstrip("/")), str(host / "srv/trader"))
    proc = hostile_audit(host, "--repo", "/srv/trader")
    objects = {c["object"] for c in results(proc) if c["code"] in ("H111", "H151")}
    assert objects == {"/srv/trader", "/srv/trader/ops/run.sh", "/srv/trader/Makefile"}


def test_control_characters_never_reach_the_terminal_or_break_junit(host: Path) -> None:
    import xml.etree.ElementTree as ET

    put(host, "/opt/quantum/ai_engine/models/archive/\x1b[2Jbad\x07", "m", 0o644, QT, QT)
    for fmt in ("text", "junit", "prometheus"):
        proc = hostile_audit(host, "--format", fmt)
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
        assert fmt == "prometheus" or "\\x1b" in proc.stdout
        if fmt == "junit":
            ET.fromstring(proc.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="audits as another user (needs root)")
def test_an_unlistable_archive_is_an_error_for_an_unprivileged_auditor(shared: Path) -> None:
    from tests.test_robust import other_user_env

    root = shared / "host"
    root.mkdir()
    build_host(root)
    archive = root / "opt/quantum/ai_engine/models/archive"
    os.chown(archive, 0, 0)
    archive.chmod(0o711)
    from tests.conftest import qt_lint_exe

    args = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", qt_lint_exe(),
            "host", "--root", str(root), "--offline", "--only", "H114", "--format", "json"]
    proc = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120,
                          env=other_user_env(shared), cwd=shared)
    # /etc/quantum is root:qt 0750: whether a host configuration exists is unknown
    assert proc.returncode == 2 and "--config" in proc.stderr
    put(shared, "/contract.toml", "")
    proc = subprocess.run([*args, "--config", str(shared / "contract.toml")],
                          capture_output=True, text=True, check=False, timeout=120,
                          env=other_user_env(shared), cwd=shared)
    doc = json.loads(proc.stdout)
    entries = next(c for c in doc["checks"] if c["object"].endswith("archive entries"))
    assert entries["status"] == "error" and "permission denied" in entries["actual"]
    assert proc.returncode == 1


# 14. the wrapper is read as shell --------------------------------------------------------------

@pytest.mark.parametrize(("text", "missing"), [
    ('#!/bin/bash\nexec "$@"\n', "does not fail closed"),
    ('#!/bin/bash\nset -euo pipefail\nsource "/etc/quantum/$1.env"\nshift\nexec python3 "$@"\n',
     "venv interpreter"),
    ('#!/bin/bash\nset -eu\nsource "/etc/quantum/$1.env"\n'
     'exec "/opt/quantum/venvs/$1/bin/python" "$2"\n', "pipefail"),
    ('#!/bin/bash\nset -euo pipefail\n# source /etc/quantum/x.env\n'
     'exec "/opt/quantum/venvs/$1/bin/python" "$2"\n', "does not source"),
])
def test_a_wrapper_that_does_not_do_its_job_fails(host: Path, text: str, missing: str) -> None:
    put(host, f"{REPO}/ops/run.sh", text, 0o755, QT, QT)
    proc = hostile_audit(host)
    h151 = next(c for c in results(proc) if c["object"] == f"{REPO}/ops/run.sh")
    assert h151["status"] == "fail" and missing in h151["actual"], h151


# 15, 16. reports for operators ------------------------------------------------------------------

def test_json_carries_evidence_remediation_and_provenance(host: Path) -> None:
    from qt_lint import __version__

    put(host, "/etc/hostname", "trader-01\n")
    (host / ENV.lstrip("/")).chmod(0o644)
    proc = hostile_audit(host)
    doc = json.loads(proc.stdout)
    assert doc["hostname"] == "trader-01" and doc["qt_lint_version"] == __version__
    assert doc["time"].endswith("+00:00") and doc["ok"] is False
    assert all(c["actual"] for c in doc["checks"] if c["status"] == "pass")
    h131 = next(c for c in doc["checks"] if c["object"] == ENV)
    assert "chmod 0640" in h131["remediation"]


def test_prometheus_textfile_is_valid_and_written_atomically(host: Path, tmp_path: Path) -> None:
    import re

    out = tmp_path / "textfile" / "qt_lint_host.prom"
    out.parent.mkdir()
    proc = hostile_audit(host, "--format", "prometheus", "-o", str(out))
    # as `check -o`: the file gets the format, the terminal the text report
    assert proc.stdout.rstrip().endswith("not applicable.") and proc.returncode == 0
    text = out.read_text()
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|'
                        r'\\[\\"n])*",?)*\})? -?[0-9.e+]+$')
    series = []
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$", line), line
            continue
        assert sample.match(line), line
        series.append(line.rsplit(" ", 1)[0])
    assert len(series) == len(set(series)), "a series appears twice"
    assert 'qt_lint_host_check_status{code="H131"' in text and "qt_lint_host_ok 1" in text
    assert [p.name for p in out.parent.iterdir()] == ["qt_lint_host.prom"]


def test_the_shipped_timer_and_service_are_valid_units() -> None:
    from tests.conftest import ROOT

    units = ROOT / "contrib" / "systemd"
    service = (units / "qt-lint-host.service").read_text()
    for setting in ("ProtectSystem=strict", "NoNewPrivileges=yes", "--format prometheus",
                    "ReadWritePaths=/var/lib/prometheus/node-exporter", "Type=oneshot"):
        assert setting in service
    assert "OnCalendar=hourly" in (units / "qt-lint-host.timer").read_text()
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           str(units / "qt-lint-host.service"),
                           str(units / "qt-lint-host.timer")],
                          capture_output=True, text=True, check=False, timeout=60)
    complaints = [line for line in proc.stderr.splitlines()
                  if "qt-lint-host" in line and "is not executable" not in line]
    assert complaints == [], proc.stderr


# 10. live processes: the command line and the venv's pyvenv.cfg, real processes -----------

def _shared_python() -> str | None:
    """A Python another user may run (pyenv's live under root's private home)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.skipif(os.geteuid() != 0 or _shared_python() is None,
                    reason="starts processes as another user (needs root and a system python)")
def test_live_processes_are_judged_by_command_line_and_pyvenv(shared: Path) -> None:
    """Real processes (the kernel's own /proc), started from a real venv made here, with
    the unit facts of a recorded `systemctl show`; systemd itself is never booted."""
    import dataclasses

    from qt_lint.config import Config, Contract
    from qt_lint.host.check import Audit, HostExample
    from qt_lint.host.checks.units import LiveProcesses
    from qt_lint.host.collect import services_from_show
    from qt_lint.host.examples import changed, compliant

    python = _shared_python()
    assert python is not None
    venv = shared / "venvs" / "backend"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    repo = folder(shared, "/repo", 0o755, QT, QT)
    contract = Contract(venv_root=str(shared / "venvs"), repo_root=str(repo))
    config = Config(contract=contract)
    sleep = ["-c", "import time; time.sleep(120)"]
    as_qt = ["setpriv", f"--reuid={QT}", f"--regid={QT}", "--clear-groups"]
    processes = {
        "venv": subprocess.Popen([*as_qt, str(venv / "bin" / "python"), *sleep], cwd=repo),
        "system": subprocess.Popen([*as_qt, python, *sleep], cwd=repo),
        "root": subprocess.Popen([str(venv / "bin" / "python"), *sleep], cwd=shared),
    }
    try:
        time.sleep(0.5)
        verdicts = {}
        for name, proc in processes.items():
            recorded = (f"Id=quantum-backend.service\nActiveState=active\nMainPID={proc.pid}\n"
                        "FragmentPath=/etc/systemd/system/quantum-backend.service\n"
                        "DropInPaths=\n")
            services = services_from_show(recorded, ["quantum-backend.service"])
            cfg = (venv / "pyvenv.cfg").read_text()
            snapshot = changed(compliant(contract), HostExample(
                texts={f"{venv}/pyvenv.cfg": cfg}))
            snapshot = dataclasses.replace(snapshot, live=True, services=services)
            results = list(LiveProcesses().run(Audit(snapshot, config, False, "backend")))
            verdicts[name] = (results[0].status, results[0].actual)
    finally:
        for proc in processes.values():
            proc.kill()
            proc.wait()
    assert verdicts["venv"][0] == "pass", verdicts
    assert verdicts["system"][0] == "fail" and f"started as {python}" in verdicts["system"][1]
    assert verdicts["root"][0] == "fail" and "runs as root" in verdicts["root"][1]
    assert f"cwd {shared}" in verdicts["root"][1]


# 11. a replayed snapshot gives the verdict of the run that wrote it --------------------------

def test_drift_in_a_continuation_line_survives_the_snapshot(host: Path, tmp_path: Path) -> None:
    unit = host / UNIT.lstrip("/")
    unit.write_text(unit.read_text().replace(
        "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main",
        "ExecStart=/opt/quantum/venvs/backend/bin/python \\\n    -m backend.main --debug"))
    out = tmp_path / "snapshot.json"
    live = hostile_audit(host, "--snapshot-out", str(out))
    replay = qt_lint("host", "--snapshot-in", str(out), "--offline", "--format", "json",
                     cwd=tmp_path)
    assert live.returncode == replay.returncode == 1
    assert bad(live) == bad(replay)
    assert ("H142", "fail", UNIT) in bad(replay)
    assert "--debug" in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
