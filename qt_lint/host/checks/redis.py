"""H101-H103: the local Redis answers, persists, and listens on loopback only."""

from __future__ import annotations

from collections.abc import Iterator

from qt_lint.host.checks import ERROR, FAIL, PASS, Audit, CheckResult


def _object(audit: Audit) -> str:
    r = audit.snapshot.redis
    return f"redis {r.get('host')}:{r.get('port')}"


def h101_ping(audit: Audit) -> Iterator[CheckResult]:
    r = audit.snapshot.redis
    if "error" in r:
        yield CheckResult("H101", ERROR, _object(audit), "PONG", r["error"])
    else:
        ok = r.get("ping") == "PONG"
        yield CheckResult("H101", PASS if ok else FAIL, _object(audit), "PONG", r.get("ping", ""))


def h102_persistence(audit: Audit) -> Iterator[CheckResult]:
    r = audit.snapshot.redis
    value = (r.get("config") or {}).get("appendonly")
    if value is None:
        why = r.get("error") or r.get("config_error") or "appendonly not readable"
        yield CheckResult("H102", ERROR, _object(audit), "appendonly yes", why)
    else:
        yield CheckResult("H102", PASS if value == "yes" else FAIL, _object(audit),
                          "appendonly yes", f"appendonly {value}")


_LOOPBACK = ("127.", "::1", "-::1", "localhost")


def h103_loopback(audit: Audit) -> Iterator[CheckResult]:
    r = audit.snapshot.redis
    config = r.get("config") or {}
    bind = config.get("bind")
    protected = config.get("protected-mode")
    if bind is None or protected is None:
        why = r.get("error") or r.get("config_error") or "bind/protected-mode not readable"
        yield CheckResult("H103", ERROR, _object(audit), "bind loopback, protected-mode yes",
                          why)
        return
    addresses = bind.split()
    public = [a for a in addresses if not a.startswith(_LOOPBACK)] or ([] if addresses else
                                                                       ["(all interfaces)"])
    ok = not public and protected == "yes"
    yield CheckResult("H103", PASS if ok else FAIL, _object(audit),
                      "bind 127.0.0.1 ::1, protected-mode yes",
                      f"bind {bind or '(empty)'}, protected-mode {protected}")
