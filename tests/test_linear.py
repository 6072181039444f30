"""Linear time on any input: long adversarial lines for every file kind, built from the
characters every pattern of qt-lint starts, repeats or ends on, checked against a time
bound per megabyte. A quadratic pattern needs seconds here (the redactor took 5.8 s on
20 KB); a linear one milliseconds. `QT_LINT_LONG_TESTS=1` runs 10x longer lines."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest

from qt_lint.classify import Target
from qt_lint.config import Config
from qt_lint.engine import check_file
from qt_lint.finding import Kind
from qt_lint.registry import known_codes
from qt_lint.secrets import redact_line
from qt_lint.settings import RunSettings

LENGTH = 200_000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 20_000
SECONDS_PER_MB = 25.0  # CPU seconds (load inflates wall time); quadratic is 100x over it
PATHS = {
    "systemd/quantum-a.service": Kind.UNIT, "deploy/a.env": Kind.ENV, "ops/a.sh": Kind.SHELL,
    "Makefile": Kind.MAKEFILE, "ops/a.py": Kind.PYTHON, "cron.d/a": Kind.CRONTAB,
    "config/a.yaml": Kind.CONFIG, "config/a.ini": Kind.CONFIG, "config/a.toml": Kind.CONFIG,
    "docker-compose.yml": Kind.COMPOSE, "Dockerfile": Kind.DOCKERFILE,
}
PREFIXES = ["", "[", "[KEY", "- a=", "- ", "a", "A_KEY=", "x = ", "ExecStart=", "python3 ",
            "REDIS_URL=redis://", "'", '"', "#", "$(", "key: ", "/opt/", "`", "${",
            "# qt-lint: ignore[", "a: |"]
FILLERS = [" ", "a", "KEY", "=", "[", "-", "a ", "/", "\\", "$(", "x=", "'", ":", "a.", "_",
           "0", "{", "a=", ", ", "9.", "\t"]
SETTINGS = RunSettings.build(Config(root=Path("/r"), max_line_length=10 * LENGTH),
                             active=known_codes())


def _seconds(path: str, kind: Kind, text: str) -> float:
    start = time.process_time()
    check_file(Target(path, "/r/" + path, path, kind), SETTINGS, data=text.encode())
    return time.process_time() - start


@pytest.mark.parametrize("path", sorted(PATHS))
def test_adversarial_lines_are_linear(path: str) -> None:
    slow = []
    for prefix, filler in itertools.product(PREFIXES, FILLERS):
        text = prefix + filler * (LENGTH // len(filler)) + "x\n"
        seconds = _seconds(path, PATHS[path], text)
        if seconds > SECONDS_PER_MB * len(text) / 1e6:
            slow.append((round(seconds, 2), prefix, filler))
    assert slow == []


@pytest.mark.parametrize("line", ["KEY" * (LENGTH // 3), "a=" * (LENGTH // 2) + "API_KEY=x",
                                  "X_KEY" + " " * LENGTH + "y", "9." * (LENGTH // 2),
                                  "a:" * (LENGTH // 2)])
def test_redactor_is_linear(line: str) -> None:
    start = time.process_time()
    redact_line(line)
    assert time.process_time() - start < SECONDS_PER_MB * len(line) / 1e6


def test_redactor_still_masks() -> None:
    assert redact_line("Environment=API_KEY=abc") == "Environment=API_KEY=****"
    assert redact_line("9API_KEY=s x.TOKEN: t") == "9API_KEY=**** x.TOKEN: ****"
    assert redact_line('PASSWORD = "a b" ok') == "PASSWORD = **** ok"
    assert redact_line("a=b=c=SECRET=d") == "a=b=c=SECRET=****"


def test_a_line_over_the_limit_is_reported_not_scanned(tmp_path: Path) -> None:
    settings = RunSettings.build(Config(root=tmp_path, max_line_length=1000))
    text = "A=1\n" + "B=" + "x" * 5000 + "\n"
    result = check_file(Target("a.env", str(tmp_path / "a.env"), "deploy/a.env", Kind.ENV),
                        settings, data=text.encode())
    qt001 = [f for f in result.findings if f.code == "QT001"]
    assert [(f.line, f.column) for f in qt001] == [(2, 1)]
    assert "5,002 characters long" in qt001[0].message
