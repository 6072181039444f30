"""What the model-safety scripts' commands mean (QT601, QT604, QT607, QT608): the facts a
command establishes when it succeeds, for the path model of `qt_lint.shellflow`, and the
writes that change the active models or the model setting."""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Callable
from fnmatch import fnmatchcase

from qt_lint import lazyre
from qt_lint.command_model import (
    SHELLS,
    Command,
    Word,
    copy_operands,
    exec_commands,
    is_python_name,
    is_wrapper,
)
from qt_lint.config import Config, Contract
from qt_lint.record import field, record, replace
from qt_lint.shellflow import (
    BASH_BUILTINS,
    EMPTY,
    NOT_FOUND,
    UNSET,
    Classifier,
    Facts,
    Flow,
    Step,
    journal_input,
    read_variable,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # Python's code only: a shell script's run never imports `ast`
    import ast

# fact names (the steps the rules name in their messages)
GATE = "gate"  # the quality gate ran through the wrapper and passed
GATE_UNWRAPPED = "gate-unwrapped"  # the gate ran by another way
GATE_DEFEATED = "gate-defeated"  # the gate ran through the wrapper, told not to fail
TERMINAL = "terminal"  # there is a person at a terminal
CONFIRMED = "confirmed"  # a person's answer allowed going on
ARCHIVED = "archived"  # what is replaced was copied into archive/
GIT_HASH = "git-hash"  # `git rev-parse HEAD` ran
GIT_LOGGED = "git-hash-logged"  # the hash reached a file (the activation log)
LOGGED_TO = "git-hash-logged:"  # `git-hash-logged:/var/log/x.log`: the file it reached
GIT_JOURNAL = "git-hash-journal"  # the hash reached the journal (`| systemd-cat`, `logger`)
ARCHIVED_NEW = "archived-new"  # the archive copy has a name of its own (a timestamp in it)
WROTE = "wrote"  # the active models or the model setting changed
ENV_SOURCED = "env-sourced"
PATH_VENV = "path-venv"
PYTHONPATH = "pythonpath"
REDIS_CHECK = "redis-check"
DB_CHECK = "db-check"
VENV_CHECK = "venv-check"
BACKUP_CHECKED = "backup-checked"
JOURNAL = "journal"
_SILENT = frozenset({"true", "false", ":"})  # programs that print nothing
RESTARTED = "restarted"
CWD = "cwd:"  # `cwd:/etc/quantum`: the working directory, where a `cd` made it known
MAKEFLAGS_DEFEAT = "makeflags-defeat"  # MAKEFLAGS tells make to ignore or skip recipes
SCRIPT_RAN = "script-ran"  # the venv python ran (whatever its status)
SCRIPT_OK = "script-ok"  # the venv python ran and exited 0
BARE_PATH = "path-venv-only"  # PATH holds the venv's folders alone (no system folder)

_COPIERS = frozenset({"cp", "rsync", "install", "tar", "mv"})
_WRITERS = frozenset({"cp", "mv", "install", "rsync", "ln"})
_COLON = lazyre.compile(r":(?![^{}]*\})")  # PATH's separator, not the `:` of `${1:?x}`
# the command substitutions of a word: `$(...)` (one level of parentheses inside), `` `...` ``
_SUBSTITUTION = lazyre.compile(r"\$\(((?:[^()]|\([^()]*\))*)\)|`([^`]*)`")
_REDIRECTION = lazyre.compile(r"(?:^|\s)[0-9]*(?:>>?|<|&>>?|>&)\s*[^\s|;&]+")


def substitutions(text: str) -> list[list[list[str]]]:
    """The command substitutions in a word's text as run: for each, its first list's
    pipeline, as the words of each member (redirections left out; `$(a | b || c)` ->
    `[["a"], ["b"]]`); a substitution that does not split is left out."""
    out: list[list[list[str]]] = []
    for match in _SUBSTITUTION.finditer(text):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        first = re.split(r"\|\||&&|[;&\n]", body)[0]
        try:
            members = [shlex.split(_REDIRECTION.sub(" ", part)) for part in first.split("|")]
        except ValueError:
            continue
        out.append(members)
    return out


def _substituted_hash(word: Word, contract: Contract | None) -> bool:
    """The word, as bash expands it, holds HEAD's hash: a `$(git rev-parse HEAD)` in it
    that is run (not in single quotes) and whose output is the word's."""
    if not word.dynamic:
        return False
    for members in substitutions(word.text):
        head = members[0] if members else []
        if _hash_words(head, contract) and not _stdout_away(word.text, head):
            return True
    return False


def _stdout_away(text: str, head: list[str]) -> bool:
    """`$(git rev-parse HEAD >/dev/null)`: the substitution's output goes elsewhere."""
    return bool(re.search(r"\$\(\s*git\b[^)]*?(?:^|\s)1?>>?\s*\S", text))


def new_each_run(name: str) -> bool:
    """A file name that differs between two runs a second apart: a time stamp to the
    second or finer in it (`$(date +%s)`, `$(date +%Y%m%dT%H%M%S)`, `$(date +%s%N)`,
    `$EPOCHSECONDS`, or a variable set from one, as the walk expanded it). Not a day or a
    year (`+%F`, `+%Y`, `-I`), a fixed date (`date -d @0`), `%%s` (a literal `%s`), nor
    a default the caller's environment may replace that is itself fixed
    (`${TS:-20260101}`: the constant, unless the caller sets it). A variable not known
    when reading (the walk could not set it) counts: it may be anything."""
    if _EPOCH.search(name):
        return True
    for match in _SUBSTITUTION.finditer(name):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        try:
            words = shlex.split(re.split(r"\|\||&&|[;&|\n]", body)[0])
        except ValueError:
            return True
        if words and words[0].rsplit("/", 1)[-1] == "date":
            if _date_changes(words[1:]):
                return True
        elif words:
            return True  # another program's output: not known here
    rest = _SUBSTITUTION.sub("", name)
    for match in _PARAMETER.finditer(rest):
        variable, operator, default = match.group(1) or match.group(4), match.group(2), \
            match.group(3)
        if operator in ("-", "=", "+"):  # the default's value, unless the caller sets it
            if new_each_run(default or ""):
                return True
        elif not re.fullmatch(r"[0-9]+|[@*#?$!-]", variable or ""):
            return True  # not known here (the script's positional arguments are no stamp)
    return "`" in rest


_EPOCH = lazyre.compile(r"\$\{?EPOCH(?:SECONDS|REALTIME)\b")
# `${X:-word}` (group 1, the operator in 2, the word in 3), `${X}`/`$X` (4)
_PARAMETER = lazyre.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?::?([-=?+])([^{}]*))?\}|"
                            r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])")
# the conversions of date(1) that change every second (`%s`, `%S`, `%T`, `%N`, `%c`...)
_EACH_SECOND = lazyre.compile(r"%[-_0^#]*[0-9]*[sSTNrcX+]")
_FIXED_DATE = lazyre.compile(r"@-?[0-9.]+|.*[0-9]{4}-[0-9]{1,2}|.*[0-9]{1,2}:[0-9]{2}")


def _date_changes(args: list[str]) -> bool:
    """`date ARGS` prints something else a second later: a format with seconds (or the
    default one, `-R`, `-Iseconds`, `--rfc-3339=seconds`) of the clock (not `-d @0`, `-d
    2026-01-01`)."""
    fmt: str | None = None
    at = 0
    while at < len(args):
        arg = args[at]
        value = None
        if arg in ("-d", "--date"):
            value = args[at + 1] if at + 1 < len(args) else ""
            at += 1
        elif arg.startswith("--date="):
            value = arg.partition("=")[2]
        elif arg.startswith("-d") and not arg.startswith("--"):
            value = arg[2:]
        if value is not None and _FIXED_DATE.match(value):
            return False  # a date given: the same every run
        if arg.startswith("+"):
            fmt = arg[1:]
        elif re.fullmatch(r"-I|--iso-8601", arg) or arg in ("--rfc-3339=date",
                                                            "--iso-8601=date", "-Idate"):
            fmt = ""  # the day alone
        elif re.fullmatch(r"-I(?:hours|minutes)|--iso-8601=(?:hours|minutes)", arg):
            fmt = ""
        at += 1
    if fmt is None:
        return True  # the default format, `-R`, `-Iseconds`: to the second
    return _EACH_SECOND.search(fmt.replace("%%", "")) is not None


_ARCHIVE_DIR = lazyre.compile(r"(?:^|/)archive(?:/|$)")
_TAR_ARG = "fCTXbHgKLNV"  # short options of tar that take an argument


def tar_create(words: list[str]) -> tuple[str, list[str]] | None:
    """`tar -czf A SRC...`, `tar czf A -C DIR SRC`, `tar --create --file=A SRC`: (the
    archive written, the sources as paths: under `-C DIR`, DIR/SRC); None unless it
    creates an archive file."""
    archive: str | None = None
    cdir: str | None = None
    create = False
    sources: list[str] = []
    pending: list[str] = []  # the options whose argument comes next
    for index, word in enumerate(words):
        if pending:
            letter = pending.pop(0)
            archive = word if letter == "f" else archive
            cdir = word if letter == "C" else cdir
            continue
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            create = create or name == "create"
            if name in ("file", "directory"):
                if eq:
                    archive = value if name == "file" else archive
                    cdir = value if name == "directory" else cdir
                else:
                    pending.append("f" if name == "file" else "C")
            continue
        if word.startswith("-") or index == 0:  # `czf`: the old style, letters without `-`
            letters = word.lstrip("-")
            for at, letter in enumerate(letters):
                create = create or letter == "c"
                if letter in _TAR_ARG:
                    rest = letters[at + 1:]
                    if rest and word.startswith("-") and not pending:
                        archive = rest if letter == "f" else archive
                        cdir = rest if letter == "C" else cdir
                        break
                    pending.append(letter)
            continue
        sources.append(posixpath.join(cdir, word) if cdir and not word.startswith("/")
                       else word)
    if not create or archive is None:
        return None
    return archive, sources


def archive_sources(step: Step) -> list[str]:
    """What a copy into `archive/` copies (`cp -a SRC... archive/x`, `rsync`, `install`,
    `mv`, `tar -czf archive/x.tgz SRC`): its sources as run; empty when the command
    copies nothing into the archive."""
    command = step.command
    if command.name == "tar":
        made = tar_create([w.text for w in command.args])
        return made[1] if made is not None and _ARCHIVE_DIR.search(made[0]) else []
    if command.name == "cat":  # `cat SRC > "archive/$(date +%s)_x"`: a copy
        out = step.stdout
        if out is None or out.startswith("|") or not _ARCHIVE_DIR.search(out):
            return []
        return [w.text for w in command.args if not w.text.startswith("-")] + [
            t.text for op, t in step.redirects if op == "<"]
    if command.name not in _COPIERS:
        return []
    copy = copy_operands(command.name, command.args)
    if copy is not None:  # `install -m 0640 SRC archive/x`: the mode is no source
        if copy.directories:
            return []
        if copy.folders:
            dest, sources = copy.folders[-1], list(copy.operands)
        elif len(copy.operands) >= 2:
            dest, sources = copy.operands[-1], list(copy.operands[:-1])
        else:
            return []
        if not _ARCHIVE_DIR.search(from_cwd(command.cwd, dest).text):
            return []
        return [from_cwd(command.cwd, w).text for w in sources]
    args = [w for w in command.args if not w.text.startswith("-")]
    if len(args) < 2 or not _ARCHIVE_DIR.search(args[-1].text):
        return []
    return [w.text for w in args[:-1]]


def archive_destination(step: Step) -> str | None:
    """Where the archive copy is written, as run: the file, or the folder it is copied
    into, with a trailing `/` (`cp ENV "$ARCHIVE/"`, `cp -t "$ARCHIVE" ENV`: it keeps the
    source's name); None when the command copies nothing into the archive."""
    command = step.command
    if not archive_sources(step):
        return None
    if command.name == "cat":
        return step.stdout
    if command.name == "tar":
        made = tar_create([w.text for w in command.args])
        return made[0] if made is not None else None
    copy = copy_operands(command.name, command.args)
    if copy is not None:
        if copy.folders:
            return from_cwd(command.cwd, copy.folders[-1]).text.rstrip("/") + "/"
        dest = from_cwd(command.cwd, copy.operands[-1]).text
    else:
        dest = [w for w in command.args if not w.text.startswith("-")][-1].text
    return dest.rstrip("/") + "/" if re.search(r"(?:^|/)archive/*$", dest) else dest


def archive_named(step: Step) -> bool:
    """The archive copy gets a path of its own under `archive/` each run (a time stamp in
    it: `archive/$(date +%s)_x`, `archive/$STAMP/` as a folder), or one not known when
    reading (a variable the script does not set): a fixed name (`archive/ai-engine.env`)
    or the source's own (`cp ENV archive/`) is overwritten by the next activation."""
    dest = archive_destination(step)
    if dest is None:
        return False
    parts = _ARCHIVE_DIR.split(dest)
    below = parts[-1] if len(parts) > 1 else dest
    # `'archive/$(date +%s)_x'`: single quotes run no `date`
    words = [*step.command.args, *(t for _, t in step.redirects)]
    quoted = any(below in w.text and not w.dynamic for w in words) and not any(
        below in w.text and w.dynamic for w in words)
    return not quoted and new_each_run(below)


def archive_covers(source: str, target: str) -> bool:
    """The archived `source` holds what a write of `target` replaces: the same file, or a
    folder containing it (`cp -a "$ACTIVE" ...` for `$ACTIVE/x.pkl`). A path not known
    when reading (`$1`, a glob, relative to the folder the script is in) may be anything:
    it counts."""
    folder = target.endswith("/")  # `cp new.pkl "$ACTIVE/"`: a file in it is replaced
    source, target = source.rstrip("/") or "/", target.rstrip("/") or "/"
    if re.search(r"[$`*?\[]", source) or re.search(r"[$`]", target):
        return True
    if not source.startswith("/") or not target.startswith("/"):
        return True  # relative to a folder the script `cd`s into: not known here
    source, target = posixpath.normpath(source), posixpath.normpath(target)
    if re.search(r"[*?\[]", target) and fnmatchcase(source, target):
        return True  # `for f in /etc/quantum/*.env`: the archived file is one it names
    return target == source or target.startswith(source.rstrip("/") + "/") or (
        folder and source.startswith(target.rstrip("/") + "/"))


def reads_git_hash(step: Step, contract: Contract | None = None) -> bool:
    """`git rev-parse HEAD`, `git -C /repo log -1 --format=%H`."""
    return step.command.name == "git" and _git_hash(step.command.words, contract)


def git_hash_sink(step: Step, contract: Contract | None = None) -> str | None:
    """Where the command sends HEAD's hash: a file (`git rev-parse HEAD >> "$LOG"`, `echo
    "git=$(git rev-parse HEAD)" | tee -a "$LOG"`, `$HASH` set from it), "journal" (`|
    systemd-cat`, `logger "... $(git rev-parse HEAD)"`); None when it sends none (the
    hash to /dev/null, standard output or stderr, in single quotes, another commit's)."""
    command = step.command
    read = journal_input(command.name, [w.text for w in command.args])
    if command.name in ("systemd-cat", "logger"):
        # what it logs: the command it runs, logger's message, or standard input (a
        # here-string here; a pipe's is the writer's)
        if read is None or read[0] == "file":
            return None
        if read[0] == "stdin":
            words = [t for op, t in step.redirects if op == "<<<"]
        else:
            words = list(command.args[read[1]:])
        git = [w.text for w in words]
        hashed = (read[0] == "command" and git[:1] == ["git"] and
                  _hash_words(git, contract)) or any(_substituted_hash(w, contract)
                                                     for w in words)
        return "journal" if hashed else None
    carries = (command.name == "git" and _git_hash(command.words, contract)) or any(
        _substituted_hash(w, contract) for w in step.written or command.words)
    if not carries:
        return None
    out = step.stdout
    if out in ("|systemd-cat", "|logger"):
        return "journal"
    if out is None or out.startswith(("|", "/dev/")):
        return None
    return out


def logs_git_hash(step: Step, contract: Contract | None = None) -> bool:
    """The command sends the git hash to a file (the activation log)."""
    sink = git_hash_sink(step, contract)
    return sink is not None and sink != "journal"


def _replaced_files(step: Step) -> set[str]:
    """The files a command empties or replaces: `> F`, `: > F`, `truncate F`, `rm F`, `cp X
    F`, `tee F` (without `-a`)."""
    command = step.command
    out = {t.text for op, t in step.redirects if op in (">", ">|", "&>")}
    texts = [w.text for w in command.args]
    if command.name in ("truncate", "rm", "unlink", "shred"):
        skip = False
        for text in texts:
            if skip:
                skip = False
            elif text in ("-s", "--size", "-r", "--reference"):
                skip = True
            elif not text.startswith("-"):
                out.add(text)
    elif command.name == "tee" and not any(t in ("-a", "--append") for t in texts):
        out |= {t for t in texts if not t.startswith("-")}
    else:
        copy = copy_operands(command.name, command.args)
        if copy is not None and not copy.folders and len(copy.operands) >= 2:
            out.add(copy.operands[-1].text)
        if command.name == "mv" and copy is not None:  # `mv LOG LOG.old`: LOG is gone
            sources = copy.operands if copy.folders else copy.operands[:-1]
            out |= {w.text for w in sources}
    return out


def _moved_to(step: Step, path: str) -> str | None:
    """Where `mv` puts `path` (a file it moves): the new name, or the folder's file."""
    copy = copy_operands(step.command.name, step.command.args) \
        if step.command.name == "mv" else None
    if copy is None:
        return None
    if copy.folders:
        return posixpath.join(copy.folders[-1].text, posixpath.basename(path)) \
            if any(w.text == path for w in copy.operands) else None
    if len(copy.operands) == 2 and copy.operands[0].text == path:
        return copy.operands[1].text
    return None


def _test_words(step: Step) -> list[str]:
    return [w.text for w in step.command.words if w.text not in ("[", "[[", "]", "]]", "test")]


def model_setting_file(path: str, contract: Contract) -> bool:
    """`/etc/quantum/<name>.env` or any `.env.model_config`: where the model setting lives."""
    if path.rstrip("/").rsplit("/", 1)[-1] == ".env.model_config":
        return True
    env = contract.env_dir.rstrip("/") + "/"
    name = path[len(env):]
    # a glob standing for the files it matches (`/etc/quantum/*.env`, `/etc/quantum/*`)
    return path.startswith(env) and (name.endswith(".env") or (
        name.endswith("*") and not path.endswith("/*/*"))) and "/" not in name


def in_active(path: str) -> bool:
    from qt_lint.rules.models.qt602_active_model_write import in_active_dir

    return in_active_dir(path)


def written_targets(step: Step, contract: Contract) -> list[Word]:
    """The files a command writes: the destination of `cp`/`mv`/`install`/`ln` (read with
    their option grammar: `install -m 0640 src DEST`, `-t DIR`, `-T`) and `rsync`, the files
    of `tee` and `sed -i`, and `>`/`>>` redirections. A relative path is read from the
    working directory a `cd`/`pushd` before it made known (`cd /etc/quantum && sed -i ...
    ai-engine.env`)."""
    from qt_lint.rules.models.qt602_active_model_write import target_directories

    command = step.command
    name = command.name
    args = [w for w in command.args if not w.text.startswith("-")]
    out: list[Word] = []
    copy = copy_operands(name, command.args)
    if copy is not None:
        if copy.directories:  # `install -d DIR...` creates folders
            pass
        elif copy.folders:  # `cp -t DIR src...`: each source lands in DIR under its own name
            out.extend(_into(from_cwd(command.cwd, folder), source)
                       for folder in copy.folders for source in copy.operands)
        elif len(copy.operands) >= 2:
            *sources, dest = copy.operands
            dest = from_cwd(command.cwd, dest)
            if not copy.no_target and _is_folder(dest.text, contract):  # `cp a.env /etc/quantum/`
                out.extend(_into(dest, source) for source in sources)
            else:
                out.append(dest)
    elif name in _WRITERS and (folders := target_directories(command.args)):
        sources = [w for w in args if all((w.line, w.column) != (f.line, f.column)
                                          for f in folders)]
        out.extend(_into(folder, source) for folder in folders for source in sources)
    elif name in _WRITERS and len(args) >= 2:
        if _is_folder(args[-1].text, contract):
            out.extend(_into(args[-1], source) for source in args[:-1])
        else:
            out.append(args[-1])
    elif name == "perl":
        out.extend(_perl_in_place(command.args))
    elif name == "dd":  # `dd of=FILE`
        out.extend(Word(w.text[3:], w.line, w.column + 3, w.dynamic)
                   for w in command.args if w.text.startswith("of=") and len(w.text) > 3)
    elif name == "tee":
        out.extend(args)
    elif name == "sed" and any(w.text.startswith("-i") or w.text.startswith("--in-place")
                               or (w.text.startswith("-") and "i" in w.text[1:] and
                                   not w.text.startswith("--"))
                               for w in command.args):
        out.extend(args[1:] if not any(w.text == "-e" for w in command.args) else args)
    else:  # `truncate`, `ed`, `ex -c wq`, `python3 -c`, `find -exec` (program_writes)

        out.extend(program_writes(step, lambda inner: written_targets(inner, contract)))
    if name == "sed":  # `sed -n '/x/w FILE'`, `s/a/b/w FILE`: the file its script writes
        out.extend(_sed_w(command.args))
    for operator, target in step.redirects:
        if operator.startswith((">", "&>")):
            out.append(target)
    return [from_cwd(command.cwd, w) for w in out]


_SED_W = lazyre.compile(r"(?:^|[;{}\n])\s*(?:[0-9$]+(?:,[0-9$]+)?|/(?:[^/\\]|\\.)*/)?\s*!?\s*"
                        r"w\s+([^;\n}]+)|s(.)(?:(?!\2).|\\.)*\2(?:(?!\2).|\\.)*\2[gpIiMme0-9]*"
                        r"w\s+([^\n]+)")


def _sed_w(args: tuple[Word, ...]) -> list[Word]:
    """The files a sed script's `w FILE` command (or `s///w FILE` flag) writes."""
    scripts = [args[i + 1] for i, w in enumerate(args[:-1]) if w.text in ("-e", "--expression")]
    if not scripts:
        scripts = [w for w in args if not w.text.startswith("-")][:1]
    out: list[Word] = []
    for script in scripts:
        for match in _SED_W.finditer(script.text):
            path = (match.group(1) or match.group(3) or "").strip()
            if path and not path.startswith("/dev/"):
                out.append(Word(path, script.line, script.column, script.dynamic))
    return out


def from_cwd(cwd: Word | None, word: Word) -> Word:
    """A relative path read from the known working directory (as written otherwise)."""
    if cwd is None or word.dynamic or not word.text or word.text.startswith(("/", "$", "~")):
        return word
    return Word(posixpath.normpath(posixpath.join(cwd.text, word.text)), word.line,
                word.column, word.dynamic)


def _is_folder(text: str, contract: Contract) -> bool:
    """A destination that is a folder: written with a trailing `/`, or the setting's
    folder (`/etc/quantum`) or an `active` models folder by name."""
    bare = text.rstrip("/")
    return text.endswith("/") or bare == contract.env_dir.rstrip("/") or (
        bare.rsplit("/", 1)[-1] == "active" and in_active(bare))


def _into(folder: Word, source: Word) -> Word:
    """The file a copy of `source` into `folder` writes: the folder and the source's name."""
    base = source.text.rstrip("/").rsplit("/", 1)[-1]
    return Word(folder.text.rstrip("/") + "/" + base, folder.line, folder.column,
                folder.dynamic or source.dynamic)


def _perl_in_place(args: tuple[Word, ...]) -> list[Word]:
    """`perl -pi -e CODE FILE...`, `-i.bak`, `-pi.bak`, `-ni`: the files edited in place
    (perlrun: `-i[ext]` takes the rest of its cluster; `-e`/`-E` the next word; without
    `-e` the first operand is the program)."""
    in_place = code = False
    operands: list[Word] = []
    index = 0
    while index < len(args):
        text = args[index].text
        index += 1
        if text == "--":
            operands.extend(args[index:])
            break
        if not text.startswith("-") or len(text) < 2 or operands:
            operands.append(args[index - 1])
            continue
        for at, flag in enumerate(text[1:], start=1):
            if flag == "i":
                in_place = True
                break  # the rest is the backup extension
            if flag in "eE":
                code = True
                if at == len(text) - 1:
                    index += 1  # the code is the next word
                break
            if flag in "IMmdlx0C":  # their value is attached
                break
    if not in_place:
        return []
    return operands if code else operands[1:]


def model_write(step: Step, contract: Contract) -> Word | None:
    """The target when the command changes the active models or the model setting."""
    for target in written_targets(step, contract):
        if in_active(target.text) or model_setting_file(target.text, contract):
            return target
    return None


def _runs_script(step: Step, script: str, contract: Contract) -> str | None:
    """"wrapped" when the command runs `script` through the wrapper, "other" when it runs it
    otherwise (a python, the script itself), None when it does not run it."""
    return _script_run(step, script, contract)[0]


def _script_run(step: Step, script: str, contract: Contract) -> tuple[str | None, int]:
    """`_runs_script`'s answer and the index of the word that names the script (the
    `quality-gate` target of `make`)."""
    command = step.command
    base = script.rsplit("/", 1)[-1]
    names = [w.text.rsplit("/", 1)[-1] for w in command.words]
    if base not in names:
        if command.name == "make" and script == contract.quality_gate:
            for i, w in enumerate(command.words):
                if i and w.text == "quality-gate":
                    return "wrapped", i
        return None, 0
    return _how(step, base, contract), names.index(base)


def _how(step: Step, base: str, contract: Contract) -> str | None:
    command = step.command
    if is_wrapper(command.program.text, contract) or \
            command.program.text.endswith("/" + contract.wrapper):
        return "wrapped"
    if command.name in ("bash", "sh") and command.args and (
            is_wrapper(command.args[0].text, contract)
            or command.args[0].text.endswith("/" + contract.wrapper)):
        return "wrapped"  # `bash ops/run.sh ...`: the shell runs the wrapper
    if is_python_name(command.name) or command.name == base or \
            command.program.text.endswith("/bin/python") or command.name in ("bash", "sh"):
        return "other"
    return None


def step_write(step: Step, contract: Contract, repo: Repo | None = None
               ) -> tuple[Word, str | None] | None:
    """What a command changes of the active models or the model setting: (the target, None)
    for its own write, (the call's word, "<program>, which writes <target>") when it runs
    a repository program that does (followed only with `repo`)."""
    target = model_write(step, contract)
    if target is not None:
        return target, None
    if repo is None:
        return None
    found = program_write(step, repo)
    if found is None:
        return None
    word, program, written = found
    return word, f"{program}, which writes {written}"


def classify(step: Step, facts: Facts, contract: Contract, repo: Repo | None = None
             ) -> tuple[Facts, Facts]:
    """The facts a command establishes (when it succeeds, when it fails). With `repo`,
    the repository programs it runs are read: one that changes the model is a write
    here, and a quality gate told not to fail (`SKIP_GATE=1`, `--dry-run`) is not run."""
    command = step.command
    name = command.name
    if step.test:
        return _classify_test(step, facts, contract)
    if name == "=":  # an assignment `KEY=value`
        key, _, value = command.words[0].text.partition("=")
        return _assigned(key, value, contract, facts) | _set(key, value) | {
            f"-{UNSET}{key}"}, EMPTY
    if name in ("export", "declare", "typeset", "readonly", "local"):
        return _declared(name, command.args, facts, contract), EMPTY
    if name == "unset" and not command.wrappers:
        if any(w.text == "-f" for w in command.args):
            return EMPTY, EMPTY
        gone: set[str] = set()
        for word in command.args:
            if not word.text.startswith("-"):
                gone |= _unset(word.text) | {f"-set:{word.text}", f"{UNSET}{word.text}"}
        return frozenset(gone), EMPTY
    if name in ("cd", "pushd", "popd") and not command.wrappers:
        return _chdir(step, facts), EMPTY
    step = in_cwd(step, facts)  # `cd /etc/quantum && sed -i ... ai-engine.env`
    command = step.command
    true: set[str] = set()
    if BARE_PATH in facts and _not_in_venv(command):
        true.add(NOT_FOUND)
    gate, at = _script_run(step, contract.quality_gate, contract)
    if gate == "wrapped":
        if gate_defeat_of(step, facts, contract, repo, at) is not None:
            return frozenset({GATE_DEFEATED}), frozenset({GATE_DEFEATED})
        true.add(GATE)
    elif gate == "other":
        return frozenset({GATE_UNWRAPPED}), frozenset({GATE_UNWRAPPED})
    if step_write(step, contract, repo) is not None:
        true.add(WROTE)
        # a restart before the write brought the service up with what it replaces: only a
        # later one applies the write
        true |= {f"-{f}" for f in facts if f == RESTARTED or f.startswith(_RESTART_FACTS)}
    logged = _hash_logged(step, facts, contract)
    if name == "git" and _git_hash(command.words, contract):
        return frozenset({GIT_HASH}) | logged, frozenset({GIT_HASH}) | logged
    # the hash sent to the log (a log that cannot be written is not this rule's concern)
    sources = archive_sources(step)
    if sources and archive_named(step):
        true.add(ARCHIVED_NEW)
    if name == "cat" and sources:
        true |= {ARCHIVED, *(f"archived:{source}" for source in sources)}
    if name in _COPIERS:
        args = [w for w in command.args if not w.text.startswith("-")]
        copy = copy_operands(name, command.args)
        if copy is not None:  # `install -m 0640 backup.env DEST`: the mode is no operand
            args = [*copy.operands, *copy.folders[-1:]]
        if (name != "tar" and len(args) >= 2 and re.search(r"(?:^|/)archive/", args[-1].text)
                ) or sources:
            true.add(ARCHIVED)
        true |= {f"archived:{source}" for source in sources}
        if len(args) >= 2 and model_setting_file(args[-1].text, contract) and \
                re.search(r"(?i)backup|archive|\.bak|prev", args[0].text):
            true.add("restored")
    if name == "tty" and all(w.text in ("-s", "--silent", "--quiet") for w in command.args):
        true.add(TERMINAL)  # `tty -s`, or `tty` printing the name: status 1 without one
    tty = any(op == "<" and t.text == "/dev/tty" for op, t in step.redirects)
    if name == "read" and tty:
        # the answer comes from a person at the terminal, when it opens (without one the
        # read fails, status 1: the answer stays empty)
        answer = frozenset({f"tty-read:{read_variable(command)}"})
        return frozenset({TERMINAL}) | answer, answer
    if name == "exec" and not command.args and tty:
        return frozenset({TERMINAL}), EMPTY  # `exec </dev/tty`: it fails without a terminal
    if name in ("source", ".") and command.args:
        target = command.args[0].text
        env = contract.env_dir.rstrip("/") + "/"
        if target.startswith(env) and target.endswith(".env"):
            true.add(ENV_SOURCED)
    if name == "redis-cli" and any(w.text.lower() == "ping" for w in command.args):
        true.add(REDIS_CHECK)
    if name in ("systemd-cat", "logger"):
        words = [w.text for w in command.args]
        sent = journal_input(name, words)
        # not `logger --no-act`, nor `systemd-cat true` (which runs a command that prints
        # nothing: the journal gets no entry)
        if sent is not None and not (sent[0] == "command" and
                                     words[sent[1]].rsplit("/", 1)[-1] in _SILENT):
            true.add(JOURNAL)
    if runs_venv_python(step, contract):
        true |= {SCRIPT_RAN, SCRIPT_OK}
    if name == "systemctl":
        true |= _systemctl(command.args, contract)
    # `PYTHONPATH=/home/qt/quantum_trader exec ...`, `exec env -u PYTHONPATH ...`: what the
    # program started gets (the last assignment wins)
    for key, value in [*step.assigns, *_env_assigns(step)]:
        if key == "PYTHONPATH" and _has_repo(value, contract):
            true.add(PYTHONPATH)
        true |= _assigned(key, value, contract, facts)
    true |= _env_clears(step)
    ran = frozenset({SCRIPT_RAN}) if SCRIPT_OK in true else EMPTY
    return frozenset(true) | logged, ran | logged


# what a venv's bin/ holds (pip's scripts, the interpreter, activate)
_VENV_PROGRAMS = lazyre.compile(r"(?:python|pip)[0-9.]*|activate.*|wheel|easy_install.*")


def _not_in_venv(command: Command) -> bool:
    """A program run by its bare name that is no builtin and nothing a venv's bin/ holds."""
    first = command.words[0].text if command.words else ""
    name = command.program.text
    return "/" not in name and not command.program.dynamic and name not in BASH_BUILTINS \
        and first not in BASH_BUILTINS and _VENV_PROGRAMS.fullmatch(name) is None


def _hash_logged(step: Step, facts: Facts, contract: Contract) -> Facts:
    """The hash sent to a file (GIT_LOGGED, and the file) or to the journal; a file the
    hash went to emptied or replaced after (`: > "$LOG"`) no longer holds it (a log that
    cannot be written is not this rule's concern)."""
    sink = git_hash_sink(step, contract)
    if sink == "journal":
        return frozenset({GIT_JOURNAL})
    if sink is not None:
        return frozenset({GIT_LOGGED, LOGGED_TO + sink})
    logs = {f[len(LOGGED_TO):] for f in facts if f.startswith(LOGGED_TO)}
    gone = logs & _replaced_files(step)
    if not gone:
        return EMPTY
    kills = {f"-{LOGGED_TO}{f}" for f in gone}
    # `mv LOG OTHER`: the lines are in OTHER now
    moved = {m for f in gone if (m := _moved_to(step, f)) is not None}
    if moved:
        return frozenset((kills - {f"-{LOGGED_TO}{m}" for m in moved}) |
                         {LOGGED_TO + m for m in moved})
    return frozenset(kills | ({f"-{GIT_LOGGED}"} if logs <= gone else set()))


def runs_venv_python(step: Step, contract: Contract) -> bool:
    """The command runs a venv's python by its full path (`/opt/quantum/venvs/x/bin/python`)."""
    program = step.command.program.text
    root = contract.venv_root.rstrip("/") + "/"
    return program.startswith(root) and "/bin/" in program and \
        is_python_name(program.rsplit("/", 1)[-1])


def python_options(step: Step) -> tuple[list[str], str]:
    """python's own options before what it runs, as CPython reads its command line (`-IB`
    combined, `-W error` taking the next word, `-c`/`-m` ending the options), and what it
    runs: "script", "-" (standard input), "-c" (a string), "-m" (a module) or "" (nothing)."""
    args = [w.text for w in step.command.args]
    options: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-":
            return options, "-"
        if arg == "--":
            return options, "script" if i + 1 < len(args) else ""
        if not arg.startswith("-"):
            return options, "script"
        options.append(arg)
        letters = arg[1:] if not arg.startswith("--") else ""
        cut = next((k for k, ch in enumerate(letters) if ch in "cmWX"), len(letters))
        if cut < len(letters):
            if letters[cut] in "cm":
                return options, "-" + letters[cut]
            if cut == len(letters) - 1:
                i += 1  # `-W error`: the next word is the option's value
        i += 1
    return options, ""


def ignores_pythonpath(step: Step) -> str | None:
    """The python option that makes it ignore PYTHONPATH (`-E`, `-I`, also combined as
    `-IB`, `-sE`), given before the script: the option as written."""
    for option in python_options(step)[0]:
        letters = option[1:] if not option.startswith("--") else ""
        cut = next((k for k, ch in enumerate(letters) if ch in "cmWX"), len(letters))
        if any(ch in "IE" for ch in letters[:cut]):
            return option
    return None


_ENVIRONMENT = (ENV_SOURCED, PATH_VENV, PYTHONPATH)


def _set(key: str, value: str) -> Facts:
    """`KEY=value` in the shell: `set:KEY`, the script's own value, unless the value reads
    KEY (`BACKUP=${BACKUP:-x}` keeps a caller's)."""
    if re.search(r"\$\{?" + re.escape(key) + r"(?![A-Za-z0-9_])", value):
        return EMPTY
    return frozenset({f"set:{key}"})


def _unset(key: str) -> set[str]:
    """What `unset KEY` (or `env -u KEY`) undoes."""
    out = {f"-exported:{key}"}
    if key == "PYTHONPATH":
        out |= {f"-{PYTHONPATH}", "-pythonpath-set"}
    elif key == "PATH":
        out.add(f"-{PATH_VENV}")
    return out


def _declared(name: str, args: tuple[Word, ...], facts: Facts, contract: Contract) -> Facts:
    """`export PYTHONPATH=...`, `export -n PYTHONPATH`, `declare -x ...`, `local ...`: a
    value the programs run later see only when it is exported; a value without the
    repository (or the variable unexported) undoes an earlier export."""
    flags = {w.text for w in args if w.text[:1] in "-+"}
    unexport = (name == "export" and any(f.startswith("-") and "n" in f for f in flags)) or \
        any(f.startswith("+") and "x" in f for f in flags)
    exported = name == "export" or any(f.startswith("-") and "x" in f for f in flags)
    found: set[str] = set()
    for word in args:
        if word.text[:1] in "-+":
            continue
        key, sep, value = word.text.partition("=")
        if not key:
            continue
        if unexport:
            found |= _unset(key) - {"-pythonpath-set"}
            continue
        was = exported or f"exported:{key}" in facts
        if sep:
            found |= _assigned(key, value, contract, facts) | _set(key, value) | {
                f"-{UNSET}{key}"}
        if key == "PYTHONPATH" and was and ((sep and _has_repo(value, contract)) or (
                not sep and "pythonpath-set" in facts)):
            found.add(PYTHONPATH)
        if exported:
            found.add(f"exported:{key}")  # seen by the programs run after it
            found.discard(f"-exported:{key}")
    return frozenset(found)


def _prefix_words(step: Step) -> list[str]:
    """The words run before the program: `exec -c`, `env -u X Y=1`, `nohup`."""
    program = step.command.program
    out: list[str] = []
    for word in step.written:
        if (word.line, word.column) == (program.line, program.column):
            break
        out.append(word.text)
    return out


def _env_assigns(step: Step) -> list[tuple[str, str]]:
    """`env A=1 prog`: the assignments `env` makes for the program."""
    words = _prefix_words(step)
    if "env" not in [w.rsplit("/", 1)[-1] for w in words]:
        return []
    return [(key, value) for key, sep, value in (w.partition("=") for w in words)
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key)]


def _env_clears(step: Step) -> set[str]:
    """`exec -c`, `env -i`, `env -`: the program starts with an empty environment (what
    the wrapper set is gone); `env -u X`, `env --unset=X`: without X."""
    words = _prefix_words(step)
    out: set[str] = set()
    command: str | None = None
    for i, word in enumerate(words):
        base = word.rsplit("/", 1)[-1]
        if i == 0 or base in ("exec", "env", "command", "nohup", "sudo"):
            command = base if base in ("exec", "env") else command
            if base in ("exec", "env"):
                continue
        if command == "exec" and word.startswith("-") and "c" in word[1:]:
            out |= {f"-{f}" for f in _ENVIRONMENT}
        if command == "env":
            if word in ("-i", "--ignore-environment", "-"):
                out |= {f"-{f}" for f in _ENVIRONMENT}
            elif word in ("-u", "--unset") and i + 1 < len(words):
                out |= _unset(words[i + 1])
            elif word.startswith("--unset="):
                out |= _unset(word.split("=", 1)[1])
            elif word.startswith("-u") and len(word) > 2:
                out |= _unset(word[2:])
    return out  # an assignment `env -i PATH=...` makes is added after: it wins


# `try-restart` and `reload-or-restart` leave a stopped service stopped, or only reload it:
# a rollback follows a failed start as often as not
RESTART_VERBS = ("restart",)
_RESTART_FACTS = ("restarted:", "started:")


def _systemctl(args: tuple[Word, ...], contract: Contract) -> set[str]:
    """`systemctl restart quantum-x`: `restarted:quantum-x` (and RESTARTED); `start` of a
    quantum unit: `started:<unit>` (a oneshot that restarts). `--no-block` only queues the
    job: its failure is never seen, so it establishes nothing."""
    texts = [w.text for w in args]
    if "--no-block" in texts:
        return set()
    verbs = [t for t in texts if not t.startswith("-")]
    if not verbs or verbs[0] not in (*RESTART_VERBS, "start"):
        return set()
    out: set[str] = set()
    for unit in verbs[1:]:
        if not unit.startswith(contract.unit_prefix):
            continue
        stem = unit.removesuffix(".service")
        out |= {RESTARTED, f"{'started' if verbs[0] == 'start' else 'restarted'}:{stem}"}
    return out


def _git_hash(words: tuple[Word, ...], contract: Contract | None = None) -> bool:
    return _hash_words([w.text for w in words], contract)


# what `rev-parse` prints instead of a hash with these
_NOT_A_HASH = ("--abbrev-ref", "--symbolic", "--symbolic-full-name", "--show-", "--git-",
               "--is-", "--local-env-vars", "--resolve-git-dir", "--absolute-git-dir")


def _hash_words(texts: list[str], contract: Contract | None) -> bool:
    """`git rev-parse HEAD` (`--short`, `--verify`, `HEAD^{commit}`), `git log -1
    --format=%H`: HEAD's hash, of the repository (`-C` the repository root, or a path not
    known when reading). `HEAD~1`, `--abbrev-ref HEAD`, `-C /elsewhere` are not."""
    if not texts or texts[0].rsplit("/", 1)[-1] != "git":
        return False
    texts = texts[1:]
    where: list[str] = []
    while texts and texts[0].startswith("-"):  # `git -C /repo rev-parse HEAD`
        option, _, value = texts[0].partition("=")
        if option in ("-C", "--git-dir", "--work-tree") and not value:
            where += texts[1:2]
        elif option in ("--git-dir", "--work-tree"):
            where.append(value)
        texts = texts[2:] if texts[0] in ("-C", "-c", "--git-dir", "--work-tree") else \
            texts[1:]
    if contract is not None and not all(_in_repository(w, contract) for w in where):
        return False
    if texts[:1] == ["rev-parse"]:
        options = [t for t in texts[1:] if t.startswith("-")]
        revisions = [t for t in texts[1:] if not t.startswith("-")]
        return revisions in (["HEAD"], ["HEAD^{commit}"], ["HEAD^0"]) and not any(
            o.startswith(_NOT_A_HASH) for o in options)
    if texts[:1] == ["log"]:
        revisions = [t for t in texts[1:] if not t.startswith("-")]
        return any("%H" in t or "%h" in t for t in texts) and revisions in ([], ["HEAD"])
    return False


def _in_repository(path: str, contract: Contract) -> bool:
    """`git -C PATH`: the repository root or a folder in it, or a path not known here."""
    if "$" in path or "`" in path or not path.startswith("/"):
        return True
    root = posixpath.normpath(contract.repo_root)
    path = posixpath.normpath(path)
    return path == root or path.startswith(root.rstrip("/") + "/")


# `${PYTHONPATH:+:$PYTHONPATH}`: empty, or a separator and the inherited value
_ALTERNATE = lazyre.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?\+(:?)[^{}]*?(:?)\}")


def _has_repo(value: str, contract: Contract) -> bool:
    """One of the value's paths is the repository root (`$ROOT${PYTHONPATH:+:$PYTHONPATH}`
    counts: the root, then the inherited paths, if any)."""
    root = contract.repo_root.rstrip("/")
    for _ in range(8):  # nested when the walk expanded the variable into itself
        value, count = _ALTERNATE.subn(lambda m: m.group(1) + "$inherited" + m.group(2), value)
        if not count:
            break
    return any(part.rstrip("/") == root for part in _COLON.split(value))


def _assigned(key: str, value: str, contract: Contract, facts: Facts = EMPTY) -> Facts:
    """`KEY=value`: PATH with the venv's bin/ (any other value undoes it, unless it keeps
    the old one, `$PATH` still unknown), PYTHONPATH with the repository (another value
    undoes it: the last assignment wins; a variable exported before stays exported)."""
    if key == "PATH":
        venvs = contract.venv_root.rstrip("/") + "/"
        parts = _COLON.split(value)
        if any(p.startswith(venvs) and p.rstrip("/").endswith("/bin") for p in parts):
            # `PATH="$VENV/bin"` alone: only the venv's own programs are found
            bare = all(p.startswith(venvs) for p in parts)
            return frozenset({PATH_VENV, BARE_PATH if bare else f"-{BARE_PATH}"})
        if not re.search(r"\$\{?PATH\b", value):
            return frozenset({f"-{PATH_VENV}", f"-{BARE_PATH}"})
        return EMPTY
    if key == "MAKEFLAGS":
        return frozenset({MAKEFLAGS_DEFEAT if makeflags_defeats(value)
                          else f"-{MAKEFLAGS_DEFEAT}"})
    if key == "PYTHONPATH":
        if _has_repo(value, contract):
            return frozenset({"pythonpath-set"}) | (
                frozenset({PYTHONPATH}) if "exported:PYTHONPATH" in facts else EMPTY)
        if not re.search(r"\$\{?PYTHONPATH\b", value):
            return frozenset({"-pythonpath-set", f"-{PYTHONPATH}"})
    return EMPTY


_FILE_TESTS = frozenset({"-f", "-e", "-s", "-r", "-d", "-x", "-w", "-n"})


def _classify_test(step: Step, facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    words = _test_words(step)
    if words and words[0] == "case":
        return _case(words[1], words[2:], facts), EMPTY
    return _expression(words, facts, contract)


def _split(words: list[str], operator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word in (operator, "-o" if operator == "||" else "-a"):
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


def _expression(words: list[str], facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    """`[[ A || B ]]`: true when either is (what both give), false when both are not (what
    either gives); `&&` the other way round."""
    words = [w for w in words if w not in ("(", ")")]
    for operator in ("||", "&&"):
        parts = _split(words, operator)
        if len(parts) > 1:
            results = [_expression(part, facts, contract) for part in parts]
            trues = [t for t, _ in results]
            falses = [f for _, f in results]
            if operator == "||":
                return frozenset.intersection(*trues), frozenset.union(*falses)
            return frozenset.union(*trues), frozenset.intersection(*falses)
    return _single(words, facts, contract)


def _single(words: list[str], facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    negated = False
    while words and words[0] == "!":
        negated = not negated
        words = words[1:]
    true: set[str] = set()
    false: set[str] = set()
    if len(words) == 2 and words[0] == "-t" and words[1] in ("0", '"0"'):
        true.add(TERMINAL)
    elif len(words) == 2 and words[0] in _FILE_TESTS:
        subject = words[1]
        venvs = contract.venv_root.rstrip("/") + "/"
        if words[0] != "-n" and (contract.db_path in subject or subject.endswith(".db") or
                                 "DB_PATH" in subject):
            true.add(DB_CHECK)
        if words[0] in ("-d", "-x", "-f", "-e") and subject.startswith(venvs):
            true.add(VENV_CHECK)
        if re.search(r"(?i)backup|archive|\.bak", subject):
            true.add(BACKUP_CHECKED)
    elif len(words) == 2 and words[0] == "-z" and re.search(r"(?i)backup|archive|\.bak",
                                                            words[1]):
        false.add(BACKUP_CHECKED)
    elif len(words) == 3 and words[1] in ("=", "==", "!=") and _pong(words[0], words[2]):
        (false if words[1] == "!=" else true).add(REDIS_CHECK)
    elif len(words) == 3 and words[1] in ("=", "==", "!=", "=~"):
        confirmed = _answer(words[0], words[1], words[2], facts)
        if confirmed is not None:
            side = false if confirmed == "false" else true
            side.add(CONFIRMED)
            if _read_var(words[0], facts, "tty-read") or _read_var(words[2], facts, "tty-read"):
                side.add(TERMINAL)  # an explicit answer read from /dev/tty: a person there
    on_true, on_false = frozenset(true), frozenset(false)
    return (on_false, on_true) if negated else (on_true, on_false)


_PING = lazyre.compile(r"(?i)\$\(\s*(?:\S*/)?redis-cli\b[^()]*\bping\b[^()]*\)")


def _pong(left: str, right: str) -> bool:
    """`"$(redis-cli ping)" = PONG`: Redis's answer compared with PONG (stricter than
    redis-cli's exit status)."""
    return any(_PING.fullmatch(a.strip('"')) is not None and b.strip("\"'") == "PONG"
               for a, b in ((left, right), (right, left)))


def _read_var(text: str, facts: Facts, kind: str = "read") -> bool:
    match = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", text.strip('"'))
    return match is not None and f"{kind}:{match.group(1)}" in facts


def _matches_empty(operator: str, pattern: str) -> bool:
    pattern = pattern.strip("\"'")
    if operator == "=~":
        try:
            return re.search(pattern, "") is not None
        except re.error:
            return True
    return fnmatchcase("", pattern)


def _answer(left: str, operator: str, right: str, facts: Facts) -> str | None:
    """A test of a person's answer: "true" when the test being true lets a confirmed
    answer through, "false" when its being false does; None when no answer is tested or an
    empty answer (no person) would pass."""
    if _read_var(left, facts):
        pattern = right
    elif _read_var(right, facts) and operator != "=~":
        pattern = left
    else:
        return None
    if _matches_empty(operator, pattern):
        return None
    return "false" if operator == "!=" else "true"


# what redis-cli prints when Redis does not answer PONG (to standard output, or nothing)
_NOT_PONG = ("", "Could not connect to Redis at 127.0.0.1:6379: Connection refused",
             "(error) NOAUTH Authentication required.", "LOADING", "(nil)")


def _case(subject: str, patterns: list[str], facts: Facts) -> Facts:
    if _PING.fullmatch(subject.strip('"')) is not None and patterns:
        # `case "$(redis-cli ping)" in PONG) ...`: the arm runs only when Redis answered
        texts = [p.strip("\"'") for p in patterns]
        if any(fnmatchcase("PONG", t) for t in texts) and not any(
                fnmatchcase(other, t) for t in texts for other in _NOT_PONG):
            return frozenset({REDIS_CHECK})
        return EMPTY
    if not _read_var(subject, facts) or not patterns:
        return EMPTY
    if any(fnmatchcase("", p.strip("\"'")) for p in patterns):
        return EMPTY
    if _read_var(subject, facts, "tty-read"):
        return frozenset({CONFIRMED, TERMINAL})
    return frozenset({CONFIRMED})


def gate_defeat_of(step: Step, facts: Facts, contract: Contract, repo: Repo | None,
                   at: int | None = None) -> str | None:
    """Why this command's run of the quality gate through the wrapper cannot fail, or None
    (not a gate run, or not defeated)."""
    if at is None:
        gate, at = _script_run(step, contract.quality_gate, contract)
        if gate != "wrapped":
            return None
    return gate_defeat(step, facts, at, repo, contract)


def runs_anywhere(flow: Flow, fact: str, contract: Contract, repo: Repo | None = None) -> bool:
    """Some command in the script (on a path that runs) establishes `fact` either way."""
    for step, facts in flow.steps:
        true, false = classify(step, facts, contract, repo)
        if fact in true | false:
            return True
    return False


def shell_state(fact: str) -> bool:
    """The facts that are the shell's own state (its variables, what it exports, its
    working directory): what a subshell does to them stays in it (`( unset PYTHONPATH )`
    undoes nothing)."""
    return fact in (ENV_SOURCED, PATH_VENV, PYTHONPATH, "pythonpath-set", MAKEFLAGS_DEFEAT,
                    BARE_PATH) or \
        fact.startswith(("exported:", "read:", "tty-read:", "set:", UNSET, "not:exported:",
                         "not:read:", "not:tty-read:", "not:set:", CWD, "not:" + CWD))


def _chdir(step: Step, facts: Facts) -> Facts:
    """`cd DIR`/`pushd DIR`: the working directory where it is known (absolute, or relative
    to a known one); anything else (`cd "$X"`, `cd -`, `popd`) makes it unknown."""
    command = step.command
    old = [f for f in facts if f.startswith(CWD)]
    out = {"-" + f for f in old}
    args = [w for w in command.args if w.text not in ("-L", "-P", "-e", "-@", "--")]
    target = args[0] if args and command.name != "popd" else None
    if target is not None and not target.dynamic and target.text[:1] not in ("", "~", "-",
                                                                              "+"):
        here = old[0][len(CWD):] if len(old) == 1 else None
        if target.text.startswith("/"):
            out.add(CWD + posixpath.normpath(target.text))
        elif here is not None:
            out.add(CWD + posixpath.normpath(posixpath.join(here, target.text)))
    return frozenset(out)


def working_dir(step: Step, facts: Facts) -> tuple[Facts, Facts]:
    """A classifier of the working directory alone (`cd`, `pushd`, `popd`): for a reading
    of writes that needs no other fact (QT601)."""
    if step.command.name in ("cd", "pushd", "popd") and not step.command.wrappers:
        return _chdir(step, facts), EMPTY
    return EMPTY, EMPTY


def in_cwd(step: Step, facts: Facts) -> Step:
    """The command with the working directory the path model knows on every path here."""
    if step.command.cwd is not None:
        return step
    known = [f[len(CWD):] for f in facts if f.startswith(CWD)]
    if len(known) != 1:
        return step
    program = step.command.program
    return replace(step, command=replace(step.command, cwd=Word(known[0], program.line,
                                                                program.column)))


def model_classifier(contract: Contract, repo: Repo | None = None) -> Classifier:
    def run(step: Step, facts: Facts) -> tuple[Facts, Facts]:
        return classify(step, facts, contract, repo)

    return run


def is_script(relpath: str, configured: str) -> bool:
    """The file is the configured script (`ops/run.sh`): its repository path, or a copy
    of the repository on a host (`home/qt/quantum_trader/ops/run.sh`)."""
    configured = configured.strip("/")
    return relpath == configured or relpath.endswith("/" + configured)


# the script's own folder, as a script writes it: `$(dirname "$0")`, `${BASH_SOURCE%/*}`,
# `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`
_HERE = lazyre.compile(
    r"\$\((?:\s*cd\s+(?:--\s+)?\"?)?\$\(\s*dirname\s+(?:--\s+)?\"?\$(?:0|\{0\}|\{BASH_SOURCE"
    r"(?:\[0\])?\}|BASH_SOURCE)\"?\s*\)(?:\"?\s*(?:&&|;)\s*pwd(?:\s+-P)?\s*)?\)"
    r"|\$\(\s*dirname\s+(?:--\s+)?\"?\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\})\"?\s*\)"
    r"|\$\{(?:0|BASH_SOURCE(?:\[0\])?)%/\*\}")


def sourced_file(word: str, relpath: str, contract: Contract, repo: Repo | None
                 ) -> tuple[str, str | None] | None:
    """What `source WORD` in the script `relpath` reads: None for the env file (a duty of
    its own), else (the file as shown, its text from the repository, or None when it
    cannot be read: built at run time, outside the repository, absent)."""
    env = contract.env_dir.rstrip("/") + "/"
    if word.startswith(env):
        return None
    folder = posixpath.dirname(relpath)
    text = _HERE.sub(lambda m: folder or ".", word)
    root = contract.repo_root.rstrip("/") + "/"
    if text.startswith(root):
        text = text[len(root):]
    elif not text.startswith("/") and "$" not in text and not text.startswith("./") and \
            "/" not in text:
        return word, None  # `source lib.sh`: looked up in PATH, then the working folder
    if "$" in text or "`" in text or text.startswith("/") or repo is None:
        return word, None
    rel = posixpath.normpath(text.removeprefix("./"))
    if rel.startswith(".."):
        return word, None
    return rel, repo.read(rel)


def script_flow(text: str, contract: Contract, repo: Repo | None = None,
                by_name: bool = False, relpath: str | None = None) -> Flow:
    """The script's path model; a script with more paths than the model follows is not
    analysed (ParseError: QT001), never a silent pass. `by_name`: it is run by its own name
    (the wrapper, from units), so its `#!` line's options count. `relpath`: the script's
    path in the repository, whose files it sources are read (`Flow.unread`: the ones that
    cannot be)."""
    from qt_lint.shellflow import TooManyPaths, analyse

    resolve = None if relpath is None else (
        lambda word: sourced_file(word, relpath, contract, repo))
    flow = analyse(text, model_classifier(contract, repo), shell_state, by_name=by_name,
                   resolve=resolve)
    if flow.truncated:
        raise TooManyPaths("QT604/QT607/QT608")
    return flow


def gate_command(contract: Contract) -> str:
    venv = contract.venv_for_script(contract.quality_gate) or "ai-engine"
    return f"{contract.wrapper} {venv} {contract.quality_gate}"


def writes(flow: Flow, contract: Contract, repo: Repo | None = None
           ) -> list[tuple[Word, Facts, str | None]]:
    """Each write of the active models or the model setting, once per position, with the
    facts that hold on every path reaching it, and the program that writes when the write
    is a call of one (with `repo`)."""
    seen: dict[tuple[int, int], tuple[Word, Facts, str | None]] = {}
    for step, facts in flow.steps:
        found = step_write(in_cwd(step, facts), contract, repo)
        if found is None:
            continue
        target, via = found
        key = (target.line, target.column)
        known = seen.get(key)
        seen[key] = (target, facts if known is None else known[1] & facts, via)
    return sorted(seen.values(), key=lambda item: (item[0].line, item[0].column))


def success_ends_after_write(flow: Flow) -> list[Facts]:
    """The facts at each end where the script succeeds after it changed the model."""
    return [end.facts for end in flow.ends
            if end.exec_step is None and end.code in (0, None) and WROTE in end.facts]


# --- what the canary's calls do (QT604) ---------------------------------------------------
# The repository programs the canary runs that change the active models or the model
# setting (a write at the call), and the quality-gate runs that an option or an
# environment variable defeats (read from the gate's own code when it is in the
# repository, else `contract.gate-defeats`).

MAX_DEPTH = 3  # programs that run programs: followed this deep
_EXTS = (".py", ".sh", ".bash")


@record(frozen=True)
class Repo:
    """The repository the canary belongs to: `read` gives the text of a file by its path
    relative to the repository root (None: absent or unreadable)."""

    config: Config
    read: Callable[[str], str | None]
    depth: int = 0
    seen: frozenset[str] = field(default_factory=frozenset)

    @property
    def contract(self) -> Contract:
        return self.config.contract

    def deeper(self, rel: str) -> Repo:
        return Repo(self.config, self.read, self.depth + 1, self.seen | {rel})


def _relative(text: str, contract: Contract) -> str | None:
    """A program's name as a path relative to the repository root, or None (built at run
    time, or outside the repository)."""
    text = text.strip()
    for prefix in (contract.repo_root.rstrip("/") + "/", "$REPO_ROOT/", "${REPO_ROOT}/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if "$" in text or "`" in text or text.startswith("/") or not text.endswith(_EXTS):
        return None
    text = posixpath.normpath(text.removeprefix("./"))
    return None if text.startswith("..") else text


def _program_word(step: Step, contract: Contract) -> tuple[Word, str] | None:
    """The repository program a command runs (`python x.py`, `python -m ops.x`, the
    wrapper's script, `bash x.sh`, `./x.sh`), as (its word, its name as written)."""
    command = step.command
    words = command.words
    if not words:
        return None
    program = command.program.text
    if program.endswith(_EXTS) and not is_wrapper(program, contract):
        return words[0], program
    python = is_python_name(command.name) or program.endswith(("/bin/python", "/bin/python3"))
    runner = python or command.name in SHELLS or command.name in ("source", ".") or \
        is_wrapper(program, contract) or program.endswith("/" + contract.wrapper)
    if not runner:
        return None
    args = list(words[1:])
    for i, word in enumerate(args):
        if python and word.text == "-m" and i + 1 < len(args):
            module = args[i + 1].text
            return args[i + 1], module.replace(".", "/") + ".py"
        if word.text.endswith(_EXTS):
            return word, word.text
    return None


def called_program(step: Step, repo: Repo) -> tuple[Word, str] | None:
    """(the word, the repository path) of a repository program the command runs."""
    found = _program_word(step, repo.contract)
    if found is None:
        return None
    word, name = found
    rel = _relative(name, repo.contract)
    if rel is None:
        return None
    here = posixpath.dirname(repo.contract.canary_script)
    for candidate in (rel, posixpath.normpath(posixpath.join(here, rel))):
        if repo.read(candidate) is not None:
            return word, candidate
    return None


def program_write(step: Step, repo: Repo) -> tuple[Word, str, str] | None:
    """(the call's word, the program, what it writes) when the command runs a repository
    program that changes the active models or the model setting."""
    if repo.depth >= MAX_DEPTH:
        return None
    found = called_program(step, repo)
    if found is None:
        return None
    word, rel = found
    c = repo.contract
    # the gate is judged as a gate; the rollback script restores (QT607), it activates nothing
    if rel in repo.seen or rel in (c.quality_gate.strip("/"), c.canary_script.strip("/"),
                                   c.rollback_script.strip("/")):
        return None
    text = repo.read(rel)
    if text is None:
        return None
    written = _python_write(text, rel, repo) if rel.endswith(".py") else \
        _shell_write(text, rel, repo)
    return (word, rel, written) if written is not None else None


def _python_write(text: str, rel: str, repo: Repo) -> str | None:
    from qt_lint.context import FileContext
    from qt_lint.finding import Kind
    from qt_lint.pymodel.calls import file_ops
    from qt_lint.source import Text

    ctx = FileContext(rel, rel, Kind.PYTHON, Text(text), repo.config)
    try:
        for op in file_ops(ctx.python):
            path = op.path.text
            if op.op == "write" and (in_active(path) or model_setting_file(path,
                                                                         repo.contract)):
                return path
    except Exception:  # a program that does not parse is not followed (its own QT001)
        return None
    return None


def _shell_write(text: str, rel: str, repo: Repo) -> str | None:
    from qt_lint.shellflow import analyse

    inner = repo.deeper(rel)
    try:
        flow = analyse(text, model_classifier(repo.contract, inner), shell_state)
    except Exception:  # a program that does not parse is not followed (its own QT001)
        return None
    for target, _facts, via in writes(flow, repo.contract, inner):
        return target.text if via is None else f"{target.text} through {via}"
    return None


# --- the quality gate's defeats -----------------------------------------------------------

@record(frozen=True)
class GateSkips:
    """What makes the gate in the repository exit 0 without judging: the environment
    variables and the options it reads in a condition whose branch exits 0."""

    env: frozenset[str]
    flags: frozenset[str]


_EXITS = frozenset({"sys.exit", "exit", "quit", "os._exit", "SystemExit"})


def _dotted(node: ast.expr) -> str:
    import ast  # Python's code only: a shell script's run never needs the module

    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _zero(args: list[ast.expr]) -> bool:
    import ast  # Python's code only: a shell script's run never needs the module

    return not args or (isinstance(args[0], ast.Constant) and args[0].value in (0, None,
                                                                                False))


def _exits_zero(body: list[ast.stmt], returns: bool) -> bool:
    """The branch ends the gate with exit status 0: `sys.exit(0)`, `raise SystemExit`, or
    (`returns`: in a function whose result is the exit status, `sys.exit(main())`)
    `return 0`."""
    import ast  # Python's code only: a shell script's run never needs the module

    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                             ast.Lambda)):
            continue
        if returns and isinstance(node, ast.Return) and (node.value is None or (
                isinstance(node.value, ast.Constant) and node.value.value in (0, None))):
            return True
        if isinstance(node, ast.Call) and _dotted(node.func) in _EXITS and _zero(node.args):
            return True
        if isinstance(node, ast.Raise) and node.exc is not None and (
                _dotted(node.exc) == "SystemExit" or (
                    isinstance(node.exc, ast.Call) and _dotted(node.exc.func) == "SystemExit"
                    and _zero(node.exc.args))):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _branches(tree: ast.Module) -> list[tuple[ast.If, bool]]:
    """Every `if` of the gate, with whether a `return` in it sets the exit status (it is
    in a function the gate exits with: `sys.exit(main())`, `raise SystemExit(main())`)."""
    import ast  # Python's code only: a shell script's run never needs the module

    exiting: set[str] = set()
    for node in ast.walk(tree):
        call = node if isinstance(node, ast.Call) else \
            node.exc if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) else None
        if call is not None and _dotted(call.func) in _EXITS and call.args and \
                isinstance(call.args[0], ast.Call):
            exiting.add(_dotted(call.args[0].func))
    out: list[tuple[ast.If, bool]] = []
    todo: list[tuple[ast.AST, bool]] = [(tree, False)]
    while todo:
        node, returns = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                todo.append((child, child.name in exiting))
            elif isinstance(child, (ast.ClassDef, ast.Lambda)):
                todo.append((child, False))
            else:
                if isinstance(child, ast.If):
                    out.append((child, returns))
                todo.append((child, returns))
    return out


@functools.lru_cache(maxsize=32)
def gate_skips(text: str) -> GateSkips | None:
    """The gate's own skips, or None when its code cannot be read as Python."""
    import ast  # Python's code only: a shell script's run never needs the module

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    options: dict[str, set[str]] = {}  # argparse dest -> its option strings
    bound: dict[str, ast.expr] = {}  # `skip = os.getenv("SKIP_GATE")`
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "add_argument":
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and
                       isinstance(a.value, str) and a.value.startswith("-")]
            if not strings:
                continue
            dest = next((k.value.value for k in node.keywords if k.arg == "dest" and
                         isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)),
                        None)
            if dest is None:
                long = [f for f in strings if f.startswith("--")] or strings
                dest = long[0].lstrip("-").replace("-", "_")
            options.setdefault(dest, set()).update(strings)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = node.value

    def mentions(expr: ast.expr, depth: int = 0) -> tuple[set[str], set[str]]:
        env: set[str] = set()
        flags: set[str] = set()
        todo: list[ast.AST] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                continue  # `if not args.strict: exit 0`: the option makes it judge
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name.endswith(("getenv", "environ.get")) and node.args and \
                        isinstance(node.args[0], ast.Constant) and \
                        isinstance(node.args[0].value, str):
                    env.add(node.args[0].value)
            elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ") \
                    and isinstance(node.slice, ast.Constant) and \
                    isinstance(node.slice.value, str):
                env.add(node.slice.value)
            elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and \
                    isinstance(node.left.value, str) and node.comparators:
                target = _dotted(node.comparators[0])
                if target.endswith("environ"):
                    env.add(node.left.value)
                elif target.endswith("argv"):
                    flags.add(node.left.value)
            elif isinstance(node, ast.Attribute) and node.attr in options:
                flags |= options[node.attr]
            elif isinstance(node, ast.Name) and node.id in bound and depth < 3:
                more_env, more_flags = mentions(bound[node.id], depth + 1)
                env |= more_env
                flags |= more_flags
            todo.extend(ast.iter_child_nodes(node))
        return env, flags

    env: set[str] = set()
    flags: set[str] = set()
    tests = [branch.test for branch, returns in _branches(tree)
             if _exits_zero(branch.body, returns)]
    tests += [node.args[0].test for node in ast.walk(tree)  # `sys.exit(0 if x else 2)`
              if isinstance(node, ast.Call) and _dotted(node.func) in _EXITS and node.args
              and isinstance(node.args[0], ast.IfExp) and _zero([node.args[0].body])]
    for test in tests:
        found_env, found_flags = mentions(test)
        env |= found_env
        flags |= found_flags
    return GateSkips(frozenset(env), frozenset(flags))


def _shown(key: str, prefix: dict[str, str]) -> str:
    return f"{key}={prefix[key]}" if key in prefix else f"export {key}"


def _option(word: str) -> str:
    return word.split("=", 1)[0]


_MAKE_ARG = "CfIoWE"  # short options of make that take an argument
_MAKE_LONG = ("always-make", "environment-overrides", "debug", "directory=", "eval=", "file=",
              "makefile=", "help", "ignore-errors", "include-dir=", "jobs", "keep-going",
              "load-average", "max-load", "check-symlink-times", "just-print", "dry-run",
              "recon", "old-file=", "assume-old=", "output-sync", "print-data-base",
              "question", "no-builtin-rules", "no-builtin-variables", "silent", "quiet",
              "no-silent", "stop", "no-keep-going", "touch", "trace", "version",
              "print-directory", "no-print-directory", "what-if=", "new-file=", "assume-new=",
              "warn-undefined-variables", "shuffle", "jobserver-style=")
_MAKE_DEFEATS = {"i": "-i", "n": "-n", "t": "-t", "q": "-q", "ignore-errors": "-i",
                 "just-print": "-n", "dry-run": "-n", "recon": "-n", "touch": "-t",
                 "question": "-q"}
_MAKE_WHY = {"-i": "make carries on past the gate's failure",
             "-n": "make prints the gate instead of running it",
             "-t": "make touches the target instead of running the gate",
             "-q": "make runs no recipe"}


def make_defeats(words: list[str]) -> list[str]:
    """The options of a `make` command line (its words after `make`, as make's option
    grammar reads them: clustered short options `-ik`, `-j4`, arguments `-f F`, `-oF`,
    `--file=F`, long options abbreviated) that ignore the recipe's failure or skip it."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            break
        if word.startswith("--"):
            name, eq, _ = word[2:].partition("=")
            full = [o for o in _MAKE_LONG if o.rstrip("=") == name] or \
                [o for o in _MAKE_LONG if o.startswith(name)]
            if len(full) != 1:
                continue  # ambiguous or unknown: make refuses to run
            option = full[0]
            if option.endswith("=") and not eq:
                i += 1
            if option.rstrip("=") in _MAKE_DEFEATS:
                out.append(_MAKE_DEFEATS[option.rstrip("=")])
            continue
        if not word.startswith("-") or word == "-":
            continue
        j = 1
        while j < len(word):
            letter = word[j]
            j += 1
            if letter in _MAKE_ARG:
                if j == len(word):
                    i += 1
                break
            if letter == "O":
                break
            if letter in "jl":
                while j < len(word) and (word[j].isdigit() or word[j] == "."):
                    j += 1
                continue
            if letter in _MAKE_DEFEATS:
                out.append(_MAKE_DEFEATS[letter])
    return out


def makeflags_defeats(value: str) -> list[str]:
    """What `MAKEFLAGS=value` makes `make` do: its first word without `-` is letters."""
    words = value.split()
    if words and not words[0].startswith("-") and "=" not in words[0]:
        words[0] = "-" + words[0]
    return make_defeats(words)


def gate_defeat(step: Step, facts: Facts, gate_word: int, repo: Repo | None,
                contract: Contract) -> str | None:
    """Why this run of the quality gate cannot fail (`SKIP_GATE=1`, `--dry-run`), or
    None. `gate_word`: the index of the gate's word in the command."""
    if step.command.name == "make":
        found = make_defeats([w.text for w in step.command.args])
        if found:
            return f"`{found[0]}` ({_MAKE_WHY[found[0]]})"
        flags = dict(step.assigns).get("MAKEFLAGS")
        if flags is not None and makeflags_defeats(flags):
            return (f"`MAKEFLAGS={flags}` "
                    f"({_MAKE_WHY[makeflags_defeats(flags)[0]]})")
        if flags is None and MAKEFLAGS_DEFEAT in facts and "exported:MAKEFLAGS" in facts:
            return "`MAKEFLAGS` set before (make ignores or skips the gate)"
        return None
    given = [w.text for w in step.command.words[gate_word + 1:] if w.text.startswith("-")]
    prefix = dict(step.assigns)
    env = [*prefix, *(f[len("exported:"):] for f in facts if f.startswith("exported:"))]
    text = repo.read(contract.quality_gate.strip("/")) if repo is not None else None
    skips = gate_skips(text) if text is not None else None
    if text is not None and skips is not None:
        for key in env:
            if key in skips.env:
                return f"`{_shown(key, prefix)}` (the gate exits 0 when it is set)"
        for word in given:
            option = _option(word)
            # argparse takes an unambiguous prefix of a long option (`--dry` for `--dry-run`)
            if option in skips.flags or (option.startswith("--") and len(option) > 3 and any(
                    f.startswith(option) for f in skips.flags if f.startswith("--"))):
                return f"`{option}` (the gate exits 0 with it)"
        return None
    # the gate is not in the repository (or is not Python it can read): the list
    for key in env:
        if any(fnmatchcase(key, p) for p in contract.gate_defeats if not p.startswith("-")):
            return f"`{_shown(key, prefix)}` (listed in contract.gate-defeats)"
    for word in given:
        option = _option(word)
        if any(fnmatchcase(option, p) for p in contract.gate_defeats if p.startswith("-")):
            return f"`{option}` (listed in contract.gate-defeats)"
    return None


# --- which backup a listing picks (QT607) ---------------------------------------------------
# Backups are named `<timestamp>_<model>_<version>`: by name, as by time, the oldest first.

_NEW_FIRST, _OLD_FIRST = "new-first", "old-first"


def _flip(order: str | None) -> str | None:
    return {_NEW_FIRST: _OLD_FIRST, _OLD_FIRST: _NEW_FIRST}.get(order or "")


def _ls_order(args: list[str]) -> str | None:
    """`ls -t` lists the newest first, `ls` by name (the oldest first), `-r` reverses;
    `-U`, `-f`, `-S`, `-X` order otherwise."""
    letters = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    longs = [a for a in args if a.startswith("--")]
    sort = next((a.partition("=")[2] for a in longs if a.startswith("--sort=")), None)
    if any(c in letters for c in "UfSX") or sort in ("none", "size", "extension", "width"):
        return None
    timed = "t" in letters or sort == "time" or (
        any(c in letters for c in "cu") and "l" not in letters)
    order = _NEW_FIRST if timed else _OLD_FIRST
    return _flip(order) if "r" in letters or "--reverse" in longs else order


def _sort_order(args: list[str]) -> str | None:
    """`sort` by the line (its name, or a leading time: the oldest first), `-r` reverses;
    a key other than the first field, or `-R`, orders otherwise."""
    letters, key = "", "1"
    for at, arg in enumerate(args):
        if arg.startswith("--"):
            name, _, value = arg.partition("=")
            if name in ("--random-sort", "--sort") and value != "numeric":
                return None
            letters += "r" if name == "--reverse" else ""
            key = value if name == "--key" else key
        elif arg.startswith("-") and len(arg) > 1:
            flags = arg[1:]
            if "k" in flags:
                rest = flags.split("k", 1)[1]
                key = rest or (args[at + 1] if at + 1 < len(args) else "1")
                flags = flags.split("k", 1)[0]
            if "t" in flags:
                flags = flags.split("t", 1)[0]
            letters += flags
    if "R" in letters or not re.match(r"1(?:[.,]|[a-zA-Z]|$)", key):
        return None
    return _flip(_OLD_FIRST) if "r" in letters else _OLD_FIRST


def _lines(args: list[str], default: str = "10") -> str | None:
    """The line count of `head`/`tail` as written: `-1`, `-n 1`, `-n1`, `--lines=+2`,
    `-n -1` (10 unless given); None when not known."""
    for at, arg in enumerate(args):
        if re.fullmatch(r"-[0-9]+", arg):
            return arg[1:]
        if arg in ("-n", "--lines"):
            return args[at + 1] if at + 1 < len(args) else None
        if arg.startswith("--lines="):
            return arg.partition("=")[2]
        if arg.startswith("-n"):
            return arg[2:]
        if arg.startswith("-") and arg not in ("-q", "-s", "--quiet", "--silent"):
            return None  # `-c 10` (bytes), `-f`: not lines
    return default


def _head_tail(name: str, args: list[str], rows: list[int]) -> list[int] | None:
    """`head -n N` (the first N; `-n -N`: all but the last N), `tail -n N` (the last N;
    `-n +N`: from the N-th on)."""
    count = _lines(args)
    if count is None or not re.fullmatch(r"[+-]?[0-9]+", count):
        return None
    value = int(count.lstrip("+-"))
    if name == "head":
        return rows[: len(rows) - value] if count.startswith("-") else rows[:value]
    if count.startswith("+"):
        return rows[max(value - 1, 0):]
    return rows[len(rows) - value:] if value else []


def _address(text: str, rows: list[int]) -> list[int] | None:
    """The rows a sed address selects: `N`, `$`, `N,M`, `N,$`; None when not one of those."""
    match = re.fullmatch(r"([0-9]+|\$)(?:,([0-9]+|\$))?", text)
    if match is None:
        return None

    def at(part: str) -> int:
        return len(rows) if part == "$" else int(part)

    first = at(match.group(1))
    last = at(match.group(2)) if match.group(2) else first
    return [r for n, r in enumerate(rows, 1) if first <= n <= max(first, last)]


def _sed(args: list[str], rows: list[int]) -> list[int] | None:
    """`sed -n 'Np'`, `sed -n '$p'`, `sed -n 'N,Mp'`, `sed Nq`, `sed 's/a/b/'` (every row,
    in order); None for another script."""
    quiet, scripts = False, []
    at = 0
    while at < len(args):
        arg = args[at]
        if arg in ("-n", "--quiet", "--silent"):
            quiet = True
        elif arg in ("-e", "--expression"):
            scripts.append(args[at + 1] if at + 1 < len(args) else "")
            at += 1
        elif arg in ("-E", "-r", "--regexp-extended", "-u"):
            pass
        elif arg.startswith("-"):
            return None
        elif not scripts:
            scripts.append(arg)
        else:
            return None  # a file operand: it reads that, not the pipe
        at += 1
    if len(scripts) != 1:
        return None
    script = scripts[0].strip()
    if re.fullmatch(r"s(.).*\1.*\1[gI0-9]*", script):
        return None if quiet else rows
    if quiet and script.endswith("p"):
        return _address(script[:-1].strip(), rows)
    if not quiet and re.fullmatch(r"[0-9]+q", script):
        return rows[: int(script[:-1])]
    return None


_AWK_ROW = lazyre.compile(r"NR\s*==\s*([0-9]+)\s*"
                          r"(?:\{\s*print(?:\s+\$0)?\s*;?\s*(?:exit\s*;?\s*)?\})?")
_AWK_LAST = lazyre.compile(r"END\s*\{\s*print(?:\s+\$0)?\s*;?\s*\}")
_AWK_EACH = lazyre.compile(r"\{\s*print\b[^}]*\}")


def _awk(args: list[str], rows: list[int]) -> list[int] | None:
    """`awk 'NR==N'` (the N-th row), `awk 'END {print}'` (the last: awk keeps it), `awk
    '{print $2}'` (every row, in order); None for another program."""
    program: str | None = None
    at = 0
    while at < len(args):
        arg = args[at]
        if arg in ("-F", "-v"):
            at += 1
        elif arg.startswith("-"):
            if not arg.startswith(("-F", "-v")):
                return None
        elif program is None:
            program = arg.strip()
        else:
            return None
        at += 1
    if program is None:
        return None
    row = _AWK_ROW.fullmatch(program)
    if row is not None:
        return rows[int(row.group(1)) - 1: int(row.group(1))]
    if _AWK_LAST.fullmatch(program):
        return rows[-1:]
    return rows if _AWK_EACH.fullmatch(program) else None


def _grep(args: list[str], rows: list[int]) -> list[int] | None:
    """`grep PATTERN` keeps the rows (the backups match), in order; `-m N` the first N."""
    for at, arg in enumerate(args):
        value = None
        if arg in ("-m", "--max-count"):
            value = args[at + 1] if at + 1 < len(args) else None
        elif arg.startswith("--max-count="):
            value = arg.partition("=")[2]
        elif re.fullmatch(r"-m[0-9]+", arg):
            value = arg[2:]
        elif arg in ("-v", "--invert-match", "-c", "--count", "-l", "-L"):
            return None
        else:
            continue
        return rows[: int(value)] if value is not None and value.isdigit() else None
    return rows


_KEEPS_ORDER = frozenset({"cut", "tr", "basename", "xargs", "cat", "realpath", "readlink"})


def _stage(name: str, args: list[str], rows: list[int] | None, count: int
           ) -> list[int] | None:
    """One stage of a listing pipeline as a list operation on `count` backups (numbered
    by age, 0 the oldest): what it passes on, in order; None when the order is not known
    (`find`: unsorted)."""
    if name == "ls":
        order = _ls_order(args)
        if order is None:
            return None
        return list(range(count))[::-1] if order == _NEW_FIRST else list(range(count))
    if name == "printf":  # `printf '%s\n' GLOB`: the glob's matches, sorted by name
        return list(range(count)) if args[:1] == ["%s\\n"] and len(args) == 2 and \
            re.search(r"[*?[]", args[1]) else None
    if name == "sort":  # whatever came in (`find` unsorted): sorted now
        order = _sort_order(args)
        return None if order is None else sorted(
            rows if rows is not None else range(count), reverse=order == _NEW_FIRST)
    if rows is None:
        return None
    if name == "tac":
        return rows[::-1]
    if name in ("head", "tail"):
        return _head_tail(name, args, rows)
    if name == "sed":
        return _sed(args, rows)
    if name == "awk" or name in ("gawk", "mawk"):
        return _awk(args, rows)
    if name in ("grep", "egrep", "fgrep"):
        return _grep(args, rows)
    return rows if name in _KEEPS_ORDER else None


def _pick_of(members: list[list[str]], count: int) -> int | None:
    """Which backup of `count` (0 the oldest) the pipeline `members` gives: one row out,
    else None."""
    rows: list[int] | None = list(range(count))
    for words in members:
        if not words:
            return None
        rows = _stage(words[0].rsplit("/", 1)[-1], words[1:], rows, count)
    return rows[0] if rows is not None and len(rows) == 1 else None


def backup_pick(text: str) -> str | None:
    """Which backup the listing in a word's command substitution picks, read as the
    pipeline runs: each stage a list operation on the backups (`ls -t` the newest first,
    `ls`, `sort`, `printf '%s\\n' GLOB` by name, the oldest first; `-r`, `tac` reverse;
    `head`/`tail -n N`, `tail -n +N`, `sed -n Np`, `sed -n '$p'`, `awk 'NR==N'`, `grep -m
    N` select; `cut`, `grep`, `sed 's/...'`, `awk '{print ...}'` keep the order), for
    three, four and six backups: "newest", "oldest", "second newest", "not newest"
    (another, or depending on the count); None when not known."""
    for members in substitutions(text):
        picks = [(_pick_of(members, count), count) for count in (3, 4, 6)]
        if any(pick is None for pick, _ in picks):
            continue
        if all(pick == count - 1 for pick, count in picks):
            return "newest"
        if all(pick == 0 for pick, _ in picks):
            return "oldest"
        if all(pick == count - 2 for pick, count in picks):
            return "second newest"
        return "not newest"
    return None


# --- the files programs write that are told them as operands or in a script of their own
# (QT601, QT604): `truncate`, the editors `ed`, `ex`, `vi`/`vim` run with commands, Python
# run with `-c` or on standard input, and `find -exec`. Each is read with its own option
# grammar (its manual's), and an editor writes only when its commands include a write.

# the options whose value is the next word (or the rest of the word), per program
_TRUNCATE_ARGS = ("-r", "-s", "--reference", "--size")
_ED_ARGS = ("-p", "--prompt")
_VIM_ARGS = ("-c", "--cmd", "-u", "-U", "-i", "-S", "-T", "-w", "-W", "-s", "-t", "-q", "-r",
             "--startuptime", "--servername", "--remote", "--remote-send",
             "--remote-expr")
_VIMS = frozenset({"ex", "vi", "vim", "nvim", "view", "vim.basic", "vim.tiny", "nex"})
# an ed command that writes: `w`, `wq`, `W`, with an address before it (`1,$w`) and an
# optional file after it
_ED_WRITE = lazyre.compile(r"^\s*[0-9.,$;'+\-]*\s*(?:wq?|W)(?:\s+(\S+))?\s*$")
# an ex command that writes: `w`, `wq`, `x`, `xit`, `exit`, `wa`, `wqa`, `xa`, `up[date]`,
# `sav[eas]`, after a range (`%`, `1,$`) or a `:`
_EX_WRITE = lazyre.compile(r"(?:^|\|)\s*:*\s*[%0-9.,$]*\s*(?:wq?a?(?:ll)?|x(?:it|a(?:ll)?)?|"
                           r"exi(?:t)?|up(?:d(?:a(?:te?)?)?)?|sav(?:e(?:as?)?)?)!?(?:\s+(\S+))?"
                           r"\s*(?:$|\|)")


def operands(args: tuple[Word, ...], takes_value: tuple[str, ...],
             plus: bool = False) -> tuple[list[Word], list[tuple[str, Word]]]:
    """The operands of a command line read as getopt reads it (GNU: options anywhere
    before `--`; `-sVALUE`, `--size=VALUE`, `--size VALUE`), and the options given with
    their values. `plus`: `+cmd` words are options (vim)."""
    out: list[Word] = []
    given: list[tuple[str, Word]] = []
    index = 0
    while index < len(args):
        word = args[index]
        text = word.text
        index += 1
        if text == "--":
            out.extend(args[index:])
            break
        if plus and text.startswith("+"):
            given.append(("+", Word(text[1:], word.line, word.column + 1, word.dynamic)))
            continue
        if not text.startswith("-") or text == "-":
            out.append(word)
            continue
        key, eq, value = text.partition("=")
        if text.startswith("--") and eq:
            given.append((key, Word(value, word.line, word.column + len(key) + 1,
                                    word.dynamic)))
            continue
        option = next((o for o in takes_value if text == o or (
            not o.startswith("--") and len(o) == 2 and text.startswith(o) and
            not text.startswith("--"))), None)
        if option is None:
            given.append((text, word))
            continue
        if text != option:  # `-s0`: the value is the rest of the word
            given.append((option, Word(text[len(option):], word.line,
                                       word.column + len(option), word.dynamic)))
        elif index < len(args):
            given.append((option, args[index]))
            index += 1
    return out, given


def _truncate(command: Command) -> list[Word]:
    """`truncate -s 0 F...`, `truncate --size=0 F`, `truncate -r REF F`: every file."""
    files, _ = operands(command.args, _TRUNCATE_ARGS)
    return files


def _ed(command: Command, stdin: Word | None) -> list[Word]:
    """`printf '%s\\n' ... w q | ed -s F`: F (or the file a `w FILE` names) when the
    script it reads on standard input writes; nothing when the script is not known."""
    files, _ = operands(command.args, _ED_ARGS)
    if stdin is None:
        return []
    out: list[Word] = []
    for line in stdin.text.split("\n"):
        match = _ED_WRITE.match(line)
        if match is None:
            continue
        if match.group(1):
            out.append(Word(match.group(1), stdin.line, stdin.column, stdin.dynamic))
        elif files:
            out.append(files[0])
    return out


def _ex_mode(command: Command, given: list[tuple[str, Word]]) -> bool:
    return command.name in ("ex", "nex") or any(
        o.startswith("-") and not o.startswith("--") and ("e" in o[1:] or "E" in o[1:])
        for o, _ in given if o not in _VIM_ARGS)


def _vim(command: Command, stdin: Word | None) -> list[Word]:
    """`ex -s -c '%s/a/b/' -c wq F`, `vim -es +... +x F`: the files when one of its
    commands writes (`w`, `wq`, `x`, `up`, ...); in ex mode without commands, when the
    script on standard input does."""
    args = command.args
    if command.name in ("ex", "nex") or any(
            w.text.startswith("-") and not w.text.startswith("--") and "e" in w.text[1:]
            and w.text not in _VIM_ARGS for w in args):
        # in ex mode (`ex -s F`, `vim -es F`) `-s` is silent mode: it takes no script file
        args = tuple(w for w in args if w.text != "-s")
    files, given = operands(args, _VIM_ARGS, plus=True)
    commands = [w.text for option, w in given if option in ("-c", "+", "--cmd")]
    if not commands and stdin is not None and _ex_mode(command, given):
        commands = stdin.text.split("\n")
    out: list[Word] = []
    for text in commands:
        for match in _EX_WRITE.finditer(text):
            if match.group(1):
                at = files[0] if files else command.program
                out.append(Word(match.group(1), at.line, at.column, at.dynamic))
            else:
                out.extend(files)
    return out


def _python(command: Command, stdin: Word | None,
            environ: dict[str, str] | None = None) -> list[Word]:
    """`python3 -c CODE`, `python3 - <<EOF`: the files its code writes (read as the
    Python rules read a file: `open(p, "w")`, `Path.write_text`, `shutil.copy`, ...),
    positioned in the script."""
    options, runs = python_options(Step(command))
    if runs == "-c":
        code = python_code(command)
        if code is None or code.dynamic:
            return []
        after = len(options) + (1 if options[-1].endswith("c") else 0)  # `-c CODE`, `-cCODE`
        argv = ["-c", *(w.text for w in command.args[after:])]
        return _python_code(_given(code.text, argv, environ), code.line, code.column + 1)
    if runs in ("-", "") and stdin is not None and not stdin.dynamic:
        argv = ["-", *(w.text for w in command.args[len(options) + 1:])]
        return _python_code(_given(stdin.text, argv, environ), stdin.line, stdin.column)
    return []


_ARGV = lazyre.compile(r"\bsys\.argv\[([0-9]+)\]")
_ENVIRON = lazyre.compile(r"\bos\.environ\[\s*([\"'])(\w+)\1\s*\]|"
                          r"\bos\.(?:environ\.get|getenv)\(\s*([\"'])(\w+)\3\s*\)")


def _given(code: str, argv: list[str], environ: dict[str, str] | None) -> str:
    """The code with `sys.argv[1]` and `os.environ["F"]` read as the words and the
    environment the shell gives it (a constant each, where known)."""
    given = environ or {}

    def env(match: re.Match[str]) -> str:
        value = given.get(match.group(2) or match.group(4) or "")
        return repr(value) if value is not None and "$" not in value else match.group()

    code = _ARGV.sub(lambda m: repr(argv[int(m.group(1))]) if int(m.group(1)) < len(argv)
                     and "$" not in argv[int(m.group(1))] else m.group(), code)
    return _ENVIRON.sub(env, code)


def python_code(command: Command) -> Word | None:
    """The program of `python3 -c CODE` (also `-cCODE`, `-Ic CODE`), as the shell gives it."""
    if not is_python_name(command.name):
        return None
    options, runs = python_options(Step(command))
    if runs != "-c":
        return None
    args = command.args
    last = options[-1]
    index = len(options) - 1
    rest = last[last.index("c", 1) + 1:]
    if rest:
        word = args[index]
        return Word(rest, word.line, word.column, word.dynamic)
    return args[index + 1] if index + 1 < len(args) else None


def _python_code(text: str, line: int, column: int) -> list[Word]:
    from qt_lint.pymodel.calls import file_ops
    from qt_lint.pymodel.code import read_code

    try:
        facts = read_code(text)
        if facts is None:
            return []
        out: list[Word] = []
        for op in file_ops(facts):
            if op.op != "write" or not op.path.exact:
                continue
            row, col = facts.position(op.node)
            out.append(Word(op.path.text, line + row - 1, column + col - 1 if row == 1 else col))
        return out
    except Exception:  # code that does not parse writes nothing this reading can see
        return []


_FIND_STOP = lazyre.compile(r"^[-!(),]")


def _find(command: Command, step: Step, written: Callable[[Step], list[Word]]) -> list[Word]:
    """`find DIR -name '*.env' -exec sed -i ... {} +`: what the commands it runs write,
    with `{}` the files it finds (DIR/PATTERN: a glob standing for them)."""
    starts: list[Word] = []
    for word in command.args:
        if _FIND_STOP.match(word.text):
            break
        starts.append(word)
    starts = starts or [Word(".", command.program.line, command.program.column)]
    texts = [w.text for w in command.args]
    names = [texts[i + 1] for i, t in enumerate(texts[:-1]) if t in ("-name", "-iname")]
    pattern = names[0].rsplit("/", 1)[-1] if names else "*"
    out: list[Word] = []
    for inner in exec_commands(command):
        for start in starts:
            found = Word(posixpath.join(start.text, pattern), start.line, start.column,
                         start.dynamic)
            words = tuple(found if w.text == "{}" else w for w in inner.words)
            if words[0] is found:
                continue  # `-exec {} \\;` runs what it finds
            out.extend(written(replace(step, command=replace(inner, words=words),
                                       redirects=(), stdin=None)))
    return out


def program_writes(step: Step, written: Callable[[Step], list[Word]]) -> list[Word]:
    """The files the command writes by the grammar of its program (`written`: what a
    command writes, for the commands `find` runs)."""
    command = step.command
    name = command.name
    if name == "truncate":
        return _truncate(command)
    if name in ("ed", "red"):
        return _ed(command, step.stdin)
    if name in _VIMS:
        return _vim(command, step.stdin)
    if is_python_name(name):
        return _python(command, step.stdin, dict(step.assigns))
    if name == "find":
        return _find(command, step, written)
    return []
