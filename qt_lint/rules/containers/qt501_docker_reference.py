from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule


class DockerReference(Rule):
    """
    ## What it does
    Reports containers in the stack: a `Dockerfile`, `*.Dockerfile`, `Containerfile`,
    `docker-compose*.yml` or `compose.y*ml` file in the repository (at line 1).

    ## Why is this bad?
    Contract E: Redis and every service run as systemd services on the host, never in
    containers. A container definition in the repository invites a second, unaudited way
    to run the stack (and a `quantum_redis` container that the services then depend on).

    ## Example
    A `Dockerfile` or `docker-compose.yml` at the repository root.

    ## Use instead
    A systemd unit from the golden template (`qt-lint unit new <service>`) and Redis from
    `apt install redis-server`.
    """

    code = "QT501"
    name = "docker-reference"
    section = "E"
    kinds = frozenset({Kind.DOCKERFILE, Kind.COMPOSE})
    summary = "Docker or Compose used (files, commands, unit dependencies)"
    needs_text = False
    example_path = "Dockerfile"
    VALID = (Example("Run `docker compose up` nowhere.\n", path="docs/docker.md"),)
    INVALID = (
        Example("FROM python:3.11\n", expect=((1, 1),)),
        Example("services: {}\n", path="deploy/docker-compose.prod.yml", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind in (Kind.DOCKERFILE, Kind.COMPOSE):
            name = PurePosixPath(ctx.relpath).name
            what = "Dockerfile" if ctx.kind is Kind.DOCKERFILE else "Compose file"
            yield ctx.finding(
                self, 1, 1,
                f"{what} `{name}` in the repository; the stack runs as systemd services, "
                "never in containers",
            )
