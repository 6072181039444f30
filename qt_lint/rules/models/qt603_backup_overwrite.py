from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Command
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.models.helpers import new_each_run

BACKUP_PATH = lazyre.compile(r"(?:^|/)(?:archive|backups)(?:/|$)")
_DELETE = frozenset({"rm", "rmdir", "unlink", "shred"})
_COPY = frozenset({"cp", "mv", "rsync", "install"})
_FORCE = lazyre.compile(r"^(?:-[A-Za-z]*f[A-Za-z]*|--force|--delete\S*|--remove-destination)$")
_WRITE = frozenset({">", "&>", ">|"})


def _delete_target(command: Command) -> Iterator[int]:
    """Indexes of words that a command deletes or overwrites inside archive/ or backups/."""
    words = command.words
    name = command.name
    if name in _DELETE:
        for i, word in enumerate(words[1:], start=1):
            if not word.text.startswith("-") and BACKUP_PATH.search(word.text):
                yield i
    elif name in _COPY and any(_FORCE.match(w.text) for w in words[1:]):
        targets = [i for i, w in enumerate(words[1:], start=1) if not w.text.startswith("-")]
        if targets and BACKUP_PATH.search(words[targets[-1]].text):
            yield targets[-1]
    elif name == "find" and any(w.text == "-delete" for w in words[1:]):
        for i, word in enumerate(words[1:], start=1):
            if word.text.startswith("-"):
                break
            if BACKUP_PATH.search(word.text):
                yield i


class BackupOverwrite(Rule):
    """
    ## What it does
    Reports deleting or overwriting inside `archive/` or `backups/`: `rm`/`rm -rf`,
    `unlink`, `shred`, `find ... -delete`, a forced `cp -f`/`mv -f`/`rsync --delete` onto
    them, a `>` redirection onto a file in them (not one whose name has a time stamp,
    `> "archive/$(date +%s)_x"`: a new file each run); in Python `shutil.rmtree`, `os.remove`,
    `os.unlink`, `Path.unlink`, and opening an archive file for writing. Creating a new
    archive entry (`mv active/x.pkl archive/<timestamp>_x`) is fine.

    ## Why is this bad?
    Contract F: "Backup created before EVERY model change", "NEVER overwrite backups".
    The rollback protocol restores from them; a cleanup that deletes them turns the next
    bad model into an outage without a way back.

    ## Example
    ```sh
    rm -rf /opt/quantum/ai_engine/models/archive/*
    ```

    ## Use instead
    Keep archives; prune them, if at all, with a reviewed retention job that a human runs.
    """

    code = "QT603"
    name = "backup-overwrite"
    section = "F"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON})
    prefilter = {Kind.PYTHON: (AnyOf("archive", "backups"),
                               lazyre.compile(r"rmtree|remove|unlink|rmdir|open|write|save|dump")),
                 Kind.SHELL: AnyOf("archive", "backups"),
                 Kind.CRONTAB: AnyOf("archive", "backups")}
    summary = "Deleting or overwriting inside archive/ or backups/"
    example_path = "ops/cleanup.sh"
    VALID = (Example('mv models/active/x.pkl "models/archive/$(date +%s)_x.pkl"\n'
                     "tar czf backups/new.tgz data\nls backups/\nrm -rf build/\n"),
             Example('cat /etc/quantum/ai-engine.env > "models/archive/$(date +%s)_xgb_2"\n'),
             Example('B=/opt/quantum/models/backups\nB=$1\nrm -rf "$B"/old\n'))
    INVALID = (
        Example("rm -rf /opt/quantum/ai_engine/models/archive/*\n", expect=((1, 8),)),
        Example("cp -f model.pkl backups/model.pkl\n", expect=((1, 17),)),
        Example("echo {} > /opt/quantum/data/backups/state.json\n", expect=((1, 11),)),
        Example('import shutil, os\nshutil.rmtree("/opt/quantum/data/backups")\n'
                'B = os.environ["MODEL_DIR"] + "/archive"\nos.remove(B + "/old.pkl")\n',
                path="ops/clean.py", expect=((2, 15), (4, 11))),
        Example('B=/opt/quantum/models/backups\nfind "$B" -mtime +7 -delete\n',
                expect=((2, 6),)),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        if ctx.kind not in SHELL_KINDS:
            return
        for command in ctx.commands:
            for index in _delete_target(command):
                word = command.words[index]
                yield ctx.finding(self, word.line, word.column,
                                  f"`{command.name}` deletes or overwrites {word.text}; "
                                  "backups and archives are never overwritten")
        for redirect in ctx.shell.redirects:
            # a name with a time stamp (`archive/$(date +%s)_x`) is a new file each run
            if redirect.operator in _WRITE and BACKUP_PATH.search(redirect.target.text) and \
                    not new_each_run(BACKUP_PATH.split(redirect.target.text)[-1]):
                target = redirect.target
                yield ctx.finding(self, target.line, target.column,
                                  f"redirection overwrites {target.text}; backups and "
                                  "archives are never overwritten")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.calls import file_ops

        facts = ctx.python
        for op in file_ops(facts):
            if not BACKUP_PATH.search(op.path.text):
                continue
            # a write to a fixed name overwrites the same archive entry every run
            if op.op == "delete" or op.path.exact:
                line, column = facts.position(op.node)
                verb = "deletes" if op.op == "delete" else "overwrites"
                yield ctx.finding(self, line, column,
                                  f"`{op.call.name.lstrip('.')}` {verb} {op.path.text}; backups "
                                  "and archives are never overwritten")
