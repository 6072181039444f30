from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STRONG = frozenset({"secret", "secrets", "password", "passwd", "passphrase", "token",
                     "credential", "credentials", "apikey", "privkey", "private"})
_KEY_OWNERS = frozenset({"api", "secret", "access", "private", "signing", "auth", "hmac",
                         "encryption", "exchange", "binance", "ssh", "client", "master"})


def is_secret_identifier(name: str) -> bool:
    """`api_key`, `self.secret`, `BINANCE_API_KEY`, `password`; not `key`, `keys`,
    `sort_key`, `num_tokens` (a bare or plural word is not a credential)."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if any(w in _STRONG for w in words):
        return True
    return any(w == "key" and i > 0 and words[i - 1] in _KEY_OWNERS for i, w in enumerate(words))


class CredentialLogged(Rule):
    """
    ## What it does
    Reports a logging call (`logging.*`, `logger.*`, `log.*`, `print`) whose arguments
    use the value of a secret-like name: a variable, attribute or subscript key such as
    `api_key`, `self.secret`, `cfg["password"]`, `os.environ["BINANCE_API_KEY"]`, in
    f-string parts, `%` and `.format()` arguments included. The finding names the
    variable, never its value.

    Not reported: the word only inside a constant message (`"api key missing"`); bare or
    plural words that are not credentials (`key`, `keys`, `sort_key`, `num_tokens`).

    ## Why is this bad?
    Contract A: "NEVER log credentials". The journal is read by many people and kept for
    months; an exchange key in a log line is an exchange key in every backup of it.

    ## Example
    ```python
    logger.info(f"connecting with key={api_key}")
    ```

    ## Use instead
    ```python
    logger.info("connecting with key ending %s", api_key[-4:])  # or not at all
    ```
    """

    code = "QT306"
    name = "credential-logged"
    section = "A"
    kinds = frozenset({Kind.PYTHON})
    summary = "Logging call that outputs a credential"
    prefilter = {Kind.PYTHON: (
        AnyOf("secret", "passw", "token", "credential", "private", "passphrase", "privkey",
              *(f"{owner}{sep}key" for owner in sorted(_KEY_OWNERS) for sep in ("", "_")),
              ignore_case=True),
        AnyOf("log", "print"))}
    example_path = "execution/client.py"
    VALID = (Example('logger.info("api key missing")\nlog.debug("loaded %d keys", len(keys))\n'
                     'for key in d:\n    print(key)\n'),)
    INVALID = (
        Example('logger.info(f"connecting with key={api_key}")\n', expect=((1, 36),)),
        Example('import os\nprint("secret:", os.environ["BINANCE_SECRET"])\n'
                'logging.warning("auth %s", self.password)\n', expect=((2, 18), (3, 28))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.parsers.python import is_logging_call

        facts = ctx.python
        for call in facts.calls:
            if not is_logging_call(call.name):
                continue
            values = [*call.node.args, *(kw.value for kw in call.node.keywords
                                         if kw.arg not in ("exc_info", "stack_info"))]
            for value in values:
                found = next(((n, node) for n, node in facts.names_in(value)
                              if is_secret_identifier(n)), None)
                if found is not None:
                    name, node = found
                    line, column = facts.position(node)
                    yield ctx.finding(self, line, column,
                                      f"`{call.name}` logs the value of `{name}`; credentials "
                                      "never go to logs")
                    break
