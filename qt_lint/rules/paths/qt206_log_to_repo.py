from __future__ import annotations

from collections.abc import Iterator

from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Example, Rule
from qt_lint.rules.paths.helpers import HANDLERS, into_repo

_WRITE = frozenset({">", ">>", "&>", "&>>", ">|"})
class LogToRepo(Rule):
    """
    ## What it does
    Reports log output written inside the repository: shell redirections (`>`, `>>`,
    `&>`) to `logs/...`, a relative `*.log`, or a path under the repository root
    (`/home/qt/quantum_trader/...`, `$REPO_ROOT/...`); in Python, `logging.FileHandler`,
    `RotatingFileHandler` or `basicConfig(filename=...)` with a relative path or one under
    the repository root. Not reported: `/var/log/quantum/<service>.log`, `/dev/null`, the
    journal.

    ## Why is this bad?
    Contract A: "NEVER log to repo directory". Logs in the work tree are lost with the
    clean-slate redeploy, leak into commits, and fill the disk without logrotate.

    ## Example
    ```sh
    python_job >> logs/training.log 2>&1
    ```

    ## Use instead
    Let systemd send output to the journal, or write to `/var/log/quantum/<service>.log`.
    """

    code = "QT206"
    name = "log-to-repo"
    section = "A"
    kinds = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON})
    prefilter = {Kind.PYTHON: AnyOf("FileHandler", "basicConfig")}
    summary = "Log output written inside the repository"
    example_path = "ops/train.sh"
    VALID = (Example("job >> /var/log/quantum/train.log 2>&1\njob > /dev/null\n"),
             Example('job > "$OUT"\necho x > result.json\n'),
             Example('import logging, os\nlogging.FileHandler("/var/log/quantum/b.log")\n'
                     'logging.FileHandler(os.environ["LOG_FILE"])\n', path="b/app.py"))
    INVALID = (
        Example("job >> logs/training.log 2>&1\n", expect=((1, 8),)),
        Example('job &> "$REPO_ROOT/train.out"\n', expect=((1, 8),)),
        Example('import logging\nlogging.basicConfig(filename="logs/backend.log")\n'
                'h = logging.FileHandler("/home/qt/quantum_trader/x.log")\n', path="b/app.py",
                expect=((2, 30), (3, 25))),
    )

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            return
        if ctx.kind not in SHELL_KINDS:
            return
        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator in _WRITE and into_repo(target.text, ctx.contract.repo_root):
                yield ctx.finding(self, target.line, target.column,
                                  f"output redirected into the repository ({target.text}); "
                                  "log to the journal or /var/log/quantum/")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        for call in facts.calls:
            if call.attr in HANDLERS:
                node = call.arg(0, "filename")
            elif call.name == "logging.basicConfig":
                node = call.kwarg("filename")
            else:
                continue
            value = facts.resolve(node, call.scope) if node is not None else None
            if value is None or node is None:
                continue
            text = value.text
            relative = not text.startswith(("/", "$", "~", "{"))
            if relative or into_repo(text, ctx.contract.repo_root):
                line, column = facts.position(node)
                yield ctx.finding(self, line, column,
                                  f"`{call.attr}` writes its log into the repository ({text}); "
                                  "log to the journal or /var/log/quantum/")
