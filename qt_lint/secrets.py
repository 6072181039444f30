"""What counts as a secret, and how a line is shown without it.

Every reporter, `--diff` and every error message goes through here before printing a line
of a user's file: a secret found is never printed.
"""

from __future__ import annotations

import re

SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL", re.IGNORECASE)
# A key starts only where a word starts (after its leading digits, dots, dashes), and the
# lookahead holds it whole (an atomic group): one attempt per word, so a 40,000-character
# line is linear, not quadratic.
# and the value is matched only behind a secret-like key.
_KEY_SEP = re.compile(
    r"(?<![A-Za-z0-9_.-])[0-9.-]*(?=(?P<key>[A-Za-z_][A-Za-z0-9_.-]*))(?P=key)\s*[=:]\s*")
_VALUE = re.compile(r"\"[^\"]*\"?|'[^']*'?|[^\s\"']+")
MASK = "****"


_SECRET_KEY = re.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL")
# `REDIS_KEY_PREFIX` names a namespace, not a credential
_NOT_SECRET_AFTER = re.compile(r"(?:KEY|TOKEN)_(?:PREFIX|NAMESPACE|PATTERN|TTL|COUNT|LENGTH)$")


def is_secret_key(key: str) -> bool:
    upper = key.upper()
    return bool(_SECRET_KEY.search(upper)) and not _NOT_SECRET_AFTER.search(upper)


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


# `scheme://user:password@host`: the password of a URL (one attempt per word, linear)
_URL_PASSWORD = re.compile(
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
