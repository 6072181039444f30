from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.rules.paths.helpers import (
    HANDLERS,
    TMP_PATH,
    contract_location,
    into_repo,
    wrong_repo_path,
)

_WHITESPACE = lazyre.compile(r"\s")


@functools.cache
def root_prefix(contract: Contract) -> re.Pattern[str]:
    roots = "|".join(re.escape(r) for r in contract.path_roots)
    return re.compile(f"^(?:{roots})", re.IGNORECASE)


# a join that starts at `/` (`os.path.join("/", "opt", ...)`)
_JOIN = lazyre.compile(r"""join\(\s*(["'])/\1""")


@functools.cache
def _prefilter(contract: Contract) -> tuple[AnyOf, Either]:
    """A quote before an absolute path first (two needles), then a quoted configured root
    or a join that starts at `/`."""
    starts = {q + root[:1] for root in contract.path_roots for q in "\"'"}
    return AnyOf(*sorted(starts), ignore_case=True), Either(quoted_root(contract), _JOIN)


def quoted_root(contract: Contract) -> AnyOf:
    """A quote then a root, as the source spells it: `"C:\\\\` in a plain string and
    `r"C:\\` in a raw one."""
    needles = {q + form for root in contract.path_roots for q in "\"'"
               for form in (root, root.replace("\\", "\\\\"))}
    return AnyOf(*sorted(needles), ignore_case=True)


def is_root_path(value: str, contract: Contract) -> bool:
    """An absolute filesystem path under a configured root, not a message or a URL."""
    return bool(root_prefix(contract).match(value)) and not _WHITESPACE.search(value) \
        and "://" not in value


class HardcodedPath(Rule):
    """
    ## What it does
    Reports, in Python code, a string literal that is an absolute filesystem path under a
    configured root (`/home/`, `/opt/`, `/var/`, `/etc/`, `/srv/`, `/mnt/`, `/root/`,
    `/data/`, `/Users/`, `C:\\`): plain, bytes, an f-string's constant start, implicit
    concatenation; as an assignment, a call argument, a default, in `Path(...)` or
    `os.path.join(...)`.

    Not reported: docstrings and comments; environment variable names
    (`os.getenv("DB_PATH")`); URLs and URL paths (`"/api/v1/orders"`); `/dev/null`,
    `/proc/...`, `/sys/...`; messages for people (logging, `print`, exception texts); a
    path default of `os.getenv` (QT202) or a `/tmp` path (QT203); the locations the
    contract itself fixes (`/etc/quantum/...`, `contract.log-dir` `/var/log/quantum/...`,
    the Redis socket `contract.redis-sockets`, a venv interpreter
    `/opt/quantum/venvs/<venv>/bin/python`); a path QT204 (the repository elsewhere) or
    QT206 (a log handler writing into the repository) reports: one offence, one finding.

    ## Why is this bad?
    Contracts A and C: paths come from the environment (`DB_PATH`, `DATA_DIR`,
    `MODEL_DIR`), so that the same code runs on every host and the audit knows every path.
    A literal `/home/user/data` works on one laptop and nowhere else.

    ## Example
    ```python
    DB_PATH = "/home/user/data/db.sqlite"
    ```

    ## Use instead
    ```python
    DB_PATH = os.environ["DB_PATH"]
    ```

    ## Options
    `contract.path-roots`.
    """

    code = "QT201"
    name = "hardcoded-path"
    section = "A"
    kinds = frozenset({Kind.PYTHON})
    summary = "Hardcoded absolute path in Python code"
    example_path = "backend/settings.py"
    VALID = (
        Example('import subprocess\nsubprocess.run(["/opt/quantum/venvs/backend/bin/python", '
                '"x.py"])\nENV = "/etc/quantum/backend.env"\nLOG = "/var/log/quantum/x.log"\n'
                'SOCK = "/var/run/redis/redis-server.sock"\nOLD = "/mnt/c/quantum_trader/x"\n'
                'import logging\nh = logging.FileHandler("/home/qt/quantum_trader/logs/a.log")\n'),
        Example('"""Reads /opt/quantum/data."""\nimport os\n'
                'DB = os.getenv("DB_PATH")\nURL = "/api/v1/orders"\nNULL = "/dev/null"\n'
                'log.info("writing /opt/quantum/data")\n'),
        Example('import os\nX = os.getenv("DATA_DIR", "/opt/quantum/data")\n'),
    )
    INVALID = (
        Example('DB_PATH = "/home/user/data/db.sqlite"\n', expect=((1, 11),)),
        Example('ROOT = r"C:\\quantum_trader\\data"\n', expect=((1, 8),)),
        Example('from pathlib import Path\nP = Path("/opt/quantum") / "data"\n'
                'def f(d=b"/srv/x"):\n    return f"/mnt/c/{d}"\n',
                expect=((2, 10), (3, 9), (4, 12))),
        Example('import os\nDATA = os.path.join("/", "opt", "quantum", "data")\n',
                expect=((2, 8),)),
    )

    def prefilter_for(self, kind: Kind, contract: Contract) -> tuple[AnyOf, Either]:
        return _prefilter(contract)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.calls import is_message_call
        from qt_lint.pymodel.resolver import ENV_GETTERS

        facts = ctx.python
        defaults = {id(node) for _, node in facts.or_defaults}
        for lit in facts.literals:
            if lit.docstring or id(lit.node) in defaults or is_message_call(lit.call):
                continue
            if lit.call in ENV_GETTERS and lit.role != "arg0":
                continue  # a default: QT202
            if not is_root_path(lit.value, ctx.contract) or TMP_PATH.search(lit.value):
                continue
            if contract_location(lit.value, ctx.contract):
                continue  # fixed by the contract itself, not configuration
            if wrong_repo_path(lit.value, ctx.contract) or (
                    lit.call and lit.call.rsplit(".", 1)[-1] in HANDLERS
                    and lit.role in ("arg0", "filename")
                    and into_repo(lit.value, ctx.contract.repo_root)):
                continue  # one offence, one finding: QT204's or QT206's
            yield ctx.finding(self, lit.line, lit.column,
                              f"hardcoded path {_clip(lit.value)}; read it from the "
                              "environment (DATA_DIR, DB_PATH, MODEL_DIR, ...)")


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
