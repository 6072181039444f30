"""Two revisions of qt-lint on the same tree, alternating: is a change faster, and are its
findings byte-identical?

    python bench/ab.py A B PATH [PATH ...] [--runs 7] [--jobs 1] [-- extra check options]

A and B are git revisions of this repository (`WORK` for the work tree as it is). Each is
exported to bench/out/ab/ and run with the interpreter of the current environment
(`python -m qt_lint check --isolated --no-cache --format json`), A B A B ...; the figures
are medians of the CPU time (user + system of the whole process tree) and the wall time.
On a busy machine compare the CPU time. The JSON outputs of every run must be identical
between A and B, or it says where they differ and exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "ab"


def export(rev: str) -> Path:
    """The package at a revision, in a folder of its own (the work tree: copied)."""
    if rev == "WORK":
        dest = OUT / "WORK"
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(ROOT / "qt_lint", dest / "qt_lint",
                        ignore=shutil.ignore_patterns("__pycache__"))
        return dest
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True,
                         text=True, check=True).stdout.strip()
    dest = OUT / sha[:12]
    if not (dest / "qt_lint").exists():
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tar:
            subprocess.run(["git", "-C", str(ROOT), "archive", sha, "qt_lint"], stdout=tar,
                           check=True)
            tar.seek(0)
            with tarfile.open(fileobj=tar) as archive:
                archive.extractall(dest, filter="data")
    return dest


def run(folder: Path, args: list[str]) -> tuple[float, float, bytes]:
    env = {**os.environ, "PYTHONPATH": str(folder), "CI": "1"}
    start = time.perf_counter()
    # from the export's own folder: `-m` puts the current folder first on the path
    proc = subprocess.Popen([sys.executable, "-m", "qt_lint", *args], env=env, cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    args, extra = parser.parse_known_args()
    folders = {name: export(rev) for name, rev in (("A", args.a), ("B", args.b))}
    check = ["check", "--isolated", "--no-cache", "--exit-zero", "--format", "json",
             "-j", str(args.jobs), *[e for e in extra if e != "--"],
             *(str(Path(p).resolve()) for p in args.paths)]
    walls: dict[str, list[float]] = {"A": [], "B": []}
    cpus: dict[str, list[float]] = {"A": [], "B": []}
    outputs: dict[str, set[bytes]] = {"A": set(), "B": set()}
    for _ in range(args.runs):
        for name, folder in folders.items():
            wall, cpu, out = run(folder, check)
            walls[name].append(wall)
            cpus[name].append(cpu)
            outputs[name].add(out)
    for name in ("A", "B"):
        print(f"{name} {getattr(args, name.lower()):>12}: CPU {statistics.median(cpus[name]):.3f} s"
              f"  wall {statistics.median(walls[name]):.3f} s  (medians of {args.runs})")
    ratio = statistics.median(cpus["B"]) / statistics.median(cpus["A"])
    print(f"B/A CPU {ratio:.3f} ({(1 - ratio) * 100:+.1f}% saved)")
    if outputs["A"] != outputs["B"] or len(outputs["A"]) != 1:
        a, b = sorted(outputs["A"])[0].splitlines(), sorted(outputs["B"])[0].splitlines()
        diff = [f"A: {x!r}\nB: {y!r}" for x, y in zip(a, b, strict=False) if x != y][:5]
        print("OUTPUTS DIFFER\n" + "\n".join(diff) + f"\n({len(a)} vs {len(b)} lines)")
        raise SystemExit(1)
    print("outputs identical")


if __name__ == "__main__":
    main()
