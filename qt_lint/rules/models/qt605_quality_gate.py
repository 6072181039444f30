from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import Example, Rule
from qt_lint.rules.models.helpers import is_script

_GOOD = '''import sys

MIN_EVENTS = 200
MAX_CLASS_SHARE = 0.70
MIN_CONFIDENCE_STD = 0.05
MIN_P10_P90_RANGE = 0.12
MAX_HOLD_SHARE = 0.85


def main() -> int:
    events = read_telemetry()
    if len(events) < MIN_EVENTS:
        print("FAIL: not enough telemetry")
        return 2
    return 0 if passes(events) else 2


if __name__ == "__main__":
    sys.exit(main())
'''


def thresholds(contract: Contract) -> tuple[tuple[str, re.Pattern[str], float, bool, str], ...]:
    """(key, how its constant is named, the contract's value, True when a larger value is
    stricter, what it is)."""
    return (
        ("events", re.compile(r"(?i)^(?=.*EVENT)(?=.*(?:MIN|REQUIRED|THRESH|LEAST))"),
         contract.gate_min_events, True, "fewer telemetry events than this -> fail"),
        ("class", re.compile(r"(?i)^(?=.*(?:CLASS|COLLAPSE|MAJORITY|DOMINAN))"),
         contract.gate_max_class_share, False, "more than this share in one class -> fail"),
        ("std", re.compile(r"(?i)^(?=.*CONF)(?=.*STD)"), contract.gate_min_confidence_std,
         True, "confidence std below this -> fail"),
        ("range", re.compile(r"(?i)^(?=.*P10)(?=.*P90)|^(?=.*CONF)(?=.*(?:RANGE|SPREAD))"),
         contract.gate_min_p10_p90, True, "P10-P90 range below this -> fail"),
        ("hold", re.compile(r"(?i)^(?=.*HOLD)"), contract.gate_max_hold_share, False,
         "more than this share of HOLD -> fail"),
    )


def _number(node: ast.expr | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool):
        return float(node.value)
    return None


_EXITS = ("exit", "SystemExit", "_exit", "quit")


def _codes(node: ast.expr | None) -> list[int | None]:
    """The exit codes an expression gives: a literal, both sides of `a if c else b`."""
    if node is None:
        return [0]
    if isinstance(node, ast.IfExp):
        return _codes(node.body) + _codes(node.orelse)
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
        return [int(bool(node.value))]  # sys.exit(None), sys.exit(False): 0; True: 1
    value = _number(node)
    return [int(value) if value is not None else None]


def _call_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else ""


def main_functions(tree: ast.Module) -> set[str]:
    """Functions whose result is the exit status: `sys.exit(main())`."""
    return {arg.func.id for node in ast.walk(tree) if _call_name(node) in _EXITS
            for arg in getattr(node, "args", [])[:1]
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name)}


def exit_codes(statement: ast.AST, in_main: bool) -> list[tuple[ast.AST, int | None]]:
    """`sys.exit(N)`, `exit(N)`, `raise SystemExit(N)`, and (in a main function) `return
    N`: (node, N) per code it may give, N None when not a literal."""
    call: ast.AST | None = None
    if isinstance(statement, ast.Raise):
        call = statement.exc
    elif isinstance(statement, ast.Expr):
        call = statement.value
    elif isinstance(statement, ast.Return) and in_main:
        return [(statement, code) for code in _codes(statement.value)]
    if call is not None and _call_name(call) in _EXITS and isinstance(call, ast.Call):
        arg = call.args[0] if call.args else None
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
            return []  # `sys.exit(main())`: main's returns are the codes
        return [(statement, code) for code in _codes(arg)]
    return []


def _all_exits(tree: ast.Module, mains: set[str]) -> list[tuple[ast.AST, int | None]]:
    out: list[tuple[ast.AST, int | None]] = []

    def visit(node: ast.AST, in_main: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name in mains)
            elif isinstance(child, (ast.Lambda, ast.ClassDef)):
                visit(child, False)
            else:
                out.extend(exit_codes(child, in_main))
                visit(child, in_main)

    visit(tree, False)
    return out


class QualityGate(Rule):
    """
    ## What it does
    Reads the quality gate (`contract.quality-gate`, `ops/model_safety/quality_gate.py`)
    and checks that:
    - each of the contract's fail-closed thresholds is a named module-level constant at
      least as strict as the contract (`gate-min-events` 200: fewer events fail;
      `gate-max-class-share` 0.70: more in one class fails; `gate-min-confidence-std`
      0.05; `gate-min-p10-p90` 0.12; `gate-max-hold-share` 0.85). Constants are found by
      name: `MIN_EVENTS`, `MAX_CLASS_SHARE`/`COLLAPSE_THRESHOLD`, `MIN_CONFIDENCE_STD`,
      `MIN_P10_P90_RANGE`, `MAX_HOLD_SHARE`; shares may be fractions or percentages;
    - it can fail: some path exits 2 (`sys.exit(2)`, or `return 2` from the `main` that
      `sys.exit(main())` runs; a bare `return`, `return None` and `return False` exit 0,
      as `sys.exit` reads them); a gate whose every exit is 0, or whose failure is
      another code, is reported;
    - it does not pass without proof: an `if` on missing or too few telemetry events, or
      an `except` around reading them, that exits 0 is reported.

    ## Why is this bad?
    Contract F: "Quality gate MUST pass (exit 0) before activation", "Exit 2 = FAIL
    (BLOCKER)", and "Manglende bevis = ingen aktivering" (missing proof = no activation).
    A threshold buried in an expression is loosened without anyone noticing; a gate that
    exits 0 when Redis is empty waves a model through on no evidence.

    ## Example
    ```python
    if not events:
        print("no telemetry yet, skipping")
        sys.exit(0)
    ```

    ## Use instead
    ```python
    MIN_EVENTS = 200
    if len(events) < MIN_EVENTS:
        sys.exit(2)
    ```

    ## Options
    `contract.quality-gate` and the five `contract.gate-*` thresholds.
    """

    code = "QT605"
    name = "quality-gate-fail-closed"
    section = "F"
    kinds = frozenset({Kind.PYTHON})
    summary = "The quality gate's thresholds or exit codes do not fail closed"
    example_path = "ops/model_safety/quality_gate.py"
    VALID = (Example(_GOOD),
             Example(_GOOD.replace("0.70", "65").replace("200", "500")),
             Example("import sys\nsys.exit(0)\n", path="ops/other.py"))
    INVALID = (
        Example(_GOOD.replace("MIN_EVENTS = 200", "MIN_EVENTS = 50")
                .replace("MAX_HOLD_SHARE = 0.85\n", ""), expect=((1, 1), (3, 14))),
        Example(_GOOD.replace("return 2\n    return 0 if passes(events) else 2",
                              "return 0\n    return 0 if passes(events) else 1"),
                expect=((14, 9), (15, 5))),
        Example(_GOOD.replace("return 2\n", "return 0\n"), expect=((14, 9),)),
    )

    def applies_to(self, relpath: str, contract: Contract) -> bool:
        return is_script(relpath, contract.quality_gate)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        contract = ctx.contract
        if not is_script(ctx.relpath, contract.quality_gate):
            return
        tree = ctx.python_tree
        facts = ctx.python
        gate = contract.quality_gate.rsplit("/", 1)[-1]
        constants: dict[str, tuple[str, ast.expr, float]] = {}
        for node in tree.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            number = _number(value)
            if number is None or value is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    for key, pattern, *_ in thresholds(contract):
                        if key not in constants and pattern.search(target.id):
                            constants[key] = (target.id, value, number)
                            break
        for key, _, limit, larger, what in thresholds(contract):
            shown = int(limit) if key == "events" else limit
            if key not in constants:
                yield ctx.finding(self, 1, 1, f"{gate} has no module-level constant for "
                                  f"'{what}' (the contract's value is {shown})")
                continue
            name, value, number = constants[key]
            if key in ("class", "hold") and number > 1:
                number /= 100
            if (number < limit) if larger else (number > limit):
                line, column = facts.position(value)
                yield ctx.finding(self, line, column, f"{name} = {_shown(number, key)} is "
                                  f"looser than the contract ({what}: {shown})")
        yield from self._exits(ctx, tree, gate, {c[0] for c in constants.values()})

    def _exits(self, ctx: FileContext, tree: ast.Module, gate: str,
               names: set[str]) -> Iterator[Finding]:
        facts = ctx.python
        mains = main_functions(tree)
        exits = _all_exits(tree, mains)
        codes = {code for _, code in exits}
        if exits and codes <= {0}:
            yield ctx.finding(self, *facts.position(exits[0][0]), f"every exit of {gate} is "
                              "0: it can never block an activation (exit 2 on failure)")
        elif exits and None not in codes and 2 not in codes:
            node = next(n for n, code in exits if code)
            yield ctx.finding(self, *facts.position(node), f"{gate} fails with exit "
                              f"{sorted(c for c in codes if c)[0]}; the contract's FAIL "
                              "(blocker) is exit 2")
        yield from self._no_proof(ctx, tree, gate, names, mains)

    def _no_proof(self, ctx: FileContext, tree: ast.Module, gate: str, names: set[str],
                  mains: set[str]) -> Iterator[Finding]:
        facts = ctx.python
        evidence = re.compile(r"(?i)event|telemetry|sample|records|stream|entries")
        in_main = {id(n) for f in ast.walk(tree)
                   if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name in mains
                   for n in ast.walk(f)}
        for node in ast.walk(tree):
            body: list[ast.stmt] = []
            what = ""
            if isinstance(node, ast.If):
                test = ast.unparse(node.test)
                empty = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
                few = isinstance(node.test, ast.Compare) and any(
                    isinstance(op, (ast.Lt, ast.LtE, ast.Eq)) for op in node.test.ops)
                named = any(re.search(rf"\b{re.escape(n)}\b", test) for n in names)
                if (empty or few) and (evidence.search(test) or named):
                    body, what = node.body, "without enough telemetry"
            elif isinstance(node, ast.ExceptHandler):
                body, what = node.body, "when reading the telemetry fails"
            for statement in body:
                for found, code in exit_codes(statement, id(statement) in in_main):
                    if code == 0:
                        yield ctx.finding(self, *facts.position(found),
                                          f"{gate} exits 0 {what}: missing proof means no "
                                          "activation (exit 2)")


def _shown(number: float, key: str) -> str:
    return str(int(number)) if key == "events" else f"{number:g}"
