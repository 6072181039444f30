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
import re
from collections.abc import Sequence

from qt_lint.classify import Target
from qt_lint.finding import Kind

_READERS = (Kind.SHELL, Kind.UNIT, Kind.MAKEFILE, Kind.CRONTAB)
# a shell run on a file (options first), or a file sourced: the file's name
_NAMED = re.compile(
    r"(?:^|[\s;&|(`=\"'])(?:(?:/usr)?/bin/)?(?:(?:ba|da|k)?sh(?:[ \t]+-[A-Za-z]+)*|source|\.)"
    r"[ \t]+(?:\$\{?REPO_ROOT\}?/)?([\w][\w./@+-]*)", re.M)
MAX_ROUNDS = 8


def search_bases(root: str, path: str) -> list[str]:
    """Where a name in `path` may be relative to: the project root, the file's folder and
    its parents (the repository root a unit or script runs from, when qt-lint runs from
    elsewhere)."""
    out = [root]
    folder = os.path.dirname(path)
    for _ in range(4):
        out.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return out


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
            for match in _NAMED.finditer(text):
                name = match.group(1)
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
