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
)


class RedisContainerHost(Rule):
    """
    ## What it does
    Reports a Redis host that is a container name (`quantum_redis`, `redis`,
    `redis-server`, `quantum-redis`, ...) in code (`redis.Redis(host=...)`,
    `redis.from_url(...)`, an `os.getenv("REDIS_HOST", ...)` default, and a value given to
    a name for a Redis host or URL: a constant, a dataclass or pydantic field, a parameter
    default, a `redis_url=` keyword, a `--redis-url` default, a dict key; names assigned
    once are followed within the module, and the finding is where the value is written),
    in env files and unit `Environment=` lines (`REDIS_HOST=`, `REDIS_URL=`), in shell
    scripts, Makefile recipes and crontabs (`export REDIS_HOST=quantum_redis`,
    `redis-cli -h quantum_redis`, `redis-cli -u redis://redis:6379`) and in YAML, TOML and
    INI configuration.

    ## Why is this bad?
    Contract E: "NO container names". A container name resolves only inside a Docker
    network: on the host it fails, or worse, resolves through search domains to another
    machine.

    ## Example
    ```python
    r = redis.Redis(host="quantum_redis", port=6379)
    ```

    ## Use instead
    ```python
    r = redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]))
    ```

    ## Options
    `contract.redis-container-names`.
    """

    code = "QT502"
    name = "redis-container-host"
    section = "E"
    kinds = frozenset({Kind.PYTHON, Kind.ENV, Kind.UNIT, Kind.CONFIG, Kind.COMPOSE,
                       Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB})
    summary = "Redis host is a container name"
    prefilter = {Kind.PYTHON: REDIS_PREFILTER, **dict.fromkeys(SHELL_KINDS, SHELL_PREFILTER)}
    example_path = "backend/cache.py"
    VALID = (Example('import redis, os\nr = redis.Redis(host="localhost")\n'
                     'q = redis.Redis(host=os.getenv("REDIS_HOST"))\n'),
             Example('#!/bin/bash\nexport REDIS_HOST=localhost\nredis-cli -h "$REDIS_HOST" '
                     'PING\necho "redis-cli -h redis"\n', path="ops/check.sh"))
    INVALID = (
        Example('import redis\nr = redis.Redis(host="quantum_redis", port=6379)\n',
                expect=((2, 22),)),
        Example('from redis import from_url\nR = "redis://redis:6379/0"\nc = from_url(R)\n',
                expect=((2, 5),)),
        Example('from dataclasses import dataclass\n@dataclass\nclass Settings:\n'
                '    redis_url: str = "redis://quantum_redis:6379/0"\n',
                path="backend/settings.py", expect=((4, 22),)),
        Example("REDIS_HOST=quantum_redis\n", path="deploy/backend.env", expect=((1, 12),)),
        Example("redis:\n  host: redis\n", path="config/app.yml", expect=((2, 9),)),
        Example("#!/bin/bash\nexport REDIS_HOST=quantum_redis\nredis-cli -h redis PING\n",
                path="ops/check.sh", expect=((2, 19), (3, 14))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for found in hosts(ctx):
            if classify_host(found.host, ctx.contract) == "container":
                yield ctx.finding(self, found.line, found.column,
                                  f"Redis host `{found.host}` is a container name; Redis runs "
                                  "as a systemd service on localhost")
