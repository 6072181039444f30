"""A prefilter only skips text in which its rule cannot fire: it passes every shape the
rule reports (its INVALID examples, every fixture it fires on, and the shapes below)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qt_lint import kinds
from qt_lint.classify import Target, classify
from qt_lint.config import Config
from qt_lint.context import FileContext
from qt_lint.engine import check_file
from qt_lint.finding import Kind
from qt_lint.registry import all_rules, rule
from qt_lint.rule import Rule, passes
from qt_lint.settings import RunSettings
from qt_lint.source import Text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CONFIG = Config(root=Path("/nonexistent-root"))


def _passes(code: str, path: str, text: str) -> bool:
    r = rule(code)()
    kind = classify(path, text.encode)
    assert kind is not None
    ctx = FileContext(path, path, kind, Text(text), CONFIG, None, "/nonexistent-root/" + path)
    return passes(r.prefilter_for(kind, CONFIG.contract), kinds.of(kind).prefilter_text(ctx))


def _invalid() -> list[tuple[type[Rule], str, str]]:
    return [(r, ex.path or r.example_path, ex.text) for r in all_rules().values()
            for ex in r.INVALID if isinstance(ex.text, str) and not r.engine_reported]


@pytest.mark.parametrize(("r", "path", "text"), _invalid(),
                         ids=lambda v: getattr(v, "code", ""))
def test_every_invalid_example_passes_its_prefilter(r: type[Rule], path: str,
                                                    text: str) -> None:
    if classify(path, text.encode) is None:
        pytest.skip("not a file kind")
    assert _passes(r.code, path, text)


def test_every_fixture_a_rule_fires_on_passes_its_prefilter() -> None:
    settings = RunSettings.build(CONFIG, active=frozenset(all_rules()),
                                 today=dt.date(2026, 11, 26))
    checked = 0
    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file()):
        rel = str(path.relative_to(FIXTURES))
        data = path.read_bytes()
        kind = classify(rel, lambda data=data: data)
        if kind is None:
            continue
        codes = {f.code for f in check_file(Target(rel, str(path), rel, kind), settings,
                                            data=data).findings}
        text = data.decode("utf-8", "replace")
        for code in codes - {"QT001", "QT002", "QT003"}:
            if rule(code)().prefilter_for(kind, CONFIG.contract) is not None:
                checked += 1
                assert _passes(code, rel, text), (code, rel)
    assert checked > 50


# Shapes QT306 reports whose names no needle saw before: an owner's key spelt with other
# separators than "" or "_" (a getter's constant key, a double underscore), and a logger
# named in capitals.
QT306_SHAPES = [
    'logging.info("k %s", cfg.get("api-key"))\n',
    'logging.info("k %s", cfg["exchange.key"])\n',
    'logger.info("k %s", API__KEY)\n',
    'from x import LOG, api_key\nLOG.warning(api_key)\n',
]


# QT305's URL shape, written every way the literal allows: escapes inside the password,
# implicit concatenation across lines and a comment that holds "/" and "@".
QT305_SHAPES = [
    'url = "redis://:hunter2@localhost:6379/0"\n',
    'url = "redis://:hun\\x74er2@localhost:6379/0"\n',
    'url = ("redis://app:"\n       "hunter2@localhost/0")\n',
    'url = ("redis://app:"  # see a/b@c\n       "hunter2@localhost/0")\n',
]


# QT101's os.system and os.exec* calls, every way a call of them is written.
QT101_SHAPES = [
    'import os\nos.system("python3 x.py")\n',
    'import os as o\no. system \\\n  ("python3 x.py")\n',
    'import os\n(os.system  # run it\n   ("python3 x.py"))\n',
    'from os import system as sh\nsh("python3 x.py")\n',
    'from \\\n  os import (\n    execv as ev)\nev("/usr/bin/python3", ["python3", "x.py"])\n',
    'import os\nos.execlp("python3", "python3", "x.py")\n',
]


# QT601's activation calls: where the verb is called, and under an imported alias.
QT601_SHAPES = [
    'if score > best:\n    registry.promote_to_active(m)\n',
    'if score > best:\n    registry.promote_to_active \\\n        (m)\n',
    'if score > best:\n    (registry.promote  # now\n        (m))\n',
    'from reg import (promote_model  # it\n    as go)\nif score > best:\n    go(m)\n',
]


def test_qt601_verb_starting_with_a_wildcard_has_no_needle() -> None:
    from dataclasses import replace

    contract = replace(CONFIG.contract, activation_verbs=("*_live",))
    assert rule("QT601")().prefilter_for(Kind.PYTHON, contract) is None


# QT206's open() of a log path, every way the path's pieces are written: a suffix ending a
# literal or an f-string's text, the word after a "." piece, a folder a join, a `/` or a
# replacement field continues; and `open` with blanks before its parenthesis.
QT206_SHAPES = [
    'f = open ("logs/app.log", "a")\n',
    'import os\nLOG_DIR = "logs"\nf = open(os.path.join(LOG_DIR, "x.txt"), "a")\n',
    'def w(name):\n    return open(f"{name}.log", "a")\n',
    'def w(name):\n    return open(f"{name}.log{\'\'}", "a")\n',
    'NAME = "run"\nf = open(NAME + "." + \'out\', "a")\n',
    'from pathlib import Path\nf = open(Path("log") / "x", "a")\n',
    'SEP = "/"\nf = open(f"logs{SEP}x", "ab")\n',
    "f = open('run.err', mode='a')\n",
    'f = open  \\\n  ("data/logs/" "x.txt", "a+")\n',
]


# QT602's destinations: a folder named with "model" in any case, from the environment,
# beside the file, or a constant.
QT602_SHAPES = [
    'import os, torch\nfrom pathlib import Path\n'
    'torch.save(s, Path(os.environ["MODEL_DIR"]) / "active" / "x.pt")\n',
    'import shutil\nshutil.copy("m.pkl", "/opt/quantum/ai_engine/models/active/m.pkl")\n',
    'from pathlib import Path\nopen(Path(__file__).parent / "Models" / "active" / "x", "w")\n',
    'import shutil\nROOT = "/srv/MODELS"\nshutil.move("a", ROOT + "/active/a")\n',
]


# QT702's modes in every base and spelling Python takes (the docs promise 511); the old
# pattern read only octal without underscores
QT702_SHAPES = [
    'import os\nos.chmod("x", 511)\n',
    'import os\nos.chmod("x", 0x1ff)\n',
    'import os\nos.chmod("x", 0b111111111)\n',
    'from pathlib import Path\nPath("x").chmod(0o7_7_7)\n',
    'import os\nos.makedirs("x", 0o7_77)\n',
    'import os\nM = 438\nos.chmod("x", M)\n',
]


# the file each rule's shapes are checked as (QT601 judges training code, QT306 a service)
SHAPES = [(code, path, text) for code, path, shapes in (
    ("QT306", "backend/x.py", QT306_SHAPES), ("QT305", "backend/x.py", QT305_SHAPES),
    ("QT101", "ops/x.py", QT101_SHAPES), ("QT601", "ops/training/x.py", QT601_SHAPES),
    ("QT206", "backend/x.py", QT206_SHAPES), ("QT602", "ops/training/x.py", QT602_SHAPES),
    ("QT702", "ops/x.py", QT702_SHAPES))
    for text in shapes]


@pytest.mark.parametrize(("code", "path", "text"), SHAPES)
def test_prefilter_passes_every_shape_its_rule_reports(code: str, path: str, text: str) -> None:
    """Each shape is reported by its rule alone, so its prefilter (run first) passed it."""
    settings = RunSettings.build(CONFIG, active=frozenset({code}), today=dt.date(2026, 11, 26))
    target = Target(path, "/nonexistent-root/" + path, path, Kind.PYTHON)
    fired = [f for f in check_file(target, settings, data=text.encode()).findings
             if f.code == code]
    assert fired, "the rule reports this shape"


def _fires_without_prefilter(code: str, path: str, text: str) -> bool:
    """The rule's own check on the text, its prefilter not asked."""
    r = rule(code)()
    ctx = FileContext(path, path, Kind.PYTHON, Text(text), CONFIG, None,
                      "/nonexistent-root/" + path)
    return any(f.code == code for f in r.check(ctx))


# QT206: log paths built every way the resolver follows (literals, f-strings with fields,
# `+`, os.path.join, Path and `/`, a constant), opened for appending with blanks,
# continuations or comments before the parenthesis
_FOLDERS = st.sampled_from(["logs", "log", "data/logs", "var/log", "out", "tmp"])
_NAMES = st.sampled_from(["app", "run", "x"])
_SUFFIXES = st.sampled_from([".log", ".out", ".err", ".txt", ""])
_QUOTES = st.sampled_from(['"', "'"])


@st.composite
def _log_open(draw: st.DrawFn) -> str:
    folder, name, suffix, q = draw(_FOLDERS), draw(_NAMES), draw(_SUFFIXES), draw(_QUOTES)
    form = draw(st.integers(0, 6))
    head = "import os\nfrom pathlib import Path\nNAME = " + q + name + q + "\n"
    if form == 0:
        path = f"{q}{folder}/{name}{suffix}{q}"
    elif form == 1:
        path = f"f{q}{folder}/{{NAME}}{suffix}{q}"
    elif form == 2:
        path = f"{q}{folder}{q} + {q}/{q} + NAME + {q}{suffix}{q}"
    elif form == 3:
        path = f"os.path.join({q}{folder}{q}, NAME + {q}{suffix}{q})"
    elif form == 4:
        path = f"Path({q}{folder}{q}) / (NAME + {q}{suffix}{q})"
    elif form == 5:
        head += f"DIR = {q}{folder}{q}\n"
        path = f"f{q}{{DIR}}/{{NAME}}{suffix}{q}"
    else:
        dot = suffix[:1]
        path = f"NAME + {q}{dot}{q} + {q}{suffix[1:]}{q}" if suffix else f"{q}{folder}/x{q}"
    gap = draw(st.sampled_from(["", " ", "  \\\n  ", "  # c\n   "]))
    mode = draw(st.sampled_from(['"a"', "'a+'", '"ab"', "mode='a'"]))
    return head + f"f = (open{gap}({path}, {mode}))\n"


@settings(max_examples=300, deadline=None)
@given(_log_open())
def test_qt206_prefilter_passes_every_generated_log_open_it_reports(text: str) -> None:
    if _fires_without_prefilter("QT206", "backend/x.py", text):
        assert _passes("QT206", "backend/x.py", text), text


@st.composite
def _active_write(draw: st.DrawFn) -> str:
    q = draw(_QUOTES)
    models = draw(st.sampled_from(["models", "Models", "ai_engine/models", "MODEL_STORE",
                                   "my_model_dir"]))
    form = draw(st.integers(0, 4))
    head = "import os, shutil, torch\nfrom pathlib import Path\n"
    if form == 0:
        dest = f"{q}/opt/quantum/{models}/active/m.pt{q}"
    elif form == 1:
        dest = f"Path({q}/srv/{models}{q}) / {q}active{q} / {q}m.pt{q}"
    elif form == 2:
        dest = f"Path(os.environ[{q}{models.upper()}{q}]) / {q}active{q} / {q}m.pt{q}"
    elif form == 3:
        head += f"ROOT = {q}/srv/{models}{q}\n"
        dest = f"f{q}{{ROOT}}/active/m.pt{q}"
    else:
        dest = f"os.path.join(Path(__file__).parent, {q}{models}{q}, {q}active{q}, {q}m{q})"
    call = draw(st.sampled_from(["torch.save(s, {d})", "shutil.copy(src, {d})",
                                 "open({d}, 'w')", "shutil.move(src, {d})"]))
    return head + call.format(d=dest) + "\n"


@settings(max_examples=300, deadline=None)
@given(_active_write())
def test_qt602_prefilter_passes_every_generated_active_write_it_reports(text: str) -> None:
    if _fires_without_prefilter("QT602", "ops/training/x.py", text):
        assert _passes("QT602", "ops/training/x.py", text), text
