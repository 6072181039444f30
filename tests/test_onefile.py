"""Issue 27 items 7 and 8: the one-file pre-commit run reads and writes only the cache it
needs, learns what runs a script from a memo, and imports only what its path needs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qt_lint import api, project, source
from qt_lint.cache import ResultCache
from qt_lint.config import Config
from qt_lint.settings import RunSettings

ROOT = Path(__file__).resolve().parent.parent


def _tree(root: Path, files: int = 60) -> None:
    for i in range(files):
        (root / f"job{i}.sh").write_text(f"#!/bin/sh\npython3 ops/x{i}.py\ncd data{i}\n")
    (root / "quantum-x.service").write_text(
        "[Unit]\nDescription=x\n[Service]\nUser=root\nExecStart=/usr/bin/python3 x.py\n")


def _cached(root: Path, cache_dir: Path, *paths: Path) -> api.CheckRun:
    settings = RunSettings.build(Config(root=root))
    return api.check(list(paths) or [root], settings, jobs=1,
                     cache=ResultCache(cache_dir, settings))


def test_one_file_run_reads_and_writes_only_its_own_entry(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A full cache of 61 files; one edited file is checked as the hook checks it: the
    cache bytes read and written are that file's entry, not the whole repository's."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _tree(root)
    _cached(root, cache_dir)
    before = {p: p.stat().st_mtime_ns for p in cache_dir.rglob("*")}
    whole = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())
    read: dict[str, int] = {}
    real = source.read_bounded

    def counting(path: str | Path, limit: int, **kw: str) -> bytes:
        data = real(path, limit, **kw)
        if str(path).startswith(str(cache_dir)):
            read[str(path)] = read.get(str(path), 0) + len(data)
        return data

    monkeypatch.setattr(source, "read_bounded", counting)
    target = root / "job7.sh"
    time.sleep(0.01)
    target.write_text(target.read_text() + "python3 more.py\n")
    got = _cached(root, cache_dir, target)
    assert got.analysed == 1 and [f.line for f in got.findings if f.code == "QT101"] == [2, 4]
    changed = [p for p in cache_dir.rglob("*") if p.is_file()
               and before.get(p) != p.stat().st_mtime_ns]
    assert len(read) == 1 and sum(read.values()) < whole / 20, (read, whole)
    assert len(changed) == 1 and changed[0].stat().st_size < whole / 20
    # and a hit reads that entry only, writes nothing
    read.clear()
    assert _cached(root, cache_dir, target).analysed == 0
    assert len(read) == 1


def test_after_a_full_run_a_unit_is_checked_without_reading_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full run (enough files to build the start order up front) leaves the units' memo:
    the hook's run on one edited unit then reads that unit alone, not every unit."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _tree(root)
    for i in range(8):
        (root / f"quantum-u{i}.service").write_text(
            f"[Unit]\nDescription=u{i}\nAfter=quantum-x.service\n[Service]\nUser=qt\n"
            "ExecStart=/opt/quantum/venvs/backend/bin/python x.py\n")
    assert _cached(root, cache_dir).analysed > 48
    reads: list[str] = []
    real = project.FileSource.read

    def counting(self: project.FileSource, path: str) -> str | None:
        reads.append(os.path.basename(path))
        return real(self, path)

    monkeypatch.setattr(project.FileSource, "read", counting)
    unit = root / "quantum-u3.service"
    unit.write_text(unit.read_text().replace("User=qt", "User=root"))
    got = _cached(root, cache_dir, unit)
    assert "QT402" in {f.code for f in got.findings}
    assert set(reads) <= {"quantum-u3.service"}, reads


def test_a_full_runs_entries_serve_the_hook_on_a_unit(tmp_path: Path) -> None:
    """A `.conf` outside any drop-in folder that reads as a unit (its first section) is
    checked by a full run, but is no unit of the start order: it no longer enters the
    units' digest of a full run only, so the hook's run on a unit afterwards is a hit."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _tree(root, 2)
    (root / "10-override.conf").write_text("[Service]\nUser=qt\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    settings = RunSettings.build(Config(root=root))
    full = api.check([root], settings, jobs=1, cache=ResultCache(cache_dir, settings))
    assert "10-override.conf" in full.relpaths.values()
    one = api.check([root / "quantum-x.service"], settings, jobs=1,
                    cache=ResultCache(cache_dir, settings))
    assert one.analysed == 0
    assert one.findings == api.check([root / "quantum-x.service"], settings, jobs=1).findings


def test_two_hooks_at_once_keep_both_entries(tmp_path: Path) -> None:
    """Concurrent one-file runs sharing the cache folder: every run's entry survives (no
    index that one rewrites over the other's), none is torn."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _tree(root, 12)
    env = {**os.environ, "QT_LINT_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "qt_lint", "check", "--isolated",
                               "--quiet", f"job{i}.sh"], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(12)]
    for proc in procs:
        assert proc.wait() == 1, proc.stderr.read() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
    settings = RunSettings.build(Config(root=root))
    cache = ResultCache(cache_dir, settings)
    assert all(cache.entry(f"job{i}.sh") is not None for i in range(12))
    got = api.check([root / f"job{i}.sh" for i in range(12)], settings, jobs=1, cache=cache)
    assert got.analysed == 0


def test_a_warm_run_reads_no_other_script_to_learn_what_runs_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An escalating script's entry is keyed by what runs it (a unit -> a script -> it);
    once known, the chain is memoised by stat: an edit of the script alone reads no unit and
    no other script, and an edit of the link in the chain is seen."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    (root / "scripts").mkdir(parents=True)
    (root / "quantum-x.service").write_text(
        "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/bash scripts/start.sh\n")
    start = root / "scripts" / "start.sh"
    start.write_text("#!/bin/bash\nbash scripts/fix.sh\n")
    fix = root / "scripts" / "fix.sh"
    fix.write_text("#!/bin/bash\nsudo systemctl restart x\n")
    first = _cached(root, cache_dir, fix)
    assert "QT701" in {f.code for f in first.findings}
    reads: list[str] = []
    real = project.FileSource.read

    def counting(self: project.FileSource, path: str) -> str | None:
        reads.append(os.path.relpath(path, root))
        return real(self, path)

    monkeypatch.setattr(project.FileSource, "read", counting)
    fix.write_text("#!/bin/bash\nsudo systemctl restart x\necho done\n")
    again = _cached(root, cache_dir, fix)
    assert again.analysed == 1 and "QT701" in {f.code for f in again.findings}
    assert "scripts/start.sh" not in reads and "quantum-x.service" not in reads, reads
    start.write_text("#!/bin/bash\necho nothing else\n")  # no longer runs fix.sh
    fix.write_text("#!/bin/bash\nsudo systemctl restart x\necho done again\n")
    assert "QT701" not in {f.code for f in _cached(root, cache_dir, fix).findings}


def test_what_no_run_used_for_a_week_is_pruned(tmp_path: Path) -> None:
    """The cache stays bounded: another configuration's or day's folder (and an index of
    the older format) unused for a week is removed when a run marks its own folder used."""
    root, cache_dir = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    _tree(root, 2)
    _cached(root, cache_dir)
    current = next(p for p in cache_dir.iterdir() if p.is_dir())
    old_folder = cache_dir / ("0" * 32)
    old_folder.mkdir()
    (old_folder / ("1" * 32)).write_bytes(b"x")
    old_index = cache_dir / ("2" * 32 + ".index")
    old_index.write_bytes(b"x")
    recent = cache_dir / ("3" * 32)
    recent.mkdir()
    week = time.time() - 8 * 24 * 3600
    for path in (old_folder, old_index):
        os.utime(path, (week, week))
    hours = time.time() - 2 * 3600
    os.utime(current / "used", (hours, hours))
    (root / "job0.sh").write_text("#!/bin/sh\npython3 changed.py\n")
    _cached(root, cache_dir)
    assert current.exists() and recent.exists()
    assert not old_folder.exists() and not old_index.exists()
    assert time.time() - (current / "used").stat().st_mtime < 600  # marked used
    # a week later, unused, it goes too
    os.utime(current / "used", (week, week))
    newer = cache_dir / ("4" * 32)
    newer.mkdir()
    (newer / "used").write_bytes(b"")
    os.utime(newer / "used", (hours, hours))
    other = RunSettings.build(Config(root=root, max_line_length=99))
    api.check([root], other, jobs=1, cache=ResultCache(cache_dir, other))
    assert not current.exists()


# what a one-file run never needs (a unit in a repository configured by defaults): the CLI
# framework, the parsers of other kinds, the TOML parser, worker pools, a temp-file module
NOT_IMPORTED = ("click", "libcst", "tree_sitter", "tree_sitter_bash", "yaml", "pathspec",
                "tomllib", "tomli", "json", "tempfile", "shutil", "multiprocessing",
                "concurrent.futures", "pkgutil", "argparse", "qt_lint.cli", "subprocess",
                "qt_lint.pymodel", "qt_lint.parsers.shell")
# and with the file's entry in the cache: the data classes' module (which imports inspect,
# ast, dis and tokenize; qt_lint.record builds the start-up path's classes without it),
# typing, and hashlib (OpenSSL: qt_lint.sha hashes the few kilobytes of a hit)
NOT_IMPORTED_ON_A_HIT = ("dataclasses", "inspect", "ast", "dis", "tokenize", "typing",
                         "hashlib", "_hashlib")
# and when the file is analysed (a miss): the parsers' and rules' data classes are records
# too, typing is for the type checker only (tree-sitter imports it for a script), and a
# Python file whose prefilters see nothing is not parsed, nor is the parser imported
NOT_IMPORTED_ON_A_MISS = ("dataclasses", "inspect", "dis", "tokenize")
NOT_PARSING_PYTHON = (*NOT_IMPORTED_ON_A_MISS, "typing", "qt_lint.parsers.python")
# module-level patterns are compiled when first used (`qt_lint.lazyre`): of the ~130 the
# imported modules define, a one-file run compiles the few its file meets
MAX_COMPILED = 12


def test_a_one_file_run_imports_only_what_its_path_needs(tmp_path: Path) -> None:
    """`qt-lint check FILE` as the hook runs it, empty cache then full: the modules above
    are not imported (names, not timings: the same on Python 3.10-3.13), and few of the
    module-level patterns are compiled."""
    root = tmp_path / "repo"
    (root / "lib").mkdir(parents=True)
    _tree(root, 2)
    (root / "esc.sh").write_text("#!/bin/sh\nsudo python3 x.py\n")  # keyed by what runs it
    (root / "app.env").write_text("LOG_LEVEL=info\nREDIS_HOST=localhost\n")
    (root / "lib" / "__init__.py").write_text("")
    (root / "lib" / "names.py").write_text('NAME = "worker"\nTIMEOUT = 5\n')
    # imports a repository module (its values are read for the prefilters), runs nothing
    (root / "job.py").write_text("from lib.names import NAME, TIMEOUT\n\n\n"
                                 "def label() -> str:\n    return f'{NAME}:{TIMEOUT}'\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    # what the interpreter's own start-up imported (a site hook, a .pth file) is not ours
    env = {**os.environ, "QT_LINT_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    for name, cache, unwanted, status in (
            ("quantum-x.service", "empty",
             (*NOT_IMPORTED, *NOT_IMPORTED_ON_A_MISS, "typing", "ast"), 1),
            ("quantum-x.service", "full", NOT_IMPORTED + NOT_IMPORTED_ON_A_HIT, 1),
            ("job0.sh", "empty", (*NOT_IMPORTED_ON_A_MISS, "ast"), 1),
            ("job0.sh", "full", NOT_IMPORTED_ON_A_HIT, 1),
            ("esc.sh", "empty", NOT_IMPORTED_ON_A_MISS, 1),
            ("esc.sh", "full", (*NOT_IMPORTED_ON_A_HIT, "qt_lint.parsers.systemd"), 1),
            ("app.env", "empty", (*NOT_IMPORTED_ON_A_MISS, "typing", "ast"), 1),
            ("job.py", "empty", NOT_PARSING_PYTHON, 0),
            ("job.py", "full", NOT_IMPORTED_ON_A_HIT, 0)):
        probe = ("import sys\nstarted = set(sys.modules)\nfrom qt_lint.main import main\n"
                 f"code = main(['check', '--force-exclude', {name!r}])\n"
                 f"print(sorted(m for m in {unwanted!r} if m in sys.modules"
                 " and m not in started))\n"
                 "import gc\nfrom qt_lint.lazyre import LazyPattern\n"
                 "lazy = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]\n"
                 "print(len(lazy), sum(o._compiled is not None for o in lazy))\n"
                 f"sys.exit(0 if code == {status} else 3)\n")
        proc = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        *_, modules, patterns = proc.stdout.strip().splitlines()
        assert modules == "[]", (name, cache, proc.stdout)
        defined, compiled = map(int, patterns.split())
        assert compiled <= MAX_COMPILED and (cache == "full" or defined > 30), \
            (name, cache, defined, compiled)


def test_every_dataclass_says_what_it_is() -> None:
    """A dataclass without a docstring gets one built by `inspect.signature` when its
    module is imported (Python 3.10-3.13): 12 such classes cost a one-file run on a unit
    about a tenth of its imports. Each says what it is instead."""
    import ast

    missing = []
    for path in sorted((ROOT / "qt_lint").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and ast.get_docstring(node) is None and any(
                    "dataclass" in ast.unparse(d) or "record" in ast.unparse(d)
                    for d in node.decorator_list):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []
