from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.command_model import is_wrapper
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import gate_command

_TARGET = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*)::?(?!=)")
# the shell operators after the gate's run on its recipe line, quoted words skipped
_OPERATOR = re.compile(r"""'[^']*'|"(?:[^"\\]|\\.)*"|(?P<op>\|\||&&|;|\||&)""")
# a branch that still fails the line: `|| exit 1`, `|| exit $$?` (make's `$$` is `$`),
# `|| { echo x; false; }`
_FAILS = re.compile(r"(?<![\w-])(?:exit\s+(?:[1-9]\d*|\$\$?\?)|false)(?![\w-])")


def _ignored(body: str, gate: str) -> tuple[int, str] | None:
    """Where the recipe line loses the gate's exit status (the line's own status is what
    make reads, from `sh -c`): after the gate's run, an `||` whose branch does not fail, a
    `;` followed by another command, a pipe (sh has no pipefail) or a `&` (run in the
    background, status 0 at once). The operator's index and the text it starts."""
    at = body.find(gate)
    start = at + len(gate) if at != -1 else 0
    for match in _OPERATOR.finditer(body, start):
        op = match.group("op")
        if op is None or op == "&&":
            continue  # a quoted word, or a command that runs only when the gate passed
        rest = body[match.end():].strip()
        if (op == "||" and _FAILS.search(rest)) or \
                (op == ";" and (not rest or _FAILS.match(rest))):
            return None
        shown = f"{op} {rest}".strip()
        return match.start(), shown if len(shown) <= 40 else shown[:39] + "…"
    return None
_GOOD = ("RUN := ops/run.sh ai-engine\n.PHONY: quality-gate\nquality-gate:\n"
         "\t@echo gate\n\t$(RUN) ops/model_safety/quality_gate.py\n")


class QualityGateTarget(Rule):
    """
    ## What it does
    Reads the repository's root `Makefile` and checks its `quality-gate` target: it
    exists (when the repository has the quality gate); its recipe runs the gate through
    the wrapper (`ops/run.sh ai-engine ops/model_safety/quality_gate.py`, directly or
    through a variable such as `$(RUN)`);
    and no recipe line ignores the gate's failure: a `-` prefix, or after the gate an
    `||` whose branch does not fail (`|| true`, `|| :`, `|| echo failed`, `|| exit 0`), a
    `;` and another command (`; true`), a pipe (`| tee log`: sh has no pipefail) or `&`.

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
    `contract.quality-gate`, `contract.wrapper`.
    """

    code = "QT606"
    name = "quality-gate-target"
    section = "F"
    kinds = frozenset({Kind.MAKEFILE})
    summary = "make quality-gate is missing, bypasses the wrapper or ignores the failure"
    example_path = "Makefile"
    VALID = (Example(_GOOD), Example("all:\n\techo\n", path="docs/Makefile"),
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
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return relpath in ("Makefile", f"{contract.repo_root.strip('/')}/Makefile")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        # the repository's own Makefile, or a host's copy of it
        if ctx.relpath not in ("Makefile", f"{contract.repo_root.strip('/')}/Makefile"):
            return
        gate = contract.quality_gate
        rule_line = 0
        recipe: list[int] = []
        lines = ctx.lines
        i = 0
        while i < len(lines):
            match = _TARGET.match(lines[i])
            if match and "quality-gate" in match.group("targets").split():
                rule_line = i + 1
                j = i + 1
                while j < len(lines) and (lines[j].startswith("\t") or not lines[j].strip()
                                          or lines[j].lstrip().startswith("#")):
                    if lines[j].startswith("\t"):
                        recipe.append(j + 1)
                    j += 1
                break
            i += 1
        if not rule_line:
            import os

            gate_path = os.path.join(os.path.dirname(ctx.abspath or ctx.path), gate)
            if not ctx.project.files.isfile(gate_path):
                return  # no quality gate in this repository: nothing to run
            yield ctx.finding(self, 1, 1, f"no `quality-gate` target: `make quality-gate` must "
                              f"run `{gate_command(contract)}`")
            return
        for number in recipe:
            text = lines[number - 1]
            body = text[1:]
            prefix = len(body) - len(body.lstrip("@-+ "))
            if "-" in body[:prefix]:
                column = 2 + body.index("-")
                yield ctx.finding(self, number, column, "the `-` prefix ignores the quality "
                                  "gate's failure: `make quality-gate` succeeds when the gate "
                                  "fails")
            ignored = _ignored(body, gate)
            if ignored:
                yield ctx.finding(self, number, 2 + ignored[0],
                                  f"`{ignored[1]}` ignores the quality gate's "
                                  "failure: `make quality-gate` succeeds when the gate fails")
        wrapped = any(
            command.program.line in recipe and is_wrapper(command.program.text, contract) and
            any(w.text.removeprefix("./") == gate or w.text.endswith("/" + gate)
                for w in command.args)
            for command in ctx.commands)
        if not wrapped:
            yield ctx.finding(self, rule_line, 1, "`quality-gate` does not run "
                              f"`{gate_command(contract)}`")
