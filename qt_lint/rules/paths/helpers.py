"""What the path rules share."""

from __future__ import annotations

import functools
import re

from qt_lint import lazyre
from qt_lint.config import Contract

# `/tmp` or `/var/tmp` as a path (not `/tmpfs`, `~/tmp`, `$X/tmp`)
TMP_PATH = lazyre.compile(r"(?<![\w.~$/-])(?:/var)?/tmp(?![\w.-])")

HANDLERS = frozenset({"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler",
                      "WatchedFileHandler"})
_LOGGY = lazyre.compile(r"^(?:\./)?logs?/|\.(?:log|out|err)$")
_REPO_VAR = lazyre.compile(r"^\$\{?REPO_ROOT\}?/")


def into_repo(target: str, repo_root: str) -> bool:
    """A written path that lands in the repository: under the root (literally or through
    `$REPO_ROOT`), or a relative `logs/...`/`*.log` (scripts run from the root)."""
    root = repo_root.rstrip("/") + "/"
    if target.startswith(root) or _REPO_VAR.match(target):
        return True
    if target.startswith(("/", "$", "~")):
        return False
    return bool(_LOGGY.search(target))


@functools.cache
def other_location(contract: Contract) -> re.Pattern[str]:
    """A path to the repository that is not the canonical root: `~/quantum_trader`,
    `$HOME/quantum_trader`, `/root/...`, `/opt/...`, `/mnt/c/...`, `/home/<other>/...`."""
    name = re.escape(contract.repo_root.rstrip("/").rsplit("/", 1)[-1])
    return re.compile(
        r"(?:^|(?<=[\s=:'\"(]))"
        r"(?P<path>(?:~|\$HOME|\$\{HOME\}|/[^\s'\":]*?)/" + name + r")(?=/|$|[\s'\":;)])")


def wrong_repo_path(text: str, contract: Contract) -> str | None:
    """The first reference to the repository in `text` that is not the canonical root."""
    for match in other_location(contract).finditer(text):
        path = match.group("path")
        if path.startswith("///") or path.startswith("//localhost/"):
            path = path[path.index("/", 2):]  # `file:///root/...`: a local path, no host
        elif path.startswith("//"):
            continue  # a URL (`https://github.com/x/quantum_trader`), not a checkout
        if path != contract.repo_root.rstrip("/"):
            return path
    return None


def contract_location(path: str, contract: Contract) -> bool:
    """A location the contract itself fixes, which no environment variable replaces: the
    env folder (`/etc/quantum/...`), the log fallback (`/var/log/quantum/...`), the Redis
    socket, a venv interpreter (`/opt/quantum/venvs/<venv>/bin/python`)."""
    from qt_lint.command_model import venv_of

    for folder in (contract.env_dir, contract.log_dir):
        root = folder.rstrip("/")
        if path == root or path.startswith(root + "/"):
            return True
    return path in contract.redis_sockets or venv_of(path, contract) is not None
