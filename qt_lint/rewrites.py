"""Scripts that rewrite the host's files in place or from files kept under other names.

The engine judges the units, crontabs and env files a script writes (heredocs, `tee`,
`echo`/`printf`, `install /dev/stdin`: qt_lint.parsers.shell). Two more ways a script
decides what a host runs:

- `cp ops/quantum-x.service.disabled /etc/systemd/system/quantum-x.service` (also
  `install`): a unit (crontab, env file) kept in the repository under a name no rule reads
  becomes the installed file: judged as that file, at the `cp` line;
- `sed -i 's/User=qt/User=root/' /etc/systemd/system/quantum-x.service` (or an
  `/etc/quantum/*.env` file): the file as it will be after the edit, where the script knows
  it before (it wrote or copied it, or the repository keeps a file of that name under
  `systemd/`, which the contract's install step copies): what the edit adds is reported at
  the `sed` line. `s` commands alone are applied (POSIX basic expressions, the `g` flag);
  a script sed cannot be followed through leaves the file as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from qt_lint.command_model import Command, Word
from qt_lint.parsers.shell import Written, operands

_CP_ARGS = frozenset({"-m", "-o", "-g", "-S", "-t", "--mode", "--owner", "--group",
                      "--suffix", "--target-directory", "-Z", "--context"})
_SED_ARGS = frozenset({"-e", "-f", "-l", "--expression", "--file", "--line-length"})
MAX_FILE = 1 << 20  # bytes of a copied file read


def search_bases(root: str, path: str) -> list[str]:
    """Where a name in `path` may be relative to: the project root, the file's folder and
    its parents (the repository root a unit or script runs from, when qt-lint runs from
    elsewhere)."""
    out = [root]
    folder = os.path.dirname(path)
    for _ in range(4):
        out.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return out


def repository_reader(abspath: str, root: str) -> Callable[[str], str | None]:
    """Reads a file the script at `abspath` names (relative to the project root, or the
    script's folder and its parents), inside the project only, at most MAX_FILE bytes;
    None when there is none."""
    real_root = os.path.realpath(root)
    bases = search_bases(real_root, abspath)

    def read(name: str) -> str | None:
        for base in bases:
            path = os.path.realpath(os.path.join(base, name))
            if not path.startswith(real_root + os.sep) or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_FILE)
            except OSError:
                continue
            return data.decode("utf-8", "replace")
        return None

    return read


def rewrites(commands: list[Command], written: list[Written], kind_of: Callable[[str], object],
             read: Callable[[str], str | None]) -> list[Written]:
    """The files `commands` copy or edit in place, as `Written` (`kind_of` tells which paths
    are judged; `read` reads a repository file by a name relative to the script or root)."""
    state = {w.path: w.text for w in written}
    out: list[Written] = []
    for command in commands:
        if command.name in ("cp", "install"):
            copied = _copied(command, kind_of, read)
            if copied is not None:
                written_copy, judged = copied
                state[written_copy.path] = written_copy.text
                if judged:
                    out.append(written_copy)
        elif command.name == "sed":
            for edited in _edited(command, state, kind_of, read):
                state[edited.path] = edited.text
                out.append(edited)
    return out


def _copied(command: Command, kind_of: Callable[[str], object],
            read: Callable[[str], str | None]) -> tuple[Written, bool] | None:
    """The file a copy installs, and whether it is judged here (False: a repository file
    of that kind, judged where it is kept; the copy still tells what a later `sed -i`
    edits)."""
    files = operands(command.args, _CP_ARGS)
    if len(files) != 2 or any(w.dynamic for w in files):
        return None
    source, dest = files
    path = dest.text
    if path.endswith("/") or kind_of(path.lstrip("/")) is None:
        path = path.rstrip("/") + "/" + os.path.basename(source.text)
    kind = kind_of(path.lstrip("/"))
    if not path.startswith("/") or kind is None or source.text == "/dev/stdin":
        return None
    text = read(source.text)
    if text is None:
        return None
    count = text.count("\n") + 1
    judged = kind_of(source.text) != kind
    return Written(path, text, (source.line,) * count, False, (source.column,) * count), judged


def _edited(command: Command, state: dict[str, str], kind_of: Callable[[str], object],
            read: Callable[[str], str | None]) -> list[Written]:
    args = command.args
    if not any(w.text.startswith("-i") or w.text.startswith("--in-place") or
               (w.text.startswith("-") and not w.text.startswith("--") and "i" in w.text)
               for w in args):
        return []
    if any(w.text in ("--quiet", "--silent") or (
            w.text.startswith("-") and not w.text.startswith("--") and "n" in w.text)
           for w in args):
        return []  # `sed -n -i`: only what the script prints is kept
    scripts = [args[i + 1] for i, w in enumerate(args[:-1]) if w.text in ("-e", "--expression")]
    files = operands(args, _SED_ARGS)
    if not scripts and files:
        scripts, files = [files[0]], files[1:]
    if not scripts or any(s.dynamic for s in scripts):
        return []
    out = []
    for target in files:
        path = target.text
        if target.dynamic or not path.startswith("/") or kind_of(path.lstrip("/")) is None:
            continue
        before = state.get(path)
        if before is None:
            # the contract installs the repository's systemd/ units into the unit folder
            before = read("systemd/" + os.path.basename(path)) if path.startswith(
                "/etc/systemd/") else None  # qt-lint: ignore[QT201] the host's unit folder
        if before is None:
            continue
        after = apply_sed(before, [s.text for s in scripts])
        if after is None or after == before:
            continue
        where: Word = scripts[0]
        count = after.count("\n") + 1
        out.append(Written(path, after, (where.line,) * count, False, (where.column,) * count,
                           before=before))
    return out


def apply_sed(text: str, scripts: list[str]) -> str | None:
    """`text` after sed's `s` commands (None: a command qt-lint does not follow)."""
    for script in scripts:
        for part in (p.strip() for p in script.split(";") if p.strip()):
            substitution = _substitution(part)
            if substitution is None:
                return None
            pattern, replacement, count = substitution
            # sed's lines: the empty text after a final newline is no line
            ending = text.endswith("\n")
            lines = (text[:-1] if ending else text).split("\n")
            try:
                text = "\n".join(_substituted(pattern, replacement, line, count)
                                 for line in lines) + ("\n" if ending else "")
            except (re.error, IndexError):
                return None
    return text


def _substituted(pattern: re.Pattern[str], replacement: str, line: str, count: int) -> str:
    """`line` with sed's substitution: as `re.sub`, except that an empty match right
    after a match is no match (sed's rule; Python's allows it)."""
    out: list[str] = []
    position, last_end, done = 0, -1, 0
    for match in pattern.finditer(line):
        if match.start() == match.end() == last_end:
            continue
        out.append(line[position:match.start()])
        out.append(match.expand(replacement))
        position = last_end = match.end()
        done += 1
        if count and done >= count:
            break
    out.append(line[position:])
    return "".join(out)


def _substitution(part: str) -> tuple[re.Pattern[str], str, int] | None:
    if len(part) < 4 or part[0] != "s":
        return None
    sep = part[1]
    pieces = re.split(rf"(?<!\\){re.escape(sep)}", part[2:])
    if len(pieces) != 3 or not set(pieces[2]) <= set("gI"):
        return None
    pattern, replacement, flags = pieces
    # POSIX basic expressions: \( \) \{ \} group and count, bare ( ) { } + ? are literal
    regex = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            regex += n if n in "(){}" else ("\\" + n)
            i += 2
            continue
        # a `*` first (or after `^` or `\(`) is a literal star in a basic expression
        star_first = c == "*" and (not regex or regex.endswith(("^", "(")))
        regex += re.escape(c) if c in "(){}+?|" or star_first else c
        i += 1
    python_repl = ""
    i = 0
    while i < len(replacement):  # `&` the match, `\1` a group, `\&` and `\<sep>` literal
        c = replacement[i]
        if c == "\\" and i + 1 < len(replacement):
            n = replacement[i + 1]
            python_repl += f"\\g<{n}>" if n.isdigit() else n.replace("\\", "\\\\")
            i += 2
            continue
        python_repl += "\\g<0>" if c == "&" else c.replace("\\", "\\\\")
        i += 1
    try:
        compiled = re.compile(regex, re.I if "I" in flags else 0)
    except re.error:
        return None
    return compiled, python_repl, 0 if "g" in flags else 1
