"""A deterministic synthetic repository shaped like a measured one (`bench/shape.json`).

    python bench/generate.py OUT [--scale N] [--seed S] [--shape bench/shape.json]

The shape (`bench/shape.py`) is statistics of a real repository, never its text: how many
files of each kind, the distribution of their sizes, which sets of rules' prefilters pass
together in one file (what decides whether a Python file is parsed, and which rules' checks
run), the short tokens around the prefilters' matches, and the findings per kind and code.
This generator draws each file's size and passing set from those distributions, writes
the passing set's tokens as comments (as weakly as the real hits: `"success` for QT701's
`"su`), fills the file to its size with neutral code of the kind (functions, classes,
loops; no rule's needle), and plants the rules' own INVALID examples where the real
repository has findings. At scale N every count is N times larger. The same seed always
gives the same tree; `bench/shape.py OUT` measures the result for comparison.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import json
import random
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHAPE = HERE / "shape.json"
AREAS = ["backend", "ai_engine", "microservices", "ops", "scripts", "tests", "tools",
         "services", "training", "deploy"]

PY_HEADER = '''"""{title}."""
from __future__ import annotations

import asyncio
import math

import numpy as np

LOGGER_NAME = __name__
'''
PY_BLOCKS = [
    '''def {name}(frame: "pd.DataFrame", window: int = {n}) -> "pd.DataFrame":
    """Rolling features over {n} bars."""
    out = frame.copy()
    out["ret_{n}"] = out["close"].pct_change({n})
    out["vol_{n}"] = out["ret_{n}"].rolling(window).std()
    for column in ("high", "low", "close"):
        out[f"{{column}}_z"] = (out[column] - out[column].mean()) / out[column].std()
    return out.dropna()
''',
    '''class {cname}:
    """Order book handler #{n}."""

    def __init__(self, depth: int = {n}) -> None:
        self.depth = depth
        self.bids: dict[float, float] = {{}}
        self.asks: dict[float, float] = {{}}

    def apply(self, update: dict) -> None:
        side = self.bids if update["side"] == "buy" else self.asks
        if update["qty"] == 0:
            side.pop(update["price"], None)
        else:
            side[update["price"]] = update["qty"]

    def spread(self) -> float:
        if not self.bids or not self.asks:
            return float("nan")
        return min(self.asks) - max(self.bids)
''',
    '''async def {name}(client, symbol: str) -> list[dict]:
    """Fetch recent trades for a symbol, retrying {n} times."""
    for attempt in range({n}):
        try:
            trades = await client.fetch_trades(symbol, limit=500)
            return sorted(trades, key=lambda t: t["timestamp"])
        except TimeoutError:
            await asyncio.sleep(0.5 * (attempt + 1))
    return []
''',
    '''def test_{name}() -> None:
    book = {{"bids": [[100.0, 1.0]], "asks": [[100.5, 2.0]]}}
    spread = book["asks"][0][0] - book["bids"][0][0]
    assert math.isclose(spread, 0.5)
    assert len(book["bids"]) == 1
    for level in book["asks"]:
        assert level[1] > 0
''',
    '''def {name}(signals: dict[str, float], floor: float = 0.{n}) -> dict[str, float]:
    """Signals above the floor, ranked."""
    ranked = {{k: v for k, v in signals.items() if abs(v) >= floor}}
    total = sum(abs(v) for v in ranked.values()) or 1.0
    return {{k: round(v / total, 6) for k, v in sorted(ranked.items())}}
''',
    '''def {name}(model, batch, optimizer) -> float:
    """One training step ({n})."""
    model.train()
    optimizer.zero_grad()
    prediction = model(batch["x"])
    loss = ((prediction - batch["y"]) ** 2).mean()
    loss.backward()
    optimizer.step()
    return float(loss.detach())
''',
    '''CONFIG_{n} = {{
    "symbols": ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
    "window": {n},
    "threshold": 0.{n},
    "weights": np.linspace(0.0, 1.0, {n}).tolist(),
}}
''',
]
SH_HEADER = "#!/usr/bin/env bash\nset -euo pipefail\n"
SH_BLOCKS = [
    'echo "[step {n}] starting"\n',
    'count_{n}=0\nfor symbol in BTCUSDT ETHUSDT SOLUSDT; do\n    count_{n}=$((count_{n} + 1))\n'
    '    echo "symbol $symbol"\ndone\n',
    'step_{n}() {{\n    local name="$1"\n    printf "%s\\n" "$name"\n}}\nstep_{n} "job-{n}"\n',
    'if [ "${{VERBOSE:-0}}" -eq 1 ]; then\n    echo "verbose {n}"\nfi\n',
    'case "${{MODE:-run}}" in\n    run) echo "run {n}" ;;\n    stop) echo "stop {n}" ;;\n'
    '    *) echo "unknown" >&2 ;;\nesac\n',
    'RESULT_{n}=$(date +%s)\necho "elapsed $RESULT_{n}"\n',
]
MK_BLOCKS = ["target_{n}:\n\t@echo \"target {n}\"\n\t@test -d build || mkdir -p build\n\n",
             "VAR_{n} ?= value-{n}\nlist_{n}:\n\t@printf '%s\\n' $(VAR_{n})\n\n"]
ENV_LINES = ["LOG_LEVEL=INFO", "SYMBOLS=BTCUSDT,ETHUSDT", "MAX_POSITIONS=5", "WINDOW=60",
             "TIMEOUT_SECONDS=30", "FEATURE_FLAGS=a,b,c", "RISK_LIMIT=0.02"]
CONFIG_BLOCK = ("service_{n}:\n  enabled: true\n  window: {n}\n  symbols:\n    - BTCUSDT\n"
                "    - ETHUSDT\n  thresholds:\n    entry: 0.{n}\n    exit: 0.5\n")
UNIT_FALLBACK = """[Unit]
Description=Quantum worker {n}
After=network-online.target

[Service]
Type=simple
User=qt
ExecStart=/opt/quantum/venvs/backend/bin/python -m worker_{n}.main
Restart=always

[Install]
WantedBy=multi-user.target
"""
# where each kind lives and how it is named
NAMES = {"python": "{area}/pkg{d}/mod_{i}.py", "shell": "{area}/scripts/s{d}/job_{i}.sh",
         "systemd-unit": "systemd/group{d}/quantum-w{i}.service",
         "env-file": "deploy/env{d}/svc{i}.env", "config": "config/c{d}/settings_{i}.yaml",
         "makefile": "{area}/sub{i}/Makefile", "dockerfile": "{area}/d{i}/Dockerfile",
         "crontab": "deploy/cron{d}/job{i}.cron", "compose": "deploy/c{i}/docker-compose.yml"}


def _size(rng: random.Random, quantiles: list[int]) -> int:
    """A size drawn from the distribution its quantiles describe (linear between cuts)."""
    if not quantiles:
        return 0
    at = rng.random() * (len(quantiles) - 1)
    low = int(at)
    high = min(low + 1, len(quantiles) - 1)
    return round(quantiles[low] + (quantiles[high] - quantiles[low]) * (at - low))


class _Weighted:
    """Draws keys with the weights given (deterministic for a seeded Random)."""

    def __init__(self, weights: dict[str, int]) -> None:
        self.keys = list(weights)
        self.cumulative: list[int] = []
        total = 0
        for key in self.keys:
            total += weights[key]
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> str:
        if not self.keys:
            return ""
        return self.keys[bisect.bisect_right(self.cumulative, rng.randrange(self.total))]


def _examples(kind: str) -> dict[str, list[tuple[str, int]]]:
    """The rules' INVALID examples that are whole files of `kind`, by code (the project's
    own breaches: they fire, they are not anyone's code)."""
    from qt_lint.classify import classify
    from qt_lint.registry import all_rules

    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code, r in all_rules().items():
        if code.startswith("QT00"):
            continue  # meta findings (parse errors, control characters) are not planted
        for example in r.INVALID:
            path = (example.path or r.example_path).lstrip("/")
            if not path or example.options or not isinstance(example.text, str):
                continue
            found = classify(path)
            if found is None or found.value != kind:
                continue
            if kind == "python":
                try:
                    ast.parse(example.text)
                except SyntaxError:
                    continue
            out[code].append((example.text, max(1, len(example.expect))))
    return out


def _filler(kind: str, rng: random.Random, size: int, start: str) -> str:
    parts = [start]
    length = len(start)
    n = 0
    if kind == "python":
        blocks, sep = PY_BLOCKS, "\n\n"
    elif kind == "shell":
        blocks, sep = SH_BLOCKS, ""
    elif kind == "makefile":
        blocks, sep = MK_BLOCKS, ""
    elif kind == "config":
        blocks, sep = [CONFIG_BLOCK], ""
    else:
        blocks, sep = [line + "_{n}\n" for line in ENV_LINES], ""
    while length < size:
        block = sep + rng.choice(blocks).format(name=f"fn_{n}", cname=f"Book{n}",
                                                n=rng.randint(2, 99))
        parts.append(block)
        length += len(block)
        n += 1
    return "".join(parts)


_NEEDLES: dict[tuple[str, str], list[str]] = {}


def _needles(kind: str, code: str) -> list[str]:
    """A needle of each test of the rule's prefilter for `kind` (qt-lint's own strings),
    where the shape kept no token shared by several files."""
    key = (kind, code)
    if key not in _NEEDLES:
        from qt_lint.config import Config
        from qt_lint.finding import Kind
        from qt_lint.registry import rule
        from qt_lint.rule import AnyOf

        prefilter = rule(code)().prefilter_for(Kind(kind), Config(root=HERE).contract)
        tests = prefilter if isinstance(prefilter, tuple) else (prefilter,)
        _NEEDLES[key] = [t.needles[0] if isinstance(t, AnyOf) and t.needles else ""
                         for t in tests if t is not None]
    return _NEEDLES[key]


def _triggers(kind: str, codes: list[str], tokens: dict[str, list[dict[str, int]]],
              rng: random.Random) -> str:
    """Comment lines holding, for each rule of the passing set, a token that each of its
    prefilter's tests matches."""
    lines = []
    for code in codes:
        slots = tokens.get(code, [])
        for at, slot in enumerate(slots):
            if slot:
                lines.append("# " + _Weighted(slot).draw(rng))
            else:
                needles = _needles(kind, code)
                if at < len(needles) and needles[at]:
                    lines.append("# " + needles[at])
    return "".join(line + "\n" for line in lines)


def generate(out: Path, scale: int = 1, seed: int = 7,
             shape_path: Path = SHAPE) -> dict[str, int]:
    shape: dict[str, Any] = json.loads(shape_path.read_text())
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts: dict[str, int] = {"files": 0}
    for kind, k in sorted(shape["kinds"].items()):
        n_files = k["files"] * scale
        sets = _Weighted(k["sets"])
        drawn = [(_size(rng, k["bytes"]), sets.draw(rng).split()) for _ in range(n_files)]
        planted = _plant(kind, k, [codes for _, codes in drawn], scale, rng)
        written_lines = 0
        for i, (size, codes) in enumerate(drawn):
            rel = NAMES.get(kind, "misc/{d}/f{i}.txt").format(
                area=AREAS[i % len(AREAS)], d=i % 40, i=i)
            text = _file(kind, k, rng, size, codes, i, planted.get(i, []))
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written_lines += text.count("\n")
        counts[kind] = n_files
        counts[f"{kind}_lines"] = written_lines
        counts["files"] += n_files
    # what qt-lint does not check: prose and data, as many as the real repository holds
    # the repository configures qt-lint, as a real one does (and so a tree generated inside
    # another project is not judged by that project's configuration)
    (out / "pyproject.toml").write_text('[project]\nname = "synthetic"\nversion = "0"\n\n'
                                        "[tool.qt-lint]\n# the contract's defaults\n")
    other = shape["unchecked_files"] * scale - 1
    for i in range(max(0, other)):
        folder = out / "docs" / f"d{i % 100}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 2:
            (folder / f"note_{i}.md").write_text(f"# Note {i}\n\nSee the runbook.\n")
        else:
            (folder / f"data_{i}.json").write_text(json.dumps({"id": i, "v": [1, 2, 3]}))
    counts["other"] = max(0, other) + 1
    counts["files"] += counts["other"]
    git = ["git", "-C", str(out), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "synthetic repository"], check=True)
    return counts


def _plant(kind: str, k: dict[str, Any], sets: list[list[str]], scale: int,
           rng: random.Random) -> dict[int, list[str]]:
    """Which files get which INVALID examples: as many as the real repository has
    findings of each code, in files whose passing set holds the code (so that the
    prefilters' hit rates stay those of the real repository)."""
    if kind in ("systemd-unit", "env-file"):
        return {}  # whole examples are the files themselves (see _file)
    examples = _examples(kind)
    if not sets:
        return {}
    out: dict[int, list[str]] = defaultdict(list)
    for code, count in sorted(k["findings"].items()):
        texts = examples.get(code)
        if not texts or code.startswith("QT00"):
            continue
        holders = [i for i, codes in enumerate(sets) if code in codes] or list(range(len(sets)))
        per_example = sum(n for _, n in texts) / len(texts)
        for _ in range(round(count * scale / per_example)):
            out[rng.choice(holders)].append(rng.choice(texts)[0])
    return out


_UNIT_EXAMPLES: dict[str, list[str]] = {}


def _file(kind: str, k: dict[str, Any], rng: random.Random, size: int, codes: list[str],
          i: int, breaches: list[str]) -> str:
    tokens = k.get("tokens", {})
    if kind == "python":
        head = _triggers(kind, codes, tokens, rng)
        body = "".join(b if b.endswith("\n") else b + "\n" for b in breaches)
        if size == 0 and not head and not body:
            return ""
        start = PY_HEADER.format(title=f"module {i}") + head + body
        return _filler(kind, rng, size, start)
    if kind in ("shell", "makefile"):
        head = _triggers(kind, codes, tokens, rng)
        body = "".join(b if b.endswith("\n") else b + "\n" for b in breaches)
        start = (SH_HEADER if kind == "shell" else "") + head + body
        return _filler(kind, rng, size, start)
    if kind in ("systemd-unit", "env-file"):
        # a rule's example as a whole file (INVALID at the real rate of findings per file,
        # VALID otherwise), padded to its size with comments
        pool = _UNIT_EXAMPLES.get(kind)
        if pool is None:
            pool = _UNIT_EXAMPLES[kind] = [t for ts in _examples(kind).values() for t, _ in ts]
        per_file = sum(k["findings"].values()) / max(1, k["files"])
        text = rng.choice(pool) if pool and rng.random() < min(1.0, per_file / 3) else (
            UNIT_FALLBACK.format(n=i) if kind == "systemd-unit"
            else "\n".join(ENV_LINES[: 2 + i % 5]) + "\n")
        n = 0
        while len(text) < size:
            text += f"# note {n}: kept for the operators\n"
            n += 1
        return text
    return _filler(kind, rng, size, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", type=Path, default=SHAPE)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.scale, args.seed, args.shape)))


if __name__ == "__main__":
    main()
