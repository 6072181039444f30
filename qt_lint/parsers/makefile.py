"""Makefiles: recipes expanded with the Makefile's own variables, then analysed as shell.

- recipe lines start with a tab (or the `.RECIPEPREFIX` character) after a rule line, or
  follow `target: prereqs ;` on the rule line; `\\` continues a line;
- the `@`, `-` and `+` prefixes of a recipe line are dropped;
- variables defined with `=`, `:=`, `::=`, `?=` and `+=` (also `override`/`export`) are
  expanded, recursively (a `#` ends a value, `\\#` is a literal one), so
  `RUN := ops/run.sh $(SERVICE)` then `$(RUN) ops/x.py` is the wrapper and
  `PYTHON := python3` then `$(PYTHON) x.py` is a bare python; a lookup
  `$(shell which python3)` (or `command -v`, `type -P`) is the program it finds; `$$` is `$`;
  variables it does not know (automatic ones, functions) become shell expansions, which the
  rules treat as unknown rather than guess;
- exported variables (`export PY = python3`, `export PY`, a bare `export`) are in each
  recipe's shell environment, so `$$PY x.py` runs python3;
- every character of an expanded recipe remembers where it came from, so a finding points
  at the recipe word, or at the `$(VAR)` that produced it;
- `ifeq`/`ifneq`/`ifdef`/`ifndef` (and `else ifeq ...`) on what the Makefile sets are
  decided and only the branch taken is read; one on a variable it does not set (or sets
  with `?=`) is not known: every branch is read, and the block is recorded (`unknown`);
  `include` and `$(eval ...)` are recorded as not read (`unread`).

Each recipe line runs in its own shell, as make runs it; under `.ONESHELL:` a rule's whole
recipe is one shell script (a `cd` or a variable carries across its lines), its lines'
`@`/`-`/`+` prefixes dropped, as GNU make does with a POSIX shell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from qt_lint import lazyre
from qt_lint.command_model import looked_up
from qt_lint.parsers import ParseError
from qt_lint.parsers.shell import ShellAnalysis, parse_shell
from qt_lint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from qt_lint.command_model import Command
    from qt_lint.parsers.shell import Redirect

_DEFINE = lazyre.compile(
    r"^(?:(?:override|export|private)\s+)*(?P<name>[A-Za-z0-9_.\-]+)\s*"
    r"(?P<op>::=|:::=|:=|\?=|\+=|!=|=)\s*(?P<value>.*)$")
# targets run greedily to the first `:`, `=` or `#` (a lazy group before `\s*` is
# quadratic on a long line); their trailing spaces are part of the group
_RULE = lazyre.compile(r"^(?P<targets>[^\s:=#][^:=#]*)::?(?!=)(?P<rest>.*)$")
_CALL = lazyre.compile(r"([a-z][a-z-]*)[ \t]+")
# `export PY`, `unexport PY Q`, a bare `export` (every variable)
_EXPORT = lazyre.compile(r"^(?P<verb>export|unexport)(?P<names>(?:\s+[A-Za-z0-9_.\-]+)*)\s*$")
_EXPORTING = lazyre.compile(r"^(?:(?:override|private)\s+)*export\s")
_SHELL_NAME = lazyre.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_EXPANSION = 10
MAX_EVALUATED = 64  # `$(eval ...)` lines read as make reads them, at most
MAX_PREREQUISITES = 4096  # characters of a prerequisite list or a condition expanded
_FLAG_VARIABLES = frozenset({"MAKEFLAGS", "GNUMAKEFLAGS"})
# a recipe naming an automatic variable: `$@`, `$<`, `$^`, `$+`, `$(@D)`, `${<F}`
_AUTOMATIC = lazyre.compile(r"\$(?:[@<^+*]|[({][@<^+*][DF]?[)}])")
_PREFIXES = "@-+ \t"  # what make drops before a recipe line (its prefixes, blanks)
_TARGET_NAMED = lazyre.compile(r"\$(?:@|[({]@[DF]?[)}])")


@record(frozen=True, slots=True)
class Recipe:
    """One recipe line of a Makefile as the shell receives it."""

    text: str  # the recipe as the shell receives it
    origins: tuple[tuple[int, int], ...]  # (line, column) in the Makefile, per character
    line: int  # the Makefile line it starts on
    rule: int = 0  # the rule it belongs to (`.ONESHELL:` joins a rule's lines)


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


@record
class MakeProgram:
    """What make does with a Makefile, beyond its recipes' shell: the rules of each target
    (line, double-colon, their recipe lines), `.IGNORE`, `MAKEFLAGS`, `SHELL`, the
    variables the environment can set (`?=`) and where each variable was last set."""

    recipes: list[Recipe] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    # target -> [(rule line, double-colon, recipe first lines)]
    rules: dict[str, list[tuple[int, bool, list[int]]]] = field(default_factory=dict)
    ignore: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # `.IGNORE:`
    phony: set[str] = field(default_factory=set)
    # name -> (line, op) of its last assignment that took effect (`override` kept)
    assigned: dict[str, tuple[int, str]] = field(default_factory=dict)
    # rule index -> its targets; target -> its target-specific variables
    rule_targets: dict[int, tuple[str, ...]] = field(default_factory=dict)
    target_vars: dict[str, dict[str, str]] = field(default_factory=dict)
    target_exports: dict[str, set[str]] = field(default_factory=dict)
    # target -> name -> the line of its last target-specific assignment
    target_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    # target -> its prerequisites (normal and order-only, every rule's), as make expands them
    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    # target -> its normal prerequisites (every rule's, the order make reads them: `$^`);
    # rule index -> its own (its first is `$<`)
    normal: dict[str, list[str]] = field(default_factory=dict)
    rule_prerequisites: dict[int, list[str]] = field(default_factory=dict)
    make_time: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)
    # what `$(file >F,text)` writes as make reads the Makefile (a top-level line, a `:=`
    # value, a rule line, an `$(eval ...)`'s text): (operator, path, text, where)
    make_writes: list[tuple[str, str, str, tuple[int, int]]] = field(default_factory=list)
    # name -> the text of its assignments as written (`RUN := $(WRAP) x`: `$(WRAP) x`)
    written: dict[str, str] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)  # the names make exports
    # the `ifeq`/`ifdef` blocks whose condition is not known here (a variable the Makefile
    # does not set, or sets with `?=`): (line, directive, the lines of its branches, read
    # all as if each were taken)
    unknown: list[tuple[int, str, frozenset[int]]] = field(default_factory=list)
    # what make reads that this reader does not: `include`, `$(eval ...)` (line, text)
    unread: list[tuple[int, str]] = field(default_factory=list)
    # name -> (line, op) of every assignment read
    assignment_lines: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    export_lines: list[int] = field(default_factory=list)  # `export X`, `unexport X`
    oneshell: bool = False
    prefix: str = "\t"  # `.RECIPEPREFIX`

    @property
    def rule_names(self) -> set[str]:
        return {t for targets in self.rule_targets.values() for t in targets}

    def value(self, name: str) -> str | None:
        """A variable's value as make expands it (None: not set)."""
        if name not in self.variables:
            return None
        return _expand_plain(self.variables[name], self.variables)

    def recipe_variables(self, recipe: Recipe, inherited: tuple[str, ...] = (),
                         run_for: str | None = None
                         ) -> tuple[dict[str, str], dict[str, str]]:
        """The variables and the environment a recipe line runs with: the global ones,
        then the target-specific ones of its rule's targets (which win, as in make).
        `inherited`: the targets it is built for, outermost first (make gives a target's
        variables to its prerequisites; the prerequisite's own win)."""
        targets = (*inherited, *self.rule_targets.get(recipe.rule, ()))
        local = [t for t in targets if t in self.target_vars or t in self.target_exports]
        automatic = self.automatic(recipe, run_for) if _AUTOMATIC.search(recipe.text) else {}
        if not local:
            return ({**self.variables, **automatic} if automatic else self.variables), self.env
        variables = dict(self.variables)
        env = dict(self.env)
        for target in local:
            variables.update(self.target_vars.get(target, {}))
        for target in local:
            names = self.target_exports.get(target, set()) | (
                self.exported & set(self.target_vars.get(target, {})))
            for name in names:
                if name in variables:
                    env.update(_environment(variables, {name}))
        variables.update(automatic)
        return variables, env

    def automatic(self, recipe: Recipe, target: str | None = None) -> dict[str, str]:
        """make's automatic variables for a recipe of an explicit rule: `$@` (the target it
        is run for: `target`, or the rule's first), `$<` (the rule's first prerequisite),
        `$^` and `$+` (the target's prerequisites, without and with repeats) and their
        `D`/`F` forms. A pattern rule's (`%`), `$*` and `$?` stay unknown."""
        targets = self.rule_targets.get(recipe.rule, ())
        target = target if target is not None else (targets[0] if targets else None)
        out: dict[str, str] = {}
        if target is None or "%" in target:
            return out
        _name_parts(out, "@", [target])
        own = self.rule_prerequisites.get(recipe.rule, [])
        every = self.normal.get(target, own)
        stem = next((_stem(t, target) for t in targets if "%" in t and
                     _stem(t, target) is not None), None)
        if stem is not None:  # a pattern rule run for a target it matches: `$*` its stem
            _name_parts(out, "*", [stem])
            own = every = [w.replace("%", stem, 1) for w in own]
        if own and not any("%" in w for w in every):
            _name_parts(out, "<", own[:1])
            _name_parts(out, "^", list(dict.fromkeys(every)))
            _name_parts(out, "+", every)
        return out

    def expanded(self, recipe: Recipe, inherited: tuple[str, ...] = ()) -> str | None:
        """The recipe as its shell receives it (None: past the expansion bounds)."""
        variables, _ = self.recipe_variables(recipe, inherited)
        expander = _Expander(variables)
        text, _ = expander.expand(recipe.text, list(recipe.origins))
        if expander.cut or _CUT in text:
            return None
        return text


    def expand(self, value: str, variables: dict[str, str]) -> str:
        """A value as make expands it with these variables (a recipe's, say)."""
        return _expand_plain(value, variables)

    def analysed(self, recipe: Recipe, inherited: tuple[str, ...] = ()) -> ShellAnalysis:
        """The recipe's commands, with the variables of the targets it is built for."""
        variables, env = self.recipe_variables(recipe, inherited)
        return _analyse(recipe, variables, env, split=not self.oneshell)

    def targets_of(self, recipe: Recipe) -> tuple[str, ...]:
        """The targets a recipe is run for, one by one, when its text names `$@` (a rule
        of several targets runs it once for each), or a pattern rule's names an automatic
        variable (run for each target or prerequisite of the Makefile it matches);
        otherwise `()` (run as written)."""
        targets = self.rule_targets.get(recipe.rule, ())
        if any("%" in t for t in targets):
            if not _AUTOMATIC.search(recipe.text):
                return ()
            named = dict.fromkeys(w for words in (*self.rule_targets.values(),
                                                  *self.prerequisites.values())
                                  for w in words if "%" not in w)
            return tuple(w for w in named if any(_stem(t, w) is not None for t in targets))
        return targets if len(targets) > 1 and _TARGET_NAMED.search(recipe.text) else ()

    def shell_texts(self) -> list[tuple[str, Callable[[int, int], tuple[int, int]]]]:
        """What each recipe's shell receives, as make expands it (once for each target it
        is run for, see `targets_of`), with where a (line, column) of that text came from
        in the Makefile: the text the commands of `parse_makefile` are read from."""
        out: list[tuple[str, Callable[[int, int], tuple[int, int]]]] = []
        for recipe in self.recipes:
            for target in self.targets_of(recipe) or (None,):
                variables, _ = self.recipe_variables(recipe, run_for=target)
                parts, _, _ = _shell_parts(recipe, variables, not self.oneshell)
                out.extend((text, _placed(text, where, recipe.line)) for text, where in parts)
        return out


def parse_makefile(text: str) -> ShellAnalysis:
    program = read_makefile(text)
    analysis = ShellAnalysis()
    split = not program.oneshell
    for recipe in program.recipes:
        each = program.targets_of(recipe)
        if not each:
            variables, env = program.recipe_variables(recipe)
            analysis.extend(_analyse(recipe, variables, env, split=split))
            continue
        # `a b: ; echo x >> $@` runs once per target: what differs is kept once each
        seen: set[tuple[object, ...]] = set()
        for target in each:
            variables, env = program.recipe_variables(recipe, run_for=target)
            one = _analyse(recipe, variables, env, split=split)
            if target == each[0]:
                analysis.extend(one)
                seen.update(_command_key(c) for c in one.commands)
                seen.update(_redirect_key(r) for r in one.redirects)
                continue
            analysis.commands.extend(c for c in one.commands if _command_key(c) not in seen)
            analysis.redirects.extend(r for r in one.redirects if _redirect_key(r) not in seen)
            seen.update(_command_key(c) for c in one.commands)
            seen.update(_redirect_key(r) for r in one.redirects)
    for command, where in program.make_time:  # run by make itself, as it reads the Makefile
        if where:
            analysis.extend(_analyse(Recipe(command, tuple(where), where[0][0]),
                                     program.variables))
    analysis.extend(_file_writes(program.make_writes, None))
    return analysis


def read_makefile(text: str) -> MakeProgram:
    program = MakeProgram()
    variables = program.variables
    recipes = program.recipes
    prefix = "\t"
    in_rule = False
    in_define = False
    defined: list[str] = []
    define_name = ""
    make_time = program.make_time
    rule_index = 0
    oneshell = False
    exported: set[str] = set()
    export_all = False
    overridden: set[str] = set()
    current: list[int] = []  # the recipe lines of the rule being read
    conditions: list[_Condition] = []  # the `ifeq`/`ifdef` blocks open here
    define_line, define_override = 0, False
    pending = _logical_lines(text)[::-1]
    evaluated = 0
    while pending:
        first, line, origins = pending.pop()
        if ("$(shell" in line or "${shell" in line) and not line.lstrip().startswith("#"):
            make_time.extend(_shell_calls(line, origins))
        if in_define:
            if line.strip() == "endef":
                in_define = False
                # `define PY` ... `endef`: a variable of those lines (recursive)
                if define_name not in overridden or define_override:
                    variables[define_name] = "\n".join(defined)
                    program.assigned[define_name] = (define_line, "=")
                    if define_override:
                        overridden.add(define_name)
            else:
                defined.append(line)
            continue
        if not (in_rule and line.startswith(prefix)):
            directive = _CONDITIONAL.match(line.strip())
            if directive:
                _conditional(program, conditions, directive, first, line.strip(), variables)
                continue
            evaluates = line.strip().startswith(("$(eval", "${eval"))
            if line.strip().startswith(("include ", "-include ", "sinclude ")) or evaluates:
                if all(c.active for c in conditions):
                    program.unread.append((first, line.strip()))
                    for c in conditions:
                        c.lines.add(first)
                    if evaluates and evaluated < MAX_EVALUATED:
                        # make reads the argument's expansion as Makefile lines, here
                        evaluated += 1
                        pending.extend(_evaluated(program, line, origins, first)[::-1])
                continue
            if ("$(file" in line or "${file" in line) and all(c.active for c in conditions):
                _make_time_writes(program, line, origins)
        if not all(c.active for c in conditions):
            continue  # a branch make does not read
        for c in conditions:
            c.lines.add(first)
        if in_rule and line.startswith(prefix):
            body = line[len(prefix):]
            offset = len(prefix)
            # continuation lines lose one leading recipe prefix too
            body_origins = origins[offset:]
            body, body_origins = _strip_continuation_prefix(body, body_origins, prefix)
            recipes.append(_recipe(body, body_origins, first, rule_index))
            current.append(first)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _DEFINE_HEADER.match(stripped)
        if header:
            in_define, define_name, defined = True, header.group("name"), []
            define_line = first
            define_override = bool(re.match(r"^(?:export\s+)?override\s", stripped))
            continue
        export = _EXPORT.match(stripped)
        if export:
            names = export.group("names").split()
            program.export_lines.append(first)
            if export.group("verb") == "unexport":
                exported.difference_update(names)
            elif names:
                exported.update(names)
            else:
                export_all = True  # a bare `export`: every variable reaches the recipes
            in_rule = False
            continue
        match = _DEFINE.match(stripped)
        if match:
            name, op, value = match.group("name"), match.group("op"), match.group("value")
            value = _uncommented(value)
            is_override = bool(re.match(r"^(?:(?:export|private)\s+)*override\s", stripped))
            if _EXPORTING.match(stripped):
                exported.add(name)
            in_rule = False
            if name in overridden and not is_override:
                continue  # `override X = ...` wins over a later plain assignment
            if is_override:
                overridden.add(name)
            program.assignment_lines.setdefault(name, []).append((first, op))
            if op != "?=" or name not in variables:
                program.assigned[name] = (first, op)
                program.written[name] = (program.written.get(name, "") + " " + value
                                         if op == "+=" else value)
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
                if name in variables:
                    variables[name] = f"{variables[name]} {value}"
                else:  # make's own MAKEFLAGS is never empty: `+=` adds a later word
                    variables[name] = f" {value}" if name in _FLAG_VARIABLES else value
            elif op in (":=", "::=", ":::="):
                variables[name] = _expand_plain(value, variables)
            else:
                variables[name] = value
            continue
        rule = _RULE.match(stripped)
        if rule:
            in_rule = True
            rule_index += 1
            named = rule.group("targets")
            # make expands a rule's targets as it reads the line (`$(QG):`)
            targets = tuple((_expand_plain(named, variables) if "$" in named and
                             len(named) <= MAX_PREREQUISITES else named).split())
            program.rule_targets[rule_index] = targets
            double = stripped[rule.end("targets"):].startswith("::")
            current = []
            if targets == (".ONESHELL",):
                oneshell = True
            if targets == (".EXPORT_ALL_VARIABLES",):
                export_all = True
            rest = rule.group("rest")
            if targets == (".PHONY",):
                program.phony.update(_expand_plain(rest.split(";")[0], variables).split())
            if targets == (".IGNORE",):
                program.ignore.append(
                    (first, tuple(_expand_plain(rest.split(";")[0], variables).split())))
            local = _DEFINE.match(rest.strip())
            if local and local.group("op") in ("=", ":=", "::=", "?=", "+="):
                # `t: PY = python3`, a target-specific variable: the recipes of `t` see it
                value = _uncommented(local.group("value"))
                name = local.group("name")
                for target in targets:
                    own = program.target_vars.setdefault(target, {})
                    op = local.group("op")
                    if op == "?=" and (name in own or name in variables):
                        continue
                    if op == "+=":
                        base = own.get(name, variables.get(name))
                        own[name] = f"{base} {value}" if base is not None else value
                    elif op in {"=", "?="}:
                        own[name] = value
                    else:
                        own[name] = _expand_plain(value, variables)
                    if re.match(r"^(?:(?:override|private)\s+)*export\s", rest.strip()):
                        program.target_exports.setdefault(target, set()).add(name)
                    program.target_lines.setdefault(target, {})[name] = first
                in_rule = False
                continue
            wanted = rest.split(";")[0].replace("|", " ")
            # expanded as make does; a list longer than any real one is taken as written
            # (an unclosed `$(` is rescanned to the end of the line at each one)
            wanted = (_expand_plain(wanted, variables) if "$" in wanted and
                      len(wanted) <= MAX_PREREQUISITES else wanted).split()
            normal = rest.split(";")[0].split("|")[0]
            normal = (_expand_plain(normal, variables) if "$" in normal and
                      len(normal) <= MAX_PREREQUISITES else normal).split()
            program.rule_prerequisites[rule_index] = normal
            for target in targets:
                program.rules.setdefault(target, []).append((first, double, current))
                known = program.prerequisites.setdefault(target, [])
                known.extend(w for w in wanted if w not in known)
                program.normal.setdefault(target, []).extend(normal)
            if ";" in rest:
                index = line.index(";", line.index(":")) + 1
                inline = line[index:]
                lead = len(inline) - len(inline.lstrip())
                recipes.append(_recipe(inline.lstrip(), origins[index + lead:], first,
                                       rule_index))
                current.append(first)
            continue
        in_rule = False
    for c in conditions:  # a block left open (make fails: "missing endif")
        _close(program, c)
    if oneshell:
        recipes[:] = _one_shell(recipes)
    program.env = _environment(variables, variables if export_all else exported)
    program.exported = set(variables) if export_all else set(exported)
    program.oneshell = oneshell
    program.prefix = prefix
    return program


_CONDITIONAL = lazyre.compile(r"^(?P<verb>ifeq|ifneq|ifdef|ifndef|else|endif)(?=\s|$|\()\s*"
                          r"(?P<rest>.*)$")


@record
class _Condition:
    """An open `ifeq`/`ifdef` block: whether the branch being read is taken (None: not
    known), whether an earlier branch was ("yes", "maybe", "no")."""

    line: int
    text: str
    branch: bool | None
    taken: str
    outer: bool  # the blocks around it read this one
    lines: set[int] = field(default_factory=set)
    unknown: bool = False  # one of its branches is not known

    @property
    def active(self) -> bool:
        return self.outer and self.branch is not False


def _conditional(program: MakeProgram, conditions: list[_Condition], match: re.Match[str],
                 line: int, text: str, variables: dict[str, str]) -> None:
    """One conditional directive, as make reads it: a condition made of what the Makefile
    sets is decided; one that reads a variable it does not set (the environment, or make's
    command line, may) or sets with `?=` is not known, and each of its branches is read."""
    verb, rest = match.group("verb"), match.group("rest").strip()
    if len(rest) > MAX_PREREQUISITES:
        rest = "(${MAKE_TOO_LONG},)"  # longer than any real condition: not known
    outer = all(c.active for c in conditions)
    if verb in ("ifeq", "ifneq", "ifdef", "ifndef"):
        opened = _condition(program, verb, rest, variables) if outer else False
        conditions.append(_Condition(line, text, opened, _taken(opened), outer,
                                     unknown=opened is None and outer))
        return
    if not conditions:
        return  # make fails: "extraneous else/endif"
    block = conditions[-1]
    if verb == "endif":
        conditions.pop()
        _close(program, block)
        return
    nested = _CONDITIONAL.match(rest) if rest else None  # `else ifeq (...)`
    if block.taken == "yes" or not block.outer:
        value: bool | None = False
    elif nested and nested.group("verb") in ("ifeq", "ifneq", "ifdef", "ifndef"):
        value = _condition(program, nested.group("verb"), nested.group("rest").strip(),
                           variables)
        if block.taken == "maybe" and value:
            value = None
    else:
        value = None if block.taken == "maybe" else True
    block.branch = value
    if value is None:
        block.unknown = True
    block.taken = "yes" if value else ("maybe" if value is None else block.taken)


def _taken(value: bool | None) -> str:
    return "yes" if value else ("maybe" if value is None else "no")


def _close(program: MakeProgram, block: _Condition) -> None:
    if block.unknown and block.outer:
        program.unknown.append((block.line, block.text, frozenset(block.lines)))


_REFERENCED = lazyre.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}:]")


def _condition(program: MakeProgram, verb: str, rest: str,
               variables: dict[str, str]) -> bool | None:
    """Whether a condition holds (None: not known here)."""
    def known(text: str) -> str | None:
        for name in _REFERENCED.findall(text):
            if program.assigned.get(name, (0, ""))[1] == "?=":
                return None  # the environment may set it
        value = _expand_plain(text, variables)
        return None if _UNKNOWN in value else value

    if verb in ("ifdef", "ifndef"):
        name = known(rest.split("#", maxsplit=1)[0].strip())
        if name is None or not name:
            return None
        if name not in variables or (program.assigned.get(name, (0, ""))[1] == "?=" and \
                not variables[name]):
            return None  # the environment may define it
        return bool(variables[name]) == (verb == "ifdef")
    args: list[str] | None = None
    if rest.startswith("("):
        end = _closing(rest, 0)
        if end != -1:
            parts = _split_arguments(rest[1:end], 2)
            args = parts if len(parts) == 2 else None
    else:
        quoted = re.match(r"""^(["'])(.*?)\1\s+(["'])(.*?)\3""", rest)
        if quoted:
            args = [quoted.group(2), quoted.group(4)]
    if args is None:
        return None
    left, right = known(args[0]), known(args[1])
    if left is None or right is None:
        return None
    same = left.strip() == right.strip()
    return same == (verb == "ifeq")


def _uncommented(value: str) -> str:
    """An assignment's value as make reads it: a `#` starts a comment (`PY := python3#x` is
    `python3`), `\\#` is a literal `#`."""
    if "#" not in value:
        return value.rstrip()
    out: list[str] = []
    i = 0
    while i < len(value):
        if value.startswith("\\#", i):
            out.append("#")
            i += 2
            continue
        if value[i] == "#":
            break
        out.append(value[i])
        i += 1
    return "".join(out).rstrip()


def _environment(variables: dict[str, str], names: Collection[str]) -> dict[str, str]:
    """The variables make exports to every recipe's shell (`export PY = python3`, `export
    PY` after an assignment, a bare `export`), with their values expanded as make expands
    them; a value qt-lint cannot know is left out (the shell reads it as unknown)."""
    env: dict[str, str] = {}
    for name in sorted(n for n in variables if n in names):
        if not _SHELL_NAME.match(name):
            continue
        expander = _Expander(variables)
        value, _ = expander.expand(variables[name], [(0, 0)] * len(variables[name]))
        if not expander.cut and _CUT not in value and "$" not in value and "`" not in value:
            env[name] = value
    return env


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


_DEFINE_HEADER = lazyre.compile(
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


def _stem(pattern: str, name: str) -> str | None:
    """The stem a pattern target (`/etc/q/%.stamp`) matches in a name, or None."""
    head, _, tail = pattern.partition("%")
    if len(name) > len(head) + len(tail) and name.startswith(head) and name.endswith(tail):
        return name[len(head):len(name) - len(tail)]
    return None


def _evaluated(program: MakeProgram, line: str, origins: list[tuple[int, int]], first: int
               ) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """The Makefile lines an `$(eval text)` line makes: `text` expanded (a `$(call)` of a
    `define`d template, say), each character remembering where it came from."""
    at = line.find("$(eval") if "$(eval" in line else line.find("${eval")
    end = _closing(line, at + 1)
    if end == -1:
        return []
    body, where = line[at + 6:end], origins[at + 6:end]
    lead = len(body) - len(body.lstrip())
    expander = _Expander(program.variables)
    text, text_origins = expander.expand(body[lead:], list(where[lead:]))
    program.make_writes.extend(expander.writes)
    if expander.cut or _CUT in text:
        return []
    out = []
    for row, part, part_origins in _logical_lines(text):
        start = sum(len(p) + 1 for p in text.split("\n")[:row - 1])
        spots = text_origins[start:start + len(part)] or [(first, 1)]
        del part_origins
        out.append((spots[0][0] or first, part, list(spots)))
    return out


def _make_time_writes(program: MakeProgram, line: str, origins: list[tuple[int, int]]) -> None:
    """`$(file >F,text)` that make runs as it reads a line: one outside a recipe that is
    not a recursive variable's value (`X = $(file ...)` runs where `$(X)` is expanded)."""
    match = _DEFINE.match(line.strip())
    if match and match.group("op") in ("=", "?=", "+="):
        return
    expander = _Expander(program.variables)
    expander.expand(line, list(origins))
    program.make_writes.extend(expander.writes)


def _file_writes(writes: list[tuple[str, str, str, tuple[int, int]]],
                 env: dict[str, str] | None) -> ShellAnalysis:
    """`$(file >>F,text)`, read as the shell command that writes the same (`printf '%s'
    'text' >> 'F'`), placed at the `$(file`."""
    analysis = ShellAnalysis()
    for operator, path, written, here in writes:
        command = f"printf '%s\\n' {_quoted(written)} {operator} {_quoted(path)}"
        analysis.extend(_shell(command, [here] * len(command), here[0], env))
    return analysis


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


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


def _recipe(body: str, origins: list[tuple[int, int]], line: int, rule: int = 0) -> Recipe:
    i = 0
    while i < len(body) and body[i] in "@-+ \t":
        i += 1
    return Recipe(body[i:], tuple(origins[i:]), line, rule)


def _one_shell(recipes: list[Recipe]) -> list[Recipe]:
    """`.ONESHELL:`: the lines of each rule's recipe joined into one script."""
    out: list[Recipe] = []
    for recipe in recipes:
        last = out[-1] if out else None
        if last is not None and last.rule == recipe.rule:
            end = last.origins[-1] if last.origins else (last.line, 1)
            out[-1] = Recipe(last.text + "\n" + recipe.text,
                             (*last.origins, end, *recipe.origins), last.line, last.rule)
        else:
            out.append(recipe)
    return out


# names make or the environment always sets: never taken as undefined (empty)
_ALWAYS_SET = frozenset({"MAKE", "CURDIR", "SHELL", "MAKEFLAGS", "MAKECMDGOALS", "MAKELEVEL",
                         "HOME", "PATH", "USER", "PWD", "LOGNAME", "MAKEFILE_LIST",
                         ".SHELLFLAGS", "TMPDIR"})
_NAME = lazyre.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_UNKNOWN = "${MAKE_"
# make's text functions qt-lint evaluates (the rest, `wildcard`, `eval`, `foreach`, ... are
# unknown values); the number of arguments each splits (the last one takes the commas)
_FUNCTIONS = {"subst": 3, "patsubst": 3, "strip": 1, "findstring": 2, "filter": 2,
              "filter-out": 2, "sort": 1, "word": 2, "wordlist": 3, "words": 1,
              "firstword": 1, "lastword": 1, "dir": 1, "notdir": 1, "suffix": 1,
              "basename": 1, "addsuffix": 2, "addprefix": 2, "join": 2, "if": 3, "or": 0,
              "and": 0, "call": 0, "value": 1, "shell": 1, "foreach": 3, "wildcard": 1,
              "file": 2, "eval": 1}
MAX_EXPANDED = 1 << 16  # characters one reference may expand to
# what a reference beyond those bounds becomes: unknown, and the recipe that holds it is
# reported as not analysed (QT001), never read as a pass
_CUT = _UNKNOWN + "NOT_ANALYSED}"


def _expand_plain(value: str, variables: dict[str, str], depth: int = 0) -> str:
    text, _ = _expand(value, [(0, 0)] * len(value), variables, depth)
    return text


def _closing(text: str, at: int) -> int:
    """The index of the parenthesis closing the one at `at` (make counts the opening
    kind only), or -1."""
    opening = text[at]
    close = ")" if opening == "(" else "}"
    depth = 0
    for index in range(at, len(text)):
        char = text[index]
        if char == opening:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0:
                return index
    return -1


def _split_arguments(text: str, count: int) -> list[str]:
    """A function's arguments: commas outside parentheses split them (the last of
    `count` takes the rest; 0: no limit)."""
    out: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth == 0 and (count == 0 or len(out) < count - 1):
            out.append(text[start:index])
            start = index + 1
    out.append(text[start:])
    return out


def _pattern(pattern: str, replacement: str, word: str) -> str:
    """`patsubst`'s rule for one word: `%` is the stem."""
    if "%" not in pattern:
        return replacement if word == pattern else word
    head, _, tail = pattern.partition("%")
    if len(word) >= len(head) + len(tail) and word.startswith(head) and word.endswith(tail):
        stem = word[len(head):len(word) - len(tail)]
        return replacement.replace("%", stem, 1) if "%" in replacement else replacement
    return word


def _matches(pattern: str, word: str) -> bool:
    return _pattern(pattern, "\0", word) == "\0" if "%" in pattern else word == pattern


class _Expander:
    """Expands make's references the way GNU make does: variables (recursively),
    substitution references (`$(S:.py=.pyc)`, `$(S:%=%)`), and the text functions of
    `_FUNCTIONS`; what it cannot know (automatic variables, `$(wildcard ...)`) becomes a
    shell expansion `${MAKE_...}`, which the rules treat as unknown. Inside a function's
    arguments a variable the Makefile never sets is empty, as make has it where the
    environment does not set it (`$(or $(PY),python3)` is `python3`)."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables
        self.cut = False  # a reference was nested deeper, or grew longer, than the bounds
        # `$(file >F,text)` expanded: (operator, path, text, where the reference is)
        self.writes: list[tuple[str, str, str, tuple[int, int]]] = []
        self.here = (0, 0)  # where the outermost reference being expanded is written

    def text(self, value: str, depth: int, inside: bool) -> str:
        out, _ = self.expand(value, [(0, 0)] * len(value), depth, inside)
        return out

    def expand(self, text: str, origins: list[tuple[int, int]], depth: int = 0,
               inside: bool = False) -> tuple[str, list[tuple[int, int]]]:
        out: list[str] = []
        out_origins: list[tuple[int, int]] = []
        i = 0
        n = len(text)
        while i < n:
            char = text[i]
            if char != "$" or i + 1 >= n:
                out.append(char)
                out_origins.append(origins[i])
                i += 1
                continue
            nxt = text[i + 1]
            here = origins[i]
            if nxt == "$":
                out.append("$")
                out_origins.append(here)
                i += 2
                continue
            if nxt in "({":
                end = _closing(text, i + 1)
                if end == -1:
                    out.append(char)
                    out_origins.append(here)
                    i += 1
                    continue
                body = text[i + 2:end]
                i = end + 1
            else:
                body = nxt
                i += 2
            if here != (0, 0):
                self.here = here
            value = self.reference(body, depth, inside)
            if value is None:
                safe = re.sub(r"[^A-Za-z0-9_]", "_", body)[:64] or "_"
                value = _UNKNOWN + safe + "}"
            out.append(value)
            out_origins.extend([here] * len(value))
        return "".join(out), out_origins

    def reference(self, body: str, depth: int, inside: bool) -> str | None:
        """The value of `$(body)`, None when it is not known."""
        if depth >= MAX_EXPANSION:
            self.cut = True
            return _CUT
        call = _CALL.match(body)
        if call and call.group(1) in _FUNCTIONS:
            return self.function(call.group(1), body[call.end():], depth + 1)
        name = self.text(body, depth + 1, inside) if "$" in body else body
        if _UNKNOWN in name:
            return None
        colon = name.find(":")
        if colon > 0 and "=" in name[colon:]:
            variable = name[:colon]
            pattern, _, replacement = name[colon + 1:].partition("=")
            value = self.variable(variable, depth, inside)
            if value is None:
                return None
            if "%" not in pattern:
                pattern, replacement = "%" + pattern, "%" + replacement
            return " ".join(_pattern(pattern, replacement, w) for w in value.split())
        return self.variable(name, depth, inside)

    def variable(self, name: str, depth: int, inside: bool) -> str | None:
        if name in self.variables:
            value = self.variables[name]
            out = self.text(value, depth + 1, inside)
            if len(out) > MAX_EXPANDED:
                self.cut = True
                return _CUT
            return out
        if inside and _NAME.match(name) and name not in _ALWAYS_SET:
            return ""
        return None

    def function(self, name: str, rest: str, depth: int) -> str | None:
        args = _split_arguments(rest, _FUNCTIONS[name])

        def arg(index: int) -> str:
            return self.text(args[index], depth, True) if index < len(args) else ""

        if name == "shell":
            program = looked_up(arg(0))
            return program  # `$(shell which python3)`: where it is; other output unknown
        if name in ("if", "or", "and"):  # arguments expanded only as far as needed
            if name == "if":
                condition = arg(0).strip()
                if _UNKNOWN in condition:
                    return None
                return arg(1).strip() if condition else arg(2).strip()
            value = ""
            for index in range(len(args)):
                value = arg(index).strip()
                if _UNKNOWN in value:
                    return None
                if bool(value) == (name == "or"):
                    return value
            return value if name == "and" else ""
        if name == "call":
            target = arg(0).strip()
            if target not in self.variables or _UNKNOWN in target:
                return None
            saved = {key: self.variables.get(key) for key in map(str, range(len(args)))}
            for index in range(1, len(args)):
                self.variables[str(index)] = arg(index)
            self.variables["0"] = target
            try:
                return self.text(self.variables[target], depth, True)
            finally:
                for key, old in saved.items():
                    if old is None:
                        self.variables.pop(key, None)
                    else:
                        self.variables[key] = old
        if name == "value":
            return self.variables.get(arg(0).strip())
        if name == "foreach":  # the text expanded with the variable bound to each word
            variable, words = arg(0).strip(), arg(1).split()
            if _UNKNOWN in variable or any(_UNKNOWN in w for w in words) or len(args) < 3:
                return None
            before = self.variables.get(variable)
            try:
                parts = []
                for word in words:
                    self.variables[variable] = word.replace("$", "$$")
                    parts.append(self.text(args[2], depth, True))
                    if sum(map(len, parts)) > MAX_EXPANDED:
                        self.cut = True
                        return _CUT
                return " ".join(parts)
            finally:
                if before is None:
                    self.variables.pop(variable, None)
                else:
                    self.variables[variable] = before
        if name == "wildcard":
            # the files a pattern matches are known only where make runs: the patterns
            # stand for them (`$(wildcard /etc/quantum/*.env)` may be the setting)
            pattern = arg(0)
            return None if _UNKNOWN in pattern else " ".join(pattern.split())
        if name == "file":  # `$(file >>F,text)` writes as it is expanded; its value is empty
            where = arg(0).strip()
            operator = ">>" if where.startswith(">>") else ">" if where.startswith(">") else ""
            path = where[len(operator):].strip()
            if not operator:
                return None  # `$(file <F)`: the file's text
            if path and _UNKNOWN not in path:
                self.writes.append((operator, path, arg(1) if len(args) > 1 else "",
                                    self.here))
            return ""
        if name == "eval":
            # a top-level line is read where it is one (`read_makefile`); here (a recipe's)
            # a plain assignment it makes is set for what make expands after it (the
            # recipe's later lines: make expands them all before running the first)
            for line in arg(0).split("\n"):
                match = _DEFINE.match(line.strip())
                if match and _UNKNOWN not in line and match.group("op") in (":=", "::=", "="):
                    value = _uncommented(match.group("value"))
                    self.variables[match.group("name")] = value.replace("$", "$$") \
                        if match.group("op") != "=" else value
            return ""
        values = [arg(index) for index in range(len(args))]
        if any(_UNKNOWN in v for v in values):
            return None
        return _text_function(name, values)


def _text_function(name: str, args: list[str]) -> str | None:
    words = args[-1].split()
    if name == "subst":
        if len(args) < 3:
            return None
        return args[2].replace(args[0], args[1]) if args[0] else args[2]
    if name == "patsubst":
        if len(args) < 3:
            return None
        pattern, replacement = args[0].strip(), args[1].strip()
        return " ".join(_pattern(pattern, replacement, w) for w in words)
    if name == "strip":
        return " ".join(words)
    if name == "findstring":
        return args[0] if len(args) > 1 and args[0] in args[1] else ""
    if name in ("filter", "filter-out"):
        patterns = args[0].split()
        keep = name == "filter"
        return " ".join(w for w in words if any(_matches(p, w) for p in patterns) == keep)
    if name == "sort":
        return " ".join(sorted(set(words)))
    if name == "word":
        index = args[0].strip()
        if not index.isdigit() or int(index) == 0:
            return None
        return words[int(index) - 1] if int(index) <= len(words) else ""
    if name == "wordlist":
        low, high = args[0].strip(), args[1].strip() if len(args) > 2 else ""
        if not (low.isdigit() and high.isdigit()) or int(low) == 0:
            return None
        return " ".join(words[int(low) - 1:int(high)])
    if name == "words":
        return str(len(words))
    if name == "firstword":
        return words[0] if words else ""
    if name == "lastword":
        return words[-1] if words else ""
    if name == "dir":
        return " ".join(w.rpartition("/")[0] + "/" if "/" in w else "./" for w in words)
    if name == "notdir":
        return " ".join(w.rpartition("/")[2] for w in words)
    if name in ("suffix", "basename"):
        out = []
        for word in words:
            slash = word.rfind("/")
            dot = word.rfind(".")
            has = dot > slash
            if name == "suffix":
                if has:
                    out.append(word[dot:])
            else:
                out.append(word[:dot] if has else word)
        return " ".join(out)
    if name in ("addsuffix", "addprefix"):
        fix = args[0].strip()
        return " ".join(w + fix if name == "addsuffix" else fix + w for w in words)
    if name == "join":
        first, second = args[0].split(), words
        size = max(len(first), len(second))
        return " ".join((first[i] if i < len(first) else "") +
                        (second[i] if i < len(second) else "") for i in range(size))
    return None


def _expand(text: str, origins: list[tuple[int, int]], variables: dict[str, str],
            depth: int = 0) -> tuple[str, list[tuple[int, int]]]:
    return _Expander(variables).expand(text, origins, depth)


def _analyse(recipe: Recipe, variables: dict[str, str],
             env: dict[str, str] | None = None, split: bool = True) -> ShellAnalysis:
    """A recipe line's commands, as make runs them: expanded, then given to the shell. A
    line break the expansion brings (a `define`d canned recipe) starts a recipe line of
    its own, its own shell, its `@`/`-`/`+` prefixes dropped (not under `.ONESHELL:`,
    `split` False); one after a `\\` continues the line."""
    parts, cut, writes = _shell_parts(recipe, variables, split)
    analysis = ShellAnalysis()
    if cut:
        # `X10 = $(X9)` ... past the bounds: what make runs is not known here
        row, col = recipe.origins[0] if recipe.origins else (recipe.line, 1)
        analysis.errors.append(ParseError(
            "Makefile variables nested deeper (or expanding longer) than qt-lint follows: "
            "this recipe line was not analysed", row, col))
        return analysis
    for part, where in parts:
        analysis.extend(_shell(part, where, recipe.line, env))
    analysis.extend(_file_writes(writes, env))
    return analysis


def _shell_parts(recipe: Recipe, variables: dict[str, str], split: bool
                 ) -> tuple[list[tuple[str, list[tuple[int, int]]]], bool,
                            list[tuple[str, str, str, tuple[int, int]]]]:
    """A recipe line expanded: the texts of the shells make runs for it (with where each
    character came from), whether the expansion went past the bounds, and what its
    `$(file ...)` references write."""
    expander = _Expander(variables)
    text, origins = expander.expand(recipe.text, list(recipe.origins))
    if expander.cut or _CUT in text:
        return [], True, []
    if not split or ("\n" not in text and text[:1] not in _PREFIXES):
        return [(text, origins)], False, expander.writes
    parts = []
    start = 0
    for at in [*(i for i, c in enumerate(text) if c == "\n" and text[i - 1:i] != "\\"),
               len(text)]:
        part, where = text[start:at], origins[start:at]
        skip = 0
        while skip < len(part) and part[skip] in _PREFIXES:
            skip += 1
        if part[skip:].strip():
            parts.append((part[skip:], where[skip:]))
        start = at + 1
    return parts, False, expander.writes


def _shell(text: str, origins: list[tuple[int, int]], first: int,
           env: dict[str, str] | None) -> ShellAnalysis:
    return parse_shell(text, "make", _mapper(text, origins, first), env=env)


def _mapper(text: str, origins: list[tuple[int, int]], first: int
            ) -> Callable[[int, int], tuple[int, int]]:
    """(row, column) of the text, from 0, to where it came from in the Makefile."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def mapper(row: int, column: int) -> tuple[int, int]:
        index = starts[min(row, len(starts) - 1)] + column
        if 0 <= index < len(origins):
            return origins[index]
        return origins[-1] if origins else (first, 1)

    return mapper


def _placed(text: str, origins: list[tuple[int, int]], first: int
            ) -> Callable[[int, int], tuple[int, int]]:
    """(line, column) of the text, from 1, to where it came from in the Makefile."""
    mapper = _mapper(text, origins, first)
    return lambda line, column: mapper(line - 1, column - 1)


def _name_parts(out: dict[str, str], name: str, words: list[str]) -> None:
    """An automatic variable and its `D` (folders) and `F` (file names) forms."""
    out[name] = " ".join(words)
    out[name + "D"] = " ".join(w.rpartition("/")[0] or ("/" if w.startswith("/") else ".")
                               for w in words)
    out[name + "F"] = " ".join(w.rpartition("/")[2] for w in words)


def _command_key(command: Command) -> tuple[object, ...]:
    return ("command", *((w.text, w.line, w.column) for w in command.words))


def _redirect_key(redirect: Redirect) -> tuple[object, ...]:
    target = redirect.target
    return ("redirect", redirect.operator, target.text, target.line, target.column)
