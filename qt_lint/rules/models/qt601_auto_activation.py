from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase

from qt_lint import lazyre
from qt_lint.command_model import (
    SHELLS,
    Command,
    Word,
    copy_operands,
    is_python_name,
    is_wrapper,
)
from qt_lint.config import Contract
from qt_lint.context import FileContext
from qt_lint.finding import Finding, Kind
from qt_lint.record import replace
from qt_lint.rule import AnyOf, Either, Example, Rule
from qt_lint.rules.examples import GOLDEN_ONESHOT

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    import ast

    from qt_lint.parsers.python import Call, PythonFacts

_GATE = lazyre.compile(r"(?i)quality|gate|pass|eval|score|metric|accura|sharpe|threshold|better|"
                   r"improv|valid|backtest|auc|loss|profit|pnl|drawdown|approv|decision|"
                   r"verdict|status|promot|champion|winner|outperform|beats?\b")
# a condition a person answers: a command-line flag, a prompt, a confirmation
_HUMAN = lazyre.compile(r"\b(?:args|opts|options|cli_args|flags)\.\w+|(?i:confirm|input\(|"
                    r"interactive|i_am_human)")
# work whose result an activation right after it in the same function acts on
_PRODUCES = lazyre.compile(r"(?:^|_)(?:re)?train|^fit$|^fit_|(?:^|_)evaluat|(?:^|_)backtest|"
                       r"^validate|^score_")  # functions, not classes (`EvaluationResult`)
_SWITCH = lazyre.compile(r"(?:^|\s)[\"']?([A-Z0-9_]*(?:AUTO_ACTIVAT|AUTO_PROMOT)[A-Z0-9_]*|"
                     r"SHADOW_MODE)=([^\s\"']*)")
SWITCH_VALUES = {"AUTO_ACTIVATION": "disabled", "SHADOW_MODE": "enabled"}
_CRON_ENV = lazyre.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
# `env [-i] [-u NAME] NAME=value ... cmd` (GNU env's grammar: options first)
_ENV_PREFIX = lazyre.compile(r"(?:^|[\s;&|(`]|\$\()(?:/usr)?(?:/bin/)?env\s+"
                         r"(?:(?:-[iv0]|--ignore-environment|-|-u\s*\S+|--unset=\S+)\s+)*")
_ENV_PAIR = lazyre.compile(r"(([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|]*))\s+")
_MODEL = lazyre.compile(r"(?i)model|weight")
_MODEL_KEY = lazyre.compile(r"(?:MODEL|WEIGHT)[A-Z0-9_]*\s*=")  # `XGB_WEIGHT=`, `ACTIVE_MODEL=`
_OFF = frozenset({"disabled", "false", "0", "no", "off"})
_ON = frozenset({"enabled", "true", "1", "yes", "on"})


def switch_of(key: str) -> str | None:
    """The contract switch a key is: `SHADOW_MODE`, or `AUTO_ACTIVATION` for every
    `*AUTO_ACTIVAT*` and `*AUTO_PROMOT*` key (`QT_CLM_AUTO_PROMOTE`)."""
    upper = key.upper()
    if upper == "SHADOW_MODE":
        return "SHADOW_MODE"
    if "AUTO_ACTIVAT" in upper or "AUTO_PROMOT" in upper:
        return "AUTO_ACTIVATION"
    return None


def switch_ok(switch: str, value: str) -> bool:
    """Off for activation, on for shadow mode, in any of the usual spellings."""
    return value.strip().lower() in (_OFF if switch == "AUTO_ACTIVATION" else _ON)


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_GLOB = lazyre.compile(r"[*?\[]")
_FIND_NAME = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"})
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def names_script(text: str, script: str) -> bool:
    """A word that runs `script` when it is run: its name, or a glob the shell expands
    to it (`canary_activ*.sh`, `canary_activ?te.sh`, `./canary*`): the last part,
    matched as the shell matches a file name."""
    name = text.rsplit("/", 1)[-1]
    if name == script:
        return True
    return bool(_GLOB.search(name)) and not name.startswith("$") and fnmatchcase(script, name)


def _find_exec(command: Command, script: str) -> int | None:
    """`find DIR -name 'canary_*.sh' -exec {} \\;` (or `-exec bash {} +`): the index of
    the name pattern when it matches the script and `{}` is run (the program or a
    runner's first argument)."""
    words = [w.text for w in command.words]
    pattern = None
    for i, text in enumerate(words[:-1]):
        if text in _FIND_NAME:
            last = words[i + 1].rsplit("/", 1)[-1]
            folded = text.startswith("-i")
            if fnmatchcase(script.lower() if folded else script,
                           last.lower() if folded else last):
                pattern = i + 1
        elif text in _FIND_EXEC and pattern is not None:
            run = words[i + 1:i + 3]
            if run[:1] == ["{}"] or (len(run) == 2 and run[1] == "{}" and (
                    run[0].rsplit("/", 1)[-1] in SHELLS or run[0] in ("source", "."))):
                return pattern
    return None


def canary_word(command: Command, ctx: FileContext) -> int | None:
    """Index of the word that is the canary script this command runs, or None: the
    program, a runner's argument (a shell, a python, the wrapper, `source`), a glob
    either expands to, or a `find -name` pattern whose matches `-exec` runs."""
    script = ctx.contract.canary_name
    words = command.words
    if names_script(command.program.text, script):
        return 0
    runner = command.name in SHELLS or is_python_name(command.name) or is_wrapper(
        command.program.text, ctx.contract) or command.name in ("source", ".")
    if runner:
        for i, word in enumerate(words[1:], start=1):
            if names_script(word.text, script):
                return i
    if command.name == "find":
        return _find_exec(command, script)
    return None


def _name(text: str) -> str:
    """A file's name as written, `${TMP}` as `$TMP`."""
    return re.sub(r"\$\{(\w+)\}", r"$\1", text.strip())


_HEREDOC = lazyre.compile(r"(?<!<)<<-?(?!<)\s*([\"']?)(\w+)\1")
_HEREDOC_LINES = 500  # a body longer than this is not read for a model setting


def _with_heredoc(lines: list[str], line: int) -> str:
    """A line and the text of the heredocs it starts (`cat > "$TMP" <<EOF`; not a `<<<`
    here-string)."""
    text = lines[line - 1]
    if "<<" not in text:
        return text
    parts = [text]
    at = line
    for match in _HEREDOC.finditer(text):
        end = min(len(lines), at + _HEREDOC_LINES)
        while at < end and lines[at].strip() != match.group(2):
            parts.append(lines[at])
            at += 1
        at += 1
    return "\n".join(parts)


def _moves_staged(command: Command, target: Word, staged: dict[str, tuple[int, int]]) -> bool:
    """`mv "$TMP" /etc/quantum/ai-engine.env` where `$TMP` was given a model setting before:
    the two-step replace that writes the setting."""
    copy = copy_operands(command.name, command.args)
    if copy is None:
        return False
    sources = copy.operands if copy.folders else copy.operands[:-1]
    return any(_name(w.text) in staged and staged[_name(w.text)] < (target.line, target.column)
               for w in sources)


_RUNNERS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                      "subprocess.check_output", "subprocess.Popen", "os.system", "os.popen"})


def _chdirs(facts: PythonFacts) -> list[tuple[int, int, str]]:
    """`os.chdir("/etc/quantum")` calls with a known absolute folder: (scope, line, folder)."""
    out = []
    for call in facts.calls:
        if call.name != "os.chdir":
            continue
        node = call.arg(0, "path")
        folder = facts.resolve(node, call.scope) if node is not None else None
        if folder is not None and folder.exact and folder.text.startswith("/"):
            out.append((id(call.scope), call.line, folder.text))
    return out


def _cwd_at(moved: list[tuple[int, int, str]], call: Call) -> str | None:
    """The folder of the last `os.chdir` before the call in its own function (or module)."""
    found = [(line, folder) for scope, line, folder in moved
             if scope == id(call.scope) and line < call.line]
    return max(found)[1] if found else None


def _in_chdir(command: Command, moved: list[tuple[int, int, str]],
              facts: PythonFacts) -> Command:
    """A command Python runs, in the folder an `os.chdir` before its call moved to."""
    if not moved or command.cwd is not None or command.cd is not None:
        return command
    line = command.program.line
    for call in facts.calls:
        end = getattr(call.node, "end_lineno", None) or call.line
        if call.name in _RUNNERS and call.line <= line <= end:
            here = _cwd_at(moved, call)
            if here is None:
                return command
            return replace(command, cwd=Word(here, command.program.line,
                                             command.program.column))
    return command


def _main_guard(source: str) -> bool:
    return "__name__" in source and "__main__" in source


def _gate_text(facts: PythonFacts, condition: ast.expr, call: Call) -> str:
    """A condition's source, with what the names in it were assigned (`should_promote =
    score > best` then `if should_promote:` is a gate on a score)."""
    import ast  # Python files only (the module costs a unit's run 2 ms)

    parts = [facts.source(condition)]
    for node in ast.walk(condition):
        if isinstance(node, ast.Name):
            bound = call.scope.lookup(node.id)
            if bound is not None:
                parts.append(facts.source(bound))
    return " ".join(parts)


class AutoActivation(Rule):
    """
    ## What it does
    Reports model activation without a human:
    - running `canary_activate.sh` from code, scripts, Makefiles, crontabs, units or
      timers (activation is a human's act at a terminal), also through a glob the
      shell expands to it (`ops/model_safety/canary_activ*.sh`, `./canary*`) or `find
      -name 'canary_*.sh' -exec {} \\;`;
    - a call of a configured activation verb (`activate_model`, `promote*`,
      `canary_activate`, `set_active_model`) inside a branch conditioned on a quality
      gate or evaluation result;
    - `AUTO_ACTIVATION` (and every `*AUTO_ACTIVAT*` or `*AUTO_PROMOT*` key, such as
      `QT_CLM_AUTO_PROMOTE`) set to anything but off (`disabled`, `false`, `0`, `no`,
      `off`), or `SHADOW_MODE` to anything but on (`enabled`, `true`, `1`, `yes`, `on`), in
      env files, unit `Environment=` and `os.environ` writes, and in shell scripts and
      crontabs (`export AUTO_ACTIVATION=enabled`, quoted `export "AUTO_ACTIVATION=enabled"`,
      a `SHADOW_MODE=disabled cmd` prefix or its `env SHADOW_MODE=disabled cmd` form, a
      crontab's `NAME=value` line; `readonly -x X=1`, an option bash refuses, sets nothing);
    - writing a model path or weight into the model setting (`/etc/quantum/*.env`,
      `.env.model_config`) from anything but the canary script: Python `open(..., "w"/"a")`,
      `shutil.copy`/`copy2`/`copyfile`/`move`, `os.replace`/`os.rename`, `Path.write_text`
      and the programs it runs (`subprocess.run(["sed", "-i", ...])`, `check_call`, `Popen`,
      `os.system("...")`), a relative path read from `cwd=` or an `os.chdir` before it in
      the same function; scripts, Makefile recipes and crontab lines: `sed -i`, `perl -i`,
      `tee`, `dd of=`, `cp`/`mv`/`install` (read with their option grammar: `install SRC
      DEST -m 0640`, `-S .bak`, `--`, `-t DIR`, and a folder destination: the folder plus
      the source's name), `>`, `>>`; a relative path after `cd`, `pushd` or `cd "$ENV_DIR"`
      in the same shell (`cd /etc/quantum && sed -i ... ai-engine.env`; a recipe line is a
      shell of its own); a temp file the script gave a model setting (a redirect, a heredoc)
      moved or copied into place (`mv "$TMP" /etc/quantum/ai-engine.env`); `truncate`;
      the editors by their commands (`ed` by the script it reads on standard input, `ex
      -c ... -c wq`, `vim -es +x`; one that only prints writes nothing); Python run with
      `-c` or on a heredoc (`python3 - <<EOF`), read as a Python file is; a descriptor
      `exec 3>>` opened, written by `>&3`; the words a variable stands for, as bash
      expands them: an array's elements (`"${FILES[@]}"`), each value of a `for` loop
      (`for f in /etc/quantum/*.env`, a glob standing for the files it matches), a
      function's parameters at each call (`setw /etc/quantum/ai-engine.env`), the words
      `xargs` reads from `echo`/`printf`, and `{}` of `find DIR -name P -exec`. The command's
      line must name a model or a weight (for Python's file calls: the line, or a
      `MODEL...=`/`WEIGHT...=` key in the file), except for `.env.model_config` and a temp
      holding one (a Python program's `MODEL...=` key names it too). This is how a canary
      activates; anything else doing it is activation by
      other means. The rollback script (`contract.rollback-script`) restores the previous
      setting and is judged by QT607 instead.

    `contract.activation-verbs` lists the call names that activate (globs: `promote*`); a
    team adds its own (`deploy_to_prod`, `go_live*`).

    ## Why is this bad?
    Contract F: Shadow -> Canary -> Manual promote ONLY. "NEVER auto-activate from
    training"; missing proof means no activation. An automated promotion trades real money
    on a model no human looked at.

    ## Example
    ```python
    if quality_gate_pass:
        activate_model(path)
    ```

    ## Use instead
    A human runs `ops/model_safety/canary_activate.sh` after the gate passes.

    ## Options
    `contract.activation-verbs`, `contract.canary-script`.
    """

    code = "QT601"
    name = "auto-activation"
    section = "F"
    kinds = frozenset({Kind.UNIT, Kind.SHELL, Kind.MAKEFILE, Kind.CRONTAB, Kind.PYTHON,
                       Kind.ENV})
    summary = "Model activated without a human (canary run from automation, switches)"
    example_path = "systemd/quantum-ai-engine.service"
    VALID = (Example(GOLDEN_ONESHOT),
             Example(GOLDEN_ONESHOT.replace("Type=oneshot", "Type=oneshot\n"
                                            "Environment=AUTO_ACTIVATION=disabled")),
             Example("echo 'then run ops/model_safety/canary_activate.sh by hand'\n",
                     path="ops/a.sh"),
             Example("def activate_model(p):\n    ...\nif args.confirm:\n    activate_model(p)\n",
                     path="ops/model_safety/manual.py"),
             Example("SHADOW_MODE=true\nAUTO_ACTIVATION=false\nQT_CLM_AUTO_PROMOTE=0\n",
                     path="deploy/ai-engine.env"),
             Example('sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/" /etc/quantum/ai-engine.env\n',
                     path="ops/model_safety/canary_activate.sh"),
             Example("export SHADOW_MODE=enabled\necho LOG_LEVEL=INFO >> /etc/quantum/x.env\n",
                     path="ops/a.sh"),
             Example("cd /opt/quantum/data && sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' a.env\n"
                     'TMP="$(mktemp)"\necho LOG_LEVEL=INFO > "$TMP"\n'
                     'mv "$TMP" /etc/quantum/backend.env\n', path="ops/a.sh"),
             Example("printf '%s\\n' '/^MODEL_PATH=/p' q | ed -s /etc/quantum/ai-engine.env\n"
                     "python3 -c \"print(open('/etc/quantum/ai-engine.env').read())\"  # MODEL\n"
                     "readonly -x QT_AUTO_PROMOTE=yes\n", path="ops/a.sh"))
    INVALID = (
        Example(GOLDEN_ONESHOT.replace(
            "/opt/quantum/venvs/ai-engine/bin/python ops/training/train_patchtst.py",
            "/bin/bash ops/model_safety/canary_activate.sh --yes"), expect=((14, 21),)),
        Example(GOLDEN_ONESHOT.replace("Type=oneshot", "Type=oneshot\n"
                                       "Environment=\"SHADOW_MODE=disabled\""),
                expect=((9, 14),)),
        Example("promote:\n\tops/model_safety/canary_activate.sh --yes\n", path="Makefile",
                expect=((2, 2),)),
        Example("set-weight:\n\tcd /etc/quantum && sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=1/' "
                "ai-engine.env\n", path="Makefile", expect=((2, 61),)),
        Example("if quality_gate_pass:\n    activate_model(path)\n"
                "if score > best and not dry_run:\n    registry.promote_to_active(m)\n",
                path="ops/training/train.py", expect=((2, 5), (4, 5))),
        Example("QT_CLM_AUTO_PROMOTE=true\nMODEL_AUTO_ACTIVATION_ENABLED=yes\n",
                path="deploy/ai-engine.env", expect=((1, 21), (2, 31))),
        Example('import os\nos.environ["AUTO_ACTIVATION"] = "enabled"\n', path="ops/x.py",
                expect=((2, 1),)),
        Example("AUTO_ACTIVATION=true\nSHADOW_MODE=enabled\n", path="deploy/ai-engine.env",
                expect=((1, 17),)),
        Example('sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/" /etc/quantum/ai-engine.env\n'
                "export AUTO_ACTIVATION=enabled\nSHADOW_MODE=off ./ops/run.sh ai-engine x.py\n",
                path="ops/a.sh", expect=((1, 43), (2, 24), (3, 13))),
        Example('open(".env.model_config", "w").write(f"ACTIVE_MODEL={p}")\n', path="ops/x.py",
                expect=((1, 6),)),
        Example("cd /etc/quantum && sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' ai-engine.env\n"
                'TMP="$(mktemp)"\necho "MODEL_PATH=/opt/m/v2" > "$TMP"\n'
                'mv "$TMP" /etc/quantum/ai-engine.env\n', path="ops/a.sh",
                expect=((1, 60), (4, 11))),
        Example('import subprocess\nsubprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/",'
                '\n                "/etc/quantum/ai-engine.env"], check=True)\n',
                path="ops/x.py", expect=((3, 17),)),
        Example("printf '%s\\n' '/^MODEL_PATH=/s/=.*/=x/' w q | ed -s /etc/quantum/ai-engine.env\n"
                "setw() { sed -i 's/^XGB_WEIGHT=.*/XGB_WEIGHT=0.1/' \"$1\"; }\n"
                "setw /etc/quantum/ai-engine.env\n"
                "for f in /etc/quantum/*.env; do sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' \"$f\"; "
                "done\n"
                "python3 - <<'EOF'\nopen('/etc/quantum/ai-engine.env', 'a').write('MODEL_PATH=x')\n"
                "EOF\nexport \"AUTO_ACTIVATION=enabled\"\n", path="ops/a.sh",
                expect=((1, 53), (2, 52), (4, 73), (6, 6), (8, 25))),
    )

    def prefilter_for(self, kind: Kind, contract: Contract) -> AnyOf | Either | None:
        if kind is Kind.CRONTAB:
            return None  # a glob can name the canary (`canary_activ*.sh`, `c*`)
        if kind is Kind.SHELL:
            # a glob naming the canary starts with some of its name (`canary_activ*.sh`)
            stem = re.split(r"[*?\[._-]", contract.canary_name, maxsplit=1)[0]
            return AnyOf(stem or contract.canary_name, "AUTO_ACTIVAT", "AUTO_PROMOT",
                         "SHADOW_MODE", ".env.model_config", contract.env_dir.rstrip("/"),
                         ignore_case=True)  # `cd /etc/quantum && sed -i ... ai-engine.env`
        if kind is not Kind.PYTHON:
            return None
        verbs = [v.split("*")[0].split("?")[0].split("[")[0] for v in contract.activation_verbs]
        if not all(verbs):
            return None  # a verb that starts with a wildcard (`*_promote`): no needle of its own
        # one scan per needle of the text lowered once (shared with the other rules that
        # ignore case): `AUTO_PROMOTE`, `auto_promotion_enabled`, `--auto-promote`
        words = [contract.canary_name, "auto_activat", "auto_promot", "shadow_mode",
                 "auto-activat", "auto-promot", "shadow-mode", ".env.model_config",
                 contract.env_dir.rstrip("/")]
        # `_python`'s findings are calls whose last name (`Call.attr`) matches a verb
        # (`fnmatchcase`: it starts with the verb's text before its first wildcard, in that
        # case). That name is written either where it is called, `promote_to_active(` (only
        # blanks, line continuations and comments between it and the "("), or, when the
        # call is of a name imported under another, in `import promote as p` (the call's
        # name follows the import alias). "promote" alone is in many docstrings.
        # (Behind a plain scan for the verbs: a pattern per verb, each starting with its text.)
        called = [re.compile(re.escape(v) + r"\w*(?:\s|\\|#[^\n\r]*)*(?:\(|as\b)")
                  for v in dict.fromkeys(verbs)]
        return Either(AnyOf(*(w for w in words if w), ignore_case=True),
                      (AnyOf(*verbs), Either(*called)))

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.kind is Kind.ENV:
            yield from self._env(ctx)
            return
        if ctx.kind is Kind.PYTHON:
            yield from self._python(ctx)
            yield from self._python_setting_writes(ctx)
        elif ctx.kind in (Kind.SHELL, Kind.CRONTAB):
            yield from self._shell_switches(ctx)
            yield from self._setting_writes(ctx)
        elif ctx.kind is Kind.MAKEFILE:
            yield from self._setting_writes(ctx)
        for command in ctx.commands:
            index = canary_word(command, ctx)
            if index is not None:
                word = command.words[index]
                yield ctx.finding(self, word.line, word.column,
                                  f"{ctx.contract.canary_name} is run by automation; "
                                  "activation needs a human")
        if ctx.kind is Kind.UNIT:
            yield from self._unit(ctx)

    def _shell_switches(self, ctx: FileContext) -> Iterator[Finding]:
        """`export AUTO_ACTIVATION=enabled`, `SHADOW_MODE=disabled cmd`, and crontab
        `NAME=value` lines."""
        assigned: list[tuple[str, str, int, int]] = [(key, word.text, word.line, word.column)
                    for key, word in ctx.shell.assignments if not word.dynamic]
        if ctx.kind is Kind.CRONTAB:
            for index, text in enumerate(ctx.lines):
                match = _CRON_ENV.match(text)
                if match:
                    assigned.append((match.group(1), match.group(2).strip().strip("\"'"),
                                     index + 1, match.start(2) + 1))
        # `env SHADOW_MODE=disabled cmd` is the prefix `SHADOW_MODE=disabled cmd`
        known = {(line, column) for _, _, line, column in assigned}
        for index, text in enumerate(ctx.lines):
            if text.lstrip().startswith("#"):
                continue
            for match in _ENV_PREFIX.finditer(text):
                at = match.end()
                for pair in _ENV_PAIR.finditer(text, at):
                    if pair.start() != at:
                        break
                    at = pair.end()
                    key, value = pair.group(2), pair.group(3).strip("\"'")
                    column = pair.start(3) + 1 + (pair.group(3)[:1] in "\"'")
                    if (index + 1, column) not in known:
                        assigned.append((key, value, index + 1, column))
        for key, value, line, column in assigned:
            switch = switch_of(key)
            if switch is not None and not switch_ok(switch, value):
                yield ctx.finding(self, line, column,
                                  f"{key}={value or '(empty)'} in "
                                  f"{'a crontab' if ctx.kind is Kind.CRONTAB else 'a script'}"
                                  f"; the contract requires {key}={SWITCH_VALUES[switch]} "
                                  "(activation needs a human)")

    def _setting_writes(self, ctx: FileContext) -> Iterator[Finding]:
        """A model path or weight written into `/etc/quantum/*.env` or `.env.model_config`
        (`sed -i`, `tee`, `cp`, `install`, `>`, `>>`, a relative path after `cd`, a temp
        file holding a model setting moved into place) by anything but the canary script."""
        from qt_lint.rules.models.helpers import (
            from_cwd,
            is_script,
            model_setting_file,
            model_write,
        )
        from qt_lint.shellflow import Step

        contract = ctx.contract
        # the canary activates; the rollback script restores the previous setting (QT607)
        if is_script(ctx.relpath, contract.canary_script) or \
                is_script(ctx.relpath, contract.rollback_script):
            return
        seen: set[tuple[int, int]] = set()
        staged = self._staged(ctx)
        writes: list[tuple[Command | None, Word | None]] = [
            (command, model_write(Step(command), contract)) for command in ctx.commands]
        writes += [(None, from_cwd(r.cwd, r.target)) for r in ctx.shell.redirects
                   if r.operator.startswith((">", "&>"))]
        # a program's text that names the model (Python's `MODEL_PATH=` in its heredoc)
        named: set[tuple[int, int]] = set()
        if ctx.kind is Kind.SHELL:
            writes += self._flow_writes(ctx, named)
        for command, target in writes:
            if target is None or (target.line, target.column) in seen or \
                    not model_setting_file(target.text, contract):
                continue
            # the line, with the heredoc it starts (`cat > ai-engine.env <<EOF`)
            line = _with_heredoc(ctx.lines, target.line) if target.line <= len(ctx.lines) \
                else ""
            if not target.text.endswith(".env.model_config") and not _MODEL.search(line) \
                    and (target.line, target.column) not in named \
                    and not (command is not None and _moves_staged(command, target, staged)):
                continue
            seen.add((target.line, target.column))
            yield ctx.finding(self, target.line, target.column,
                              f"writes the model setting ({target.text}) outside "
                              f"{contract.canary_name}: activation by other means")

    @staticmethod
    def _flow_writes(ctx: FileContext, named: set[tuple[int, int]]
                     ) -> list[tuple[Command | None, Word | None]]:
        """The writes the script's path model sees (QT604's reading): a function's body
        with the words of each call (`setw /etc/quantum/x.env`), an array's elements, a
        `for` variable's values, a descriptor `exec 3>> F` opened, what `xargs` and
        `ed` read on standard input, Python's code run with `-c` or from a heredoc (as
        for a Python file, a `MODEL...=`/`WEIGHT...=` key in its code names the model:
        `named`)."""
        from qt_lint.rules.models.helpers import in_cwd, model_write, shell_state, working_dir
        from qt_lint.shellflow import analyse

        contract = ctx.contract
        if contract.env_dir.rstrip("/") not in ctx.text and ".env.model_config" not in ctx.text:
            return []
        # only the working directory matters here (`cd /etc/quantum`, then a relative path)
        flow = analyse(ctx.text, working_dir, shell_state)
        out: list[tuple[Command | None, Word | None]] = []
        for step, facts in flow.steps:
            step = in_cwd(step, facts)
            target = model_write(step, contract)
            if target is not None:
                out.append((step.command, target))
                code = step.stdin.text if step.stdin is not None else \
                    " ".join(w.text for w in step.command.args)
                if is_python_name(step.command.name) and _MODEL_KEY.search(code):
                    named.add((target.line, target.column))
        return out

    @staticmethod
    def _staged(ctx: FileContext) -> dict[str, tuple[int, int]]:
        """The files the script writes a model setting into (`echo MODEL_PATH=x > "$TMP"`,
        a heredoc, `sed ... > "$TMP"`), by their name as written, with where it is first
        written: a copy or move of one into the setting's place writes the setting."""
        from qt_lint.rules.models.helpers import written_targets
        from qt_lint.shellflow import Step

        found: dict[str, tuple[int, int]] = {}

        def add(text: str, line: int, column: int) -> None:
            key = _name(text)
            if key and (key not in found or (line, column) < found[key]):
                found[key] = (line, column)

        for redirect in ctx.shell.redirects:
            target = redirect.target
            if redirect.operator.startswith((">", "&>")) and target.line <= len(ctx.lines) \
                    and _MODEL.search(_with_heredoc(ctx.lines, target.line)):
                add(target.text, target.line, target.column)
        for written in ctx.shell.written:
            if _MODEL_KEY.search(written.text) and written.rows:
                add(written.path, written.rows[0], 0)
        for command in ctx.commands:
            line = command.program.line  # `tee "$TMP" <<EOF`: with the heredoc's text
            if line <= len(ctx.lines) and _MODEL.search(_with_heredoc(ctx.lines, line)):
                for target in written_targets(Step(command), ctx.contract):
                    add(target.text, target.line, target.column)
        return found

    def _python_setting_writes(self, ctx: FileContext) -> Iterator[Finding]:
        from qt_lint.pymodel.calls import file_ops
        from qt_lint.rules.models.helpers import (
            from_cwd,
            is_script,
            model_setting_file,
            model_write,
        )
        from qt_lint.shellflow import Step

        contract = ctx.contract
        # the canary activates; the rollback script restores the previous setting (QT607)
        if is_script(ctx.relpath, contract.canary_script) or \
                is_script(ctx.relpath, contract.rollback_script):
            return
        facts = ctx.python
        model = _MODEL_KEY.search(ctx.text) is not None
        moved = _chdirs(facts)
        for op in file_ops(facts):
            path = op.path.text
            here = _cwd_at(moved, op.call) if not path.startswith("/") else None
            if here is not None and op.path.exact:  # `os.chdir("/etc/quantum")` before
                path = posixpath.normpath(posixpath.join(here, path))
            if op.op != "write" or not model_setting_file(path, contract):
                continue
            line, column = facts.position(op.node)
            if not path.endswith(".env.model_config") and not model and \
                    not _MODEL.search(ctx.lines[line - 1] if line <= len(ctx.lines) else ""):
                continue  # `shutil.copy("staged/model.env", ...)` names the model
            yield ctx.finding(self, line, column,
                              f"`{op.call.name.lstrip('.')}` writes the model setting ({path}) "
                              f"outside {contract.canary_name}: activation by other means")
        # the programs it runs (`subprocess.run(["sed", "-i", ..., path])`, `os.system`)
        seen: set[tuple[int, int]] = set()
        # (like a script's: the command's lines must name a model or a weight)
        writes: list[tuple[str, int, Word | None]] = [
            (f"`{command.name}` run from Python", command.program.line,
             model_write(Step(_in_chdir(command, moved, facts)), contract))
            for command in ctx.commands]
        writes += [("a redirection run from Python", r.target.line, from_cwd(r.cwd, r.target))
                   for r in facts.shell_redirects if r.operator.startswith((">", "&>"))]
        for who, first, target in writes:
            if target is None or (target.line, target.column) in seen or \
                    not model_setting_file(target.text, contract):
                continue
            text = "\n".join(ctx.lines[min(first, target.line) - 1:target.line])
            if not target.text.endswith(".env.model_config") and not _MODEL.search(text):
                continue
            seen.add((target.line, target.column))
            yield ctx.finding(self, target.line, target.column,
                              f"{who} writes the model setting "
                              f"({target.text}) outside {contract.canary_name}: activation by "
                              "other means")

    def _env(self, ctx: FileContext) -> Iterator[Finding]:
        for entry in ctx.env.entries:
            switch = switch_of(entry.key)
            if switch is not None and not switch_ok(switch, entry.value):
                yield ctx.finding(self, entry.value_line, entry.value_column,
                                  f"{entry.key}={entry.value or '(empty)'}; the contract "
                                  f"requires {entry.key}={SWITCH_VALUES[switch]}")

    def _python(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        verbs = ctx.contract.activation_verbs
        # the last training/evaluation call seen in each scope, in call order (one pass)
        produced: dict[int, Call] = {}
        for call in facts.calls:
            if _PRODUCES.search(call.attr):
                produced[id(call.scope)] = call
                continue
            if not any(fnmatchcase(call.attr, verb) for verb in verbs):
                continue
            conditions = [c for c in call.conditions if not _main_guard(facts.source(c))]
            if any(_HUMAN.search(facts.source(c)) for c in conditions):
                continue  # a person decides
            gate = next((c for c in reversed(conditions)
                         if _GATE.search(_gate_text(facts, c, call))), None)
            if gate is not None:
                yield ctx.finding(self, call.line, call.column,
                                  f"`{call.attr}` runs when `{_clip(facts.source(gate))}` holds: "
                                  "activation follows a gate automatically; a human promotes")
                continue
            if conditions:
                continue
            before = produced.get(id(call.scope))
            if before is not None and before.line <= call.line:
                yield ctx.finding(self, call.line, call.column,
                                  f"`{call.attr}` runs right after `{before.attr}` in the same "
                                  "function: activation follows training automatically; a "
                                  "human promotes")
        yield from self._python_switches(ctx)

    def _python_switches(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.python
        seen: set[tuple[int, int]] = set()
        set_here = {id(call.arg(1)) for call in facts.calls
                    if call.name in ("os.environ.setdefault", "os.putenv")}
        for setting in facts.settings:
            switch = switch_of(setting.key)
            if switch is None or id(setting.value) in set_here:
                continue  # not a switch, or an environment write (below)
            text = facts.scalar(setting.value, setting.scope)
            # a default is judged when it is a switch's value (`True`, "enabled"); one that
            # means "not set" or names a mode (`"NOT SET"`, `4`) switches nothing
            if text is None or text.strip().lower() not in (_ON | _OFF) or \
                    switch_ok(switch, text):
                continue
            position = facts.position(facts.origin(setting.value, setting.scope))
            if position not in seen:
                seen.add(position)
                yield ctx.finding(self, *position,
                                  f"{setting.key} defaults to {text}; the contract requires "
                                  f"{SWITCH_VALUES[switch]} (activation needs a human)")
        writes = list(facts.environ_writes)
        for call in facts.calls:
            if call.name in ("os.environ.setdefault", "os.putenv"):
                name = facts.resolve(call.arg(0), call.scope)
                given = call.arg(1)
                if name is not None and given is not None:
                    line, column = facts.position(call.node)
                    writes.append((name.text, given, line, column))
        for key, node, line, column in writes:
            switch = switch_of(key)
            if switch is None:
                continue
            value = facts.resolve(node)
            if value is not None and value.exact and not switch_ok(switch, value.text):
                yield ctx.finding(self, line, column,
                                  f"{key} is set to {value.text!r}; the contract requires "
                                  f"{key}={SWITCH_VALUES[switch]}")

    def _unit(self, ctx: FileContext) -> Iterator[Finding]:
        for section in ctx.unit_document.sections:
            for a in section.assignments:
                if a.key != "Environment":
                    continue
                for match in _SWITCH.finditer(a.value):
                    key, value = match.group(1), match.group(2)
                    switch = switch_of(key)
                    if switch is not None and not switch_ok(switch, value):
                        line, column = a.position(match.start(1))
                        yield ctx.finding(self, line, column,
                                          f"{key}={value}; the contract requires "
                                          f"{key}={SWITCH_VALUES[switch]}")
        if ctx.unit.type in ("timer", "path") and ctx.is_fragment:
            service = ctx.project.timer_service(ctx)
            if service is None or service.fragment is None:
                return
            if any(canary_word(cmd, ctx) is not None for cmd in service.fragment.commands()):
                kind = ctx.unit.type
                timer = ctx.unit.section(kind.capitalize())
                line, column = (timer.line, timer.column) if timer else (1, 1)
                yield ctx.finding(self, line, column,
                                  f"{'timer' if kind == 'timer' else 'path unit'} triggers "
                                  f"{service.name}, which runs "
                                  f"{ctx.contract.canary_name}; activation needs a human")
