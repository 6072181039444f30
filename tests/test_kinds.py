"""File kinds (`qt_lint.kinds`): which files each kind is, in which order the kinds are
asked, and what each kind module owns."""

from __future__ import annotations

import pytest

from qt_lint.classify import classify
from qt_lint.finding import Kind

UNIT_HEAD = b"# vendor drop-in\n\n[Service]\nUser=qt\n"
PY = b"#!/usr/bin/env python3\nprint()\n"
SH = b"#!/bin/bash\necho\n"

CASES = [
    ("deploy/qt-api.service", None, Kind.UNIT),
    ("deploy/qt-api.timer", None, Kind.UNIT),
    ("deploy/qt.target", None, Kind.UNIT),
    ("deploy/qt-api.service.d/override.conf", None, Kind.UNIT),
    ("deploy/qt-api.service.d/x.env.conf", None, Kind.UNIT),  # the drop-in folder first
    ("etc/override.conf", UNIT_HEAD, Kind.UNIT),
    ("etc/redis.conf", b"bind 127.0.0.1\n", None),
    ("app/main.py", None, Kind.PYTHON),
    ("app/stubs.pyi", None, Kind.PYTHON),
    ("bin/run.sh", None, Kind.SHELL),
    ("bin/run.bash", None, Kind.SHELL),
    (".env", None, Kind.ENV),
    (".env.production", None, Kind.ENV),
    ("config/qt.env", None, Kind.ENV),
    ("config/qt.env.example", None, Kind.ENV),
    ("config/qt.env.mk", None, Kind.ENV),  # the env name before the Makefile suffix
    (".envrc", None, None),
    ("Makefile", None, Kind.MAKEFILE),
    ("sub/GNUmakefile", None, Kind.MAKEFILE),
    ("rules.mk", None, Kind.MAKEFILE),
    ("Dockerfile", None, Kind.DOCKERFILE),
    ("Dockerfile.gpu", None, Kind.DOCKERFILE),
    ("Dockerfile.md", None, None),
    ("api.Dockerfile", None, Kind.DOCKERFILE),
    ("Containerfile", None, Kind.DOCKERFILE),
    ("docker-compose.prod.yml", None, Kind.COMPOSE),
    ("compose.yaml", None, Kind.COMPOSE),
    ("compose.override.yml", None, Kind.COMPOSE),
    ("crontab", None, Kind.CRONTAB),
    ("ops/qt.cron", None, Kind.CRONTAB),
    ("etc/cron.d/qt", None, Kind.CRONTAB),
    ("etc/cron.d/qt.yml", None, Kind.CRONTAB),  # the folder before the config suffix
    ("config/app.yaml", None, Kind.CONFIG),
    ("pyproject.toml", None, Kind.CONFIG),
    ("setup.cfg", None, Kind.CONFIG),
    ("bin/train", PY, Kind.PYTHON),
    ("bin/deploy", SH, Kind.SHELL),
    ("bin/deploy", b"#!/usr/bin/env -S dash -e\n", Kind.SHELL),
    ("bin/tool", b"#!/usr/bin/perl\n", None),
    ("bin/tool", b"no shebang\n", None),
    ("bin/tool.pl", PY, None),  # a suffix: the shebang is not read
    ("README.md", None, None),
]


@pytest.mark.parametrize(("relpath", "head", "kind"), CASES)
def test_classify(relpath: str, head: bytes | None, kind: Kind | None) -> None:
    assert classify(relpath, (lambda: head) if head is not None else None) is kind


def test_head_is_read_only_where_the_name_leaves_the_question_open() -> None:
    reads: list[str] = []

    def head_of(path: str) -> object:
        def read() -> bytes:
            reads.append(path)
            return PY
        return read

    for relpath in ("a.py", "b.service", "c.yml", "d.sh", "Makefile"):
        classify(relpath, head_of(relpath))  # type: ignore[arg-type]
    assert reads == []
    classify("bin/tool", head_of("bin/tool"))  # type: ignore[arg-type]
    classify("x/y.conf", head_of("x/y.conf"))  # type: ignore[arg-type]
    assert reads == ["bin/tool", "x/y.conf"]


def test_every_kind_has_one_module_and_each_module_says_its_files() -> None:
    from qt_lint import kinds

    assert {spec.kind for spec in kinds.KINDS} == set(Kind)
    assert len(kinds.KINDS) == len(Kind)
    for spec in kinds.KINDS:
        assert kinds.of(spec.kind) is spec
        assert spec.files.startswith("`")


def test_what_the_kinds_own() -> None:
    """Decoding, comment syntax, generated files and QT001's parsing, as they were in the
    engine, the context and the suppression parser before the kinds had modules."""
    from qt_lint import kinds

    systemd = {k.kind for k in kinds.KINDS if k.systemd_lines}
    assert systemd == {Kind.UNIT, Kind.ENV}
    assert {k.kind for k in kinds.KINDS if k.utf16} == {Kind.CONFIG, Kind.COMPOSE}
    assert {k.kind for k in kinds.KINDS if not k.trailing_comments} == systemd
    assert {k.kind for k in kinds.KINDS if k.generated} == {Kind.UNIT, Kind.CRONTAB,
                                                               Kind.ENV}
    assert {k.kind for k in kinds.KINDS if not k.always_parsed} == {Kind.PYTHON}
    assert kinds.of(Kind.ENV).written_skips == {"QT301", "QT302"}
    assert kinds.of(Kind.ENV).appended_skips == {"QT307"}
    assert kinds.of(Kind.UNIT).comment_marks == ("#", ";")
    assert kinds.of(Kind.SHELL).comment_marks == ("#",)
