from __future__ import annotations

import sys

from qt_lint.main import main

sys.exit(main())
