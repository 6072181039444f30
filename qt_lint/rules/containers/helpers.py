"""Where code names a Redis host, and whether that host is local, a container or remote."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import urlsplit

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Kind
from qt_lint.record import record
from qt_lint.rule import AnyOf

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    import ast

    from qt_lint.command_model import Word
    from qt_lint.parsers.python import Call, Scope

# Python files that can name a Redis host: a client constructor, a URL or the variables
REDIS_PREFILTER = AnyOf("Redis(", "RedisCluster(", "Sentinel(", "ClusterNode(",
                        "ConnectionPool", "from_url", "REDIS_HOST", "REDIS_URL",
                        "redis_host", "redis_url", "redis-host", "redis-url")
# shell files (scripts, Makefile recipes, crontabs) that can name a Redis host: a variable
# named for one, or a Redis client run with -h/-u/-p
SHELL_PREFILTER = AnyOf("REDIS", "redis-cli", "redis-benchmark")
SHELL_KINDS = (Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB)
# the Redis programs that take a server as `-h HOST`, `-u URL`, `-p PORT`; `-s SOCKET`
# overrides host and port (redis-cli(1), redis-benchmark(1))
_CLIENTS = ("redis-cli", "redis-benchmark")
_CTOR_SUFFIXES = (".Redis", ".StrictRedis", ".ConnectionPool", ".BlockingConnectionPool",
                  ".RedisCluster", ".ClusterNode")
_CTOR_NAMES = ("Redis", "StrictRedis", "RedisCluster", "ClusterNode")
_HOST_KEYS = ("REDIS_HOST", "REDIS_URL")


def host_key(key: str) -> bool:
    """`REDIS_HOST`, `REDIS_URL`, and prefixed forms (`QT_REDIS_URL`, `CACHE_REDIS_HOST`)."""
    return any(key == name or key.endswith("_" + name) for name in _HOST_KEYS)


@record(frozen=True)
class RedisHost:
    """A Redis host a file configures, and where."""

    host: str
    line: int
    column: int
    where: str  # how it was given, for the message


def host_of_url(url: str) -> str | None:
    if url.startswith("unix://"):
        return "localhost"
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def classify_host(host: str, contract: Contract) -> str:
    """"local", "container" or "remote"."""
    host = host.strip("[]").lower()
    if host in {h.lower() for h in contract.redis_hosts}:
        return "local"
    if host in {h.lower() for h in contract.redis_container_names}:
        return "container"
    return "remote"


def _python_values(ctx: FileContext, part: str) -> list[tuple[ast.expr, Scope, bool, str]]:
    """Where Python code gives Redis its `host` or `port`: (the expression, its scope,
    whether it is a URL, what it was given to). A client's URL (`from_url`), the
    constructor's argument (`Redis(host, port)` or keywords), and settings named for it
    (`REDIS_URL`, `redis_host`; `REDIS_PORT`, `redis_port`)."""
    import ast  # Python files only: a unit's run never needs the module

    facts = ctx.python
    out: list[tuple[ast.expr, Scope, bool, str]] = []
    for call in facts.calls:
        name = call.name
        node = None
        if name.endswith("from_url") and "redis" in name.lower():
            node = call.arg(0, "url")
            if node is not None:
                out.append((node, call.scope, True, name))
        elif name.endswith(_CTOR_SUFFIXES) or name in _CTOR_NAMES:
            node = call.kwarg(part) or _unpacked(call, part)
            index = 0 if part == "host" else 1
            if node is None and len(call.node.args) > index and not name.endswith("Pool"):
                node = call.node.args[index]
            if node is not None:
                out.append((node, call.scope, False, name))
        elif part == "host" and (name == "Sentinel" or name.endswith(".Sentinel")):
            # Sentinel([("host", 26379), ...]): each sentinel's host (its port is the
            # sentinel's, not Redis's)
            nodes = call.arg(0, "sentinels")
            if isinstance(nodes, ast.Name):
                nodes = call.scope.lookup(nodes.id)
            if isinstance(nodes, (ast.List, ast.Tuple)):
                for item in nodes.elts:
                    if isinstance(item, ast.Tuple) and item.elts:
                        out.append((item.elts[0], call.scope, False, name))
    for setting in facts.settings:
        key = setting.key.upper()
        if host_key(key) and (part == "host" or key.endswith("URL")):
            out.append((setting.value, setting.scope, key.endswith("URL"), setting.key))
        elif part == "port" and _port_key(key):
            out.append((setting.value, setting.scope, False, setting.key))
    return out


def _unpacked(call: Call, part: str) -> ast.expr | None:
    """`Redis(**cfg)` with `cfg` a literal dict (or `**{"host": ...}`): its `part` entry."""
    import ast  # Python files only: a unit's run never needs the module

    for kw in call.node.keywords:
        if kw.arg is not None:
            continue
        table: ast.expr | None = kw.value
        if isinstance(table, ast.Name):
            table = call.scope.lookup(table.id)
        if isinstance(table, ast.Dict):
            for key, value in zip(table.keys, table.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == part:
                    return value
    return None


def python_hosts(ctx: FileContext) -> Iterator[RedisHost]:
    """Redis hosts given to a client (`redis.Redis(host=...)`, `from_url(...)`) and to a
    setting named for one (`REDIS_URL = ...`, `redis_host: str = ...`, `redis_url=` keyword,
    `--redis-url` default, `os.getenv("REDIS_HOST", ...)` default). Each is reported where
    the value is written (a constant used by three clients is one finding, at the
    constant)."""
    import ast  # Python files only: a unit's run never needs the module

    facts = ctx.python
    from qt_lint.pymodel.modules import Bound  # Python files only: a unit's run never needs it

    given = _python_values(ctx, "host")
    seen: set[tuple[int, int]] = set()
    foreign_seen: set[int] = set()
    for node, scope, url, where in given:
        value = facts.resolve(node, scope)
        if value is None or not value.exact:
            continue  # read from the environment or unknown: nothing to judge
        host = host_of_url(value.text) if url or "://" in value.text else value.text
        origin = facts.origin(node, scope)
        other = facts.foreign(origin, scope) if isinstance(origin, (ast.Name, ast.Attribute)) \
            else None
        if isinstance(other, Bound):
            # written in another module: judged there when its name says Redis
            # (`REDIS_HOST = ...`), else here, once per file, at the first use
            if host_key(other.name.upper()) or id(other.node) in foreign_seen:
                continue
            foreign_seen.add(id(other.node))
        position = facts.position(origin)
        if host and position not in seen:
            seen.add(position)
            yield RedisHost(host, *position, where)


def _judgeable(value: str) -> bool:
    return bool(value) and "$" not in value and "{" not in value


def env_hosts(ctx: FileContext) -> Iterator[RedisHost]:
    for entry in ctx.env_entries:
        if host_key(entry.key) and _judgeable(entry.value):
            host = host_of_url(entry.value) if entry.key.endswith("URL") else entry.value
            if host:
                yield RedisHost(host, entry.value_line, entry.value_column, entry.key)


def config_hosts(ctx: FileContext) -> Iterator[RedisHost]:
    for item in ctx.config_values:
        key = item.path[-1].lower() if item.path else ""
        parents = [p.lower() for p in item.path[:-1]]
        named = "redis" in key and any(w in key for w in ("host", "url", "uri"))
        nested = key in ("host", "hostname", "url", "uri") and any("redis" in p for p in parents)
        if not (named or nested) or not _judgeable(item.value):
            continue
        host = host_of_url(item.value) if "://" in item.value else item.value
        if host:
            yield RedisHost(host, item.line, item.column, ".".join(item.path))


@record(frozen=True)
class RedisPort:
    """A Redis port a file configures, and where."""

    port: str
    line: int
    column: int


def _port_key(key: str) -> bool:
    key = key.upper()
    return key == "REDIS_PORT" or key.endswith("_REDIS_PORT")


def port_of_url(url: str) -> str | None:
    try:
        port = urlsplit(url).port
    except ValueError:
        return None
    return str(port) if port is not None else None


def ports(ctx: FileContext) -> Iterator[RedisPort]:
    """Redis ports given in code, URLs, unit `Environment=`, configuration and shell
    (`redis-cli -p`, `-u URL`, a `REDIS_PORT=`/`REDIS_URL=` assignment; an env file's
    `REDIS_PORT=` is QT307's)."""
    seen: set[tuple[int, int]] = set()
    for port in _ports(ctx):
        if (port.line, port.column) not in seen:
            seen.add((port.line, port.column))
            yield port


def _ports(ctx: FileContext) -> Iterator[RedisPort]:
    if ctx.kind is Kind.PYTHON:
        facts = ctx.python
        for node, scope, url, _ in _python_values(ctx, "port"):
            text = facts.scalar(node, scope)
            port = port_of_url(text) if text is not None and url else text
            if port is not None:
                yield RedisPort(port, *facts.position(facts.origin(node, scope)))
    elif ctx.kind in (Kind.ENV, Kind.UNIT):
        for entry in ctx.env_entries:
            if not _judgeable(entry.value):
                continue
            if host_key(entry.key) and entry.key.endswith("URL"):
                port = port_of_url(entry.value)
            elif ctx.kind is Kind.UNIT and _port_key(entry.key):
                port = entry.value
            else:
                continue
            if port is not None:
                yield RedisPort(port, entry.value_line, entry.value_column)
    elif ctx.kind in SHELL_KINDS:
        for key, word in ctx.shell.assignments:
            if word.dynamic or not _judgeable(word.text):
                continue
            port = port_of_url(word.text) if host_key(key) and key.endswith("URL") else \
                word.text if _port_key(key) else None
            if port is not None:
                yield RedisPort(port, word.line, word.column)
        for option, value in _client_options(ctx):
            port = value.text if option == "-p" else port_of_url(value.text) \
                if option == "-u" else None
            if port is not None:
                yield RedisPort(port, value.line, value.column)
    elif ctx.kind in (Kind.CONFIG, Kind.COMPOSE):
        for item in ctx.config_values:
            key = item.path[-1].lower() if item.path else ""
            parents = [p.lower() for p in item.path[:-1]]
            if not _judgeable(item.value):
                continue
            if "redis" in key and any(w in key for w in ("url", "uri")) and "://" in item.value:
                port = port_of_url(item.value)
            elif key == "redis_port" or (key == "port" and any("redis" in p for p in parents)):
                port = item.value
            else:
                continue
            if port is not None:
                yield RedisPort(port, item.line, item.column)


def _client_options(ctx: FileContext) -> Iterator[tuple[str, Word]]:
    """The `-h`, `-u` and `-p` values given to a Redis client in shell (`redis-cli -h
    HOST`), with variables assigned once already substituted; none when `-s SOCKET` is
    given (a unix socket is local, whatever `-h` says)."""
    for command in ctx.shell.commands:
        if command.name not in _CLIENTS:
            continue
        args = command.args
        if any(a.text == "-s" for a in args):
            continue
        for option, value in itertools.pairwise(args):
            if option.text in ("-h", "-u", "-p") and not value.dynamic \
                    and _judgeable(value.text):
                yield option.text, value


def shell_hosts(ctx: FileContext) -> Iterator[RedisHost]:
    """Shell (scripts, Makefile recipes, crontabs): a Redis host or URL variable assigned
    (`export REDIS_HOST=quantum_redis`, `REDIS_HOST=x cmd`), and `redis-cli -h HOST` /
    `-u URL` (also through a variable assigned once)."""
    for key, word in ctx.shell.assignments:
        if host_key(key) and not word.dynamic and _judgeable(word.text):
            host = host_of_url(word.text) if key.endswith("URL") else word.text
            if host:
                yield RedisHost(host, word.line, word.column, key)
    for option, value in _client_options(ctx):
        host = value.text if option == "-h" else host_of_url(value.text) \
            if option == "-u" else None
        if host:
            yield RedisHost(host, value.line, value.column, f"redis-cli {option}")


def hosts(ctx: FileContext) -> Iterator[RedisHost]:
    if ctx.kind is Kind.PYTHON:
        yield from python_hosts(ctx)
    elif ctx.kind in SHELL_KINDS:
        yield from shell_hosts(ctx)
    elif ctx.kind in (Kind.ENV, Kind.UNIT):
        yield from env_hosts(ctx)
    elif ctx.kind in (Kind.CONFIG, Kind.COMPOSE):
        yield from config_hosts(ctx)
