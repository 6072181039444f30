from __future__ import annotations

from qt_lint.finding import Kind, Severity
from qt_lint.rule import Example, Rule


class UnusedSuppression(Rule):
    """
    ## What it does
    Reports an inline suppression that suppressed nothing: the code it names did not
    fire on its line (or, for `ignore-file`, anywhere in the file), the directive names
    no code or an invalid one, or its `until=` date has passed (an expired suppression
    stops suppressing and is reported here).

    Only codes that ran on the file are judged: a suppression of a rule that the
    configuration did not select is left alone.

    ## Why is this bad?
    Stale suppressions hide the next real breach on that line and make reviewers trust
    markers that mean nothing.

    ## Example
    ```python
    DB_PATH = os.getenv("DB_PATH")  # qt-lint: ignore[QT201] legacy
    ```

    ## Use instead
    ```python
    DB_PATH = os.getenv("DB_PATH")
    ```
    """

    code = "QT002"
    name = "unused-suppression"
    severity = Severity.WARNING
    section = "H"
    kinds = frozenset(Kind)
    summary = "Inline suppression that suppressed nothing"
    engine_reported = True
    example_path = ".env"
    VALID = (Example("# qt-lint: ignore-file[QT301] local development only\n",
                     also=("QT301",)),)
    INVALID = (
        Example("# qt-lint: ignore-file[QT302] wrong code\n", expect=((1, 1),),
                also=("QT301", "QT302")),
        Example("# qt-lint: ignore-file\n", expect=((1, 1),)),
    )
