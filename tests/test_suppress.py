from __future__ import annotations

import datetime as dt
from pathlib import Path

from qt_lint.classify import Target
from qt_lint.config import Config
from qt_lint.engine import check_file
from qt_lint.finding import Kind
from qt_lint.settings import RunSettings
from qt_lint.suppress import parse_directives


def _run(text: str, path: str = ".env", kind: Kind = Kind.ENV,
         active: tuple[str, ...] = ("QT002", "QT003", "QT301", "QT302"),
         **cfg: object) -> list[tuple[int, str]]:
    config = Config(root=Path("/r"), **cfg)  # type: ignore[arg-type]
    settings = RunSettings.build(config, active=frozenset(active), today=dt.date(2026, 11, 26))
    result = check_file(Target(path, "/r/" + path, path, kind), settings, data=text.encode())
    return [(f.line, f.code) for f in result.findings]


def test_file_level_suppression_and_unused() -> None:
    assert _run("# qt-lint: ignore-file[QT301] dev only\nA=1\n") == []
    assert _run("# qt-lint: ignore-file[QT301,QT302] dev only\nA=1\n") == [(1, "QT002")]


def test_unused_only_judged_for_codes_that_ran() -> None:
    assert _run("# qt-lint: ignore-file[QT301,QT501] dev\nA=1\n",
                active=("QT002", "QT301")) == []


def test_expiry() -> None:
    assert _run("# qt-lint: ignore-file[QT301] until=2026-11-26 last day\n") == []
    assert _run("# qt-lint: ignore-file[QT301] until=2026-11-25 over\n") == [
        (1, "QT002"), (1, "QT301")]
    assert _run("# qt-lint: ignore-file[QT301] until=26-1-1 bad\n") == [
        (1, "QT002"), (1, "QT301")]


def test_unsuppressible() -> None:
    got = _run("# qt-lint: ignore-file[QT301] nice try\n", unsuppressible=("QT301",))
    assert got == [(1, "QT002"), (1, "QT301")]


def test_reason_required() -> None:
    assert _run("# qt-lint: ignore-file[QT301]\n", require_suppression_reason=True) == [
        (1, "QT003")]
    assert _run("# qt-lint: ignore-file[QT301]\n") == []


def test_placement_rules() -> None:
    text = "x = 1  # qt-lint: ignore[QT201] why\n# qt-lint: ignore[QT203] why\n\n# c\ny = 2\n"
    ds = parse_directives(text, Kind.PYTHON)
    assert [(d.line, d.target, d.codes, d.reason) for d in ds] == [
        (1, 1, ("QT201",), "why"), (2, 5, ("QT203",), "why")]
    # units and env files have no trailing comments: that text is a value, not a directive
    assert parse_directives("User=root # qt-lint: ignore[QT402] x\n", Kind.UNIT) == []
    ds = parse_directives("; qt-lint: ignore[QT402] vendor\n\nUser=root\n", Kind.UNIT)
    assert [(d.line, d.target) for d in ds] == [(1, 3)]
    # `;` is not a comment in Python
    assert parse_directives("x = 1; qt-lint: ignore[QT201] y\n", Kind.PYTHON) == []


def test_python_directives_only_in_comments() -> None:
    text = ('DOC = """\n# qt-lint: ignore[QT201] not a comment\n"""\n'
            'x = 1  # qt-lint: ignore[QT203] y\n')
    ds = parse_directives(text, Kind.PYTHON)
    assert [(d.line, d.codes) for d in ds] == [(4, ("QT203",))]


def test_redaction() -> None:
    from qt_lint.secrets import redact_line

    assert redact_line("Environment=EXCHANGE_API_KEY=sk-1 LOG_LEVEL=INFO") == (
        "Environment=EXCHANGE_API_KEY=**** LOG_LEVEL=INFO")
    assert redact_line('export DB_PASSWORD="p w"') == "export DB_PASSWORD=****"
    assert redact_line("token: abc") == "token: ****"
    assert redact_line("REDIS_HOST=localhost") == "REDIS_HOST=localhost"
