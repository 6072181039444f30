from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator

from qt_lint import lazyre
from qt_lint.command_model import is_wrapper
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import Repo, gate_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from qt_lint.parsers.makefile import MakeProgram, Recipe

_TARGET = lazyre.compile(r"^(?P<targets>[^\s:=#][^:=#]*)::?(?!=)")
# the shell's words and operators after the gate's run, quoted words skipped
_OPERATOR = lazyre.compile(r"""'[^']*'|"(?:[^"\\]|\\.)*"|(?P<op>\|\||&&|;|\||&|\n)|"""
                       r"""(?P<open>(?<![^\s;&|(]){(?=\s)|\()|(?P<close>(?<=[\s;])}|\))""")
# a branch that still fails the line: `|| exit 1`, `|| exit $$?` (make's `$$` is `$`),
# `|| { echo x; false; }`
_FAILS = lazyre.compile(r"(?<![\w-])(?:exit\s+(?:[1-9]\d*|\$\$?\?)|false)(?![\w-])")
_EXITS = lazyre.compile(r"(?<![\w-])exit\s+(?:[1-9]\d*|\$\$?\?)(?![\w-])")
_BANG = lazyre.compile(r"[\s@+-]*!(?=\s)")


def _ignored(body: str, gate: str, pipefail: bool = False) -> tuple[int, str] | None:
    """Where the recipe line loses the gate's exit status (the line's own status is what
    make reads, from `sh -c`): a `!` before the gate; after the gate's run, an `||` whose
    branch does not fail, a `;` followed by a command that does not fail (also after an
    `||` branch that does: `|| false; true`), a pipe (sh has no pipefail) or a `&` (run in
    the background, status 0 at once). Operators inside `{ }` and `( )` groups after the
    gate belong to their branch. The operator's index and the text it starts."""
    at = body.find(gate)
    if at != -1:  # `! $(RUN) gate`: the pipeline's status is inverted
        head = body[:at]
        cut = max(head.rfind(c) for c in (";", "&", "|", "(", "{", "\n"))
        bang = _BANG.match(head[cut + 1:])
        if bang:
            return cut + 1 + bang.end() - 1, "!"
    start = at + len(gate) if at != -1 else 0
    depth = 0
    for match in _OPERATOR.finditer(body, start):
        if match.group("open"):
            depth += 1
            continue
        if match.group("close"):
            depth = max(0, depth - 1)
            continue
        op = match.group("op")
        if op is None or op == "&&" or depth:
            continue  # a quoted word, a command run only when the gate passed, a group's
        rest = body[match.end():].strip()
        if op == "||":
            branch = _branch(body, match.end())
            if _FAILS.search(branch):
                if _EXITS.search(branch) and not branch.lstrip().startswith("("):
                    return None  # `|| exit 1`, `|| { ...; exit 1; }`: the shell ends failing
                continue  # `|| false`, `|| (exit 1)`: the line fails unless more follows
        elif op in (";", "\n"):
            if not rest or _FAILS.match(rest):
                return None  # `; exit 1`: the line's status is the failure
        elif op == "|" and pipefail:
            continue
        shown = f"{op.strip()} {rest}".strip()
        return match.start(), shown if len(shown) <= 40 else shown[:39] + "…"
    return None


def _branch(body: str, start: int) -> str:
    """The text of an `||` branch: up to the next `;`, `&`, `|` or newline outside
    quotes and groups."""
    depth = 0
    for match in _OPERATOR.finditer(body, start):
        if match.group("open"):
            depth += 1
        elif match.group("close"):
            depth = max(0, depth - 1)
        elif match.group("op") and match.group("op") != "&&" and not depth:
            return body[start:match.start()]
    return body[start:]


_GOOD = ("RUN := ops/run.sh ai-engine\n.PHONY: quality-gate\nquality-gate:\n"
         "\t@echo gate\n\t$(RUN) ops/model_safety/quality_gate.py\n")

_DELEGATING = ("RUN := ops/run.sh ai-engine\n.PHONY: quality-gate _gate\nquality-gate: _gate\n"
               "_gate:\n\t$(RUN) ops/model_safety/quality_gate.py\n")



_MAKE_NAMES = ("GNUmakefile", "makefile", "Makefile")  # the order GNU make looks for them


def _root_makefile(relpath: str, contract: Contract) -> bool:
    folder, _, name = relpath.rpartition("/")
    return name in _MAKE_NAMES and folder in ("", contract.repo_root.strip("/"))


def _read_instead(ctx: FileContext) -> str | None:
    """The file `make` reads in this file's folder when it is not this one (a GNUmakefile
    beside the Makefile: `make quality-gate` runs the GNUmakefile's target), asked of the
    project's files (a host snapshot's too)."""
    path = ctx.abspath or ctx.path
    folder, name = os.path.split(path)
    for other in _MAKE_NAMES:
        if other == name:
            return None
        candidate = os.path.join(folder, other)
        if ctx.project.files.isfile(candidate) and not _same_file(candidate, path):
            return other
    return None


def _same_file(a: str, b: str) -> bool:
    """On a case-blind file system `makefile` may be this very `Makefile`."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class QualityGateTarget(Rule):
    """
    ## What it does
    Reads the repository's root Makefile (the one `make` reads: the first of
    `GNUmakefile`, `makefile`, `Makefile` that exists; the others it never reads, so
    they are not judged) and checks its `quality-gate` target: it
    exists (when the repository has the quality gate); its recipe runs the gate through
    the wrapper (`ops/run.sh ai-engine ops/model_safety/quality_gate.py`, directly or
    through a variable such as `$(RUN)`);
    and no recipe line ignores the gate's failure: a `-` prefix, a `!` before the gate, or
    after the gate an `||` whose branch does not fail (`|| true`, `|| :`, `|| echo failed`,
    `|| exit 0`), a `;` and another command (`; true`, also after a failing branch that
    does not end the shell: `|| false; true`), a pipe (`| tee log`: sh has no pipefail;
    bash with `.SHELLFLAGS := -o pipefail -c` keeps it) or `&`. Recipes given on the rule
    line (`quality-gate: ; ...`), with another `.RECIPEPREFIX`, or from a `define`
    (`$(GATE)`) are read as make runs them; under `.ONESHELL:` without `-e` the lines
    after the gate hide its failure.

    It reads what make itself does with the target, as GNU make does: `.IGNORE:` (bare or
    naming `quality-gate`); `-i`, `-n` or `-t` in `MAKEFLAGS` or `GNUMAKEFLAGS` (`MAKEFLAGS
    += -i`, `MAKEFLAGS = i`: a first word without `-` is flag letters; `MAKEFLAGS += i` is
    not); a `SHELL` that is not a shell and `.SHELLFLAGS` that do not end in `-c`; a
    second `quality-gate:` rule with a recipe (make runs only the last one and warns;
    every `::` rule's recipe runs); a target without `.PHONY` (a file named `quality-gate`
    makes make succeed at once); variables as make resolves them (`override`, the last
    assignment, target-specific `quality-gate: RUN = ...`); a variable of the gate's recipe
    assigned with `?=` (the environment sets it); and a run that cannot fail, read as QT604
    reads the canary's: `SKIP_GATE=1` before it (in the recipe, in `RUN`, after `env`),
    `export SKIP_GATE := 1`, `--dry-run` after it (what the repository's gate itself skips on, else
    `contract.gate-defeats`).

    It reads what `make quality-gate` builds, not only its own recipe: its prerequisites
    (`quality-gate: _gate`, order-only ones too, transitively) and the goals of a sub-make
    of the same Makefile in a recipe (`$(MAKE) _gate`, `quality-gate: ; $(MAKE) _gate`).
    The gate may run in any of them, and each is read as above: `.IGNORE: _gate`, a `-`
    or `|| true` on the delegated run, `$(MAKE) -i _gate` (or `-n`, `-t`), `$(MAKE) _gate
    || true` are reported. A sub-make with `-C`, `-f`, `-e`, command-line variables or no
    goal reads something this rule does not follow: the gate is then reported as not run.
    Target-specific variables are read as make applies them: to the target's recipe and
    its prerequisites' (the prerequisite's own value wins), not to a sub-make's;
    `quality-gate: SHELL := /bin/true`, `quality-gate: .SHELLFLAGS := -c true` and
    `quality-gate: RUN = true` are reported. `quality-gate: MAKEFLAGS += -i` is not
    (make reads MAKEFLAGS before it builds: the target's recipe still fails), unless a
    sub-make of that target inherits it.

    Conditionals are read as make reads them: an `ifeq`/`ifneq`/`ifdef`/`ifndef` (and
    `else ifeq ...`) on what the Makefile sets is decided, and only the branch taken is
    read. One that reads a variable the Makefile does not set, or sets with `?=` (the
    environment or make's command line decides it), is reported when its branches hold a
    rule, recipe or variable make reads for `quality-gate` (`ifdef CI` around `RUN :=
    true`): what runs is not known, so it is never passed. An `include` of a file of the
    repository that sets such a thing (a variable of the gate's recipe, make's settings,
    `.IGNORE`, an `export`, the targets built), an `include` of a file that is not in the
    repository, and a `$(eval ...)` are reported the same way: this rule does not read them.

    ## Why is this bad?
    Contract F: `make quality-gate` is the blocker ("Exit 2 = FAIL, stop immediately");
    G: every Makefile target uses `ops/run.sh`. A `-` prefix makes `make` report success
    for a failed gate, and whatever runs `make quality-gate && activate` activates.

    ## Example
    ```makefile
    quality-gate:
    	-$(RUN) ops/model_safety/quality_gate.py
    ```

    ## Use instead
    ```makefile
    quality-gate:
    	$(RUN) ops/model_safety/quality_gate.py
    ```

    ## Options
    `contract.quality-gate`, `contract.wrapper`, `contract.gate-defeats`.
    """

    code = "QT606"
    name = "quality-gate-target"
    section = "F"
    kinds = frozenset({Kind.MAKEFILE})
    summary = "make quality-gate is missing, bypasses the wrapper or ignores the failure"
    example_path = "Makefile"
    VALID = (Example(_GOOD), Example(_DELEGATING),
             Example(_DELEGATING.replace("quality-gate: _gate\n",
                                         "quality-gate: ; $(MAKE) _gate\n")),
             Example("quality-gate: SHELL := /bin/bash\n" + _GOOD),
             # decided inside the Makefile: only the branch taken is read
             Example("STRICT := 1\nifndef STRICT\nRUN := true\nendif\n" + _GOOD),
             Example("all:\n\techo\n", path="docs/Makefile"),
             # a repository without the quality gate has nothing to run
             Example("all:\n\techo\n"))
    INVALID = (
        Example(_GOOD.replace("\t$(RUN)", "\t-$(RUN)"), expect=((5, 2),)),
        Example(_GOOD.replace("quality_gate.py\n", "quality_gate.py || true\n"),
                expect=((5, 42),)),
        Example(_GOOD.replace("quality_gate.py\n", "quality_gate.py | tee gate.log\n"),
                expect=((5, 42),)),
        Example(_GOOD.replace("$(RUN) ops", "/opt/quantum/venvs/ai-engine/bin/python ops"),
                expect=((3, 1),)),
        Example(".IGNORE:\n" + _GOOD, expect=((1, 1),)),
        Example("MAKEFLAGS += -i\n" + _GOOD, expect=((1, 1),)),
        Example(_GOOD + "quality-gate:\n\t@echo passed\n", expect=((6, 1),)),
        Example(_GOOD.replace("\t$(RUN)", "\tSKIP_GATE=1 $(RUN)"), expect=((5, 14),)),
        Example(_GOOD.replace("RUN :=", "RUN ?="), expect=((1, 1),)),
        Example(_GOOD.replace(".PHONY: quality-gate\n", ""), expect=((2, 1),)),
        Example("quality-gate: SHELL := /bin/true\n" + _GOOD, expect=((1, 1),)),
        Example("ifdef CI\nRUN := true\nelse\n" + _GOOD.replace("\n.PHONY", "\nendif\n.PHONY"),
                expect=((1, 1),)),
        Example(_DELEGATING.replace("\t$(RUN)", "\t-$(RUN)"), expect=((5, 2),)),
        Example(_DELEGATING.replace("quality-gate: _gate\n",
                                    "quality-gate:\n\t$(MAKE) -i _gate\n"),
                expect=((4, 2),)),
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return _root_makefile(relpath, contract)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        # the repository's own Makefile, or a host's copy of it: the one `make` reads (GNU
        # make takes the first of GNUmakefile, makefile, Makefile; the others it never reads)
        if not _root_makefile(ctx.relpath, contract) or _read_instead(ctx):
            return
        gate = contract.quality_gate
        lines = ctx.lines
        program = ctx.makefile
        rules = program.rules.get("quality-gate", [])
        if not rules:
            gate_path = os.path.join(os.path.dirname(ctx.abspath or ctx.path), gate)
            if not ctx.project.files.isfile(gate_path):
                return  # no quality gate in this repository: nothing to run
            yield ctx.finding(self, 1, 1, f"no `quality-gate` target: `make quality-gate` must "
                              f"run `{gate_command(contract)}`")
            return
        built = _built(program, "quality-gate")
        yield from self._make_level(ctx, program, {target for target, *_ in built})
        running = built[0][3]
        replaced = [(line, recipe) for line, recipe in
                    ((line, recipe) for line, _, recipe in rules if recipe)
                    if (line, recipe) not in running]
        repo = _makefile_repo(ctx)
        wrapped_any = False
        shells: set[tuple[str, str]] = set()  # the target-specific shells reported
        for target, chain, starts, _ in built:
            own = target == "quality-gate"
            recipes = [r for r in program.recipes if r.line in starts]
            # the shell the target's recipe runs with (its target-specific SHELL included)
            variables = program.recipe_variables(recipes[0], chain)[0] if recipes else \
                program.variables
            shell = program.expand(variables.get("SHELL", "/bin/sh"), variables).split()
            flags = program.expand(variables.get(".SHELLFLAGS", ""), variables)
            pipefail = bool(shell) and shell[0].rsplit("/", 1)[-1] in ("bash", "zsh", "ksh") \
                and "pipefail" in flags
            numbers = sorted({row for r in recipes for row, _ in r.origins} | set(starts))
            reported = False
            for number in numbers:
                text = lines[number - 1]
                if text.startswith(program.prefix):
                    offset = len(program.prefix)
                elif number in starts and _TARGET.match(text) and ";" in text:
                    offset = text.index(";", text.index(":")) + 1  # `quality-gate: ; recipe`
                    offset += len(text[offset:]) - len(text[offset:].lstrip())
                else:
                    continue
                body = text[offset:]
                if not own and gate not in body and not _SUBMAKE.match(body.lstrip("@-+ \t")):
                    continue  # what else a prerequisite's recipe runs is not the gate's
                prefix = len(body) - len(body.lstrip("@-+ \t"))
                if "-" in body[:prefix]:
                    column = 1 + offset + body.index("-")
                    reported = True
                    yield ctx.finding(self, number, column, "the `-` prefix ignores the "
                                      "quality gate's failure: `make quality-gate` succeeds "
                                      "when the gate fails")
                ignored = _ignored(body, gate, pipefail)
                if ignored:
                    reported = True
                    yield ctx.finding(self, number, 1 + offset + ignored[0],
                                      f"`{ignored[1]}` ignores the quality gate's "
                                      "failure: `make quality-gate` succeeds when the gate fails")
            if not reported:
                yield from self._expanded(ctx, program, recipes, gate, pipefail, chain)
            yield from self._sub_makes(ctx, program, recipes, chain)
            wrapped = [command for recipe in recipes
                       for command in program.analysed(recipe, chain).commands
                       if is_wrapper(command.program.text, contract) and
                       any(w.text.removeprefix("./") == gate or w.text.endswith("/" + gate)
                           for w in command.args)]
            wrapped_any = wrapped_any or bool(wrapped)
            if wrapped:
                yield from self._target_shell(ctx, program, recipes[0], chain, shells)
            for recipe in recipes:
                why = _defeat(program, recipe, contract, repo, chain)
                if why is not None:
                    at = wrapped[0].program if wrapped else None
                    line, column = (at.line, at.column) if at else (recipe.line, 1)
                    yield ctx.finding(self, line, column, f"{why} defeats the quality gate: "
                                      "`make quality-gate` succeeds when the gate would fail; "
                                      f"run `{gate_command(contract)}` as it is")
        rule_line = running[-1][0]
        if not wrapped_any:
            earlier = [line for line, recipe in replaced if any(
                c.program.line in recipe and is_wrapper(c.program.text, contract)
                for c in ctx.commands)]
            if earlier:
                yield ctx.finding(self, rule_line, 1, f"this `quality-gate` rule replaces the "
                                  f"recipe at line {earlier[0]}: make runs only a target's "
                                  f"last recipe, and this one does not run "
                                  f"`{gate_command(contract)}`")
            else:
                yield ctx.finding(self, rule_line, 1, "`quality-gate` does not run "
                                  f"`{gate_command(contract)}`")
        if "quality-gate" not in program.phony:
            yield ctx.finding(self, rules[0][0], 1, "`quality-gate` is not `.PHONY`: a file "
                              "named quality-gate makes make skip the gate and succeed "
                              "(add `.PHONY: quality-gate`)")
        yield from self._from_environment(ctx, program, built)
        yield from self._not_read(ctx, program, built)

    def _not_read(self, ctx: FileContext, program: MakeProgram,
                  built: list[_Built]) -> Iterator[Finding]:
        """What decides the reading of `quality-gate` but is not known here: an `ifeq` /
        `ifdef` on a variable the Makefile does not set (or sets with `?=`) whose branches
        hold a rule, recipe or variable make reads for it; an `include` of a file that
        sets such a thing (or that is not in the repository); a `$(eval ...)`."""
        relevant = _relevant_lines(program, built)
        names = _relevant_names(program, built)
        for line, text, lines in program.unknown:
            if not lines & relevant:
                continue
            on = ", ".join(f"`{n}`" for n in _unset_names(program, text)) or "what it reads"
            yield ctx.finding(self, line, 1, f"`{text[:40]}` decides on {on}, which this "
                              "Makefile does not set (the environment or make's command line "
                              f"does): the lines it holds ({_shown_lines(lines & relevant)}) "
                              "change what `make quality-gate` runs, which is not known "
                              "here; decide it inside the Makefile, or outside of make")
        for line, text in program.unread:
            why = _unread_why(ctx, text, names, {t for t, *_ in built})
            if why is not None:
                yield ctx.finding(self, line, 1, f"`{text[:40]}` {why}: what `make "
                                  "quality-gate` runs is not known here (this rule does not "
                                  "read it)")

    def _target_shell(self, ctx: FileContext, program: MakeProgram, recipe: Recipe,
                      chain: tuple[str, ...], seen: set[tuple[str, str]]
                      ) -> Iterator[Finding]:
        """A target-specific `SHELL` or `.SHELLFLAGS` (of the target, or of one it is built
        for) that runs the gate's recipe with something else than a shell."""
        variables, _ = program.recipe_variables(recipe, chain)
        targets = (*chain, *program.rule_targets.get(recipe.rule, ()))
        for name in ("SHELL", ".SHELLFLAGS"):
            setters = [t for t in targets if name in program.target_lines.get(t, {})]
            if not setters or name not in variables:
                continue
            value = program.expand(variables[name], variables)
            words = value.split()
            if name == "SHELL":
                bad = not words or words[0].rsplit("/", 1)[-1] not in _SHELLS
            else:
                bad = not words or not all(w.startswith(("-", "+")) or w in _SHELL_OPTIONS
                                           for w in words) or not words[-1].endswith("c")
            if not bad:
                continue
            setter = setters[-1]
            if (setter, name) in seen:
                continue
            seen.add((setter, name))
            recipe_of = f"the recipe of `{setter}`" + (
                " and of its prerequisites" if program.prerequisites.get(setter) else "")
            shown = f"`{setter}: {name} = {value.strip()[:30]}`"
            yield ctx.finding(self, program.target_lines[setter][name], 1, (
                f"{shown} is not a shell: make runs {recipe_of} with it and the gate does not "
                "run" if name == "SHELL" else
                f"{shown}: the shell does not run {recipe_of} as given (`-c` must come "
                "last)"))

    def _sub_makes(self, ctx: FileContext, program: MakeProgram, recipes: list[Recipe],
                   chain: tuple[str, ...]) -> Iterator[Finding]:
        """`$(MAKE) -i _gate`, or a target-specific `MAKEFLAGS += -i` a sub-make inherits:
        the sub-make passes a failing gate."""
        for recipe in recipes:
            sub = _sub_make(recipe.text)
            if sub is None:
                continue
            row, column = recipe.origins[0] if recipe.origins else (recipe.line, 1)
            for flag, meaning in _make_flags(" " + " ".join(sub.flags)):
                yield ctx.finding(self, row, column, f"`$(MAKE) {flag}` runs "
                                  f"`{' '.join(sub.targets)}` with {meaning}: `make "
                                  "quality-gate` succeeds when the gate fails")
            variables, _ = program.recipe_variables(recipe, chain)
            targets = (*chain, *program.rule_targets.get(recipe.rule, ()))
            setters = [t for t in targets if "MAKEFLAGS" in program.target_lines.get(t, {})]
            if not setters or "MAKEFLAGS" not in variables:
                continue
            value = program.expand(variables["MAKEFLAGS"], variables)
            for flag, meaning in _make_flags(" " + value if variables["MAKEFLAGS"]
                                             .startswith(" ") else value):
                yield ctx.finding(self, program.target_lines[setters[-1]]["MAKEFLAGS"], 1,
                                  f"`{setters[-1]}: MAKEFLAGS` gives the sub-make at line {row} "
                                  f"`{flag}` ({meaning}): `make quality-gate` succeeds when "
                                  "the gate fails")

    def _expanded(self, ctx: FileContext, program: MakeProgram, recipes: list[Recipe],
                  gate: str, pipefail: bool, chain: tuple[str, ...] = ()
                  ) -> Iterator[Finding]:
        """The recipe as the shell receives it (`$(GATE)` of a `define`, `.ONESHELL:`'s
        one script): where it loses the gate's status, at the recipe's first line."""
        for recipe in recipes:
            variables = program.recipe_variables(recipe, chain)[0]
            flags = program.expand(variables.get(".SHELLFLAGS", "-c"), variables).split()
            errexit = any(f.startswith("-") and not f.startswith("--") and "e" in f
                          for f in flags) or ".POSIX" in program.rule_names
            text = program.expanded(recipe, chain)
            if text is None or gate not in text:
                continue
            lines = text.split("\n")
            at = next(i for i, line in enumerate(lines) if gate in line)
            ignored = _ignored(lines[at], gate, pipefail)
            row, column = recipe.origins[0] if recipe.origins else (recipe.line, 1)
            if ignored:
                yield ctx.finding(self, row, column, f"`{ignored[1]}` ignores the quality "
                                  "gate's failure: `make quality-gate` succeeds when the gate "
                                  "fails")
                continue
            later = [line for line in lines[at + 1:] if line.strip().lstrip("@-+")]
            sets_e = any(re.match(r"\s*set\s+-[a-z]*e", line) for line in lines[:at])
            if program.oneshell and later and not errexit and not sets_e and \
                    not _FAILS.match(later[-1].strip()):
                yield ctx.finding(self, row, column, "under `.ONESHELL:` the recipe is one "
                                  "script whose status is its last command's: the lines after "
                                  "the gate hide its failure (`.SHELLFLAGS := -ec`, or `set "
                                  "-e` first)")

    def _make_level(self, ctx: FileContext, program: MakeProgram, built: set[str]
                    ) -> Iterator[Finding]:
        """What makes make itself pass a failing recipe: `.IGNORE:` (of a target built for
        quality-gate), `-i`, `-n` or `-t` in MAKEFLAGS, a SHELL that is not a shell,
        `.SHELLFLAGS` that run something else."""
        for line, targets in program.ignore:
            named = sorted(built & set(targets), key=lambda t: t != "quality-gate")
            if not targets or named:
                which = named[0] if named else "quality-gate"
                yield ctx.finding(self, line, 1, "`.IGNORE:` ignores the errors of "
                                  f"`{which}`'s recipe: `make quality-gate` succeeds when "
                                  "the gate fails")
        for name in ("MAKEFLAGS", "GNUMAKEFLAGS"):
            value = program.value(name)
            if value is None or name not in program.assigned:
                continue
            if program.variables[name].startswith(" "):
                value = " " + value  # `+=` on make's own value: a later word
            for flag, meaning in _make_flags(value):
                yield ctx.finding(self, program.assigned[name][0], 1,
                                  f"`{name}` gives make `{flag}` ({meaning}): "
                                  "`make quality-gate` succeeds when the gate fails")
        shell = program.value("SHELL")
        if "SHELL" in program.assigned and shell is not None:
            words = shell.split()
            if not words or words[0].rsplit("/", 1)[-1] not in _SHELLS:
                yield ctx.finding(self, program.assigned["SHELL"][0], 1,
                                  f"`SHELL = {shell.strip()[:30]}` is not a shell: make runs "
                                  "the recipes with it and the gate does not run")
        flags = program.value(".SHELLFLAGS")
        if ".SHELLFLAGS" in program.assigned and flags is not None:
            words = flags.split()
            if not words or not all(w.startswith(("-", "+")) or w in _SHELL_OPTIONS
                                    for w in words) or not words[-1].endswith("c"):
                yield ctx.finding(self, program.assigned[".SHELLFLAGS"][0], 1,
                                  f"`.SHELLFLAGS = {flags.strip()[:30]}`: the shell does not "
                                  "run the recipe as given (`-c` must come last)")

    def _from_environment(self, ctx: FileContext, program: MakeProgram,
                          built: list[_Built]) -> Iterator[Finding]:
        """A variable of the gate's recipe assigned with `?=`: the environment sets it."""
        starts = {row for _, _, rows, _ in built for row in rows}
        texts = [r.text for r in program.recipes if r.line in starts]
        seen: set[str] = set()
        todo = [name for text in texts for name in _REFERENCE.findall(text)]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            value = program.written.get(name)
            if value is not None:
                todo.extend(_REFERENCE.findall(value))
        for name in sorted(seen):
            where = program.assigned.get(name)
            if where is not None and where[1] == "?=":
                yield ctx.finding(self, where[0], 1, f"`{name} ?=` takes `{name}` from the "
                                  f"environment when it is set there (`{name}=true make "
                                  "quality-gate` passes): assign it with `:=`")


# (target, the targets it is built for, outermost first, its running recipes' first lines,
# its running rules: (rule line, recipe first lines))
_Built = tuple[str, tuple[str, ...], list[int], list[tuple[int, list[int]]]]
MAX_TARGETS = 64  # targets followed from quality-gate (prerequisites, sub-makes)
# a recipe line that runs make again on this Makefile: `$(MAKE) _gate`, `${MAKE} -s _gate`
_SUBMAKE = lazyre.compile(r"(?:\$\(MAKE\)|\$\{MAKE\}|make)(?=[ \t]|$)")
_SUBMAKE_ELSEWHERE = frozenset({"-C", "-f", "--directory", "--file", "--makefile", "-e",
                                "--environment-overrides"})


class _SubMake:
    def __init__(self, flags: list[str], targets: list[str]) -> None:
        self.flags, self.targets = flags, targets


def _sub_make(text: str) -> _SubMake | None:
    """The flags and goals of a recipe line that runs `$(MAKE) goal ...` on this Makefile;
    None for another line, or a sub-make of another Makefile or folder (`-C`, `-f`), with
    command-line variables, or without a goal (what it runs is not followed)."""
    text = text.lstrip("@-+ \t")
    match = _SUBMAKE.match(text)
    if match is None:
        return None
    words = re.split(r"[ \t]+", re.split(r"\|\||&&|[;|&\n]", text[match.end():])[0].strip())
    words = [w for w in words if w]
    flags = [w for w in words if w.startswith("-")]
    targets = [w for w in words if not w.startswith("-")]
    if any(f.split("=", 1)[0] in _SUBMAKE_ELSEWHERE or (f[:2] in ("-C", "-f") and len(f) > 2)
           for f in flags) or any("=" in t or "$" in t for t in targets) or not targets:
        return None
    return _SubMake(flags, targets)


def _running(rules: list[tuple[int, bool, list[int]]]) -> list[tuple[int, list[int]]]:
    """The recipes make runs for a target: every double-colon rule's, else the last
    recipe given."""
    if any(double for _, double, _ in rules):
        return [(line, recipe) for line, double, recipe in rules if double]
    given = [(line, recipe) for line, _, recipe in rules if recipe]
    return given[-1:] or [(rules[0][0], [])]


def _built(program: MakeProgram, goal: str) -> list[_Built]:
    """The targets `make goal` builds with a rule of this Makefile, the goal first: its
    prerequisites (they inherit its target-specific variables) and the goals of a
    `$(MAKE) goal` in their recipes (a new make: nothing inherited), transitively."""
    out: list[_Built] = []
    seen: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(goal, ())]
    while todo and len(out) < MAX_TARGETS:
        target, chain = todo.pop(0)
        rules = program.rules.get(target)
        if target in seen or not rules:
            continue  # a file, or a pattern rule: not followed
        seen.add(target)
        running = _running(rules)
        starts = [row for _, recipe in running for row in recipe]
        out.append((target, chain, starts, running))
        todo.extend((p, (*chain, target)) for p in program.prerequisites.get(target, []))
        for recipe in program.recipes:
            if recipe.line in starts:
                sub = _sub_make(recipe.text)
                if sub is not None:
                    todo.extend((t, ()) for t in sub.targets)
    return out


_MAKE_SETTINGS = frozenset({"SHELL", ".SHELLFLAGS", "MAKEFLAGS", "GNUMAKEFLAGS",
                            ".RECIPEPREFIX", "MAKE"})


def _relevant_names(program: MakeProgram, built: list[_Built]) -> set[str]:
    """The variables make reads for what quality-gate builds: those its recipes reference
    (transitively), make's own settings, and every exported one (the gate's environment)."""
    starts = {row for _, _, rows, _ in built for row in rows}
    todo = [n for r in program.recipes if r.line in starts for n in _REFERENCE.findall(r.text)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_REFERENCE.findall(program.written.get(name, "")))
    return seen | _MAKE_SETTINGS | program.exported


def _relevant_lines(program: MakeProgram, built: list[_Built]) -> set[int]:
    """The Makefile lines that decide what `make quality-gate` runs."""
    names = _relevant_names(program, built)
    targets = {t for t, *_ in built}
    out: set[int] = set(program.export_lines)
    hidden = {line for _, _, lines in program.unknown for line in lines}
    for name in names:
        assigned = program.assignment_lines.get(name, [])
        for line, _ in assigned:
            # a plain assignment read on every path after it replaces it
            if not any(later > line and op not in ("+=", "?=") and later not in hidden
                       for later, op in assigned):
                out.add(line)
    for target, rules in program.rules.items():
        if target in targets or target.startswith("."):
            out.update(line for line, _, _ in rules)
    for target in targets:
        out.update(program.target_lines.get(target, {}).values())
    starts = {row for _, _, rows, _ in built for row in rows}
    out.update(row for r in program.recipes if r.line in starts for row, _ in r.origins)
    return out | starts


def _unset_names(program: MakeProgram, text: str) -> list[str]:
    """The variables a conditional reads that the Makefile does not set (or sets with
    `?=`)."""
    words = text.split(None, 1)
    found = _REFERENCE.findall(text)
    if words[0] in ("ifdef", "ifndef") and len(words) > 1 and "$" not in words[1]:
        found.append(words[1].split("#")[0].strip())
    return sorted({n for n in found if n not in program.variables or
                   program.assigned.get(n, (0, ""))[1] == "?="})


def _shown_lines(lines: Collection[int]) -> str:
    shown = sorted(lines)
    text = ", ".join(map(str, shown[:5]))
    return ("line " if len(shown) == 1 else "lines ") + text + (", ..." if len(shown) > 5 else "")


def _unread_why(ctx: FileContext, text: str, names: set[str], targets: set[str]
                ) -> str | None:
    """Why an `include` or `$(eval ...)` leaves quality-gate's reading unknown, None when
    it does not (an included file of the repository that sets nothing make reads for it)."""
    import posixpath

    if not text.startswith(("include", "-include", "sinclude")):
        return "is evaluated by make as Makefile text"
    files = text.split(None, 1)[1].split("#", maxsplit=1)[0].split() if " " in text else []
    project = ctx.project
    base = posixpath.dirname((ctx.abspath or ctx.path).replace("\\", "/"))
    words = sorted(names | targets | {"quality-gate", "export", "override", ".IGNORE",
                                      ".ONESHELL", ".POSIX", ".EXPORT_ALL_VARIABLES"})
    pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w.-])")
    for name in files:
        path = posixpath.join(base, name)
        if "$" in name or project is None or not project.files.isfile(path):
            return f"reads `{name}`, which is not in the repository"
        content = project.files.read(path) or ""
        for number, line in enumerate(content.split("\n"), 1):
            hit = pattern.search(line.split("#")[0])
            if hit:
                return (f"reads `{name}`, which sets `{hit.group()}` (its line {number}), read "
                        "by make for quality-gate")
    return None


_SHELLS = frozenset({"sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", "busybox"})
_SHELL_OPTIONS = frozenset({"pipefail", "errexit", "nounset", "xtrace"})
_REFERENCE = lazyre.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]")
_LONG_FLAGS = {"--ignore-errors": ("-i", "errors ignored"),
               "--dry-run": ("-n", "recipes printed, not run"),
               "--just-print": ("-n", "recipes printed, not run"),
               "--recon": ("-n", "recipes printed, not run"),
               "--touch": ("-t", "targets touched, recipes not run")}
_LETTERS = {"i": "errors ignored", "n": "recipes printed, not run",
            "t": "targets touched, recipes not run"}


def _make_flags(value: str) -> list[tuple[str, str]]:
    """The flags in a MAKEFLAGS value that make a failing recipe pass: make reads a first
    word without a `-` as single-letter flags, later ones only with a `-`."""
    out: dict[str, str] = {}
    words = value.split(" ")
    first = True
    for word in words:
        if not word:
            first = False if words and words[0] == "" else first
            continue
        if word == "--":
            break  # variable definitions follow
        if word.startswith("--"):
            long = word.split("=", 1)[0]
            if long in _LONG_FLAGS:
                out.setdefault(*_LONG_FLAGS[long])
        elif word.startswith("-") or (first and "=" not in word):
            for letter in word.lstrip("-"):
                if letter in _LETTERS:
                    out.setdefault(f"-{letter}", _LETTERS[letter])
                elif not letter.isalpha():
                    break
        first = False
    return sorted(out.items())


def _defeat(program: MakeProgram, recipe: Recipe, contract: Contract,
            repo: Repo | None, chain: tuple[str, ...] = ()) -> str | None:
    """Why the gate's run in this recipe line cannot fail (`SKIP_GATE=1`, `--dry-run`, an
    exported `SKIP_GATE`), read as QT604 reads the canary's run."""
    from qt_lint.rules.models.helpers import gate_defeat_of, model_classifier
    from qt_lint.shellflow import analyse

    text = program.expanded(recipe, chain)
    if text is None or contract.quality_gate not in text:
        return None
    _, env = program.recipe_variables(recipe, chain)
    exported = frozenset(f"exported:{name}" for name in env)
    flow = analyse(text, model_classifier(contract, repo))
    for step, facts in flow.steps:
        why = gate_defeat_of(step, facts | exported, contract, repo)
        if why is not None:
            return why
    return None


def _makefile_repo(ctx: FileContext) -> Repo | None:
    """The repository the Makefile belongs to (its folder), read through the project."""
    import posixpath

    project = ctx.project
    if project is None:
        return None
    base = posixpath.dirname(ctx.abspath.replace("\\", "/"))
    files = project.files

    def read(rel: str) -> str | None:
        path = posixpath.join(base, rel)
        return files.read(path) if files.isfile(path) else None

    return Repo(ctx.config, read)
