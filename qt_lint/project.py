"""What rules may know of the whole repository beyond the file they check.

Cross-file rules (the unit start order, `common.env` beside an env file) read it; it is
built lazily so that a run that needs none of it pays nothing.
"""

from __future__ import annotations

from pathlib import Path

from qt_lint.config import Config


class Project:
    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config
