from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.rule import Example, Rule


class SuppressionWithoutReason(Rule):
    """
    ## What it does
    With `require-suppression-reason = true`, reports an inline suppression that gives no
    reason after its codes.

    ## Why is this bad?
    In a regulated team every exception to the contract needs a why that a reviewer and an
    auditor can read next to it.

    ## Example
    ```python
    LEGACY = "/opt/legacy/models"  # qt-lint: ignore[QT201]
    ```

    ## Use instead
    ```python
    LEGACY = "/opt/legacy/models"  # qt-lint: ignore[QT201] read-only import, TICKET-123
    ```

    ## Options
    `require-suppression-reason` (default `false`).
    """

    code = "QT003"
    name = "suppression-without-reason"
    section = "H"
    kinds = frozenset(Kind)
    summary = "Inline suppression without a reason (when reasons are required)"
    engine_reported = True
    example_path = ".env"
    VALID = (
        Example("# qt-lint: ignore-file[QT301] local development only\n",
                options=(("require_suppression_reason", True),)),
        Example("# qt-lint: ignore-file[QT301]\n"),
    )
    INVALID = (Example("# qt-lint: ignore-file[QT301]\n", expect=((1, 1),),
                       options=(("require_suppression_reason", True),)),)
