"""What counts as a secret, and how a line is shown without it.

Every reporter, `--diff` and every error message goes through here before printing a line
of a user's file: a secret found is never printed.
"""

from __future__ import annotations

import re

from qt_lint import lazyre

SECRET_NAME = lazyre.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL", re.IGNORECASE)
# A key starts only where a word starts (after its leading digits, dots, dashes), and the
# lookahead holds it whole (an atomic group): one attempt per word, so a 40,000-character
# line is linear, not quadratic.
# and the value is matched only behind a secret-like key.
_KEY_SEP = lazyre.compile(
    r"(?<![A-Za-z0-9_.-])[0-9.-]*(?=(?P<key>[A-Za-z_][A-Za-z0-9_.-]*))(?P=key)\s*[=:]\s*")
_VALUE = lazyre.compile(r"\"[^\"]*\"?|'[^']*'?|[^\s\"']+")
MASK = "****"


_SECRET_KEY = lazyre.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL")
# `REDIS_KEY_PREFIX` names a namespace, not a credential
_NOT_SECRET_AFTER = lazyre.compile(r"(?:KEY|TOKEN)_(?:PREFIX|NAMESPACE|PATTERN|TTL|COUNT|LENGTH)$")


def is_secret_key(key: str) -> bool:
    upper = key.upper()
    return bool(_SECRET_KEY.search(upper)) and not _NOT_SECRET_AFTER.search(upper)


# settings about a credential, not the credential: its lifetime, size, algorithm, ...
_ABOUT_A_SECRET = lazyre.compile(
    r"(?:_|^)(?:EXPIRE|EXPIRES|EXPIRY|EXPIRATION|TTL|LIFETIME|TIMEOUT|MINUTES|SECONDS|SECS?"
    r"|HOURS|DAYS|MS|LENGTH|SIZE|BITS|ALGORITHM|ALG|TYPE|VERSION|ROTATION(?:_DAYS)?)"
    r"(?:_(?:MINUTES|SECONDS|SECS?|HOURS|DAYS|MS))?$")
# a setting naming a file or folder that holds the secret (SSL_KEYFILE, KEY_PATH, ...)
_FILE_KEY = lazyre.compile(r"(?:FILE|_PATH|_DIR)$")
# a Redis key or stream name (`quantum:stream:trade.intent`), not a credential
_REDIS_KEY_NAME = lazyre.compile(r"^[A-Za-z0-9_.{}*-]+(?::[A-Za-z0-9_.{}*-]+)+$")
_STREAM_KEY = lazyre.compile(r"(?:STREAM|QUEUE|CACHE|LOCK|HASH|CHANNEL|TOPIC|REDIS)_KEY$")
# template placeholders: nothing leaked (QT302 judges templates committed in the repository).
# Not `****`: that is the mask a written host snapshot puts over a real secret, and a replay
# must judge it as the secret it hides.
_PLACEHOLDER = lazyre.compile(
    r"^(?:<[^<>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|x{3,}|X{3,}|\.{3}|_+"
    r"|(?:change[_-]?me|replace[_-]?me|placeholder|dummy|example|todo|tbd|none|null|secret"
    r"|password|redacted)"
    r"|your[_-].*|.*[_-]here|(?:set|insert|put|add)[_-](?:your|me|here).*)$", re.IGNORECASE)


def url_password(value: str) -> bool:
    """A URL that carries a password (`redis://:p4ss@host`), not a placeholder or a
    reference (`redis://:${REDIS_PASSWORD}@host`)."""
    match = _URL_PASSWORD.search(value) if "://" in value and "@" in value else None
    return match is not None and not is_placeholder(match.group("password"))


def is_placeholder(value: str) -> bool:
    """`changeme`, `your_key_here`, `<token>`, `xxx`, `${API_KEY}`, ...: a template's
    stand-in, not a credential (never the mask `****`)."""
    return bool(_PLACEHOLDER.match(value.strip().strip("\"'")))


def holds_secret(key: str, value: str) -> bool:
    """Whether `key=value` (an env file or `Environment=` line) gives a credential a
    value: the key looks secret (`is_secret_key`), and the value is not empty, not a
    setting about a credential (`*_EXPIRE_MINUTES=30`, `*_TTL_SEC=60`), not a reference to
    a file that holds one (`SSL_KEYFILE=certs/key.pem`), not a Redis key name
    (`STREAM_KEY=quantum:stream:trade.intent`) and not a placeholder (`is_placeholder`)."""
    value = value.strip()
    if not value or not is_secret_key(key):
        return False
    upper = key.upper()
    if _ABOUT_A_SECRET.search(upper):
        return False
    if _FILE_KEY.search(upper) and ("/" in value or "." in value) and " " not in value:
        return False
    if _REDIS_KEY_NAME.match(value) and (_STREAM_KEY.search(upper) or value.count(":") >= 2):
        return False
    return not is_placeholder(value)


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


# `scheme://user:password@host`: the password of a URL (one attempt per word, linear)
_URL_PASSWORD = lazyre.compile(
    r"(?<![A-Za-z0-9+.-])(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*:)(?P<password>[^@/\s]+)@")


def redact_line(line: str) -> str:
    """Every `NAME=value` or `NAME: value` whose NAME looks like a secret, with the value
    masked (`Environment=API_KEY=abc` -> `Environment=API_KEY=****`), and the password of
    every URL (`redis://:****@host`). The value of any other assignment is searched too (it
    may itself hold `KEY=value`)."""
    if "://" in line and "@" in line:
        line = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}@", line)
    if not SECRET_NAME.search(line):
        return line
    out: list[str] = []
    pos = 0
    while (match := _KEY_SEP.search(line, pos)) is not None:
        out.append(line[pos:match.end()])
        pos = match.end()
        if is_secret_name(match.group("key")):
            value = _VALUE.match(line, pos)
            if value is not None:
                out.append(MASK)
                pos = value.end()
    out.append(line[pos:])
    return "".join(out)


# what a shell needs to read a line as it was: quotes, operators, blanks, and the names
# of the variables it expands (`$NAME`, `${NAME}`: names, never a value)
SHELL_STRUCTURE = lazyre.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|"
                             r"\$[0-9#?@*!$-]|[\"'$(){}`|;&<> \t\\]")


_NAME = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def redact_keeping(line: str, keep: re.Pattern[str]) -> str:
    """`redact_line`'s masking with what `keep` matches left in place (for a script: its
    quotes, operators and variable names, so that the masked line still parses as it
    did): each run of other characters in a masked value becomes one mask."""
    spans: list[tuple[int, int]] = []
    if "://" in line and "@" in line:
        spans += [m.span("password") for m in _URL_PASSWORD.finditer(line)]
    if SECRET_NAME.search(line):
        pos = 0
        while (match := _KEY_SEP.search(line, pos)) is not None:
            pos = match.end()
            if is_secret_name(match.group("key")):
                value = _VALUE.match(line, pos)
                if value is not None:
                    spans.append(value.span())
                    pos = value.end()
    if not spans:
        return line
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        start = max(start, last)
        if start >= end:
            continue
        out.append(line[last:start])
        at = start
        for kept in keep.finditer(line, start, end):
            if kept.start() > at:
                out.append(MASK)
            text = kept.group()
            if text.startswith("${"):  # `${KEY:-default}`: the name, never the default
                text = "${" + _NAME.match(text, 2).group() + "}"  # type: ignore[union-attr]
            out.append(text)
            at = kept.end()
        if at < end:
            out.append(MASK)
        last = end
    out.append(line[last:])
    return "".join(out)
