from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Word, copy_operands
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule

_WRITERS = frozenset({"cp", "mv", "install", "rsync", "ln", "tee"})
# downloaders: the option naming the file (or the folder) they write
_DOWNLOAD_FILE = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document")}
_DOWNLOAD_DIR = {"curl": ("--output-dir",), "wget": ("-P", "--directory-prefix")}
# curl's and wget's short options that take a value (a bundle's last letter takes the next
# word: `curl -sSLo f`)
_DOWNLOAD_ARGS = {"curl": frozenset("oHdeuAXrTwKEFbcmCxyYz"), "wget": frozenset("OPoaeiUTtwQlDAR")}


def in_active_dir(path: str) -> bool:
    """`$MODEL_DIR/active/x.pkl`, `/opt/quantum/ai_engine/models/active`, `models/active/`."""
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        if part == "active" and any("model" in p.lower() or p == "$MODEL_DIR"
                                    for p in parts[:i]):
            return True
    return False


def target_directories(args: tuple[Word, ...]) -> list[Word]:
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


def downloaded_to(args: tuple[Word, ...], program: str) -> list[Word]:
    """`curl -o F`, `curl --output F`, `curl -sSLo F`, `curl -oF`, `wget -O F`,
    `wget --output-document=F`, `wget -P DIR`, `curl --output-dir DIR -O`: the files and
    folders a download writes."""
    files, folders = _DOWNLOAD_FILE[program], _DOWNLOAD_DIR[program]
    takes = _DOWNLOAD_ARGS[program]
    out: list[Word] = []
    for index, word in enumerate(args):
        text = word.text
        following = args[index + 1] if index + 1 < len(args) else None
        if text.startswith("--"):
            name, eq, value = text.partition("=")
            if name in files or name in folders:
                if eq:
                    out.append(Word(value, word.line, word.column + len(name) + 1,
                                    word.dynamic))
                elif following is not None:
                    out.append(following)
            continue
        if not text.startswith("-") or len(text) < 2:
            continue
        for at, letter in enumerate(text[1:], start=1):
            if letter not in takes:
                continue
            if f"-{letter}" in files or f"-{letter}" in folders:
                rest = text[at + 1:]
                if rest:
                    out.append(Word(rest, word.line, word.column + at + 1, word.dynamic))
                elif following is not None:
                    out.append(following)
            break  # the rest of the bundle is this option's value
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
    `tee` onto such a destination (`cp`/`mv`/`install`/`ln` read with their option grammar:
    `install m.pt active/ -m 0644`, `-t DIR`, `--target=DIR`, `install -d`), downloads
    into it (`curl -o`/`--output`/`--output-dir`, `wget -O`/`--output-document`/`-P`), and
    `>`/`>>` into it (a variable assigned once in the script is followed: `cp m.pt
    "$MODELS/active/"`; a relative destination after a relative `cd` is read from that
    folder: `cd models && curl -o active/m.pt URL`). Only `canary_activate.sh` may change
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
    # Python: `in_active_dir` needs a folder named with "model" (any case) before
    # `active`, and the resolved path is made of the literals of the file and of the
    # values it imports (in the searched text), or `$NAME` for `os.environ["NAME"]`
    prefilter = {Kind.PYTHON: (AnyOf('"active', "'active", "/active"),
                               AnyOf("model", ignore_case=True),
                               lazyre.compile(r"save|dump|copy|move|rename|replace|write|open|"
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
                     path="ops/model_safety/canary_activate.sh"),
             Example("curl -sSLo /opt/quantum/models/shadow/m.pt "
                     "https://example.org/models/active/m.pt\n"
                     "wget -q -O - https://example.org/models/active/m.pt | sha256sum\n",
                     path="ops/fetch_model.sh"))
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
        Example("curl -sSLo /opt/quantum/models/active/m.pt https://example.org/m.pt\n"
                "cd models && wget -q -P active/ https://example.org/m.pt\n",
                path="ops/fetch_model.sh", expect=((1, 12), (2, 25))),
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
            if command.name in _DOWNLOAD_FILE:
                for word in downloaded_to(command.args, command.name):
                    if _into_active(word, command.cd):
                        yield ctx.finding(self, word.line, word.column,
                                          f"`{command.name}` downloads into the active models "
                                          f"({word.text}); only {canary} changes active models")
                continue
            if command.name not in _WRITERS:
                continue
            copy = copy_operands(command.name, command.args)
            if copy is not None:  # `install -m 0640 m.pt active/`: the mode is no operand
                # `install -d DIR...`: each folder it creates
                targets = list(copy.operands) if copy.directories else list(copy.folders) or (
                    list(copy.operands[-1:]) if len(copy.operands) >= 2 else [])
            else:
                targets = [w for w in command.args if not w.text.startswith("-")]
                named = target_directories(command.args)
                if command.name != "tee":
                    # with `-t DIR` every operand is a source
                    targets = targets[-1:] if len(targets) >= 2 and not named else []
                targets.extend(named)
            for word in targets:
                # `"$MODEL_DIR/active/"`: the folder's name says where, whatever its value
                if _into_active(word, command.cd):
                    yield ctx.finding(self, word.line, word.column,
                                      f"`{command.name}` writes into the active models "
                                      f"({word.text}); only {canary} changes active models")
        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator.startswith((">", "&>")) and in_active_dir(target.text):
                yield ctx.finding(self, target.line, target.column,
                                  f"redirection writes into the active models ({target.text}); "
                                  f"only {canary} changes active models")


def _into_active(word: Word, cd: Word | None) -> bool:
    """`"$MODEL_DIR/active/"`: the folder's name says where, whatever its value; a relative
    path is read from the folder of a relative `cd` before it."""
    if word.dynamic and "$" not in word.text:
        return False
    if in_active_dir(word.text):
        return True
    return cd is not None and not word.text.startswith(("/", "$", "~")) and \
        in_active_dir(f"{cd.text}/{word.text}")
