"""Property-based tests (hypothesis), beside the mutation fuzzing of tests/test_fuzz.py:
arbitrary text and bytes never raise out of a parser, the suppression and configuration
readers or the engine; what the fixer writes re-parses to the intended result and is a
fixed point. Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 50x more examples."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qt_lint.classify import Target
from qt_lint.config import Config, ConfigError, parse_config
from qt_lint.engine import check_file
from qt_lint.finding import Kind
from qt_lint.parsers import ParseError
from qt_lint.registry import all_rules, known_codes
from qt_lint.settings import RunSettings

EXAMPLES = 5000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 100
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])
PATHS = {Kind.UNIT: "systemd/quantum-backend.service", Kind.ENV: "deploy/backend.env",
         Kind.SHELL: "ops/a.sh", Kind.MAKEFILE: "Makefile", Kind.PYTHON: "ops/a.py",
         Kind.CRONTAB: "cron.d/a", Kind.CONFIG: "config/a.yaml", Kind.COMPOSE: "compose.yml",
         Kind.DOCKERFILE: "Dockerfile"}
ALL = RunSettings.build(Config(root=Path("/r")), active=known_codes(),
                        today=dt.date(2026, 11, 29))
# characters the formats give meaning to, so generated text reaches the parsers' branches
ALPHABET = st.sampled_from([*"abcKEY_=:[]#;\"'\\$(){}`|&><- \t\n\r\0/.*~@%!+,",
                            "python3", "ExecStart=", "User=", "[Service]", "qt-lint: ignore[",
                            "QT402]", "<<EOF\n", "\nEOF\n", "sudo ", "docker ", "${X:-", "$(("])
TEXT = st.lists(ALPHABET, max_size=60).map("".join)


def _check(kind: Kind, data: bytes, run: RunSettings = ALL) -> list[str]:
    path = PATHS[kind]
    result = check_file(Target(path, "/r/" + path, path, kind), run, data=data)
    return [f.message for f in result.findings if "internal error" in f.message]


@PROFILE
@given(kind=st.sampled_from(sorted(PATHS, key=lambda k: k.value)), text=TEXT)
def test_engine_never_raises_on_text(kind: Kind, text: str) -> None:
    assert _check(kind, text.encode("utf-8", "surrogatepass")) == []


@PROFILE
@given(kind=st.sampled_from(sorted(PATHS, key=lambda k: k.value)), data=st.binary(max_size=200))
def test_engine_never_raises_on_bytes(kind: Kind, data: bytes) -> None:
    assert _check(kind, data) == []


@PROFILE
@given(text=TEXT)
def test_parsers_never_raise_unexpectedly(text: str) -> None:
    from qt_lint.parsers.configfile import scan_config
    from qt_lint.parsers.crontab import parse_crontab
    from qt_lint.parsers.envfile import parse_env
    from qt_lint.parsers.makefile import parse_makefile
    from qt_lint.parsers.python import parse_tree
    from qt_lint.parsers.shell import parse_shell
    from qt_lint.parsers.systemd import parse
    from qt_lint.suppress import parse_directives

    parse(text, "x.service", "service")
    parse_env(text)
    for style in ("yaml", "toml", "ini"):
        scan_config(text, style)
    parse_shell(text)
    parse_makefile(text)
    parse_crontab(text, "cron.d/x")
    with contextlib.suppress(ParseError):  # QT001: the one exception a parser may raise
        parse_tree(text)
    for kind in Kind:
        parse_directives(text, kind)


CONFIG_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=12)
    | st.sampled_from(["QT4", "QT402", "ALL", "error", "warning", "**", "/opt/x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["select", "ignore", "severity", "QT402", "a/**", "contract", "venvs",
                         "repo-root", "max-file-size", "x"]), inner, max_size=3),
    max_leaves=8)
CONFIG = st.dictionaries(
    st.sampled_from(["select", "extend-select", "ignore", "per-file-ignores", "exclude",
                     "severity", "strict", "unsuppressible", "max-file-size",
                     "max-line-length", "baseline", "contract", "selct"]),
    CONFIG_VALUES, max_size=4)


@PROFILE
@given(data=CONFIG)
def test_configuration_is_valid_or_a_config_error(data: dict[str, Any]) -> None:
    """Any `[tool.qt-lint]` table either loads or is a ConfigError (exit 2, its key named)."""
    try:
        parse_config(data, Path("/r"), None, known_codes())
    except ConfigError as exc:
        assert str(exc)


# --- the fixer --------------------------------------------------------------------------

LINES = st.sampled_from([
    "Description=x", "After=network-online.target", "User=root", "User=qt", "Group=root",
    "WorkingDirectory=/home/qt/quantum_trader/x", "EnvironmentFile=-/etc/quantum/backend.env",
    "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main", "Restart=on-failure",
    "RestartSec=3", "StandardOutput=append:/var/log/x.log", "StandardError=inherit",
    "SyslogIdentifier=backend", "Type=simple", "# note", "", "Environment=A=1 \\",
    "  B=2",
])
UNIT = st.tuples(st.lists(LINES, max_size=5), st.lists(LINES, max_size=10),
                 st.booleans()).map(
    lambda t: "[Unit]\n" + "\n".join(t[0]) + "\n\n[Service]\n" + "\n".join(t[1]) + "\n"
    + ("\n[Install]\nWantedBy=multi-user.target\n" if t[2] else ""))
FIX = RunSettings.build(Config(root=Path("/r")), active=known_codes(), fix=True,
                        unsafe_fixes=True, today=dt.date(2026, 11, 29))
FIXABLE = {code for code, rule in all_rules().items() if rule.fixable}


@PROFILE
@given(text=UNIT)
def test_fixed_unit_reparses_and_is_a_fixed_point(text: str) -> None:
    path = PATHS[Kind.UNIT]
    target = Target(path, "/r/" + path, path, Kind.UNIT)
    first = check_file(target, FIX, data=text.encode())
    fixed = first.fixed_text if first.fixed_text is not None else text
    again = check_file(target, FIX, data=fixed.encode())
    assert again.fixed_text is None, "a second --fix changes nothing"
    before = check_file(target, ALL, data=text.encode()).findings
    syntax = sorted(f.message for f in again.findings if f.code == "QT400")
    assert syntax == sorted(f.message for f in before if f.code == "QT400"), \
        "the fixed text parses as the original did: the fixer adds no syntax problem"
    left = [f for f in again.findings if f.fix is not None and f.code in FIXABLE]
    assert left == [], "every fix the fixer offers was applied"


# a replayed host snapshot gives exactly the verdicts of the run that wrote it -------------

UNIT_LINES = st.sampled_from([
    "[Unit]", "[Service]", "[Install]", "", "# a comment", "; another", "free text here",
    "User=root", "User=qt", "Group=qt", "ExecStart=/usr/bin/python3 -m backend.main \\",
    "ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main",
    "  --extra-flag \\", "  -m other", "Environment=API_KEY=abc123", "Environment=X=1 \\",
    "Environment=REDIS_HOST=10.0.0.5", "Environment=AUTO_ACTIVATION=enabled",
    "StandardOutput=append:/var/log/quantum/x.log", "EnvironmentFile=-/etc/quantum/x.env",
    "WorkingDirectory=/tmp", "SyslogIdentifier=quantum-backend", "RestartSec=30",
    "Description=Quantum \x1b[2J", "key without equals", "# qt-lint: ignore[QT403] why",
    "BindsTo=redis-server.service", "ExecStartPre=+/bin/chmod 777 /opt",
])
ENV_LINES = st.sampled_from([
    "", "# comment", "free text", "AUTO_ACTIVATION=enabled", "AUTO_ACTIVATION=disabled",
    "BINANCE_API_SECRET=s3cr3t", "REDIS_HOST=redis", "REDIS_HOST=localhost", "LOG_LEVEL=INFO",
    "SERVICE_NAME=backend", "SERVICE_NAME=api", "X=a \\", "  continued", "API_TOKEN=t \\",
    "REDIS_URL=redis://:pw@10.1.2.3:6379/0", "export DATA_DIR=/tmp/data", "DB_PATH=x.db",
])


def _one_line_changed(text: str, where: int, line: str) -> str:
    lines = text.split("\n")
    lines[where % len(lines)] = line
    return "\n".join(lines)


def _lines(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(strategy, max_size=14).map(lambda lines: "\n".join(lines) + "\n")


@PROFILE
@given(installed=_lines(UNIT_LINES),
       other=st.one_of(st.sampled_from(["# changed comment", "changed free text"]), UNIT_LINES),
       where=st.integers(0, 20),
       dropin=_lines(UNIT_LINES), env=_lines(ENV_LINES), same=st.booleans())
def test_a_replayed_snapshot_gives_the_same_verdicts(installed: str, other: str, where: int,
                                                    dropin: str, env: str,
                                                    same: bool) -> None:
    """The repository copy is the installed unit with one line changed (or not): drift
    hidden in a comment or free text must survive the scrubbing of a written snapshot."""
    import dataclasses

    from qt_lint.config import Contract
    from qt_lint.host.check import Audit, HostExample
    from qt_lint.host.checks import run_checks
    from qt_lint.host.examples import changed, compliant
    from qt_lint.host.snapshot import from_json, to_json

    unit = "/etc/systemd/system/quantum-backend.service"
    conf = "/etc/systemd/system/quantum-backend.service.d/10-local.conf"
    snapshot = changed(compliant(Contract()), HostExample(texts={
        unit: installed, "/home/qt/quantum_trader/systemd/quantum-backend.service":
        installed if same else _one_line_changed(installed, where, other), conf: dropin,
        "/etc/quantum/backend.env": env}))
    snapshot = dataclasses.replace(snapshot, dropins={**snapshot.dropins, unit: [conf]})
    replayed = from_json(to_json(snapshot))
    config = Config(root=Path("/"))

    def verdicts(s: Any) -> list[tuple[str, str, str]]:
        return [(r.code, r.status, r.object) for r in run_checks(Audit(s, config, True))]

    assert verdicts(replayed) == verdicts(snapshot)
