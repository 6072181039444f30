"""`qt-lint host`: options checked, configuration from trusted sources only, the snapshot
collected (or replayed), the checks run, the report written; the exit code.

Exit 0 only when every check passed (n/a is what a check documents as not applicable:
live processes on an --offline image, `systemd-analyze verify` the operator opted out of;
"found nothing to judge" is a failure); 1 when any check failed or could not verify; 2 for a
usage problem: an unknown code or service, a filter that selects no check, an empty or
unrecognisable root, an untrusted configuration.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

from qt_lint.config import ConfigError
from qt_lint.exitcodes import EXIT_FINDINGS, EXIT_OK


def _password(path: str) -> str:
    """A Redis password from a root-owned file only root can read and write."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"--redis-password-file {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o077:
            raise ConfigError(f"--redis-password-file {path}: must be a regular file owned "
                              "by root with mode 0600 or 0400")
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    password = data.decode("utf-8", "replace").strip()
    if not password:
        raise ConfigError(f"--redis-password-file {path}: empty")
    return password


def _codes(only: str | None) -> tuple[str, ...]:
    from qt_lint.host.checks import all_checks

    if not only:
        return ()
    codes = tuple(c.strip().upper() for c in only.split(",") if c.strip())
    known = all_checks()
    unknown = [c for c in codes if not any(k.startswith(c) for k in known)]
    if unknown or not codes:
        raise ConfigError(f"--only: no host check matches {', '.join(unknown) or only!r} "
                          f"(host checks: {', '.join(known)}; `qt-lint rules --host`)")
    return codes


def audit_host(*, root: str, repo: str | None, config_path: str | None,
               redis_host: str | None, redis_port: int | None,
               redis_password_file: str | None, timeout: float, time_limit: float,
               offline: bool, output_format: str, output_file: str | None,
               only: str | None, service: str | None, snapshot_out: str | None,
               snapshot_in: str | None, color: bool, failures_only: bool = False,
               without_analyze: bool = False, output_mode: int = 0o600) -> int:
    from qt_lint.host import report
    from qt_lint.host.check import Audit
    from qt_lint.host.checks import run_checks
    from qt_lint.host.collect import HostError, collect
    from qt_lint.host.snapshot import from_json, to_json
    from qt_lint.host.trust import host_config, with_repo

    started = time.time()
    codes = _codes(only)
    live = os.path.abspath(root) == "/"
    if not live and not snapshot_in and (redis_host or redis_port or redis_password_file):
        raise ConfigError("--redis-host, --redis-port and --redis-password-file apply to the "
                          "live host only: with --root, Redis is judged from the image's "
                          "own redis.conf and units")
    password = _password(redis_password_file) if redis_password_file else None
    try:
        config = with_repo(host_config("/" if snapshot_in else root, config_path), repo)
        if snapshot_in:
            snapshot = from_json(Path(snapshot_in).read_text(encoding="utf-8"))
        else:
            snapshot = collect(config, root, redis_host, redis_port, timeout, password,
                               time_limit)
    except (HostError, ValueError, OSError) as exc:
        raise ConfigError(str(exc)) from None
    if snapshot_in and repo is None and snapshot.repo_root != config.contract.repo_root:
        config = with_repo(config, snapshot.repo_root)
    if service is not None:
        _known_service(snapshot, config, service)
    if snapshot_out:
        from qt_lint.atomic import replace_file

        replace_file(snapshot_out, to_json(snapshot).encode(), 0o600, follow=True)
    deadline = time.monotonic() + max(0.0, time_limit - (time.time() - started))
    results = run_checks(Audit(snapshot, config, offline, service, without_analyze),
                         codes, deadline)
    if not results:
        raise ConfigError("the filters select no check")
    ok = all(r.status in ("pass", "n/a") for r in results)
    meta = report.Meta(root=snapshot.root, hostname=snapshot.hostname, started=started,
                       duration=time.time() - started, ok=ok)
    if output_format == "json":
        out = report.as_json(results, meta)
    elif output_format == "junit":
        out = report.junit(results)
    elif output_format == "prometheus":
        out = report.prometheus(results, meta)
    else:
        out = report.text(results, False if output_file else color, failures_only)
    if output_file:
        # as `check -o`: the file gets --format, the terminal (or the journal) the text
        from qt_lint.atomic import replace_file

        replace_file(output_file, out.encode(), output_mode, force_mode=True, follow=True)
        out = report.text(results, color, failures_only)
    sys.stdout.write(out)
    return EXIT_OK if ok else EXIT_FINDINGS


def _known_service(snapshot: object, config: object, service: str) -> None:
    from qt_lint.config import Config
    from qt_lint.host.snapshot import Snapshot

    assert isinstance(snapshot, Snapshot) and isinstance(config, Config)
    c = config.contract
    names = {c.service_of_unit(os.path.basename(u).rsplit(".", 1)[0]) for u in snapshot.units}
    names |= {os.path.basename(p).removesuffix(".env") for p in snapshot.env_files}
    names.discard(c.common_env.removesuffix(".env"))
    wanted = service.removeprefix(c.unit_prefix).removesuffix(".service")
    if wanted not in names:
        raise ConfigError(f"--service {service}: no such service on this host (services: "
                          f"{', '.join(sorted(names)) or 'none'})")
