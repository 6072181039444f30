from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.classify import is_env_name
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule

_MAKE_INCLUDE = lazyre.compile(r"^(?P<lead>\s*-?s?include\s+)(?P<files>.+)$")


def repo_env(path: str, env_dir: str) -> bool:
    """A path to an env file that is not in the host's env folder."""
    if path.startswith(env_dir.rstrip("/") + "/"):
        return False
    return is_env_name(path.rstrip("/").rsplit("/", 1)[-1])


class RepoEnvLoad(Rule):
    """
    ## What it does
    Reports environment loaded from the repository: `source .env`, `. ./.env`,
    `set -a; . deploy/x.env` of any path outside `/etc/quantum/`; a Makefile
    `include .env`; in Python `load_dotenv()` and `dotenv_values()`; a compose file's
    `env_file:`. A unit's `EnvironmentFile=` is QT304.

    ## Why is this bad?
    Contract C: environment comes from `/etc/quantum/<service>.env`, "source
    /etc/quantum/<service>.env in ops scripts". A repo `.env` is a second source of truth
    that differs per checkout and usually holds credentials.

    ## Example
    ```sh
    source .env && python app.py
    ```

    ## Use instead
    ```sh
    source /etc/quantum/backend.env
    ```

    ## Options
    `contract.env-dir`.
    """

    code = "QT303"
    name = "repo-env-load"
    section = "C"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON, Kind.COMPOSE})
    prefilter = {Kind.PYTHON: AnyOf("dotenv"), Kind.SHELL: AnyOf("source", "."),
                 Kind.CRONTAB: AnyOf("source", ".")}
    summary = "Environment loaded from a repository env file"
    example_path = "ops/start.sh"
    VALID = (Example("source /etc/quantum/backend.env\n. \"$ENV_FILE\"\n"),
             Example("include common.mk\n", path="Makefile"))
    INVALID = (
        Example("set -a; . ./.env; set +a\n", expect=((1, 9),)),
        Example("source config/prod.env\n", expect=((1, 1),)),
        Example("-include .env\nall:\n\ttrue\n", path="Makefile", expect=((1, 10),)),
        Example("from dotenv import load_dotenv\nload_dotenv()\n", path="b/app.py",
                expect=((2, 1),)),
        Example("services:\n  api:\n    env_file:\n      - .env\n", path="compose.yml",
                expect=((4, 9),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        if ctx.kind is Kind.COMPOSE:
            for item in ctx.config_values:
                if item.path and item.path[-1] in ("env_file", "path") and "env_file" in \
                        item.path and item.value and repo_env(item.value, ctx.contract.env_dir):
                    yield ctx.finding(self, item.line, item.column,
                                      f"compose env_file {item.value} loads a repository env "
                                      "file")
            return
        if ctx.kind not in SHELL_KINDS:
            return
        env_dir = ctx.contract.env_dir
        for command in ctx.commands:
            if command.name in ("source", ".") and command.args:
                path = command.args[0]
                if repo_env(path.text, env_dir):
                    program = command.program
                    yield ctx.finding(self, program.line, program.column,
                                      f"`{command.name} {path.text}` loads a repository env "
                                      f"file; source {env_dir}/<service>.env")
        if ctx.kind is Kind.MAKEFILE:
            for index, line in enumerate(ctx.lines):
                match = _MAKE_INCLUDE.match(line)
                if not match or line.startswith("\t"):
                    continue
                offset = match.start("files")
                for name in re.finditer(r"\S+", match.group("files")):
                    if repo_env(name.group(), env_dir):
                        yield ctx.finding(self, index + 1, offset + name.start() + 1,
                                          f"Makefile includes the env file {name.group()}")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        env_dir = ctx.contract.env_dir.rstrip("/") + "/"
        for call in facts.calls:
            if call.attr not in ("load_dotenv", "dotenv_values"):
                continue
            path = call.arg(0, "dotenv_path")
            value = facts.resolve(path, call.scope) if path is not None else None
            if value is not None and value.exact and value.text.startswith(env_dir):
                continue
            yield ctx.finding(self, call.line, call.column,
                              f"`{call.attr}()` loads a .env file; services read "
                              f"{ctx.contract.env_dir}/<service>.env through systemd")
