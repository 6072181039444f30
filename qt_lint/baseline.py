"""Baselines: adopt qt-lint on a legacy repository and block only what is new.

A baseline entry is (path relative to the project root, code, fingerprint of the code, the
offending line's text and what the finding is about, count), so entries survive lines
moving above them and reformatting elsewhere, two identical findings on one line stay two,
and a baselined "lacks SyslogIdentifier=" at a unit's header never absorbs a new "lacks
EnvironmentFile=" at the same header. The file is sorted JSON, one entry per line group,
so it diffs well in review.

Version 1 baselines (fingerprints of the code and the line text only) still load: their
entries match findings by version 1's fingerprint (`Finding.legacy`), kept in memory with a
`v1:` prefix, so adopting a new qt-lint never reports a baselined finding as new. Their
collisions stay until the baseline is rewritten: `--write-baseline` writes version 2, and
keeps the version 1 entries of files it did not check as `v1:` fingerprints, which match
the same way.

A run judges only the files it checked: pre-commit checks the staged files, and the other
files' entries are neither stale nor dropped. An entry is stale when its file was checked
and the finding is gone, or when its file no longer exists. `--write-baseline` replaces
the entries of the files it checked (and of deleted files) and keeps every other entry.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qt_lint.config import ConfigError
from qt_lint.finding import Finding

BASELINE_VERSION = 2
LEGACY = "v1:"  # prefix of a version 1 fingerprint
MAX_BASELINE_SIZE = 256 * 1024 * 1024  # a larger baseline file is refused (exit 2)


class BaselineError(ConfigError):
    """The baseline file is unreadable or not a baseline: a usage error (exit 2)."""


Key = tuple[str, str, str]


@dataclass
class Filtered:
    """The findings a baseline leaves, and what it matched."""

    findings: list[Finding]
    baselined: int
    stale: int
    fixable: int = 0  # baselined findings with a safe fix (`--fix-baselined` applies them)


def _key(finding: Finding, relpaths: dict[str, str]) -> Key:
    return (relpaths.get(finding.path, finding.path), finding.code, finding.anchor)


def keys(finding: Finding, relpath: str) -> tuple[Key, Key]:
    """The finding's entry key, and the key a version 1 entry of it has."""
    return ((relpath, finding.code, finding.anchor),
            (relpath, finding.code, LEGACY + finding.legacy))


def take(remaining: Counter[Key], finding: Finding, relpath: str) -> bool:
    """Absorb the finding into an entry of `remaining` (either version), if one is left."""
    for key in keys(finding, relpath):
        if remaining[key] > 0:
            remaining[key] -= 1
            return True
    return False


def _in_scope(entry_path: str, checked: set[str], root: Path) -> bool:
    """The entry's file was checked in this run, or no longer exists (its entries go)."""
    return entry_path in checked or not os.path.lexists(root / entry_path)


def write(path: Path, findings: Sequence[Finding], relpaths: dict[str, str],
          checked: set[str], root: Path) -> int:
    """Record the findings of the checked files; the previous file's entries for files not
    checked this run are kept. Returns the number of findings recorded."""
    counts = Counter(_key(f, relpaths) for f in findings)
    if os.path.lexists(path):
        for key, count in load(path).items():
            if not _in_scope(key[0], checked, root):
                counts[key] += count
    save(path, counts)
    return sum(counts.values())


def save(path: Path, counts: Counter[Key]) -> None:
    """The baseline file for these entries: sorted JSON, replaced atomically."""
    entries = [{"path": p, "code": c, "fingerprint": fp, "count": n}
               for (p, c, fp), n in sorted(counts.items()) if n > 0]
    document = {"version": BASELINE_VERSION, "tool": "qt-lint", "findings": entries}
    from qt_lint.atomic import replace_file

    replace_file(str(path), (json.dumps(document, indent=1) + "\n").encode("utf-8"))


def load(path: Path) -> Counter[Key]:
    from qt_lint.source import Unreadable, read_bounded

    try:
        return loads(read_bounded(path, MAX_BASELINE_SIZE), str(path))
    except Unreadable as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.message}") from None


def loads(data: bytes, path: str) -> Counter[Key]:
    """A baseline's entries from its bytes (`path` names it in errors)."""
    try:
        document = json.loads(data.decode("utf-8"))
        version = document.get("version")
        if version not in (1, BASELINE_VERSION):
            raise BaselineError(f"{path}: baseline version {version!r}, expected 1 or "
                                f"{BASELINE_VERSION}")
        prefix = LEGACY if version == 1 else ""
        out: Counter[Key] = Counter()
        for e in document["findings"]:
            fingerprint = e["fingerprint"]
            if not isinstance(fingerprint, str) or not isinstance(e["path"], str) or \
                    not isinstance(e["code"], str):
                raise TypeError
            out[(e["path"], e["code"], prefix + fingerprint)] += int(e["count"])
        return out
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BaselineError(f"{path}: not a qt-lint baseline") from None
    except RecursionError:
        raise BaselineError(f"{path}: nested too deeply to be a qt-lint baseline") from None


def apply(findings: Sequence[Finding], known: Counter[Key], relpaths: dict[str, str],
          checked: set[str], root: Path) -> Filtered:
    """The findings the baseline does not absorb; stale counts only entries of checked
    (or deleted) files."""
    remaining = Counter({k: n for k, n in known.items() if _in_scope(k[0], checked, root)})
    new: list[Finding] = []
    absorbed = fixable = 0
    for finding in findings:
        if take(remaining, finding, relpaths.get(finding.path, finding.path)):
            absorbed += 1
            fixable += bool(finding.fix and finding.fix.safe)
        else:
            new.append(finding)
    return Filtered(new, absorbed, sum(n for n in remaining.values() if n > 0), fixable)


def rebase(known: Counter[Key], fixed: Iterable[tuple[str, Sequence[Finding],
                                                      Sequence[Finding]]]) -> Counter[Key]:
    """The baseline after fixes rewrote some files: for each (relpath, findings before the
    fixes, findings after), the entries of the findings the fixes removed go, and a
    baselined finding that is still there but whose line a fix rewrote (a QT401 on an
    `After=` line that QT407's fix extended) keeps being baselined under its new
    fingerprint. A finding that was new before the fix stays new: each finding after the
    fix is paired with the one it was before (same code; the same fingerprint, else the
    same message nearest in the file, else the next in order)."""
    out = Counter(known)
    for relpath, before, after in fixed:
        remaining = Counter({(c, fp): n for (p, c, fp), n in known.items() if p == relpath})
        was_baselined: list[bool] = []
        for finding in before:
            key = (finding.code, finding.anchor)
            was_baselined.append(remaining[key] > 0)
            if remaining[key] > 0:
                remaining[key] -= 1
        for (p, c, fp) in list(out):
            if p == relpath:
                # consumed entries are rebuilt below; the rest (stale) stay as they were
                out[(p, c, fp)] = remaining[(c, fp)]
        for index in _pairs(before, after):
            finding = after[index[1]]
            if was_baselined[index[0]]:
                out[(relpath, finding.code, finding.anchor)] += 1
    return +out


def _pairs(before: Sequence[Finding], after: Sequence[Finding]) -> list[tuple[int, int]]:
    """(index in before, index in after) of the findings a fix left in place; linear in
    the findings but for the nearest-line choice among findings of one message."""
    free = [True] * len(before)
    by_anchor: dict[tuple[str, str], list[int]] = {}
    by_message: dict[tuple[str, str], list[int]] = {}
    by_code: dict[str, list[int]] = {}
    for i, f in enumerate(before):
        by_anchor.setdefault((f.code, f.anchor), []).append(i)
        by_message.setdefault((f.code, f.message), []).append(i)
        by_code.setdefault(f.code, []).append(i)

    def take(candidates: list[int], line: int | None) -> int | None:
        while candidates and not free[candidates[0]]:
            candidates.pop(0)
        live = [i for i in candidates if free[i]] if line is not None else candidates[:1]
        if not live:
            return None
        best = live[0] if line is None else min(live, key=lambda i: abs(before[i].line - line))
        free[best] = False
        return best

    pairs: list[tuple[int, int]] = []
    unpaired: list[int] = []
    for j, f in enumerate(after):
        got = take(by_anchor.get((f.code, f.anchor), []), None)
        if got is None:
            unpaired.append(j)
        else:
            pairs.append((got, j))
    rest: list[int] = []
    for j in unpaired:
        f = after[j]
        got = take(by_message.get((f.code, f.message), []), f.line)
        if got is None:
            rest.append(j)
        else:
            pairs.append((got, j))
    for j in rest:
        got = take(by_code.get(after[j].code, []), None)
        if got is not None:
            pairs.append((got, j))
    return pairs
