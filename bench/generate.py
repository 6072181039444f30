"""Deterministic generator of a synthetic trading monorepo at the scale qt-lint is for.

    python bench/generate.py OUT [--scale N] [--seed S]

At scale 1: 15,000 files: about 2,100 Python files (550,000 lines: services, training
jobs, ops scripts and tests), 450 shell scripts (46,000 lines), 155 systemd units, 66 env
files, 2 Makefiles, the rest Markdown and JSON. Contract breaches are planted at a
realistic rate (a few per hundred files). The same seed always gives the same tree.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
from pathlib import Path

PY_FILES, PY_LINES = 2100, 550_000
SH_FILES, SH_LINES = 450, 46_000
UNITS, ENVS, MAKEFILES, TOTAL = 155, 66, 2, 15_000
BREACH_RATE = 0.03
SERVICES = ["backend", "ai-engine", "execution", "rl-agent", "rl-monitor", "risk", "pnl",
            "feeds", "scoreboard", "router"]

PY_BLOCKS = [
    '''def {name}(frame: "pd.DataFrame", window: int = {n}) -> "pd.DataFrame":
    """Rolling features over {n} bars."""
    out = frame.copy()
    out["ret_{n}"] = out["close"].pct_change({n})
    out["vol_{n}"] = out["ret_{n}"].rolling(window).std()
    for column in ("open", "high", "low", "close"):
        out[f"{{column}}_z"] = (out[column] - out[column].mean()) / out[column].std()
    logger.debug("features %s rows=%d", "{name}", len(out))
    return out.dropna()
''',
    '''class {cname}:
    """Order book snapshot handler #{n}."""

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
            logger.warning("timeout on %s (attempt %d)", symbol, attempt)
            await asyncio.sleep(0.5 * (attempt + 1))
    return []
''',
    '''def test_{name}() -> None:
    book = {{"bids": [[100.0, 1.0]], "asks": [[100.5, 2.0]]}}
    spread = book["asks"][0][0] - book["bids"][0][0]
    assert spread == pytest.approx(0.5)
    assert len(book["bids"]) == 1
    for level in book["asks"]:
        assert level[1] > 0
''',
    '''def {name}(redis_client, key_prefix: str = "signals") -> dict[str, float]:
    """Read the latest signals written by the AI engine."""
    out: dict[str, float] = {{}}
    for raw_key in redis_client.scan_iter(f"{{key_prefix}}:*"):
        value = redis_client.get(raw_key)
        if value is not None:
            out[raw_key.decode().split(":", 1)[1]] = float(value)
    return out
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
]
PY_HEADER = '''"""{title}."""
from __future__ import annotations

import asyncio
import logging
import os

import pandas as pd
import pytest

logger = logging.getLogger(__name__)
DB_PATH = os.environ["DB_PATH"]
'''
PY_BREACHES = [
    'subprocess.run(["python3", "ops/training/train.py"], check=True)\n',
    'DATA = "/home/user/data/quantum"\n',
    'CACHE_DIR = "/tmp/quantum_cache"\n',
    'client = redis.Redis(host="quantum_redis", port=6379)\n',
    'logger.info(f"connecting with key={{api_key}}")\n',
    'DB = os.getenv("DB_PATH", "/opt/quantum/data/quantum_trader.db")\n',
    'load_dotenv()\n',
    'if result.quality_gate_passed:\n    activate_model(path)\n',
]
SH_BODY = [
    'echo "[$(date -Is)] step {n}"\n',
    'if ! redis-cli -h localhost -p 6379 PING >/dev/null; then\n    echo "redis down" >&2\n'
    '    exit 1\nfi\n',
    'ops/run.sh ai-engine ops/training/job_{n}.py --epochs {n}\n',
    'for symbol in BTCUSDT ETHUSDT SOLUSDT; do\n    ops/run.sh execution ops/sync.py '
    '"$symbol"\ndone\n',
    'test -f /opt/quantum/data/quantum_trader.db || exit 1\n',
    'journalctl -u quantum-backend --since "-1h" | grep -c ERROR || true\n',
]
SH_BREACHES = ["python3 ops/training/train.py\n", "cd models && python train.py\n",
               "docker exec quantum_redis redis-cli PING\n", "source .env\n",
               "chmod 777 /opt/quantum/data\n", "ops/run.sh ai-engine train.py >> logs/t.log\n"]


def _unit(service: str, rng: random.Random) -> str:
    venv = "rl-agent" if service.startswith("rl-") else (
        service if service in ("backend", "ai-engine", "execution") else "backend")
    user = "root" if rng.random() < BREACH_RATE else "qt"
    return f"""[Unit]
Description=Quantum {service}
After=network-online.target redis-server.service
Wants=network-online.target
BindsTo=redis-server.service

[Service]
Type=simple
User={user}
Group=qt
WorkingDirectory=/home/qt/quantum_trader
EnvironmentFile=/etc/quantum/{service}.env
ExecStart=/opt/quantum/venvs/{venv}/bin/python -m {service.replace('-', '_')}.main
Restart=always
RestartSec=10
StandardOutput=journal
StandardError=journal
SyslogIdentifier=quantum-{service}

[Install]
WantedBy=multi-user.target
"""


def generate(out: Path, scale: int = 1, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = {"python": 0, "python_lines": 0, "shell": 0, "shell_lines": 0, "units": 0,
              "env": 0, "makefile": 0, "other": 0}
    written = 0
    per_py = PY_LINES // PY_FILES
    for i in range(PY_FILES * scale):
        area = ("services", "training", "ops", "tests")[i % 4]
        folder = out / area / f"pkg{i % 60}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = [PY_HEADER.format(title=f"{area} module {i}")]
        lines = parts[0].count("\n")
        n = 0
        while lines < per_py:
            block = rng.choice(PY_BLOCKS).format(name=f"fn_{i}_{n}", cname=f"Book{i}x{n}",
                                                 n=rng.randint(2, 50))
            parts.append("\n\n" + block)
            lines += block.count("\n") + 2
            n += 1
        if rng.random() < BREACH_RATE:
            parts.append("\n\n" + rng.choice(PY_BREACHES).format())
        text = "".join(parts)
        (folder / f"mod_{i}.py").write_text(text)
        counts["python"] += 1
        counts["python_lines"] += text.count("\n")
        written += 1
    per_sh = SH_LINES // SH_FILES
    for i in range(SH_FILES * scale):
        folder = out / "ops" / "scripts" / f"s{i % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = ["#!/usr/bin/env bash\nset -euo pipefail\n"]
        lines = 2
        n = 0
        while lines < per_sh:
            block = rng.choice(SH_BODY).format(n=n)
            parts.append(block)
            lines += block.count("\n")
            n += 1
        if rng.random() < BREACH_RATE * 2:
            parts.append(rng.choice(SH_BREACHES))
        text = "".join(parts)
        (folder / f"job_{i}.sh").write_text(text)
        counts["shell"] += 1
        counts["shell_lines"] += text.count("\n")
        written += 1
    for i in range(UNITS * scale):
        service = f"{SERVICES[i % len(SERVICES)]}" if i < len(SERVICES) else f"worker-{i}"
        folder = out / "systemd" / f"group{i % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"quantum-{service}.service").write_text(_unit(service, rng))
        counts["units"] += 1
        written += 1
    for i in range(ENVS * scale):
        folder = out / "deploy" / f"env{i % 6}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"svc{i}.env.example" if i % 3 else f"svc{i}.env"
        (folder / name).write_text("REPO_ROOT=/home/qt/quantum_trader\nLOG_LEVEL=INFO\n")
        counts["env"] += 1
        written += 1
    for i in range(MAKEFILES * scale):
        folder = out if i == 0 else out / f"sub{i}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Makefile").write_text(
            "SERVICE ?= ai-engine\nRUN := ops/run.sh $(SERVICE)\n\n"
            "gate:\n\t$(RUN) ops/model_safety/quality_gate.py\n\n"
            "old-gate:\n\tpython3 ops/model_safety/quality_gate.py\n")
        counts["makefile"] += 1
        written += 1
    # the repository configures qt-lint, as a real one does (and so a tree generated inside
    # another project is not judged by that project's configuration)
    (out / "pyproject.toml").write_text(
        '[project]\nname = "quantum-trader"\nversion = "0"\n\n'
        "[tool.qt-lint]\n# the contract's defaults\nextend-exclude = [\"docs\"]\n")
    counts["other"] += 1
    written += 1
    remaining = TOTAL * scale - written
    for i in range(max(0, remaining)):
        folder = out / "docs" / f"d{i % 100}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 2:
            (folder / f"note_{i}.md").write_text(
                f"# Note {i}\n\nRun `ops/run.sh ai-engine x.py`; never `python3 x.py`.\n")
        else:
            (folder / f"data_{i}.json").write_text(json.dumps({"id": i, "v": [1, 2, 3]}))
        counts["other"] += 1
    # a real repository: everything committed
    git = ["git", "-C", str(out), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "synthetic monorepo"], check=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.scale, args.seed)))


if __name__ == "__main__":
    main()
