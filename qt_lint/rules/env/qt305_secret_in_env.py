from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.secrets import is_secret_key


class SecretInEnv(Rule):
    """
    ## What it does
    Reports an env file (in the repository, or on a host under `/etc/quantum/`) that gives
    a non-empty value to a secret-like key: one containing `KEY`, `SECRET`, `PASSWORD`,
    `PASSWD`, `TOKEN`, `PRIVATE` or `CREDENTIAL`. **The message names the key and never
    prints the value**, in every output format.

    Not reported: empty values; a value that points into the secrets folder
    (`KEY_PATH=/opt/quantum/secrets/binance.key`); namespaces such as
    `REDIS_KEY_PREFIX` (`*_KEY_PREFIX`, `_NAMESPACE`, `_PATTERN`, `_TTL`, `_COUNT`,
    `_LENGTH`).

    ## Why is this bad?
    Contract C: "NO secrets in env files (use /opt/quantum/secrets/)". Env files are read
    by every process of the service, copied around by deployment tooling and readable by
    the `qt` group; a key in one is a key in every backup and support bundle.

    ## Example
    ```sh
    BINANCE_API_SECRET=9f8e...
    ```

    ## Use instead
    ```sh
    BINANCE_API_SECRET_FILE=/opt/quantum/secrets/binance_api_secret
    ```

    ## Options
    `contract.secrets-dir`.
    """

    code = "QT305"
    name = "secret-in-env"
    section = "C"
    kinds = frozenset({Kind.ENV})
    summary = "Secret value in an env file (the value is never shown)"
    example_path = "deploy/backend.env"
    VALID = (Example("BINANCE_API_KEY=\nKEY_PATH=/opt/quantum/secrets/binance.key\n"
                     "REDIS_KEY_PREFIX=signals\nLOG_LEVEL=INFO\n"),)
    INVALID = (
        Example("LOG_LEVEL=INFO\nBINANCE_API_KEY=abc123\nexport DB_PASSWORD='p w'\n",
                expect=((2, 1), (3, 8))),
        Example("KEY_PATH=/home/qt/.ssh/id_rsa\n", expect=((1, 1),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        secrets = ctx.contract.secrets_dir.rstrip("/") + "/"
        for entry in ctx.env.entries:
            if not entry.value or not is_secret_key(entry.key):
                continue
            if entry.value.startswith(secrets):
                continue
            yield ctx.finding(self, entry.line, entry.column,
                              f"{entry.key} has a value in an env file (not shown); secrets "
                              f"live in {ctx.contract.secrets_dir}/")
