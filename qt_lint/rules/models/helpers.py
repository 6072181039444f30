"""What the model-safety scripts' commands mean (QT601, QT604, QT607, QT608): the facts a
command establishes when it succeeds, for the path model of `qt_lint.shellflow`, and the
writes that change the active models or the model setting."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from qt_lint.command_model import Word, is_python_name, is_wrapper
from qt_lint.config import Contract
from qt_lint.shellflow import EMPTY, Classifier, Facts, Flow, Step

if TYPE_CHECKING:
    from qt_lint.rules.models.programs import Repo

# fact names (the steps the rules name in their messages)
GATE = "gate"  # the quality gate ran through the wrapper and passed
GATE_UNWRAPPED = "gate-unwrapped"  # the gate ran by another way
GATE_DEFEATED = "gate-defeated"  # the gate ran through the wrapper, told not to fail
TERMINAL = "terminal"  # there is a person at a terminal
CONFIRMED = "confirmed"  # a person's answer allowed going on
ARCHIVED = "archived"  # what is replaced was copied into archive/
GIT_HASH = "git-hash"  # `git rev-parse HEAD` ran
WROTE = "wrote"  # the active models or the model setting changed
ENV_SOURCED = "env-sourced"
PATH_VENV = "path-venv"
PYTHONPATH = "pythonpath"
REDIS_CHECK = "redis-check"
DB_CHECK = "db-check"
VENV_CHECK = "venv-check"
BACKUP_CHECKED = "backup-checked"
JOURNAL = "journal"
RESTARTED = "restarted"

_COPIERS = frozenset({"cp", "rsync", "install", "tar", "mv"})
_WRITERS = frozenset({"cp", "mv", "install", "rsync", "ln"})
_COLON = re.compile(r":(?![^{}]*\})")  # PATH's separator, not the `:` of `${1:?x}`


def _test_words(step: Step) -> list[str]:
    return [w.text for w in step.command.words if w.text not in ("[", "[[", "]", "]]", "test")]


def model_setting_file(path: str, contract: Contract) -> bool:
    """`/etc/quantum/<name>.env` or any `.env.model_config`: where the model setting lives."""
    if path.rstrip("/").rsplit("/", 1)[-1] == ".env.model_config":
        return True
    env = contract.env_dir.rstrip("/") + "/"
    return path.startswith(env) and path.endswith(".env") and "/" not in path[len(env):]


def in_active(path: str) -> bool:
    from qt_lint.rules.models.qt602_active_model_write import in_active_dir

    return in_active_dir(path)


def written_targets(step: Step, contract: Contract) -> list[Word]:
    """The files a command writes: the destination of `cp`/`mv`/`install`/`rsync`/`ln`,
    the files of `tee` and `sed -i`, and `>`/`>>` redirections."""
    command = step.command
    name = command.name
    args = [w for w in command.args if not w.text.startswith("-")]
    out: list[Word] = []
    if name in _WRITERS and len(args) >= 2:
        out.append(args[-1])
    elif name == "tee":
        out.extend(args)
    elif name == "sed" and any(w.text.startswith("-i") or w.text.startswith("--in-place")
                               or (w.text.startswith("-") and "i" in w.text[1:] and
                                   not w.text.startswith("--"))
                               for w in command.args):
        out.extend(args[1:] if not any(w.text == "-e" for w in command.args) else args)
    for operator, target in step.redirects:
        if operator.startswith((">", "&>")):
            out.append(target)
    return out


def model_write(step: Step, contract: Contract) -> Word | None:
    """The target when the command changes the active models or the model setting."""
    for target in written_targets(step, contract):
        if in_active(target.text) or model_setting_file(target.text, contract):
            return target
    return None


def _runs_script(step: Step, script: str, contract: Contract) -> str | None:
    """"wrapped" when the command runs `script` through the wrapper, "other" when it runs it
    otherwise (a python, the script itself), None when it does not run it."""
    return _script_run(step, script, contract)[0]


def _script_run(step: Step, script: str, contract: Contract) -> tuple[str | None, int]:
    """`_runs_script`'s answer and the index of the word that names the script (the
    `quality-gate` target of `make`)."""
    command = step.command
    base = script.rsplit("/", 1)[-1]
    names = [w.text.rsplit("/", 1)[-1] for w in command.words]
    if base not in names:
        if command.name == "make" and script == contract.quality_gate:
            for i, w in enumerate(command.words):
                if i and w.text == "quality-gate":
                    return "wrapped", i
        return None, 0
    return _how(step, base, contract), names.index(base)


def _how(step: Step, base: str, contract: Contract) -> str | None:
    command = step.command
    if is_wrapper(command.program.text, contract) or \
            command.program.text.endswith("/" + contract.wrapper):
        return "wrapped"
    if is_python_name(command.name) or command.name == base or \
            command.program.text.endswith("/bin/python") or command.name in ("bash", "sh"):
        return "other"
    return None


def step_write(step: Step, contract: Contract, repo: Repo | None = None
               ) -> tuple[Word, str | None] | None:
    """What a command changes of the active models or the model setting: (the target, None)
    for its own write, (the call's word, "<program>, which writes <target>") when it runs
    a repository program that does (followed only with `repo`)."""
    target = model_write(step, contract)
    if target is not None:
        return target, None
    if repo is None:
        return None
    from qt_lint.rules.models.programs import program_write

    found = program_write(step, repo)
    if found is None:
        return None
    word, program, written = found
    return word, f"{program}, which writes {written}"


def classify(step: Step, facts: Facts, contract: Contract, repo: Repo | None = None
             ) -> tuple[Facts, Facts]:
    """The facts a command establishes (when it succeeds, when it fails). With `repo`,
    the repository programs it runs are read: one that changes the model is a write
    here, and a quality gate told not to fail (`SKIP_GATE=1`, `--dry-run`) is not run."""
    command = step.command
    name = command.name
    if step.test:
        return _classify_test(step, facts, contract)
    if name == "=":  # an assignment `KEY=value`
        key, _, value = command.words[0].text.partition("=")
        return _assigned(key, value, contract), EMPTY
    if name in ("export", "declare", "typeset", "readonly"):
        found: set[str] = set()
        for word in command.args:
            key, sep, value = word.text.partition("=")
            if key == "PYTHONPATH" and (not sep or _has_repo(value, contract)):
                found.add(PYTHONPATH)
            if sep:
                found |= _assigned(key, value, contract)
            if name == "export" and key and not key.startswith("-"):
                found.add(f"exported:{key}")  # seen by the programs run after it
        return frozenset(found), EMPTY
    true: set[str] = set()
    gate, at = _script_run(step, contract.quality_gate, contract)
    if gate == "wrapped":
        if gate_defeat_of(step, facts, contract, repo, at) is not None:
            return frozenset({GATE_DEFEATED}), frozenset({GATE_DEFEATED})
        true.add(GATE)
    elif gate == "other":
        return frozenset({GATE_UNWRAPPED}), frozenset({GATE_UNWRAPPED})
    if step_write(step, contract, repo) is not None:
        true.add(WROTE)
    if name == "git" and _git_hash(command.words):
        return frozenset({GIT_HASH}), frozenset({GIT_HASH})
    if name in _COPIERS:
        args = [w for w in command.args if not w.text.startswith("-")]
        if len(args) >= 2 and re.search(r"(?:^|/)archive/", args[-1].text):
            true.add(ARCHIVED)
        if len(args) >= 2 and model_setting_file(args[-1].text, contract) and \
                re.search(r"(?i)backup|archive|\.bak|prev", args[0].text):
            true.add("restored")
    if name == "tty" and any(w.text in ("-s", "--silent", "--quiet") for w in command.args):
        true.add(TERMINAL)
    if name == "read" and any(op == "<" and t.text == "/dev/tty" for op, t in step.redirects):
        return frozenset({TERMINAL}), frozenset({TERMINAL})
    if name in ("source", ".") and command.args:
        target = command.args[0].text
        env = contract.env_dir.rstrip("/") + "/"
        if target.startswith(env) and target.endswith(".env"):
            true.add(ENV_SOURCED)
    if name == "redis-cli" and any(w.text.lower() == "ping" for w in command.args):
        true.add(REDIS_CHECK)
    if name in ("systemd-cat", "logger"):
        true.add(JOURNAL)
    if name == "systemctl":
        verbs = [w.text for w in command.args if not w.text.startswith("-")]
        if verbs and verbs[0] in ("restart", "try-restart", "reload-or-restart", "start") \
                and any(v.startswith(contract.unit_prefix) for v in verbs[1:]):
            true.add(RESTARTED)
    for key, value in step.assigns:  # `PYTHONPATH=/home/qt/quantum_trader exec ...`
        if key == "PYTHONPATH" and _has_repo(value, contract):
            true.add(PYTHONPATH)
        true |= _assigned(key, value, contract)
    return frozenset(true), EMPTY


def _git_hash(words: tuple[Word, ...]) -> bool:
    texts = [w.text for w in words[1:]]
    while texts and texts[0].startswith("-"):  # `git -C /repo rev-parse HEAD`
        texts = texts[2:] if texts[0] in ("-C", "-c", "--git-dir", "--work-tree") else \
            texts[1:]
    if texts[:1] == ["rev-parse"] and "HEAD" in texts:
        return True
    return texts[:1] == ["log"] and any("%H" in t or "%h" in t for t in texts)


def _has_repo(value: str, contract: Contract) -> bool:
    root = contract.repo_root.rstrip("/")
    return any(part.rstrip("/") == root for part in _COLON.split(value))


def _assigned(key: str, value: str, contract: Contract) -> Facts:
    if key == "PATH":
        venvs = contract.venv_root.rstrip("/") + "/"
        if any(p.startswith(venvs) and p.rstrip("/").endswith("/bin")
               for p in _COLON.split(value)):
            return frozenset({PATH_VENV})
    if key == "PYTHONPATH" and _has_repo(value, contract):
        return frozenset({"pythonpath-set"})
    return EMPTY


_FILE_TESTS = frozenset({"-f", "-e", "-s", "-r", "-d", "-x", "-w", "-n"})


def _classify_test(step: Step, facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    words = _test_words(step)
    if words and words[0] == "case":
        return _case(words[1], words[2:], facts), EMPTY
    return _expression(words, facts, contract)


def _split(words: list[str], operator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word in (operator, "-o" if operator == "||" else "-a"):
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


def _expression(words: list[str], facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    """`[[ A || B ]]`: true when either is (what both give), false when both are not (what
    either gives); `&&` the other way round."""
    words = [w for w in words if w not in ("(", ")")]
    for operator in ("||", "&&"):
        parts = _split(words, operator)
        if len(parts) > 1:
            results = [_expression(part, facts, contract) for part in parts]
            trues = [t for t, _ in results]
            falses = [f for _, f in results]
            if operator == "||":
                return frozenset.intersection(*trues), frozenset.union(*falses)
            return frozenset.union(*trues), frozenset.intersection(*falses)
    return _single(words, facts, contract)


def _single(words: list[str], facts: Facts, contract: Contract) -> tuple[Facts, Facts]:
    negated = False
    while words and words[0] == "!":
        negated = not negated
        words = words[1:]
    true: set[str] = set()
    false: set[str] = set()
    if len(words) == 2 and words[0] == "-t" and words[1] in ("0", '"0"'):
        true.add(TERMINAL)
    elif len(words) == 2 and words[0] in _FILE_TESTS:
        subject = words[1]
        venvs = contract.venv_root.rstrip("/") + "/"
        if words[0] != "-n" and (contract.db_path in subject or subject.endswith(".db") or
                                 "DB_PATH" in subject):
            true.add(DB_CHECK)
        if words[0] in ("-d", "-x", "-f", "-e") and subject.startswith(venvs):
            true.add(VENV_CHECK)
        if re.search(r"(?i)backup|archive|\.bak", subject):
            true.add(BACKUP_CHECKED)
    elif len(words) == 2 and words[0] == "-z" and re.search(r"(?i)backup|archive|\.bak",
                                                            words[1]):
        false.add(BACKUP_CHECKED)
    elif len(words) == 3 and words[1] in ("=", "==", "!=", "=~"):
        confirmed = _answer(words[0], words[1], words[2], facts)
        if confirmed is not None:
            (false if confirmed == "false" else true).add(CONFIRMED)
    on_true, on_false = frozenset(true), frozenset(false)
    return (on_false, on_true) if negated else (on_true, on_false)


def _read_var(text: str, facts: Facts) -> bool:
    match = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", text.strip('"'))
    return match is not None and f"read:{match.group(1)}" in facts


def _matches_empty(operator: str, pattern: str) -> bool:
    pattern = pattern.strip("\"'")
    if operator == "=~":
        try:
            return re.search(pattern, "") is not None
        except re.error:
            return True
    return fnmatchcase("", pattern)


def _answer(left: str, operator: str, right: str, facts: Facts) -> str | None:
    """A test of a person's answer: "true" when the test being true lets a confirmed
    answer through, "false" when its being false does; None when no answer is tested or an
    empty answer (no person) would pass."""
    if _read_var(left, facts):
        pattern = right
    elif _read_var(right, facts) and operator != "=~":
        pattern = left
    else:
        return None
    if _matches_empty(operator, pattern):
        return None
    return "false" if operator == "!=" else "true"


def _case(subject: str, patterns: list[str], facts: Facts) -> Facts:
    if not _read_var(subject, facts) or not patterns:
        return EMPTY
    if any(fnmatchcase("", p.strip("\"'")) for p in patterns):
        return EMPTY
    return frozenset({CONFIRMED})


def gate_defeat_of(step: Step, facts: Facts, contract: Contract, repo: Repo | None,
                   at: int | None = None) -> str | None:
    """Why this command's run of the quality gate through the wrapper cannot fail, or None
    (not a gate run, or not defeated)."""
    if at is None:
        gate, at = _script_run(step, contract.quality_gate, contract)
        if gate != "wrapped":
            return None
    from qt_lint.rules.models.programs import gate_defeat

    return gate_defeat(step, facts, at, repo, contract)


def runs_anywhere(flow: Flow, fact: str, contract: Contract, repo: Repo | None = None) -> bool:
    """Some command in the script (on a path that runs) establishes `fact` either way."""
    for step, facts in flow.steps:
        true, false = classify(step, facts, contract, repo)
        if fact in true | false:
            return True
    return False


def model_classifier(contract: Contract, repo: Repo | None = None) -> Classifier:
    def run(step: Step, facts: Facts) -> tuple[Facts, Facts]:
        return classify(step, facts, contract, repo)

    return run


def is_script(relpath: str, configured: str) -> bool:
    """The file is the configured script (`ops/run.sh`): its repository path, or a copy
    of the repository on a host (`home/qt/quantum_trader/ops/run.sh`)."""
    configured = configured.strip("/")
    return relpath == configured or relpath.endswith("/" + configured)


def script_flow(text: str, contract: Contract, repo: Repo | None = None) -> Flow:
    """The script's path model; a script with more paths than the model follows is not
    analysed (ParseError: QT001), never a silent pass."""
    from qt_lint.shellflow import TooManyPaths, analyse

    flow = analyse(text, model_classifier(contract, repo))
    if flow.truncated:
        raise TooManyPaths("QT604/QT607/QT608")
    return flow


def gate_command(contract: Contract) -> str:
    venv = contract.venv_for_script(contract.quality_gate) or "ai-engine"
    return f"{contract.wrapper} {venv} {contract.quality_gate}"


def writes(flow: Flow, contract: Contract, repo: Repo | None = None
           ) -> list[tuple[Word, Facts, str | None]]:
    """Each write of the active models or the model setting, once per position, with the
    facts that hold on every path reaching it, and the program that writes when the write
    is a call of one (with `repo`)."""
    seen: dict[tuple[int, int], tuple[Word, Facts, str | None]] = {}
    for step, facts in flow.steps:
        found = step_write(step, contract, repo)
        if found is None:
            continue
        target, via = found
        key = (target.line, target.column)
        known = seen.get(key)
        seen[key] = (target, facts if known is None else known[1] & facts, via)
    return sorted(seen.values(), key=lambda item: (item[0].line, item[0].column))


def success_ends_after_write(flow: Flow) -> list[Facts]:
    """The facts at each end where the script succeeds after it changed the model."""
    return [end.facts for end in flow.ends
            if end.exec_step is None and end.code in (0, None) and WROTE in end.facts]
