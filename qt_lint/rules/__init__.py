"""The rule modules, one rule each, grouped by the contract family of their code.

To add a rule, follow "Adding a rule" in docs/contributing.md: a module
`<family>/qtNNN_<name>.py` (found by its name, `qt_lint.plugins`: no list to edit), its
fixtures, then `python -m qt_lint.docs` (rule pages, the docs tables and index.py).
"""

from __future__ import annotations
