from __future__ import annotations

import re
from collections.abc import Iterator

from qt_lint.config import Contract
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.paths.helpers import wrong_repo_path


class RepoLocation(Rule):
    """
    ## What it does
    Reports the repository referenced anywhere but at `/home/qt/quantum_trader`:
    `~/quantum_trader`, `$HOME/quantum_trader`, `/root/quantum_trader`,
    `/opt/quantum_trader`, `/mnt/c/quantum_trader`, `/home/<other>/quantum_trader`; a
    `git clone` into `/opt` or `/var` (one finding, also when the destination is named
    `quantum_trader`); an `ln -s` that creates a link to or named `quantum_trader`. The
    canonical root and paths below it are fine, and so are URLs
    (`https://github.com/x/quantum_trader`: a remote, not a checkout); a `file://` URL is
    a local path and is judged as one. In units, every setting is read (`ExecStart=`
    arguments, `ReadWritePaths=`, `Environment=` values) except `WorkingDirectory=` (QT404)
    and `EnvironmentFile=` (QT304).

    ## Why is this bad?
    Contract A: one repository root, "NEVER use ~/quantum_trader or symbolic links, NEVER
    clone to /opt or /var". Two checkouts drift; a symlink makes the audit and every
    absolute path lie about which code runs.

    ## Example
    ```sh
    cd ~/quantum_trader && git pull
    ```

    ## Use instead
    ```sh
    cd /home/qt/quantum_trader && git pull
    ```

    ## Options
    `contract.repo-root`.
    """

    code = "QT204"
    name = "repo-location"
    section = "A"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON, Kind.UNIT})
    summary = "Repository referenced outside its one root"
    example_path = "ops/deploy.sh"
    VALID = (Example("cd /home/qt/quantum_trader/ops && ls\nls /opt/quantum/data\n"),
             Example("[Service]\nWorkingDirectory=/root/quantum_trader\nExecStart=/opt/quantum/"
                     "venvs/backend/bin/python /home/qt/quantum_trader/app.py\n",
                     path="systemd/quantum-backend.service"),
             Example("git clone https://github.com/example/quantum_trader.git\n"),
             Example('URL = "https://github.com/example/quantum_trader/issues"\n', path="x.py"))
    INVALID = (
        Example("cd ~/quantum_trader && git pull\n", expect=((1, 4),)),
        Example("git clone https://git.example.invalid/qt.git /opt/qt\n", expect=((1, 46),)),
        Example("git clone https://git.example.invalid/x.git /opt/quantum_trader\n",
                expect=((1, 45),)),
        Example("ln -s /home/qt/quantum_trader /srv/app\n", expect=((1, 1),)),
        Example('import os\nROOT = os.path.expanduser("~/quantum_trader")\n', path="x.py",
                expect=((2, 27),)),
        Example('from pathlib import Path\nROOT = Path.home() / "quantum_trader"\n',
                path="x.py", expect=((2, 8),)),
        Example("[Service]\nExecStart=/opt/quantum/venvs/backend/bin/python "
                "/root/quantum_trader/app.py\n", path="systemd/quantum-backend.service",
                expect=((2, 49),)),
        Example('SOURCE = "file:///root/quantum_trader/data"\n', path="x.py",
                expect=((1, 10),)),
    )

    def prefilter_for(self, kind: Kind, contract: Contract) -> AnyOf | None:
        name = contract.repo_root.rstrip("/").rsplit("/", 1)[-1]
        if kind is Kind.PYTHON:
            return AnyOf("/" + name, '"' + name, "'" + name)  # also `Path.home() / "<name>"`
        return AnyOf(name, "clone", "ln ")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.UNIT:
            yield from self._unit(ctx)
            return
        if ctx.kind is Kind.PYTHON:
            for lit in ctx.python.literals:
                path = None if lit.docstring else wrong_repo_path(lit.value, ctx.contract)
                if path:
                    yield ctx.finding(self, lit.line, lit.column,
                                      f"repository referenced as {path}; it lives at "
                                      f"{ctx.contract.repo_root}")
        if ctx.kind not in SHELL_KINDS:
            return
        c = ctx.contract
        name = c.repo_root.rstrip("/").rsplit("/", 1)[-1]
        analysis = ctx.shell
        clones = {(a[2].line, a[2].column) for command in analysis.commands
                  if command.name == "git" and len(a := [w for w in command.args
                                                         if not w.text.startswith("-")]) >= 3
                  and a[0].text == "clone" and a[2].text.startswith(("/opt", "/var"))}
        for word in analysis.words:
            if (word.line, word.column) in clones:
                continue  # reported once, as a clone into /opt or /var (below)
            path = wrong_repo_path(word.text, c) if name in word.text else None
            if path:
                yield ctx.finding(self, word.line, word.column,
                                  f"repository referenced as {path}; it lives at {c.repo_root}")
        for command in analysis.commands:
            args = [w for w in command.args if not w.text.startswith("-")]
            if command.name == "git" and args and args[0].text == "clone" and len(args) >= 3:
                dest = args[2]
                if dest.text.startswith(("/opt", "/var")):
                    yield ctx.finding(self, dest.line, dest.column,
                                      f"git clone into {dest.text}; the repository lives at "
                                      f"{c.repo_root} only")
            symlink = command.name == "ln" and any(
                w.text.startswith("-") and "s" in w.text for w in command.args)
            if symlink and any(w.text.rstrip("/").rsplit("/", 1)[-1] == name for w in args):
                program = command.program
                yield ctx.finding(self, program.line, program.column,
                                  f"symbolic link to or named {name}; the repository is "
                                  "never reached through a link")

    def _unit(self, ctx: FileContext) -> Iterator[Finding]:
        c = ctx.contract
        name = c.repo_root.rstrip("/").rsplit("/", 1)[-1]
        for section in ctx.unit_document.sections:
            for a in section.assignments:
                if a.key in _UNIT_KEYS_JUDGED_ELSEWHERE or name not in a.value:
                    continue
                for word in re.finditer(r"\S+", a.value):
                    path = wrong_repo_path(word.group(), c)
                    if path:
                        index = word.start() + max(word.group().find(path), 0)
                        line, column = a.position(index)
                        yield ctx.finding(self, line, column, f"repository referenced as "
                                          f"{path}; it lives at {c.repo_root}")


# the unit settings whose repository path another rule judges (one offence, one finding)
_UNIT_KEYS_JUDGED_ELSEWHERE = frozenset({"WorkingDirectory", "EnvironmentFile"})
