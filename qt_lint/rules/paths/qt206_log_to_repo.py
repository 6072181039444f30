from __future__ import annotations

from collections.abc import Iterator

from qt_lint import lazyre
from qt_lint.command_model import Word
from qt_lint.context import SHELL_KINDS, FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.rules.paths.helpers import HANDLERS, into_repo

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.parsers.python import Call, PythonFacts

_WRITE = frozenset({">", ">>", "&>", "&>>", ">|"})
_LOG_FILE = lazyre.compile(r"(?:^|/)logs?/|\.(?:log|out|err)$")
# How the source writes a path `_LOG_FILE` matches (as written, as the other needles read
# it: not spelt by escapes, nor a word cut in two by implicit concatenation): the value's
# last piece ends a literal with `.log`, `.out` or `.err` (`f"{name}.log"`, `base + ".log"`,
# an f-string's text before a brace), or is that word alone after a `"."` piece; or a
# folder `log`/`logs` is followed by `/` in a literal, or ends a literal or an f-string's
# text that a join, `/` or a replacement field continues (`Path("logs") / name`).
_LOG_PATH_PIECES = tuple(
    [f"{suffix}{end}" for suffix in (".log", ".out", ".err") for end in "\"'{"]
    + [f"{q}{word}{q}" for word in ("out", "err") for q in "\"'"]
    + [f"{folder}{end}" for folder in ("log", "logs") for end in "/\"'{"])


def _appends(facts: object, call: object) -> bool:
    """`open(path, "a")` (any append mode); `facts` and `call` are a file's `PythonFacts`
    and one of its calls (the handler table is typed for every kind)."""
    if TYPE_CHECKING:
        assert isinstance(facts, PythonFacts) and isinstance(call, Call)  # for the checker
    mode = call.arg(1, "mode")
    value = facts.resolve(mode, call.scope) if mode is not None else None
    return value is not None and value.exact and "a" in value.text


class LogToRepo(Rule):
    """
    ## What it does
    Reports log output written inside the repository: shell redirections (`>`, `>>`,
    `&>`) and `tee` to `logs/...`, a relative `*.log`, or a path under the repository root
    (`/home/qt/quantum_trader/...`, `$REPO_ROOT/...`); in Python, `logging.FileHandler`,
    `RotatingFileHandler`, `basicConfig(filename=...)`, loguru's `logger.add(...)` and
    `open(..., "a")` on a log path (`logs/...`, `*.log`) with a relative path or one under
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
    # each shape the Python check reads, with the words it cannot do without: a handler,
    # `basicConfig(filename=...)`, loguru's `logger.add(...)`, `open(...)` of a log path
    # (`open` may be followed by blanks before its parenthesis)
    prefilter = {Kind.PYTHON: Either(AnyOf("FileHandler"),
                                     (AnyOf("basicConfig"), AnyOf("filename")),
                                     (AnyOf(".add("), AnyOf("logger")),
                                     (AnyOf(*_LOG_PATH_PIECES), AnyOf("open")))}
    summary = "Log output written inside the repository"
    example_path = "ops/train.sh"
    VALID = (Example("job >> /var/log/quantum/train.log 2>&1\njob > /dev/null\n"),
             Example('job > "$OUT"\necho x > result.json\n'),
             Example('import logging, os\nlogging.FileHandler("/var/log/quantum/b.log")\n'
                     'logging.FileHandler(os.environ["LOG_FILE"])\n', path="b/app.py"))
    INVALID = (
        Example("job >> logs/training.log 2>&1\n", expect=((1, 8),)),
        Example('job &> "$REPO_ROOT/train.out"\n', expect=((1, 8),)),
        Example("job 2>&1 | tee -a logs/train.log\n", expect=((1, 19),)),
        Example('from loguru import logger\nlogger.add("logs/app.log", rotation="1 day")\n'
                'with open("logs/trades.log", "a") as f:\n    f.write("x")\n'
                'with open("state.json", "a") as g:\n    g.write("x")\n', path="b/app.py",
                expect=((2, 12), (3, 11))),
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
        # one finding per file written (`>> "$REPORT"` forty times is one offence), at the
        # first write, with the count
        writes: dict[str, list[Word]] = {}
        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator in _WRITE and into_repo(target.text, ctx.contract.repo_root):
                writes.setdefault(target.text, []).append(target)
        for text, targets in writes.items():
            first = targets[0]
            more = f" ({len(targets)} writes)" if len(targets) > 1 else ""
            yield ctx.finding(self, first.line, first.column,
                              f"output redirected into the repository ({text}){more}; "
                              "log to the journal or /var/log/quantum/")
        for command in ctx.commands:
            if command.name != "tee":
                continue
            for word in command.args:
                if not word.text.startswith("-") and into_repo(word.text,
                                                               ctx.contract.repo_root):
                    yield ctx.finding(self, word.line, word.column,
                                      f"output copied into the repository by tee ({word.text}); "
                                      "log to the journal or /var/log/quantum/")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.resolver import BESIDE_THIS_FILE  # `Path(__file__).parent / ...`

        facts = ctx.python
        for call in facts.calls:
            if call.attr in HANDLERS:
                node = call.arg(0, "filename")
            elif call.name == "logging.basicConfig":
                node = call.kwarg("filename")
            elif call.name in ("loguru.logger.add", "logger.add") or (
                    call.attr == "add" and call.name.endswith("logger.add")):
                node = call.arg(0, "sink")  # loguru: a str or Path sink is a file
            elif call.name == "open" and _appends(facts, call):
                node = call.arg(0, "file")
                value = facts.resolve(node, call.scope) if node is not None else None
                if value is None or not _LOG_FILE.search(value.text):
                    continue  # appending to data, not to a log
            else:
                continue
            value = facts.resolve(node, call.scope) if node is not None else None
            if value is None or node is None:
                continue
            text = value.text
            relative = not text.startswith(("/", "$", "~", "{"))
            if relative or into_repo(text, ctx.contract.repo_root):
                line, column = facts.position(node)
                shown = text.replace(BESIDE_THIS_FILE, "", 1) + " beside this file" \
                    if text.startswith(BESIDE_THIS_FILE) else text
                yield ctx.finding(self, line, column,
                                  f"`{call.attr}` writes its log into the repository ({shown}); "
                                  "log to the journal or /var/log/quantum/")
