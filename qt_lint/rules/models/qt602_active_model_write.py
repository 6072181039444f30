from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule


def in_active_dir(path: str) -> bool:
    """`$MODEL_DIR/active/x.pkl`, `/opt/quantum/ai_engine/models/active`, `models/active/`."""
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        if part == "active" and any("model" in p.lower() or p == "$MODEL_DIR"
                                    for p in parts[:i]):
            return True
    return False


class ActiveModelWrite(Rule):
    """
    ## What it does
    Reports Python code that writes into the models `active/` folder: `open(..., "w")`,
    `shutil.copy*`/`move`, `os.rename`/`replace`, `Path.write_*`/`rename`/`replace`,
    `torch.save`, `joblib.dump`, `numpy.save`, `model.save(...)`, with a destination that
    resolves into `active/` (`MODEL_DIR / "active" / name`, `/opt/quantum/ai_engine/
    models/active/...`). Only `canary_activate.sh` may change active models.

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
    kinds = frozenset({Kind.PYTHON})
    summary = "Code writes into the active models folder"
    prefilter = {Kind.PYTHON: (AnyOf('"active', "'active", "/active"),
                               re.compile(r"save|dump|copy|move|rename|replace|write|open"))}
    example_path = "ops/training/train_patchtst.py"
    VALID = (Example('import os, torch\nfrom pathlib import Path\n'
                     'M = Path(os.environ["MODEL_DIR"])\ntorch.save(s, M / "shadow" / "x.pt")\n'
                     'data = open(M / "active" / "x.pt", "rb").read()\n'),)
    INVALID = (
        Example('import os, torch\nfrom pathlib import Path\n'
                'ACTIVE = Path(os.environ["MODEL_DIR"]) / "active"\n'
                'torch.save(s, ACTIVE / "nhits.pt")\n', expect=((4, 15),)),
        Example('import shutil\n'
                'shutil.copy("m.pkl", "/opt/quantum/ai_engine/models/active/m.pkl")\n',
                expect=((2, 22),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.parsers.python import file_ops

        facts = ctx.python
        for op in file_ops(facts):
            if op.op == "write" and in_active_dir(op.path.text):
                line, column = facts.position(op.node)
                yield ctx.finding(self, line, column,
                                  f"`{op.call.name.lstrip('.')}` writes into the active models "
                                  f"({op.path.text}); only {ctx.contract.canary_script} "
                                  "changes active models")
