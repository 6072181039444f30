"""A compliant host as a snapshot in memory, which host-check examples change and judge.

It is built from the contract the way `collect` would record a host that follows it:
the repository, data, database, models, venvs, env files, units and their repository
copies, Redis, and the accounts. `run_example` applies a `HostExample` to it and runs one
check in-process, so every check's VALID/INVALID examples are tests.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from qt_lint.config import Config, Contract
from qt_lint.host.check import Audit, HostCheck, HostExample, HostResult
from qt_lint.host.snapshot import SNAPSHOT_VERSION, Snapshot, Stat, TextFile

QT_ID = 1000
SCRIPTS = {"backend": "-m backend.main", "ai-engine": "-m ai_engine.main",
           "execution": "-m execution.main", "rl-agent": "-m rl_agent.main"}
MAKEFILE = "RUN := ops/run.sh ai-engine\n\ngate:\n\t$(RUN) ops/model_safety/quality_gate.py\n"


def env_text(c: Contract, service: str) -> str:
    values = dict(c.pinned_vars)
    values.update(SERVICE_NAME=service, LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
                  REDIS_HOST=c.redis_hosts[0], REDIS_DB="0", AUTO_ACTIVATION="disabled",
                  SHADOW_MODE="enabled")
    return "".join(f"{key}={values[key]}\n" for key in c.required_vars if key in values)


def compliant(c: Contract) -> Snapshot:
    """The snapshot of a host that follows the contract `c` in every checked respect."""
    from qt_lint.golden import render, wrapper
    from qt_lint.golden_models import canary, makefile, quality_gate, rollback
    from qt_lint.host.collect import DATA_SUBDIRS, SYSTEMD_DIR, UNIT_PATHS

    paths: dict[str, Stat] = {}
    texts: dict[str, TextFile] = {}

    def folder(path: str, uid: int = 0, gid: int = 0, mode: int = 0o755) -> None:
        paths[path] = Stat(path, "dir", uid, gid, mode, 4096)

    def file(path: str, text: str | None = None, uid: int = 0, gid: int = 0,
             mode: int = 0o644) -> None:
        size = len(text.encode()) if text is not None else 8192
        paths[path] = Stat(path, "file", uid, gid, mode, size, executable=bool(mode & 0o111))
        if text is not None:
            texts[path] = TextFile(paths[path], text)

    for path in ("/", "/etc", "/etc/systemd", SYSTEMD_DIR, "/opt", "/opt/quantum", c.venv_root,
                 "/usr", "/usr/bin", "/usr/lib", "/usr/lib/systemd", "/lib", "/lib/systemd",
                 "/run", "/run/systemd", "/usr/local", "/usr/local/lib"):
        folder(path)
    folder("/usr/lib/systemd/system")
    folder("/lib/systemd/system")
    # Debian's cron package: the system crontab runs the run-parts folders
    file("/etc/crontab", "SHELL=/bin/sh\n17 *\t* * *\troot\tcd / && run-parts --report "
         "/etc/cron.hourly\n")
    for path in UNIT_PATHS:
        if path not in paths:
            paths[path] = Stat(path, "missing")
    folder(c.env_dir, 0, QT_ID, 0o750)
    folder(c.repo_root, QT_ID, QT_ID)
    folder(f"{c.repo_root}/.git", QT_ID, QT_ID)
    file(f"{c.repo_root}/{c.wrapper}", wrapper(c), QT_ID, QT_ID, 0o755)
    file(f"{c.repo_root}/Makefile", MAKEFILE + makefile(c).split("\n\n", 1)[1], QT_ID, QT_ID)
    for relpath, text in ((c.canary_script, canary(c)), (c.quality_gate, quality_gate(c)),
                          (c.rollback_script, rollback(c))):
        file(f"{c.repo_root}/{relpath}", text, QT_ID, QT_ID, 0o755)
    for path in (c.data_dir, *(f"{c.data_dir}/{sub}" for sub in DATA_SUBDIRS)):
        folder(path, QT_ID, QT_ID)
    file(c.db_path, None, QT_ID, QT_ID)
    folder(c.secrets_dir, QT_ID, QT_ID, 0o700)
    for sub in ("", "/active", "/shadow", "/archive"):
        folder(c.model_dir + sub, QT_ID, QT_ID)
    file("/usr/bin/python3", None, mode=0o755)
    paths["/usr/bin/python"] = Stat("/usr/bin/python", "missing")
    for name in c.venvs:
        base = f"{c.venv_root}/{name}"
        folder(base)
        file(f"{base}/pyvenv.cfg",
             "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n")
        paths[f"{base}/bin/python"] = Stat(f"{base}/bin/python", "symlink", 0, 0, 0o777, 16,
                                           "/usr/bin/python3", "/usr/bin/python3", "file",
                                           True)
    units: list[str] = []
    env_files: list[str] = []
    repo_units: dict[str, list[str]] = {}
    for service, script in SCRIPTS.items():
        stem = f"{c.unit_prefix}{service}"
        venv = c.venv_for_unit(stem)
        if venv is None or venv not in c.venvs:
            continue
        text = render(c, service, oneshot=False, script=script, venv=venv)
        unit = f"{SYSTEMD_DIR}/{stem}.service"
        file(unit, text)
        file(f"{c.repo_root}/systemd/{stem}.service", text, QT_ID, QT_ID)
        units.append(unit)
        repo_units[f"{stem}.service"] = [f"{c.repo_root}/systemd/{stem}.service"]
        env = f"{c.env_dir}/{service}.env"
        file(env, env_text(c, service), 0, QT_ID, 0o640)
        env_files.append(env)
    return Snapshot(
        version=SNAPSHOT_VERSION, root="/", live=False, repo_root=c.repo_root,
        hostname="example", users={"root": 0, c.user: QT_ID},
        user_gids={"root": 0, c.user: QT_ID}, groups={"root": 0, c.group: QT_ID},
        group_members={"root": [], c.group: []},
        paths=paths, texts=texts, env_files=env_files, units=units, repo_units=repo_units,
        archive_entries=["20260110T0200_xgboost_P0.4"],
        repo_files={f"{c.repo_root}/{c.canary_script}": "shell",
                    f"{c.repo_root}/{c.rollback_script}": "shell"},
        repo_files_read=5, repo_files_error=None,
        db={"path": c.db_path, "header_ok": True, "quick_check": "ok"},
        redis={"source": "live", "host": c.redis_hosts[0], "port": c.redis_port,
               "ping": "PONG", "config": {"appendonly": "yes", "bind": "127.0.0.1 -::1",
                                          "protected-mode": "yes",
                                          "port": str(c.redis_port)}},
        analyze={"available": True, "lines": []},
    )


def changed(snapshot: Snapshot, example: HostExample) -> Snapshot:
    """The snapshot with the example's stats, texts and facts applied."""
    paths = dict(snapshot.paths)
    texts = dict(snapshot.texts)
    for path, fields in example.stats.items():
        base = paths.get(path) or Stat(path, "file", 0, 0, 0o644, 0)
        paths[path] = dataclasses.replace(base, **fields)
        if path in texts:
            texts[path] = dataclasses.replace(texts[path], stat=paths[path])
    for path, text in example.texts.items():
        stat = paths.get(path) or Stat(path, "file", 0, 0, 0o644, len(text or ""))
        paths[path] = stat
        texts[path] = TextFile(stat, text, None if text is not None else "permission denied")
    facts: dict[str, Any] = dict(example.facts)
    return dataclasses.replace(snapshot, paths=paths, texts=texts, **facts)


def run_example(check: type[HostCheck], example: HostExample,
                contract: Contract | None = None) -> list[HostResult]:
    """Run one check on a compliant host changed as the example says."""
    config = Config(contract=contract or Contract())
    snapshot = changed(compliant(config.contract), example)
    return list(check().run(Audit(snapshot, config, example.offline)))
