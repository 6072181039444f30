"""Baselines: adopt qt-lint on a legacy repository and block only what is new.

A baseline entry is (path relative to the project root, code, fingerprint of the code and
the offending line's text, count), so entries survive lines moving above them and
reformatting elsewhere, and two identical findings on one line stay two. The file is
sorted JSON, one entry per line group, so it diffs well in review.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qt_lint.config import ConfigError
from qt_lint.finding import Finding

BASELINE_VERSION = 1


class BaselineError(ConfigError):
    """The baseline file is unreadable or not a baseline: a usage error (exit 2)."""


Key = tuple[str, str, str]


@dataclass
class Filtered:
    findings: list[Finding]
    baselined: int
    stale: int


def _key(finding: Finding, relpaths: dict[str, str]) -> Key:
    return (relpaths.get(finding.path, finding.path), finding.code, finding.anchor)


def write(path: Path, findings: Sequence[Finding], relpaths: dict[str, str]) -> int:
    counts = Counter(_key(f, relpaths) for f in findings)
    entries = [{"path": p, "code": c, "fingerprint": fp, "count": n}
               for (p, c, fp), n in sorted(counts.items())]
    document = {"version": BASELINE_VERSION, "tool": "qt-lint", "findings": entries}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return len(findings)


def load(path: Path) -> Counter[Key]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("version") != BASELINE_VERSION:
            raise BaselineError(f"{path}: baseline version {document.get('version')!r}, "
                                f"expected {BASELINE_VERSION}")
        return Counter({(e["path"], e["code"], e["fingerprint"]): int(e["count"])
                        for e in document["findings"]})
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BaselineError(f"{path}: not a qt-lint baseline") from None


def apply(findings: Sequence[Finding], known: Counter[Key],
          relpaths: dict[str, str]) -> Filtered:
    remaining = Counter(known)
    new: list[Finding] = []
    absorbed = 0
    for finding in findings:
        key = _key(finding, relpaths)
        if remaining[key] > 0:
            remaining[key] -= 1
            absorbed += 1
        else:
            new.append(finding)
    return Filtered(new, absorbed, sum(n for n in remaining.values() if n > 0))
