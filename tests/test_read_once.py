"""On a cache miss a file is read once: the bytes the cache hashed are the ones analysed."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from qt_lint import api, source
from qt_lint.cache import ResultCache
from qt_lint.config import Config
from qt_lint.settings import RunSettings

SCRIPT = 'import subprocess\nsubprocess.run(["python3", "x.py"])\n'


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each path is read through `source.read_bounded` from now on."""
    reads: Counter[str] = Counter()
    real = source.read_bounded

    def counting(path: str | Path, limit: int, **kwargs: str) -> bytes:
        reads[os.fspath(path)] += 1
        return real(path, limit, **kwargs)

    monkeypatch.setattr(source, "read_bounded", counting)
    return reads


def _checker(tmp_path: Path, settings: RunSettings, target: Path) -> Callable[[], list[str]]:
    """A cached check of `target` alone, as a pre-commit run makes it: the codes found."""
    def run() -> list[str]:
        cache = ResultCache(tmp_path / "cache", settings)
        result = api.check([target], settings, cache=cache, jobs=1)
        return [f.code for f in result.findings]
    return run


def test_a_changed_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    target = root / "job.py"
    target.write_text(SCRIPT)
    settings = RunSettings.build(Config(root=root))
    reads = _count_reads(monkeypatch)
    monkeypatch.chdir(root)
    run = _checker(tmp_path, settings, target)

    first = run()
    assert "QT101" in first
    assert reads[str(target)] == 1  # not cached yet: read once, hashed and analysed
    reads.clear()
    target.write_text(SCRIPT + "# changed\n")  # a changed file: a miss
    assert run() == first
    assert reads[str(target)] == 1
    reads.clear()
    os.utime(target, ns=(1, 1))  # same content, new stat: hashed, not analysed
    assert run() == first
    assert reads[str(target)] == 1
    reads.clear()
    assert run() == first  # unchanged stat: not read at all
    assert reads[str(target)] == 0


@pytest.mark.parametrize("script", [
    "#!/bin/bash\nsudo systemctl restart quantum-backend\n",  # escalates: QT701 asks what runs it
    "#!/bin/bash\ncd ops && python3 x.py\n",  # does not: depends on nothing else
])
def test_a_changed_shell_script_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             script: str) -> None:
    """The escalation check that keys a script's cache entry (its `sudo` words) looks at
    the bytes the cache hashed, not at a second read of the file."""
    root = tmp_path / "repo"
    root.mkdir()
    target = root / "job.sh"
    target.write_text(script)
    (root / "systemd").mkdir()
    (root / "systemd" / "quantum-x.service").write_text(
        "[Service]\nExecStart=/home/qt/quantum_trader/job.sh\n")  # a service runs it
    settings = RunSettings.build(Config(root=root))
    reads = _count_reads(monkeypatch)
    monkeypatch.chdir(root)
    run = _checker(tmp_path, settings, target)

    first = run()
    assert first == (["QT701"] if "sudo" in script else ["QT104", "QT101"])
    # a script that escalates is also read once as one of the repository's service scripts,
    # for what it runs in turn (`Project.service_scripts`, once per run): not as itself
    expected = 2 if "sudo" in script else 1
    assert reads[str(target)] == expected  # not cached yet
    reads.clear()
    target.write_text(script + "# changed\n")  # a changed file: a miss
    assert run() == first
    assert reads[str(target)] == expected
    reads.clear()
    os.utime(target, ns=(1, 1))  # same content, new stat: hashed, not analysed
    assert run() == first
    assert reads[str(target)] == expected


def test_workers_analyse_the_bytes_the_cache_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A run large enough for worker processes gets the same findings from the bytes the
    cache read as a run without the cache."""
    root = tmp_path / "repo"
    root.mkdir()
    files = [root / f"job{i}.py" for i in range(api.PARALLEL_THRESHOLD + 4)]
    for path in files:
        path.write_text(SCRIPT)
    settings = RunSettings.build(Config(root=root))
    monkeypatch.chdir(root)
    cache_dir = tmp_path / "cache"
    api.check([root], settings, cache=ResultCache(cache_dir, settings), jobs=2)
    for i, path in enumerate(files):
        path.write_text(SCRIPT + "\n" * (i + 1))  # each changed: a miss, hashed by the cache
    cached = api.check([root], settings, cache=ResultCache(cache_dir, settings), jobs=2)
    plain = api.check([root], settings, jobs=2)
    assert cached.analysed == len(files)
    assert [(f.path, f.line, f.code) for f in cached.findings] == \
        [(f.path, f.line, f.code) for f in plain.findings]
    assert len(plain.findings) >= len(files)


def test_a_cold_run_holds_a_bounded_amount(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `MAX_HELD` bytes the analysis reads a file itself: a cold run over a large tree
    does not keep every file in memory; the findings are the same."""
    root = tmp_path / "repo"
    root.mkdir()
    for i in range(4):
        (root / f"job{i}.py").write_text(SCRIPT)
    settings = RunSettings.build(Config(root=root))
    monkeypatch.chdir(root)
    monkeypatch.setattr(api, "MAX_HELD", len(SCRIPT) * 2)
    reads: Counter[str] = Counter()
    real = source.read_bounded

    def counting(path: str | Path, limit: int, **kwargs: str) -> bytes:
        reads[os.path.basename(path)] += 1
        return real(path, limit, **kwargs)

    monkeypatch.setattr(source, "read_bounded", counting)
    result = api.check([root], settings, cache=ResultCache(tmp_path / "cache", settings),
                       jobs=1)
    assert sorted(n for name, n in reads.items() if name.startswith("job")) == [1, 1, 2, 2]
    assert [f.path for f in result.findings] == [f"job{i}.py" for i in range(4)]
