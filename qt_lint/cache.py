"""A result cache keyed by file content, qt-lint version and the effective configuration.

One small JSON file per entry under the user's cache folder, written atomically (a temp
file renamed into place), so two runs can share it; an entry that does not load is
ignored and rebuilt. Findings that depend on other files are keyed by those too: a unit's
by every unit file of the repository (drop-ins, the start order, timers), an env file's by
the `common.env` beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from qt_lint import __version__
from qt_lint.config import Config, config_fingerprint
from qt_lint.finding import Edit, Finding, Fix, Kind, Severity


def default_dir() -> Path:
    base = os.environ.get("QT_LINT_CACHE_DIR")
    if base:
        return Path(base)
    # qt-lint: ignore[QT202] the XDG spec's own default, for a developer tool (not a service)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "qt-lint"


class ResultCache:
    def __init__(self, directory: Path, config: Config, active: frozenset[str]) -> None:
        self.directory = directory
        salt = "\n".join([__version__, config_fingerprint(config), ",".join(sorted(active)),
                          dt.date.today().isoformat()])  # expiring suppressions
        self.salt = hashlib.sha256(salt.encode()).hexdigest()

    def key(self, kind: Kind, relpath: str, data: bytes, depends: str = "") -> str:
        digest = hashlib.sha256()
        for part in (self.salt, kind.value, relpath, depends):
            digest.update(part.encode())
            digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def get(self, key: str, path: str) -> list[Finding] | None:
        try:
            entries = json.loads(self._path(key).read_text(encoding="utf-8"))
            return [_load(entry, path) for entry in entries]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or corrupt: analyse again

    def put(self, key: str, findings: list[Finding] | tuple[Finding, ...]) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump([_dump(f) for f in findings], handle)
            os.replace(tmp, target)
        except OSError:
            pass  # a cache that cannot be written only costs speed


def _dump(f: Finding) -> dict[str, Any]:
    return {"line": f.line, "column": f.column, "code": f.code, "message": f.message,
            "severity": f.severity.value, "name": f.name, "section": f.section,
            "anchor": f.anchor,
            "fix": None if f.fix is None else {
                "safe": f.fix.safe, "edits": [[e.start, e.end, e.text, e.rank]
                                              for e in f.fix.edits]}}


def _load(entry: dict[str, Any], path: str) -> Finding:
    fix = entry["fix"]
    return Finding(
        path, entry["line"], entry["column"], entry["code"], entry["message"],
        Severity(entry["severity"]), entry["name"], entry["section"],
        None if fix is None else Fix(tuple(Edit(*e) for e in fix["edits"]), fix["safe"]),
        entry["anchor"])
