"""Reporters turn findings into what a person or a tool reads. One module per format."""

from __future__ import annotations

import functools
import importlib
import re
from collections import Counter
from collections.abc import Sequence

from qt_lint.finding import Finding
from qt_lint.record import record

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


@record(frozen=True)
class Summary:
    """The counts a report ends with."""

    files: int
    findings: int
    by_code: dict[str, int]
    fixed: int = 0
    baselined: int = 0  # findings the baseline absorbed
    stale: int = 0  # baseline entries that no longer match anything
    docs_url: str | None = None  # configured rule documentation (`{code}` in it)
    baselined_fixable: int = 0  # baselined findings that `--fix-baselined` would fix


def summarise(findings: Sequence[Finding], files: int, fixed: int = 0, baselined: int = 0,
              stale: int = 0, docs_url: str | None = None,
              baselined_fixable: int = 0) -> Summary:
    counts = Counter(f.code for f in findings)
    return Summary(files, len(findings), dict(sorted(counts.items())), fixed, baselined, stale,
                   docs_url, baselined_fixable)


# formats read by CI services, which place a path from the repository's root
CI_FORMATS = frozenset({"sarif", "github", "gitlab", "junit"})


def from_repository_root(findings: Sequence[Finding], root: str) -> list[Finding]:
    """The findings with paths relative to the repository root (code scanning and pull
    request annotations place a file from there, whatever the current directory was)."""
    import os

    from qt_lint.record import replace

    out = []
    for f in findings:
        absolute = os.path.abspath(f.path)
        relative = os.path.relpath(absolute, root)
        path = relative if not relative.startswith("..") else absolute
        out.append(replace(f, path=path.replace(os.sep, "/")))
    return out


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """Stable fingerprints: path, code, line-text anchor, and the occurrence number among
    identical ones (two same findings on one line stay two)."""
    from qt_lint.sha import sha256

    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in findings:
        key = (f.path, f.code, f.anchor)
        seen[key] += 1
        basis = f"{f.path}\0{f.code}\0{f.anchor}\0{seen[key]}"
        out.append(sha256(basis.encode("utf-8", "surrogateescape")).hexdigest()[:32])
    return out


@functools.cache
def _unprintable() -> re.Pattern[str]:
    return re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")


def printable(text: str) -> str:
    """Text that is safe in every output: a file name's undecodable bytes as `\\xNN`, and
    control characters as escapes, so no terminal sequence from a file reaches a screen
    and XML stays well-formed."""
    if text.isprintable() or not _unprintable().search(text):  # the first test is C speed
        return text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _unprintable().sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                              text)


def one_line(text: str) -> str:
    """`printable`, and a line feed as `\\n`: a report line stays one line, so a value
    quoted in a message (a multi-line env value) never starts a line of its own in a log
    (GitHub reads `::error`/`::stop-commands::` at the start of any line)."""
    return printable(text).replace("\n", "\\n")


def shown(findings: Sequence[Finding]) -> list[Finding]:
    """The findings with printable, one-line paths and messages (what every reporter
    receives)."""
    from qt_lint.record import replace

    return [f if f.path.isprintable() and f.message.isprintable() else
            replace(f, path=one_line(f.path), message=one_line(f.message)) for f in findings]


TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # a plain base at run time (nothing checks it with isinstance)


class Reporter(Protocol):
    def __call__(self, findings: Sequence[Finding], summary: Summary, *, color: bool,
                 statistics: bool, quiet: bool = False) -> str: ...


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"qt_lint.report.{name}_format")
    render: Reporter = module.render
    return render
