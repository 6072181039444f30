from __future__ import annotations

import ast
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule, lowered

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Any

_WORDS = lazyre.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STRONG = frozenset({"secret", "secrets", "password", "passwd", "passphrase", "token",
                     "credential", "credentials", "apikey", "privkey", "private"})
_KEY_OWNERS = frozenset({"api", "secret", "access", "private", "signing", "auth", "hmac",
                         "encryption", "exchange", "binance", "ssh", "client", "master"})


class _OwnedKey:
    """A prefilter test: "key" right after a word of `_KEY_OWNERS`, with only
    separators (anything but an ASCII letter or digit) between, in the lowered text:
    every spelling `is_secret_identifier` reads as an owner's key (`api_key`, `ApiKey`,
    `API__KEY`, "api-key", "api.key")."""

    __slots__ = ()

    def search(self, text: str) -> bool:
        low = lowered(text)
        at = low.find("key")
        while at >= 0:
            end = at
            while end > 0 and not ("a" <= low[end - 1] <= "z" or "0" <= low[end - 1] <= "9"):
                end -= 1
            if low.endswith(_OWNERS, 0, end):
                return True
            at = low.find("key", at + 3)
        return False


_OWNERS = tuple(sorted(_KEY_OWNERS))


# a token of a trading pair or a text model is not a credential
_NOT_CREDENTIAL_TOKEN = frozenset({"base", "quote", "coin", "crypto", "symbol", "pair",
                                   "native", "target", "source", "input", "output", "prompt",
                                   "max", "min", "next", "last", "end", "stop"})


def is_secret_identifier(name: str) -> bool:
    """`api_key`, `self.secret`, `BINANCE_API_KEY`, `password`; not `key`, `keys`,
    `sort_key`, `num_tokens` (a bare or plural word is not a credential), nor `base_token`
    (a trading pair's token)."""
    words = [w.lower() for w in _WORDS.findall(name)]
    for i, w in enumerate(words):
        if w in _STRONG and not (w == "token" and i > 0 and words[i - 1] in
                                 _NOT_CREDENTIAL_TOKEN):
            return True
    return any(w == "key" and i > 0 and words[i - 1] in _KEY_OWNERS for i, w in enumerate(words))


def _presence_only(node: ast.AST) -> bool:
    """An expression that only asks whether a value is there: `bool(x)`, `len(x)`,
    `not x`, `x is None`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("bool", "len", "isinstance", "type")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    return isinstance(node, ast.Compare) and all(
        isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)


def _values_used(facts: Any, node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """The names whose values an expression prints: not those it only tests
    (`'on' if token else 'off'`, `bool(api_key)`, `token is None`)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if _presence_only(current):
            continue
        if isinstance(current, ast.IfExp):
            todo += [current.body, current.orelse]
            continue
        if isinstance(current, ast.BoolOp) and current is not node:
            todo += current.values
            continue
        if isinstance(current, (ast.Name, ast.Attribute, ast.Subscript)):
            yield from facts.names_in(current)
            continue
        name = _getter_name(current)
        if name is not None:
            yield name, current
        todo += list(ast.iter_child_nodes(current))


def _getter_name(node: ast.AST) -> str | None:
    """The attribute or key a getter reads by a constant name: `getattr(cfg, "api_key")`,
    `cfg.get("password")`, `os.getenv("BINANCE_SECRET")`, `os.environ.get(...)`."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    index = 1 if isinstance(func, ast.Name) and func.id == "getattr" else \
        0 if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv") else None
    if index is None or len(node.args) <= index:
        return None
    key = node.args[index]
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


class CredentialLogged(Rule):
    """
    ## What it does
    Reports a logging call (`logging.*`, `logger.*`, `log.*`, `print`) whose arguments
    use the value of a secret-like name: a variable, attribute or subscript key such as
    `api_key`, `self.secret`, `cfg["password"]`, `os.environ["BINANCE_API_KEY"]`, or one
    read by a constant name (`getattr(cfg, "api_key")`, `cfg.get("password")`,
    `os.getenv("BINANCE_SECRET")`), in f-string parts, `%` and `.format()` arguments
    included. The finding names the
    variable, never its value.

    Not reported: the word only inside a constant message (`"api key missing"`); bare or
    plural words that are not credentials (`key`, `keys`, `sort_key`, `num_tokens`), nor a
    trading pair's or a text model's token (`base_token`, `quote_token`, `prompt_token`);
    a name that is only tested for presence (`'on' if token else 'off'`, `bool(api_key)`,
    `not secret`, `len(token)`, `token is None`). A slice (`api_key[:10]`) is a value.

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
    # Every finding needs (1) a name for which `is_secret_identifier` holds, and (2) a
    # call for which `is_logging_call` holds. (1): the name's lowered words hold a word of
    # `_STRONG` (each holds one of the first needles: "secrets" holds "secret", "passwd"
    # and "password" hold "passw", "credentials" "credential"; "apikey" is "key" after
    # "api", below), or "key" right after a word of `_KEY_OWNERS`, with nothing but
    # separators between them in the source (`api_key`, `ApiKey`, `API__KEY`, a getter's
    # "api-key" or "api.key": `_WORDS` splits on anything that is not a letter or digit),
    # which `_OwnedKey` finds in the lowered text. A name is written as itself in the
    # text: an identifier, or a getter's or subscript's constant key (one spelt with
    # escapes, "\x61pi_key", is not looked for; no needle of the text can see it).
    # (2): `print`, or a method of `LOG_METHODS` on `logging` or on a receiver whose last
    # part holds "log" in any case (`LOG.warning`, `self.Logger.info`): the text holds
    # "print" or "log" ignoring case (an alias of print is assigned from `print`).
    prefilter = {Kind.PYTHON: (
        Either(AnyOf("secret", "passw", "token", "credential", "private", "passphrase",
                     "privkey", ignore_case=True), _OwnedKey()),
        AnyOf("log", "print", ignore_case=True))}
    example_path = "execution/client.py"
    VALID = (Example('logger.info("api key missing")\nlog.debug("loaded %d keys", len(keys))\n'
                     'for key in d:\n    print(key)\n'),
             Example('logger.info(f"alerts: {\'on\' if self.tg_token else \'off\'}")\n'
                     'print(f"key set: {bool(api_key)}, empty: {not api_secret}")\n'
                     'log.debug(f"Token {base_token} not listed")\n'),
             Example('logger.info("has key: %s", bool(getattr(cfg, "api_key", None)))\n'
                     'print(getattr(cfg, "name"), cfg.get("host"))\n'))
    INVALID = (
        Example('logger.info(f"connecting with key={api_key}")\n', expect=((1, 36),)),
        Example('print(f"key: {api_key[:10] if api_key else \'MISSING\'}")\n',
                expect=((1, 15),)),
        Example('import os\nprint("secret:", os.environ["BINANCE_SECRET"])\n'
                'logging.warning("auth %s", self.password)\n', expect=((2, 18), (3, 28))),
        Example('logger.info("key=%s", getattr(cfg, "api_key"))\n'
                'print(f"pw {settings.get(\'db_password\', \'\')}")\n',
                expect=((1, 23), (2, 13))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.calls import is_logging_call

        facts = ctx.python
        for call in facts.calls:
            if not is_logging_call(call.name):
                continue
            values = [*call.node.args, *(kw.value for kw in call.node.keywords
                                         if kw.arg not in ("exc_info", "stack_info"))]
            for value in values:
                found = next(((n, node) for n, node in _values_used(facts, value)
                              if is_secret_identifier(n)), None)
                if found is not None:
                    name, node = found
                    line, column = facts.position(node)
                    yield ctx.finding(self, line, column,
                                      f"`{call.name}` logs the value of `{name}`; credentials "
                                      "never go to logs")
                    break
