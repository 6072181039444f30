from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.command_model import Word
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule

_WRITERS = frozenset({"cp", "mv", "install", "rsync", "ln", "tee"})


def in_active_dir(path: str) -> bool:
    """`$MODEL_DIR/active/x.pkl`, `/opt/quantum/ai_engine/models/active`, `models/active/`."""
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        if part == "active" and any("model" in p.lower() or p == "$MODEL_DIR"
                                    for p in parts[:i]):
            return True
    return False


def _target_directories(args: tuple[Word, ...]) -> list[Word]:
    """`cp -t DIR src`, `mv --target-directory=DIR src`, `install -t DIR`: the folder
    written into, named by an option."""
    out = []
    for index, word in enumerate(args):
        text = word.text
        if text in ("-t", "--target-directory") and index + 1 < len(args):
            out.append(args[index + 1])
        elif text.startswith("--target-directory="):
            value = text.split("=", 1)[1]
            out.append(Word(value, word.line, word.column + len(text) - len(value),
                            word.dynamic))
        elif text.startswith("-t") and len(text) > 2 and not text.startswith("--"):
            out.append(Word(text[2:], word.line, word.column + 2, word.dynamic))
    return out


class ActiveModelWrite(Rule):
    """
    ## What it does
    Reports code that writes into the models `active/` folder. Python: `open(..., "w")`,
    `shutil.copy*`/`move`, `os.rename`/`replace`, `os.symlink`, `Path.symlink_to`,
    `Path.write_*`/`rename`/`replace`, `torch.save`, `joblib.dump`, `numpy.save`,
    `model.save(...)`, with a destination that resolves into `active/` (`MODEL_DIR /
    "active" / name`, `/opt/quantum/ai_engine/models/active/...`, through names assigned
    once). Scripts, Makefiles and crontabs: `cp`, `mv`, `install`, `rsync`, `ln -sfn` and
    `tee` onto such a destination, and `>`/`>>` into it (a variable assigned once in the
    script is followed: `cp m.pt "$MODELS/active/"`). Only `canary_activate.sh` may change
    active models, so that script itself is not reported.

    ## Why is this bad?
    Contract F: "Models deployed via canary_activate.sh ONLY" and "NEVER overwrite active
    models without backup". A training job that saves straight into `active/` has promoted
    its model without a gate, a canary, a backup or a human.

    ## Example
    ```python
    torch.save(model.state_dict(), MODEL_DIR / "active" / "nhits_P0.2.pt")
    ```

    ## Use instead
    ```python
    torch.save(model.state_dict(), MODEL_DIR / "shadow" / "nhits_P0.3.pt")
    ```
    """

    code = "QT602"
    name = "active-model-write"
    section = "F"
    kinds = frozenset({Kind.PYTHON, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB})
    summary = "Code writes into the active models folder"
    prefilter = {Kind.PYTHON: (AnyOf('"active', "'active", "/active"),
                               re.compile(r"save|dump|copy|move|rename|replace|write|open|"
                                          r"symlink")),
                 Kind.SHELL: AnyOf("active"), Kind.MAKEFILE: AnyOf("active"),
                 Kind.CRONTAB: AnyOf("active")}
    example_path = "ops/training/train_patchtst.py"
    VALID = (Example('import os, torch\nfrom pathlib import Path\n'
                     'M = Path(os.environ["MODEL_DIR"])\ntorch.save(s, M / "shadow" / "x.pt")\n'
                     'data = open(M / "active" / "x.pt", "rb").read()\n'),
             Example('cp m.pt /opt/quantum/models/shadow/\nls /opt/quantum/models/active/\n'
                     "ln -sfn /opt/quantum/models/active /home/qt/active-link\n",
                     path="ops/deploy.sh"),
             Example('cp "$1" /opt/quantum/models/active/\n',
                     path="ops/model_safety/canary_activate.sh"))
    INVALID = (
        Example('import os, torch\nfrom pathlib import Path\n'
                'ACTIVE = Path(os.environ["MODEL_DIR"]) / "active"\n'
                'torch.save(s, ACTIVE / "nhits.pt")\n', expect=((4, 15),)),
        Example('import shutil\n'
                'shutil.copy("m.pkl", "/opt/quantum/ai_engine/models/active/m.pkl")\n',
                expect=((2, 22),)),
        Example('M=/opt/quantum/models\ncp m.pt "$M/active/"\n'
                "ln -sfn /opt/quantum/models/shadow/v2 /opt/quantum/models/active/cur\n",
                path="ops/deploy.sh", expect=((2, 9), (3, 39))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is not Kind.PYTHON:
            if ctx.relpath.rsplit("/", 1)[-1] != ctx.contract.canary_name:
                yield from self._shell(ctx)
            return
        from qt_lint.pymodel.calls import file_ops

        facts = ctx.python
        for op in file_ops(facts):
            if op.op == "write" and in_active_dir(op.path.text):
                line, column = facts.position(op.node)
                yield ctx.finding(self, line, column,
                                  f"`{op.call.name.lstrip('.')}` writes into the active models "
                                  f"({op.path.text}); only {ctx.contract.canary_name} "
                                  "changes active models")

    def _shell(self, ctx: FileContext) -> Iterator[Finding]:
        canary = ctx.contract.canary_name
        for command in ctx.commands:
            if command.name not in _WRITERS:
                continue
            targets = [w for w in command.args if not w.text.startswith("-")]
            named = _target_directories(command.args)
            if command.name != "tee":
                # with `-t DIR` every operand is a source
                targets = targets[-1:] if len(targets) >= 2 and not named else []
            targets.extend(named)
            for word in targets:
                # `"$MODEL_DIR/active/"`: the folder's name says where, whatever its value
                if in_active_dir(word.text) and (not word.dynamic or "$" in word.text):
                    yield ctx.finding(self, word.line, word.column,
                                      f"`{command.name}` writes into the active models "
                                      f"({word.text}); only {canary} changes active models")
        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator.startswith((">", "&>")) and in_active_dir(target.text):
                yield ctx.finding(self, target.line, target.column,
                                  f"redirection writes into the active models ({target.text}); "
                                  f"only {canary} changes active models")
