"""The files programs write that are told them as operands or in a script of their own
(QT601, QT604): `truncate`, the editors `ed`, `ex`, `vi`/`vim` run with commands, Python
run with `-c` or on standard input, and `find -exec`. Each is read with its own option
grammar (its manual's), and an editor writes only when its commands include a write."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from qt_lint import lazyre
from qt_lint.command_model import Command, Word, exec_commands, is_python_name
from qt_lint.record import replace
from qt_lint.shellflow import Step

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
    files, given = operands(command.args, _VIM_ARGS, plus=True)
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


def _python(command: Command, stdin: Word | None) -> list[Word]:
    """`python3 -c CODE`, `python3 - <<EOF`: the files its code writes (read as the
    Python rules read a file: `open(p, "w")`, `Path.write_text`, `shutil.copy`, ...),
    positioned in the script."""
    from qt_lint.rules.models.helpers import python_options

    _, runs = python_options(Step(command))
    if runs == "-c":
        code = next((w for i, w in enumerate(command.args)
                     if i and command.args[i - 1].text.endswith("c") and
                     command.args[i - 1].text.startswith("-")), None)
        if code is None or code.dynamic:
            return []
        return _python_code(code.text, code.line, code.column + 1)
    if runs in ("-", "") and stdin is not None and not stdin.dynamic:
        return _python_code(stdin.text, stdin.line, stdin.column)
    return []


def _python_code(text: str, line: int, column: int) -> list[Word]:
    from qt_lint.parsers.python import PythonFacts, parse_tree
    from qt_lint.pymodel.calls import file_ops

    try:
        facts = PythonFacts(text, parse_tree(text))
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
        return _python(command, step.stdin)
    if name == "find":
        return _find(command, step, written)
    return []
