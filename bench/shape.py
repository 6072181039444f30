"""The shape of a repository as qt-lint sees it: statistics only, never its text.

    python bench/shape.py REPO [-o shape.json]      # measure
    python bench/shape.py --compare A.json B.json   # two shapes side by side

What it records, per file kind qt-lint checks: how many files, the distribution of their
sizes (bytes and lines, as percentiles), how often each rule's prefilter passes, which
sets of rules pass together (what decides whether a Python file is parsed at all), and
for each prefilter test the short tokens around its matches (`"success` for a `"su`
needle: what the generator writes so that its tree hits the same needles as often, the
same weak way). Plus the files qt-lint does not check, and the findings per kind and code
of a plain run. `bench/generate.py` builds a tree from such a file; `bench/run.py`
measures both trees.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

QUANTILES = 100  # 101 cut points: 0%, 1%, ..., 100% (the tail decides the cost)
TOP_TOKENS = 12
# tokens are kept for the kinds of code, never for env files or units (values), and only
# when several files share them (identifiers, not anyone's data)
TOKEN_KINDS = frozenset({"python", "shell", "makefile", "crontab"})
# letters only around a match: a word, never a path, an address or a number of the repository
_TOKEN_RE_LEFT = re.compile(r"[A-Za-z_]{0,16}$")
_TOKEN_RE_RIGHT = re.compile(r"[A-Za-z_]{0,16}")


def _quantiles(values: list[int]) -> list[int]:
    if not values:
        return []
    if len(values) == 1:
        return [values[0]] * (QUANTILES + 1)
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=QUANTILES, method="inclusive")
    return [ordered[0], *(round(c) for c in cuts), ordered[-1]]


def _tokens(test: Any, text: str) -> list[str]:
    """The tokens around the first match of each needle of one prefilter test."""
    from qt_lint.rule import AnyOf

    out: list[str] = []
    spans: list[tuple[int, int]] = []
    if isinstance(test, AnyOf):
        haystack = text.lower() if test.ignore_case else text
        for needle in test.needles:
            at = haystack.find(needle)
            if at >= 0:
                spans.append((at, at + len(needle)))
    elif isinstance(test, re.Pattern):
        found = test.search(text)
        if found:
            spans.append(found.span())
    for start, end in spans:
        left = _TOKEN_RE_LEFT.search(text, 0, start)
        right = _TOKEN_RE_RIGHT.match(text, end)
        begin = left.start() if left else start
        finish = right.end() if right else end
        token = text[begin:finish]
        if "\n" not in token and len(token) <= 48:
            out.append(token)
    return out


def measure(repo: Path) -> dict[str, Any]:
    """The shape of `repo` (a git work tree or a folder)."""
    from qt_lint.api import classify_candidates
    from qt_lint.config import Config
    from qt_lint.discover import discover
    from qt_lint.registry import rules_for
    from qt_lint.rule import passes
    from qt_lint.settings import RunSettings
    from qt_lint.source import Unreadable, read_text

    config = Config(root=repo)  # --isolated: the contract's defaults
    settings = RunSettings.build(config)
    targets, _ = classify_candidates(discover([repo], config))
    sizes: dict[str, list[int]] = defaultdict(list)
    lines: dict[str, list[int]] = defaultdict(list)
    hits: dict[str, Counter[str]] = defaultdict(Counter)
    sets: dict[str, Counter[str]] = defaultdict(Counter)
    tokens: dict[str, dict[str, list[Counter[str]]]] = defaultdict(dict)
    for target in targets:
        kind = target.kind.value
        try:
            text = read_text(Path(target.abspath), config.max_file_size,
                             target.kind.value in ("systemd-unit", "env-file")).text
        except Unreadable:
            continue
        sizes[kind].append(len(text.encode("utf-8", "replace")))
        lines[kind].append(text.count("\n"))
        passed = []
        for r in rules_for(target.kind, settings.active):
            prefilter = r.prefilter_for(target.kind, settings.contract)
            if not passes(prefilter, text):
                continue
            passed.append(r.code)
            hits[kind][r.code] += 1
            if prefilter is None or kind not in TOKEN_KINDS:
                continue
            tests = prefilter if isinstance(prefilter, tuple) else (prefilter,)
            slots = tokens[kind].setdefault(r.code, [Counter() for _ in tests])
            for slot, test in zip(slots, tests, strict=True):
                slot.update(_tokens(test, text))
        sets[kind][" ".join(passed)] += 1
    try:
        tracked = len(subprocess.run(["git", "-C", str(repo), "ls-files", "-z"],
                                     capture_output=True, check=True).stdout.split(b"\0")) - 1
    except (OSError, subprocess.CalledProcessError):
        tracked = sum(len(files) for _, _, files in os.walk(repo))
    findings = _findings(repo)
    kinds: dict[str, Any] = {}
    for kind in sorted(sizes):
        count = len(sizes[kind])
        kinds[kind] = {
            "files": count,
            "bytes": _quantiles(sizes[kind]),
            "bytes_total": sum(sizes[kind]),
            "lines": _quantiles(lines[kind]),
            "lines_total": sum(lines[kind]),
            "hit_rate": {code: round(n / count, 4) for code, n in sorted(hits[kind].items())},
            "sets": dict(sets[kind].most_common()),
            "sets_distinct": len(sets[kind]),
            "tokens": {code: [{t: n for t, n in slot.most_common(TOP_TOKENS) if n >= 2}
                              for slot in slots]
                       for code, slots in sorted(tokens[kind].items())},
            "findings": findings.get(kind, {}),
        }
    checked = sum(k["files"] for k in kinds.values())
    return {"tracked_files": tracked, "checked_files": checked,
            "unchecked_files": max(0, tracked - checked), "kinds": kinds}


def _findings(repo: Path) -> dict[str, dict[str, int]]:
    """Findings per kind and code of a plain run (`qt-lint check --isolated`)."""
    from qt_lint.api import check, classify_candidates
    from qt_lint.config import Config
    from qt_lint.discover import discover

    config = Config(root=repo)
    targets, _ = classify_candidates(discover([repo], config))
    kind_of = {t.path: t.kind.value for t in targets}
    run = check([repo], config, jobs=1)
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for f in run.findings:
        out[kind_of.get(f.path, "?")][f.code] += 1
    return {kind: dict(sorted(c.items())) for kind, c in out.items()}


def parse_rate(shape: dict[str, Any], kind: str = "python") -> float:
    """The share of files of `kind` in which some rule's prefilter passes (parsed)."""
    k = shape["kinds"].get(kind)
    if not k:
        return 0.0
    clean: int = k["sets"].get("", 0)
    files: int = k["files"]
    return 1 - clean / files


def compare(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str]) -> str:
    """A Markdown table of two shapes: files, sizes, parse rate and prefilter hit rates."""
    rows = [f"| | {names[0]} | {names[1]} |", "|---|---:|---:|",
            f"| files (tracked) | {a['tracked_files']:,} | {b['tracked_files']:,} |",
            f"| files qt-lint checks | {a['checked_files']:,} | {b['checked_files']:,} |"]
    for kind in sorted(set(a["kinds"]) | set(b["kinds"])):
        ka, kb = a["kinds"].get(kind, {}), b["kinds"].get(kind, {})

        def cell(k: dict[str, Any], field: str) -> str:
            return f"{k[field]:,}" if k else "0"

        def median(k: dict[str, Any]) -> str:
            return f"{k['bytes'][QUANTILES // 2]:,}" if k else "-"

        def top(k: dict[str, Any]) -> str:
            return f"{k['bytes'][-1]:,}" if k else "-"

        rows.append(f"| {kind}: files | {cell(ka, 'files')} | {cell(kb, 'files')} |")
        rows.append(f"| {kind}: bytes (median / largest / total) | {median(ka)} / {top(ka)} / "
                    f"{cell(ka, 'bytes_total')} | {median(kb)} / {top(kb)} / "
                    f"{cell(kb, 'bytes_total')} |")
        fa = sum(ka.get("findings", {}).values()) if ka else 0
        fb = sum(kb.get("findings", {}).values()) if kb else 0
        rows.append(f"| {kind}: findings | {fa:,} | {fb:,} |")
    rows.append(f"| Python files parsed (some prefilter passes) | {parse_rate(a):.0%} | "
                f"{parse_rate(b):.0%} |")
    for kind in ("python", "shell"):
        ra = a["kinds"].get(kind, {}).get("hit_rate", {})
        rb = b["kinds"].get(kind, {}).get("hit_rate", {})
        for code in sorted(set(ra) | set(rb)):
            if ra.get(code, 0) == 1 and rb.get(code, 0) == 1:
                continue  # no prefilter
            rows.append(f"| {kind} {code} prefilter passes | {ra.get(code, 0):.0%} | "
                        f"{rb.get(code, 0):.0%} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        a, b = (json.loads(p.read_text()) for p in args.compare)
        print(compare(a, b, (args.compare[0].stem, args.compare[1].stem)))
        return
    if args.repo is None:
        parser.error("REPO is required")
    shape = measure(args.repo.resolve())
    text = json.dumps(shape, indent=1, sort_keys=True) + "\n"
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
