"""Unit files as systemd reads them, with systemd itself as the judge (issue 22, items 1-4).

`systemd-analyze verify` (Debian's systemd package; nothing is booted) loads a unit file with
systemd's own `config_parse()` and says what it read: `Type=` with a value it cannot use
prints the value ("Failed to parse service type, ignoring: <value>"), an unknown key prints
its name, a line without `=` is named, each at the line systemd counts. The differential test
writes generated units, reads each with qt-lint's reader and with systemd, and compares those
events: keys, values, line numbers (continuations, comments inside them, escaped backslashes,
Unicode spaces, CRLF, a BOM). `systemd-analyze security --offline=yes` says whether the
service runs as root (`User=%u`), and `verify` names the program an `Exec*=` line runs
("Command <path> is not executable"), after systemd's unescaping and path simplification.
Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 50x more examples.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qt_lint.parsers.systemd import exec_commands, parse, specified, system_path
from qt_lint.source import decode
from tests.conftest import qt_lint

# each example runs systemd-analyze (about 0.2 s): 50 keep each test near 10 s
EXAMPLES = 2500 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 50
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])
HEAD = "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n"
TAIL = "\n\nRestar=end\n"  # a blank line ends any continuation: the file's last event


def _analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.fail("systemd-analyze is missing: scripts/test installs Debian's systemd package")
    return exe


def _systemd_events(data: bytes, folder: Path) -> list[tuple[str, int, str]]:
    unit = folder / "quantum-x.service"
    unit.write_bytes(data)
    proc = subprocess.run([_analyze(), "verify", "--man=no", str(unit)], capture_output=True,
                          timeout=60, check=False)
    out = []
    prefix = f"{unit}:"
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if not line.startswith(prefix):
            continue
        number, _, message = line[len(prefix):].partition(": ")
        if message.startswith("Failed to parse service type, ignoring: "):
            out.append(("Type", int(number), message.split(": ", 1)[1]))
        elif (match := re.fullmatch(r"Unknown key '(.*)' in section \[Service\], ignoring\.",
                                    message)):
            out.append(("unknown", int(number), match.group(1)))
        elif message == "Missing key name before '=', ignoring line.":
            out.append(("no key", int(number), ""))
        elif message == "Missing '=', ignoring line.":
            out.append(("missing", int(number), ""))
        else:
            out.append(("other", int(number), message))
    return out


def _qt_lint_events(data: bytes) -> list[tuple[str, int, str]]:
    source = decode(data, 0, systemd=True)
    doc = parse(source.text, "quantum-x.service", "service")
    out = []
    text = source.text
    for section in doc.sections:
        for a in section.assignments:
            if a.key == "Type":
                out.append(("Type", text.count("\n", 0, a.end) + 1, a.value))
    for problem in doc.problems:
        if problem.message.startswith("invalid key") and not problem.key:
            out.append(("no key", problem.last_line, ""))
        elif problem.key:
            out.append(("unknown", problem.last_line, problem.key))
        elif problem.message.startswith("line is neither"):
            out.append(("missing", problem.last_line, ""))
        else:
            out.append(("other", problem.last_line, problem.message))
    return sorted(out, key=lambda e: e[1])


PIECES = st.sampled_from([
    "a", "b", " ", "\t", "\u00a0", "\u2003", "\u3000", "\\", "\\\\", "\\\\\\", '"', "'", "#",
    ";", "=", "%T", "%%", "x\\x6f", "é", "C:\\\\", "\r",
])
LINE_START = st.sampled_from([
    "Type=", "Type = ", " Type=", "\tType=", "Restar=", "\u00a0Type=", "# c", "; c", " # c",
    "\u00a0# c", "\t; c", "", "junk", "Restar", "Type=see C:\\\\", "Ty\u00a0pe=",
])
LINE = st.builds(lambda head, rest: head + "".join(rest), LINE_START,
                 st.lists(PIECES, max_size=6))
UNIT = st.builds(
    lambda lines, crlf, bom: (("\ufeff" if bom else "") + HEAD + "\n".join(lines) + TAIL)
    .replace("\n", "\r\n" if crlf else "\n"),
    st.lists(LINE, max_size=7), st.booleans(), st.booleans())

ISSUE_CASES = {
    # item 1: an escaped backslash at the end of a line does not continue it
    "escaped-backslash": HEAD + "Type=see C:\\\\\nRestar=root\n",
    # item 2: a no-break space before `#` inside a continuation is no comment
    "nbsp-comment": HEAD + "Type=a \\\n\u00a0# note\nRestar=root\n",
    "comment-in-continuation": HEAD + "Type=a \\\n  # note\n  b\nRestar=x\n",
    "crlf-continuation": (HEAD + "Type=a \\\nb\nRestar=x\n").replace("\n", "\r\n"),
    "key-continued": HEAD + "Restar \\\n=1\njunk \\\nmore\n",
}


@PROFILE
@given(text=UNIT)
@example(text=ISSUE_CASES["escaped-backslash"] + TAIL)
def test_units_read_as_systemd_reads_them(text: str, tmp_path: Path) -> None:
    data = text.encode("utf-8")
    assert _qt_lint_events(data) == _systemd_events(data, tmp_path)


@pytest.mark.parametrize("name", sorted(ISSUE_CASES))
def test_issue_cases_read_as_systemd_reads_them(name: str, tmp_path: Path) -> None:
    data = ISSUE_CASES[name].encode("utf-8")
    expected = _systemd_events(data, tmp_path)
    assert expected, "systemd reports what it read"
    assert _qt_lint_events(data) == expected


# --- what an Exec*= line runs -----------------------------------------------------------------

PATH_PIECES = st.sampled_from([
    "/", "//", "/./", "/../", "usr", "bin", "python3", "\\x6f", "\\157", "\\u006f", "\\U0000006f",
    "%%", "%T", "%V", "o", "\\\\", "\\s", "n",
])
PROGRAM = st.builds(lambda parts: "/" + "".join(parts), st.lists(PATH_PIECES, min_size=1,
                                                                max_size=8))


def _systemd_program(value: str, folder: Path) -> str:
    unit = folder / "quantum-x.service"
    unit.write_text(f"[Service]\nExecStart={value} --flag\n")
    proc = subprocess.run([_analyze(), "verify", "--man=no", str(unit)], capture_output=True,
                          text=True, timeout=60, check=False)
    match = re.search(r"Command (.*) is not executable", proc.stderr)
    if match is None:
        return f"refused: {proc.stderr.strip()}"
    return match.group(1)


def _qt_lint_program(value: str) -> str:
    return system_path(specified(exec_commands(value)[0][0].text))


@PROFILE
@given(program=PROGRAM)
@example(program="//usr/./bin/../bin/pyth\\x6fn3")
def test_exec_programs_read_as_systemd_reads_them(program: str, tmp_path: Path) -> None:
    expected = _systemd_program(program, tmp_path)
    if expected.startswith("refused"):
        return  # systemd refuses the line (e.g. a path ending in `/`): nothing runs
    assert _qt_lint_program(program) == expected


@pytest.mark.parametrize("program", ["/usr/bin/pyth\\x6fn3", "/usr/bin/pyth\\157n3",
                                     "/usr/bin/pyth\\u006fn3", "//usr/bin/python3",
                                     "/usr/./bin/python3", "/usr/lib/../bin/python3"])
def test_exec_program_spellings_are_judged(program: str, tmp_path: Path) -> None:
    """Item 3: each spelling runs /usr/bin/python3: QT101 (a system python; QT405 leaves
    it to QT101), where QT405 alone judged a path it could not name."""
    (tmp_path / "systemd").mkdir()
    unit = tmp_path / "systemd" / "quantum-x.service"
    unit.write_text(f"[Unit]\nDescription=x\n[Service]\nUser=qt\nExecStart={program} -m x\n")
    proc = qt_lint("check", "--isolated", "--select", "QT101,QT405", "--format", "json",
                   "systemd", cwd=tmp_path)
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert codes == {"QT101"}, proc.stdout


# --- whether systemd ignores a start check's failure (QT411) ---------------------------------

# systemd reads a command's prefixes after unquoting and unescaping its first word
# (`"-/x"`, `\x2d/x`, `-"/x"`), on every command of the line. `verify` reports a program that
# is no absolute path on any command (a missing one only on the first): "Neither a valid
# executable name nor an absolute path" is fatal, and ends in ", ignoring" when `-` says to
# ignore the command's failure
CHECK_PREFIX = st.sampled_from(["", "-", "@", "@-", "-@", ":", ":-", "+", "+-", "-+", "!", "!-",
                                "!!", "!!-", "-!!", "@:-", "-:"])
OTHER_PREFIX = st.sampled_from(["", "@", ":", "+", "!!", "@:"])


def _spelt(prefix: str, program: str, how: str) -> str:
    word = prefix + program
    if how == "double":
        return f'"{word}"'
    if how == "single":
        return f"'{word}'"
    if how == "hex" and word:
        return f"\\x{ord(word[0]):02x}{word[1:]}"
    if how == "octal" and word:
        return f"\\{ord(word[0]):03o}{word[1:]}"
    if how == "tail-quoted" and prefix:
        return f'{prefix}"{program}"'
    return word


CHECK_LINE = st.builds(
    lambda before, after, prefix, how, others: (before, after, prefix, how, others),
    st.integers(0, 2), st.integers(0, 2), CHECK_PREFIX,
    st.sampled_from(["plain", "double", "single", "hex", "octal", "tail-quoted"]),
    st.lists(OTHER_PREFIX, min_size=4, max_size=4))


def _check_value(before: int, after: int, prefix: str, how: str, others: list[str]) -> str:
    commands = [f"{others[i]}/bin/true argv0 x" for i in range(before)]
    commands.append(f"{_spelt(prefix, 'nonexist-qt/probe', how)} argv0 x")
    commands += [f"{others[2 + i]}/bin/true argv0 x" for i in range(after)]
    return " ; ".join(commands)


def _systemd_ignores_probe(value: str, folder: Path) -> bool | None:
    """True: systemd runs the probe and ignores its failure; False: a failure stops the
    start; None: systemd refuses the line (then nothing runs)."""
    unit = folder / "quantum-ai-engine.service"
    unit.write_text(f"[Service]\nExecStart=/bin/true\nExecStartPre={value}\n")
    proc = subprocess.run([_analyze(), "verify", "--man=no", str(unit)], capture_output=True,
                          text=True, timeout=60, check=False)
    if "nor an absolute path, ignoring: nonexist-qt/probe" in proc.stderr:
        return True
    if "nor an absolute path: nonexist-qt/probe" in proc.stderr:
        return False
    return None  # refused for another reason (an empty argv[0] after `@`, ...)


@PROFILE
@given(line=CHECK_LINE)
@example(line=(1, 0, "-", "plain", ["", "", "", ""]))  # `/bin/true ; -x`: the second command
@example(line=(0, 0, "-", "double", ["", "", "", ""]))  # `"-x"`
@example(line=(0, 0, "-", "hex", ["", "", "", ""]))  # `\x2dx`
@example(line=(0, 1, "", "plain", ["", "", "", ""]))  # no prefix: a failure stops the start
def test_ignored_start_checks_are_those_systemd_ignores(
        line: tuple[int, int, str, str, list[str]], tmp_path: Path) -> None:
    from qt_lint.api import check
    from qt_lint.config import Config

    value = _check_value(*line)
    ignored = _systemd_ignores_probe(value, tmp_path)
    if ignored is None:
        return
    found = [f for f in check([tmp_path / "quantum-ai-engine.service"], Config(root=tmp_path),
                              jobs=1).findings if f.code == "QT411"]
    # the `/bin/true` commands beside the probe are checks that cannot fail (reported too)
    found = [f for f in found if "nonexist-qt/probe" in f.message]
    assert bool(found) == ignored, (value, [f.message for f in found])
    if found:
        assert found[0].message.startswith("ExecStartPre=-nonexist-qt/probe:"), found


# --- whether a start check can fail at all (QT411) ----------------------------------------------

# a check's script as `sh -c` (dash) or `bash -c` runs it: `P` is the check (a program that
# exits 1 here), the other commands print or do nothing; the check cannot fail when the
# script exits 0 although `P` failed
# the exit-status model reads `echo` and `cat` as commands that may fail (they do, on a closed
# output), so they are not where their own failure would decide (a condition, after `!`);
# it keeps what the last member of a pipeline established only when it succeeds, so that
# member is one command (`x | if P; then P; fi` fails only after a check passed)
_QUIET = ["P", "P", "P", "true", ":", "exit 0", "exit 1", "false", "test -f /nonexistent-qt",
          "P | true"]
_ATOM = st.sampled_from([*_QUIET, "echo ok", "P | cat", "cat"])
_QUIET_ATOM = st.sampled_from(_QUIET)
# `! P | true`: tree-sitter-bash reads it as `(! P) | true` (bash negates the pipeline)
_NEGATED = st.sampled_from([a for a in _QUIET if "|" not in a])


def _quiet_compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return _compounds(inner, inner, _NEGATED, _QUIET_ATOM)


def _compounds(inner: st.SearchStrategy[str], condition: st.SearchStrategy[str],
               negated: st.SearchStrategy[str], piped: st.SearchStrategy[str]
               ) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        pair.map(lambda p: f"{p[0]} || {p[1]}"), pair.map(lambda p: f"{p[0]} && {p[1]}"),
        pair.map(lambda p: f"{p[0]}; {p[1]}"),
        st.tuples(inner, piped).map(lambda p: f"{{ {p[0]}; }} | {p[1]}"),
        pair.map(lambda p: f"{{ {p[0]}; }} & {p[1]}"),
        st.tuples(condition, inner).map(lambda p: f"if {p[0]}; then {p[1]}; fi"),
        st.tuples(condition, inner, inner).map(
            lambda p: f"if {p[0]}; then {p[1]}; else {p[2]}; fi"),
        # `! { P; }`: tree-sitter-bash reads `{` as the name of a negated command, and `a | !
        # b` is no POSIX pipeline: `!` begins a statement, before a simple command
        inner.map(lambda p: f"( {p} )"), negated.map(lambda p: f"{{ ! {p}; }}"))


QUIET_SCRIPT = st.recursive(_QUIET_ATOM, _quiet_compound, max_leaves=3)
SCRIPT = st.recursive(_ATOM, lambda inner: _compounds(inner, QUIET_SCRIPT, _NEGATED, _ATOM),
                      max_leaves=5)
SHELL_LINE = st.tuples(
    st.sampled_from(["/bin/sh -c", "/bin/bash -c", "/bin/sh -e -c", "/bin/bash -ec",
                     "/bin/bash -o pipefail -c", "/usr/bin/env X=1 /bin/sh -c"]),
    st.sampled_from(["", "set -e; ", "set +e; "]), SCRIPT)


@PROFILE
@given(line=SHELL_LINE)
@example(line=("/bin/sh -c", "", "P || true"))
@example(line=("/bin/bash -c", "", "P || :"))
@example(line=("/bin/sh -c", "", "P; true"))
@example(line=("/bin/sh -c", "", "P; exit 0"))
@example(line=("/bin/sh -c", "", "P || exit 0"))
@example(line=("/bin/sh -c", "", "P & true"))
@example(line=("/bin/sh -c", "", "if P; then :; fi"))
@example(line=("/bin/sh -c", "", "P | cat"))
@example(line=("/usr/bin/env X=1 /bin/sh -c", "", "P || true"))
@example(line=("/bin/sh -c", "", ":"))
@example(line=("/bin/sh -c", "", "P && echo ok"))
@example(line=("/bin/sh -c", "", "P"))
@example(line=("/bin/sh -c", "set -e; ", "P; echo ok"))
@example(line=("/bin/bash -o pipefail -c", "", "P | cat"))
@example(line=("/bin/sh -c", "", "P || exit 1"))
def test_start_checks_that_cannot_fail_are_those_a_shell_runs_to_0(
        line: tuple[str, str, str], tmp_path: Path) -> None:
    from qt_lint.api import check
    from qt_lint.config import Config

    shell, options, body = line
    probe = tmp_path / "probe-qt"
    ran = tmp_path / "probe-ran"
    ran.unlink(missing_ok=True)
    probe.write_text(f"#!/bin/sh\n: > {ran}\nexit 1\n")
    probe.chmod(0o755)
    script = options + body.replace("P", f"{probe} PING")
    proc = subprocess.run([*shell.split(), script], capture_output=True, text=True, timeout=20,
                          check=False, stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
    unit = tmp_path / "quantum-ai-engine.service"
    quoted = script.replace("\\", "\\\\").replace('"', '\\"')
    unit.write_text(f'[Service]\nExecStartPre={shell} "{quoted}"\nExecStart=/bin/x\n')
    found = [f for f in check([unit], Config(root=tmp_path), jobs=1).findings
             if f.code in ("QT411", "QT001")]
    assert not [f for f in found if f.code == "QT001"], found
    why = (shell, script, proc.returncode, [f.message for f in found])
    if not ran.exists():  # no check ran: reported only when nothing may fail (`:`, `true`)
        assert not found or proc.returncode == 0, why
        return
    assert bool(found) == (proc.returncode == 0), why


# --- the user a service runs as ---------------------------------------------------------------


def _systemd_runs_as_root(body: str, root: Path) -> bool:
    folder = root / "etc/systemd/system"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quantum-x.service").write_text(body)
    proc = subprocess.run([_analyze(), "security", "--offline=yes", f"--root={root}",
                           "--json=short", "quantum-x.service"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stdout, proc.stderr
    rows = json.loads(proc.stdout)
    row = next(r for r in rows if r["name"] == "User=/DynamicUser=")
    return bool(row["description"] == "Service runs as root user")


@pytest.mark.parametrize("user", ["%u", "root", "0", "qt", "%U"])
def test_user_specifiers_as_systemd_reads_them(user: str, tmp_path: Path) -> None:
    """Item 3: `User=%u` is root for the system manager: QT402 (unsuppressible), not QT403."""
    body = f"[Unit]\nDescription=x\n[Service]\nUser={user}\nExecStart=/bin/true\n"
    root = _systemd_runs_as_root(body, tmp_path / "root")
    (tmp_path / "systemd").mkdir()
    (tmp_path / "systemd" / "quantum-x.service").write_text(body)
    proc = qt_lint("check", "--isolated", "--select", "QT402,QT403", "--format", "json",
                   "systemd", cwd=tmp_path)
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"] if f["line"] == 4}
    assert codes == ({"QT402"} if root else {"QT403"} if user != "qt" else set()), proc.stdout


# --- what Environment=, BindPaths= and RootDirectory= set (issue 25 item 6) --------------------
#
# `systemd --test --system` loads the unit with the real manager's loader, without booting
# anything, and prints it as loaded: each `Environment:` variable, each bind mount as
# `BindReadOnlyPaths: [-]source:destination:rbind|norbind`, `RootDirectory:`. It refuses to run
# as root, so it runs as nobody, with HOME and USER set as the system manager has them (`%h`
# is /root, `%u` root).

SYSTEMD = "/lib/systemd/systemd"


def _loaded(fragment: str, dropin: str, _: Path) -> dict[str, list[str]]:
    """What systemd's loader set for quantum-x.service: setting -> its printed values."""
    if not os.path.exists(SYSTEMD):
        pytest.fail("systemd is missing: scripts/test installs Debian's systemd package")
    with tempfile.TemporaryDirectory(prefix="qt-lint-units-") as name:  # nobody reads it
        return _load_in(fragment, dropin, Path(name))


def _load_in(fragment: str, dropin: str, folder: Path) -> dict[str, list[str]]:
    units = folder / "units"
    (units / "quantum-x.service.d").mkdir(parents=True, exist_ok=True)
    (units / "quantum-x.service").write_text(fragment)
    (units / "quantum-x.service.d" / "10-x.conf").write_text(dropin)
    for path in (folder, units, units / "quantum-x.service.d"):
        path.chmod(0o755)
    env = {"HOME": "/root", "USER": "root", "PATH": "/usr/bin:/bin",
           "SYSTEMD_UNIT_PATH": str(units)}
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           SYSTEMD, "--test", "--system", "--unit=quantum-x.service",
                           "--no-pager", "--log-target=console"], capture_output=True,
                          text=True, timeout=60, check=False, env=env, cwd="/")
    out: dict[str, list[str]] = {}
    inside = False
    for line in proc.stdout.splitlines():
        if line.startswith("\t-> Unit "):
            inside = line == "\t-> Unit quantum-x.service:"
            continue
        if inside and line.startswith("\t\t") and not line.startswith("\t\t\t"):
            key, _, value = line[2:].partition(": ")
            out.setdefault(key, []).append(value)
    assert out.get("Unit Load State"), proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def _unit(fragment: str, dropin: str) -> object:
    from qt_lint.parsers.systemd import Unit

    return Unit("quantum-x.service", parse(fragment, "quantum-x.service", "service"),
                [parse(dropin, "quantum-x.service.d/10-x.conf", "service")])


_FRAGMENT = "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\n"
ENV_WORDS = st.sampled_from([
    "A=1", "A=2", '"B=two words"', 'C="x y"', "'D=q z'", "E=\\x41", "F=%h/x", "G=%%", "H=%n",
    "I=%p-%i", "1X=bad", "=x", "PYTHONPATH=/usr/lib/python3/dist-packages", "K=a\\ b",
    "L=%q", "M=\\q", 'N="open', "O=\\101", "P=\\u00e9", "Q=", "R=a'b'c", "S=\\\\", "T=%t",
    "U-V=1", "W=\\s", "X=\\x00", "Y=%%h", "Z=a=b", "_a=1", "A", "e=%T", "H=%H", "f=%f%P",
    "k=%k", "a=\\t", "b=\\", 'c="a\\"b"', "d='\\x41'",
])
ENV_LINE = st.one_of(st.just(""), st.lists(ENV_WORDS, min_size=1, max_size=4).map(
    " ".join))
BIND_WORDS = st.sampled_from([
    "/a", "-/a", "/a:/b", "-/a:/b", "/a:/b:norbind", "/a:/b:rbind", "/a:/b:bad", "/a\\:b:/c",
    '"/a b":/c', "rel:/x", "/a/../b:/c", "//a/./b:/c/", "%h/x:/y", "/a:", ":/b", "/x\\q:/y",
    "/a:%q", "/usr/bin/python3:/opt/quantum/venvs/ai-engine/bin/python", "/a:/b:", "'/q':'/r'",
    "/a\\\\b:/c", "/%n:/d", "/a::/b", "-", "/e:rel",
])
BIND_LINE = st.one_of(st.just(""), st.lists(BIND_WORDS, min_size=1, max_size=3).map(
    " ".join))


def _lines(key: str, values: list[str]) -> str:
    return "".join(f"{key}={v}\n" for v in values)


@PROFILE
@given(frag=st.lists(ENV_LINE, max_size=3), drop=st.lists(ENV_LINE, max_size=2))
@example(frag=["A=1 B=2", "", "C=3 A=4"], drop=["A=5 PYTHONPATH=%h/x"])
def test_environment_read_as_systemd_reads_it(frag: list[str], drop: list[str],
                                              tmp_path: Path) -> None:
    from qt_lint.parsers.unitvalues import environment, environment_entries

    fragment = _FRAGMENT + _lines("Environment", frag)
    dropin = "[Service]\n" + _lines("Environment", drop)
    expected = _loaded(fragment, dropin, tmp_path).get("Environment", [])
    env = environment(_unit(fragment, dropin))  # type: ignore[arg-type]
    # a run-time specifier (`%H`) is the machine's: only that the variable is set is known
    dynamic = {k for k, v in env.items() if v.dynamic}
    assert sorted(f"{k}={v.value}" for k, v in env.items() if k not in dynamic) == sorted(
        e for e in expected if e.split("=", 1)[0] not in dynamic)
    assert dynamic <= {e.split("=", 1)[0] for e in expected}
    # the per-file entries the value rules judge (QT304, QT502, QT503, QT601) read the same
    unit = _unit(fragment, dropin)
    if "" not in frag + drop:
        entries = {e.key: e.value for doc in unit.documents()  # type: ignore[attr-defined]
                   for e in environment_entries(doc, "quantum-x.service")}
        assert sorted(f"{k}={v}" for k, v in entries.items() if k not in dynamic) == sorted(
            e for e in expected if e.split("=", 1)[0] not in dynamic)


@PROFILE
@given(frag=st.lists(BIND_LINE, max_size=3), drop=st.lists(BIND_LINE, max_size=2),
       read_only=st.booleans())
@example(frag=["-/usr/bin/python3:/opt/quantum/venvs/ai-engine/bin/python:norbind /a"],
         drop=["", "/h:/o"], read_only=True)
def test_bind_paths_read_as_systemd_reads_them(frag: list[str], drop: list[str],
                                               read_only: bool, tmp_path: Path) -> None:
    from qt_lint.parsers.unitvalues import bind_mounts

    key = "BindReadOnlyPaths" if read_only else "BindPaths"
    fragment = _FRAGMENT + _lines(key, frag) + _lines("BindPaths", frag[:1])
    dropin = "[Service]\n" + _lines(key, drop)
    loaded = _loaded(fragment, dropin, tmp_path)
    expected = [f"{k}: {v}" for k in ("BindPaths", "BindReadOnlyPaths") for v in loaded.get(k, [])]
    found = [f"{'BindReadOnlyPaths' if b.read_only else 'BindPaths'}: "
             f"{'-' if b.ignore_missing else ''}{b.source}:{b.destination}:"
             f"{'rbind' if b.recursive else 'norbind'}"
             for b in bind_mounts(_unit(fragment, dropin))]  # type: ignore[arg-type]
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("value", ["/home/qt/r", "%h/r", "//srv/./r/", "/", "", "/srv/%n"])
def test_root_directory_read_as_systemd_reads_it(value: str, tmp_path: Path) -> None:
    from qt_lint.parsers.unitvalues import path_setting

    fragment = _FRAGMENT + f"RootDirectory={value}\n"
    loaded = _loaded(fragment, "", tmp_path)
    found = path_setting(_unit(fragment, ""), "RootDirectory")  # type: ignore[arg-type]
    # an empty assignment is printed as `/`, which is no root directory at all
    printed = [r for r in loaded.get("RootDirectory", []) if r != "/"]
    assert printed == ([found[0]] if found and found[0] != "/" else [])
