"""What counts as a secret, and how a line is shown without it.

Every reporter, `--diff` and every error message goes through here before printing a line
of a user's file: a secret found is never printed.
"""

from __future__ import annotations

import re

SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL", re.IGNORECASE)
_ASSIGNMENT = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*)"
    r"(?P<value>\"[^\"]*\"?|'[^']*'?|[^\s\"']+)")
MASK = "****"


_SECRET_KEY = re.compile(r"KEY|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL")
# `REDIS_KEY_PREFIX` names a namespace, not a credential
_NOT_SECRET_AFTER = re.compile(r"(?:KEY|TOKEN)_(?:PREFIX|NAMESPACE|PATTERN|TTL|COUNT|LENGTH)$")


def is_secret_key(key: str) -> bool:
    upper = key.upper()
    return bool(_SECRET_KEY.search(upper)) and not _NOT_SECRET_AFTER.search(upper)


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def redact_line(line: str) -> str:
    """Every `NAME=value` or `NAME: value` whose NAME looks like a secret, with the value
    masked (`Environment=API_KEY=abc` -> `Environment=API_KEY=****`)."""
    if not SECRET_NAME.search(line):
        return line

    def mask(match: re.Match[str]) -> str:
        key, value = match.group("key"), match.group("value")
        if not is_secret_name(key):
            # `Environment=API_KEY=x`: the value may itself hold the secret assignment
            return key + match.group("sep") + _ASSIGNMENT.sub(mask, value)
        return f"{key}{match.group('sep')}{MASK}"

    return _ASSIGNMENT.sub(mask, line)
