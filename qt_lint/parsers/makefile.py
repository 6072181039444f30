"""Makefiles: recipes expanded with the Makefile's own variables, then analysed as shell.

- recipe lines start with a tab (or the `.RECIPEPREFIX` character) after a rule line, or
  follow `target: prereqs ;` on the rule line; `\\` continues a line;
- the `@`, `-` and `+` prefixes of a recipe line are dropped;
- variables defined with `=`, `:=`, `::=`, `?=` and `+=` (also `override`/`export`) are
  expanded, recursively, so `RUN := ops/run.sh $(SERVICE)` then `$(RUN) ops/x.py` is the
  wrapper and `PYTHON := python3` then `$(PYTHON) x.py` is a bare python; a lookup
  `$(shell which python3)` (or `command -v`, `type -P`) is the program it finds; `$$` is `$`;
  variables it does not know (automatic ones, functions) become shell expansions, which the
  rules treat as unknown rather than guess;
- every character of an expanded recipe remembers where it came from, so a finding points
  at the recipe word, or at the `$(VAR)` that produced it.

Each recipe line runs in its own shell, as make runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qt_lint.command_model import looked_up
from qt_lint.parsers.shell import ShellAnalysis, parse_shell

_DEFINE = re.compile(
    r"^(?:(?:override|export|private)\s+)*(?P<name>[A-Za-z0-9_.\-]+)\s*"
    r"(?P<op>::=|:::=|:=|\?=|\+=|!=|=)\s*(?P<value>.*)$")
# targets run greedily to the first `:`, `=` or `#` (a lazy group before `\s*` is
# quadratic on a long line); their trailing spaces are part of the group
_RULE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*)::?(?!=)(?P<rest>.*)$")
_REF = re.compile(r"\$(?:\((?P<paren>[^()$]*)\)|\{(?P<brace>[^{}$]*)\}|(?P<one>[^$({]))")
MAX_EXPANSION = 10


@dataclass(frozen=True, slots=True)
class Recipe:
    """One recipe line of a Makefile as the shell receives it."""

    text: str  # the recipe as the shell receives it
    origins: tuple[tuple[int, int], ...]  # (line, column) in the Makefile, per character
    line: int  # the Makefile line it starts on


def _logical_lines(text: str) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """(first line, text, per-character origin) with backslash continuations joined; the
    continuation keeps its backslash-newline (a recipe hands it to the shell as is)."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        start = i
        parts: list[str] = []
        origins: list[tuple[int, int]] = []
        while True:
            line = lines[i]
            parts.append(line)
            origins.extend((i + 1, c + 1) for c in range(len(line)))
            if line.endswith("\\") and i + 1 < len(lines):
                parts.append("\n")
                origins.append((i + 1, len(line) + 1))
                i += 1
                continue
            break
        out.append((start + 1, "".join(parts), origins))
        i += 1
    return out


def parse_makefile(text: str) -> ShellAnalysis:
    variables: dict[str, str] = {}
    recipes: list[Recipe] = []
    prefix = "\t"
    in_rule = False
    in_define = False
    defined: list[str] = []
    define_name = ""
    make_time: list[tuple[str, list[tuple[int, int]]]] = []
    for first, line, origins in _logical_lines(text):
        if ("$(shell" in line or "${shell" in line) and not line.lstrip().startswith("#"):
            make_time.extend(_shell_calls(line, origins))
        if in_define:
            if line.strip() == "endef":
                in_define = False
                # `define PY` ... `endef`: a variable of those lines (recursive)
                variables[define_name] = "\n".join(defined)
            else:
                defined.append(line)
            continue
        if in_rule and line.startswith(prefix):
            body = line[len(prefix):]
            offset = len(prefix)
            # continuation lines lose one leading recipe prefix too
            body_origins = origins[offset:]
            body, body_origins = _strip_continuation_prefix(body, body_origins, prefix)
            recipes.append(_recipe(body, body_origins, first))
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _DEFINE_HEADER.match(stripped)
        if header:
            in_define, define_name, defined = True, header.group("name"), []
            continue
        match = _DEFINE.match(stripped)
        if match:
            name, op, value = match.group("name"), match.group("op"), match.group("value")
            value = value.split(" #", 1)[0].rstrip()
            if op == "!=":
                start = line.index("!=") + 2
                lead = len(line[start:]) - len(line[start:].lstrip())
                make_time.append((line[start + lead:], origins[start + lead:]))
                # `PY != command -v python3`: the output of a shell command, known when it
                # is a lookup or an echo of a word
                shown = _shown(_expand_plain(value, variables))
                if shown is None:
                    variables.pop(name, None)
                else:
                    variables[name] = shown
            elif name == ".RECIPEPREFIX":
                prefix = value[:1] or "\t"
            elif op == "?=":
                variables.setdefault(name, value)
            elif op == "+=":
                variables[name] = f"{variables[name]} {value}" if name in variables else value
            elif op in (":=", "::=", ":::="):
                variables[name] = _expand_plain(value, variables)
            else:
                variables[name] = value
            in_rule = False
            continue
        rule = _RULE.match(stripped)
        if rule:
            in_rule = True
            rest = rule.group("rest")
            local = _DEFINE.match(rest.strip())
            if local and local.group("op") in ("=", ":=", "::=", "?="):
                # `t: PY = python3`, a target-specific variable: the recipes of `t` see it
                value = local.group("value").split(" #", 1)[0].rstrip()
                variables.setdefault(local.group("name"), value)
                continue
            if ";" in rest:
                index = line.index(";", line.index(":")) + 1
                inline = line[index:]
                lead = len(inline) - len(inline.lstrip())
                recipes.append(_recipe(inline.lstrip(), origins[index + lead:], first))
            continue
        in_rule = False
    analysis = ShellAnalysis()
    for recipe in recipes:
        analysis.extend(_analyse(recipe, variables))
    for command, where in make_time:  # run by make itself, as it reads the Makefile
        if where:
            analysis.extend(_analyse(Recipe(command, tuple(where), where[0][0]), variables))
    return analysis


def _shell_calls(line: str, origins: list[tuple[int, int]]
                 ) -> list[tuple[str, list[tuple[int, int]]]]:
    """The commands of `$(shell ...)` on a line (make runs them when it expands it)."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    start = 0
    while True:
        at = min((i for i in (line.find("$(shell", start), line.find("${shell", start))
                  if i != -1), default=-1)
        if at == -1:
            return out
        close = ")" if line[at + 1] == "(" else "}"
        i = at + len("$(shell")
        if i >= len(line) or line[i] not in " \t":
            start = i
            continue
        begin = i + 1
        depth = 1
        while i < len(line) and depth:
            i += 1
            char = line[i] if i < len(line) else close
            if char == line[at + 1]:
                depth += 1
            elif char == close:
                depth -= 1
        out.append((line[begin:i], origins[begin:i]))
        start = i


_DEFINE_HEADER = re.compile(
    r"^(?:(?:override|export|private)\s+)*define\s+(?P<name>[A-Za-z0-9_.\-]+)\s*(?:=|:=|::=)?\s*$")


def _shown(command: str) -> str | None:
    """What a shell command prints, where it is a lookup (`command -v python3`) or an
    `echo` of plain words; None otherwise."""
    program = looked_up(command)
    if program is not None:
        return program
    words = command.split()
    if len(words) >= 2 and words[0] == "echo" and all(re.fullmatch(r"[\w./:-]+", w)
                                                       for w in words[1:]):
        return " ".join(words[1:])
    return None


def _strip_continuation_prefix(body: str, origins: list[tuple[int, int]],
                               prefix: str) -> tuple[str, list[tuple[int, int]]]:
    if "\n" not in body:
        return body, origins
    out, out_origins = [], []
    i = 0
    while i < len(body):
        out.append(body[i])
        out_origins.append(origins[i])
        if body[i] == "\n" and body[i + 1:i + 1 + len(prefix)] == prefix:
            i += 1 + len(prefix)
            continue
        i += 1
    return "".join(out), out_origins


def _recipe(body: str, origins: list[tuple[int, int]], line: int) -> Recipe:
    i = 0
    while i < len(body) and body[i] in "@-+ \t":
        i += 1
    return Recipe(body[i:], tuple(origins[i:]), line)


def _expand_plain(value: str, variables: dict[str, str], depth: int = 0) -> str:
    text, _ = _expand(value, [(0, 0)] * len(value), variables, depth)
    return text


def _expand(text: str, origins: list[tuple[int, int]], variables: dict[str, str],
            depth: int = 0) -> tuple[str, list[tuple[int, int]]]:
    out: list[str] = []
    out_origins: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] != "$":
            out.append(text[i])
            out_origins.append(origins[i])
            i += 1
            continue
        if text[i:i + 2] == "$$":
            out.append("$")
            out_origins.append(origins[i])
            i += 2
            continue
        match = _REF.match(text, i)
        if match is None:
            out.append(text[i])
            out_origins.append(origins[i])
            i += 1
            continue
        name = match.group("paren") or match.group("brace") or match.group("one") or ""
        here = origins[i]
        program = looked_up(name[6:]) if name.startswith("shell ") else None
        if program is not None:
            # `$(shell which python3)`, `$(shell command -v python3)`: where that program
            # is, so running the result runs it
            out.append(program)
            out_origins.extend([here] * len(program))
        elif name in variables and depth < MAX_EXPANSION:
            value = variables[name]
            expanded, _ = _expand(value, [here] * len(value), variables, depth + 1)
            out.append(expanded)
            out_origins.extend([here] * len(expanded))
        else:
            # automatic variables and functions: unknown to qt-lint, a shell expansion
            safe = re.sub(r"[^A-Za-z0-9_]", "_", name) or "_"
            replacement = "${MAKE_" + safe + "}"
            out.append(replacement)
            out_origins.extend([here] * len(replacement))
        i = match.end()
    return "".join(out), out_origins


def _analyse(recipe: Recipe, variables: dict[str, str]) -> ShellAnalysis:
    text, origins = _expand(recipe.text, list(recipe.origins), variables)
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def mapper(row: int, column: int) -> tuple[int, int]:
        index = starts[min(row, len(starts) - 1)] + column
        if 0 <= index < len(origins):
            return origins[index]
        return origins[-1] if origins else (recipe.line, 1)

    return parse_shell(text, "make", mapper)
