"""A result cache keyed by file content, qt-lint's own code and the effective configuration.

One index file per configuration (a digest of qt-lint's code, effective configuration, selected
codes, today's date for expiring suppressions) under the user's cache folder. It maps a
file's project path to the hash of its content, the signature of its stat, what its
findings depend on, and the findings. A file whose stat signature (size, mtime, ctime,
inode) is unchanged is not read again; ctime changes with every write and cannot be set by
hand, so the content hash stays the key. Findings that depend on other files are keyed by
those too: a unit's by every unit file of the repository (drop-ins, the start order,
timers), an env file's by the `common.env` beside it, a Python file's by the modules it
imports constants from: every path its analysis read or looked for is recorded in its
entry with what it was (a content digest, a folder, absent), and a file one of them
changed for is analysed again.

qt-lint's code is keyed by the content of the package's files, never by the version string
alone (two commits of one version, or an installed copy edited in place, must not share
results). Hashing the files costs about 3 ms, so the digest is memoised in the cache folder
under the files' stat signatures (size, mtime, ctime, inode): the same stat means the same
content, for the same reason as for the analysed files.

Safe when runs share the folder: the index is merged and replaced atomically (a temp file
renamed into place), so a concurrent run can at worst lose the other's new entries, never
read a torn file; an index that does not load is ignored and rebuilt.

The index is in `marshal` format, keyed also by the Python version that wrote it: a
pre-commit run on one file loads and rewrites the whole index, and marshal does both
about ten times faster than json (2,800 entries: 4 ms against 19 ms). marshal is not meant
for untrusted or damaged data (given one string of sixteen random bytes, `marshal.loads`
had not returned after ten seconds), so the payload follows a magic line and its SHA-256
and is unmarshalled only when the digest matches; the folder is the user's own and the
files are mode 0600.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qt_lint import __version__
from qt_lint.config import config_fingerprint
from qt_lint.finding import Edit, Finding, Fix, Kind, Severity

if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.settings import RunSettings

MAX_INDEX_SIZE = 512 * 1024 * 1024  # a larger index is ignored, never read
UNIT_MEMO = "\0unit-memo"  # an index key no project path can be
_MAGIC = b"qt-lint result cache, marshal, sha256\n"


def default_dir() -> Path:
    base = os.environ.get("QT_LINT_CACHE_DIR")
    if base:
        return Path(base)
    # qt-lint: ignore[QT202] the XDG spec's own default, for a developer tool (not a service)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "qt-lint"


class ResultCache:
    def __init__(self, directory: Path, settings: RunSettings) -> None:
        self.directory = directory
        config = settings.config
        salt = "\n".join([__version__, code_digest(directory), sys.version, str(marshal.version),
                          config_fingerprint(config), ",".join(sorted(settings.active)),
                          str(config.root), settings.today.isoformat()])
        self.path = directory / f"{hashlib.sha256(salt.encode()).hexdigest()[:32]}.index"
        self._entries: dict[str, Any] | None = None
        self._loaded: tuple[int, ...] | None = None  # the index's stat when it was read
        self._changed: dict[str, Any] = {}
        self._states: dict[str, str] = {}  # path -> what it is, for entries' `reads`

    @property
    def entries(self) -> dict[str, Any]:
        if self._entries is None:
            self._loaded = _stat_signature(self.path)
            self._entries = _read_index(self.path)  # missing or corrupt: analyse again
        return self._entries

    def lookup(self, kind: Kind, relpath: str, abspath: str,
               depends_on: Callable[[Callable[[], bytes]], str], max_size: int,
               shown: str) -> tuple[list[Finding] | None, dict[str, Any], bytes | None]:
        """The cached findings, or None and what `store` needs to record new ones, with the
        file's bytes when they were read to hash them (the analysis does not read it again).
        `depends_on(read)`: what else the findings depend on; a kind that asks for the
        file's bytes (`read()`) gets the ones hashed here, read once."""
        try:
            st = os.stat(abspath)
        except OSError:
            return None, {}, None
        signature = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        entry = self.entries.get(relpath)
        same_kind = isinstance(entry, dict) and entry.get("kind") == kind.value
        from qt_lint.source import Unreadable, read_bounded

        held: list[bytes] = []

        def read() -> bytes:
            if not held:
                held.append(read_bounded(abspath, max_size))
            return held[0]

        try:
            depends = None
            if same_kind and entry is not None and not self._reads_current(entry):
                same_kind = False  # a file it read (a module it imports from) changed
            if same_kind and entry is not None and entry.get("signature") == signature:
                depends = depends_on(read)
                if entry.get("depends") == depends:
                    found = _findings(entry, shown)
                    if found is not None:
                        return found, {}, None
            data = read()
            if depends is None:
                depends = depends_on(read)
        except Unreadable:
            return None, {}, None  # the analysis reads it and says why it cannot
        valid = same_kind and entry is not None and entry.get("depends") == depends
        content = hashlib.sha256(data).hexdigest()
        record = {"kind": kind.value, "depends": depends, "signature": signature,
                  "content": content}
        if valid and entry is not None and entry.get("content") == content:
            found = _findings(entry, shown)
            if found is not None:
                self._changed[relpath] = {**entry, "signature": signature}
                return found, {}, None
        return None, record, data

    def unit_memo(self) -> dict[str, list[object]]:
        """What earlier runs learnt of the repository's unit files (see `Project`)."""
        memo = self.entries.get(UNIT_MEMO)
        return dict(memo) if isinstance(memo, dict) else {}

    def store_unit_memo(self, memo: dict[str, list[object]]) -> None:
        self._changed[UNIT_MEMO] = memo

    def store(self, relpath: str, record: dict[str, Any],
              findings: list[Finding] | tuple[Finding, ...],
              reads: tuple[str, ...] = ()) -> None:
        """Record a file's findings; `reads`: the other files its analysis read or looked
        for (the entry holds what each was: a later run that finds one changed analyses
        the file again)."""
        if record:
            self._changed[relpath] = {**record, "findings": [_dump(f) for f in findings],
                                      **({"reads": {p: self._state(p) for p in reads}}
                                         if reads else {})}

    def _reads_current(self, entry: dict[str, Any]) -> bool:
        reads = entry.get("reads")
        if reads is None:
            return True
        if not isinstance(reads, dict):
            return False
        return all(self._state(path) == state for path, state in reads.items())

    def _state(self, path: str) -> str:
        """What a path is now: a file's content digest, "dir", or "" (absent), once per
        run."""
        known = self._states.get(path)
        if known is None:
            from qt_lint.source import Unreadable, read_bounded

            if os.path.isdir(path):
                known = "dir"
            else:
                try:
                    known = hashlib.sha256(read_bounded(path, MAX_INDEX_SIZE)).hexdigest()
                except Unreadable:
                    known = "" if not os.path.lexists(path) else "unreadable"
            self._states[path] = known
        return known

    def save(self) -> None:
        """Merge this run's entries into the index on disk and replace it atomically."""
        if not self._changed:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # another run may have replaced the index since we read it: merge into its
            current = self._entries if self._entries is not None and \
                self._loaded == _stat_signature(self.path) else _read_index(self.path)
            current.update(self._changed)
            tmp = self.directory / f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                payload = marshal.dumps(current)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
                os.replace(tmp, self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError:
            return  # a cache that cannot be written only costs speed
        self._entries = current
        self._loaded = _stat_signature(self.path)
        self._changed = {}


def _package_files() -> list[tuple[str, tuple[int, ...]]]:
    """qt-lint's own files (bytecode caches aside) with their stat signatures, sorted."""
    root = os.path.dirname(os.path.abspath(__file__))
    out: list[tuple[str, tuple[int, ...]]] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name == "__pycache__":
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                    continue
                st = entry.stat()
                out.append((entry.path, (st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                         st.st_ino, st.st_dev)))
    out.sort()
    return out


_CODE_DIGEST: list[str] = []  # computed once per process


def code_digest(directory: Path) -> str:
    """A digest of the content of qt-lint's own files: the code that produced a result."""
    if _CODE_DIGEST:
        return _CODE_DIGEST[0]
    files = _package_files()
    signature = hashlib.sha256(repr(files).encode()).hexdigest()[:32]
    memo = directory / f"code-{signature}"
    try:
        with open(memo, "rb") as handle:
            known = handle.read(65).decode("ascii")
        if len(known) == 64 and all(c in "0123456789abcdef" for c in known):
            _CODE_DIGEST.append(known)
            return known
    except (OSError, UnicodeDecodeError):
        pass
    digest = hashlib.sha256()
    root = os.path.dirname(os.path.abspath(__file__))
    for path, _ in files:
        with open(path, "rb") as handle:
            data = handle.read()
        digest.update(f"{os.path.relpath(path, root)}\0{len(data)}\0".encode())
        digest.update(data)
    known = digest.hexdigest()
    _CODE_DIGEST.append(known)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = directory / f".{memo.name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(known.encode("ascii"))
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache folder: the digest is computed again next time
    return known


def _stat_signature(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _read_index(path: Path) -> dict[str, Any]:
    """The index, or {} when it is missing, damaged or not one of ours."""
    from qt_lint.source import Unreadable, read_bounded

    try:
        data = read_bounded(path, MAX_INDEX_SIZE)
    except Unreadable:  # missing, linked to a device, too large: analyse again
        return {}
    start = len(_MAGIC) + 32
    if not data.startswith(_MAGIC) or \
            hashlib.sha256(data[start:]).digest() != data[len(_MAGIC):start]:
        return {}
    try:
        loaded = marshal.loads(data[start:])
    except (ValueError, EOFError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _dump(f: Finding) -> dict[str, Any]:
    return {"line": f.line, "column": f.column, "code": f.code, "message": f.message,
            "severity": f.severity.value, "name": f.name, "section": f.section,
            "anchor": f.anchor, "legacy": f.legacy,
            "fix": None if f.fix is None else {
                "safe": f.fix.safe, "edits": [[e.start, e.end, e.text, e.rank]
                                              for e in f.fix.edits]}}


def _findings(entry: dict[str, Any], path: str) -> list[Finding] | None:
    try:
        return [_load(item, path) for item in entry["findings"]]
    except (KeyError, TypeError, ValueError):
        return None


def _load(entry: dict[str, Any], path: str) -> Finding:
    fix = entry["fix"]
    return Finding(
        path, entry["line"], entry["column"], entry["code"], entry["message"],
        Severity(entry["severity"]), entry["name"], entry["section"],
        None if fix is None else Fix(tuple(Edit(*e) for e in fix["edits"]), fix["safe"]),
        entry["anchor"], entry["legacy"])
