"""The rule modules, one rule each, grouped by the contract family of their code.

To add a rule, follow "Adding a rule" in the README: a module `<family>/qtNNN_<name>.py`
(found by its name, `qt_lint.plugins`: no list to edit), its fixtures, then
`python -m qt_lint.docs` (rule docs, README table and index.py).
"""

from __future__ import annotations
