"""Shell and the formats that hold shell commands: scripts (`*.sh`, `*.bash`, a sh/bash/dash
shebang), Makefiles (recipes) and crontabs (the command field). One analysis
(`parsers/shell.py`, tree-sitter-bash) under three readers."""

from __future__ import annotations

from qt_lint import lazyre
from qt_lint.finding import Kind
from qt_lint.kinds.base import FileKind, Name
from qt_lint.sha import sha256

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from collections.abc import Callable

    from qt_lint.command_model import Command
    from qt_lint.context import FileContext
    from qt_lint.parsers.shell import ShellAnalysis, Written
    from qt_lint.project import Project

SHELL_KINDS = frozenset({Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB})
# the words of a privilege escalation (QT701), as text: what a script must hold to need them
ESCALATION_WORDS = ("sudo", "su ", "doas", "pkexec")
# the same, in the bytes (ASCII: found in the bytes exactly where they are in the text)
_ESCALATION_BYTES = tuple(word.encode() for word in ESCALATION_WORDS)
_SHELLS = {b"sh", b"bash", b"dash", b"ash", b"ksh"}
# what makes a shell word differ from its spelling in the text
_QUOTING = ("'", '"', "\\", "$")
_MAKEFILES = {"Makefile", "makefile", "GNUmakefile"}


def _may_escalate(data: bytes) -> bool:
    """The script may run `sudo`/`su`/...: the words are in its bytes as the shell reads
    them once quotes and backslashes are gone (`su"do"`, `s\\udo`), or an ANSI-C string
    (`$'\\x73udo'`) could spell anything."""
    if any(word in data for word in _ESCALATION_BYTES):
        return True
    if b"$'" in data:
        return True
    if not any(mark in data for mark in (b"'", b'"', b"\\")):
        return False
    plain = data.replace(b"\\\n", b"").translate(None, b"'\"\\")
    return any(word in plain for word in _ESCALATION_BYTES)


class ShellFamily(FileKind):
    """What the three shell readers share: the analysis is where commands come from."""

    def parse(self, ctx: FileContext) -> None:
        _ = ctx.shell

    def commands(self, ctx: FileContext) -> list[Command]:
        return ctx.shell.commands

    def prefilter_text(self, ctx: FileContext) -> str:
        """The text, and the words as the shell reads them after quote removal and
        escapes (`"py"thon3`, `su\\<newline>do`, `$'\\x70ython3'`): a prefilter looks
        for `python`, and the shell runs what the text never spells."""
        text = ctx.text
        if not any(mark in text for mark in _QUOTING):
            return text
        from qt_lint.parsers import ParseError

        try:
            analysis = ctx.shell
        except ParseError:
            return text
        words = [w.text for c in analysis.commands for w in (*c.words, c.first) if w]
        words.extend(name for c in analysis.commands for name in c.wrappers)
        words.extend(r.target.text for r in analysis.redirects)
        return text + "\n" + " ".join(words)


_PROGRAM = lazyre.compile(rb"[\w./${}-]+\.(?:py|sh|bash)\b|-m[ \t]+([\w.]+)")


def _programs_named(data: bytes, canary: str, repo_root: str) -> list[str]:
    """The repository paths a canary script may run (QT604 reads them): `*.py`/`*.sh`
    words and `-m` modules, as written and beside the canary."""
    here = canary.rsplit("/", 1)[0] + "/" if "/" in canary else ""
    out: list[str] = []
    for match in _PROGRAM.finditer(data):
        name = (match.group(1).replace(b".", b"/") + b".py") if match.group(1) else \
            match.group(0)
        text = name.decode("utf-8", "replace")
        for prefix in (repo_root.rstrip("/") + "/", "${REPO_ROOT}/", "$REPO_ROOT/", "./"):
            text = text.removeprefix(prefix)
        out += [text, here + text]
    return sorted(set(out))


class ShellKind(ShellFamily):
    kind = Kind.SHELL
    files = "`*.sh`, `*.bash`, extensionless with an sh/bash/dash shebang"

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return name.suffix in (".sh", ".bash")

    def runs(self, program: bytes) -> bool:
        return program in _SHELLS

    def comment_positions(self, text: str) -> set[tuple[int, int]] | None:
        """(line, column from 0) of the `#` of every shell comment: a heredoc body or a
        quoted string that holds `# qt-lint: ignore-file[...]` is data, not a suppression.
        None when the parser cannot load (then every directive-shaped line counts)."""
        from qt_lint.config import ConfigError
        from qt_lint.parsers.shell import comment_starts

        try:
            starts = comment_starts(text)
        except (ConfigError, RecursionError):
            return None
        lines = text.split("\n")
        out = set()
        for line, column in starts:
            raw = lines[line - 1].encode("utf-8", "surrogateescape") if line <= len(lines) \
                else b""
            out.add((line, len(raw[:column - 1].decode("utf-8", "replace"))))
        return out

    def dependencies(self, project: Project, abspath: str, content: Callable[[], bytes]) -> str:
        # QT701 judges `sudo` by what runs the script: only a script that escalates depends
        # on the units, crontabs and scripts that name it
        contract = project.config.contract
        canary = contract.canary_script.strip("/")
        if abspath.endswith("/" + canary):  # QT607: is there a rollback script beside it
            base = abspath[: -len(canary)]
            rollback = base + contract.rollback_script
            how = f"{project.files.isfile(rollback)} {project.service_scripts.get(abspath, '')}"
            # QT604 reads the quality gate and the repository programs the canary runs
            for rel in [contract.quality_gate, *_programs_named(content(), canary,
                                                                  contract.repo_root)]:
                how += f"\0{rel}\0{project.files.read(base + rel) or ''}"
            return sha256(how.encode("utf-8", "surrogatepass")).hexdigest()
        data = content()
        if not _may_escalate(data):
            return ""
        how = project.service_scripts.get(abspath, "")
        return sha256(how.encode()).hexdigest()

    def written(self, ctx: FileContext) -> list[Written]:
        """Units, crontabs and env files the script writes (heredocs, echo, printf,
        `install /dev/stdin`)."""
        return ctx.shell.written

    def rewritten(self, ctx: FileContext, written: list[Written],
                  generated: Callable[[str], object]) -> list[Written]:
        """Files the script copies from files kept under other names, and edits in place
        (`cp`, `sed -i`: qt_lint.rewrites)."""
        commands = ctx.shell.commands
        if not any(c.name in ("cp", "install", "sed") for c in commands):
            return []
        from qt_lint.rewrites import repository_reader, rewrites

        reader = repository_reader(ctx.abspath or ctx.path, str(ctx.config.root))
        return rewrites(commands, written, generated, reader)


class MakefileKind(ShellFamily):
    kind = Kind.MAKEFILE
    files = "`Makefile`, `makefile`, `GNUmakefile`, `*.mk`"

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return name.name in _MAKEFILES or name.suffix == ".mk"

    def dependencies(self, project: Project, abspath: str, content: Callable[[], bytes]) -> str:
        # QT606 wants a `quality-gate` target only where the repository has the gate
        import os

        gate = os.path.join(os.path.dirname(abspath), project.config.contract.quality_gate)
        return "gate" if project.files.isfile(gate) else ""

    def shell_analysis(self, ctx: FileContext) -> ShellAnalysis:
        from qt_lint.parsers.makefile import parse_makefile

        return parse_makefile(ctx.text)


class CrontabKind(ShellFamily):
    kind = Kind.CRONTAB
    files = "`crontab`, `anacrontab`, `*.cron`, `*.crontab`, files in `cron.d/`"
    generated = True

    def matches(self, name: Name, head: Callable[[], bytes] | None) -> bool:
        return (name.name in ("crontab", "anacrontab") or name.suffix in (".cron", ".crontab")
                or name.parent == "cron.d")

    def shell_analysis(self, ctx: FileContext) -> ShellAnalysis:
        from qt_lint.parsers.crontab import parse_crontab

        return parse_crontab(ctx.text, ctx.relpath, ("root", ctx.config.contract.user))


SHELL = ShellKind()
MAKEFILE = MakefileKind()
CRONTAB = CrontabKind()
