from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.containers.helpers import (
    REDIS_PREFILTER,
    SHELL_KINDS,
    SHELL_PREFILTER,
    classify_host,
    hosts,
    ports,
)


class RemoteRedis(Rule):
    """
    ## What it does
    Reports a Redis host that is not local (`localhost`, `127.0.0.1`, `::1`) and not a
    container name (QT502): in `redis.Redis(host=...)`, `StrictRedis(...)`,
    `redis.from_url("redis://...")`, an `os.getenv("REDIS_HOST", ...)` default, a value
    given to a name for a Redis host or URL (constant, dataclass or pydantic field,
    parameter default, `redis_url=` keyword, `--redis-url` default, dict key; reported
    where the value is written; a constant imported from another module of the repository
    whose name does not say Redis, `HOST = "10.0.0.5"` given to `redis.Redis(host=HOST)`,
    where it is used, once per file), env files' and unit `Environment=` lines'
    `REDIS_HOST=`/`REDIS_URL=` (also prefixed: `QT_REDIS_URL=`), configuration files,
    and shell scripts, Makefile recipes and crontabs: `redis-cli -h HOST`, `-u URL`,
    `export REDIS_URL=...`, a `REDIS_HOST=... cmd` prefix, a variable assigned once and
    given to `-h`, a default given to `-h` (`"${REDIS_HOST:-10.0.0.5}"`;
    `redis-benchmark` alike; `-s SOCKET` is local whatever `-h` says).
    A host read from the environment, or a variable assigned more than once, is not
    reported: its value is decided at run time. Likewise a Redis port other than
    `contract.redis-port` (6379) in those places (`port=6380`, `redis://localhost:6380`,
    `redis_port: int = 6380`, a unit's `Environment=REDIS_PORT=6380`, `redis-cli -p 6380`;
    an env file's
    `REDIS_PORT=` is QT307's): another port is another Redis than the systemd one.

    ## Why is this bad?
    Contract E: "NEVER use remote Redis (security risk)". Signals and positions cross the
    network unencrypted, and a second machine becomes part of every trade.

    ## Example
    ```python
    r = redis.from_url("redis://10.0.0.5:6379/0")
    ```

    ## Use instead
    ```python
    r = redis.Redis(host=os.environ["REDIS_HOST"])  # localhost, from /etc/quantum
    ```

    ## Options
    `contract.redis-hosts`, `contract.redis-port`.
    """

    code = "QT503"
    name = "remote-redis"
    section = "E"
    kinds = frozenset({Kind.PYTHON, Kind.ENV, Kind.UNIT, Kind.CONFIG, Kind.COMPOSE,
                       *SHELL_KINDS})
    summary = "Redis host that is not localhost, or a port other than the contract's"
    prefilter = {Kind.PYTHON: REDIS_PREFILTER, **dict.fromkeys(SHELL_KINDS, SHELL_PREFILTER)}
    example_path = "backend/cache.py"
    VALID = (Example('import redis, os\nr = redis.Redis(host="127.0.0.1")\n'
                     's = redis.Redis(host=os.getenv("REDIS_HOST"))\n'
                     't = redis.from_url("redis://localhost:6379/0")\n'),
             Example('#!/bin/bash\nredis-cli -h ::1 PING\nredis-cli -s /run/redis/redis.sock '
                     'PING\nredis-cli -h "$REDIS_HOST" PING\n', path="ops/check.sh"))
    INVALID = (
        Example("[Service]\nEnvironment=REDIS_HOST=10.0.0.5 \"REDIS_URL=redis://10.0.0.6/0\"\n",
                path="systemd/quantum-backend.service", expect=((2, 24), (2, 44))),
        Example('import redis\nr = redis.from_url("redis://10.0.0.5:6379/0")\n',
                expect=((2, 20),)),
        Example('import os\nH = os.getenv("REDIS_HOST", "cache.internal")\n',
                expect=((2, 29),)),
        Example("REDIS_URL=redis://10.0.0.5:6379/0\n", path="deploy/b.env", expect=((1, 11),)),
        Example("[redis]\nhost = \"10.1.2.3\"\n", path="config/app.ini", expect=((2, 9),)),
        Example('import redis\nr = redis.Redis(host="localhost", port=6380)\n'
                'REDIS_URL = "redis://127.0.0.1:6381/0"\n', expect=((2, 40), (3, 13))),
        Example("#!/bin/bash\nredis-cli -h 10.0.0.5 PING\n"
                "export REDIS_URL=redis://cache.internal:6379\n", path="ops/check.sh",
                expect=((2, 14), (3, 18))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        expected = str(ctx.contract.redis_port)
        for port in ports(ctx):
            if port.port != expected:
                yield ctx.finding(self, port.line, port.column,
                                  f"Redis port {port.port} is not {expected}: the contract's "
                                  f"Redis is the systemd service on localhost:{expected}")
        for found in hosts(ctx):
            if classify_host(found.host, ctx.contract) == "remote":
                yield ctx.finding(self, found.line, found.column,
                                  f"Redis host `{found.host}` is not local; Redis is only "
                                  "reached on localhost")
