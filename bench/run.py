"""The benchmark the project keeps (not a timed test).

    python bench/run.py            # 15,000-file tree: qt-lint vs ruff, and pre-commit runs
    python bench/run.py --scale    # also 2x and 4x trees: how cost grows
    python bench/run.py --one-file # only the pre-commit runs on one file

qt-lint runs from a regular (non-editable) install in bench/out/venv, as users run it
(bytecode compiled, `PYTHONDONTWRITEBYTECODE` unset). Each figure is the median of
several runs; CPU time and peak RSS come from the kernel's accounting of the whole process
tree (`wait4`). The yardstick, `ruff check --select ALL --no-cache`, runs on the same tree
in the same run.
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
VENV = OUT / "venv"
ONE_FILE = {"shell": "ops/scripts/s1/job_1.sh", "unit": "systemd/group0/quantum-backend.service",
            "python": "services/pkg0/mod_0.py"}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sh(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, env=env)


def install() -> None:
    python = VENV / "bin" / "python"
    if not python.exists():
        sh(sys.executable, "-m", "venv", VENV)
        sh(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "ruff",
           "pre-commit")
    sh(python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
       "--force-reinstall", ROOT, env=ENV)


def tree(scale: int) -> tuple[Path, dict[str, int]]:
    """The synthetic tree at this scale, regenerated when the generator changes."""
    out = OUT / f"tree-{scale}x"
    stamp = out / ".qt-bench-stamp"
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()
    if stamp.exists() and json.loads(stamp.read_text())["digest"] == digest:
        return out, json.loads(stamp.read_text())["counts"]
    sys.path.insert(0, str(HERE))
    from generate import generate

    counts = generate(out, scale)
    stamp.write_text(json.dumps({"digest": digest, "counts": counts}))
    return out, counts


def measure(args: list[str], cwd: Path, runs: int) -> dict[str, float]:
    """Median wall seconds, CPU seconds and peak RSS (MiB) of a command's process tree."""
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss.append(usage.ru_maxrss / 1024)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "rss_mib": max(rss)}


# What a check of one shell file cannot do without: the interpreter, the standard modules
# the code base is built on (dataclasses for findings, pathlib, typing, tomllib for the
# configuration, hashlib and marshal for the cache) and tree-sitter with the bash grammar.
FLOOR = """
import re, os, enum, pathlib, dataclasses, typing, tomllib, hashlib, marshal, datetime
import importlib.machinery, importlib.util
import tree_sitter
spec = importlib.util.find_spec("tree_sitter_bash")
folder = spec.submodule_search_locations[0]
name = next(n for n in os.listdir(folder) if n.startswith("_binding."))
loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding",
                                                 os.path.join(folder, name))
module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(module)
tree_sitter.Parser(tree_sitter.Language(module.language())).parse(b"echo hi")
"""


def one_file(qt: str, python: str, base: Path, runs: int) -> dict[str, float]:
    """What pre-commit runs for one staged file (the hook's entry), against the start-up
    of the same interpreter: with the file unchanged since the last run (its result
    cached) and with it just edited (analysed), the usual case in a commit."""
    # the cache as a full run with the same configuration leaves it (CI, or a developer)
    subprocess.run([qt, "check", "."], cwd=base, env=ENV, stdout=subprocess.DEVNULL,
                   check=False)
    startup = measure([python, "-c", "pass"], base, runs)["wall"]
    floor = measure([python, "-c", FLOOR], base, runs)["wall"]
    out = {"startup": startup, "floor": floor}
    print(f"python -c pass      : {startup * 1000:.0f} ms")
    print(f"import floor        : {floor * 1000:.0f} ms = {floor / startup:.1f}x python start-up "
          "(the standard and native modules a shell check imports, no qt-lint code)")
    hook = [qt, "check", "--force-exclude"]
    for kind, rel in ONE_FILE.items():
        path = base / rel
        original = path.read_bytes()
        subprocess.run([*hook, rel], cwd=base, env=ENV, stdout=subprocess.DEVNULL, check=False)
        unchanged = measure([*hook, rel], base, runs)["wall"]
        edited = []
        try:
            for n in range(runs):
                path.write_bytes(original + f"# edit {n}\n".encode())
                edited.append(measure([*hook, rel], base, 1)["wall"])
        finally:
            path.write_bytes(original)
        changed = statistics.median(edited)
        out[f"one_{kind}"], out[f"one_{kind}_changed"] = unchanged, changed
        print(f"one {kind:<6} file     : unchanged {unchanged * 1000:.0f} ms = "
              f"{unchanged / startup:.1f}x, edited {changed * 1000:.0f} ms = "
              f"{changed / startup:.1f}x python start-up")
    out.update(through_pre_commit(hook, base, runs))
    return out


def through_pre_commit(hook: list[str], base: Path, runs: int) -> dict[str, float]:
    """What a developer waits for: `pre-commit run` on one edited shell file with the
    qt-lint hook, against the same run with a hook that does nothing."""
    pre_commit = VENV / "bin" / "pre-commit"
    if not pre_commit.exists():
        sh(VENV / "bin" / "python", "-m", "pip", "install", "-q",
           "--disable-pip-version-check", "pre-commit")
    out = {}
    rel = ONE_FILE["shell"]
    path = base / rel
    original = path.read_bytes()
    for name, entry in (("noop", "true"), ("qt-lint", " ".join(hook))):
        config = OUT / f"pre-commit-{name}.yaml"
        config.write_text(
            "repos:\n  - repo: local\n    hooks:\n"
            f"      - {{id: {name}, name: {name}, entry: '{entry}', language: system,\n"
            "         pass_filenames: true, require_serial: true}\n")
        args = [str(pre_commit), "run", "--config", str(config), "--files", rel]
        warm = subprocess.run(args, cwd=base, env=ENV, capture_output=True, text=True,
                              check=False)
        if "Passed" not in warm.stdout and "Failed" not in warm.stdout:
            raise SystemExit(f"pre-commit did not run the {name} hook:\n{warm.stdout}")
        walls = []
        try:
            for n in range(runs):
                path.write_bytes(original + f"# edit {n}\n".encode())
                walls.append(measure(args, base, 1)["wall"])
        finally:
            path.write_bytes(original)
        out[f"pre_commit_{name}"] = statistics.median(walls)
    print(f"pre-commit, one file: {out['pre_commit_qt-lint'] * 1000:.0f} ms with the qt-lint "
          f"hook, {out['pre_commit_noop'] * 1000:.0f} ms with a hook that does nothing")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="also measure 2x and 4x trees")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one-file", action="store_true",
                        help="only the pre-commit runs on one file (no tree-wide checks)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    install()
    qt = str(VENV / "bin" / "qt-lint")
    ruff = str(VENV / "bin" / "ruff")
    python = str(VENV / "bin" / "python")
    results: dict[str, object] = {"cpus": os.cpu_count()}

    base, counts = tree(1)
    if args.one_file:
        ENV["QT_LINT_CACHE_DIR"] = str(OUT / "cache")
        results.update(one_file(qt, python, base, runs=25))
        (OUT / "one-file.json").write_text(json.dumps(results, indent=2))
        return
    checked_files = sum(counts[k] for k in ("python", "shell", "units", "env", "makefile"))
    lines = counts["python_lines"] + counts["shell_lines"]
    subprocess.run([qt, "check", "--isolated", "--no-cache", "."], cwd=base, env=ENV,
                   stdout=subprocess.DEVNULL, check=False)  # warm the page cache
    cold = measure([qt, "check", "--isolated", "--no-cache", "."], base, args.runs)
    ENV["QT_LINT_CACHE_DIR"] = str(OUT / "cache")
    shutil.rmtree(OUT / "cache", ignore_errors=True)
    subprocess.run([qt, "check", "--isolated", "."], cwd=base, env=ENV,
                   stdout=subprocess.DEVNULL, check=False)  # fill the result cache
    warm = measure([qt, "check", "--isolated", "."], base, args.runs)
    changed = base / "services" / "pkg0" / "mod_0.py"
    original = changed.read_text()
    one_change = []
    for n in range(args.runs):
        changed.write_text(original + f"\nCHANGED_{n} = {n}\n")
        one_change.append(measure([qt, "check", "--isolated", "."], base, 1)["wall"])
    changed.write_text(original)
    results["warm"] = warm
    results["one_changed"] = statistics.median(one_change)
    yard = measure([ruff, "check", "--select", "ALL", "--no-cache", "--isolated",
                    "--exit-zero", "--quiet", "."], base, args.runs)
    files = sum(counts[k] for k in counts if "lines" not in k)
    results["tree"] = {**counts, "files": files}
    results["cold"] = cold
    results["ruff"] = yard
    print(f"tree: {files:,} files; qt-lint checks {checked_files:,} of them "
          f"({counts['python_lines']:,} Python and {counts['shell_lines']:,} shell lines)")
    print(f"qt-lint check, cold : {cold['wall']:.2f} s wall, {cold['cpu']:.2f} s CPU, "
          f"peak RSS {cold['rss_mib']:.0f} MiB, {checked_files / cold['wall']:,.0f} files/s, "
          f"{lines / cold['wall']:,.0f} lines/s")
    print(f"qt-lint check, warm : {warm['wall']:.2f} s wall, {warm['cpu']:.2f} s CPU "
          f"= {warm['wall'] / cold['wall']:.2f}x cold; one file changed: "
          f"{results['one_changed']:.2f} s")
    print(f"ruff --select ALL   : {yard['wall']:.2f} s wall, {yard['cpu']:.2f} s CPU")
    print(f"ratio qt-lint/ruff  : {cold['wall'] / yard['wall']:.2f}x")

    results.update(one_file(qt, python, base, runs=25))

    if args.scale:
        scaled = {1: cold["wall"]}
        for scale in (2, 4):
            bigger, _ = tree(scale)
            subprocess.run([qt, "check", "--isolated", "--no-cache", "."], cwd=bigger, env=ENV,
                           stdout=subprocess.DEVNULL, check=False)
            scaled[scale] = measure([qt, "check", "--isolated", "--no-cache", "."], bigger,
                                    args.runs)["wall"]
        results["scale"] = scaled
        for scale, wall in scaled.items():
            print(f"{scale}x tree           : {wall:.2f} s wall = "
                  f"{wall / scaled[1]:.2f}x the 1x tree")
    (OUT / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
