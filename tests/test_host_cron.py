"""H153 reading crontabs as Debian cron runs them (cron 3.0pl1, `man 5 crontab`,
`man 8 cron`): the shell a crontab's `SHELL=` names runs every later entry (`$SHELL -c
cmd`), bash sources `BASH_ENV` for each entry; a glob or (under bash) a brace form that
matches the canary script runs it, so does `find -name ... -exec {}`; a file cron
ignores (a dot in its name, group- or other-writable, not owned by root) runs nothing
and says so; a `\\` does not continue a crontab line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hosttree import put
from tests.test_host import audit

CANARY = "/home/qt/quantum_trader/ops/model_safety/canary_activate.sh"
DIR = "/home/qt/quantum_trader/ops/model_safety"


def h153(host: Path, files: dict[str, str], mode: int = 0o644, uid: int = 0
         ) -> dict[str, dict[str, object]]:
    for path, text in files.items():
        put(host, path, 'MAILTO=""\n' + text, mode, uid)
    _, doc = audit(host, 0, "--only", "H153")
    return {c["object"]: c for c in doc["checks"]}  # type: ignore[union-attr,index]


def lines(result: dict[str, object]) -> list[tuple[int, str]]:
    return [(f["line"], f["code"]) for f in result["findings"]]  # type: ignore[index,union-attr]


FIRES = {
    # cron runs `$SHELL -c cmd`: the canary runs for every entry after the line
    "shell_is_canary": (f"SHELL={CANARY}\n* * * * * qt nightly-report\n", [(2, "QT601")]),
    "shell_is_python": ("SHELL=/usr/bin/python3\n* * * * * qt import runpy\n",
                        [(2, "QT101")]),
    # bash sources BASH_ENV before a non-interactive `-c`
    "bash_env": (f"SHELL=/bin/bash\nBASH_ENV={CANARY}\n* * * * * qt true\n", [(3, "QT601")]),
    "bash_env_first": (f"BASH_ENV={CANARY}\nSHELL=/bin/bash\n* * * * * qt true\n",
                       [(2, "QT601")]),
    # /bin/sh expands globs: each of these ran the canary under real cron
    "glob_star": (f"* * * * * qt {DIR}/canary_activ*.sh\n", [(2, "QT601")]),
    "glob_qmark": (f"* * * * * qt {DIR}/canary_activ?te.sh\n", [(2, "QT601")]),
    "glob_class": (f"* * * * * qt bash {DIR}/canary_[a]ctivate.sh\n", [(2, "QT601")]),
    "glob_after_cd": ("* * * * * qt cd ~/quantum_trader/ops/model_safety; ./canary*\n",
                      [(2, "QT601")]),
    "brace_bash": (f"SHELL=/bin/bash\n* * * * * qt {DIR}/{{canary_activate,x}}.sh\n",
                   [(3, "QT601")]),
    "find_exec": (f"* * * * * qt find {DIR} -name 'canary_*.sh' -exec {{}} \\;\n",
                  [(2, "QT601")]),
    "find_execdir": (f"* * * * * qt find {DIR} -iname 'CANARY_ACT*' -execdir bash {{}} +\n",
                     [(2, "QT601")]),
}

SILENT = {
    # dash has no brace expansion: the word stays `{canary_activate,x}.sh` (exit 127)
    "brace_sh": f"* * * * * qt {DIR}/{{canary_activate,x}}.sh\n",
    # dash -c reads no ENV (only an interactive shell does); sh -c reads no BASH_ENV
    "env_for_dash": f"ENV={CANARY}\n* * * * * qt true\n",
    "bash_env_under_sh": f"BASH_ENV={CANARY}\n* * * * * qt true\n",
    # the variable after the last entry runs nothing
    "shell_after_entries": f"* * * * * qt true\nSHELL={CANARY}\n",
    "glob_other_name": f"* * * * * qt {DIR}/rollback_*.sh\n",
    "find_other_name": f"* * * * * qt find {DIR} -name 'rollback_*.sh' -exec {{}} \\;\n",
    "find_no_exec": f"* * * * * qt find {DIR} -name 'canary_*.sh' -print\n",
    "ls_glob": f"* * * * * qt ls {DIR}/canary*\n",
}


@pytest.mark.parametrize("name", sorted(FIRES))
def test_what_cron_runs_through_shell_globs_and_find_fires(host: Path, name: str) -> None:
    text, expected = FIRES[name]
    got = h153(host, {f"/etc/cron.d/{name}": text})[f"/etc/cron.d/{name}"]
    assert got["status"] == "fail", got
    assert lines(got) == expected


@pytest.mark.parametrize("name", sorted(SILENT))
def test_what_cron_does_not_run_is_silent(host: Path, name: str) -> None:
    got = h153(host, {f"/etc/cron.d/{name}": SILENT[name]})[f"/etc/cron.d/{name}"]
    assert got["status"] == "pass", got


ENTRY = f"* * * * * qt {CANARY}\n"


@pytest.mark.parametrize(("name", "mode", "uid", "why"), [
    ("canary.dotted", 0o644, 0, "a dot"),
    ("groupwritable", 0o664, 0, "group- or other-writable"),
    ("otherwritable", 0o646, 0, "group- or other-writable"),
    ("notroot", 0o644, 1001, "not owned by root"),
])
def test_a_cron_d_file_cron_ignores_runs_nothing_and_says_so(
        host: Path, name: str, mode: int, uid: int, why: str) -> None:
    got = h153(host, {f"/etc/cron.d/{name}": ENTRY}, mode, uid)[f"/etc/cron.d/{name}"]
    assert got["status"] == "pass", got
    assert "cron ignores" in str(got["actual"]) and why in str(got["actual"]), got
    assert "1 finding(s) if cron read it" in str(got["actual"]), got


def test_an_insecure_etc_crontab_is_ignored_but_its_name_is_not_checked(host: Path) -> None:
    got = h153(host, {"/etc/crontab": ENTRY.replace(" qt ", " root ")}, 0o666)
    assert got["/etc/crontab"]["status"] == "pass"
    assert "cron ignores" in str(got["/etc/crontab"]["actual"])


def test_a_linked_cron_d_file_is_judged_by_the_link_and_its_target(host: Path) -> None:
    put(host, "/opt/cron-src/canary", ENTRY, 0o644, 1001)
    os.makedirs(host / "etc/cron.d", exist_ok=True)
    os.symlink("/opt/cron-src/canary", host / "etc/cron.d/linked")
    _, doc = audit(host, 0, "--only", "H153")
    got = {c["object"]: c for c in doc["checks"]}["/etc/cron.d/linked"]  # type: ignore[union-attr,index]
    assert got["status"] == "pass" and "not owned by root" in str(got["actual"]), got


def test_a_backslash_does_not_continue_a_crontab_line(host: Path) -> None:
    """cron 3.0pl1 reads the next line as an entry, finds no minute in the path
    (`Error: bad minute`) and ignores the whole file: an error that says so, not a
    shell syntax error."""
    got = h153(host, {"/etc/cron.d/contin": f"* * * * * qt echo start \\\n{CANARY}\n"})
    result = got["/etc/cron.d/contin"]
    assert result["status"] == "error", result
    assert "shell syntax" not in str(result["actual"]), result
    assert "bad minute" in str(result["actual"]) and "line 3" in str(result["actual"]), result


def test_a_dotted_name_is_read_when_cron_runs_with_lsb_names(host: Path) -> None:
    """`EXTRA_OPTS="-l"` in /etc/default/cron: cron reads LSB names (`man 8 cron`), so
    the name alone does not make it ignore the file."""
    put(host, "/etc/default/cron", 'READ_ENV="yes"\nEXTRA_OPTS="-l"\n')
    got = h153(host, {"/etc/cron.d/quantum.canary": ENTRY})["/etc/cron.d/quantum.canary"]
    assert got["status"] == "fail", got
    put(host, "/etc/default/cron", 'READ_ENV="yes"\n#EXTRA_OPTS="-l"\n')
    got = h153(host, {"/etc/cron.d/quantum.canary": ENTRY})["/etc/cron.d/quantum.canary"]
    assert got["status"] == "pass", got
