"""Mutated inputs of every kind never crash a rule (no exception, no "internal error")."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from qt_lint.classify import Target
from qt_lint.config import Config
from qt_lint.engine import check_file
from qt_lint.finding import Kind
from qt_lint.registry import known_codes
from qt_lint.settings import RunSettings
from tests.conftest import FIXTURES

SEEDS = {
    Kind.PYTHON: ("x.py", FIXTURES / "python"),
    Kind.SHELL: ("x.sh", FIXTURES / "shell"),
    Kind.MAKEFILE: ("Makefile", FIXTURES / "makefile"),
    Kind.UNIT: ("systemd/quantum-x.service", FIXTURES / "systemd-unit"),
    Kind.ENV: ("deploy/x.env", FIXTURES / "env-file"),
    Kind.CRONTAB: ("x.cron", FIXTURES / "crontab"),
    Kind.CONFIG: ("config/x.yml", FIXTURES / "config"),
    Kind.COMPOSE: ("compose.yml", FIXTURES / "compose"),
}
PIECES = ["\\", "'", '"', "$(", "`", "${", "\n", "\r\n", "=", "[", "]", "#", ";", "&&", "|",
          "<<EOF\n", "\t", "\x00", "é", "%", "{", "}", "(", ")", "-", "@", "!!", "python3",
          "/tmp/", "\ufeff", " " * 30]


def _texts(kind: Kind) -> list[str]:
    _, folder = SEEDS[kind]
    return [p.read_text(errors="replace") for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "expected.txt" and p.stat().st_size < 20_000]


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 12)):
        at = rng.randint(0, len(chars))
        action = rng.random()
        if action < 0.5:
            chars[at:at] = list(rng.choice(PIECES))
        elif action < 0.8 and chars:
            del chars[at:at + rng.randint(1, 20)]
        else:
            chars[at:at] = chars[rng.randint(0, max(0, len(chars) - 1)):][:rng.randint(1, 40)]
    return "".join(chars)


@pytest.mark.parametrize("kind", list(SEEDS), ids=lambda k: k.value)
def test_mutated_inputs_never_crash(kind: Kind) -> None:
    rng = random.Random(f"qt-lint-{kind.value}")  # reproducible
    path, _ = SEEDS[kind]
    settings = RunSettings.build(Config(root=Path("/nonexistent")), active=known_codes())
    for text in _texts(kind):
        for _ in range(25):
            data = _mutate(rng, text).encode("utf-8", "surrogatepass")
            result = check_file(Target(path, "/nonexistent/" + path, path, kind), settings,
                                data=data)
            crashed = [f.message for f in result.findings if "internal error" in f.message]
            assert crashed == [], (kind, data[:300])
