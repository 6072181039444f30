from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping

from qt_lint import lazyre
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.pymodel.gate import (
    Candidate,
    Thresholds,
    Unknown,
    alias_value,
    applied,
    defeats,
    dotted,
    evaluate,
    failing_side,
    numeric_like,
    reads,
    shutdown_exits,
    skipped_checks,
    status,
    uncaught,
    unparsed,
    wrong_statistic,
)
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


def passes(events) -> bool:
    shares = class_shares(events)
    if max(shares.values()) > MAX_CLASS_SHARE or shares.get("HOLD", 0) > MAX_HOLD_SHARE:
        return False
    return (confidence_std(events) >= MIN_CONFIDENCE_STD
            and p10_p90_range(events) >= MIN_P10_P90_RANGE)


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


_EXITS = ("exit", "SystemExit", "_exit", "quit")


def _codes(node: ast.expr | None, names: Mapping[str, object]) -> list[int | None]:
    """The exit statuses an expression gives as `sys.exit`'s argument: a literal, a
    module constant (`EXIT_FAIL = 2`, an `IntEnum` member), both sides of `a if c else b`;
    an int's low byte (258 is 2), 1 for a string or a float (printed), None when not
    decided."""
    if node is None:
        return [0]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, names) + _codes(node.orelse, names)
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and
                                           isinstance(node.value, str)):
        return [1]
    try:
        return [status(evaluate(node, names))]
    except Unknown:
        return [None]


def _printed(node: ast.AST) -> str:
    """Why an exit gives 1: `sys.exit` prints a string or a float and exits 1."""
    value = node.value if isinstance(node, ast.Return) else \
        node.exc if isinstance(node, ast.Raise) else \
        node.value if isinstance(node, ast.Expr) else None
    if isinstance(value, ast.Call) and value.args:
        value = value.args[0]
    if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and
                                            isinstance(value.value, (str, float))):
        return " (`sys.exit` prints a string or a float and exits 1)"
    return ""


def _call_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else ""


def main_functions(tree: ast.Module) -> set[str]:
    """Functions whose result is the exit status: `sys.exit(main())`, `sys.exit(main() or
    0)`, `code = main()` then `sys.exit(code)`."""
    args = [arg for node in ast.walk(tree) if _call_name(node) in _EXITS
            for arg in getattr(node, "args", [])[:1]]
    named = {n.id for arg in args for n in ast.walk(arg) if isinstance(n, ast.Name)}
    bound: dict[str, set[str]] = {}
    for node in ast.walk(tree) if named else ():
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name) and node.targets[0].id in named:
            bound.setdefault(node.targets[0].id, set()).update(
                n.func.id for n in ast.walk(node.value)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name))
    out: set[str] = set()
    for arg in args:
        for n in ast.walk(arg):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                out.add(n.func.id)
            elif isinstance(n, ast.Name) and n.id in bound:
                out |= bound[n.id]
    return out - {"int", "bool", "abs", "min", "max", "float", "round"}


def exit_codes(statement: ast.AST, in_main: bool, names: Mapping[str, object]
               ) -> list[tuple[ast.AST, int | None]]:
    """`sys.exit(N)`, `exit(N)`, `raise SystemExit(N)`, and (in a main function) `return
    N`: (node, N) per code it may give, N None when not decided."""
    call: ast.AST | None = None
    if isinstance(statement, ast.Raise):
        call = statement.exc
    elif isinstance(statement, ast.Expr):
        call = statement.value
    elif isinstance(statement, ast.Return) and in_main:
        return [(statement, code) for code in _codes(statement.value, names)]
    if call is not None and _call_name(call) in _EXITS and isinstance(call, ast.Call):
        arg = call.args[0] if call.args else None
        if isinstance(arg, ast.Call) and dotted(arg.func) == "asyncio.run" and arg.args:
            arg = arg.args[0]
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
            return []  # `sys.exit(main())`: main's returns are the codes
        return [(statement, code) for code in _codes(arg, names)]
    return []


def _all_exits(tree: ast.Module, mains: set[str], names: Mapping[str, object]
               ) -> list[tuple[ast.AST, int | None]]:
    out: list[tuple[ast.AST, int | None]] = []

    def visit(node: ast.AST, in_main: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name in mains)
            elif isinstance(child, (ast.Lambda, ast.ClassDef)):
                visit(child, False)
            else:
                out.extend(exit_codes(child, in_main, names))
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
      `MIN_P10_P90_RANGE`, `MAX_HOLD_SHARE`; shares may be fractions or percentages.
      A constant that no code of the gate reads is reported at its definition: the
      check the gate runs applies a literal (`if len(events) < 50`) or nothing (a read
      only to show it, `print(MIN_EVENTS)`, a log call or an f-string, does not count);
    - it can fail: some path exits 2 (`sys.exit(2)`, or `return 2` from the `main` that
      `sys.exit(main())` runs; a bare `return`, `return None` and `return False` exit 0,
      as `sys.exit` reads them); a gate whose every exit is 0, or whose failure is
      another code, is reported, and so is one whose exits are computed at run time with
      no path known to exit 2 (`return ok`: True is 1 and False 0, inverted;
      `return len(failures)`: 1). The status is read as CPython gives it: a module
      constant (`EXIT_FAIL = 2`) or an `IntEnum` member is its value, an int its low
      byte (`return 258` exits 2, `return 256` 0), `asyncio.run(main())` main's result;
      a string or a float is printed and exits 1, so `sys.exit("FAIL: too few events")`,
      `raise SystemExit("...")` and `return 2.0` are reported even beside exits 2;
    - its checks run: an entry guard that is never true (`if __name__ == "main":`,
      `if __name__ != "__main__":`) or no module-level call of the gate's functions at
      all is reported (the script exits 0 whatever the telemetry);
    - nothing turns it off: an `if` on the environment or the command line
      (`if os.environ.get("QG_FORCE") == "1": return 0`, `if "--force" in sys.argv:
      sys.exit(0)`) that exits 0 is reported (a process environment can turn the gate
      off);
    - nothing else ends it: `sys.exit` replaced (`sys.exit = lambda code=0: None`), the
      exit made in a thread (`threading.Thread(target=lambda: sys.exit(main()))`), a
      context manager of the gate whose `__exit__` returns True around the exit, a
      `__del__` that calls `os._exit(0)` (it runs at shutdown at the latest, and its
      status replaces the gate's), `weakref.finalize(obj, os._exit, 0)` (called when
      `obj` is collected or at exit), and an `assert` on a threshold (exit 1, and
      `python -O` removes it) are reported. As CPython 3.10-3.13 run them: a class never
      instantiated runs no `__del__`; one whose instances are kept only as attributes of
      `sys` (`sys._guard = Guard()`) is collected after the modules are emptied, where
      `os._exit` is None (the TypeError is ignored: the status stands), unless its
      `__del__` holds the function itself (`def __del__(self, _exit=os._exit)`,
      `self.bye = os._exit`, `from os import _exit`); a finaliser with `atexit = False`
      is not called at exit;
    - no exception escapes it: CPython exits 1 (a traceback) for one, not 2. A file read
      (`open()`, `Path.read_text()`) or `json.load` with no `try` that catches it on the
      path from the module's code to it (the `try` may be in a caller: `try: events =
      read()` in `main`, or around `sys.exit(main())`), and a `raise ValueError(...)`
      that nothing catches are reported (`raise SystemExit(2)` is an exit). So is what
      raises on empty telemetry (`[]`, `{}`) before the events check of the same
      function runs: `events[0]`, `events["count"]`, `x / len(events)` (or a name bound
      to `len(events)`), `max(...)`, `min(...)`, `statistics.mean(...)` over the events;
      an `if events:`, `events and ...`, `... if events else ...`, a `try` that catches
      it (`IndexError`, `LookupError`, `ArithmeticError`, ...) or `max(..., default=0)`
      keeps it from running;
    - the P10-P90 range is one: a check that compares its constant with a wider range
      lets too narrow telemetry pass: `max(c) - min(c)` or `s[-1] - s[0]` of `s =
      sorted(c)` (the whole spread), quantiles of another grid outside P10-P90
      (`statistics.quantiles(c, n=100)`: `q[98] - q[0]` is P1-P99; `n=10` `q[8] - q[0]`
      and `n=100` `q[89] - q[9]` are P10-P90), `numpy.percentile(c, 99) - ...`. A
      narrower range (the quartiles) fails more often and is not reported;
    - it does not pass without proof: an `if` on missing or too few telemetry events, or
      an `except` around reading them, that exits 0 is reported; so is an `except` that
      goes on with a stand-in for the telemetry (`events = FAKE_EVENTS`, a literal set,
      or the non-empty value the name had before the `try`; an empty `[]`/`{}`/`None`
      is not a stand-in). The events check must run on no telemetry: a guard that skips
      it when there are no events (`if events and len(events) < MIN_EVENTS`, the check
      inside `if events:` with nothing failing after it) and a loop per model (`for
      name, events in by_model.items():`) with no failure when the mapping is empty are
      reported. A stand-in chosen otherwise is reported too: `return SAMPLE_EVENTS`
      under an `if` in a reader, `if not events: events = [...]`, `read() if
      os.path.exists(p) else SAMPLE_EVENTS`, `doc.get("events", SAMPLE_EVENTS)` (made-up
      data: a non-empty literal, one repeated or built from `range`, or a module name
      bound to one; a comprehension over the data read is not);
    - the threshold that counts is the one a check reads when it runs: a constant
      rebound after its definition (`MIN_EVENTS = 5`, `MIN_EVENTS, X = 5, 1`,
      `MIN_EVENTS -= 195`, a branch, `:=`, a function with `global MIN_EVENTS`, a local
      or a parameter of the same name in the checking function) is judged at the
      rebinding; arithmetic at the comparison (`count < MIN_EVENTS - 199`, `count + 199
      < MIN_EVENTS`) and a name the check reads instead (`minimum = MIN_EVENTS - 195`, a
      parameter's default `minimum=MIN_EVENTS // 40`, an argument `too_few(events,
      MIN_EVENTS - 195)` of a function of the gate) at the comparison. A value that
      cannot be decided statically is not a pass: one read from the environment
      (`os.getenv`, `os.environ`: a process environment can loosen it), a call, a `for`,
      an import, `globals()`, `setattr`, `exec`, is reported where it is set, naming
      why. A check turned round (`if count > MIN_EVENTS: return 2`) is reported;
    - the failure reaches the exit status: `sys.exit(main() and 0)`, `sys.exit(not
      main())` (the exit expression is evaluated with `main()` returning 2), a bare
      `main()` whose result is dropped, `rc = main()` rebound before `sys.exit(rc)`,
      `sys.exit(0)`/`os._exit(0)` or `return 0` in a `finally`, `except
      SystemExit`/`except BaseException`/bare `except:` (or
      `contextlib.suppress(SystemExit)`) around an exit that does not re-raise or exit
      non-zero, and `atexit.register(os._exit, 0)` are reported; the first exit CPython
      reaches decides: a statement after an unconditional exit never runs (`code =
      main()`, `os._exit(0)`, `sys.exit(code)` exits 0, reported at the `os._exit(0)`),
      and an exit 0 in the branch of an `if` that the failure takes (`if code:
      os._exit(0)`, or the `else` of `if code == 0:`) is reported;
    - a reader that makes telemetry up is reported: `return FAKE` in the `except` of a
      function named for the telemetry, `load() or FAKE`, `events = FAKE` before a
      `with suppress(...)` read.

    Not followed (proven against CPython, not reported): a literal threshold in a check
    (`if len(events) < 5`) while the constant is also read elsewhere, a threshold
    passed on through a second function or a `*args` call, a class attribute of the
    same name (`Cfg.MIN_EVENTS`), thresholds imported from another module (reported as
    missing), a share written as a percentage compared with a fraction, a dict `.get()`
    default that is a number (`metrics.get("count", 1000)`), `sys.excepthook`, signal
    handlers and `os.kill(os.getpid(), ...)`. Nor: an integer status other than 0 and 2
    beside exit 2 (`return 3` for a run that may not promote: a status of its own), an
    exception other than a file read, a JSON decoding, a `raise` or one on empty
    telemetry before the events check (a key missing from telemetry that has others, a
    division by another count, what a called function raises on empty telemetry), a
    loop's own counter tested after it, a context manager imported from
    elsewhere, a bypass through a parsed option (`if
    args.force: return 0`), a later `if` that fails after a skipped check or an empty
    loop (taken as catching it, whatever it tests), a
    count check stored in a name and tested later (`enough = len(events) >= MIN_EVENTS`),
    another wrong statistic (a standard deviation for the range). A stand-in that would
    itself fail is still reported: a gate exits 2 on missing proof, it does not judge
    made-up data.

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
             Example(_GOOD.replace("\n\ndef main", "\n\nclass Guard:\n    def __del__(self):"
                                   "\n        os._exit(0)\n\n\nsys.guard = Guard()\n\n\n"
                                   "def main").replace("import sys\n", "import os\nimport sys\n")
                     .replace("    if len(events) < MIN_EVENTS:",
                              '    print("first event:", events[0] if events else None)\n'
                              "    if len(events) < MIN_EVENTS:")),
             Example("import sys\nsys.exit(0)\n", path="ops/other.py"),
             Example(_GOOD.replace("    sys.exit(main())", "    sys.exit(main())\n    os._exit(0)")
                     .replace("import sys\n", "import os\nimport sys\n")))
    INVALID = (
        # `os._exit(0)` ends the process first: the `sys.exit(code)` after it never runs
        Example(_GOOD.replace("    sys.exit(main())", "    code = main()\n    os._exit(0)\n"
                              "    sys.exit(code)")
                .replace("import sys\n", "import os\nimport sys\n"),
                expect=((28, 12), (29, 5))),
        Example(_GOOD.replace("len(events) < MIN_EVENTS", "len(events) < 50"),
                expect=((3, 1),)),
        Example(_GOOD.replace("MIN_EVENTS = 200", "MIN_EVENTS = 50")
                .replace("MAX_HOLD_SHARE = 0.85\n", ""), expect=((1, 1), (3, 14))),
        Example(_GOOD.replace("return 2\n    return 0 if passes(events) else 2",
                              "return 0\n    return 0 if passes(events) else 1"),
                expect=((14, 9), (15, 5))),
        Example(_GOOD.replace("return 2\n", "return 0\n"), expect=((14, 9),)),
        Example(_GOOD.replace("MAX_HOLD_SHARE = 0.85\n", "MAX_HOLD_SHARE = 0.85\n"
                              "MIN_EVENTS -= 195\n"), expect=((8, 1),)),
        Example(_GOOD.replace("    sys.exit(main())", "    try:\n        sys.exit(main())\n"
                              "    finally:\n        sys.exit(0)"), expect=((30, 9),)),
        Example(_GOOD.replace("    sys.exit(main())", "    main()"), expect=((27, 5),)),
        Example(_GOOD.replace('__name__ == "__main__"', '__name__ == "main"'),
                expect=((26, 4),)),
        Example(_GOOD.replace("    events = read_telemetry()\n",
                              '    if os.environ.get("QG_FORCE") == "1":\n        return 0\n'
                              "    events = read_telemetry()\n")
                .replace("import sys\n", "import os\nimport sys\n"), expect=((12, 8),)),
        Example(_GOOD.replace('print("FAIL: not enough telemetry")\n        return 2',
                              'sys.exit("FAIL: not enough telemetry")'), expect=((13, 9),)),
        Example(_GOOD.replace("if len(events) < MIN_EVENTS:",
                              "if events and len(events) < MIN_EVENTS:"), expect=((12, 8),)),
        Example(_GOOD.replace('print("FAIL: not enough telemetry")\n        return 2',
                              'raise ValueError("not enough telemetry")'), expect=((13, 9),)),
        Example(_GOOD.replace("p10_p90_range(events) >= MIN_P10_P90_RANGE",
                              "max(conf(events)) - min(conf(events)) >= MIN_P10_P90_RANGE"),
                expect=((23, 17),)),
        Example(_GOOD.replace("\n\ndef main", "\n\nclass Bye:\n    def __del__(self):\n"
                              "        os._exit(0)\n\n\nBYE = Bye()\n\n\ndef main")
                .replace("import sys\n", "import os\nimport sys\n"), expect=((13, 9),)),
        Example(_GOOD.replace("\n\ndef main", "\n\nweakref.finalize(sys, os._exit, 0)"
                              "\n\n\ndef main")
                .replace("import sys\n", "import os\nimport sys\nimport weakref\n"),
                expect=((12, 1),)),
        Example(_GOOD.replace("p10_p90_range(events) >= MIN_P10_P90_RANGE",
                              "sorted(conf(events))[-1] - sorted(conf(events))[0] >= "
                              "MIN_P10_P90_RANGE"), expect=((23, 17),)),
        Example(_GOOD.replace("    if len(events) < MIN_EVENTS:",
                              '    print("first event:", events[0])\n'
                              "    if len(events) < MIN_EVENTS:"), expect=((12, 27),)),
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
        reading = Thresholds(tree)
        constants: dict[str, str] = {}  # key -> the constant's name
        for node in tree.body:
            for name, value in _definitions(node):
                if not name.isupper() or not numeric_like(value):
                    continue
                for key, pattern, *_ in thresholds(contract):
                    if key not in constants and pattern.search(name):
                        constants[key] = name
                        break
        seen: set[tuple[int, int, str]] = set()
        loaded = _read_names(tree)
        for key, _, limit, larger, what in thresholds(contract):
            shown = int(limit) if key == "events" else limit
            if key not in constants:
                yield ctx.finding(self, 1, 1, f"{gate} has no module-level constant for "
                                  f"'{what}' (the contract's value is {shown})")
                continue
            name = constants[key]
            if name not in loaded:
                # nothing reads it: the check the gate runs, if any, applies another value
                # (a literal, `len(events) < 50`) or none
                definition = next(node for node in tree.body
                             if any(n == name for n, _ in _definitions(node)))
                yield ctx.finding(self, *facts.position(definition), f"{name} is never read: no "
                                  f"check of {gate} applies it ('{what}'; a check compares "
                                  "with the constant, not a literal)")
            for where, message in _threshold_findings(reading, tree, constants[key], key,
                                                      limit, larger, what):
                line, column = facts.position(where)
                if (line, column, message) not in seen:
                    seen.add((line, column, message))
                    yield ctx.finding(self, line, column, message)
        mains = main_functions(tree)
        skipped = skipped_checks(tree, [c for c, *_ in reads(tree, constants["events"])],
                                 reading.constants) \
            if "events" in constants else iter(())
        ranges = wrong_statistic(tree, constants["range"]) if "range" in constants \
            else iter(())
        for where, message in [*skipped, *defeats(tree, reading.constants, mains),
                               *uncaught(tree, constants.get("events")), *ranges,
                               *shutdown_exits(tree)]:
            line, column = facts.position(where)
            if (line, column, message) not in seen:
                seen.add((line, column, message))
                yield ctx.finding(self, line, column, f"{gate}: {message}")
        yield from self._exits(ctx, tree, gate, set(constants.values()), mains,
                               reading.constants)

    def _exits(self, ctx: FileContext, tree: ast.Module, gate: str,
               names: set[str], mains: set[str], values: Mapping[str, object]
               ) -> Iterator[Finding]:
        facts = ctx.python
        exits = _all_exits(tree, mains, values)
        codes = {code for _, code in exits}
        if exits and codes <= {0}:
            yield ctx.finding(self, *facts.position(exits[0][0]), f"every exit of {gate} is "
                              "0: it can never block an activation (exit 2 on failure)")
        elif exits and None not in codes and 2 not in codes:
            node = next(n for n, code in exits if code)
            first = sorted(c for c in codes if c)[0]
            node = next(n for n, c in exits if c == first)
            yield ctx.finding(self, *facts.position(node), f"{gate} fails with exit "
                              f"{first}{_printed(node)}; the contract's FAIL (blocker) is "
                              "exit 2")
        elif exits and 2 not in codes:
            # `return ok`, `return len(failures)`: no path is known to exit 2, and a value
            # computed at run time is 0 or 1 as often as anything (True is 1, False is 0)
            node = next(n for n, code in exits if code is None)
            yield ctx.finding(self, *facts.position(node), f"{gate}: `{unparsed(node)[:60]}` "
                              "gives an exit status that cannot be decided, and no path exits "
                              "2: fail with exit 2 (`return 2`, `sys.exit(2)`)")
        if 2 in codes:
            # a failure written to exit 2 that exits 1 beside the ones that do (a message
            # or a float); another integer (`return 3`: collected, may not promote) is a
            # status of its own
            for node, code in exits:
                if code not in (0, 2, None) and _printed(node):
                    yield ctx.finding(self, *facts.position(node), f"{gate}: "
                                      f"`{unparsed(node)[:50]}` fails with exit {code}"
                                      f"{_printed(node)}; the contract's FAIL (blocker) is "
                                      "exit 2")
        yield from self._no_proof(ctx, tree, gate, names, mains, values)

    def _no_proof(self, ctx: FileContext, tree: ast.Module, gate: str, names: set[str],
                  mains: set[str], values: Mapping[str, object]) -> Iterator[Finding]:
        facts = ctx.python
        evidence = re.compile(r"(?i)event|telemetry|sample|records|stream|entries")
        in_main = {id(n) for f in ast.walk(tree)
                   if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name in mains
                   for n in ast.walk(f)}
        for node in ast.walk(tree):
            body: list[ast.stmt] = []
            what = ""
            if isinstance(node, ast.If):
                test = unparsed(node.test)
                empty = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
                few = isinstance(node.test, ast.Compare) and any(
                    isinstance(op, (ast.Lt, ast.LtE, ast.Eq)) for op in node.test.ops)
                named = any(re.search(rf"\b{re.escape(n)}\b", test) for n in names)
                if (empty or few) and (evidence.search(test) or named):
                    body, what = node.body, "without enough telemetry"
            elif isinstance(node, ast.ExceptHandler):
                body, what = node.body, "when reading the telemetry fails"
            for statement in body:
                for found, code in exit_codes(statement, id(statement) in in_main,
                                               values):
                    if code == 0:
                        yield ctx.finding(self, *facts.position(found),
                                          f"{gate} exits 0 {what}: missing proof means no "
                                          "activation (exit 2)")


_REPORTING = lazyre.compile(r"(?:^|\.)(?:print|debug|info|warning|warn|error|critical|"
                        r"exception|log|write|echo|secho|format)$")


def _read_names(tree: ast.Module) -> set[str]:
    """The names the module reads, except where it only shows them (`print(MIN_EVENTS)`,
    `log.info(...)`, an f-string): a constant read only there is applied by no check."""
    out: set[str] = set()
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.JoinedStr) or (
                isinstance(node, ast.Call) and _REPORTING.search(dotted(node.func))):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _shown(number: float, key: str) -> str:
    return str(int(number)) if key == "events" and number == int(number) else f"{number:g}"


def _definitions(node: ast.stmt) -> list[tuple[str, ast.expr]]:
    """The names a module-level statement defines and their values: `N = v`, `N: T = v`,
    `N, X = v, w`."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
            node.value is not None:
        return [(node.target.id, node.value)]
    out: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                out.append((target.id, node.value))
            elif isinstance(target, (ast.Tuple, ast.List)) and \
                    isinstance(node.value, (ast.Tuple, ast.List)) and \
                    len(target.elts) == len(node.value.elts):
                out.extend((e.id, v) for e, v in zip(target.elts, node.value.elts, strict=True)
                           if isinstance(e, ast.Name))
    return out


def _threshold_findings(reading: Thresholds, tree: ast.Module, name: str, key: str,
                        limit: float, larger: bool, what: str
                        ) -> Iterator[tuple[ast.AST, str]]:
    """Where the threshold `name` is looser than the contract, or not decided, when a
    check reads it: its definition, a rebinding, the comparison's own arithmetic."""
    shown_limit = int(limit) if key == "events" else limit

    def scaled(number: float, written: float | None = None) -> float:
        # a share written as a percentage (`MAX_CLASS_SHARE = 70`) is read as one
        percent = key in ("class", "hold") and (written if written is not None else number) > 1
        return number / 100 if percent else number

    def loose(number: float, written: float | None = None) -> bool:
        number = scaled(number, written)
        return (number < limit) if larger else (number > limit)

    def judged(candidate: Candidate) -> Iterator[tuple[ast.AST, str]]:
        if candidate.value is None:
            yield candidate.node, candidate.why
        elif loose(candidate.value):
            number = _shown(scaled(candidate.value), key)
            if candidate.first:
                yield candidate.node, (f"{name} = {number} is looser than the contract "
                                       f"({what}: {shown_limit})")
            else:
                yield candidate.node, (f"this makes {name} {number}: looser than the "
                                       f"contract ({what}: {shown_limit})")

    module = reading.module_candidates(name)
    Via = tuple[ast.expr, ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None]
    compared: list[tuple[ast.Compare, ast.expr, ast.expr,
                         ast.FunctionDef | ast.AsyncFunctionDef | None, str, Via | None]] = [
        (*found, name, None) for found in reads(tree, name)]
    for scope, alias, expr, node in reading.aliases(name):
        compared += [(compare, side, other, func, alias, (expr, node, scope))
                     for compare, side, other, func in reads(tree, alias)
                     if scope is None or func is scope]
    if not compared:
        for candidate in module:
            yield from judged(candidate)
        return
    for compare, side, other, func, read, via in compared:
        text = unparsed(compare)
        text = text if len(text) <= 60 else text[:57] + "..."
        turned = failing_side(tree, compare, side)
        if turned is not None and turned != ("below" if larger else "above"):
            yield compare, (f"`{text}` fails only when the value is {turned} {read}: the "
                            f"check is turned round ({what})")
        scope = func if via is None else via[2]
        local = reading.local_candidates(name, scope, module) if scope is not None else None
        for candidate in module if local is None else local:
            if candidate.value is None:
                yield from judged(candidate)
                continue
            value = candidate.value
            if via is not None:
                aliased = alias_value(via[0], name, candidate.value, reading.constants)
                if aliased is None:
                    yield via[1], (f"{read} = `{unparsed(via[0])[:40]}` cannot be decided: "
                                   f"the threshold the check at line {compare.lineno} applies "
                                   "must be a constant")
                    continue
                value = aliased
            applied_value = applied(side, other, read, value, reading.constants)
            if applied_value is None:
                yield compare, (f"`{text}` reads {name} through `{unparsed(side)[:40]}`: "
                                "the threshold it applies cannot be decided")
            elif applied_value == candidate.value and via is None:
                yield from judged(candidate)
            elif via is not None and applied_value == value and loose(value, candidate.value):
                # the loosening is the alias's own expression: reported there
                yield via[1], (f"`{unparsed(via[0])[:40]}` makes {read} "
                               f"{_shown(scaled(value, candidate.value), key)}, which "
                               f"`{text}` applies (line {compare.lineno}): looser than the "
                               f"contract ({what}: {shown_limit})")
            elif loose(applied_value, candidate.value):
                yield compare, (f"`{text}` applies "
                                f"{_shown(scaled(applied_value, candidate.value), key)}, not "
                                f"{name}: looser than the contract ({what}: {shown_limit})")
