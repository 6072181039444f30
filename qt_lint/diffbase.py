"""`--diff-base REV`: keep only findings on lines added or changed since REV (git).

What changed comes from git's machine-readable output, never from parsing file names out
of a patch: `git diff --numstat -z` lists every changed path as raw bytes (names with
spaces, tabs, newlines or any encoding; binary files marked `-`), and the hunks of the
`-U0` patch are taken section by section in the same order. No external diff, textconv,
filter or user setting (`diff.noprefix`, ...) takes part (`qt_lint.git`). A file counts
as wholly changed when line ranges cannot describe it: new, untracked, binary for git (a
NUL byte, a `-diff` or `binary` attribute), not UTF-8, or with line breaks git does not
count (a lone CR, read as a line break for systemd files).

A finding that removed lines cause counts as changed: deleting `User=qt` leaves a finding
at the unchanged `[Service]` header. A file with removed lines is therefore also analysed
as it was at REV, and its findings that the old text did not have are kept wherever they
point (`Changes.before`). A drop-in deleted or shortened changes what its unit merges: the
unit's fragment and drop-ins then count as wholly changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from qt_lint import lazyre
from qt_lint.config import ConfigError
from qt_lint.finding import Finding

_HUNK = lazyre.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)
_DROPIN = lazyre.compile(r"^(.*\.[a-z]+)\.d/[^/]+\.conf$")
_LONE_CR = lazyre.compile(rb"\r(?!\n)")
_WHOLE_CHECK_LIMIT = 64 * 1024 * 1024


class DiffBaseError(ConfigError):
    """The revision or git is unusable: a usage error (exit 2)."""


@dataclass
class Changes:
    """The lines and files changed since the base revision."""

    lines: dict[str, set[int]] = field(default_factory=dict)  # absolute path -> lines
    new_files: set[str] = field(default_factory=set)  # wholly changed
    # absolute path -> its path from the top of the work tree, for files that lost lines
    removed: dict[str, str] = field(default_factory=dict)
    commit: str = ""
    top: str = ""

    def keeps(self, abspath: str, finding: Finding) -> bool:
        if abspath in self.new_files:
            return True  # file-level findings count when the file is new
        return finding.line in self.lines.get(abspath, set())


def changes_since(rev: str, where: str) -> Changes:
    from qt_lint import git

    def run(*args: str) -> bytes:
        try:
            return git.run(where, *args, reads_content=True)
        except git.GitError as exc:
            raise DiffBaseError(f"--diff-base {rev}: {exc}") from None

    top = os.fsdecode(run("rev-parse", "--show-toplevel").rstrip(b"\n"))
    try:
        commit_id = git.commit_of(where, rev)
    except git.GitError as exc:
        raise DiffBaseError(f"--diff-base {rev}: {exc}") from None
    common = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--no-relative",
              "--ignore-submodules")
    entries = _numstat(run("diff", "--numstat", "-z", *common, commit_id, "--"))
    patch = run("diff", "-U0", *common, commit_id, "--")
    sections = patch.split(b"\ndiff --git ") if patch.strip() else []
    out = Changes(commit=commit_id, top=top)
    aligned = len(sections) == len(entries)
    for index, (binary, name) in enumerate(entries):
        path = os.path.join(top, name)
        section = sections[index] if aligned else b""
        if not aligned or binary or b"\nnew file mode " in section or not _counts_lines(path):
            out.new_files.add(path)
            continue
        ranges = out.lines.setdefault(path, set())
        for match in _HUNK.finditer(section):
            start = int(match.group(2))
            count = int(match.group(3)) if match.group(3) is not None else 1
            ranges.update(range(start, start + count))
            if match.group(1) != b"0":
                out.removed[path] = name
    for raw in run("ls-files", "-z", "--others", "--exclude-standard").split(b"\0"):
        if raw:
            out.new_files.add(os.path.join(top, os.fsdecode(raw)))
    for _, name in entries:
        dropin = _DROPIN.match(name)
        path = os.path.join(top, name)
        if dropin and (path in out.removed or not os.path.lexists(path)):
            # what the unit merges lost lines: its files count as wholly changed
            fragment = os.path.join(top, dropin.group(1))
            out.new_files.add(fragment)
            folder = fragment + ".d"
            if os.path.isdir(folder):
                out.new_files.update(os.path.join(folder, e) for e in os.listdir(folder))
    return out


def base_text(changes: Changes, abspath: str) -> bytes | None:
    """The file as it was at the revision (None when git cannot show it)."""
    from qt_lint import git

    name = changes.removed.get(abspath)
    if name is None:
        return None
    try:
        return git.run(changes.top, "cat-file", "blob", f"{changes.commit}:{name}")
    except git.GitError:
        return None


def caused_by_removal(findings: Iterable[Finding], before: Iterable[Finding]) -> set[int]:
    """Indexes of the findings that the file as it was did not have (by code and
    fingerprint: what each is about, not where it points)."""
    from collections import Counter

    had = Counter((f.code, f.anchor) for f in before)
    out = set()
    for index, f in enumerate(findings):
        key = (f.code, f.anchor)
        if had[key] > 0:
            had[key] -= 1
        else:
            out.add(index)
    return out


def _numstat(data: bytes) -> list[tuple[bool, str]]:
    """(binary, path) of each `added<TAB>deleted<TAB>path<NUL>` record."""
    out = []
    for record in data.split(b"\0"):
        if not record:
            continue
        added, _, rest = record.partition(b"\t")
        _, _, name = rest.partition(b"\t")
        out.append((added == b"-", os.fsdecode(name)))
    return out


def _counts_lines(path: str) -> bool:
    """The file's lines are git's lines: UTF-8 text without NUL bytes or lone CRs."""
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return True  # deleted, or a link git diffs as its target text: nothing to read
        if os.path.getsize(path) > _WHOLE_CHECK_LIMIT:
            return False
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if b"\0" in data or _LONE_CR.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
