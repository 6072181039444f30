"""Env files as systemd reads them, with systemd itself as the judge (issue 22, items 5-6).

`EnvironmentFile=` and environment.d are read by the same function of systemd,
`parse_env_file_internal()`; `systemd-environment-d-generator` (Debian's systemd package)
runs it on the `*.conf` files of `$XDG_CONFIG_HOME/environment.d` and prints what it read.
The differential test gives generated files to it and to qt-lint's reader and compares the
variables each understood. Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 50x more.

The generator differs from `EnvironmentFile=` in two ways the comparison allows for: it
drops an assignment whose value is empty (`A=`, `A=""`), and it expands `$VAR`, so the
generated files have no `$`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qt_lint.parsers.envfile import read_env
from qt_lint.source import decode
from tests.conftest import qt_lint

EXAMPLES = 5000 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 100
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])
GENERATOR = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")  # systemd's env_name_is_valid()


def _generator() -> str:
    if not os.access(GENERATOR, os.X_OK):
        pytest.fail(f"{GENERATOR} is missing: scripts/test installs Debian's systemd package")
    return GENERATOR


_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote_output(text: str) -> dict[str, str]:
    """The generator's output: `KEY=value`, the value in "..." when it has blanks or
    shell characters, with a backslash before `"\\`$` and control characters C-escaped."""
    out: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        eq = text.index("=", i)
        key = text[i:eq]
        i = eq + 1
        if text[i:i + 1] == '"':
            i += 1
            buf = []
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                    if text[i] == "x":  # a control character, C-escaped
                        buf.append(chr(int(text[i + 1:i + 3], 16)))
                        i += 3
                        continue
                    buf.append(_C_ESCAPES.get(text[i], text[i]))
                    i += 1
                    continue
                buf.append(text[i])
                i += 1
            value = "".join(buf)
            i += 1
        else:
            end = text.index("\n", i)
            value = text[i:end]
            i = end
        assert text[i] == "\n", text
        i += 1
        out[key] = value
    return out


def _lines(value: str) -> str:
    """A quoted value's line ends compared as one: qt-lint reads a lone CR as the line end
    it is to systemd, and folds the break LF CR as systemd's unit reader does, so a quoted
    value that spans them keeps one newline where systemd keeps the CR (or both)."""
    return re.sub(r"[\r\n]+", "\n", value)


def _systemd_reads(data: bytes, home: Path) -> dict[str, str]:
    folder = home / "environment.d"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = _run(home)
    (folder / "zz-test.conf").write_bytes(data)
    got = _run(home)
    return {k: _lines(v) for k, v in got.items() if k not in base}


def _run(home: Path) -> dict[str, str]:
    proc = subprocess.run([_generator()], capture_output=True, timeout=30, check=True,
                          env={"XDG_CONFIG_HOME": str(home), "XDG_CONFIG_DIRS": str(home / "none"),
                               "PATH": "/usr/bin:/bin"})
    return _unquote_output(proc.stdout.decode("utf-8"))


def _qt_lint_reads(data: bytes, theirs: dict[str, str] | None = None) -> dict[str, str]:
    """What qt-lint's reader says the file sets, folded the way the generator folds it:
    an empty value is skipped, unless systemd itself ended with an empty value (the
    generator keeps `K=\\<newline><space>`, empty but read, and drops `K=`; both are
    `K=` to EnvironmentFile=): then the last assignment must be empty."""
    out: dict[str, str] = {}
    last: dict[str, str] = {}
    for entry in read_env(decode(data, 0, systemd=True)).entries:
        if not _NAME.match(entry.key):
            continue
        last[entry.key] = entry.value
        if entry.value:
            out[entry.key] = _lines(entry.value)
    for key, value in (theirs or {}).items():
        if value == "" and last.get(key) == "":
            out[key] = ""
    return out


PIECES = st.sampled_from([
    "K", "KEY", "K_1", "A", "=", " ", "\t", "\u00a0", "\\", "\\\\", "\\\n", '"', "'", "#", ";",
    "\n", "\r\n", "\r", "x", "localhost", ".attacker.example", "/opt/quantum/data", "/../",
    "`", "é", "INFO\\\\", "\\n", '\\"',
])
LINE_START = st.sampled_from(["K=", "KEY=", "K_1 = ", "  A=", "# note ", "; c ", "", "K=\"",
                              "K='", "K=\\\n", "\u00a0B=", "K.x="])
LINE = st.builds(lambda head, rest: head + "".join(rest), LINE_START,
                 st.lists(PIECES, max_size=8))
FILE = st.builds(lambda lines, crlf: "\n".join(lines).replace("\n", "\r\n" if crlf else "\n"),
                 st.lists(LINE, max_size=6), st.booleans())

ISSUE_CASES = [
    "LOG_LEVEL=INFO\\\\\nAUTO_ACTIVATION=enabled\n",  # item 5: two lines
    'REDIS_HOST="localhost".attacker.example\n',  # item 6
    'DATA_DIR="/opt/quantum/data"/../../tmp/qt\n',  # item 6
    "# a comment \\\nHIDDEN=1\nSHOWN=2\n",  # a comment continued by its backslash
    "A=a\\\n   b\n", 'B="x\\ny \\$ \\"q\\""\n', "C=1 \"two\" 'three'\n",
    "K=a\\\r\nB=2\r\n", "# c \\\r\nB=2\r\n",  # CRLF: the backslash escapes the CR only
]


@PROFILE
@given(text=FILE)
@example(text=ISSUE_CASES[0])
def test_env_files_read_as_systemd_reads_them(text: str, tmp_path: Path) -> None:
    data = text.encode("utf-8")
    theirs = _systemd_reads(data, tmp_path)
    assert _qt_lint_reads(data, theirs) == theirs


@pytest.mark.parametrize("text", ISSUE_CASES)
def test_issue_cases_read_as_systemd_reads_them(text: str, tmp_path: Path) -> None:
    data = text.encode("utf-8")
    expected = _systemd_reads(data, tmp_path)
    assert expected, "systemd reads a variable"
    assert _qt_lint_reads(data, expected) == expected


def test_escaped_backslash_ends_the_line(tmp_path: Path) -> None:
    """Item 5: `LOG_LEVEL=INFO\\\\` does not continue: AUTO_ACTIVATION=enabled is set
    (QT601 judges it)."""
    got = _qt_lint_reads(ISSUE_CASES[0].encode())
    assert got == {"LOG_LEVEL": "INFO\\", "AUTO_ACTIVATION": "enabled"}


def test_text_after_a_closing_quote_is_the_value(tmp_path: Path) -> None:
    """Item 6: the Redis host is remote (QT503), the data folder is left (QT203)."""
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "backend.env").write_text(
        'REDIS_HOST="localhost".attacker.example\nDATA_DIR="/opt/quantum/data"/../../../tmp/qt\n')
    proc = qt_lint("check", "--isolated", "--select", "QT503,QT203", "deploy", cwd=tmp_path)
    assert "backend.env:1:12: QT503" in proc.stdout, proc.stdout
    assert "backend.env:2:10: QT203" in proc.stdout, proc.stdout
