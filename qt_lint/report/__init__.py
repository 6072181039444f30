"""Reporters turn findings into what a person or a tool reads. One module per format."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from qt_lint.finding import Finding

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


@dataclass(frozen=True)
class Summary:
    files: int
    findings: int
    by_code: dict[str, int]
    fixed: int = 0
    baselined: int = 0  # findings the baseline absorbed
    stale: int = 0  # baseline entries that no longer match anything


def summarise(findings: Sequence[Finding], files: int, fixed: int = 0, baselined: int = 0,
              stale: int = 0) -> Summary:
    counts = Counter(f.code for f in findings)
    return Summary(files, len(findings), dict(sorted(counts.items())), fixed, baselined, stale)


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """Stable fingerprints: path, code, line-text anchor, and the occurrence number among
    identical ones (two same findings on one line stay two)."""
    import hashlib

    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in findings:
        key = (f.path, f.code, f.anchor)
        seen[key] += 1
        basis = f"{f.path}\0{f.code}\0{f.anchor}\0{seen[key]}"
        out.append(hashlib.sha256(basis.encode()).hexdigest()[:32])
    return out


class Reporter(Protocol):
    def __call__(self, findings: Sequence[Finding], summary: Summary, *, color: bool,
                 statistics: bool) -> str: ...


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"qt_lint.report.{name}_format")
    render: Reporter = module.render
    return render
