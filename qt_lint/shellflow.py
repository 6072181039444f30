"""A path model of a shell script: which facts hold on *every* path that reaches a command.

The model-safety rules (QT604, QT607, QT608) ask questions such as "has the quality gate
passed, on every path, before this write?" or "did the Redis check stop the wrapper when it
failed, before the exec?". The flat command list of `parsers/shell.py` cannot answer them;
this walk of the same tree-sitter tree can. A *fact* is a name a caller gives a command when
it succeeds (`classify`); the walk follows bash's exit status through:

- sequences, `&&`, `||`, `!`, pipelines (the last command's status; every command's with
  `set -o pipefail`), `{ ...; }`, `( ... )`, `cmd &` (status 0 at once: its failure stops
  nothing);
- `if`/`elif`/`else`, `case` (a branch that exits ends its path), `while`/`until`/`for`
  (the body may run zero times);
- `set -e`/`set +e`, `set -o errexit`, `set -euo pipefail`, `set +euo pipefail` (also as
  `builtin set`, `command set`, `eval "set ..."`): under
  errexit a failing command outside a condition ends the path, so what it checks holds after;
- `exit`, `return`, and `exec <program>` (the path ends there: what comes after never runs);
- `$?` and `rc=$?` compared with 0 afterwards;
- functions: a call runs the body where it is called; a function never called runs nothing;
- `x=$(cmd)` has the status of `cmd`; `local x=$(cmd)` and `export x=$(cmd)` have status 0.

Facts are intersected where paths meet, so a check that only warns (`if ! check; then echo;
fi`), is followed by `|| true`, or runs under `set +e` without a test of its status, does not
hold after it. Variables assigned in the script are expanded as far as they are known
(`$ENV_DIR/$SERVICE.env` -> `/etc/quantum/$SERVICE.env`) for the classifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from qt_lint.command_model import Command, Word, make_command
from qt_lint.parsers import ParseError

Facts = frozenset[str]
EMPTY: Facts = frozenset()
MAX_CALL_DEPTH = 8
MAX_STEPS = 200_000  # commands evaluated, over all calls of all functions (hostile input)


class TooManyPaths(ParseError):
    """A script with more steps on its paths than the walk follows (reported as QT001)."""

    def __init__(self, rules: str) -> None:
        super().__init__(f"more than {MAX_STEPS} steps on its paths (functions calling "
                         f"functions): the script was not analysed for {rules}", 1, 1)


@dataclass(frozen=True)
class Step:
    """A simple command as it runs: its words (variables expanded where known) and the
    redirections of its statement."""

    command: Command
    redirects: tuple[tuple[str, Word], ...] = ()
    test: bool = False  # `[ ... ]`, `[[ ... ]]` or `test ...`
    assigns: tuple[tuple[str, str], ...] = ()  # `VAR=value cmd`: the prefix assignments


# facts when the command succeeds, facts when it fails (tests: when false)
Classifier = Callable[[Step, Facts], tuple[Facts, Facts]]


@dataclass(frozen=True)
class State:
    """What is known at one point of a shell script's flow."""

    facts: Facts = EMPTY
    errexit: bool = False
    pipefail: bool = False
    status: Facts = EMPTY  # facts that hold when `$?` is 0
    saved: tuple[tuple[str, Facts], ...] = ()  # `rc=$?`: what holds when `$rc` is 0


def join(*states: State | None) -> State | None:
    """Where paths meet: what holds on all of them (None: no path)."""
    live = [s for s in states if s is not None]
    if not live:
        return None
    first = live[0]
    if len(live) == 1:
        return first
    facts, status = first.facts, first.status
    saved = dict(first.saved)
    errexit, pipefail = first.errexit, first.pipefail
    for s in live[1:]:
        facts &= s.facts
        status &= s.status
        errexit = errexit and s.errexit
        pipefail = pipefail and s.pipefail
        other = dict(s.saved)
        saved = {k: v & other[k] for k, v in saved.items() if k in other}
    return State(facts, errexit, pipefail, status, tuple(sorted(saved.items())))


def settle(true: State | None, false: State | None) -> State | None:
    """The state after a statement, whichever its status: `$?` is 0 on the true path."""
    after = join(true, false)
    if after is None:
        return None
    return replace(after, status=true.status if true is not None else EMPTY)


def _add(state: State | None, facts: Facts) -> State | None:
    if state is None or not facts:
        return state
    return replace(state, facts=state.facts | facts)


@dataclass
class End:
    """Where a path ends: `exit N` (code None when not a literal), the end of the script
    (code 0 when it falls off the end... of the last status, None), or an `exec`."""

    line: int
    column: int
    code: int | None
    facts: Facts
    exec_step: Step | None = None


@dataclass
class Flow:
    """The facts on every path of a shell script, per command."""

    # (line, column) of each command's first word -> facts on every path reaching it
    at: dict[tuple[int, int], Facts] = field(default_factory=dict)
    steps: list[tuple[Step, Facts]] = field(default_factory=list)
    ends: list[End] = field(default_factory=list)
    functions: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False

    def facts_at(self, line: int, column: int) -> Facts | None:
        return self.at.get((line, column))


_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_SET_ON = re.compile(r"^-[a-zA-Z]*e")
_SET_OFF = re.compile(r"^\+[a-zA-Z]*e")


class _Frame:
    """A function body or a subshell: where its `return`/`exit` paths go."""

    def __init__(self, function: bool = False) -> None:
        self.function = function
        self.ok: list[State] = []
        self.failed: list[State] = []


class _Walk:
    def __init__(self, data: bytes, text: str, classify: Classifier) -> None:
        from qt_lint.parsers.shell import word_reader

        self.words = word_reader(data, text)
        self.classify = classify
        self.flow = Flow()
        self.values: dict[str, str] = {}
        self.depth = 0
        self.calling: list[str] = []
        self.frames: list[_Frame] = []
        self.steps = 0

    # --- words ------------------------------------------------------------------------------

    def expand(self, word: Word) -> Word:
        if "$" not in word.text:
            return word
        text = word.text
        for _ in range(4):  # `$A` -> `$B/x` -> `/etc/x`: a few rounds, bounded
            new = _REF.sub(lambda m: self.values.get(m.group(1) or m.group(2), m.group()),
                           text)
            if new == text or len(new) > 4096:
                break
            text = new
        return Word(text, word.line, word.column, "$" in text or "`" in text)

    def raw(self, node: Any) -> str:
        return str(self.words.raw(node))

    # --- statements ---------------------------------------------------------------------------

    def block(self, nodes: list[Any], state: State | None, checked: bool
              ) -> tuple[State | None, State | None]:
        """A sequence: the status is the last statement's."""
        result: tuple[State | None, State | None] = (state, None)
        current = state
        statements = [n for n in nodes if n.is_named and n.type != "comment"]
        for node in statements:
            if current is None:
                return None, None
            following = node.next_sibling
            if following is not None and following.type == "&":
                true, false = self.background(node, current)
            else:
                # bash: in a tested context (`f || x`, `if f`, `! f`) errexit is ignored
                # throughout a compound command or function body, not only at its end
                true, false = self.run(node, current, checked)
            result = (true, false)
            current = settle(true, false)
        return result

    def run(self, node: Any, state: State, checked: bool
            ) -> tuple[State | None, State | None]:
        """Evaluate one node: the states after it when it succeeds and when it fails.
        `checked`: its status is tested (an `if` condition, left of `&&`/`||`, after `!`),
        so errexit does not end the path when it fails."""
        kind = node.type
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.flow.truncated = True
            return None, None
        if kind in ("comment", "function_definition"):
            if kind == "function_definition":
                name = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name is not None and body is not None:
                    self.flow.functions[self.raw(name)] = body
            return state, None
        if kind in ("program", "compound_statement", "do_group"):
            return self.block(list(node.children), state, checked)
        if kind == "subshell":
            return self.subshell(node, state, checked)
        if kind == "list":
            return self.list_(node, state, checked)
        if kind == "negated_command":
            inner = [c for c in node.children if c.is_named]
            if not inner:
                return state, None
            true, false = self.run(inner[0], state, True)
            return false, true
        if kind == "pipeline":
            return self.pipeline(node, state, checked)
        if kind == "if_statement":
            return self.if_(node, state, checked)
        if kind == "case_statement":
            return self.case(node, state, checked)
        if kind in ("while_statement", "until_statement", "for_statement",
                    "c_style_for_statement"):
            return self.loop(node, state, checked)
        if kind == "redirected_statement":
            body = node.child_by_field_name("body")
            redirects = tuple(r for c in node.children if c.type == "file_redirect"
                              for r in self.redirect(c))
            if body is None:
                return state, None
            return self.run_with(body, state, checked, redirects)
        if kind == "command":
            return self.command(node, state, checked, ())
        if kind == "test_command":
            return self.test(node, state, checked)
        if kind == "variable_assignment":
            return self.assignment(node, state, checked, declared=False)
        if kind == "declaration_command":
            for child in node.children:
                if child.type == "variable_assignment":
                    state = join(*self.assignment(child, state, True, declared=True)) or state
            return self.declared(node, state), None
        if kind == "variable_assignments":
            result: tuple[State | None, State | None] = (state, None)
            for child in node.named_children:
                result = self.run(child, state, checked)
            return result
        # anything else (arithmetic, heredoc bodies, ...) runs nothing we judge
        return state, None

    def run_with(self, node: Any, state: State, checked: bool,
                 redirects: tuple[tuple[str, Word], ...]) -> tuple[State | None, State | None]:
        if node.type == "command":
            return self.command(node, state, checked, redirects)
        return self.run(node, state, checked)

    def redirect(self, node: Any) -> list[tuple[str, Word]]:
        operator, target = "", None
        for child in node.children:
            if not child.is_named:
                operator = self.raw(child)
            elif child.type != "file_descriptor":
                target = child
        if target is None:
            return []
        return [(operator, self.expand(self.words.word(target)))]

    def background(self, node: Any, state: State) -> tuple[State | None, State | None]:
        """`cmd &`: it runs in a subshell nobody waits for; its status is 0 at once, so its
        failure stops nothing, and a check in it holds only where it holds either way."""
        frame = _Frame()
        self.frames.append(frame)
        try:
            true, false = self.run(node, state, True)
        finally:
            self.frames.pop()
        after = join(true, false, *frame.ok, *frame.failed)
        if after is None:
            return state, None
        return replace(after, errexit=state.errexit, pipefail=state.pipefail,
                       status=EMPTY), None

    def subshell(self, node: Any, state: State, checked: bool
                 ) -> tuple[State | None, State | None]:
        frame = _Frame()
        self.frames.append(frame)
        try:
            true, false = self.block(list(node.children), state, checked)
        finally:
            self.frames.pop()
        # a subshell's settings (`set +e`) stay inside it
        true = join(true, *frame.ok)
        false = join(false, *frame.failed)
        if true is not None:
            true = replace(true, errexit=state.errexit, pipefail=state.pipefail)
        if false is not None:
            false = replace(false, errexit=state.errexit, pipefail=state.pipefail)
        return self.fails(true, false, state, checked)

    def fails(self, true: State | None, false: State | None, state: State, checked: bool
              ) -> tuple[State | None, State | None]:
        """Under errexit, a failure outside a condition ends the path."""
        if false is not None and not checked and (false.errexit and state.errexit):
            return true, None
        return true, false

    def list_(self, node: Any, state: State, checked: bool
              ) -> tuple[State | None, State | None]:
        children = node.children
        named = [c for c in children if c.is_named and c.type != "comment"]
        operators = [self.raw(c) for c in children if not c.is_named]
        if len(named) != 2 or not operators:
            return self.block(named, state, checked)
        left, right = named
        true, false = self.run(left, state, True)
        if operators[0] == "&&":
            if true is None:
                return None, false
            rtrue, rfalse = self.run(right, true, checked)
            return rtrue, join(false, rfalse)
        if operators[0] == "||":
            if false is None:
                return true, None
            rtrue, rfalse = self.run(right, false, checked)
            return join(true, rtrue), rfalse
        # `a; b` or `a & b` as a list node
        after = settle(true, false)
        return self.run(right, after, checked) if after else (None, None)

    def pipeline(self, node: Any, state: State, checked: bool
                 ) -> tuple[State | None, State | None]:
        members = [c for c in node.children if c.is_named and c.type != "comment"]
        negated = any(not c.is_named and self.raw(c) == "!" for c in node.children)
        facts = EMPTY
        true: State | None = state
        false: State | None = None
        for i, member in enumerate(members):
            last = i == len(members) - 1
            # each side of a pipe runs in its own subshell: `exit` there ends only that one
            frame = _Frame()
            self.frames.append(frame)
            try:
                mtrue, mfalse = self.run(member, state, True)
            finally:
                self.frames.pop()
            mtrue = join(mtrue, *frame.ok)
            mfalse = join(mfalse, *frame.failed)
            gained = (mtrue.facts - state.facts) if mtrue is not None else EMPTY
            if last:
                if state.pipefail:
                    gained |= facts
                true = _add(state, gained) if mtrue is not None else None
                false = state if mfalse is not None or (state.pipefail and i) else None
            elif state.pipefail:
                facts |= gained
        if negated:
            true, false = false, true
            return true, false
        return self.fails(true, false, state, checked)

    def if_(self, node: Any, state: State, checked: bool) -> tuple[State | None, State | None]:
        conditions: list[Any] = []
        bodies: list[list[Any]] = [[]]
        alternatives: list[Any] = []
        part = "condition"
        for child in node.children:
            if child.type in ("elif_clause", "else_clause"):
                alternatives.append(child)
            elif child.type == "then":
                part = "body"
            elif not child.is_named or child.type == "comment":
                continue
            elif part == "condition":
                conditions.append(child)
            else:
                bodies[0].append(child)
        ends: list[State | None] = []
        ctrue, cfalse = self.block(conditions, state, True)
        btrue, bfalse = self.block(bodies[0], ctrue, checked) if ctrue else (None, None)
        ends += [btrue, bfalse]
        current = cfalse
        for alternative in alternatives:
            if current is None:
                break
            if alternative.type == "else_clause":
                etrue, efalse = self.block([c for c in alternative.children if c.is_named],
                                           current, checked)
                ends += [etrue, efalse]
                current = None
                break
            conds: list[Any] = []
            arm: list[Any] = []
            part = "condition"
            for child in alternative.children:
                if child.type == "then":
                    part = "body"
                elif child.is_named and child.type != "comment":
                    (conds if part == "condition" else arm).append(child)
            etrue, efalse = self.block(conds, current, True)
            if etrue is not None:
                ends += list(self.block(arm, etrue, checked))
            current = efalse
        if current is not None:
            ends.append(replace(current, status=current.facts))
        after = join(*ends)
        return after, None

    def case(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        subject = node.child_by_field_name("value")
        subject_text = self.raw(subject) if subject is not None else ""
        ends: list[State | None] = []
        default = False
        for item in node.children:
            if item.type != "case_item":
                continue
            patterns: list[str] = []
            body: list[Any] = []
            seen_paren = False
            for child in item.children:
                if not child.is_named:
                    if self.raw(child) == ")":
                        seen_paren = True
                    continue
                if not seen_paren and child.type != "comment":
                    patterns.append(self.raw(child))
                elif child.type != "comment":
                    body.append(child)
            if any(p.strip("\"'") in ("*", "?*", "*?") for p in patterns):
                default = True
            matched = self.classify(
                Step(Command(tuple(Word(t, item.start_point[0] + 1, 1)
                                   for t in ("case", subject_text, *patterns)), "case"),
                     test=True), state.facts)[0]
            ends += list(self.block(body, _add(state, matched), checked))
        if not default:
            ends.append(state)
        return join(*ends), None

    def loop(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        condition = [c for c in node.children if c.is_named and c.type not in
                     ("do_group", "comment", "variable_name", "word", "string",
                      "concatenation", "simple_expansion", "expansion",
                      "command_substitution")]
        body = node.child_by_field_name("body")
        if node.type in ("while_statement", "until_statement") and condition:
            ctrue, cfalse = self.block(condition, state, True)
            go, stop = (ctrue, cfalse) if node.type == "while_statement" else (cfalse, ctrue)
            after_body = self.block([body], go, checked) if body is not None and go else \
                (None, None)
            # the loop ends when its condition stops it (before or after a round)
            again = join(*after_body)
            stop_again = None
            if again is not None:
                t2, f2 = self.block(condition, again, True)
                stop_again = f2 if node.type == "while_statement" else t2
            return join(stop, stop_again), None
        if body is None:
            return state, None
        ran = join(*self.block([body], state, checked))
        return join(state, ran), None

    # --- simple commands ----------------------------------------------------------------------

    def assignment(self, node: Any, state: State, checked: bool, declared: bool
                   ) -> tuple[State | None, State | None]:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        key = self.raw(name) if name is not None else ""
        if value is None:
            self.values[key] = ""
            return state, None
        text = self.raw(value).strip()
        if text in ("$?", '"$?"', "${?}"):
            saved = dict(state.saved)
            saved[key] = state.status
            return replace(state, saved=tuple(sorted(saved.items()))), None
        word = self.expand(self.words.word(value))
        self.values[key] = word.text
        step = Step(Command((Word(f"{key}={word.text}", word.line, word.column,
                                  word.dynamic),), "assign", name="="))
        self.flow.steps.append((step, state.facts))
        state = _add(state, self.classify(step, state.facts)[0]) or state
        substitutions = [c for c in _descendants(value) if c.type == "command_substitution"]
        if not substitutions:
            return state, None
        true: State | None = state
        false: State | None = None
        for sub in substitutions:
            body = [c for c in sub.children if c.is_named]
            if true is None:
                break
            frame = _Frame()
            self.frames.append(frame)
            try:
                strue, sfalse = self.block(body, true, True)
            finally:
                self.frames.pop()
            strue = join(strue, *frame.ok)
            sfalse = join(sfalse, *frame.failed)
            before = true
            if sfalse is not None:
                false = join(false, _add(before, sfalse.facts - before.facts))
            true = _add(before, strue.facts - before.facts) if strue is not None else None
        if declared:  # `local x=$(cmd)`: the status is `local`'s
            return join(true, false), None
        return self.fails(true, false, state, checked)

    def declared(self, node: Any, state: State) -> State:
        """`export PYTHONPATH` / `export PATH=...`: recorded as a step named `export`."""
        words: list[Word] = []
        for c in node.children:
            if c.type == "variable_assignment":
                key = c.child_by_field_name("name")
                value = c.child_by_field_name("value")
                text = self.expand(self.words.word(value)).text if value is not None else ""
                line, column = self.words.position(c)
                words.append(Word(f"{self.raw(key) if key else ''}={text}", line, column))
            elif c.is_named and c.type in ("word", "variable_name"):
                words.append(self.expand(self.words.word(c)))
        first = node.children[0]
        line, column = self.words.position(first)
        program = Word(self.raw(first), line, column)
        command = Command((program, *words), "declare")
        self.flow.steps.append((Step(command), state.facts))
        return _add(state, self.classify(Step(command), state.facts)[0]) or state

    def test(self, node: Any, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        words: list[Word] = []
        for child in node.children:
            self._test_words(child, words)
        if not words:
            return state, None
        line, column = self.words.position(node)
        program = Word(words[0].text, line, column)
        command = Command((program, *words[1:]), "test")
        return self.simple(Step(command, test=True), state, checked)

    def _test_words(self, node: Any, out: list[Word]) -> None:
        if node.type in ("binary_expression", "unary_expression", "parenthesized_expression",
                         "negated_expression"):
            for child in node.children:
                self._test_words(child, out)
            return
        if node.type == "comment":
            return
        line, column = self.words.position(node)
        if node.is_named and node.type not in ("test_operator",):
            out.append(self.expand(self.words.word(node)))
        else:
            out.append(Word(self.raw(node), line, column))

    def command(self, node: Any, state: State, checked: bool,
                redirects: tuple[tuple[str, Word], ...]) -> tuple[State | None, State | None]:
        words: list[Word] = []
        prefix: list[Any] = []
        more: list[tuple[str, Word]] = []
        for child in node.children:
            if child.type == "variable_assignment":
                prefix.append(child)
            elif child.type in ("file_redirect", "herestring_redirect"):
                more.extend(self.redirect(child))
            elif child.type == "command_name" or child.is_named:
                words.append(self.words.word(child))
                state = self.substituted(child, state)
        if words:
            # tree-sitter-bash (0.25) hangs `A=1 B=2` lines onto the next command: an
            # assignment on an earlier line than the command is a statement of its own
            row = words[0].line
            for child in [c for c in prefix if c.end_point[0] + 1 < row]:
                state = join(*self.assignment(child, state, checked, declared=False)) or state
            prefix = [c for c in prefix if c.end_point[0] + 1 >= row]
        if not words:
            for child in prefix:
                self.assignment(child, state, checked, declared=False)
            return state, None
        line, column = words[0].line, words[0].column
        expanded = tuple(self.expand(w) for w in words)
        command = make_command(expanded, "shell")
        if command is None:
            return state, None
        assigns = []
        for child in prefix:
            key_node = child.child_by_field_name("name")
            value_node = child.child_by_field_name("value")
            if key_node is not None:
                value = self.expand(self.words.word(value_node)).text if value_node else ""
                assigns.append((self.raw(key_node), value))
        if "env" in command.wrappers:  # `env SKIP_GATE=1 cmd`: the program's environment
            program = command.words[0]
            for word in expanded:
                if (word.line, word.column) == (program.line, program.column):
                    break
                key, sep, value = word.text.partition("=")
                if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                    assigns.append((key, value))
        step = Step(command, redirects + tuple(more), test=command.name in ("test", "["),
                    assigns=tuple(assigns))
        name = command.name
        first = words[0].text
        self.record(line, column, state.facts)
        if first in ("exit", "return") or name in ("exit", "return"):
            code = _code(command.args[0].text if command.args else None)
            # `return` leaves the innermost function, `exit` the innermost subshell (or
            # the script: a function's `exit` ends the whole script)
            returning = first == "return" or name == "return"
            if returning:
                frame = self.frames[-1] if self.frames else None
            else:
                frame = next((f for f in reversed(self.frames) if not f.function), None)
            if frame is not None:
                (frame.ok if code == 0 else frame.failed).append(state)
                return None, None
            self.flow.ends.append(End(line, column, code, state.facts))
            return None, None
        # `builtin set +e`, `command set +e` run the builtin in this shell; `eval "set +e"`
        # too (its string's first command, up to a separator)
        if name == "set" and set(command.wrappers) <= {"builtin", "command"}:
            return self.set_([w.text for w in command.args], state), None
        if name == "eval" and not command.wrappers:
            evaluated = re.split(r"[;&|\n]", " ".join(w.text for w in command.args))[0].split()
            if evaluated[:1] == ["set"]:
                return self.set_(evaluated[1:], state), None
        if name in self.flow.functions and not command.wrappers and \
                name not in self.calling and len(self.calling) < MAX_CALL_DEPTH:
            return self.call(name, state, checked)
        result = self.simple(step, state, checked)
        if command.wrappers and command.wrappers[0] == "exec":
            self.flow.ends.append(End(line, column, None, state.facts, step))
            return None, None
        return result

    def substituted(self, node: Any, state: State) -> State:
        """`echo "git=$(git rev-parse HEAD)"`: the substitutions in a word run first (their
        status is not the command's)."""
        for sub in _descendants(node):
            if sub.type != "command_substitution":
                continue
            frame = _Frame()
            self.frames.append(frame)
            try:
                strue, sfalse = self.block([c for c in sub.children if c.is_named], state,
                                           True)
            finally:
                self.frames.pop()
            after = join(strue, sfalse, *frame.ok, *frame.failed)
            if after is not None:
                state = replace(state, facts=state.facts | (after.facts - state.facts))
        return state

    def record(self, line: int, column: int, facts: Facts) -> None:
        key = (line, column)
        known = self.flow.at.get(key)
        self.flow.at[key] = facts if known is None else known & facts

    def simple(self, step: Step, state: State, checked: bool
               ) -> tuple[State | None, State | None]:
        words = step.command.words
        self.record(words[0].line, words[0].column, state.facts)
        self.flow.steps.append((step, state.facts))
        on_true, on_false = self.classify(step, state.facts)
        status_true, status_false = self._status_test(step, state)
        true = _add(state, on_true | status_true)
        false = _add(state, on_false | status_false)
        if true is not None:
            true = replace(true, status=true.facts)
        if false is not None:
            false = replace(false, status=EMPTY)
        if step.command.name == "read":
            read = _read_variable(step.command)
            self.values.pop(read, None)
            true = _add(true, frozenset({f"read:{read}"}))
            false = _add(false, frozenset({f"read:{read}"}))
        return self.fails(true, false, state, checked)

    def _status_test(self, step: Step, state: State) -> tuple[Facts, Facts]:
        """`[ $? -ne 0 ]`, `[ "$rc" -eq 0 ]`, `(( rc != 0 ))`: what the tested status means."""
        if not step.test:
            return EMPTY, EMPTY
        texts = [w.text for w in step.command.args if w.text not in ("]", "]]")]
        if len(texts) != 3 or texts[2] not in ("0", '"0"'):
            return EMPTY, EMPTY
        subject, operator = texts[0], texts[1]
        saved = dict(state.saved)
        if subject in ("$?", "${?}"):
            holds = state.status
        else:
            match = _REF.fullmatch(subject) or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", subject)
            name = (match.group(1) or match.group(2)) if match and match.re is _REF else \
                (subject if match else "")
            if name not in saved:
                return EMPTY, EMPTY
            holds = saved[name]
        if operator in ("-eq", "=", "=="):
            return holds, EMPTY
        if operator in ("-ne", "!=", "-gt"):
            return EMPTY, holds
        return EMPTY, EMPTY

    def set_(self, args: list[str], state: State) -> State:
        errexit, pipefail = state.errexit, state.pipefail
        for i, text in enumerate(args):
            value = args[i + 1] if i + 1 < len(args) else ""
            if text.startswith("-") and "o" in text[1:] and value in ("errexit", "pipefail"):
                errexit = True if value == "errexit" else errexit
                pipefail = True if value == "pipefail" else pipefail
            elif text.startswith("+") and "o" in text[1:] and value in ("errexit", "pipefail"):
                errexit = False if value == "errexit" else errexit
                pipefail = False if value == "pipefail" else pipefail
            if _SET_ON.match(text):
                errexit = True
            elif _SET_OFF.match(text):
                errexit = False
        return replace(state, errexit=errexit, pipefail=pipefail)

    def call(self, name: str, state: State, checked: bool
             ) -> tuple[State | None, State | None]:
        body = self.flow.functions[name]
        frame = _Frame(function=True)
        self.frames.append(frame)
        self.calling.append(name)
        try:
            true, false = self.run(body, state, checked)
        finally:
            self.calling.pop()
            self.frames.pop()
        return self.fails(join(true, *frame.ok), join(false, *frame.failed), state, checked)


def _descendants(node: Any) -> list[Any]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if current.type != "command_substitution" or current is node:
            stack.extend(current.children)
    return out


def _code(text: str | None) -> int | None:
    if text is None:
        return None  # `exit` alone: the last status
    try:
        return int(text)
    except ValueError:
        return None


def _read_variable(command: Command) -> str:
    """`read -r -p 'Sure? ' answer` -> `answer`; `read` alone -> `REPLY`."""
    args = command.args
    takes = {"-p", "-t", "-n", "-N", "-d", "-u", "-a", "-i"}
    names: list[str] = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text in takes:
            i += 2
            continue
        if text.startswith("-"):
            i += 1
            continue
        names.append(text)
        i += 1
    return names[0] if names else "REPLY"


def analyse(text: str, classify: Classifier) -> Flow:
    """The flow of a whole script: every command's facts, and where each path ends (the
    script's end is an `End` with code None)."""
    from qt_lint.parsers.shell import syntax_tree

    data = text.encode("utf-8")
    tree = syntax_tree(data)
    walk = _Walk(data, text, classify)
    true, false = walk.run(tree.root_node, State(), False)
    after = join(true, false)
    if after is not None:
        lines = text.count("\n") + 1
        walk.flow.ends.append(End(lines, 1, None, after.facts))
    return walk.flow
