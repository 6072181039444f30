"""The benchmark the project keeps (not a timed test).

    python bench/run.py                  # the shaped tree: qt-lint vs ruff, one file per kind
    python bench/run.py --repo PATH      # also a real repository (a git work tree)
    python bench/run.py --scale 10       # also the tree at 10x: how cost and memory grow
    python bench/run.py --one-file       # only the one-file runs
    python bench/run.py --pre-commit     # also `pre-commit run` on one edited file
    python bench/run.py --one-file --one-file-repo COPY --against VENV
                                         # one file per kind of a real work tree (a copy),
                                         # this install alternated with another one

The tree is generated from `bench/shape.json`, the measured shape of a real repository (its
file mix, sizes, prefilter hit rates and findings; `bench/shape.py`). qt-lint runs from a
regular (non-editable) install in bench/out/venv, as users run it (bytecode compiled). The
yardsticks run on the same tree in the same run, alternating with qt-lint: `ruff check
--select ALL --statistics` (every ruff rule on every Python file, without the cost of
printing millions of findings) and ruff's default rules. For every command: the median
wall time, the median CPU time (user + system of the whole process tree, from the kernel's
accounting, `wait4`: worker processes included), the peak RSS of the largest process
(`ru_maxrss`) and the peak of the whole tree (the sum of the processes' proportional set
sizes, sampled every 10 ms). CPU time is the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
# where qt-lint is installed (another folder: two revisions measured side by side)
VENV = Path(os.environ.get("QT_BENCH_VENV") or OUT / "venv").resolve()
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["CI"] = "1"  # no progress line
Result = dict[str, float]


def sh(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, env=env)


def install() -> None:
    python = VENV / "bin" / "python"
    if not python.exists():
        sh(sys.executable, "-m", "venv", VENV)
        sh(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "ruff",
           "pre-commit")
    sh(python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
       "--force-reinstall", "--no-deps", ROOT, env=ENV)
    sh(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", ROOT, env=ENV)


def tree(scale: int) -> tuple[Path, dict[str, int]]:
    """The shaped tree at this scale, regenerated when the generator or the shape changes."""
    out = OUT / f"tree-{scale}x"
    stamp = out / ".qt-bench-stamp"
    digest = hashlib.sha256((HERE / "generate.py").read_bytes() +
                            (HERE / "shape.json").read_bytes()).hexdigest()
    if stamp.exists() and json.loads(stamp.read_text())["digest"] == digest:
        counts: dict[str, int] = json.loads(stamp.read_text())["counts"]
        return out, counts
    sys.path.insert(0, str(HERE))
    from generate import generate

    counts = generate(out, scale)
    stamp.write_text(json.dumps({"digest": digest, "counts": counts}))
    return out, counts


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """The peak of the sum of a process tree's proportional set sizes, sampled."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo.extend(_children(pid))
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(p) for p in pids))
            self._stop.wait(0.01)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kib


def run_once(args: list[str], cwd: Path) -> Result:
    """Wall and CPU seconds, peak RSS of the largest process and of the tree (MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    sampler = TreeMemory(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    tree_kib = sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024, "tree_mib": tree_kib / 1024}


def summarise(samples: list[Result]) -> Result:
    return {"wall": statistics.median(s["wall"] for s in samples),
            "cpu": statistics.median(s["cpu"] for s in samples),
            "rss_mib": max(s["rss_mib"] for s in samples),
            "tree_mib": max(s["tree_mib"] for s in samples), "runs": len(samples)}


def alternate(commands: dict[str, tuple[list[str], Callable[[], None] | None]], cwd: Path,
              runs: int) -> dict[str, Result]:
    """Each command `runs` times, in turn (A B C A B C ...): a busy machine slows them alike.
    The callable runs before each run of its command, untimed (to empty a cache, say)."""
    samples: dict[str, list[Result]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (args, before) in commands.items():
            if before is not None:
                before()
            samples[name].append(run_once(args, cwd))
    return {name: summarise(s) for name, s in samples.items()}


def tree_run(qt: str, ruff: str, base: Path, runs: int, cache: Path) -> dict[str, Result]:
    """qt-lint cold and warm, against ruff, on one tree."""
    cold = [qt, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "."]
    warm = [qt, "check", "--isolated", "--exit-zero", "--quiet", "."]
    ruff_all = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--select", "ALL",
                "--statistics", "."]
    ruff_default = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--statistics",
                    "."]
    for args in (cold, ruff_all):  # the page cache
        subprocess.run(args, cwd=base, env=ENV, stdout=subprocess.DEVNULL, check=False)
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run(warm, cwd=base, env=ENV, stdout=subprocess.DEVNULL, check=False)
    return alternate({"qt-lint cold": (cold, None), "qt-lint warm": (warm, None),
                      "ruff ALL --statistics": (ruff_all, None),
                      "ruff default": (ruff_default, None)}, base, runs)


def _median_file(base: Path, suffix: str, name: str = "") -> str | None:
    """A file of median size among the tree's files with this suffix (or this name)."""
    found = sorted((p.stat().st_size, str(p.relative_to(base))) for p in base.rglob("*")
                   if p.is_file() and ".git" not in p.parts and
                   (p.name == name if name else p.name.endswith(suffix)))
    return found[len(found) // 2][1] if found else None


ONE_FILE_KINDS = {"python": (".py", ""), "shell": (".sh", ""), "unit": (".service", ""),
                  "env": (".env", ""), "config": (".yaml", ""), "makefile": ("", "Makefile")}


def _median_escalating(base: Path) -> str | None:
    """A script of median size among those that say `sudo` (its cache entry is keyed by
    what runs it: the units, crontabs and scripts that name it)."""
    found = sorted((p.stat().st_size, str(p.relative_to(base))) for p in base.rglob("*.sh")
                   if p.is_file() and ".git" not in p.parts and b"sudo" in p.read_bytes())
    return found[len(found) // 2][1] if found else None


def one_file(qts: dict[str, str], python: str, base: Path, runs: int,
             cache: Path) -> dict[str, Result]:
    """The pre-commit hook's run on one staged file of each kind (`qt-lint check
    --force-exclude FILE`), against the start-up of the same interpreter, alternating
    (python, each install in `qts` by name, ...): with an empty cache, with the cache a
    full run leaves and the file unchanged (a hit), and with that cache and the file just
    edited (the usual case in a commit). Each install has a cache folder of its own."""
    fill = ["check", "--exit-zero", "--quiet", "."]
    for name, qt in qts.items():
        folder = cache.with_name(f"{cache.name}-{name}")
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([qt, *fill], cwd=base, env={**ENV, "QT_LINT_CACHE_DIR": str(folder)},
                       stdout=subprocess.DEVNULL, check=False)
        shutil.rmtree(f"{folder}-full", ignore_errors=True)
        shutil.copytree(folder, f"{folder}-full")
    files = {kind: _median_file(base, suffix, name)
             for kind, (suffix, name) in ONE_FILE_KINDS.items()}
    files["escalating script"] = _median_escalating(base)
    out: dict[str, Result] = {}
    for kind, rel in files.items():
        if rel is None:
            continue
        path = base / rel
        original = path.read_bytes()
        commands: dict[str, tuple[list[str], Callable[[], None] | None]] = {
            f"{kind}: python -c pass": ([python, "-c", "pass"], None)}
        for name, qt in qts.items():
            folder = cache.with_name(f"{cache.name}-{name}")
            label = f" ({name})" if len(qts) > 1 else ""
            hook = [qt, "check", "--force-exclude", "--exit-zero", "--quiet", rel]

            def empty(folder: Path = folder, path: Path = path, original: bytes = original,
                      ) -> None:
                ENV["QT_LINT_CACHE_DIR"] = str(folder)  # this install's (run_once reads ENV)
                shutil.rmtree(folder, ignore_errors=True)
                if path.read_bytes() != original:
                    path.write_bytes(original)

            def restore(folder: Path = folder, path: Path = path,
                        original: bytes = original) -> None:
                empty(folder, path, original)
                shutil.copytree(f"{folder}-full", folder)

            def edited(folder: Path = folder, path: Path = path,
                       original: bytes = original) -> None:
                restore(folder, path, original)
                path.write_bytes(original + f"\n# edit {time.monotonic_ns()}\n".encode())

            commands[f"{kind}: empty cache{label}"] = (hook, empty)
            commands[f"{kind}: full cache{label}"] = (hook, restore)
            commands[f"{kind}: full cache, edited{label}"] = (hook, edited)
        try:
            out.update(alternate(commands, base, runs))
        finally:
            path.write_bytes(original)
    return out


def one_file_table(results: dict[str, Result]) -> str:
    """CPU per one-file run and its ratio to `python -c pass` measured with it."""
    rows = ["| run | CPU ms | vs python -c pass |", "|---|---:|---:|"]
    for name, r in results.items():
        kind = name.split(":", 1)[0]
        base = results[f"{kind}: python -c pass"]["cpu"]
        rows.append(f"| {name} | {r['cpu'] * 1000:.1f} | {r['cpu'] / base:.2f}x |")
    return "\n".join(rows)


def through_pre_commit(qt: str, base: Path, runs: int) -> dict[str, Result]:
    """What a developer waits for: `pre-commit run` on one edited Python file with the
    qt-lint hook, against the same run with a hook that does nothing."""
    pre_commit = VENV / "bin" / "pre-commit"
    rel = _median_file(base, ".py")
    assert rel is not None
    path = base / rel
    original = path.read_bytes()
    commands: dict[str, tuple[list[str], Callable[[], None] | None]] = {}
    edits = iter(range(10**6))

    def edit() -> None:
        path.write_bytes(original + f"\n# edit {next(edits)}\n".encode())

    for name, entry in (("noop", "true"), ("qt-lint", f"{qt} check --force-exclude")):
        config = OUT / f"pre-commit-{name}.yaml"
        config.write_text(
            "repos:\n  - repo: local\n    hooks:\n"
            f"      - {{id: {name}, name: {name}, entry: '{entry}', language: system,\n"
            "         pass_filenames: true, require_serial: true}\n")
        args = [str(pre_commit), "run", "--config", str(config), "--files", rel]
        subprocess.run(args, cwd=base, env=ENV, capture_output=True, check=False)
        commands[f"pre-commit run, {name} hook"] = (args, edit)
    try:
        return alternate(commands, base, runs)
    finally:
        path.write_bytes(original)


def table(results: dict[str, Result], ratio_to: str | None = None) -> str:
    rows = ["| command | wall s | CPU s | largest process MiB | process tree MiB |"
            + (" CPU vs " + ratio_to + " |" if ratio_to else ""),
            "|---|---:|---:|---:|---:|" + ("---:|" if ratio_to else "")]
    for name, r in results.items():
        row = (f"| {name} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss_mib']:.0f} | "
               f"{r['tree_mib']:.0f} |")
        if ratio_to:
            base = results[ratio_to]
            row += f" {r['cpu'] / base['cpu']:.2f}x |" if base["cpu"] else " |"
        rows.append(row)
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repo", type=Path, help="also measure this real repository")
    parser.add_argument("--scale", type=int, default=0, help="also a tree N times larger")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one-file", action="store_true", help="only the one-file runs")
    parser.add_argument("--name", default="results",
                        help="bench/out/NAME.md and .json (and a cache of its own)")
    parser.add_argument("--scale-only", action="store_true",
                        help="with --scale: only the larger tree")
    parser.add_argument("--pre-commit", action="store_true")
    parser.add_argument("--one-file-repo", type=Path,
                        help="the one-file runs on this work tree instead (a copy: each file "
                             "is edited and restored)")
    parser.add_argument("--against", help="a virtualenv with another qt-lint installed: "
                                          "one-file runs alternate the two")
    parser.add_argument("--no-install", action="store_true",
                        help="use the installed copy as it is")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if not args.no_install:
        install()
    qt, ruff, python = (str(VENV / "bin" / n) for n in ("qt-lint", "ruff", "python"))
    cache = OUT / f"cache-{args.name}"
    ENV["QT_LINT_CACHE_DIR"] = str(cache)
    report: dict[str, Any] = {"cpus": os.cpu_count(), "load": os.getloadavg()}
    base, counts = tree(1)
    report["tree"] = counts
    sections: list[str] = []

    def save(title: str, got: dict[str, Result], ratio_to: str | None = None) -> None:
        """Each section as it is measured (a long run that fails keeps what it measured)."""
        sections.append(f"## {title}\n\n" + table(got, ratio_to))
        print(sections[-1] + "\n", flush=True)
        (OUT / f"{args.name}.json").write_text(json.dumps(report, indent=2))
        (OUT / f"{args.name}.md").write_text("\n\n".join(sections) + "\n")
    if args.scale_only:
        big, _ = tree(args.scale)
        got = tree_run(qt, ruff, big, args.runs, cache)
        report[f"scale_{args.scale}"] = got
        save(f"Shaped tree ({args.scale}x)", got, "ruff ALL --statistics")
        return
    if not args.one_file:
        got = tree_run(qt, ruff, base, args.runs, cache)
        report["shaped"] = got
        save("Shaped tree (1x)", got, "ruff ALL --statistics")
        if args.repo:
            got = tree_run(qt, ruff, args.repo.resolve(), args.runs, cache)
            report["repo"] = got
            save(args.repo.name, got, "ruff ALL --statistics")
        if args.scale:
            big, _ = tree(args.scale)
            got = tree_run(qt, ruff, big, max(1, args.runs // 2), cache)
            report[f"scale_{args.scale}"] = got
            save(f"Shaped tree ({args.scale}x)", got, "ruff ALL --statistics")
    qts = {"qt-lint": qt}
    if args.against:  # another install, alternated with this one (before/after a change)
        qts = {"this": qt, "against": str(Path(args.against) / "bin" / "qt-lint")}
    got = one_file(qts, python, args.one_file_repo.resolve() if args.one_file_repo else base,
                   args.runs * 3, cache)
    report["one_file"] = got
    sections.append("## One file (the pre-commit hook)\n\n" + one_file_table(got))
    print(sections[-1] + "\n", flush=True)
    (OUT / f"{args.name}.json").write_text(json.dumps(report, indent=2))
    (OUT / f"{args.name}.md").write_text("\n\n".join(sections) + "\n")
    if args.pre_commit:
        got = through_pre_commit(qt, base, args.runs * 2)
        report["pre_commit"] = got
        save("Through pre-commit", got)


if __name__ == "__main__":
    main()
