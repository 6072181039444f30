from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.examples import GOLDEN

CONTAINER_PROGRAMS = frozenset({"docker", "docker-compose", "podman", "podman-compose"})
CONTAINER_UNITS = frozenset({"docker.service", "docker.socket", "containerd.service",
                             "podman.service", "podman.socket"})
_DEPENDENCY_KEYS = ("After", "Requires", "Wants", "BindsTo", "Requisite", "PartOf", "Upholds")


class DockerReference(Rule):
    """
    ## What it does
    Reports containers in the stack: `docker`, `docker-compose`, `docker compose`,
    `podman` or `podman-compose` run as commands (unit `Exec*=` lines, shell scripts,
    Makefiles, crontabs, Python subprocess calls); a `Dockerfile`, `*.Dockerfile`,
    `Containerfile`, `docker-compose*.yml` or `compose.y*ml` file in the repository (at
    line 1); a unit that depends on `docker.service` (`After=`, `Requires=`, `Wants=`,
    `BindsTo=`, ...). The words in comments and prose are not reported.

    ## Why is this bad?
    Contract E: Redis and every service run as systemd services on the host, never in
    containers. A container in the path (`docker exec quantum_redis redis-cli`) is a
    second, unaudited way to run the stack.

    ## Example
    ```sh
    docker exec quantum_redis redis-cli PING
    ```

    ## Use instead
    ```sh
    redis-cli -h localhost -p 6379 PING
    ```
    """

    code = "QT501"
    name = "docker-reference"
    section = "E"
    kinds = frozenset({Kind.DOCKERFILE, Kind.COMPOSE, Kind.UNIT, Kind.SHELL, Kind.MAKEFILE,
                       Kind.CRONTAB, Kind.PYTHON})
    prefilter = {kind: AnyOf("docker", "podman")
                 for kind in (Kind.PYTHON, Kind.SHELL, Kind.CRONTAB)}
    summary = "Docker or Compose used (files, commands, unit dependencies)"
    needs_text = False
    example_path = "Dockerfile"
    VALID = (Example("Run `docker compose up` nowhere.\n", path="docs/docker.md"),
             Example(GOLDEN, path="systemd/quantum-backend.service"),
             Example("# docker is gone\necho 'no docker here'\n", path="ops/a.sh"))
    INVALID = (
        Example("FROM python:3.11\n", expect=((1, 1),)),
        Example("services: {}\n", path="deploy/docker-compose.prod.yml", expect=((1, 1),)),
        Example(GOLDEN.replace("BindsTo=redis-server.service",
                               "BindsTo=redis-server.service docker.service"),
                path="systemd/quantum-backend.service", expect=((5, 30),)),
        Example(GOLDEN.replace("ExecStart=", "ExecStartPre=/usr/bin/docker start r\nExecStart="),
                path="systemd/quantum-backend.service", expect=((13, 14),)),
        Example("docker exec quantum_redis redis-cli PING\n", path="ops/a.sh", expect=((1, 1),)),
        Example('import os\nos.system("docker exec quantum_redis redis-cli PING")\n',
                path="ops/a.py", expect=((2, 12),)),
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
            return
        if not ctx.text:
            return
        if ctx.kind is Kind.UNIT:
            for section in ctx.unit_document.sections:
                for a in section.assignments:
                    if a.key not in _DEPENDENCY_KEYS:
                        continue
                    index = 0
                    for item in a.value.split():
                        index = a.value.index(item, index)
                        if item in CONTAINER_UNITS:
                            line, column = a.position(index)
                            yield ctx.finding(self, line, column,
                                              f"{a.key}={item}: quantum units never depend on "
                                              "a container engine")
                        index += len(item)
        for command in ctx.commands:
            if command.name in CONTAINER_PROGRAMS and not command.program.dynamic:
                program = command.program
                yield ctx.finding(self, program.line, program.column,
                                  f"`{command.name}` runs a container; the stack runs as "
                                  "systemd services")
