"""Test-time oracles for what a shell script runs: mvdan/sh's parser (`shfmt --to-json`,
PyPI `shfmt-py`) and bash itself running a script whose commands are logging stubs.

Both reduce a script to the commands it runs, as (line, byte column, program word after
quote removal); qt-lint's reading (`parse_shell`) is reduced the same way, so a test can
compare them. A program word that is not a literal (`$PY`, `$(...)`) is `None` on both
sides: qt-lint may know more (a variable assigned once), never less.

Run as a program over a folder of scripts it prints each disagreement and their count:
`python -m tests.shell_oracle FOLDER...` (the shell files are the ones qt-lint lists as
shell).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

Key = tuple[int, int, "str | None"]  # line, byte column (1-based), program or None

_RUN_NOTHING_ALONE = frozenset({"exec", "xargs", "env", "nohup", "sudo", "command", "time"})


def shfmt() -> str:
    """The shfmt executable (the test venv's, else the PATH's); a missing oracle is a
    failure, never a skip."""
    here = Path(sys.executable).parent / "shfmt"
    if here.is_file():
        return str(here)
    found = shutil.which("shfmt")
    if found is None:
        raise RuntimeError("shfmt is missing: pip install shfmt-py (scripts/test does)")
    return found


def _unescape(text: str, double: bool) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if not double or nxt in '$`"\\\n':
                if nxt != "\n":
                    out.append(nxt)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _literal(word: dict[str, Any]) -> str | None:
    parts: list[str] = []
    for part in word.get("Parts", []):
        kind = part.get("Type")
        if kind == "Lit":
            parts.append(_unescape(part.get("Value", ""), double=False))
        elif kind == "SglQuoted" and not part.get("Dollar"):
            parts.append(part.get("Value", ""))
        elif kind == "DblQuoted" and not part.get("Dollar"):
            for inner in part.get("Parts", []):
                if inner.get("Type") != "Lit":
                    return None
                parts.append(_unescape(inner.get("Value", ""), double=True))
        else:
            return None
    return "".join(parts)


def shfmt_tree(text: str) -> dict[str, Any]:
    done = subprocess.run([shfmt(), "-ln", "bash", "--to-json"], input=text.encode(),
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ValueError(done.stderr.decode(errors="replace").strip())
    tree: dict[str, Any] = json.loads(done.stdout)
    return tree


def shfmt_commands(text: str) -> Counter[Key]:
    """Every simple command mvdan/sh finds (heredoc bodies are data: their `$(...)` is
    left out, as qt-lint leaves it)."""
    found: Counter[Key] = Counter()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        if node.get("Type") == "CallExpr" and node.get("Args"):
            first = node["Args"][0]
            name = _literal(first)
            # `[` is a test, not a program; `exec 2>&1`, a bare `xargs`, `unset X` run
            # nothing qt-lint judges (it reads no command there)
            bare = len(node["Args"]) == 1 and name in _RUN_NOTHING_ALONE
            if name not in ("[", "unset") and not bare:
                pos = first["Pos"]
                found[(pos["Line"], pos["Col"], name)] += 1
        for key, value in node.items():
            if key in ("Hdoc", "Pos", "End"):
                continue
            if isinstance(value, (dict, list)):
                visit(value)

    visit(shfmt_tree(text))
    return found


def qtlint_commands(text: str) -> Counter[Key]:
    """The commands qt-lint reads in the script itself (not in `bash -c` strings or
    heredocs fed to a shell, which mvdan/sh leaves as strings), keyed as shfmt's are."""
    from qt_lint.parsers.shell import MAX_DEPTH, parse_shell

    lines = text.split("\n")
    analysis = parse_shell(text, depth=MAX_DEPTH)
    found: Counter[Key] = Counter()
    # `find -exec cmd {} ;`: qt-lint reads the command find runs; to mvdan/sh it is
    # arguments of find
    of_find = {(w.line, w.column) for c in analysis.commands if c.name == "find"
               for w in c.args}
    for command in analysis.commands:
        word = command.first or command.program
        if (word.line, word.column) in of_find:
            continue
        line = lines[word.line - 1] if word.line - 1 < len(lines) else ""
        column = len(line[:word.column - 1].encode()) + 1
        found[(word.line, column, None if word.dynamic else word.text)] += 1
    return found


def disagreements(text: str) -> list[str]:
    """What one side reads and the other does not; a literal qt-lint resolved from a
    variable (`PY=python3` then `$PY`) where shfmt has no literal is agreement."""
    ours = qtlint_commands(text)
    theirs = shfmt_commands(text)
    out: list[str] = []
    unknown = Counter({(line, col): n for (line, col, name), n in theirs.items()
                       if name is None})
    for key, count in (ours - theirs).items():
        line, col, name = key
        if unknown[(line, col)] >= count:
            unknown[(line, col)] -= count
            theirs[(line, col, None)] -= count
            continue
        out.append(f"{line}:{col}: qt-lint only: {name!r}")
    for (line, col, name), _count in (+(theirs - ours)).items():
        out.append(f"{line}:{col}: shfmt only: {name!r}")
    return sorted(out)


# --- bash with logging stubs ------------------------------------------------------------------

STUB = '#!/bin/sh\nprintf "%s\\n" "${0##*/}" >> "$QT_STUB_LOG"\nexit "${QT_STUB_STATUS:-0}"\n'


def bash_ran(script: str, stubs: list[str], folder: Path, timeout: float = 10) -> Counter[str]:
    """The programs bash runs for `script` when each name in `stubs` is a stub that logs
    its name (PATH holds the stubs alone: nothing real runs). A stub whose name starts
    with `fail` exits 1."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in stubs:
        path = bin_dir / name
        if not path.exists():
            status = "1" if name.startswith("fail") else "0"
            path.write_text(STUB.replace("${QT_STUB_STATUS:-0}", status))
            path.chmod(0o755)
    log = folder / "log"
    log.write_text("")
    (folder / "script.sh").write_text(script)
    bash = shutil.which("bash") or "/bin/bash"
    env = {"PATH": str(bin_dir), "QT_STUB_LOG": str(log), "HOME": str(folder), "LC_ALL": "C"}
    subprocess.run([bash, "--norc", "--noprofile", str(folder / "script.sh")], cwd=folder,
                   env=env, capture_output=True, timeout=timeout, check=False,
                   stdin=subprocess.DEVNULL)
    return Counter(line for line in log.read_text().split("\n") if line)


# a stub that logs its whole argv (one line, the words separated by \x1f), and wrappers that
# run their arguments as the real ones do (no option of theirs is used by the tests)
ARGV_STUB = ('#!/bin/sh\n{ printf "%s" "${0##*/}"; for a in "$@"; do printf "\\037%s" "$a"; '
             'done; printf "\\n"; } >> "$QT_STUB_LOG"\n')
RUNS_ITS_ARGUMENTS = ('#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do case $1 in -u) shift 2;; '
                      '*) shift;; esac; done\nexec "$@"\n')  # `sudo -u qt cmd`


def bash_argv(script: str, stubs: list[str], folder: Path,
              wrappers: tuple[str, ...] = ("sudo", "env", "nohup"),
              timeout: float = 10) -> set[tuple[str, ...]]:
    """Each distinct argv bash runs for `script` where each name in `stubs` is a stub
    that logs its argv; `wrappers` are stubs that run their arguments; `sh` and `bash`
    are the real shells (PATH holds these alone: nothing else runs)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in stubs:
        (bin_dir / name).write_text(ARGV_STUB)
        (bin_dir / name).chmod(0o755)
    for name in wrappers:
        (bin_dir / name).write_text(RUNS_ITS_ARGUMENTS)
        (bin_dir / name).chmod(0o755)
    bash = shutil.which("bash") or "/bin/bash"
    for name, real in (("bash", bash), ("sh", shutil.which("sh") or "/bin/sh")):
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(real)
    log = folder / "log"
    log.write_text("")
    (folder / "script.sh").write_text(script)
    env = {"PATH": str(bin_dir), "QT_STUB_LOG": str(log), "HOME": str(folder), "LC_ALL": "C"}
    subprocess.run([bash, "--norc", "--noprofile", str(folder / "script.sh")], cwd=folder,
                   env=env, capture_output=True, timeout=timeout, check=False,
                   stdin=subprocess.DEVNULL)
    return {tuple(line.split("\x1f")) for line in log.read_text().split("\n") if line}


def qtlint_argv(text: str, stubs: list[str]) -> set[tuple[str, ...]]:
    """Each distinct argv qt-lint reads a command of `stubs` with (words whose value it
    does not know are left out: they are not what bash ran)."""
    from qt_lint.parsers.shell import parse_shell

    return {tuple(w.text for w in c.words) for c in parse_shell(text).commands
            if c.name in stubs and not any(w.dynamic for w in c.words)}


def main(argv: list[str]) -> int:
    total = 0
    files = 0
    for root in argv:
        listing = subprocess.run(
            [sys.executable, "-m", "qt_lint", "check", "--isolated", "--no-cache",
             "--show-files", root], capture_output=True, text=True, check=False).stdout
        for row in listing.splitlines():
            kind, _, path = row.partition(" ")
            if kind != "shell":
                continue
            path = path.strip()
            text = Path(path).read_text(errors="replace")
            try:
                found = disagreements(text)
            except ValueError as exc:
                print(f"{path}: shfmt cannot parse it: {exc}")
                continue
            files += 1
            for item in found:
                print(f"{path}:{item}")
            total += len(found)
    print(f"{total} disagreements in {files} scripts", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("XDG_CACHE_HOME", str(Path.cwd() / ".cache-xdg"))
    raise SystemExit(main(sys.argv[1:]))
