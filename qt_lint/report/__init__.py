"""Reporters turn findings into what a person or a tool reads. One module per format."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from qt_lint.finding import Finding

FORMATS = ("text", "json")


@dataclass(frozen=True)
class Summary:
    files: int
    findings: int
    by_code: dict[str, int]
    fixed: int = 0


def summarise(findings: Sequence[Finding], files: int, fixed: int = 0) -> Summary:
    counts = Counter(f.code for f in findings)
    return Summary(files, len(findings), dict(sorted(counts.items())), fixed)


class Reporter(Protocol):
    def __call__(self, findings: Sequence[Finding], summary: Summary, *, color: bool,
                 statistics: bool) -> str: ...


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"qt_lint.report.{name}_format")
    render: Reporter = module.render
    return render
