"""A result cache keyed by file content, qt-lint's own code and the effective configuration.

One folder per configuration (a digest of qt-lint's code, effective configuration, selected
codes, the Python that wrote it, today's date for expiring suppressions) under the user's
cache folder, and in it one entry per file, named by a digest of the file's project path:
the hash of its content, the signature of its stat, what its findings depend on, and the
findings. A pre-commit run on one file reads and writes that file's entry only (and the
memos its kind needs), never the entries of the rest of the repository. A file whose stat
signature (size, mtime, ctime, inode) is unchanged is not read again; ctime changes with
every write and cannot be set by hand, so the content hash stays the key. Findings that
depend on other files are keyed by those too: a unit's by every unit file of the
repository (drop-ins, the start order, timers), an env file's by the `common.env` beside
it, an escalating script's by what runs it, a Python file's by the modules it imports
constants from: every path its analysis read or looked for is recorded in its entry with
what it was (a content digest, a folder, absent), and a file one of them changed for is
analysed again.

Memos beside the entries hold what earlier runs learnt of files other than the one being
checked, each item under its file's stat signature: the start order's facts of every unit
(`units`), the script names each unit, crontab and script mentions (`scripts`, for what
runs a script). A file whose stat is unchanged is not read again to answer them.

qt-lint's code is keyed by the content of the package's files, never by the version string
alone (two commits of one version, or an installed copy edited in place, must not share
results). Hashing the files costs about 3 ms, so the digest is memoised in the cache folder
under the files' stat signatures (size, mtime, ctime, inode): the same stat means the same
content, for the same reason as for the analysed files.

Safe when runs share the folder (two hooks at once): every entry and memo is written to a
temporary file created exclusively and renamed into place (`qt_lint.atomic`), so a reader
never sees a torn file, and two runs writing one entry write the same answer; an entry
that does not load is ignored and rebuilt. Not flushed to disk: a file a crash leaves
damaged fails its digest and is analysed again.

Bounded: a configuration's folder is marked as used (its mtime) at most once an hour, and
then every folder and file of the cache unused for a week is removed, older formats
included; a folder's entries of deleted files go with it (a new day is a new folder).

Each file is in `marshal` format (entries load about ten times faster than json). marshal
is not meant for untrusted or damaged data (given one string of sixteen random bytes,
`marshal.loads` had not returned after ten seconds), so the payload follows a magic line
and its SHA-256 and is unmarshalled only when the digest matches; the folder is the user's
own and the files are mode 0600.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from qt_lint import __version__
from qt_lint.config import config_fingerprint
from qt_lint.finding import Edit, Finding, Fix, Kind, Severity
from qt_lint.sha import sha256

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from qt_lint.settings import RunSettings

MAX_ENTRY_SIZE = 64 * 1024 * 1024  # a larger entry or memo is ignored, never read
_MAGIC = b"qt-lint result cache, marshal, sha256\n"
MEMOS = ("units", "scripts")  # the memos a run may keep (see Project)
MARK_EVERY = 3600  # seconds between two marks of a folder as used (and a prune)
UNUSED = 7 * 24 * 3600  # what has not been used for this long is removed


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
        self.folder = os.path.join(directory, sha256(salt.encode()).hexdigest()[:32])
        self._changed: dict[str, Any] = {}  # entry or memo file name -> what to write
        self._states: dict[str, str] = {}  # path -> what it is, for entries' `reads`

    def _name(self, relpath: str) -> str:
        return sha256(relpath.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def entry(self, relpath: str) -> dict[str, Any] | None:
        """The file's entry, or None when there is none (or it is damaged, or another's)."""
        loaded = _read(os.path.join(self.folder, self._name(relpath)))
        return loaded if isinstance(loaded, dict) and loaded.get("path") == relpath else None

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
        entry = self.entry(relpath)
        same_kind = entry is not None and entry.get("kind") == kind.value
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
        content = sha256(data).hexdigest()
        record = {"path": relpath, "kind": kind.value, "depends": depends,
                  "signature": signature, "content": content}
        if valid and entry is not None and entry.get("content") == content:
            found = _findings(entry, shown)
            if found is not None:
                self._changed[self._name(relpath)] = {**entry, "signature": signature}
                return found, {}, None
        return None, record, data

    def memo(self, name: str) -> dict[str, list[object]]:
        """What earlier runs learnt of other files (`MEMOS`; see `Project`)."""
        loaded = _read(os.path.join(self.folder, f"memo-{name}"))
        return dict(loaded) if isinstance(loaded, dict) else {}

    def store_memo(self, name: str, memo: dict[str, list[object]]) -> None:
        self._changed[f"memo-{name}"] = memo

    def store(self, relpath: str, record: dict[str, Any],
              findings: list[Finding] | tuple[Finding, ...],
              reads: tuple[str, ...] = ()) -> None:
        """Record a file's findings; `reads`: the other files its analysis read or looked
        for (the entry holds what each was: a later run that finds one changed analyses
        the file again)."""
        if record:
            self._changed[self._name(record["path"])] = {
                **record, "findings": [_dump(f) for f in findings],
                **({"reads": {p: self._state(p) for p in reads}} if reads else {})}

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
                    known = sha256(read_bounded(path, MAX_ENTRY_SIZE)).hexdigest()
                except Unreadable:
                    known = "" if not os.path.lexists(path) else "unreadable"
            self._states[path] = known
        return known

    def save(self) -> None:
        """Write this run's entries and memos, each replaced atomically on its own."""
        if not self._changed:
            return
        from qt_lint.atomic import replace_private

        try:
            os.makedirs(self.folder, mode=0o700, exist_ok=True)
            for name, value in self._changed.items():
                payload = marshal.dumps(value)
                replace_private(os.path.join(self.folder, name),
                                _MAGIC + sha256(payload).digest() + payload)
            self._changed = {}
            _mark_and_prune(str(self.directory), self.folder)
        except OSError:
            return  # a cache that cannot be written only costs speed


def _mark_and_prune(directory: str, folder: str) -> None:
    """At most once an hour: mark the folder in use (the mtime of its `used` file; its own
    changes with every entry written), and remove what no run has used for a week: folders
    of other configurations and days, older formats, stale temporary files."""
    import time

    now = time.time()
    stamp = os.path.join(folder, "used")
    try:
        if now - os.lstat(stamp).st_mtime < MARK_EVERY:
            return
        os.utime(stamp, follow_symlinks=False)  # a link planted there: its own time
    except FileNotFoundError:
        os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
    with os.scandir(directory) as found:
        for item in found:
            if item.path == folder:
                continue
            try:
                used = os.path.join(item.path, "used")
                when = os.lstat(used if item.is_dir(follow_symlinks=False) and
                                os.path.lexists(used) else item.path).st_mtime
                if now - when < UNUSED:
                    continue
                if item.is_dir(follow_symlinks=False):
                    import shutil

                    shutil.rmtree(item.path, ignore_errors=True)
                else:
                    os.unlink(item.path)
            except OSError:
                continue


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
    signature = sha256(repr(files).encode()).hexdigest()[:32]
    memo = directory / f"code-{signature}"
    try:
        with open(memo, "rb") as handle:
            known = handle.read(65).decode("ascii")
        if len(known) == 64 and all(c in "0123456789abcdef" for c in known):
            _CODE_DIGEST.append(known)
            return known
    except (OSError, UnicodeDecodeError):
        pass
    import hashlib  # megabytes: OpenSSL's

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
        from qt_lint.atomic import replace_private

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        replace_private(str(memo), known.encode("ascii"))
    except OSError:
        pass  # a read-only cache folder: the digest is computed again next time
    return known


def _read(path: str) -> object:
    """An entry or memo, or None when it is missing, damaged or not one of ours."""
    from qt_lint.source import Unreadable, read_bounded

    try:
        data = read_bounded(path, MAX_ENTRY_SIZE)
    except Unreadable:  # missing, linked to a device, too large: analyse again
        return None
    start = len(_MAGIC) + 32
    if not data.startswith(_MAGIC) or \
            sha256(data[start:]).digest() != data[len(_MAGIC):start]:
        return None
    try:
        return marshal.loads(data[start:])
    except (ValueError, EOFError, TypeError):
        return None


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
