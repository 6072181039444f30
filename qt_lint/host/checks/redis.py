"""H101-H103: the local Redis answers, persists, and listens on loopback only."""

from __future__ import annotations

from collections.abc import Iterator

from qt_lint.host.check import ERROR, FAIL, PASS, Audit, HostCheck, HostExample, HostResult

_CONFIG = {"appendonly": "yes", "bind": "127.0.0.1 -::1", "protected-mode": "yes"}
_UP = {"host": "localhost", "port": 6379, "ping": "PONG", "config": _CONFIG}
_DOWN = {"host": "localhost", "port": 6379, "error": "ConnectionError: connection refused"}
_OBJECT = "redis localhost:6379"


_IMAGE = {"source": "image", "conf": "/etc/redis/redis.conf", "unit": "redis-server.service",
          "config": {**_CONFIG, "port": "6379"}, "installed": True,
          "enabled": ["/etc/systemd/system/multi-user.target.wants/redis-server.service"]}


def _object(audit: Audit) -> str:
    r = audit.snapshot.redis
    if r.get("source") == "image":
        return f"redis (image) {r.get('conf')}"
    return f"redis {r.get('host')}:{r.get('port')}"


class RedisPing(HostCheck):
    """
    ## What it does
    On the live host (`--root /`): sends `PING` to Redis on the configured loopback address
    and port (`contract.redis-hosts`, `contract.redis-port`), after `AUTH` when
    `--redis-password-file` names a root-owned file, and expects `PONG` within the timeout.
    On an image (`--root DIR`) nothing is contacted: the image's own `redis-server.service`
    (`contract.redis-unit`) must be installed, not masked, and enabled (linked from a
    `.wants/` folder of `/etc/systemd/system`).

    ## Why is this bad?
    Contract E: Redis must run before any Quantum service; every service binds to it. A
    host where Redis does not answer starts services that fail or, worse, run without
    their streams.

    ## Example
    `redis-server.service` stopped, or Redis moved into a container on another address.

    ## Use instead
    Debian's `redis-server` package as a systemd service on `localhost:6379`.

    ## Remediation
    `systemctl enable --now redis-server.service`; `redis-cli -h localhost -p 6379 PING`
    must print `PONG`. If a password is set, the audit needs it from a root-owned source.
    """

    code = "H101"
    name = "redis-ping"
    section = "E"
    summary = "Redis answers PING on the configured localhost port"
    VALID = (HostExample(facts={"redis": _UP}), HostExample(facts={"redis": _IMAGE}))
    INVALID = (HostExample(facts={"redis": _DOWN}, status=ERROR, object=_OBJECT),
               HostExample(facts={"redis": {**_IMAGE, "enabled": []}}, status=FAIL,
                           object="redis (image) redis-server.service"),
               HostExample(facts={"redis": {**_UP, "ping": "no PONG"}}, status=FAIL,
                           object=_OBJECT))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        r = audit.snapshot.redis
        if r.get("source") == "image":
            unit = r.get("unit")
            expected = f"{unit} installed and enabled"
            obj = f"redis (image) {unit}"
            if not r.get("installed"):
                yield self.result(FAIL, obj, expected, "not installed (or masked)")
            elif not r.get("enabled"):
                yield self.result(FAIL, obj, expected, "installed, not enabled")
            else:
                yield self.result(PASS, obj, expected, f"enabled: {r['enabled'][0]}")
        elif "error" in r:
            yield self.result(ERROR, _object(audit), "PONG", r["error"])
        else:
            ok = r.get("ping") == "PONG"
            yield self.result(PASS if ok else FAIL, _object(audit), "PONG", r.get("ping", ""))
        if r.get("source") == "live" and "listener" in r:
            yield holder(audit, self)


def holder(audit: Audit, check: HostCheck) -> HostResult:
    """Whether the process holding the Redis port is the Redis unit's main process (when
    systemd knows it), else a `redis-server` run by the `redis` account: an answer from
    whoever else took the port says nothing of the system's Redis."""
    s = audit.snapshot
    r = s.redis
    unit = r.get("unit", audit.config.contract.redis_unit)
    obj = f"{_object(audit)} listener"
    expected = f"the port held by {unit}'s main process"
    held = r.get("listener") or {}
    if "error" in held or "process_error" in held:
        return check.result(ERROR, obj, expected, held.get("error") or held["process_error"])
    who = (f"pid {held.get('pid')} ({held.get('comm')}, uid {held.get('uid')} "
           f"{s.owner(held.get('uid'))})")
    main = r.get("main_pid")
    if isinstance(main, int):
        ok = main in (held.get("pids") or [held.get("pid")])
        return check.result(PASS if ok else FAIL, obj, expected,
                            f"{who}; {unit}'s main process is pid {main}")
    redis_uid = s.users.get("redis")
    if redis_uid is None:
        return check.result(ERROR, obj, expected,
                            f"{who}; {r.get('main_pid_error') or 'main process unknown'}; no "
                            "redis account in /etc/passwd to judge the owner by")
    ok = held.get("uid") == redis_uid and held.get("comm") == "redis-server"
    return check.result(PASS if ok else FAIL, obj, expected + " (else redis-server run by "
                        "the redis account)", f"{who}; {r.get('main_pid_error')}")


class RedisPersistence(HostCheck):
    """
    ## What it does
    Reads `appendonly` from the running Redis (`CONFIG GET`, else `INFO persistence`) on the
    live host, or from the image's `/etc/redis/redis.conf` (its `include`s followed inside
    the root; Redis's default `no` when absent), and expects `yes`.

    ## Why is this bad?
    Contract E: "Persistence enabled (appendonly yes)". Without it a restart loses every
    stream and position the services keep in Redis.

    ## Example
    `appendonly no` in `/etc/redis/redis.conf`.

    ## Use instead
    `appendonly yes`.

    ## Remediation
    Set `appendonly yes` in `/etc/redis/redis.conf` and restart `redis-server.service`, or
    `redis-cli CONFIG SET appendonly yes` followed by `CONFIG REWRITE`.
    """

    code = "H102"
    name = "redis-persistence"
    section = "E"
    summary = "Redis persistence: appendonly yes"
    VALID = (HostExample(facts={"redis": _UP}), HostExample(facts={"redis": _IMAGE}))
    INVALID = (HostExample(facts={"redis": {**_UP, "config": {**_CONFIG, "appendonly": "no"}}},
                           status=FAIL, object=_OBJECT),
               HostExample(facts={"redis": _DOWN}, status=ERROR, object=_OBJECT))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        r = audit.snapshot.redis
        value = (r.get("config") or {}).get("appendonly")
        if value is None:
            why = r.get("error") or r.get("config_error") or "appendonly not readable"
            yield self.result(ERROR, _object(audit), "appendonly yes", why)
        else:
            yield self.result(PASS if value == "yes" else FAIL, _object(audit),
                              "appendonly yes", f"appendonly {value}")


_LOOPBACK = ("127.", "::1", "-::1", "localhost")


class RedisLoopback(HostCheck):
    """
    ## What it does
    Reads `bind`, `protected-mode` and `port` from the running Redis (live host) or from
    the image's `redis.conf`, and expects every bound address to be a loopback address
    (an absent `bind` listens on every interface), `protected-mode yes`, and the contract's
    port (`contract.redis-port`).

    ## Why is this bad?
    Contract E: "NEVER use remote Redis (security risk)". A Redis bound to a public address
    without protection lets anyone on the network read and write the trading streams.

    ## Example
    `bind 0.0.0.0` or an empty `bind`, or `protected-mode no`.

    ## Use instead
    `bind 127.0.0.1 -::1` and `protected-mode yes`.

    ## Remediation
    Set `bind 127.0.0.1 -::1` and `protected-mode yes` in `/etc/redis/redis.conf`, then
    restart `redis-server.service`.
    """

    code = "H103"
    name = "redis-loopback"
    section = "E"
    summary = "Redis listens on loopback only, protected-mode yes, the contract's port"
    VALID = (HostExample(facts={"redis": _UP}), HostExample(facts={"redis": _IMAGE}))
    INVALID = (HostExample(facts={"redis": {**_UP, "config": {**_CONFIG, "bind": "0.0.0.0"}}},
                           status=FAIL, object=_OBJECT),
               HostExample(facts={"redis": {**_IMAGE, "config": {**_CONFIG, "port": "6380"}}},
                           status=FAIL, object="redis (image) /etc/redis/redis.conf"))

    def run(self, audit: Audit) -> Iterator[HostResult]:
        r = audit.snapshot.redis
        config = r.get("config") or {}
        bind = config.get("bind")
        protected = config.get("protected-mode")
        if bind is None or protected is None:
            why = r.get("error") or r.get("config_error") or "bind/protected-mode not readable"
            yield self.result(ERROR, _object(audit), "bind loopback, protected-mode yes", why)
            return
        addresses = bind.split()
        public = [a for a in addresses if not a.startswith(_LOOPBACK)] or (
            [] if addresses else ["(all interfaces)"])
        port = config.get("port")
        # live: the port asked (--redis-port, else the contract's); image: the contract's
        wanted = str(r.get("port") if r.get("source") != "image" and r.get("port")
                     else audit.config.contract.redis_port)
        ok = not public and protected == "yes" and (port is None or port == wanted)
        yield self.result(PASS if ok else FAIL, _object(audit),
                          f"bind 127.0.0.1 ::1, protected-mode yes, port {wanted}",
                          f"bind {bind or '(empty: every interface)'}, protected-mode "
                          f"{protected}" + (f", port {port}" if port is not None else ""))
