from __future__ import annotations

from qt_lint.finding import Kind
from qt_lint.rule import Example, Rule


class ParseErrorRule(Rule):
    """
    ## What it does
    Reports a file of a known kind that qt-lint could not analyse: it cannot be read
    (permissions, a broken or looping symbolic link, not a regular file), it is binary or
    not UTF-8, it is larger than `max-file-size`, or it does not parse (a Python syntax
    error, a shell region the parser could not recover). The finding points at the
    problem (the first undecodable byte, the parser's line) and the run goes on.

    Python files are parsed when some rule's textual precondition occurs in them (a
    subprocess call, a quoted absolute path, a Redis client, ...). A Python file in which no
    rule can fire is proven clean by its text alone and is not parsed, so its syntax errors
    are left to Python's own tooling: parsing the other 95% of a monorepo would double the
    cost of every run. Every other kind is always parsed.

    ## Why is this bad?
    A file that is not analysed is a file whose breaches nobody sees. qt-lint never skips
    such a file silently: a gate that passes because it could not read is no gate.

    ## Example
    ```python
    print "python 2 still lives here"
    ```

    ## Use instead
    Fix the file so it parses, or exclude it explicitly in the configuration
    (`extend-exclude`), where a reviewer sees the decision.
    """

    code = "QT001"
    name = "parse-error"
    section = "H"
    kinds = frozenset(Kind)
    summary = "File could not be read, decoded or parsed"
    engine_reported = True
    example_path = "deploy/.env"
    VALID = (Example("A=1\n"),)
    INVALID = (
        Example(b"A=1\nB=\xff\n", expect=((2, 3),)),
        Example(b"import os\0", path="ops/x.py", expect=((1, 10),)),
    )
