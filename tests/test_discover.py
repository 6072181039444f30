from __future__ import annotations

import pytest

from qt_lint.classify import classify
from qt_lint.discover import matches
from qt_lint.finding import Kind


@pytest.mark.parametrize(("path", "patterns", "expected"), [
    ("a/.venv/x.py", (".venv",), True),
    ("a/venvs/x.py", ("venv",), False),
    ("legacy/old/x.env", ("legacy/**",), True),
    ("legacy/x.env", ("legacy",), True),
    ("src/legacy/x.env", ("legacy/**",), False),
    ("src/legacy/x.env", ("**/legacy/**",), True),
    ("ops/old/run.sh", ("ops/old",), True),
    ("ops/older/run.sh", ("ops/old",), False),
    ("x/build-1/a.py", ("build-*",), True),
    ("x/build-1/a.py", ("build-?",), True),
    ("tests/test_a.py", ("tests/*.py",), True),
    ("./x.py", ("x.py",), True),
])
def test_matches(path: str, patterns: tuple[str, ...], expected: bool) -> None:
    assert matches(path, patterns) is expected


@pytest.mark.parametrize(("path", "kind"), [
    (".env", Kind.ENV), (".env.example.ai", Kind.ENV), ("a/clm.env.bak", Kind.ENV),
    (".envrc", None), ("env.py", Kind.PYTHON), ("environment.yml", Kind.CONFIG),
    ("x.service", Kind.UNIT), ("quantum-x.service.d/10-user.conf", Kind.UNIT),
    ("etc/nginx.conf", None), ("Dockerfile.md", None), ("Dockerfile.prod", Kind.DOCKERFILE),
    ("ops/cron.d/quantum", Kind.CRONTAB), ("Makefile", Kind.MAKEFILE), ("ci/x.mk", Kind.MAKEFILE),
    ("compose.yaml", Kind.COMPOSE), ("docker-compose.override.yml", Kind.COMPOSE),
    ("deploy/compose.prod.yml", Kind.COMPOSE), ("notes.yml", Kind.CONFIG),
    ("app.toml", Kind.CONFIG), ("setup.cfg", Kind.CONFIG), ("nginx.conf", None),
])
def test_classify_by_name(path: str, kind: Kind | None) -> None:
    assert classify(path, lambda: b"") is kind


@pytest.mark.parametrize(("head", "kind"), [
    (b"#!/bin/bash\n", Kind.SHELL), (b"#!/usr/bin/env bash\n", Kind.SHELL),
    (b"#!/bin/sh -e\n", Kind.SHELL), (b"#!/usr/bin/env -S python3 -u\n", Kind.PYTHON),
    (b"#!/usr/local/bin/python3.11\n", Kind.PYTHON), (b"#!/usr/bin/perl\n", None),
    (b"echo no shebang\n", None),
])
def test_classify_by_shebang(head: bytes, kind: Kind | None) -> None:
    assert classify("ops/tool", lambda: head) is kind
