from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.secrets import holds_secret, url_password


class SecretInEnv(Rule):
    """
    ## What it does
    Reports an env file (in the repository, or on a host under `/etc/quantum/`), or a
    unit's `Environment=` line, that gives a non-empty value to a secret-like key: one
    containing `KEY`, `SECRET`, `PASSWORD`, `PASSWD`, `TOKEN`, `PRIVATE` or `CREDENTIAL`.
    **The message names the key and never prints the value**, in every output format.

    A URL with a password (`REDIS_URL=redis://:p4ss@localhost:6379/0`,
    `DATABASE_URL=postgres://user:p4ss@db/x`) is reported whatever its key.

    Not reported, because no credential is written down:
    - empty values, and a value that points into the secrets folder
      (`KEY_PATH=/opt/quantum/secrets/binance.key`);
    - a setting that names a file holding the secret (`SSL_KEYFILE=certs/key.pem`,
      `*_FILE`, `*_PATH`, `*_DIR` with a path-like value; where the file lives is QT205's
      and the contract's secrets-folder concern, not a leaked value);
    - settings about a credential: namespaces (`REDIS_KEY_PREFIX`: `*_KEY_PREFIX`,
      `_NAMESPACE`, `_PATTERN`, `_COUNT`), lifetimes and sizes
      (`JWT_ACCESS_TOKEN_EXPIRE_MINUTES=30`, `*_KEY_TTL_SEC=60`, `_LENGTH`, `_SIZE`,
      `_ALGORITHM`, ...);
    - Redis key and stream names (`STREAM_KEY=quantum:stream:trade.intent`: colon-separated
      names under a `*_STREAM_KEY`-like key, or with two colons or more);
    - placeholders: `changeme`, `replace_me`, `your_key_here`, `your-api-key`, `<token>`,
      `xxx`, `...`, `${API_KEY}`, `placeholder`, `dummy`, `example`, `todo`,
      `none`. A placeholder leaks nothing; a committed template is QT302's, and on a host
      (H131, which uses this same judgement) a placeholder fails at the service's start,
      not in an audit of secrets.

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
    kinds = frozenset({Kind.ENV, Kind.UNIT, Kind.PYTHON})
    # a constant's name in capitals, or a lower-case name assigned (most Python files say
    # "key" or "token" somewhere; parsing all of them would cost every run)
    # The second test is the URL shape: `url_password` needs a value holding `://`, then a
    # user and a password free of "/", "@" and blanks, then "@". In the text of the
    # literal, what lies between the "://" and that "@" is the user and password as written
    # (escapes spell other characters with letters, digits and braces, never "/" or "@"),
    # and where the URL is implicitly concatenated, quotes, blanks and perhaps a comment:
    # its "#" comes before any "/" or "@" it holds. So the text holds "://", then no "/",
    # "@" or "#", then "@" or "#". (As the "://" needle before it, this reads the "://"
    # and the "@" as written, not spelt by escapes.) Most files' "://" is an http URL.
    prefilter = {Kind.PYTHON: Either(
        AnyOf("KEY", "SECRET", "PASSW", "TOKEN", "PRIVATE", "CREDENTIAL", "_key =", "_key:",
              "secret =", "password =", "passwd =", "token =", "_key=", "secret=",
              "password=", "token=", ":@"),
        lazyre.compile(r"://[^/@#]*[@#]"))}
    summary = "Secret value in an env file (the value is never shown)"
    example_path = "deploy/backend.env"
    VALID = (Example("BINANCE_API_KEY=\nKEY_PATH=/opt/quantum/secrets/binance.key\n"
                     "REDIS_KEY_PREFIX=signals\nLOG_LEVEL=INFO\n"),
             Example("JWT_ACCESS_TOKEN_EXPIRE_MINUTES=30\nSESSION_KEY_TTL_SEC=60\n"
                     "SSL_KEYFILE=certs/key.pem\nSTREAM_KEY=quantum:stream:trade.intent\n"
                     "API_KEY=changeme\nAPI_SECRET=your_key_here\nX_TOKEN=<token>\n"
                     "Y_KEY=xxx\nZ_PASSWORD=${DB_PASSWORD}\n"),
             Example('API_KEY_ENV = "BINANCE_API_KEY"\nTOKEN = os.environ["TOKEN"]\n'
                     'SECRET_HINT = "set the secret in /opt/quantum/secrets"\n'
                     'API_KEY = "your_api_key_here"\n', path="backend/keys.py"))
    INVALID = (
        Example("[Service]\nEnvironment=LOG_LEVEL=INFO \"BINANCE_API_SECRET=abc\"\n",
                path="systemd/quantum-backend.service", expect=((2, 29),)),
        Example("LOG_LEVEL=INFO\nBINANCE_API_KEY=abc123\nexport DB_PASSWORD='p w'\n",
                expect=((2, 1), (3, 8))),
        Example("JWT_SECRET=3q2+7w==\nAPI_KEY=quantum:abc\nREDIS_PASSWORD=hunter2\n",
                expect=((1, 1), (2, 1), (3, 1))),
        Example("REDIS_URL=redis://:hunter2@localhost:6379/0\n"
                "DATABASE_URL=postgres://app:pw@localhost/x\nDOCS_URL=https://example.org/\n",
                expect=((1, 1), (2, 1))),
        Example('BINANCE_API_SECRET = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"\n'
                'REDIS_URL = "redis://:hunter2@localhost:6379/0"\n', path="backend/keys.py",
                expect=((1, 22), (2, 13))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        secrets = ctx.contract.secrets_dir.rstrip("/") + "/"
        where = "an env file" if ctx.kind is Kind.ENV else "a unit's Environment="
        for entry in ctx.env_entries:
            if url_password(entry.value):
                yield ctx.finding(self, entry.line, entry.column,
                                  f"{entry.key} holds a password in its URL (not shown); "
                                  f"secrets live in {ctx.contract.secrets_dir}/")
                continue
            if not holds_secret(entry.key, entry.value):
                continue
            if entry.value.startswith(secrets):
                continue
            yield ctx.finding(self, entry.line, entry.column,
                              f"{entry.key} has a value in {where} (not shown); secrets "
                              f"live in {ctx.contract.secrets_dir}/")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        """A constant of code given to a secret-like name whose value looks like a
        credential (long, no blanks, letters and digits: not a word, a name, a path or a
        placeholder), or a URL with a password."""
        import ast

        facts = ctx.python
        seen: set[tuple[int, int]] = set()
        for setting in facts.settings:
            node = setting.value
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            value = node.value
            position = facts.position(node)
            if position in seen:
                continue
            if url_password(value):
                seen.add(position)
                yield ctx.finding(self, *position, f"{setting.key} holds a password in its "
                                  f"URL in code (not shown); secrets live in "
                                  f"{ctx.contract.secrets_dir}/")
            elif holds_secret(setting.key, value) and _credential_like(value):
                seen.add(position)
                yield ctx.finding(self, *position, f"{setting.key} is a secret-like constant "
                                  f"in code (not shown); secrets live in "
                                  f"{ctx.contract.secrets_dir}/")


def _credential_like(value: str) -> bool:
    """Long, without blanks, letters and digits mixed; not a path, URL or identifier."""
    if len(value) < 16 or any(c.isspace() for c in value) or value.startswith(("/", ".")):
        return False
    if "://" in value or (value.isidentifier() and (value.isupper() or value.islower())):
        return False
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
