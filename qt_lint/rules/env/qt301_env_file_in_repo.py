from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.env.helpers import is_template


class EnvFileInRepo(Rule):
    """
    ## What it does
    Reports an env file committed to the repository: `.env`, `.env.<suffix>`,
    `<name>.env` or `<name>.env.<suffix>` in any folder, backups such as
    `.env.backup_2025` and `clm.env.bak` included. Templates (`.env.example`, ...) are
    QT302.

    ## Why is this bad?
    Contract C: environment lives in `/etc/quantum/<service>.env` on the host, owned
    `root:qt` with mode 0640, and is never committed. A committed env file drifts from the
    host's, and usually carries credentials into the git history forever.

    ## Example
    `deploy/DEPLOY_testnet.env` committed next to the code.

    ## Use instead
    Keep the file on the host as `/etc/quantum/<service>.env`; commit a template
    (`deploy/backend.env.example`) without values that matter.
    """

    code = "QT301"
    name = "env-file-in-repo"
    section = "C"
    kinds = frozenset({Kind.ENV})
    summary = "Env file committed to the repository"
    needs_text = False
    example_path = ".env"
    VALID = (Example("A=1\n", path="config/.env.example"),)
    INVALID = (
        Example("A=1\n", expect=((1, 1),)),
        Example("A=1\n", path="backups/clm.env.bak", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        name = PurePosixPath(ctx.relpath).name
        if not is_template(name):
            yield ctx.finding(
                self, 1, 1,
                f"env file `{name}` is committed to the repository; environment belongs in "
                f"{ctx.contract.env_dir}/<service>.env on the host",
            )
