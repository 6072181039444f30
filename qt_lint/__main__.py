from __future__ import annotations

import sys

from qt_lint.cli import main

sys.exit(main())
