"""The model-safety configuration (`[tool.qt-lint.contract]`) and what it changes in the
rules that read the canary, gate, rollback and wrapper scripts (QT601, QT604-QT608)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config, ConfigError, Contract, parse_contract
from qt_lint.golden_models import canary, makefile, quality_gate, rollback
from tests.conftest import qt_lint


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _found(root: Path, contract: Contract, codes: tuple[str, ...]) -> list[str]:
    config = Config(root=root, select=codes, contract=contract)
    out = []
    for f in check([root], config, jobs=1).findings:
        path = Path(f.path)
        rel = path.relative_to(root).as_posix() if path.is_absolute() else f.path
        out.append(f"{rel}:{f.line}:{f.code}")
    return sorted(out)


@pytest.mark.parametrize(("table", "needle"), [
    ({"gate-max-class-share": 1.5}, "contract.gate-max-class-share: expected a number from 0 to 1"),
    ({"gate-min-confidence-std": True}, "contract.gate-min-confidence-std: expected a number"),
    ({"gate-min-events": -1}, "contract.gate-min-events: expected a non-negative integer"),
    ({"canary-script": "/opt/canary.sh"},
     "contract.canary-script: expected a path relative to the repository root"),
    ({"rollback-script": "../x.sh"}, "contract.rollback-script: expected a path relative"),
    ({"hard-dependencies": "yes"}, "contract.hard-dependencies: expected true or false"),
])
def test_bad_values_are_config_errors(table: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        parse_contract(table)


def test_the_schema_knows_the_keys(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads(qt_lint("config", "--schema", cwd=tmp_path).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    good = {"contract": {"canary-script": "ops/canary.sh", "gate-max-class-share": 0.6,
                         "gate-min-events": 500, "hard-dependencies": False}}
    assert not list(validator.iter_errors(good))
    for bad in ({"contract": {"gate-max-hold-share": 2}}, {"contract": {"quality-gate": "/x"}},
                {"contract": {"hard-dependencies": "no"}}):
        assert list(validator.iter_errors(bad)), bad


def test_defaults_are_the_contracts() -> None:
    c = Contract()
    assert (c.canary_script, c.quality_gate, c.rollback_script) == (
        "ops/model_safety/canary_activate.sh", "ops/model_safety/quality_gate.py",
        "ops/model_safety/rollback_last.sh")
    assert (c.gate_min_events, c.gate_max_class_share, c.gate_min_confidence_std,
            c.gate_min_p10_p90, c.gate_max_hold_share) == (200, 0.70, 0.05, 0.12, 0.85)
    assert c.hard_dependencies is True and c.canary_name == "canary_activate.sh"


def test_the_golden_scripts_pass_and_configured_paths_move_the_rules(tmp_path: Path) -> None:
    c = Contract()
    codes = ("QT604", "QT605", "QT606", "QT607", "QT608")
    _write(tmp_path, {c.canary_script: canary(c), c.quality_gate: quality_gate(c),
                      c.rollback_script: rollback(c), "Makefile": makefile(c)})
    assert _found(tmp_path, c, codes) == []
    # the same canary under another name is judged when the contract names it
    moved = Contract(canary_script="ops/activate.sh")
    _write(tmp_path, {"ops/activate.sh": "#!/bin/sh\nsed -i s/A/B/ /etc/quantum/x.env\n"})
    found = _found(tmp_path, moved, ("QT604",))
    assert found and all(f.startswith("ops/activate.sh:2:QT604") for f in found)


def test_a_stricter_team_threshold_is_applied(tmp_path: Path) -> None:
    c = Contract()
    _write(tmp_path, {c.quality_gate: quality_gate(c)})
    assert _found(tmp_path, c, ("QT605",)) == []
    stricter = Contract(gate_min_events=500)
    assert _found(tmp_path, stricter, ("QT605",)) == [f"{c.quality_gate}:5:QT605"]


def test_a_team_activation_verb(tmp_path: Path) -> None:
    _write(tmp_path, {"ops/train.py": "if score > best:\n    go_live(model)\n"})
    assert _found(tmp_path, Contract(), ("QT601",)) == []
    verbs = Contract(activation_verbs=("go_live*",))
    assert _found(tmp_path, verbs, ("QT601",)) == ["ops/train.py:2:QT601"]


def test_a_warm_cache_sees_the_programs_the_canary_runs_and_the_gate(tmp_path: Path) -> None:
    """QT604 reads the programs the canary runs and the gate's code: the canary's cached
    result changes when either changes (its own text does not)."""
    c = Contract()
    canary_text = "".join(line + "\n" for line in (
        "#!/usr/bin/env bash", "set -euo pipefail", 'MODEL="${1:?m}"', 'VERSION="${2:?v}"',
        "[ -t 0 ] || exit 1", "ops/run.sh ai-engine ops/model_safety/quality_gate.py --fast",
        'read -r -p "Type yes: " answer', '[ "$answer" = yes ] || exit 1',
        'ops/run.sh ai-engine ops/model_safety/promote.py "$MODEL"',
        'cp /etc/quantum/ai-engine.env "/opt/quantum/ai_engine/models/archive/$(date +%s)'
        '_${MODEL}_${VERSION}"', "git rev-parse HEAD >> /var/log/quantum/activation.log"))
    _write(tmp_path / "repo", {
        c.canary_script: canary_text,
        "ops/model_safety/promote.py": "print('nothing written')\n",
        c.quality_gate: "import sys\nsys.exit(2)\n"})
    repo, env = tmp_path / "repo", {"XDG_CACHE_HOME": str(tmp_path / "cache")}

    def found() -> list[str]:
        proc = qt_lint("check", "--isolated", "--select", "QT604", "--format", "json", ".",
                       cwd=repo, env=env)
        return sorted(f"{f['line']}:{f['message'].split(': ', 1)[1][:30]}"
                      for f in json.loads(proc.stdout)["findings"])

    assert found() == []  # the program writes nothing: no model change to judge
    (repo / "ops/model_safety/promote.py").write_text(
        "open('/etc/quantum/ai-engine.env', 'a').write('ACTIVE_MODEL=x\\n')\n")
    assert found() == ["9:no copy of what this write rep"]  # it writes before the copy
    (repo / c.quality_gate).write_text(
        "import sys\nif '--fast' in sys.argv:\n    sys.exit(0)\nsys.exit(2)\n")
    assert found() == ["9:no copy of what this write rep", "9:the quality gate run at line 6"]


# recipe lines after the gate's run, each judged by real GNU make with a gate that fails
RECIPE_TAILS = ["", "|| true", "|| :", "|| echo failed", "|| exit 0", "; true", "; exit 0",
                "| tee gate.log", "&", "&& echo passed", "|| { echo failed; exit 1; }",
                "|| exit $$?", "; exit 1", '--note "a;b" || true', "--note 'x|y'"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize("tail", RECIPE_TAILS)
def test_qt606_reports_a_recipe_line_exactly_when_make_passes_a_failing_gate(
        tmp_path: Path, tail: str) -> None:
    """The oracle is make itself: with a wrapper that exits 2 (the gate failed), `make
    quality-gate` succeeds exactly when QT606 says the line ignores the failure."""
    (tmp_path / "ops" / "model_safety").mkdir(parents=True)
    (tmp_path / "ops" / "model_safety" / "quality_gate.py").write_text("raise SystemExit(2)\n")
    wrapper = tmp_path / "ops" / "run.sh"
    wrapper.write_text("#!/bin/sh\nexit 2\n")
    wrapper.chmod(0o755)
    (tmp_path / "Makefile").write_text(
        f"RUN := ops/run.sh ai-engine\n.PHONY: quality-gate\nquality-gate:\n"
        f"\t$(RUN) ops/model_safety/quality_gate.py {tail}\n")
    made = subprocess.run(["make", "-s", "quality-gate"], cwd=tmp_path, capture_output=True,
                          check=False, timeout=60)
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", "Makefile",
                   cwd=tmp_path)
    fired = [line for line in proc.stdout.splitlines() if " QT606 " in line]
    assert bool(fired) == (made.returncode == 0), (tail, made.returncode, proc.stdout)
    if fired:
        op = tail[tail.index("||") if "||" in tail else 0:]
        column = 2 + len("$(RUN) ops/model_safety/quality_gate.py ") + tail.index(op)
        assert fired == [f"Makefile:4:{column}: "
                         f"QT606 `{op}` ignores the quality gate's failure: `make quality-gate` "
                         "succeeds when the gate fails"], proc.stdout


_GATE_RULE = ".PHONY: quality-gate\nquality-gate:\n\t$(RUN) ops/model_safety/quality_gate.py\n"
_RUN = "RUN := ops/run.sh ai-engine\n"
_DELEGATE = ".PHONY: quality-gate _gate\nquality-gate: _gate\n"
_IMPL = "_gate:\n\t$(RUN) ops/model_safety/quality_gate.py\n"
# whole Makefiles, each judged by real GNU make with a gate that fails unless told not to
# (SKIP_GATE set, --dry-run given): make's own settings, a second rule, variables
MAKEFILES = {
    "plain": _RUN + _GATE_RULE,
    "ignore-all": ".IGNORE:\n" + _RUN + _GATE_RULE,
    "ignore-gate": ".IGNORE: quality-gate\n" + _RUN + _GATE_RULE,
    "ignore-other": ".IGNORE: other\n" + _RUN + _GATE_RULE,
    "makeflags-i": "MAKEFLAGS += -i\n" + _RUN + _GATE_RULE,
    "makeflags-letters": "MAKEFLAGS = i\n" + _RUN + _GATE_RULE,
    "makeflags-append-word": "MAKEFLAGS += i\n" + _RUN + _GATE_RULE,
    "makeflags-long": "MAKEFLAGS += --ignore-errors\n" + _RUN + _GATE_RULE,
    "makeflags-dry": "MAKEFLAGS += -n\n" + _RUN + _GATE_RULE,
    "makeflags-touch": "MAKEFLAGS += -t\n" + _RUN + _GATE_RULE,
    "makeflags-keep-going": "MAKEFLAGS += -k\n" + _RUN + _GATE_RULE,
    "makeflags-exported": "export MAKEFLAGS := -i\n" + _RUN + _GATE_RULE,
    "gnumakeflags": "GNUMAKEFLAGS += -i\n" + _RUN + _GATE_RULE,
    "dot-makeflags": ".MAKEFLAGS: -i\n" + _RUN + _GATE_RULE,
    "mflags": "MFLAGS += -i\n" + _RUN + _GATE_RULE,
    "second-rule": _RUN + _GATE_RULE + "quality-gate:\n\t@true\n",
    "second-inline": _RUN + _GATE_RULE + "quality-gate: ; @true\n",
    "second-prerequisites-only": _RUN + _GATE_RULE + "quality-gate: other\nother:\n\t@true\n",
    "double-colon-gate-first": _RUN + ".PHONY: quality-gate\nquality-gate::\n"
    "\t$(RUN) ops/model_safety/quality_gate.py\nquality-gate::\n\t@true\n",
    "double-colon-gate-last": _RUN + ".PHONY: quality-gate\nquality-gate::\n\t@true\n"
    "quality-gate::\n\t$(RUN) ops/model_safety/quality_gate.py\n",
    "skip-in-run": "RUN := SKIP_GATE=1 ops/run.sh ai-engine\n" + _GATE_RULE,
    "skip-prefix": _RUN + _GATE_RULE.replace("\t$(RUN)", "\tSKIP_GATE=1 $(RUN)"),
    "dry-run-flag": _RUN + _GATE_RULE.replace("quality_gate.py\n", "quality_gate.py --dry-run\n"),
    "dry-prefix-flag": _RUN + _GATE_RULE.replace("quality_gate.py\n", "quality_gate.py --dry\n"),
    "verbose-flag": _RUN + _GATE_RULE.replace("quality_gate.py\n", "quality_gate.py --verbose\n"),
    "exported-skip": "export SKIP_GATE := 1\n" + _RUN + _GATE_RULE,
    "target-exported-skip": "quality-gate: export SKIP_GATE = 1\n" + _RUN + _GATE_RULE,
    "unexported-skip": "SKIP_GATE := 1\n" + _RUN + _GATE_RULE,
    "export-all-skip": ".EXPORT_ALL_VARIABLES:\nSKIP_GATE := 1\n" + _RUN + _GATE_RULE,
    "override-run": "override RUN := SKIP_GATE=1 ops/run.sh ai-engine\n" + _RUN + _GATE_RULE,
    "override-true": "override RUN := true\n" + _RUN + _GATE_RULE,
    "redefined-later": _RUN + _GATE_RULE + "RUN := true\n",
    "redefined-recursive": "RUN = ops/run.sh ai-engine\n" + _GATE_RULE + "RUN = true\n",
    "target-variable-after": _RUN + _GATE_RULE + "quality-gate: RUN = true\n",
    "target-variable-before": "quality-gate: RUN = true\n" + _RUN + _GATE_RULE,
    "other-target-variable": "other: RUN = true\n" + _RUN + _GATE_RULE,
    "shell-true": "SHELL := /bin/true\n" + _RUN + _GATE_RULE,
    "shell-bash": "SHELL := /bin/bash\n" + _RUN + _GATE_RULE,
    "shellflags-true": ".SHELLFLAGS := -c true\n" + _RUN + _GATE_RULE,
    "shellflags-ec": ".SHELLFLAGS := -ec\n" + _RUN + _GATE_RULE,
    "not-phony": _RUN + "quality-gate:\n\t$(RUN) ops/model_safety/quality_gate.py\n",
    # the hostile pass: how the shell reads the line, and make's other forms
    "oneshell-last-echo": ".ONESHELL:\n" + _RUN + _GATE_RULE + "\t@echo done\n",
    "oneshell-errexit": ".ONESHELL:\n.SHELLFLAGS := -ec\n" + _RUN + _GATE_RULE + "\t@echo done\n",
    "oneshell-set-e": ".ONESHELL:\n" + _RUN + _GATE_RULE.replace("\t$(RUN)", "\tset -e\n\t$(RUN)")
    + "\t@echo done\n",
    "posix-two-lines": ".POSIX:\n" + _RUN + _GATE_RULE + "\t@echo done\n",
    "inline-or-true": _RUN + ".PHONY: quality-gate\nquality-gate: ; "
    "$(RUN) ops/model_safety/quality_gate.py || true\n",
    "inline-dash": _RUN + ".PHONY: quality-gate\nquality-gate: ; "
    "-$(RUN) ops/model_safety/quality_gate.py\n",
    "inline-plain": _RUN + ".PHONY: quality-gate\nquality-gate: ; "
    "$(RUN) ops/model_safety/quality_gate.py\n",
    "recipeprefix-dash": ".RECIPEPREFIX = >\n" + _RUN + _GATE_RULE.replace("\t$(RUN)", ">-$(RUN)"),
    "recipeprefix-or": ".RECIPEPREFIX = >\n" + _RUN +
    _GATE_RULE.replace("\t$(RUN)", ">$(RUN)").replace(".py\n", ".py || true\n"),
    "recipeprefix-plain": ".RECIPEPREFIX = >\n" + _RUN + _GATE_RULE.replace("\t$(RUN)", ">$(RUN)"),
    "bang": _RUN + _GATE_RULE.replace("\t$(RUN)", "\t! $(RUN)"),
    "or-false-then-true": _RUN + _GATE_RULE.replace(".py\n", ".py || false; true\n"),
    "or-brace-then-true": _RUN + _GATE_RULE.replace(".py\n", ".py || { echo x; exit 1; }; true\n"),
    "or-subshell-then-true": _RUN + _GATE_RULE.replace(".py\n", ".py || (exit 1); true\n"),
    "if-then": _RUN + _GATE_RULE.replace("\t$(RUN) ops/model_safety/quality_gate.py",
                                         "\tif $(RUN) ops/model_safety/quality_gate.py; "
                                         "then echo ok; fi"),
    "ignore-variable": "T := quality-gate\n.IGNORE: $(T)\n" + _RUN + _GATE_RULE,
    "phony-variable": "TARGETS := quality-gate\n.PHONY: $(TARGETS)\n" + _RUN +
    _GATE_RULE.replace(".PHONY: quality-gate\n", ""),
    "makeflags-variable": "IGN := -i\nMAKEFLAGS += $(IGN)\n" + _RUN + _GATE_RULE,
    "makeflags-self": "MAKEFLAGS := $(MAKEFLAGS) -i\n" + _RUN + _GATE_RULE,
    "makeflags-cluster": "MAKEFLAGS += -ki\n" + _RUN + _GATE_RULE,
    "makeflags-silent": "MAKEFLAGS += -s\n" + _RUN + _GATE_RULE,
    "makeflags-reset": "MAKEFLAGS += -i\nMAKEFLAGS :=\n" + _RUN + _GATE_RULE,
    "override-shell": "override SHELL := /bin/true\n" + _RUN + _GATE_RULE,
    "canned-or-true": _RUN + "define GATE\n$(RUN) ops/model_safety/quality_gate.py || true\n"
    "endef\n.PHONY: quality-gate\nquality-gate:\n\t$(GATE)\n",
    "canned": _RUN + "define GATE\n$(RUN) ops/model_safety/quality_gate.py\nendef\n"
    ".PHONY: quality-gate\nquality-gate:\n\t$(GATE)\n",
    "unexported-later": "export SKIP_GATE := 1\nunexport SKIP_GATE\n" + _RUN + _GATE_RULE,
    "exported-target-value": "export SKIP_GATE\nquality-gate: SKIP_GATE = 1\n" + _RUN +
    _GATE_RULE,
    "export-in-recipe": _RUN + _GATE_RULE.replace("\t$(RUN)", "\texport SKIP_GATE=1; $(RUN)"),
    "env-in-recipe": _RUN + _GATE_RULE.replace("\t$(RUN)", "\tenv SKIP_GATE=1 $(RUN)"),
    "dry-run-variable": _RUN + "ARGS := --dry-run\n" +
    _GATE_RULE.replace(".py\n", ".py $(ARGS)\n"),
    "bash-pipefail-tee": "SHELL := /bin/bash\n.SHELLFLAGS := -o pipefail -c\n" + _RUN +
    _GATE_RULE.replace(".py\n", ".py | tee gate.log\n"),
    "ignore-among-others": ".IGNORE: a quality-gate b\n" + _RUN + _GATE_RULE,
    "exit-zero-branch": _RUN + _GATE_RULE.replace(".py\n", ".py || exit 0\n"),
    "exec-true-branch": _RUN + _GATE_RULE.replace(".py\n", ".py || exec true\n"),
    "status-saved": _RUN + _GATE_RULE.replace(".py\n", ".py; echo $$? > status\n"),
    "background-wait": _RUN + _GATE_RULE.replace(".py\n", ".py & wait\n"),
    "space-then-prefixes": _RUN + _GATE_RULE.replace("\t$(RUN)", "\t @-$(RUN)"),
    "continued-or-true": _RUN + _GATE_RULE.replace(".py\n", ".py \\\n\t|| true\n"),
    "delegate-ignoring": _RUN + ".PHONY: quality-gate\nquality-gate:\n\t$(MAKE) -i gate-impl\n"
    "gate-impl:\n\t$(RUN) ops/model_safety/quality_gate.py\n",
    # target-specific variables: make applies them to the target's recipe and to its
    # prerequisites'
    "target-shell-true": "quality-gate: SHELL := /bin/true\n" + _RUN + _GATE_RULE,
    "target-shell-recursive": "quality-gate: SHELL = /bin/true\n" + _RUN + _GATE_RULE,
    "target-shell-after": _RUN + _GATE_RULE + "quality-gate: SHELL := /bin/true\n",
    "target-shell-override": "quality-gate: override SHELL := /bin/true\n" + _RUN + _GATE_RULE,
    "target-shell-bash": "quality-gate: SHELL := /bin/bash\n" + _RUN + _GATE_RULE,
    "other-target-shell": "other: SHELL := /bin/true\n" + _RUN + _GATE_RULE,
    "target-shellflags-true": "quality-gate: .SHELLFLAGS := -c true\n" + _RUN + _GATE_RULE,
    "target-shellflags-ec": "quality-gate: .SHELLFLAGS := -ec\n" + _RUN + _GATE_RULE,
    "target-makeflags-i": "quality-gate: MAKEFLAGS += -i\n" + _RUN + _GATE_RULE,
    "target-makeflags-n": "quality-gate: MAKEFLAGS += -n\n" + _RUN + _GATE_RULE,
    "target-run-true-recursive": "quality-gate: RUN = true\n" + _RUN + _GATE_RULE,
    "target-args-dry-run": _RUN + "ARGS :=\nquality-gate: ARGS := --dry-run\n" +
    _GATE_RULE.replace(".py\n", ".py $(ARGS)\n"),
    "prerequisite-args-dry-run": _RUN + "ARGS :=\nquality-gate: ARGS := --dry-run\n" +
    _DELEGATE + _IMPL.replace(".py\n", ".py $(ARGS)\n"),
    "prerequisite-own-args-win": _RUN + "ARGS :=\nquality-gate: ARGS := --dry-run\n" +
    "_gate: ARGS := --verbose\n" + _DELEGATE + _IMPL.replace(".py\n", ".py $(ARGS)\n"),
    # a quality-gate that delegates to another target
    "delegate-prerequisite": _RUN + _DELEGATE + _IMPL,
    "delegate-prerequisite-and-echo": _RUN + _DELEGATE + "\t@echo gate passed\n" + _IMPL,
    "delegate-two-levels": _RUN + ".PHONY: quality-gate _gate _inner\nquality-gate: _gate\n"
    "_gate: _inner\n_inner:\n\t$(RUN) ops/model_safety/quality_gate.py\n",
    "delegate-make-inline": _RUN + ".PHONY: quality-gate _gate\nquality-gate: ; $(MAKE) _gate\n"
    + _IMPL,
    "delegate-make-recipe": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t$(MAKE) --no-print-directory _gate\n" + _IMPL,
    "delegate-make-or-true": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t$(MAKE) _gate || true\n" + _IMPL,
    "delegate-prerequisite-or-true": _RUN + _DELEGATE +
    _IMPL.replace(".py\n", ".py || true\n"),
    "delegate-prerequisite-dash": _RUN + _DELEGATE + _IMPL.replace("\t$(RUN)", "\t-$(RUN)"),
    "delegate-prerequisite-skip": _RUN + _DELEGATE +
    _IMPL.replace("\t$(RUN)", "\tSKIP_GATE=1 $(RUN)"),
    "delegate-ignore-impl": ".IGNORE: _gate\n" + _RUN + _DELEGATE + _IMPL,
    "delegate-impl-variable": _RUN + _DELEGATE + "_gate: RUN = true\n" + _IMPL,
    "delegate-target-shell": "quality-gate: SHELL := /bin/true\n" + _RUN + _DELEGATE + _IMPL,
    "delegate-impl-shell": "_gate: SHELL := /bin/true\n" + _RUN + _DELEGATE + _IMPL,
    "delegate-target-run-true": "quality-gate: RUN = true\n" + _RUN + _DELEGATE + _IMPL,
    "delegate-make-target-makeflags": "quality-gate: MAKEFLAGS += -i\n" + _RUN +
    ".PHONY: quality-gate _gate\nquality-gate:\n\t$(MAKE) _gate\n" + _IMPL,
    "delegate-to-nothing": _RUN + _DELEGATE + "_gate:\n\t@echo no gate\n",
    "delegate-make-silent": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t@$(MAKE) -s _gate\n" + _IMPL,
    "delegate-make-dry": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t$(MAKE) -n _gate\n" + _IMPL,
    "delegate-make-ignoring-long": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t$(MAKE) --ignore-errors _gate\n" + _IMPL,
    "delegate-make-then-true": _RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
    "\t$(MAKE) _gate; true\n" + _IMPL,
    "delegate-sub-make-prerequisite": _RUN + ".PHONY: quality-gate _gate _inner\n"
    "quality-gate:\n\t$(MAKE) _gate\n_gate: _inner\n_inner:\n"
    "\t$(RUN) ops/model_safety/quality_gate.py || true\n",
    "delegate-target-variable-not-inherited-by-sub-make": "quality-gate: RUN = true\n" + _RUN +
    ".PHONY: quality-gate _gate\nquality-gate:\n\t$(MAKE) _gate\n" + _IMPL,
    "delegate-order-only": _RUN + ".PHONY: quality-gate _gate\nquality-gate: | _gate\n" + _IMPL,
    "delegate-through-variable": _RUN + "GATES := _gate\n.PHONY: quality-gate _gate\n"
    "quality-gate: $(GATES)\n" + _IMPL,
    # conditionals on what the Makefile sets: make reads the branch taken, only
    "ifeq-taken-defeats": "X := 1\nifeq ($(X),1)\nRUN := true\nelse\n" + _RUN + "endif\n" +
    _GATE_RULE,
    "ifeq-not-taken": "X := 2\nifeq ($(X),1)\nRUN := true\nelse\n" + _RUN + "endif\n" +
    _GATE_RULE,
    "ifeq-quoted-not-taken": 'X := 2\nifeq "$(X)" "1"\n.IGNORE:\nendif\n' + _RUN + _GATE_RULE,
    "ifneq-taken": "X := 1\nifneq ($(X), 1)\n" + _RUN + "else\nRUN := true\nendif\n" +
    _GATE_RULE,
    "ifdef-taken": "DEBUG := 1\nifdef DEBUG\n.IGNORE: quality-gate\nendif\n" + _RUN + _GATE_RULE,
    "ifndef-not-taken": "DEBUG := 1\nifndef DEBUG\n.IGNORE: quality-gate\nendif\n" + _RUN +
    _GATE_RULE,
    "ifdef-empty-not-taken": "DEBUG :=\nifdef DEBUG\nMAKEFLAGS += -i\nendif\n" + _RUN +
    _GATE_RULE,
    "else-ifeq-taken": "X := 2\nifeq ($(X),1)\nA := 1\nelse ifeq ($(X),2)\n"
    "MAKEFLAGS += -i\nelse\nA := 3\nendif\n" + _RUN + _GATE_RULE,
    "else-ifeq-not-taken": "X := 1\nifeq ($(X),1)\nA := 1\nelse ifeq ($(X),2)\n"
    "MAKEFLAGS += -i\nendif\n" + _RUN + _GATE_RULE,
    "nested-not-taken": "X := 1\nifeq ($(X),1)\nifeq ($(X),2)\nSHELL := /bin/true\nendif\n"
    "endif\n" + _RUN + _GATE_RULE,
    "recipe-branch-not-taken": "X := 2\n" + _RUN + ".PHONY: quality-gate\nquality-gate:\n"
    "ifeq ($(X),1)\n\t-$(RUN) ops/model_safety/quality_gate.py\nelse\n"
    "\t$(RUN) ops/model_safety/quality_gate.py\nendif\n",
    "recipe-branch-taken": "X := 1\n" + _RUN + ".PHONY: quality-gate\nquality-gate:\n"
    "ifeq ($(X),1)\n\t-$(RUN) ops/model_safety/quality_gate.py\nelse\n"
    "\t$(RUN) ops/model_safety/quality_gate.py\nendif\n",
    "eval-run-true": _RUN + "$(eval RUN := true)\n" + _GATE_RULE,
    # the shell a target-specific SHELL and .SHELLFLAGS give the recipe
    "target-bash-pipefail-tee": "quality-gate: SHELL := /bin/bash\n"
    "quality-gate: .SHELLFLAGS := -o pipefail -c\n" + _RUN +
    _GATE_RULE.replace(".py\n", ".py | tee gate.log\n"),
    "prerequisite-bash-pipefail-tee": "quality-gate: SHELL := /bin/bash\n"
    "quality-gate: .SHELLFLAGS := -o pipefail -c\n" + _RUN + _DELEGATE +
    _IMPL.replace(".py\n", ".py | tee gate.log\n"),
    "other-target-pipefail-tee": "docs: SHELL := /bin/bash\n"
    "docs: .SHELLFLAGS := -o pipefail -c\n" + _RUN +
    _GATE_RULE.replace(".py\n", ".py | tee gate.log\n"),
    "target-oneshell-errexit": ".ONESHELL:\nquality-gate: .SHELLFLAGS := -ec\n" + _RUN +
    _GATE_RULE + "\t@echo done\n",
    "prerequisite-oneshell-last-echo": ".ONESHELL:\n" + _RUN + _DELEGATE + _IMPL +
    "\t@echo done\n",
    # targets named by a variable: make expands a rule's targets as it reads the line
    "target-from-variable": "QG := quality-gate\n" + _RUN + ".PHONY: $(QG)\n$(QG):\n"
    "\t$(RUN) ops/model_safety/quality_gate.py\n",
    "target-from-variable-dash": "QG := quality-gate\n" + _RUN + ".PHONY: $(QG)\n$(QG):\n"
    "\t-$(RUN) ops/model_safety/quality_gate.py\n",
    "target-from-recursive-variable": "QG = quality-$(KIND)\nKIND = gate\n" + _RUN +
    ".PHONY: $(QG)\n${QG}:\n\t$(RUN) ops/model_safety/quality_gate.py\n",
    "second-rule-from-variable": _RUN + _GATE_RULE + "QG := quality-gate\n$(QG):\n\t@true\n",
    "other-target-from-variable": "T := docs\n" + _RUN + _GATE_RULE + "$(T):\n\t-@true\n",
    "target-variable-set-after-the-rule": _RUN + _GATE_RULE + "$(QG):\n\t@true\n"
    "QG := quality-gate\n",
}
# the environment a run of make gets (`RUN ?=` takes it from there)
MAKE_ENV = {"from-environment": ("RUN ?= ops/run.sh ai-engine\n" + _GATE_RULE, {"RUN": "true"}),
            "not-from-environment": (_RUN + _GATE_RULE, {"RUN": "true"}),
            "recursive-not-from-environment": ("RUN = ops/run.sh ai-engine\n" + _GATE_RULE,
                                               {"RUN": "true"}),
            "part-from-environment": ("WRAP ?= ops/run.sh\nRUN := $(WRAP) ai-engine\n" +
                                      _GATE_RULE, {"WRAP": "true"}),
            # a conditional on what the Makefile does not set: the environment decides it
            "ifdef-on-environment": ("ifdef CI\nRUN := true\nelse\n" + _RUN + "endif\n" +
                                     _GATE_RULE, {"CI": "1"}),
            "ifeq-on-environment": ("ifeq ($(CI),1)\n.IGNORE:\nendif\n" + _RUN + _GATE_RULE,
                                    {"CI": "1"}),
            "ifeq-on-defaulted": ("MODE ?= strict\nifneq ($(MODE),strict)\n"
                                  "quality-gate: SHELL := /bin/true\nendif\n" + _RUN +
                                  _GATE_RULE, {"MODE": "lax"}),
            "ifdef-on-environment-elsewhere": ("ifdef CI\nDOCS := site\nendif\n" + _RUN +
                                               _GATE_RULE, {"CI": "1"})}
_GATE = ("import os, sys\n"
         "if os.environ.get('SKIP_GATE') or '--dry-run' in sys.argv:\n"
         "    sys.exit(0)\n"
         "sys.exit(2)\n")


def _make_oracle(root: Path, makefile: str, env: dict[str, str] | None = None
                 ) -> tuple[bool, list[str]]:
    """(does `make quality-gate` succeed with a gate that fails, QT606's findings)."""
    import sys

    (root / "ops" / "model_safety").mkdir(parents=True, exist_ok=True)
    (root / "ops" / "model_safety" / "quality_gate.py").write_text(_GATE)
    wrapper = root / "ops" / "run.sh"
    # the wrapper drops the service and runs the gate with python (argparse-like prefixes
    # are not taken: `--dry` is not `--dry-run` here, so only `--dry-run` passes)
    wrapper.write_text(f"#!/bin/sh\nshift\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    (root / "Makefile").write_text(makefile)
    if "quality-gate:" in makefile and ".PHONY: quality-gate" not in makefile:
        (root / "quality-gate").write_text("")  # what a stray file does to a non-phony target
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "GNUMAKE"))}
    run_env.pop("SKIP_GATE", None)
    run_env.update(env or {})
    made = subprocess.run(["make", "-s", "quality-gate"], cwd=root, capture_output=True,
                          check=False, timeout=60, env=run_env)
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", "Makefile",
                   cwd=root)
    return made.returncode == 0, [line for line in proc.stdout.splitlines() if " QT606 " in line]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize("name", sorted(MAKEFILES))
def test_qt606_reports_a_makefile_exactly_when_make_passes_a_failing_gate(
        tmp_path: Path, name: str) -> None:
    passed, fired = _make_oracle(tmp_path, MAKEFILES[name])
    if name == "dry-prefix-flag":
        # the real gate's argparse takes `--dry` for `--dry-run`; this test gate does not
        assert fired and not passed, fired
        return
    assert bool(fired) == passed, (name, passed, fired)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize("name", sorted(MAKE_ENV))
def test_qt606_reports_a_variable_the_environment_sets(tmp_path: Path, name: str) -> None:
    makefile, env = MAKE_ENV[name]
    passed, fired = _make_oracle(tmp_path, makefile, env)
    assert bool(fired) == passed, (name, passed, fired)


def test_qt606_names_the_rule_that_replaces_the_gates_recipe(tmp_path: Path) -> None:
    """make runs only a target's last recipe (it warns 'overriding recipe'): a later rule
    that does not run the gate is reported at its line, naming the recipe it replaces."""
    (tmp_path / "Makefile").write_text(MAKEFILES["second-rule"])
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", "Makefile",
                   cwd=tmp_path)
    assert [line for line in proc.stdout.splitlines() if " QT606 " in line] == [
        "Makefile:5:1: QT606 this `quality-gate` rule replaces the recipe at line 3: make runs "
        "only a target's last recipe, and this one does not run "
        "`ops/run.sh ai-engine ops/model_safety/quality_gate.py`"]


_IGNORES = ("ignores the quality gate's failure: `make quality-gate` succeeds when the gate "
            "fails")


@pytest.mark.parametrize(("name", "expected"), [
    ("oneshell-last-echo", "Makefile:5:2: QT606 under `.ONESHELL:` the recipe is one script "
     "whose status is its last command's: the lines after the gate hide its failure "
     "(`.SHELLFLAGS := -ec`, or `set -e` first)"),
    ("bang", f"Makefile:4:2: QT606 `!` {_IGNORES}"),
    ("inline-or-true", f"Makefile:3:57: QT606 `|| true` {_IGNORES}"),
    ("recipeprefix-dash", f"Makefile:5:2: QT606 the `-` prefix {_IGNORES}"),
    ("or-false-then-true", f"Makefile:4:50: QT606 `; true` {_IGNORES}"),
    ("canned-or-true", f"Makefile:7:2: QT606 `|| true` {_IGNORES}"),
    ("env-in-recipe", "Makefile:4:18: QT606 `SKIP_GATE=1` (the gate exits 0 when it is set) "
     "defeats the quality gate: `make quality-gate` succeeds when the gate would fail; run "
     "`ops/run.sh ai-engine ops/model_safety/quality_gate.py` as it is"),
])
def test_qt606_messages_of_the_shell_forms(tmp_path: Path, name: str, expected: str) -> None:
    passed, fired = _make_oracle(tmp_path, MAKEFILES[name])
    assert passed and fired == [expected]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize(("name", "expected"), [
    ("target-shell-true", "Makefile:1:1: QT606 `quality-gate: SHELL = /bin/true` is not a "
     "shell: make runs the recipe of `quality-gate` with it and the gate does not run"),
    ("delegate-target-shell", "Makefile:1:1: QT606 `quality-gate: SHELL = /bin/true` is not a "
     "shell: make runs the recipe of `quality-gate` and of its prerequisites with it and the "
     "gate does not run"),
    ("target-shellflags-true", "Makefile:1:1: QT606 `quality-gate: .SHELLFLAGS = -c true`: the "
     "shell does not run the recipe of `quality-gate` as given (`-c` must come last)"),
    ("delegate-ignoring", "Makefile:4:2: QT606 `$(MAKE) -i` runs `gate-impl` with errors "
     f"ignored: {_IGNORES.split(': ', 1)[1]}"),
    ("delegate-make-target-makeflags", "Makefile:1:1: QT606 `quality-gate: MAKEFLAGS` gives "
     "the sub-make at line 5 `-i` (errors ignored): `make quality-gate` succeeds when the gate "
     "fails"),
    ("delegate-prerequisite-or-true", f"Makefile:5:42: QT606 `|| true` {_IGNORES}"),
    ("delegate-ignore-impl", "Makefile:1:1: QT606 `.IGNORE:` ignores the errors of `_gate`'s "
     "recipe: `make quality-gate` succeeds when the gate fails"),
    ("delegate-sub-make-prerequisite", f"Makefile:7:42: QT606 `|| true` {_IGNORES}"),
])
def test_qt606_messages_of_what_quality_gate_builds(tmp_path: Path, name: str,
                                                    expected: str) -> None:
    """Target-specific variables (make gives them to the target's recipe and to its
    prerequisites') and a quality-gate that delegates (a prerequisite, `$(MAKE) _gate`)."""
    passed, fired = _make_oracle(tmp_path, MAKEFILES[name])
    assert passed and fired == [expected]


# `include`: a file of the repository is read for what it sets; one that is not there
# leaves the reading unknown (reported, never passed)
INCLUDES = {
    "include-sets-run": ("include gate.mk\n" + _GATE_RULE, {"gate.mk": "RUN := true\n"}),
    "include-sets-ignore": ("include gate.mk\n" + _RUN + _GATE_RULE,
                            {"gate.mk": ".IGNORE: quality-gate\n"}),
    "include-unrelated": (_RUN + "include docs.mk\n" + _GATE_RULE,
                          {"docs.mk": "DOCS := site\ndocs:\n\tmkdocs build\n"}),
}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize("name", sorted(INCLUDES))
def test_qt606_reads_an_included_file_of_the_repository(tmp_path: Path, name: str) -> None:
    makefile, files = INCLUDES[name]
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    passed, fired = _make_oracle(tmp_path, makefile)
    assert bool(fired) == passed, (name, passed, fired)


# GNU make reads the first of GNUmakefile, makefile, Makefile that exists
MAKE_NAMES = {
    "GNUmakefile beside a good Makefile": {"GNUmakefile": ".PHONY: quality-gate\n"
                                           "quality-gate:\n\t@echo skipped\n"},
    "makefile beside a good Makefile": {"makefile": ".PHONY: quality-gate\n"
                                        "quality-gate:\n\t-@$(RUN) ops/model_safety/"
                                        "quality_gate.py\nRUN := ops/run.sh ai-engine\n"},
    "a good GNUmakefile beside a bad Makefile": {
        "GNUmakefile": _RUN + _GATE_RULE, "Makefile": ".PHONY: quality-gate\nquality-gate:\n"
                                                      "\t@true\n"},
    "only the Makefile": {},
}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make (the oracle)")
@pytest.mark.parametrize("name", sorted(MAKE_NAMES))
def test_qt606_judges_the_makefile_make_reads(tmp_path: Path, name: str) -> None:
    files = MAKE_NAMES[name]
    _make_oracle(tmp_path, files.get("Makefile", _RUN + _GATE_RULE))  # the tree, a gate that fails
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    made = subprocess.run(["make", "-s", "quality-gate"], cwd=tmp_path, capture_output=True,
                          check=False, timeout=60,
                          env={k: v for k, v in os.environ.items()
                               if not k.startswith(("MAKE", "GNUMAKE", "SKIP_GATE"))})
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", *sorted(
        {"Makefile", *files}), cwd=tmp_path)
    fired = [line for line in proc.stdout.splitlines() if " QT606 " in line]
    assert bool(fired) == (made.returncode == 0), (name, made.returncode, fired)
    assert all(line.split(":", 1)[0] != "Makefile" for line in fired) or \
        ("GNUmakefile" not in files and "makefile" not in files), fired


@pytest.mark.parametrize(("makefile", "expected"), [
    ("ifdef CI\nRUN := true\nelse\n" + _RUN + "endif\n" + _GATE_RULE,
     "Makefile:1:1: QT606 `ifdef CI` decides on `CI`, which this Makefile does not set (the "
     "environment or make's command line does): the lines it holds (lines 2, 4) change what "
     "`make quality-gate` runs, which is not known here; decide it inside the Makefile, or "
     "outside of make"),
    ("include gate.mk\n" + _RUN + _GATE_RULE,
     "Makefile:1:1: QT606 `include gate.mk` reads `gate.mk`, which sets `.IGNORE` (its line 1),"
     " read by make for quality-gate: what `make quality-gate` runs is not known here (this "
     "rule does not read it)"),
    ("-include local.mk\n" + _RUN + _GATE_RULE,
     "Makefile:1:1: QT606 `-include local.mk` reads `local.mk`, which is not in the "
     "repository: what `make quality-gate` runs is not known here (this rule does not read "
     "it)"),
    (_RUN + "$(eval $(call SETUP,gate))\n" + _GATE_RULE,
     "Makefile:2:1: QT606 `$(eval $(call SETUP,gate))` is evaluated by make as Makefile text: "
     "what `make quality-gate` runs is not known here (this rule does not read it)"),
])
def test_qt606_names_what_it_does_not_read(tmp_path: Path, makefile: str,
                                           expected: str) -> None:
    (tmp_path / "gate.mk").write_text(".IGNORE: quality-gate\n")
    (tmp_path / "Makefile").write_text(makefile)
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", "Makefile",
                   cwd=tmp_path)
    assert [line for line in proc.stdout.splitlines() if " QT606 " in line] == [expected]


def test_qt606_a_sub_make_of_another_makefile_is_not_followed(tmp_path: Path) -> None:
    """`$(MAKE) -C elsewhere _gate` reads another Makefile: what it runs is not analysed,
    so quality-gate is reported as not running the gate, never passed."""
    (tmp_path / "Makefile").write_text(_RUN + ".PHONY: quality-gate _gate\nquality-gate:\n"
                                       "\t$(MAKE) -C sub _gate\n" + _IMPL)
    proc = qt_lint("check", "--isolated", "--no-cache", "--select", "QT606", "Makefile",
                   cwd=tmp_path)
    assert [line for line in proc.stdout.splitlines() if " QT606 " in line] == [
        "Makefile:3:1: QT606 `quality-gate` does not run "
        "`ops/run.sh ai-engine ops/model_safety/quality_gate.py`"]
