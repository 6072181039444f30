"""What the path rules share."""

from __future__ import annotations

import re

# `/tmp` or `/var/tmp` as a path (not `/tmpfs`, `~/tmp`, `$X/tmp`)
TMP_PATH = re.compile(r"(?<![\w.~$/-])(?:/var)?/tmp(?![\w.-])")
