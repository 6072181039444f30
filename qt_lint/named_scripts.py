"""Files that are shell because something runs them as shell, whatever their name.

`bash ops/prepare.txt`, `sh -e ops/steps`, `. ops/lib.inc` and `source ops/lib.inc` in a
unit's `Exec*=` line, a Makefile recipe, a crontab or a shell script make the named file a
shell script: a file of the run that no name or shebang classifies is then analysed as
shell (and a script found so is read for the files it names in turn). Names are found by
a pattern over the text (linear in it), resolved against the repository root and the
naming file's folder (and its parents); a name built at run time is not followed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from qt_lint import lazyre
from qt_lint.classify import Target
from qt_lint.finding import Kind
from qt_lint.rewrites import search_bases

_READERS = (Kind.SHELL, Kind.UNIT, Kind.MAKEFILE, Kind.CRONTAB)
# at a needle found by str.find (C speed: a regex searched over every position of 2 MB of
# scripts cost a third of a second): the file a shell runs (options first) or sources
_NEEDLES = ("sh ", "sh\t", "source ", "source\t", ". ", ".\t")
_AT = lazyre.compile(r"(?:sh|source|\.)[ \t]+(?:-[A-Za-z]+[ \t]+)*(?:\$\{?REPO_ROOT\}?/)?"
                 r"(\w[\w./@+-]*)")
_BEFORE_DOT = frozenset(" \t\n;&|(`")


def named(text: str) -> list[str]:
    """The names `text` runs with a shell or sources (`bash x`, `sh -e x`, `. x`)."""
    out = []
    for needle in _NEEDLES:
        i = text.find(needle)
        while i != -1:
            if needle[0] == "s" or i == 0 or text[i - 1] in _BEFORE_DOT:
                match = _AT.match(text, i)
                if match:
                    out.append(match.group(1))
            i = text.find(needle, i + 1)
    return out


MAX_ROUNDS = 8


def run_as_shell(targets: Sequence[Target], unclassified: dict[str, tuple[str, str]],
                 root: str) -> list[Target]:
    """The files of `unclassified` (absolute path -> (display path, project path)) that a
    target runs or sources as shell, as shell targets."""
    if not unclassified:
        return []
    by_name = {os.path.basename(path) for path in unclassified}
    found: list[Target] = []
    readers = [t for t in targets if t.kind in _READERS]
    for _ in range(MAX_ROUNDS):
        new: list[Target] = []
        for reader in readers:
            try:
                with open(reader.abspath, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            for name in named(text):
                if os.path.basename(name) not in by_name:
                    continue
                for base in search_bases(root, reader.abspath):
                    path = os.path.normpath(os.path.join(base, name))
                    if path in unclassified:
                        shown, rel = unclassified.pop(path)
                        new.append(Target(shown, path, rel, Kind.SHELL))
                        break
        if not new:
            break
        found.extend(new)
        readers = new
    return found
