"""Constants across modules (issue 25, item 2): a name one module of the repository binds and
another imports resolves to its value there, as CPython binds it; the result cache keys the
importing file by the module; a file checked alone still reads the modules it imports.

The oracle: small generated packages (import styles, relative levels, re-exports through
`__init__.py`, shadowing, rebinding, `global`, cycles, namespace packages, fallbacks) where
the value qt-lint resolves for a name must be what the real interpreter binds (a probe
run in a subprocess from the tree's root); where qt-lint resolves nothing it stays silent,
never a guess."""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from qt_lint.parsers.python import PythonFacts
from qt_lint.pymodel.modules import ModuleIndex

CONFIG = '''from pathlib import Path
PYTHON = "python3"
HOST = "10.0.0.6"
REDIS_HOST = "10.0.0.5"
STATE_DIR = Path("/tmp") / "qt"
CMD = ["python3", "x.py"]
'''
RUN_JOB = '''import subprocess
import redis
from ops.config import PYTHON, HOST, CMD
from .config import PYTHON as P2
import ops.config as cfg
from ops import config


def main():
    subprocess.run([PYTHON, "a.py"])
    subprocess.run([P2, "b.py"])
    subprocess.run([cfg.PYTHON, "c.py"])
    subprocess.run(CMD)
    redis.Redis(host=HOST)
    redis.Redis(host=config.HOST)
    redis.Redis(host=cfg.REDIS_HOST)
'''


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)


def _check(root: Path, *args: str, cache: Path | None = None) -> list[tuple[str, int, int, str]]:
    env = {**os.environ, "QT_LINT_CACHE_DIR": str(cache or root / ".nocache")}
    extra = () if cache is not None else ("--no-cache",)
    proc = subprocess.run([sys.executable, "-m", "qt_lint", "check", "--isolated", *extra,
                           "--format", "json", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((f["path"], f["line"], f["column"], f["code"])
                  for f in json.loads(proc.stdout)["findings"])


def _ops(tmp_path: Path) -> Path:
    _tree(tmp_path, {"ops/__init__.py": "", "ops/config.py": CONFIG, "ops/run_job.py": RUN_JOB})
    return tmp_path


def test_imported_constants_are_judged_at_their_use(tmp_path: Path) -> None:
    root = _ops(tmp_path)
    found = [f for f in _check(root, ".") if f[0] == "ops/run_job.py"]
    # four system pythons (PYTHON three ways, the list CMD), the host `HOST` once (the
    # name does not say Redis, so config.py does not judge it); `REDIS_HOST` is judged
    # where it is written (ops/config.py), not in every file that imports it
    assert found == [("ops/run_job.py", 10, 21, "QT101"), ("ops/run_job.py", 11, 21, "QT101"),
                     ("ops/run_job.py", 12, 21, "QT101"), ("ops/run_job.py", 13, 20, "QT101"),
                     ("ops/run_job.py", 14, 22, "QT503")]
    assert ("ops/config.py", 4, 14, "QT503") in _check(root, ".")


def test_a_file_checked_alone_reads_the_module_it_imports(tmp_path: Path) -> None:
    root = _ops(tmp_path)
    assert [f[1:] for f in _check(root, "ops/run_job.py")] == [
        (10, 21, "QT101"), (11, 21, "QT101"), (12, 21, "QT101"), (13, 20, "QT101"),
        (14, 22, "QT503")]


def test_warm_run_sees_a_change_of_the_imported_module_only(tmp_path: Path) -> None:
    root = _ops(tmp_path)
    cache = tmp_path / ".cache"
    cold = _check(root, "ops/run_job.py", cache=cache)
    assert _check(root, "ops/run_job.py", cache=cache) == cold
    config = root / "ops/config.py"
    config.write_text(CONFIG.replace('PYTHON = "python3"',
                                     'PYTHON = "/opt/quantum/venvs/backend/bin/python"'))
    warm = _check(root, "ops/run_job.py", cache=cache)
    assert warm == _check(root, "ops/run_job.py") == [
        ("ops/run_job.py", 13, 20, "QT101"), ("ops/run_job.py", 14, 22, "QT503")]
    config.unlink()  # the module gone: nothing to resolve, nothing reported from it
    assert _check(root, "ops/run_job.py", cache=cache) == _check(root, "ops/run_job.py") == []


def test_outside_the_repository_and_dynamic_stay_unknown(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "ops/__init__.py": "",
        "ops/run.py": "import subprocess\nfrom thirdparty import PYTHON\n"
                      "from os import sep as PY\nimport importlib\n"
                      "m = importlib.import_module('ops.c')\n"
                      "subprocess.run([PYTHON, 'x'])\nsubprocess.run([PY, 'x'])\n"
                      "subprocess.run([m.PYTHON, 'x'])\n",
        "ops/c.py": "PYTHON = 'python3'\n",
        "thirdparty.txt": "PYTHON = 'python3'\n"})
    assert _check(tmp_path, "ops/run.py") == []


# --- the oracle: what CPython binds ------------------------------------------------------------

def _values(root: Path, module: str, names: list[str]) -> dict[str, str | None]:
    """What qt-lint resolves `module.NAME` to (None: unknown)."""
    index = ModuleIndex(str(root), 1 << 20, PythonFacts)
    ref = index.find(module)
    assert ref is not None and ref.path is not None
    facts = index.facts(ref.path)
    assert facts is not None
    out: dict[str, str | None] = {}
    for name in names:
        value = facts.resolve(ast.Name(id=name, ctx=ast.Load()), facts.module)
        out[name] = value.text if value is not None and value.exact else None
    return out


_PROBE = ("import json, os, sys\nmod = sys.argv[1]\nout = {}\ntry:\n"
          "    m = __import__(mod, fromlist=['x'])\nexcept BaseException as e:\n"
          "    print(json.dumps({'error': type(e).__name__})); raise SystemExit\n"
          "for n in sys.argv[2:]:\n    v = getattr(m, n, None)\n"
          "    out[n] = os.fspath(v) if isinstance(v, (str, os.PathLike)) else None\n"
          "print(json.dumps(out))\n")


def _cpython(root: Path, module: str, names: list[str]) -> dict[str, str | None] | None:
    proc = subprocess.run([sys.executable, "-s", "-c", _PROBE, module, *names], cwd=root,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root),
                               "PYTHONDONTWRITEBYTECODE": "1"})
    data = json.loads(proc.stdout)
    return None if "error" in data else data


def _generate(rng: random.Random) -> tuple[dict[str, str], str, list[str], list[str]]:
    """A small package: its files, the module probed, its names, and the names that must
    resolve (plain constants reached by a plain import)."""
    files: dict[str, str] = {}
    ns = rng.random() < 0.3  # a namespace package (no __init__.py)
    value = rng.choice(["python3", "/usr/bin/python3", "10.0.0.5", "redis://h:1/0"])
    other = value + "-other"
    base_lines = [f"PY = {value!r}", "from pathlib import Path",
                  "DIR = Path('/tmp') / 'qt'", "JOINED = PY + '/x'"]
    rebound = rng.random() < 0.3
    if rebound:
        base_lines.append(rng.choice([f"PY = {other!r}", "def f():\n    global PY\n    PY = 'z'",
                                      "for PY in ['a']:\n    pass",
                                      f"if True:\n    PY = {other!r}"]))
    if rng.random() < 0.2:
        base_lines.append("from pkg.user import *" if rng.random() < 0.5 else "del DIR")
    files["pkg/base.py"] = "\n".join(base_lines) + "\n"
    init = []
    reexport = rng.random() < 0.5
    if reexport:
        init.append(rng.choice(["from .base import PY", "from pkg.base import PY",
                                "from . import base\nPY = base.PY"]))
    if ns:
        if reexport:
            files["pkg/__init__.py"] = ""  # a regular package after all
        else:
            pass
    else:
        files["pkg/__init__.py"] = "\n".join(init) + "\n"
    if not ns or reexport:
        files["pkg/__init__.py"] = "\n".join(init) + "\n"
    style = rng.choice(["abs", "rel", "rel2", "modalias", "frompkg", "init", "chain"])
    importer = ["import os"]
    must: list[str] = []
    if style == "abs":
        importer.append("from pkg.base import PY, DIR, JOINED")
    elif style == "rel":
        importer.append("from .base import PY, DIR, JOINED")
    elif style == "rel2":
        files["pkg/sub/__init__.py"] = ""
        files["pkg/sub/user2.py"] = "from ..base import PY, DIR, JOINED\n"
        importer.append("from .sub.user2 import PY, DIR, JOINED")
    elif style == "modalias":
        importer.append("import pkg.base as b\nPY = b.PY\nDIR = b.DIR\nJOINED = b.JOINED")
    elif style == "frompkg":
        importer.append("from pkg import base\nPY = base.PY\nDIR = base.DIR\n"
                        "JOINED = base.JOINED")
    elif style == "init":
        importer.append("from pkg import PY\nimport pkg.base\nDIR = pkg.base.DIR\n"
                        "JOINED = pkg.base.JOINED")
    else:  # a chain through another module, possibly a cycle back into this one
        files["pkg/mid.py"] = ("from pkg.base import PY, DIR\n" if rng.random() < 0.6 else
                               "from pkg.user import PY, DIR\n")
        importer.append("from pkg.mid import PY, DIR\nJOINED = PY + '/x'")
    if rng.random() < 0.25:
        importer.append(rng.choice([f"PY = {other!r}", "try:\n    from pkg.base import DIR\n"
                                    "except ImportError:\n    DIR = '/var/x'",
                                    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                    "    from pkg.base import JOINED"]))
    if rng.random() < 0.2:
        files["pkg/PY.py"] = ""  # a submodule of the same name
    files["pkg/user.py"] = "\n".join(importer) + "\n"
    if not rebound and style in ("abs", "rel", "modalias", "frompkg") and \
            len(base_lines) == 4 and \
            "pkg/PY.py" not in files and len(importer) == 2:
        must = ["PY", "DIR", "JOINED"]
    return files, "pkg.user", ["PY", "DIR", "JOINED"], must


@pytest.mark.parametrize("seed", range(60))
def test_oracle_cpython_binds_what_is_resolved(tmp_path: Path, seed: int) -> None:
    files, module, names, must = _generate(random.Random(seed))
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    ours = _values(tmp_path, module, names)
    theirs = _cpython(tmp_path, module, names)
    for name in names:
        # resolved: exactly what the interpreter binds (a module that does not import runs
        # nothing, whatever its names would be)
        if ours[name] is not None and theirs is not None:
            assert theirs[name] == ours[name], (files, name, ours)
    for name in must:
        assert ours[name] is not None, (files, name)


def test_oracle_cases_by_hand(tmp_path: Path) -> None:
    """The shapes the generator draws at random, each once."""
    cases: list[tuple[dict[str, str], str | None]] = [
        ({"a/__init__.py": "from .c import X\n", "a/c.py": "X = 'v'\n",
          "a/u.py": "from a import X\n"}, "v"),  # re-export through __init__
        ({"a/c.py": "X = 'v'\n", "a/u.py": "from a.c import X\n"}, "v"),  # namespace package
        ({"a/__init__.py": "", "a/c.py": "X = 'v'\nX = 'w'\n", "a/u.py": "from .c import X\n"},
         None),  # rebound
        ({"a/__init__.py": "", "a/c.py": "X = 'v'\ndef f():\n    global X\n    X = 'w'\n",
          "a/u.py": "from .c import X\n"}, None),  # rebound by a call
        ({"a/__init__.py": "", "a/c.py": "from a.u import X\n", "a/u.py": "from a.c import X\n"},
         None),  # a cycle
        ({"a/__init__.py": "X = 'v'\n", "a/X.py": "", "a/u.py": "from a import X\n"},
         None),  # a submodule of the same name
        ({"a/__init__.py": "", "a/c.py": "try:\n    X = 'v'\nexcept Exception:\n    X = 'w'\n",
          "a/u.py": "from .c import X\n"}, None),  # inside try
        ({"a/__init__.py": "", "a/c.py": "X = 'v'\n",
          "a/u.py": "from .c import X\nX = X + '2'\n"}, None),  # rebound here
        ({"json/__init__.py": "X = 'v'\n", "a/__init__.py": "", "a/u.py": "from json import X\n"},
         None),  # a standard library name: the interpreter's module wins
        ({"c.py": "X = 'v'\n", "a/__init__.py": "", "a/c.py": "X = 'w'\n",
          "a/u.py": "from c import X\n"},
         None),  # `python a/u.py` imports a/c.py, `python -m a.u` c.py: unknown
        ({"c.py": "X = 'v'\n", "a/__init__.py": "", "a/u.py": "from c import X\n"}, "v"),
    ]
    for i, (files, expected) in enumerate(cases):
        root = tmp_path / str(i)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        assert _values(root, "a.u", ["X"])["X"] == expected, files
        if expected is not None:
            assert (_cpython(root, "a.u", ["X"]) or {}).get("X") == expected
