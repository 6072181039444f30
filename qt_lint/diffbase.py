"""`--diff-base REV`: keep only findings on lines added or changed since REV (git)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from qt_lint.config import ConfigError
from qt_lint.finding import Finding

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class DiffBaseError(ConfigError):
    """The revision or git is unusable: a usage error (exit 2)."""


@dataclass
class Changes:
    lines: dict[str, set[int]] = field(default_factory=dict)  # absolute path -> lines
    new_files: set[str] = field(default_factory=set)

    def keeps(self, abspath: str, finding: Finding) -> bool:
        if abspath in self.new_files:
            return True  # file-level findings count when the file is new
        return finding.line in self.lines.get(abspath, set())


def changes_since(rev: str, where: str) -> Changes:
    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", "-C", where, *args], capture_output=True, text=True,
                                  timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DiffBaseError(f"--diff-base: git failed: {type(exc).__name__}") from None
        if proc.returncode != 0:
            raise DiffBaseError(f"--diff-base {rev}: {proc.stderr.strip() or 'git failed'}")
        return proc.stdout

    top = git("rev-parse", "--show-toplevel").strip()
    git("rev-parse", "--verify", f"{rev}^{{commit}}")
    out = Changes()
    current: str | None = None
    for line in git("diff", "--no-color", "--no-ext-diff", "-U0", "--no-renames", rev,
                    "--").splitlines():
        if line.startswith("--- "):
            new_file = line == "--- /dev/null"
            continue_new = new_file
        elif line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else os.path.join(top, name[2:])
            if current is not None and continue_new:
                out.new_files.add(current)
        elif current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                out.lines.setdefault(current, set()).update(range(start, start + count))
    for name in git("ls-files", "-z", "--others", "--exclude-standard").split("\0"):
        if name:
            out.new_files.add(os.path.join(top, name))
    return out
