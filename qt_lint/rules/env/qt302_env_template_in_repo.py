from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind, Severity
from qt_lint.rule import Example, Rule
from qt_lint.rules.env.helpers import is_template


class EnvTemplateInRepo(Rule):
    """
    ## What it does
    Reports an env-file template in the repository: a name of the QT301 forms where a
    dot-separated part after `env` is `example`, `template`, `sample` or `dist`
    (`.env.example`, `.env.example.ai`, `x.env.template`).

    ## Why is this bad?
    Templates are often copied to `.env` and sourced from the repository, which the
    contract forbids (QT303), and they tend to collect real values over time. A warning,
    so a team can keep documented templates and see them in review.

    ## Example
    `config/.env.example`

    ## Use instead
    Document the variables of `/etc/quantum/<service>.env` in the deployment docs, or keep
    the template and accept the warning (`ignore = ["QT302"]`).
    """

    code = "QT302"
    name = "env-template-in-repo"
    severity = Severity.WARNING
    section = "C"
    kinds = frozenset({Kind.ENV})
    summary = "Env-file template committed to the repository"
    needs_text = False
    example_path = "config/.env.example"
    VALID = (Example("A=1\n", path="deploy/backend.env"),)
    INVALID = (
        Example("A=1\n", expect=((1, 1),)),
        Example("A=1\n", path=".env.example.ai", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        name = PurePosixPath(ctx.relpath).name
        if is_template(name):
            yield ctx.finding(
                self, 1, 1,
                f"env-file template `{name}` in the repository; templates drift into real "
                "env files sourced from the repo",
            )
