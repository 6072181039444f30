"""QT605 against the real interpreter (issue 23, item 2): generated quality gates
(threshold definitions, rebindings, the arithmetic a check applies, exit forms, exception
handling) are run with CPython on telemetry the contract says must fail (one metric just
past its limit, the others fine), on missing telemetry, and with an environment that
would loosen a threshold read from it. QT605 silent must mean every such run exits 2; a
QT605 finding must mean some run does not, except for the forms QT605 reports on purpose
without a breach here (a threshold it cannot decide, a stand-in for telemetry).

Bounded in the normal run; `QT_LINT_LONG_TESTS=1` runs 15x more programs."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config, Contract

PROGRAMS = 600 if os.environ.get("QT_LINT_LONG_TESTS") == "1" else 40
GATE = Contract().quality_gate

GOOD = {"count": 1000, "class_share": 0.3, "conf_std": 0.2, "p_range": 0.3, "hold_share": 0.2}
# each breaks one of the contract's limits by a little
FAILING = [{**GOOD, "count": 199}, {**GOOD, "class_share": 0.71}, {**GOOD, "conf_std": 0.049},
           {**GOOD, "p_range": 0.119}, {**GOOD, "hold_share": 0.86}]
# (QG_FORCE: a bypass switch a gate may read)
LOOSENING_ENV = {"MIN_EVENTS": "5", "QT_MIN_EVENTS": "5", "FAST": "1", "QG_FORCE": "1"}

# (text, "breach" | "ok" | "policy"): what the form does to a gate that is otherwise
# right; "policy": QT605 reports it although these runs exit 2 (not decided statically,
# a stand-in for telemetry)
DEFINITIONS = [
    ("MIN_EVENTS = 200", "ok"), ("MIN_EVENTS: int = 200", "ok"), ("MIN_EVENTS = 2 * 100", "ok"),
    ("MIN_EVENTS = 150", "breach"), ("MIN_EVENTS = 400 - 250", "breach"),
    ("MIN_EVENTS, _SPARE = 200, 1", "ok"), ("MIN_EVENTS = 500", "ok"),
    ('MIN_EVENTS = int(os.environ.get("MIN_EVENTS", "200"))', "breach"),
    ('MIN_EVENTS = int(os.getenv("QT_MIN_EVENTS", 200))', "breach"),
    ('MIN_EVENTS = int("200")', "ok"),
    ('MIN_EVENTS = int(os.environ.get("UNSET_IN_THESE_RUNS", "200"))', "policy"),
]
REBINDINGS = [
    ("", "ok"), ("MIN_EVENTS = 5", "breach"), ("MIN_EVENTS, _X = 5, 1", "breach"),
    ("MIN_EVENTS -= 195", "breach"), ("MIN_EVENTS += 100", "ok"), ("MIN_EVENTS = MIN_EVENTS", "ok"),
    ("MIN_EVENTS = MIN_EVENTS // 40", "breach"),
    ("def _loosen():\n    global MIN_EVENTS\n    MIN_EVENTS = 5\n\n\n_loosen()", "breach"),
    ("def _tighten():\n    global MIN_EVENTS\n    MIN_EVENTS = 300\n\n\n_tighten()", "ok"),
    ('if os.environ.get("FAST"):\n    MIN_EVENTS = 5', "breach"),
    ("for MIN_EVENTS in (5,):\n    pass", "breach"),
    ('globals()["MIN_EVENTS"] = 5', "breach"),
    ("MIN_EVENTS = max(MIN_EVENTS, 300)", "ok"), ("MIN_EVENTS = min(MIN_EVENTS, 10)", "breach"),
    ('MIN_EVENTS = int(os.environ.get("MIN_EVENTS", MIN_EVENTS))', "breach"),
    ('exec("MIN_EVENTS = 5")', "breach"), ("(MIN_EVENTS := 5)", "breach"),
    ('exec("print(1)")', "ok"),
]
LOCALS = [("", "ok"), ("    MIN_EVENTS = 5", "breach"),
          ("    global MIN_EVENTS\n    MIN_EVENTS = 5", "breach"),
          ("    MIN_EVENTS = 250", "ok")]
# the events check: (left, right) around the comparison
COMPARISONS = [
    ('telemetry["count"] < MIN_EVENTS', "ok"), ('MIN_EVENTS > telemetry["count"]', "ok"),
    ('telemetry["count"] < MIN_EVENTS - 199', "breach"),
    ('telemetry["count"] < MIN_EVENTS // 40', "breach"),
    ('telemetry["count"] < MIN_EVENTS + 0', "ok"), ('telemetry["count"] < MIN_EVENTS * 2', "ok"),
    ('telemetry["count"] + 199 < MIN_EVENTS', "breach"),
    ('telemetry["count"] - 100 < MIN_EVENTS', "ok"),
    ('telemetry["count"] * 2 < MIN_EVENTS', "breach"),
    ('telemetry["count"] > MIN_EVENTS', "turned"), ('not telemetry["count"] >= MIN_EVENTS', "ok"),
]
HANDLERS = [
    ("Exception", "        return 2", "ok"), ("(OSError, ValueError)", "        sys.exit(2)", "ok"),
    ("BaseException", "        return 2", "ok"), ("", "        return 2", "ok"),
    ("Exception", "        return 0", "breach"),
    ("Exception", "        telemetry = FAKE", "breach"),
    ("OSError", "        telemetry = dict(FAKE)", "breach"),
    ("Exception", "        telemetry = {'count': 1000, 'class_share': 0.3, 'conf_std': 0.2, "
     "'p_range': 0.3, 'hold_share': 0.2}", "breach"),
    ("Exception", "        telemetry = {'count': 0, 'class_share': 1, 'conf_std': 0, "
     "'p_range': 0, 'hold_share': 1}", "policy"),
    ("Exception", "        pass", "preset"),
    ("Exception", "        print('telemetry unavailable')\n        return 2", "ok"),
]
ENTRIES = [
    ("sys.exit(main())", "ok"), ("raise SystemExit(main())", "ok"), ("main()", "breach"),
    ("sys.exit(main() and 0)", "breach"), ("sys.exit(main() or 0)", "ok"),
    ("sys.exit(0 or main())", "ok"), ("sys.exit(not main())", "breach"),
    ("sys.exit(bool(main()))", "breach"), ("sys.exit(int(main() != 0) * 2)", "ok"),
    ("code = main()\nsys.exit(code)", "ok"), ("code = main()\nos._exit(0)", "breach"),
    ("os._exit(main())", "ok"),
    ("try:\n    sys.exit(main())\nfinally:\n    sys.exit(0)", "breach"),
    ("try:\n    sys.exit(main())\nfinally:\n    print('done')", "ok"),
    ("try:\n    sys.exit(main())\nexcept SystemExit:\n    pass", "breach"),
    ("try:\n    sys.exit(main())\nexcept BaseException:\n    pass", "breach"),
    ("try:\n    sys.exit(main())\nexcept:\n    pass", "breach"),
    ("try:\n    sys.exit(main())\nexcept SystemExit:\n    raise", "ok"),
    ("try:\n    sys.exit(main())\nexcept Exception:\n    pass", "ok"),
    ("try:\n    sys.exit(main())\nexcept SystemExit as e:\n    sys.exit(e.code)", "ok"),
    ("try:\n    sys.exit(main())\nexcept SystemExit:\n    sys.exit(0)", "breach"),
    ("with contextlib.suppress(SystemExit):\n    sys.exit(main())", "breach"),
    ("with contextlib.suppress(ValueError):\n    sys.exit(main())", "ok"),
    ("atexit.register(os._exit, 0)\nsys.exit(main())", "breach"),
    ("atexit.register(sys.exit, 0)\nsys.exit(main())", "ok"),
    ("sys.exit(main() if True else 0)", "ok"),
    ("sys.exit(main() * 0)", "breach"), ("sys.exit(max(main(), 0))", "ok"),
    ("rc = main()\nrc = 0\nsys.exit(rc)", "breach"),
    ("try:\n    sys.exit(main())\nexcept (SystemExit, KeyboardInterrupt):\n    pass", "breach"),
    ("atexit.register(lambda: os._exit(0))\nsys.exit(main())", "breach"),
]
FINALLY = [("", "ok"), ("    finally:\n        print('checked')", "ok"),
           ("    finally:\n        return 0", "breach")]

TEMPLATE = '''"""A generated quality gate."""

import atexit
import contextlib
import json
import os
import sys

{definition}
MAX_CLASS_SHARE = 0.70
MIN_CONFIDENCE_STD = 0.05
MIN_P10_P90_RANGE = 0.12
MAX_HOLD_SHARE = 0.85
{rebinding}
FAKE = {fake}


def read_telemetry():
    with open(os.environ["GATE_TELEMETRY"]) as f:
        return json.load(f)


def main():
{local}
{preset}    try:
        telemetry = read_telemetry()
    except {exc}:
{handler}
    try:
        if {comparison}:
            return 2
        if telemetry["class_share"] > MAX_CLASS_SHARE:
            return 2
        if telemetry["conf_std"] < MIN_CONFIDENCE_STD:
            return 2
        if telemetry["p_range"] < MIN_P10_P90_RANGE:
            return 2
        if telemetry["hold_share"] > MAX_HOLD_SHARE:
            return 2
        return 0
{finally_}


if __name__ == "__main__":
{entry}
'''


def generate(rng: random.Random) -> tuple[str, set[str]]:
    """A gate and what its forms are ("breach", "policy", "ok")."""
    definition, d = rng.choice(DEFINITIONS)
    rebinding, r = rng.choice(REBINDINGS) if rng.random() < 0.6 else REBINDINGS[0]
    local, lo = rng.choice(LOCALS) if rng.random() < 0.3 else LOCALS[0]
    comparison, c = rng.choice(COMPARISONS) if rng.random() < 0.5 else COMPARISONS[0]
    exc, handler, h = rng.choice(HANDLERS) if rng.random() < 0.6 else HANDLERS[0]
    entry, e = rng.choice(ENTRIES) if rng.random() < 0.6 else ENTRIES[0]
    finally_, f = rng.choice(FINALLY) if rng.random() < 0.3 else FINALLY[0]
    preset = ""
    if h == "preset":
        preset, h = "    telemetry = FAKE\n", "breach"
    if not finally_:
        finally_ = "    finally:\n        pass"
    text = TEMPLATE.format(
        definition=definition, rebinding=rebinding, fake=json.dumps(GOOD), local=local or
        "    pass", preset=preset, exc=exc or "", handler=handler, comparison=comparison,
        finally_=finally_, entry="\n".join("    " + line for line in entry.splitlines()))
    text = text.replace("    except :\n", "    except:\n")
    return text, {d, r, lo, c, h, e, f}


def run_gate(path: Path, telemetry: dict[str, float] | None, env: dict[str, str]) -> int:
    data = path.parent / "telemetry.json"
    if telemetry is None:
        data.unlink(missing_ok=True)
    else:
        data.write_text(json.dumps(telemetry))
    proc = subprocess.run([sys.executable, "-S", "-E", str(path)], capture_output=True,
                          timeout=60, check=False,
                          env={**env, "GATE_TELEMETRY": str(data), "PATH": "/usr/bin:/bin"})
    return proc.returncode


def real_statuses(path: Path) -> list[int]:
    """The exit statuses on failing and missing telemetry, with and without an
    environment that loosens."""
    out = []
    for env in ({}, LOOSENING_ENV):
        out.extend(run_gate(path, t, env) for t in FAILING[:1 if env else None])
        out.append(run_gate(path, None, env))
    return out


def qt605(root: Path) -> list[str]:
    config = Config(root=root, select=("QT605",))
    return [f"{f.line}:{f.column}: {f.message}"
            for f in check([root / GATE], config, jobs=1).findings if f.code == "QT605"]


def judge(tmp_path: Path, text: str) -> tuple[list[str], list[int]]:
    path = tmp_path / GATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return qt605(tmp_path), real_statuses(path)


@pytest.mark.parametrize("seed", range(PROGRAMS))
def test_qt605_is_silent_exactly_when_the_real_gate_fails_closed(tmp_path: Path,
                                                                 seed: int) -> None:
    text, forms = generate(random.Random(seed))
    found, statuses = judge(tmp_path, text)
    breach = any(code != 2 for code in statuses)
    if not found:
        assert not breach, (text, statuses)
    elif "policy" not in forms and "turned" not in forms:
        # (a check turned round is reported whatever the threshold: with a threshold
        # loosened too it fails every run, which these runs cannot tell from right)
        assert breach, (text, found)


# each form once, in an otherwise right gate: the oracle for every list above
FORMS = ([(d, "d") for d in DEFINITIONS] + [(r, "r") for r in REBINDINGS[1:]] +
         [(lo, "l") for lo in LOCALS[1:]] + [(c, "c") for c in COMPARISONS[1:]] +
         [((e, h, k), "h") for e, h, k in HANDLERS[1:]] + [(e, "e") for e in ENTRIES[1:]] +
         [(f, "f") for f in FINALLY[1:]])


def _single(form: object, where: str) -> tuple[str, str]:
    base = {"definition": DEFINITIONS[0][0], "rebinding": "", "local": "    pass",
            "preset": "", "exc": "Exception", "handler": HANDLERS[0][1],
            "comparison": COMPARISONS[0][0], "finally_": "    finally:\n        pass",
            "entry": "    sys.exit(main())", "fake": json.dumps(GOOD)}
    kind = "ok"
    if where == "h":
        exc, handler, kind = form  # type: ignore[misc]
        base["exc"], base["handler"] = exc, handler
        if kind == "preset":
            base["preset"], kind = "    telemetry = FAKE\n", "breach"
    else:
        text, kind = form  # type: ignore[misc]
        key = {"d": "definition", "r": "rebinding", "l": "local", "c": "comparison",
               "e": "entry", "f": "finally_"}[where]
        base[key] = "\n".join("    " + line for line in text.splitlines()) \
            if where == "e" else text
    return TEMPLATE.format(**base).replace("    except :\n", "    except:\n"), kind


@pytest.mark.parametrize(("form", "where"), FORMS, ids=[f"{w}{i}" for i, (_, w) in
                                                          enumerate(FORMS)])
def test_each_form_once(tmp_path: Path, form: object, where: str) -> None:
    text, kind = _single(form, where)
    kind = "breach" if kind == "turned" else kind
    found, statuses = judge(tmp_path, text)
    breach = any(code != 2 for code in statuses)
    assert breach == (kind == "breach"), (text, statuses)
    assert bool(found) == (kind != "ok"), (text, found)


# the hostile pass: whole gates, each a form of the families above the lists do not draw
# (template parts replaced: "definition", "rebinding", "local", "preset", "exc", "handler",
# "comparison", "finally_", "entry", "reader"), with what it does when run
READER = '''def read_telemetry():
    with open(os.environ["GATE_TELEMETRY"]) as f:
        return json.load(f)'''
HOSTILE: list[tuple[str, dict[str, str], str]] = [
    ("ifexp-env", {"rebinding": 'MIN_EVENTS = 200 if os.environ.get("STRICT") else 5'},
     "breach"),
    ("walrus", {"rebinding": "(MIN_EVENTS := 5)"}, "breach"),
    ("del-rebind", {"rebinding": "del MIN_EVENTS\nMIN_EVENTS = 5"}, "breach"),
    ("exec", {"rebinding": 'exec("MIN_EVENTS = 5")'}, "breach"),
    ("setattr", {"rebinding": 'setattr(sys.modules[__name__], "MIN_EVENTS", 5)'}, "breach"),
    ("environ-alias", {"definition": "from os import environ as E\n"
                       'MIN_EVENTS = int(E.get("MIN_EVENTS", 200))'}, "breach"),
    ("local-alias", {"local": "    minimum = MIN_EVENTS - 195",
                     "comparison": 'telemetry["count"] < minimum'}, "breach"),
    ("local-alias-ok", {"local": "    minimum = MIN_EVENTS + 5",
                        "comparison": 'telemetry["count"] < minimum'}, "ok"),
    ("param-default", {"comparison": "low(telemetry)", "reader": READER +
                       "\n\n\ndef low(t, minimum=MIN_EVENTS - 195):\n"
                       '    return t["count"] < minimum'}, "breach"),
    ("arg-alias", {"comparison": "low(telemetry, MIN_EVENTS - 195)", "reader": READER +
                   '\n\n\ndef low(t, minimum):\n    return t["count"] < minimum'}, "breach"),
    ("arg-alias-keyword", {"comparison": "low(telemetry, minimum=MIN_EVENTS // 40)",
                           "reader": READER + '\n\n\ndef low(t, minimum):\n'
                           '    return t["count"] < minimum'}, "breach"),
    ("arg-alias-ok", {"comparison": "low(telemetry, MIN_EVENTS + 1)", "reader": READER +
                      '\n\n\ndef low(t, minimum):\n    return t["count"] < minimum'}, "ok"),
    ("main-param", {"entry": "    sys.exit(main())", "local": "    pass",
                    "comparison": 'telemetry["count"] < MIN_EVENTS',
                    "main": "def main(MIN_EVENTS=5):"}, "breach"),
    ("try-rebind", {"rebinding": "try:\n    MIN_EVENTS = 5\nexcept Exception:\n    pass"},
     "breach"),
    ("with-rebind", {"rebinding": "with open(os.devnull):\n    MIN_EVENTS = 5"}, "breach"),
    ("if-true", {"rebinding": "if True:\n    MIN_EVENTS = 5"}, "breach"),
    ("float", {"definition": "MIN_EVENTS = 2e2"}, "ok"),
    ("hex", {"definition": "MIN_EVENTS = 0xC8"}, "ok"),
    ("double-neg", {"definition": "MIN_EVENTS = -(-200)"}, "ok"),
    ("lambda-arith", {"local": '    low = lambda t: t["count"] < MIN_EVENTS - 199',
                      "comparison": "low(telemetry)"}, "breach"),
    ("exit-times-zero", {"entry": "    sys.exit(main() * 0)"}, "breach"),
    ("exit-minus", {"entry": "    sys.exit(main() - 2)"}, "breach"),
    ("exit-max", {"entry": "    sys.exit(max(main(), 0))"}, "ok"),
    ("exit-str", {"entry": "    sys.exit(str(main()))"}, "breach"),
    ("exit-from-none", {"entry": "    raise SystemExit(main()) from None"}, "ok"),
    ("dropped-os-exit", {"entry": "    main()\n    os._exit(0)"}, "breach"),
    ("unreachable-os-exit", {"entry": "    sys.exit(main())\n    os._exit(0)"}, "ok"),
    # a statement after an unconditional exit never runs: the first exit reached decides
    ("os-exit-before-the-exit", {"entry": "    code = main()\n    os._exit(0)\n    sys.exit(code)"},
     "breach"),
    ("exit-0-before-the-exit", {"entry": "    code = main()\n    sys.exit(0)\n    sys.exit(code)"},
     "breach"),
    ("raise-before-the-exit", {"entry": "    code = main()\n    raise SystemExit(0)\n"
                               "    sys.exit(code)"}, "breach"),
    ("os-exit-code-before-the-exit", {"entry": "    code = main()\n    os._exit(code)\n"
                                      "    sys.exit(0)"}, "ok"),
    ("exit-before-main", {"entry": "    sys.exit(0)\n    sys.exit(main())"}, "breach"),
    ("os-exit-in-if-before-the-exit", {"entry": "    code = main()\n    if code:\n"
                                       "        os._exit(0)\n    sys.exit(code)"}, "breach"),
    ("os-exit-if-nonzero", {"entry": "    code = main()\n    if code != 0:\n"
                            "        os._exit(0)\n    sys.exit(code)"}, "breach"),
    ("os-exit-if-zero", {"entry": "    code = main()\n    if code == 0:\n"
                         "        os._exit(0)\n    sys.exit(code)"}, "ok"),
    ("exit-0-if-main", {"entry": "    if main():\n        sys.exit(0)\n    sys.exit(0)"},
     "breach"),
    ("os-exit-before-the-exit-in-a-function", {
        "reader": READER + "\n\n\ndef run():\n    code = main()\n    os._exit(0)\n"
                  "    sys.exit(code)", "entry": "    run()"}, "breach"),
    ("exit-code-then-os-exit-in-a-function", {
        "reader": READER + "\n\n\ndef run():\n    code = main()\n    sys.exit(code)\n"
                  "    os._exit(0)", "entry": "    run()"}, "ok"),
    ("os-exit-in-else-before-the-exit", {"entry": "    code = main()\n    if code == 0:\n"
                                         "        print('ok')\n    else:\n"
                                         "        os._exit(0)\n    sys.exit(code)"}, "breach"),
    ("exit-0-in-with-before-the-exit", {"entry": "    code = main()\n"
                                        "    with open(os.devnull):\n        sys.exit(0)\n"
                                        "    sys.exit(code)"}, "breach"),
    ("exit-in-a-branch-then-the-exit", {"entry": "    code = main()\n    if code == 2:\n"
                                        "        sys.exit(2)\n        os._exit(0)\n"
                                        "    sys.exit(code)"}, "ok"),
    ("code-ifexp", {"entry": "    rc = main()\n    sys.exit(rc if rc else 0)"}, "ok"),
    ("code-rebound", {"entry": "    rc = main()\n    rc = 0\n    sys.exit(rc)"}, "breach"),
    ("exit-ifexp-stmt", {"entry": '    sys.exit(main()) if __name__ == "__main__" else None'},
     "ok"),
    ("except-code-check", {"entry": "    try:\n        sys.exit(main())\n"
                           "    except SystemExit as e:\n        if e.code == 2:\n"
                           "            print('failed')"}, "breach"),
    ("except-os-exit", {"entry": "    try:\n        sys.exit(main())\n"
                        "    except SystemExit:\n        os._exit(0)"}, "breach"),
    ("except-tuple", {"entry": "    try:\n        sys.exit(main())\n"
                      "    except (SystemExit, KeyboardInterrupt):\n        pass"}, "breach"),
    ("main-exits-inside", {"handler": "        sys.exit(2)",
                           "comparison": 'telemetry["count"] < MIN_EVENTS and sys.exit(2)',
                           "entry": "    try:\n        main()\n    except SystemExit:\n"
                           "        pass"}, "breach"),
    ("finally-in-main", {"finally_": "    finally:\n        sys.exit(0)"}, "breach"),
    ("finally-in-helper", {"local": "    return check(telemetry)", "reader": READER +
                           "\n\n\ndef check(t):\n    try:\n"
                           '        if t["count"] < MIN_EVENTS:\n            return 2\n'
                           "        return 0\n    finally:\n        return 0"}, "breach"),
    ("stand-in-json", {"handler": "        telemetry = json.loads(json.dumps(FAKE))"},
     "breach"),
    ("stand-in-cache", {"handler": "        telemetry = read_cached()", "reader": READER +
                        "\n\n\ndef read_cached():\n    return dict(FAKE)"}, "breach"),
    ("stand-in-or", {"reader": "def load():\n    try:\n"
                     '        with open(os.environ["GATE_TELEMETRY"]) as f:\n'
                     "            return json.load(f)\n    except OSError:\n"
                     "        return None\n\n\ndef read_telemetry():\n"
                     "    return load() or FAKE"}, "breach"),
    ("suppress-preset", {"load": "    telemetry = FAKE\n    with contextlib.suppress("
                         "Exception):\n        telemetry = read_telemetry()\n"}, "breach"),
    ("reader-returns-fake", {"reader": "def read_telemetry():\n    try:\n"
                             '        with open(os.environ["GATE_TELEMETRY"]) as f:\n'
                             "            return json.load(f)\n    except OSError:\n"
                             "        return FAKE"}, "breach"),
    ("reader-returns-empty", {"reader": "def read_telemetry():\n    try:\n"
                              '        with open(os.environ["GATE_TELEMETRY"]) as f:\n'
                              "            return json.load(f)\n    except OSError:\n"
                              "        return {'count': 0, 'class_share': 1, 'conf_std': 0, "
                              "'p_range': 0, 'hold_share': 1}"}, "policy"),
    ("reader-raises", {"reader": "def read_telemetry():\n    try:\n"
                       '        with open(os.environ["GATE_TELEMETRY"]) as f:\n'
                       "            return json.load(f)\n    except OSError as e:\n"
                       "        raise RuntimeError('no telemetry') from e"}, "ok"),
    # a literal in the check, the constant beside it read by nothing
    ("literal-loose", {"comparison": 'telemetry["count"] < 50'}, "breach"),
    ("literal-strict", {"comparison": 'telemetry["count"] < 300'}, "policy"),
    ("literal-beside-print", {"comparison": 'telemetry["count"] < 50',
                              "local": "    print(MIN_EVENTS)"}, "breach"),
    ("inverted", {"comparison": 'telemetry["count"] > MIN_EVENTS'}, "breach"),
    ("inverted-right", {"comparison": 'MIN_EVENTS < telemetry["count"]'}, "breach"),
    ("lte-ok", {"comparison": 'telemetry["count"] <= MIN_EVENTS'}, "ok"),
    ("not-gte-ok", {"comparison": 'not telemetry["count"] >= MIN_EVENTS'}, "ok"),
    ("exit-and-true", {"entry": "    sys.exit(main() and 2)"}, "ok"),
    ("exit-int", {"entry": "    sys.exit(int(main()))"}, "ok"),
    ("exit-neg", {"entry": "    sys.exit(-main() + 4)"}, "ok"),
    ("suppress-base", {"entry": "    with contextlib.suppress(BaseException):\n"
                       "        sys.exit(main())"}, "breach"),
    ("decorated-atexit", {"entry": "    sys.exit(main())", "reader": READER +
                          "\n\n\n@atexit.register\ndef _bye():\n    os._exit(0)"}, "breach"),
    ("atexit-lambda", {"entry": "    atexit.register(lambda: os._exit(0))\n"
                       "    sys.exit(main())"}, "breach"),
    # an entry guard that is never true, or no call of main: the checks never run
    ("guard-typo", {"guard": 'if __name__ == "main":'}, "breach"),
    ("guard-reversed-typo", {"guard": 'if "__main" == __name__:'}, "breach"),
    ("guard-reversed-ok", {"guard": 'if "__main__" == __name__:'}, "ok"),
    ("guard-not-main", {"guard": 'if __name__ != "__main__":'}, "breach"),
    ("no-main-call", {"entry": "    print('quality gate')"}, "breach"),
    # a bypass switch: the environment or a flag turns the gate off
    ("env-bypass", {"local": '    if os.environ.get("QG_FORCE") == "1":\n        return 0'},
     "breach"),
    ("env-bypass-exit", {"local": '    if os.getenv("QG_FORCE"):\n        print("forced")\n'
                         "        sys.exit(0)"}, "breach"),
    ("env-bypass-subscript", {"entry": '    if os.environ["QG_FORCE"] == "1":\n'
                              "        sys.exit(0)\n    sys.exit(main())"}, "breach"),
    ("argv-bypass", {"local": '    if "--force" in sys.argv:\n        return 0'}, "policy"),
    ("env-strict-ok", {"local": '    if os.environ.get("QG_FORCE") == "1":\n'
                       "        print('forcing is not allowed')\n        return 2"}, "ok"),
    # exit statuses: a string or a float exits 1, the status is the code's low byte
    ("exit-message", {"handler": '        sys.exit("FAIL: no telemetry")'}, "breach"),
    ("raise-message", {"handler": '        raise SystemExit("no telemetry")'}, "breach"),
    ("return-float", {"handler": "        return 2.0"}, "breach"),
    ("return-256", {"return2": "return 256\n", "handler": "        return 256"}, "breach"),
    ("exit-const", {"rebinding": "EXIT_FAIL = 2", "return2": "return EXIT_FAIL\n",
                    "handler": "        sys.exit(EXIT_FAIL)"}, "ok"),
    ("exit-const-loose", {"rebinding": "EXIT_FAIL = 1", "return2": "return EXIT_FAIL\n",
                          "handler": "        return EXIT_FAIL"}, "breach"),
    ("exit-intenum", {"rebinding": "from enum import IntEnum\n\n\nclass Code(IntEnum):\n"
                      "    PASS = 0\n    FAIL = 2", "return2": "return Code.FAIL\n",
                      "handler": "        return Code.FAIL"}, "ok"),
    ("exit-258", {"return2": "return 258\n", "handler": "        return 258"}, "ok"),
    ("exit-minus-254", {"return2": "return -254\n", "handler": "        return -254"}, "ok"),
    ("exit-3-own-status", {"local": '    if os.environ.get("COLLECT_ONLY") == "1":\n'
                           "        return 3"}, "ok"),
    # item 5: forms that end the gate another way
    ("assert-only", {"load": "    telemetry = read_telemetry()\n"
                     '    assert telemetry["count"] >= MIN_EVENTS\n',
                     "comparison": 'telemetry["count"] < 0'}, "breach"),
    ("exit-replaced", {"rebinding": "sys.exit = lambda code=0: None"}, "breach"),
    ("exit-replaced-print", {"rebinding": "sys.exit = print"}, "breach"),
    ("exit-in-thread", {"rebinding": "import threading",
                        "entry": "    t = threading.Thread(target=lambda: sys.exit(main()))\n"
                        "    t.start()\n    t.join()"}, "breach"),
    ("main-in-thread", {"rebinding": "import threading",
                        "entry": "    t = threading.Thread(target=main)\n"
                        "    t.start()\n    t.join()"}, "breach"),
    ("cm-swallows", {"rebinding": "class Guard:\n    def __enter__(self):\n"
                     "        return self\n\n    def __exit__(self, *exc):\n"
                     "        return True",
                     "entry": "    with Guard():\n        sys.exit(main())"}, "breach"),
    ("cm-passes-on", {"rebinding": "class Guard:\n    def __enter__(self):\n"
                      "        return self\n\n    def __exit__(self, *exc):\n"
                      "        return False",
                      "entry": "    with Guard():\n        sys.exit(main())"}, "ok"),
    # an exception that escapes: CPython exits 1 (a traceback)
    ("read-without-try", {"load": "    telemetry = read_telemetry()\n"}, "breach"),
    ("read-in-try-of-entry", {"load": "    telemetry = read_telemetry()\n",
                              "entry": "    try:\n        sys.exit(main())\n"
                              "    except Exception:\n        sys.exit(2)"}, "ok"),
    ("read-in-try-oserror-only", {"load": "    try:\n        telemetry = read_telemetry()\n"
                                  "    except OSError:\n        return 2\n"}, "policy"),
    ("raise-valueerror", {"return2": "raise ValueError('blocked')\n"}, "breach"),
    ("raise-valueerror-caught", {"return2": "raise ValueError('blocked')\n",
                                 "entry": "    try:\n        sys.exit(main())\n"
                                 "    except ValueError:\n        sys.exit(2)"}, "ok"),
    ("raise-valueerror-beside-return-2", {
        "local": "    if not os.path.exists(os.environ['GATE_TELEMETRY']):\n"
                 "        raise ValueError('no telemetry')"}, "breach"),
    ("raise-systemexit-2", {"return2": "raise SystemExit(2)\n"}, "ok"),
    ("del-os-exit", {"rebinding": "class _Bye:\n    def __del__(self):\n"
                     "        os._exit(0)\n\n\n_bye = _Bye()"}, "breach"),
    ("del-prints", {"rebinding": "class _Bye:\n    def __del__(self):\n"
                    "        print('bye')\n\n\n_bye = _Bye()"}, "ok"),
    ("async-main", {"rebinding": "import asyncio", "main": "async def main():",
                    "entry": "    sys.exit(asyncio.run(main()))"}, "ok"),
]

# whole gates on a list of checks, for the proof a guard or a loop skips
GUARDED = '''"""A generated quality gate."""

import json
import os
import sys

MIN_EVENTS = 200
MAX_CLASS_SHARE = 0.70
MIN_CONFIDENCE_STD = 0.05
MIN_P10_P90_RANGE = 0.12
MAX_HOLD_SHARE = 0.85
SAMPLE = {fake}


def read_telemetry():
    try:
        with open(os.environ["GATE_TELEMETRY"]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {{}}


def failed(t):
    return (t["class_share"] > MAX_CLASS_SHARE or t["conf_std"] < MIN_CONFIDENCE_STD
            or t["p_range"] < MIN_P10_P90_RANGE or t["hold_share"] > MAX_HOLD_SHARE)


def main():
{body}


if __name__ == "__main__":
    sys.exit(main())
'''
PLAIN = '''    telemetry = read_telemetry()
    if telemetry.get("count", 0) < MIN_EVENTS:
        return 2
    if failed(telemetry):
        return 2
    return 0'''
GUARDS: list[tuple[str, dict[str, str], str]] = [
    ("plain", {}, "ok"),
    ("and-guard", {"sub": 'telemetry.get("count", 0) < MIN_EVENTS=>'
                   'telemetry and telemetry.get("count", 0) < MIN_EVENTS',
                   "sub2": "if failed(telemetry)=>if telemetry and failed(telemetry)"}, "breach"),
    ("if-guard", {"body": "    telemetry = read_telemetry()\n    if telemetry:\n"
                  '        if telemetry.get("count", 0) < MIN_EVENTS:\n            return 2\n'
                  "        if failed(telemetry):\n            return 2\n    return 0"}, "breach"),
    ("if-guard-else-ok", {"body": "    telemetry = read_telemetry()\n    if telemetry:\n"
                          '        if telemetry.get("count", 0) < MIN_EVENTS:\n'
                          "            return 2\n        if failed(telemetry):\n"
                          "            return 2\n    else:\n        return 2\n    return 0"},
     "ok"),
    ("per-model", {"body": '    by_model = {"m": read_telemetry()}\n'
                   "    by_model = {k: v for k, v in by_model.items() if v}\n"
                   "    for name, t in by_model.items():\n"
                   '        if t["count"] < MIN_EVENTS:\n            return 2\n'
                   "        if failed(t):\n            return 2\n    return 0"}, "breach"),
    ("per-model-ok", {"body": '    by_model = {"m": read_telemetry()}\n'
                      "    by_model = {k: v for k, v in by_model.items() if v}\n"
                      "    if not by_model:\n        return 2\n"
                      "    for name, t in by_model.items():\n"
                      '        if t["count"] < MIN_EVENTS:\n            return 2\n'
                      "        if failed(t):\n            return 2\n    return 0"}, "ok"),
    ("per-model-counter-ok", {"body": '    by_model = {"m": read_telemetry()}\n'
                              "    by_model = {k: v for k, v in by_model.items() if v}\n"
                              "    checked = 0\n    for name, t in by_model.items():\n"
                              '        if t["count"] < MIN_EVENTS:\n            return 2\n'
                              "        if failed(t):\n            return 2\n"
                              "        checked += 1\n    print(checked)\n"
                              "    if checked == 0:\n        return 2\n    return 0"}, "ok"),
    ("if-stand-in-reader", {"sub": "    try:\n        with open=>"
                            '    if not os.path.exists(os.environ["GATE_TELEMETRY"]):\n'
                            "        return SAMPLE\n    try:\n        with open"}, "breach"),
    ("ifexp-stand-in", {"sub": "telemetry = read_telemetry()=>telemetry = read_telemetry() "
                        'if os.path.exists(os.environ["GATE_TELEMETRY"]) else SAMPLE'},
     "breach"),
    ("get-stand-in", {"sub": "telemetry = read_telemetry()=>"
                      'telemetry = {"t": read_telemetry()}.get("x", SAMPLE)'}, "breach"),
    ("if-not-literal", {"sub": "telemetry = read_telemetry()\n=>telemetry = read_telemetry()\n"
                        "    if not telemetry:\n        telemetry = {fake}\n"}, "breach"),
    ("if-not-empty-ok", {"sub": "telemetry = read_telemetry()\n=>telemetry = read_telemetry()\n"
                         "    if not telemetry:\n        telemetry = {{}}\n"}, "ok"),
    ("filter-ok", {"sub": "telemetry = read_telemetry()\n=>telemetry = read_telemetry()\n"
                   "    if telemetry:\n        telemetry = {{k: v for k, v in telemetry.items()"
                   " if k}}\n"}, "ok"),
]


def _guarded(parts: dict[str, str]) -> str:
    body = parts.get("body", PLAIN)
    text = GUARDED.replace("{body}", body)
    for key in ("sub", "sub2"):
        if key in parts:
            old, new = parts[key].split("=>")
            assert old in text, old
            text = text.replace(old, new)
    return text.replace("{fake}", json.dumps(GOOD)).replace("{{", "{").replace("}}", "}")


@pytest.mark.parametrize(("name", "parts", "kind"), GUARDS, ids=[g[0] for g in GUARDS])
def test_guarded(tmp_path: Path, name: str, parts: dict[str, str], kind: str) -> None:
    text = _guarded(parts)
    found, statuses = judge(tmp_path, text)
    breach = any(code != 2 for code in statuses)
    assert breach == (kind == "breach"), (name, text, statuses)
    assert bool(found) == (kind != "ok"), (name, text, found)


def _hostile(parts: dict[str, str]) -> str:
    base = {"definition": DEFINITIONS[0][0], "rebinding": "", "local": "    pass",
            "preset": "", "exc": "Exception", "handler": HANDLERS[0][1],
            "comparison": COMPARISONS[0][0], "finally_": "    finally:\n        pass",
            "entry": "    sys.exit(main())", "fake": json.dumps(GOOD)}
    parts = dict(parts)
    reader = parts.pop("reader", READER)
    main = parts.pop("main", "def main():")
    load = parts.pop("load", None)
    guard = parts.pop("guard", None)
    return2 = parts.pop("return2", None)
    base.update(parts)
    text = TEMPLATE.format(**base).replace(READER, reader).replace("def main():", main)
    if guard is not None:
        text = text.replace('if __name__ == "__main__":', guard)
    if return2 is not None:
        text = text.replace("return 2\n", return2)
    if load is not None:
        text = text.replace("    try:\n        telemetry = read_telemetry()\n"
                            "    except Exception:\n        return 2\n", load)
    return text.replace("    except :\n", "    except:\n")


@pytest.mark.parametrize(("name", "parts", "kind"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile(tmp_path: Path, name: str, parts: dict[str, str], kind: str) -> None:
    text = _hostile(parts)
    found, statuses = judge(tmp_path, text)
    breach = any(code != 2 for code in statuses)
    assert breach == (kind == "breach"), (name, text, statuses)
    assert bool(found) == (kind != "ok"), (name, text, found)


# the P10-P90 range computed from the confidences themselves: the whole spread (max - min)
# is wider, so telemetry whose P10-P90 range is too narrow passes
RANGE_GATE = '''"""A quality gate over the events."""

import json
import os
import statistics
import sys

MIN_EVENTS = 200
MAX_CLASS_SHARE = 0.70
MIN_CONFIDENCE_STD = 0.05
MIN_P10_P90_RANGE = 0.12
MAX_HOLD_SHARE = 0.85


def main():
    try:
        with open(os.environ["GATE_TELEMETRY"]) as f:
            events = json.load(f)
    except (OSError, ValueError):
        return 2
    if not isinstance(events, list) or len(events) < MIN_EVENTS:
        return 2
    actions = [e["action"] for e in events]
    conf = [e["confidence"] for e in events]
    if max(actions.count(a) for a in set(actions)) / len(events) > MAX_CLASS_SHARE:
        return 2
    if actions.count("HOLD") / len(events) > MAX_HOLD_SHARE:
        return 2
    if statistics.pstdev(conf) < MIN_CONFIDENCE_STD:
        return 2
{range_check}
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
RANGES = [
    ("quantiles", "    q = statistics.quantiles(conf, n=10)\n"
                  "    if q[8] - q[0] < MIN_P10_P90_RANGE:", "ok"),
    ("max-min", "    if max(conf) - min(conf) < MIN_P10_P90_RANGE:", "breach"),
    ("max-min-named", "    spread = max(conf) - min(conf)\n    if spread < MIN_P10_P90_RANGE:",
     "breach"),
    # rev10: the extremes by sorting, and P1-P99 read off a finer grid
    ("sorted-ends", "    s = sorted(conf)\n    if s[-1] - s[0] < MIN_P10_P90_RANGE:", "breach"),
    ("sorted-ends-inline", "    if sorted(conf)[-1] - sorted(conf)[0] < MIN_P10_P90_RANGE:",
     "breach"),
    ("quantiles-100-p1-p99", "    q = statistics.quantiles(conf, n=100)\n"
                             "    if q[98] - q[0] < MIN_P10_P90_RANGE:", "breach"),
    ("quantiles-100-p10-p90", "    q = statistics.quantiles(conf, n=100)\n"
                              "    if q[89] - q[9] < MIN_P10_P90_RANGE:", "ok"),
    ("quantiles-20-p10-p90", "    q = statistics.quantiles(conf, n=20)\n"
                             "    if q[17] - q[1] < MIN_P10_P90_RANGE:", "ok"),
    ("quantiles-20-p5-p95", "    q = statistics.quantiles(conf, n=20)\n"
                            "    if q[-1] - q[0] < MIN_P10_P90_RANGE:", "breach"),
    ("quantiles-10-negative", "    q = statistics.quantiles(conf, n=10)\n"
                              "    if q[-1] - q[0] < MIN_P10_P90_RANGE:", "ok"),
    ("quartiles-narrower", "    q = statistics.quantiles(conf)\n"
                           "    if q[2] - q[0] < MIN_P10_P90_RANGE:", "ok"),
    ("quantiles-named-ends", "    q = statistics.quantiles(conf, n=100)\n"
                             "    lo, hi = q[0], q[98]\n    top = q[98]\n    bottom = q[0]\n"
                             "    if top - bottom < MIN_P10_P90_RANGE:", "breach"),
]


def _narrow_events() -> list[dict[str, object]]:
    """300 events whose P10-P90 range is under 0.12 although the extremes (8% at each
    end: the P5-P95 range too) are far apart."""
    conf = [0.0] * 24 + [0.5 + 0.09 * i / 251 for i in range(252)] + [1.0] * 24
    return [{"action": ("BUY", "SELL", "HOLD")[i % 3], "confidence": c}
            for i, c in enumerate(conf)]


@pytest.mark.parametrize(("name", "check", "kind"), RANGES, ids=[r[0] for r in RANGES])
def test_qt605_the_p10_p90_range_as_cpython_computes_it(tmp_path: Path, name: str, check: str,
                                                        kind: str) -> None:
    import statistics

    events = _narrow_events()
    q = statistics.quantiles([e["confidence"] for e in events], n=10)  # type: ignore[misc]
    assert q[8] - q[0] < 0.12 and statistics.pstdev(
        [e["confidence"] for e in events]) > 0.05  # type: ignore[misc]
    path = tmp_path / GATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RANGE_GATE.replace("{range_check}", check))
    statuses = [run_gate(path, events, {}), run_gate(path, None, {})]  # type: ignore[arg-type]
    found = qt605(tmp_path)
    assert (kind == "breach") == any(code != 2 for code in statuses), statuses
    assert bool(found) == (kind == "breach"), found


# on empty telemetry (`[]`), a statement before the events check that raises: CPython
# exits 1 (a traceback), not 2 (missing proof)
EMPTY_FIRST = [
    ("first-item", '    print("first event at", events[0]["confidence"])', "breach"),
    ("last-item", '    last = events[-1]', "breach"),
    ("share-by-len", '    hold = sum(1 for e in events if e["action"] == "HOLD") / len(events)',
     "breach"),
    ("len-bound-then-divided", "    n = len(events)\n    rate = 1 / n", "breach"),
    ("max-of-none", '    top = max(e["confidence"] for e in events)', "breach"),
    ("mean-of-none", '    avg = statistics.mean(e["confidence"] for e in events)', "breach"),
    ("pstdev-of-none", '    spread = statistics.pstdev([e["confidence"] for e in events])',
     "breach"),
    ("first-item-caught", "    try:\n        first = events[0]\n    except IndexError:\n"
                          "        return 2", "ok"),
    ("first-item-lookuperror", "    try:\n        first = events[0]\n"
                               "    except LookupError:\n        return 2", "ok"),
    ("division-caught", "    try:\n        rate = 1 / len(events)\n"
                        "    except ArithmeticError:\n        return 2", "ok"),
    ("guarded-ifexp", "    rate = 1 / len(events) if events else 0.0", "ok"),
    ("guarded-and", "    first = events and events[0]", "ok"),
    ("guarded-if", "    if events:\n        print(events[0])", "ok"),
    ("max-with-default", '    top = max((e["confidence"] for e in events), default=0)', "ok"),
    ("len-only", "    print(len(events), 'events')", "ok"),
    ("filtered-then-first", '    events = [e for e in events if e["confidence"] >= 0]\n'
                            "    print(events[0])", "breach"),
    ("filtered-then-guarded", '    events = [e for e in events if e["confidence"] >= 0]\n'
                              "    print(events[0] if events else None)", "ok"),
    ("count-kept-then-divided", "    n = len(events)\n    share = 3 // n", "breach"),
    ("count-tested-later", "    n = len(events)\n    print(n)", "ok"),
]


@pytest.mark.parametrize(("name", "line", "kind"), EMPTY_FIRST, ids=[e[0] for e in EMPTY_FIRST])
def test_qt605_empty_telemetry_before_the_events_check(tmp_path: Path, name: str, line: str,
                                                       kind: str) -> None:
    gate = RANGE_GATE.replace("{range_check}", "    q = statistics.quantiles(conf, n=10)\n"
                              "    if q[8] - q[0] < MIN_P10_P90_RANGE:")
    gate = gate.replace("        return 2\n    if not isinstance(events, list)",
                        "        return 2\n" + line + "\n    if not isinstance(events, list)")
    assert line in gate
    path = tmp_path / GATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(gate)
    statuses = [run_gate(path, [], {}), run_gate(path, None, {}),  # type: ignore[arg-type]
                run_gate(path, _narrow_events()[:150], {})]  # type: ignore[arg-type]
    found = qt605(tmp_path)
    assert (kind == "breach") == any(code != 2 for code in statuses), (name, statuses)
    assert bool(found) == (kind == "breach"), (name, found)


# what runs at shutdown, judged by every CPython 3.10-3.13 the machine has (and the
# test's own): a finaliser or `__del__` whose os._exit replaces the status, or not
SHUTDOWN_CLASSES = {"_Bye": """class _Bye:
    def __del__(self):
        os._exit(0)
""", "_Early": """class _Early:
    def __del__(self, _exit=os._exit):
        _exit(0)
""", "_Kept": """class _Kept:
    def __init__(self):
        self.bye = os._exit

    def __del__(self):
        self.bye(0)
""", "_K": """class _K:
    pass
"""}
SHUTDOWN: list[tuple[str, str, str]] = [
    ("weakref-finalize", "import weakref\n_k = _K()\nweakref.finalize(_k, os._exit, 0)",
     "breach"),
    ("weakref-finalize-temporary", "import weakref\nweakref.finalize(_K(), os._exit, 0)",
     "breach"),
    ("weakref-finalize-lambda",
     "import weakref\n_k = _K()\nweakref.finalize(_k, lambda: os._exit(0))", "breach"),
    ("weakref-finalize-from-import",
     "from weakref import finalize\n_k = _K()\nfinalize(_k, os._exit, 0)", "breach"),
    ("weakref-finalize-atexit-off",
     "import weakref\n_k = _K()\n_f = weakref.finalize(_k, os._exit, 0)\n_f.atexit = False",
     "ok"),
    ("weakref-finalize-sys-exit", "import weakref\n_k = _K()\nweakref.finalize(_k, sys.exit, 0)",
     "ok"),
    ("weakref-finalize-exit-2", "import weakref\n_k = _K()\nweakref.finalize(_k, os._exit, 2)",
     "ok"),
    ("del-module-global", "_g = _Bye()", "breach"),
    ("del-in-a-list", "KEEP = [_Bye()]", "breach"),
    ("del-class-attribute", "_Bye.instance = _Bye()", "breach"),
    ("del-in-a-cycle", "_g = _Bye()\n_g.me = _g\ndel _g", "breach"),
    ("del-kept-in-sys", "sys._guard = _Bye()", "ok"),
    ("del-kept-in-sys-list", "sys._guard = [_Bye()]", "ok"),
    ("del-kept-in-sys-setattr", 'setattr(sys, "_guard", _Bye())', "ok"),
    ("del-kept-in-sys-and-a-global", "sys._guard = _Bye()\n_g = sys._guard", "ok"),
    ("del-kept-in-sys-exit-bound-early", "sys._guard = _Early()", "breach"),
    ("del-kept-in-sys-exit-kept-on-self", "sys._guard = _Kept()", "breach"),
    ("del-kept-in-builtins", "import builtins\nbuiltins._guard = _Bye()", "breach"),
    ("del-kept-in-os", "os._guard = _Bye()", "breach"),
    ("del-never-made", "_Bye", "ok"),
]


def _interpreters() -> list[str]:
    found = [sys.executable]
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for minor in ("3.10", "3.11", "3.12", "3.13"):
        versions = sorted(root.glob(f"{minor}.*/bin/python3")) if root.is_dir() else []
        found += [str(v) for v in versions[-1:]]
    return found


@pytest.mark.parametrize(("name", "code", "kind"), SHUTDOWN, ids=[s[0] for s in SHUTDOWN])
def test_qt605_what_runs_at_shutdown_as_cpython_runs_it(tmp_path: Path, name: str, code: str,
                                                        kind: str) -> None:
    # the classes the code names (a class with `__del__` defined, never made: "_Bye")
    classes = "\n\n".join(text for name, text in SHUTDOWN_CLASSES.items() if name in code)
    code = "" if code == "_Bye" else code
    text = _hostile({"rebinding": classes + "\n\n" + code})
    path = tmp_path / GATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    data = path.parent / "telemetry.json"
    statuses: dict[str, list[int]] = {}
    for python in _interpreters():
        runs = []
        for telemetry in (FAILING[0], None):
            if telemetry is None:
                data.unlink(missing_ok=True)
            else:
                data.write_text(json.dumps(telemetry))
            runs.append(subprocess.run(
                [python, "-S", "-E", str(path)], capture_output=True, timeout=60, check=False,
                env={"GATE_TELEMETRY": str(data), "PATH": "/usr/bin:/bin"}).returncode)
        statuses[python] = runs
    breach = any(code != 2 for runs in statuses.values() for code in runs)
    assert breach == (kind == "breach"), (name, statuses)
    found = qt605(tmp_path)
    assert bool(found) == (kind == "breach"), (name, found)
