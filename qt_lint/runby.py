"""Which of the repository's scripts services run, and through what.

A script is run by services when a unit's `Exec*=` line names it, when it is the wrapper
(`contract.wrapper`, `ops/run.sh`), when a crontab entry of the repository names it, or
when a script run by services names it in turn (`bash scripts/x.sh`, `./x.sh`,
`$REPO_ROOT/x.sh`, `/home/qt/quantum_trader/x.sh`; comment lines are not read). QT701
judges `sudo` there: contract J says a service that needs root is redesigned, while an
administrator's install script (the contract's own clean-slate procedure uses `sudo` to
install units) is not run by any service.

Names are found by a pattern over the text (`*.sh`/`*.bash` words), not by running the
scripts: a name built at run time is not followed.
"""

from __future__ import annotations

import os
import re

from qt_lint import lazyre

TYPE_CHECKING = False  # typing's own costs a one-file run 4 ms (its import)
if TYPE_CHECKING:
    from qt_lint.project import Project

# a line is cut into words at blanks and shell punctuation first, then each word is tested
# whole: linear in the line, whatever a pull request puts on it
_SPLIT = lazyre.compile(r"[\s;|&<>()'\"`=,]+")
_REF = lazyre.compile(r"(?:\$\{?REPO_ROOT\}?/|\.\.?/|/)?[\w./@+-]*\w\.(?:sh|bash)")
_EXEC = lazyre.compile(r"^[ \t]*(Exec[A-Za-z]*)[ \t]*=(.*)$", re.M)  # blanks only: linear
_CRON_PATTERNS = (":(glob)**/*.cron", ":(glob)**/*.crontab", ":(glob)**/crontab",
                  ":(glob)**/cron.d/*")


def script_refs(text: str) -> list[str]:
    """The `*.sh`/`*.bash` names on the lines of a script that are not comments."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped and stripped[0] not in "#;" and ".sh" in line:  # `.bash` has it too
            out.extend(word for word in _SPLIT.split(line)
                       if word.endswith((".sh", ".bash")) and _REF.fullmatch(word))
    return out


def _resolve(ref: str, root: str, repo_root: str, caller_dir: str) -> str | None:
    """The repository file a name refers to, or None (outside the repository, absent)."""
    for prefix in (repo_root.rstrip("/") + "/", "$REPO_ROOT/", "${REPO_ROOT}/"):
        if ref.startswith(prefix):
            candidates = [os.path.join(root, ref[len(prefix):])]
            break
    else:
        if ref.startswith("/"):
            return None
        # units and scripts run from the repository root (WorkingDirectory=); a script
        # may also name one beside it
        candidates = [os.path.join(root, ref), os.path.join(caller_dir, ref)]
    inside = root.rstrip("/") + "/"
    for candidate in candidates:
        path = os.path.normpath(candidate)
        if path.startswith(inside) and os.path.isfile(path):
            return path
    return None


def cron_paths(project: Project) -> list[str]:
    """The repository's crontab files (git-tracked; outside git, found by a walk)."""
    from qt_lint.discover import tracked_files
    from qt_lint.finding import Kind

    args = ["ls-files", "-z", "--cached", "--", *_CRON_PATTERNS]
    return [c.abspath for c in tracked_files(project.root, project.config, Kind.CRONTAB, args)]


def mentions(project: Project, path: str, unit: bool) -> tuple[tuple[str, str], ...]:
    """The script names a file mentions, each with the `Exec*=` key that names it (a unit)
    or "" (a crontab, a script); from the project's memo when the file's stat is unchanged
    (a warm pre-commit run reads no other script to learn what runs one)."""
    memo = project.memo("scripts")
    key = ("unit:" if unit else "text:") + path
    signature = None
    if memo is not None:
        from qt_lint.source import file_signature

        signature = file_signature(path)
        known = memo.get(key)
        if signature is not None and isinstance(known, list) and len(known) == 2 and \
                known[0] == signature and isinstance(known[1], tuple):
            return known[1]
    text = project.files.read(path) or ""  # read after the stat: a later write changes it
    if unit:
        found = tuple((m.group(1), ref) for m in _EXEC.finditer(text)
                      for ref in script_refs(m.group(2)))
    else:
        found = tuple(("", ref) for ref in script_refs(text))
    if memo is not None and signature is not None:
        memo[key] = [signature, found]
        project.memos_changed.add("scripts")
    return found


def service_scripts(project: Project) -> dict[str, str]:
    """Absolute path of each script services run -> how (`ExecStart= of
    quantum-backend.service: scripts/start.sh -> scripts/cleanup.sh`)."""
    from qt_lint.parsers.unitname import unit_name_of

    root = str(project.root)
    contract = project.config.contract
    how: dict[str, str] = {}
    queue: list[str] = []

    def add(path: str, origin: str) -> None:
        if path not in how:
            how[path] = origin
            queue.append(path)

    def named(caller: str, unit: bool = False) -> list[tuple[str, str]]:
        found = ((key, _resolve(r, root, contract.repo_root, os.path.dirname(caller)))
                 for key, r in mentions(project, caller, unit))
        return [(key, p) for key, p in found if p is not None]

    wrapper = os.path.join(root, contract.wrapper)
    if os.path.isfile(wrapper):
        add(wrapper, "the wrapper")
    for path in project.unit_paths:
        for key, script in named(path, unit=True):
            add(script, f"{key}= of {unit_name_of(path)}")
    for path in cron_paths(project):
        for _, script in named(path):
            add(script, f"a crontab entry in {os.path.relpath(path, root)}")
    while queue:  # breadth first: the shortest chain explains it
        path = queue.pop(0)
        for _, script in named(path):
            origin = how[path]
            chain = origin if ":" in origin else f"{origin}: {os.path.relpath(path, root)}"
            add(script, f"{chain} -> {os.path.relpath(script, root)}")
    return how
