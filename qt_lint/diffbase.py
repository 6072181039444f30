"""`--diff-base REV`: keep only findings on lines added or changed since REV (git).

What changed comes from git's machine-readable output, never from parsing file names out
of a patch: `git diff --numstat -z` lists every changed path as raw bytes (names with
spaces, tabs, newlines or any encoding; binary files marked `-`), and the hunks of the
`-U0` patch are taken section by section in the same order. No external diff, textconv,
filter or user setting (`diff.noprefix`, ...) takes part (`qt_lint.git`). A file counts
as wholly changed when line ranges cannot describe it: new, untracked, binary for git (a
NUL byte, a `-diff` or `binary` attribute), not UTF-8, or with line breaks git does not
count (a lone CR, read as a line break for systemd files).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from qt_lint.config import ConfigError
from qt_lint.finding import Finding

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)
_LONE_CR = re.compile(rb"\r(?!\n)")
_WHOLE_CHECK_LIMIT = 64 * 1024 * 1024


class DiffBaseError(ConfigError):
    """The revision or git is unusable: a usage error (exit 2)."""


@dataclass
class Changes:
    lines: dict[str, set[int]] = field(default_factory=dict)  # absolute path -> lines
    new_files: set[str] = field(default_factory=set)  # wholly changed

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
    out = Changes()
    aligned = len(sections) == len(entries)
    for index, (binary, name) in enumerate(entries):
        path = os.path.join(top, name)
        section = sections[index] if aligned else b""
        if not aligned or binary or b"\nnew file mode " in section or not _counts_lines(path):
            out.new_files.add(path)
            continue
        ranges = out.lines.setdefault(path, set())
        for match in _HUNK.finditer(section):
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            ranges.update(range(start, start + count))
    for raw in run("ls-files", "-z", "--others", "--exclude-standard").split(b"\0"):
        if raw:
            out.new_files.add(os.path.join(top, os.fsdecode(raw)))
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
