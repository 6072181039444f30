"""The host audit's readers, each against the program it imitates (issue 22, items 10-12).

- `redis.conf`: a real redis-server (Debian's package) started on a loopback port with the
  generated file, then `CONFIG GET` (qt_lint/parsers/redisconf.py);
- `/etc/passwd`, `/etc/group`: glibc's `getent` (passwd, group, and initgroups: the groups
  a login gets) run in a chroot made of its own binary and libraries, with the generated
  files as its /etc (qt_lint/parsers/accounts.py);
- `pyvenv.cfg`: CPython itself in a venv made by the test, with generated `pyvenv.cfg`
  variants: is the system site-packages on its `sys.path`? (qt_lint/parsers/pyvenv.py).

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 50x more examples. Every process
started here is ended here; Redis listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qt_lint.host.snapshot import scrub_unit
from qt_lint.parsers.accounts import parse_group, parse_passwd, user_groups
from qt_lint.parsers.pyvenv import read_pyvenv
from qt_lint.parsers.redisconf import RedisConfError, read_redis_conf
from tests.hosttree import free_port

LONG = os.environ.get("QT_LINT_LONG_TESTS") == "1"


def _profile(examples: int) -> settings:
    return settings(max_examples=examples * 50 if LONG else examples, deadline=None,
                    derandomize=True, suppress_health_check=[
                        HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# --- redis.conf ---------------------------------------------------------------------------------

KEYS = frozenset({"appendonly", "bind", "protected-mode"})
NAMES = {"appendonly": ["appendonly", "APPENDONLY", "AppendOnly", '"appendonly"'],
         "protected-mode": ["protected-mode", "Protected-Mode"],
         "bind": ["bind", "BIND"]}
VALUES = {"appendonly": ["yes", "no", "YES", "No", '"yes"', "'no'", 'y"es"', "maybe", '"yes',
                         "yes no", '"ye"s'],
          "protected-mode": ["yes", "no", "NO", "'yes'"],
          # loopback only: redis-server never listens elsewhere in this test
          "bind": ["127.0.0.1", "127.0.0.1 -::1", '"127.0.0.1"', "'127.0.0.1' -::1",
                   "-::1 127.0.0.1"]}
SETTING = st.sampled_from(sorted(NAMES)).flatmap(
    lambda key: st.builds(lambda n, v, lead, tail: f"{lead}{n} {v}{tail}",
                          st.sampled_from(NAMES[key]), st.sampled_from(VALUES[key]),
                          st.sampled_from(["", "  ", "\t"]), st.sampled_from(["", " ", "\r"])))
OTHER = st.sampled_from(["", "# appendonly yes", "  # bind 0.0.0.0", "#", "   "])
CONF_LINES = st.lists(st.one_of(SETTING, OTHER), max_size=5)


def _redis_reads(folder: Path) -> dict[str, str] | str:
    """CONFIG GET of redis-server started with `folder/redis.conf`, or why it refused."""
    exe = shutil.which("redis-server")
    cli = shutil.which("redis-cli")
    if exe is None or cli is None:
        pytest.fail("redis-server or redis-cli is missing: scripts/test installs Debian's "
                    "redis-server (with redis-tools)")
    port = free_port()
    data = folder / "data"
    data.mkdir(exist_ok=True)
    proc = subprocess.Popen([exe, str(folder / "redis.conf"), "--port", str(port), "--dir",
                             str(data), "--save", "", "--daemonize", "no", "--logfile", ""],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=folder)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
                return "refused: " + out.strip()[-300:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                time.sleep(0.02)
                continue
            got = {}
            for key in sorted(KEYS):
                answer = subprocess.run([cli, "-h", "127.0.0.1", "-p", str(port), "--raw",
                                         "CONFIG", "GET", key], capture_output=True,
                                        text=True, timeout=10, check=True).stdout
                lines = answer.split("\n")
                got[key] = lines[1] if len(lines) > 1 else ""
            return got
        pytest.fail("redis-server did not answer in 10 s")
    finally:
        if proc.poll() is None:
            proc.kill()  # a scratch server: no shutdown save to wait for
            proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def _qt_lint_reads(folder: Path) -> dict[str, str] | str:
    def read(path: str) -> tuple[str | None, str | None]:
        full = Path(path) if path.startswith("/") else folder / path
        try:
            return full.read_bytes().decode("utf-8", "surrogateescape"), None
        except OSError as exc:
            return None, exc.strerror

    def listdir(path: str) -> tuple[list[str], str | None]:
        full = Path(path) if path.startswith("/") else folder / path
        try:
            return sorted(os.listdir(full)), None
        except OSError as exc:
            return [], exc.strerror

    try:
        return read_redis_conf(str(folder / "redis.conf"), read, listdir, KEYS)
    except RedisConfError as exc:
        return f"refused: {exc}"


def _compare_redis(folder: Path) -> None:
    theirs = _redis_reads(folder)
    ours = _qt_lint_reads(folder)
    if isinstance(theirs, str) or isinstance(ours, str):
        assert isinstance(theirs, str) and isinstance(ours, str), (theirs, ours)
        return  # both refuse the file
    assert ours == {k: v for k, v in theirs.items() if k in ours}, (ours, theirs)


@_profile(60)
@given(main=CONF_LINES, included=st.lists(CONF_LINES, max_size=2), crlf=st.booleans())
@example(main=["appendonly YES"], included=[], crlf=False)
@example(main=["appendonly no"], included=[["appendonly yes"]], crlf=False)
def test_redis_conf_read_as_redis_reads_it(main: list[str], included: list[list[str]],
                                          crlf: bool, tmp_path: Path) -> None:
    folder = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    (folder / "conf.d").mkdir(parents=True)
    newline = "\r\n" if crlf else "\n"
    lines = ["bind 127.0.0.1", *main]
    if included:
        lines.insert(len(lines) // 2 + 1, f"include {folder}/conf.d/*.conf")
    for n, body in enumerate(included):
        (folder / "conf.d" / f"{n:02d}.conf").write_text(newline.join(body) + newline)
    (folder / "conf.d" / ".hidden.conf").write_text("appendonly maybe\n")  # glob skips it
    (folder / "redis.conf").write_text(newline.join(lines) + newline)
    _compare_redis(folder)


def test_redis_issue_cases(tmp_path: Path) -> None:
    """Item 10: `include` with a glob and `appendonly YES` are what Redis accepts."""
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "persist.conf").write_text("appendonly YES\n")
    (tmp_path / "redis.conf").write_text(f"bind 127.0.0.1 -::1\nappendonly no\n"
                                         f"include {tmp_path}/conf.d/*.conf\n")
    assert _redis_reads(tmp_path) == {"appendonly": "yes", "bind": "127.0.0.1 -::1",
                                      "protected-mode": "yes"}
    assert _qt_lint_reads(tmp_path) == {"appendonly": "yes", "bind": "127.0.0.1 -::1"}


# --- /etc/passwd and /etc/group -----------------------------------------------------------------


@pytest.fixture(scope="module")
def chroot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A root with glibc's `getent`, its libraries and the files backend."""
    root = tmp_path_factory.mktemp("chroot")
    programs = [shutil.which("getent"), shutil.which("chroot")]
    if not all(programs):
        pytest.fail("getent and chroot are missing (libc-bin, coreutils)")
    files = {p for p in programs if p}
    for program in list(files):
        out = subprocess.run(["ldd", program], capture_output=True, text=True, check=True)
        files.update(re.findall(r"(/\S+\.so[.\d]*)", out.stdout))
    for lib in ("/usr/lib/x86_64-linux-gnu/libnss_files.so.2", "/lib/x86_64-linux-gnu/"
                "libnss_files.so.2"):
        if os.path.exists(lib):
            files.add(lib)
    for name in files:
        target = root / name.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.realpath(name), target)
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/nsswitch.conf").write_text("passwd: files\ngroup: files\n")
    yield root


def _in_chroot(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    prefix = [] if os.geteuid() == 0 else ["unshare", "-r"]
    chroot_exe = shutil.which("chroot") or "chroot"
    return subprocess.run([*prefix, chroot_exe, str(root), *args], capture_output=True,
                          text=True, timeout=30, check=False, errors="surrogateescape")


def _glibc_reads(root: Path, passwd: str, group: str) -> tuple[list[str], list[str], str]:
    (root / "etc/passwd").write_text(passwd, errors="surrogateescape")
    (root / "etc/group").write_text(group, errors="surrogateescape")
    users = _in_chroot(root, "/usr/bin/getent", "passwd").stdout.splitlines()
    groups = _in_chroot(root, "/usr/bin/getent", "group").stdout.splitlines()
    # what systemd gives a service with User=qt: getpwnam()'s gid, then initgroups()
    # (`id` is no judge: for a second uid-0 user it reports root's groups)
    user = _in_chroot(root, "/usr/bin/getent", "passwd", "qt")
    if user.returncode != 0:
        return users, groups, "no such user"
    supplementary = _in_chroot(root, "/usr/bin/getent", "initgroups", "qt").stdout.split()[1:]
    return users, groups, " ".join({user.stdout.split(":")[3], *supplementary})


def _qt_lint_accounts(passwd: str, group: str) -> tuple[list[str], list[str], str]:
    users = parse_passwd(passwd)
    groups = parse_group(group)
    login = parse_group(group, login=True)
    shown_users = [f"{u.name}:{u.uid}:{u.gid}" for u in users]
    shown_groups = [f"{g.name}:{g.gid}:{','.join(g.members)}" for g in groups]
    if not any(u.name == "qt" for u in users):
        return shown_users, shown_groups, "no such user"
    return shown_users, shown_groups, " ".join(str(g) for g in sorted(user_groups(
        "qt", users, login)))


def _getent_fields(users: list[str], groups: list[str]) -> tuple[list[str], list[str]]:
    us = []
    for line in users:
        f = line.split(":")
        us.append(f"{f[0]}:{f[2]}:{f[3]}")
    gs = []
    for line in groups:
        f = line.split(":", 3)
        gs.append(f"{f[0]}:{f[2]}:{f[3]}")
    return us, gs


NUMBER = st.sampled_from(["0", "1000", "+0", " 0", "00", "-1", "4294967296", "10x", "",
                          "\t5", "0 ", "1000"])
NAME = st.sampled_from(["qt", "root", "ops", " qt", "#qt", "#"])
PASSWD_LINE = st.builds(lambda n, u, g: f"{n}:x:{u}:{g}:gecos:/home/x:/bin/sh", NAME, NUMBER,
                        NUMBER)
MEMBERS = st.lists(st.sampled_from(["qt", " qt", "qt ", "ops", "", "root"]), max_size=3)
GROUP_LINE = st.builds(lambda n, g, m: f"{n}:x:{g}:{','.join(m)}", NAME, NUMBER, MEMBERS)


@_profile(25)
@given(passwd=st.lists(PASSWD_LINE, max_size=4), group=st.lists(GROUP_LINE, max_size=4))
@example(passwd=["qt:x:1000:1000::/home/qt:/bin/sh"],
         group=["root:x:0:", "qt:x:1000:", "root:x:0:qt"])
def test_accounts_read_as_glibc_reads_them(passwd: list[str], group: list[str],
                                           chroot: Path) -> None:
    passwd_text = "root:x:0:0::/root:/bin/sh\n" + "\n".join(passwd) + "\n"
    group_text = "\n".join(group) + "\n"
    users, groups, ids = _glibc_reads(chroot, passwd_text, group_text)
    theirs_users, theirs_groups = _getent_fields(users, groups)
    ours_users, ours_groups, our_ids = _qt_lint_accounts(passwd_text, group_text)
    assert ours_users == theirs_users
    assert ours_groups == theirs_groups
    expected = ids if ids == "no such user" else " ".join(sorted(set(ids.split()), key=int))
    assert our_ids == expected


@pytest.mark.parametrize("line", ["#ops:x:7:qt", "+ops:x::qt", "+ops:x:13:qt", "-ops:x:9:qt",
                                  "  ops:x:8:qt", "root:x:0:qt"])
def test_login_groups_of_odd_lines(line: str, chroot: Path) -> None:
    """Lines initgroups() reads though they look inert: a comment, a `+` line without a gid
    (gid 0)."""
    passwd = "root:x:0:0::/root:/bin/sh\nqt:x:1000:1000::/home/qt:/bin/sh\n"
    group = f"root:x:0:\n{line}\n"
    _, _, ids = _glibc_reads(chroot, passwd, group)
    _, _, ours = _qt_lint_accounts(passwd, group)
    assert ours == " ".join(sorted(set(ids.split()), key=int))


def test_second_group_line_counts(tmp_path: Path) -> None:
    """Item 11: a second `root:x:0:qt` line puts qt in the root group: the audit sees
    that qt can write what the root group can (H-checks on group-writable files)."""
    from qt_lint.host.collect import _accounts

    class Reader:
        def read(self, path: str) -> object:
            from types import SimpleNamespace

            texts = {"/etc/passwd": "root:x:0:0::/root:/bin/sh\nqt:x: 1000:1000::/:/bin/sh\n",
                     "/etc/group": "root:x:0:\nqt:x:1000:\nroot:x:0:qt\n",
                     "/etc/gshadow": "adm:!::qt\nadm2:!:qt:\n"}
            return SimpleNamespace(text=texts.get(path), error=None if path in texts
                                   else "missing")

    accounts = _accounts(Reader())  # type: ignore[arg-type]
    assert accounts["users"]["qt"] == 1000  # ` 1000` is 1000 to glibc
    from qt_lint.host.check import user_groups as audit_groups
    from qt_lint.host.snapshot import Snapshot

    snapshot = Snapshot(version=1, root="/", live=False, users=accounts["users"],
                        user_gids=accounts["user_gids"],
                        groups=accounts["groups"], group_members=accounts["group_members"])
    assert audit_groups(snapshot, "qt") == {0, 1000}
    assert snapshot.group(0) == "root"


# --- pyvenv.cfg ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of the interpreter running the tests (no pip: nothing is installed)."""
    base = getattr(sys, "_base_executable", sys.executable)
    folder = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    return folder


def _python_reads(venv: Path, cfg: str) -> bool:
    """Whether CPython puts the system site-packages on sys.path with this pyvenv.cfg."""
    (venv / "pyvenv.cfg").write_bytes(cfg.encode("utf-8"))
    code = "import json, sys; print(json.dumps({'path': sys.path, 'base': sys.base_prefix}))"
    proc = subprocess.run([str(venv / "bin/python"), "-c", code], capture_output=True,
                          text=True, timeout=60, check=False, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    base = got["base"]
    return any(p.startswith(base) and p.endswith("-packages") for p in got["path"])


def _home() -> str:
    base = getattr(sys, "_base_executable", sys.executable)
    return os.path.dirname(os.path.realpath(base))


CFG_VALUE = st.sampled_from(["true", "false", "no", "yes", "True", "FALSE", "0", "1", " true ",
                             "true # x", ""])
CFG_LINE = st.one_of(
    st.builds(lambda k, v, sep: f"{k}{sep}{v}", st.sampled_from([
        "include-system-site-packages", "Include-System-Site-Packages",
        " include-system-site-packages ", "include_system_site_packages"]),
        CFG_VALUE, st.sampled_from(["=", " = ", "\t=\t"])),
    st.sampled_from(["# include-system-site-packages = true", "version = 3.11.2", "",
                     "include-system-site-packages"]))


@_profile(20)
@given(lines=st.lists(CFG_LINE, max_size=4), crlf=st.booleans())
@example(lines=["include-system-site-packages = no"], crlf=False)
def test_pyvenv_read_as_python_reads_it(lines: list[str], crlf: bool, venv: Path) -> None:
    newline = "\r\n" if crlf else "\n"
    cfg = newline.join([f"home = {_home()}", *lines]) + newline
    assert read_pyvenv(cfg).system_site == _python_reads(venv, cfg)


def test_no_is_isolated(venv: Path) -> None:
    """Item 12: `include-system-site-packages = no` is isolated (the audit said "= true")."""
    cfg = f"home = {_home()}\ninclude-system-site-packages = no\n"
    assert _python_reads(venv, cfg) is False
    assert read_pyvenv(cfg).system_site is False
    missing = f"home = {_home()}\n"
    assert _python_reads(venv, missing) is True  # no line: CPython includes them
    assert read_pyvenv(missing).system_site is True


# --- the audit of a host tree, end to end (each failed on the previous readers) ----------------


def _audit(root: Path) -> set[str]:
    from tests.test_host import audit, failing

    _, doc = audit(root)
    return failing(doc)


def test_audit_reads_redis_includes_and_case(host: Path, tmp_path: Path) -> None:
    """Item 10: `appendonly YES` from an included glob passes H102, as Redis runs it."""
    conf = host / "etc/redis/redis.conf"
    conf.write_text(conf.read_text().replace("appendonly yes", "appendonly no")
                    + "include /etc/redis/conf.d/*.conf\n")
    (host / "etc/redis/conf.d").mkdir()
    (host / "etc/redis/conf.d/persist.conf").write_text("Appendonly YES\n")
    assert _audit(host) == set()


def test_audit_counts_every_group_line(host: Path, tmp_path: Path) -> None:
    """Item 11: a second `root:x:0:qt` line makes qt a member of root (a root-group
    writable file is then writable by the services), as glibc's initgroups() counts it."""
    os.chown(host / "etc/quantum", 0, 0)
    os.chmod(host / "etc/quantum", 0o775)  # root:root, writable by the root group
    assert _audit(host) == set()
    group = host / "etc/group"
    group.write_text(group.read_text() + "root:x:0:qt\n")  # now qt can write it
    assert _audit(host) == {"H132", "H163"}  # and is in a root-equivalent group


def test_audit_venv_with_no_is_isolated(host: Path, tmp_path: Path) -> None:
    """Item 12: `include-system-site-packages = no` is isolated (H121 failed it, saying
    "= true")."""
    cfg = host / "opt/quantum/venvs/backend/pyvenv.cfg"
    cfg.write_text("home = /usr/bin\ninclude-system-site-packages = no\n")
    assert _audit(host) == set()
    cfg.write_text("home = /usr/bin\n")  # no line at all: CPython includes them
    assert _audit(host) == {"H121"}


def test_snapshot_scrub_keeps_what_systemd_reads() -> None:
    """A snapshot keeps units and env files scrubbed: an escaped backslash at the end of a
    secret's line does not continue it, so the `User=root` after it is kept for the judge
    (it was masked as part of the secret); an env comment's continuation is kept."""
    from qt_lint.host.snapshot import scrub
    from qt_lint.parsers.envfile import parse_env
    from qt_lint.parsers.systemd import parse

    unit = "[Service]\nEnvironment=API_SECRET=C:\\\\\nUser=root\n"
    scrubbed = scrub(unit)
    assert "User=root" in scrubbed.split("\n")
    user = [a.value for s in parse(scrubbed, "x.service").sections for a in s.assignments
            if a.key == "User"]
    assert user == ["root"]
    env = "# note \\\nAUTO_ACTIVATION=enabled\nSHADOW_MODE=enabled\n"
    assert [e.key for e in parse_env(scrub(env)).entries] == \
        [e.key for e in parse_env(env).entries] == ["SHADOW_MODE"]


# lines whose meaning depends on the lines around them, as systemd joins them
_UNIT_PIECES = ["User \\", "=root", "\\", "  \\", "# note \\", "# note", "", "; c",
                "API_KEY=abc \\", "Environment=API_KEY=x \\", "Environment=X=1 \\",
                "  --flag \\", "  --flag", "free text", "free text \\", "[Service]",
                "[Unit]", "[Bad \\", "SyslogIdentifier=quantum-backend", "X=C:\\\\",
                "API_KEY \\", "=abc", "= \\", "ExecStart=/bin/x \\", "Group=root",
                "# qt-lint: ignore[H101] why", "  User=qt", "Password = hunter2"]


def _as_read(text: str) -> tuple[list[tuple[str, str, str]], list[tuple[int, int, str]]]:
    """What systemd (qt-lint's reader of units) makes of a unit: its assignments, a
    value masked when the scrubber masks it, and its problems (line, kind)."""
    from qt_lint.parsers.systemd import parse
    from qt_lint.secrets import MASK

    doc = parse(text, "x.service")
    assignments = [(s.name, a.key, "masked" if MASK in scrub_unit(a.value) or MASK in a.value
                    else a.value) for s in doc.sections for a in s.assignments]
    return assignments, [(p.line, p.last_line, p.message.replace(f"{p.key}=", "KEY=", 1)
                          .split(" (")[0].split(" in [")[0].split(" [")[0])
                         for p in doc.problems]


def test_a_scrubbed_unit_reads_as_the_unit_did() -> None:
    """A written snapshot scrubs units line by line, but systemd reads logical lines: a
    key on its own line (`User \\` then `=root`), a line of only a backslash, a comment
    inside a continuation (skipped by systemd), a rejected line continued onto an
    assignment. The scrubbed unit must read as the unit did (assignments, with secrets
    masked, and problems), for every arrangement of such lines; a secret never stays."""
    import random

    from qt_lint.secrets import is_secret_key

    rng = random.Random(20261208)
    cases = [["[Service]", "User \\", "=root"], ["[Service]", "\\", "User=root"],
             ["[Service]", "  --extra-flag \\", "SyslogIdentifier=quantum-backend"],
             ["[Service]", "Environment=API_KEY=abc \\", "# note", "User=root"],
             ["[Service]", "API_KEY \\", "=abc"]]
    cases += [["[Service]", *rng.choices(_UNIT_PIECES, k=rng.randint(1, 7))]
              for _ in range(600)]
    for lines in cases:
        text = "\n".join(lines) + "\n"
        scrubbed = scrub_unit(text)
        assert len(scrubbed.split("\n")) == len(text.split("\n"))
        original, kept = _as_read(text), _as_read(scrubbed)
        assert [(s, k) for s, k, _ in kept[0]] == [(s, k) for s, k, _ in original[0]], lines
        for (_, key, value), (_, _, was) in zip(kept[0], original[0], strict=True):
            assert value in (was, "masked"), (lines, key)
            if is_secret_key(key) or (key == "Environment" and is_secret_key(
                    was.split("=", 1)[0].strip()) and "=" in was):
                assert value == "masked", (lines, key, scrubbed)
        assert kept[1] == original[1], lines
        assert "hunter2" not in scrubbed, (lines, scrubbed)


def test_a_failing_redis_value_names_the_line_that_set_it(host: Path) -> None:
    """Issue 26 item 9: for an operator, a failing Redis value says where it was set: the
    config line (through an included glob, counted per file) or the unit's option."""
    from tests.test_host import audit

    (host / "etc/redis/conf.d").mkdir()
    (host / "etc/redis/conf.d/10-a.conf").write_text("# first\nmaxmemory 1gb")  # no newline
    (host / "etc/redis/conf.d/20-b.conf").write_text("\n# persistence\nappendonly no\n")
    conf = host / "etc/redis/redis.conf"
    conf.write_text(conf.read_text() + "include /etc/redis/conf.d/*.conf\n")
    _, doc = audit(host)
    checks = {c["code"]: c for c in doc["checks"]}  # type: ignore[union-attr]
    assert checks["H102"]["status"] == "fail"
    assert checks["H102"]["actual"] == \
        "appendonly no (appendonly set at /etc/redis/conf.d/20-b.conf:3)"
    dropin = host / "etc/systemd/system/redis-server.service.d"
    dropin.mkdir(parents=True)
    (dropin / "override.conf").write_text(
        "[Service]\nExecStart=\n"
        "ExecStart=/usr/bin/redis-server /etc/redis/redis.conf --protected-mode no\n")
    _, doc = audit(host)
    h103 = next(c for c in doc["checks"] if c["code"] == "H103")  # type: ignore[union-attr]
    assert h103["status"] == "fail"
    assert h103["actual"].endswith(
        "(protected-mode set at ExecStart= of redis-server.service (--protected-mode))"), h103
