"""H152, H153: the host's copies of the model-safety scripts, and what cron runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from qt_lint import lazyre
from qt_lint.config import Contract
from qt_lint.finding import Kind
from qt_lint.golden_models import quality_gate
from qt_lint.host.check import (
    ERROR,
    FAIL,
    NA,
    PASS,
    Audit,
    HostCheck,
    HostExample,
    HostResult,
    describe,
    not_analysed,
)

if TYPE_CHECKING:
    from qt_lint.host.snapshot import Snapshot

_REPO = "/home/qt/quantum_trader"
CRON_DIRS = ("/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron")
RUN_PARTS_DIRS = ("/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly",
                  "/etc/cron.monthly")
ANACRONTAB = "/etc/anacrontab"
# what a crontab must not do: activate (QT601), run a system python (QT101), run an ops
# script without the wrapper (QT105)
CRON_CODES = frozenset({"QT601", "QT101", "QT105"})


class ModelSafetyScripts(HostCheck):
    """
    ## What it does
    Judges the host repository's copies of the model-safety scripts with the rules a
    repository check runs: the canary script (`contract.canary-script`) with QT604 (gate
    through the wrapper aborting on failure, a person's confirmation failing closed without
    a terminal, archive copy, git hash) and QT607 (a rollback script exists beside it); the
    quality gate (`contract.quality-gate`) with QT605; the rollback script
    (`contract.rollback-script`) with QT607; the `Makefile` with QT606 (`make
    quality-gate` through the wrapper, failure not ignored). A missing script fails; one
    that cannot be read is an error. (The wrapper is H151's.)

    ## Why is this bad?
    Contract F and I: the host's copy is what runs. A repository that passes in CI but
    whose host copy was edited in place (a `|| true` after the gate) activates models
    without the gate.

    ## Example
    `/home/qt/quantum_trader/ops/model_safety/canary_activate.sh` that asks nobody.

    ## Use instead
    The repository's reviewed scripts, deployed unchanged.

    ## Remediation
    Restore the scripts from the repository (`git -C /home/qt/quantum_trader checkout --
    ops/model_safety Makefile`), then fix what the findings list in the repository.
    """

    code = "H152"
    name = "model-safety-scripts"
    section = "F"
    summary = ("The host's canary, quality gate, rollback script and Makefile pass "
               "QT604-QT607")
    VALID = (HostExample(),)
    INVALID = (
        HostExample(texts={f"{_REPO}/ops/model_safety/canary_activate.sh":
                           "#!/bin/bash\nsed -i 's/^A=.*/A=1/' /etc/quantum/ai-engine.env\n"},
                    status=FAIL, object=f"{_REPO}/ops/model_safety/canary_activate.sh"),
        HostExample(texts={f"{_REPO}/ops/model_safety/rollback_last.sh": None},
                    status=ERROR, object=f"{_REPO}/ops/model_safety/rollback_last.sh"),
        HostExample(texts={f"{_REPO}/Makefile": "quality-gate:\n\t-ops/run.sh ai-engine "
                           "ops/model_safety/quality_gate.py\n"},
                    status=FAIL, object=f"{_REPO}/Makefile"),
        # the host's gate edited in place: its failure (exit 2) overridden on the way out
        HostExample(texts={f"{_REPO}/ops/model_safety/quality_gate.py": quality_gate(
            Contract()).replace("    sys.exit(main())", "    try:\n        sys.exit(main())\n"
                                "    finally:\n        sys.exit(0)")},
                    status=FAIL, object=f"{_REPO}/ops/model_safety/quality_gate.py"),
    )

    def run(self, audit: Audit) -> Iterator[HostResult]:
        c = audit.config.contract
        root = c.repo_root.rstrip("/")
        for relpath, kind, codes, what in (
                (c.canary_script, Kind.SHELL, {"QT604", "QT607"}, "canary script"),
                (c.quality_gate, Kind.PYTHON, {"QT605"}, "quality gate"),
                (c.rollback_script, Kind.SHELL, {"QT607"}, "rollback script"),
                ("Makefile", Kind.MAKEFILE, {"QT606"}, "Makefile")):
            path = f"{root}/{relpath}"
            expected = f"the {what}, passing {', '.join(sorted(codes))}"
            got = audit.snapshot.text(path)
            if got.text is None:
                missing = got.error == "missing" and got.stat.kind == "missing"
                yield self.result(FAIL if missing else ERROR, path, expected,
                                  "missing" if missing else got.error or describe(got.stat,
                                                                                 audit.snapshot))
                continue
            yield _judged(self, audit, path, kind, frozenset(codes), expected)


class CronSchedules(HostCheck):
    """
    ## What it does
    Reads every crontab cron reads (`/etc/crontab`, `/etc/cron.d/*`, and the spools
    `/var/spool/cron/crontabs/*` and `/var/spool/cron/*`) and `/etc/anacrontab` (lines of
    `period delay job-identifier command`), and judges each as a crontab with
    QT601 (activation: running the canary script, `AUTO_ACTIVATION=enabled` or
    `SHADOW_MODE=disabled` lines, the model setting written), QT101 (a system python) and
    QT105 (an ops script run without the wrapper), read as cron runs each entry, `$SHELL
    -c command`: a `SHELL=` that is no shell (the canary script, `/usr/bin/python3`) runs
    for every entry after it; under `SHELL=/bin/bash`, `BASH_ENV=` is sourced before each
    entry and braces are expanded (`{canary_activate,x}.sh`; dash expands none and reads
    no `ENV` for `-c`); a glob the shell expands to the canary (`canary_activ*.sh`,
    `./canary*`) and `find ... -name 'canary_*.sh' -exec {} \\;` run it. A file Debian
    cron ignores (`man 8 cron`: a `/etc/cron.d` name with a dot or another sign than
    letters, digits, `_` and `-`, unless `EXTRA_OPTS` in `/etc/default/cron` gives cron
    `-l`, LSB names; `/etc/crontab` or a `cron.d` file, or a link's target, not owned by
    root or group- or other-writable) runs nothing: it passes, and the
    result says why and how many findings it would have if cron read it. A line whose
    minute field is no minute (a `\\` does not continue a crontab line: the next line is
    read as an entry) makes cron ignore the whole file: an error that says so. The
    run-parts folders
    (`/etc/cron.hourly`, `/etc/cron.daily`, `/etc/cron.weekly`, `/etc/cron.monthly`) hold
    scripts: each one run-parts runs (debianutils' default filter: a name of ASCII letters,
    digits, `_` and `-`, so `canary.sh` or `x.dpkg-old` is skipped; an executable file; a
    folder is skipped) is judged by the same rules as the shell or Python script its first
    line names (a Python script whose first line names a system interpreter,
    `#!/usr/bin/python3` or `#!/usr/bin/env python3`, fails: it runs a system python);
    so are the folders a crontab or the anacrontab hands to run-parts (`run-parts
    /opt/quantum/cron`). The service and timer units of systemd's user managers (`systemctl
    --user`: `/etc/systemd/user`, `/usr/lib/systemd/user`, ..., and the contract user's
    `~/.config/systemd/user` and `~/.local/share/systemd/user`, read only when that user
    owns them and never through a link) are judged by the same rules; the system's units
    are H141's. A cron folder that exists but cannot be
    listed, or a crontab that cannot be read, is an error. An entry that is a symbolic link
    is judged through it, as cron reads it; one that is neither a file nor a folder (a
    FIFO, a link to nothing) is an error. In a run-parts folder, a link, a FIFO, a
    script that cannot be read and a binary (not analysed) are errors, never a pass; so is
    a run-parts folder that is a link (not followed). A
    host with no crontab and no cron folder at all
    is N/A: cron schedules nothing there.

    ## Why is this bad?
    Contract F: "NEVER auto-activate", canary activation needs a person; B and G: ops jobs
    run through `ops/run.sh` with the service's venv. A repository check never sees
    `/etc/cron.d`: a daily `canary_activate.sh` installed there by hand activates models
    every morning with nobody looking.

    ## Example
    `/etc/cron.d/quantum`:
    `0 6 * * * qt /home/qt/quantum_trader/ops/model_safety/canary_activate.sh`

    ## Use instead
    Schedule reports and training through the wrapper; activation stays a person's act.

    ## Remediation
    Remove the line; schedule ops jobs as `ops/run.sh <service> <script>` (or as a
    oneshot unit with a timer).
    """

    code = "H153"
    name = "cron-schedules"
    section = "F"
    summary = "No crontab activates models, runs a system python or bypasses the wrapper"
    VALID = (HostExample(),)
    INVALID = (
        HostExample(texts={"/etc/cron.d/quantum": "0 6 * * * qt /home/qt/quantum_trader/ops/"
                           "model_safety/canary_activate.sh\n"},
                    status=FAIL, object="/etc/cron.d/quantum"),
        HostExample(texts={"/var/spool/cron/crontabs/qt": "AUTO_ACTIVATION=enabled\n"
                           "0 * * * * python3 /home/qt/quantum_trader/ops/x.py\n"},
                    status=FAIL, object="/var/spool/cron/crontabs/qt"),
        HostExample(texts={"/etc/cron.daily/quantum": "#!/bin/sh\n/home/qt/quantum_trader/"
                           "ops/model_safety/canary_activate.sh xgb v1\n"},
                    status=FAIL, object="/etc/cron.daily/quantum"),
        HostExample(texts={"/etc/anacrontab": "7 10 quantum.canary /home/qt/quantum_trader/"
                           "ops/model_safety/canary_activate.sh xgb v1\n"},
                    status=FAIL, object="/etc/anacrontab"),
        HostExample(texts={"/home/qt/.config/systemd/user/refresh.service":
                           "[Service]\nType=oneshot\nExecStart=/home/qt/quantum_trader/"
                           "ops/model_safety/canary_activate.sh xgb v1\n"},
                    status=FAIL, object="/home/qt/.config/systemd/user/refresh.service"),
    )

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        expected = "no activation, no system python, ops scripts through the wrapper"
        paths = [p for p in ("/etc/crontab", ANACRONTAB) if s.text(p).text is not None or
                 s.text(p).error not in ("missing", "not collected")]
        for folder in CRON_DIRS:
            listing = s.texts.get(folder)
            if listing is not None and listing.text is None:
                yield self.result(ERROR, folder, expected, listing.error or "cannot list")
            prefix = folder + "/"
            paths += sorted(p for p in s.texts if p.startswith(prefix) and "/" not in
                            p[len(prefix):] and p not in CRON_DIRS)
        scripts: list[str] = []
        from qt_lint.host.collect import run_parts_named

        for folder in run_parts_named(s.texts):
            listing = s.texts.get(folder)
            if listing is not None and listing.text is None:
                yield self.result(ERROR, folder, expected, listing.error or "cannot list")
            prefix = folder + "/"
            scripts += sorted(p for p in s.texts if p.startswith(prefix) and "/" not in
                              p[len(prefix):])
        if not paths and not scripts:
            # no cron here at all: nothing is scheduled by cron (documented N/A), which is
            # not "found nothing to judge" (a crontab cron would read is always judged)
            yield self.result(NA, "/etc/crontab", expected,
                              "no crontab and no cron folder: cron schedules nothing here")
            return
        for path in paths:
            got = s.text(path)
            if got.text is None:
                yield self.result(ERROR, path, expected, got.error or "unreadable")
                continue
            judged = _judged(self, audit, path, Kind.CRONTAB, CRON_CODES, expected)
            why = _cron_ignores(s, path)
            if why is not None and judged.status != ERROR:
                # present but not run: said, never silently passed
                yield self.result(PASS, path, expected, f"cron ignores it ({why}): runs "
                                  f"nothing; {len(judged.findings)} finding(s) if cron read it")
                continue
            yield judged
        for path in scripts:
            got = s.text(path)
            if got.text is None:
                yield self.result(ERROR, path, expected, got.error or "unreadable")
                continue
            kind = _script_kind(path, got.text)
            if kind is None:
                yield self.result(ERROR, path, expected, "run by run-parts, but neither a "
                                  "shell nor a Python script (by its first line): not "
                                  "analysed")
                continue
            interpreter = _system_python(got.text, kind)
            if interpreter is not None:
                yield self.result(FAIL, path, expected, f"run by `{interpreter}` (its first "
                                  "line): a system python; run the script through "
                                  f"{audit.config.contract.wrapper} <service> <script>")
                continue
            yield _judged(self, audit, path, kind, CRON_CODES, expected)
        for path in sorted(p for p in s.texts if _USER_UNIT.match(p)):
            got = s.text(path)
            if got.text is None:
                yield self.result(ERROR, path, expected, got.error or "unreadable")
                continue
            yield _judged(self, audit, path, Kind.UNIT, CRON_CODES, expected)
        for path in sorted(p for p in s.texts if _USER_UNIT_FOLDER.match(p)):
            if s.texts[path].text is None:
                yield self.result(ERROR, path, expected, s.texts[path].error or "cannot list")


_CRON_D_NAME = lazyre.compile(r"\A[A-Za-z0-9_-]+\Z")
_LSB_OPTION = lazyre.compile(r"(?:^|[\s\"'=])-l\b")


def _cron_ignores(s: Snapshot, path: str) -> str | None:
    """Why Debian cron reads nothing of `/etc/crontab` or a `/etc/cron.d` file (`man 8
    cron`), or None: a `cron.d` name other than letters, digits, `_` and `-` (a dot:
    `.dpkg-old`; cron's `-l`, LSB names, is not assumed); a file, or a link and what it
    points to, not owned by root (`WRONG FILE OWNER`) or group- or other-writable
    (`INSECURE MODE`)."""
    if not (path == "/etc/crontab" or path.startswith("/etc/cron.d/")):
        return None
    if path.startswith("/etc/cron.d/") and not _CRON_D_NAME.match(path.rsplit("/", 1)[-1]) \
            and not _lsb_names(s):
        return "a dot or another sign in its name: only letters, digits, _ and -"
    stats = [s.stat(path)]
    if stats[0].kind == "symlink" and stats[0].resolved:
        stats.append(s.stat(stats[0].resolved))
    for info in stats:
        if info.uid is not None and info.uid != 0:
            return "not owned by root"
        if info.kind != "symlink" and info.mode is not None and info.mode & 0o022:
            return f"group- or other-writable (mode {info.mode:04o})"
    return None


def _lsb_names(s: Snapshot) -> bool:
    """cron may run with `-l` (`EXTRA_OPTS` in `/etc/default/cron`): LSB names, some with
    dots, are read in `/etc/cron.d`. A file that cannot be read may say so: assumed."""
    got = s.text("/etc/default/cron")
    if got.text is None:
        return got.error not in ("missing", "not collected")
    return any(_LSB_OPTION.search(line.split("#", 1)[0])
               for line in got.text.splitlines() if "EXTRA_OPTS" in line)


# the units of systemd's user managers (system-wide folders, and under a home)
_USER_UNIT = lazyre.compile(r"^(?:/etc/systemd/user|/run/systemd/user|/usr/local/lib/systemd/user|"
                        r"/usr/lib/systemd/user|/.+/\.config/systemd/user|"
                        r"/.+/\.local/share/systemd/user)/[^/]+\.(?:service|timer)$")
_USER_UNIT_FOLDER = lazyre.compile(r"^(?:/etc/systemd/user|/run/systemd/user|"
                               r"/usr/local/lib/systemd/user|/usr/lib/systemd/user|"
                               r"/.+/\.config/systemd/user|/.+/\.local/share/systemd/user)$")


def _system_python(text: str, kind: Kind) -> str | None:
    """The system interpreter a Python script's shebang names (`/usr/bin/python3`,
    `/usr/bin/env python3`), or None (a venv's, or not Python)."""
    from qt_lint.command_model import Word, is_bare_python

    if kind is not Kind.PYTHON or not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if words and words[0].rsplit("/", 1)[-1] == "env":
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if words and "/" not in words[0]:
            return f"env {words[0]}" if is_bare_python(Word(words[0], 1, 1)) else None
    if words and is_bare_python(Word(words[0], 1, 1)):
        return words[0]
    return None


def _script_kind(path: str, text: str) -> Kind | None:
    """A run-parts script's kind by its shebang (`#!/bin/sh`, `#!/usr/bin/env python3`).
    run-parts cannot exec a text without one (`Exec format error`), but `sh script` can:
    it is read as shell; a binary is not analysed (None)."""
    from qt_lint.classify import classify

    if not text.startswith("#!"):
        return Kind.SHELL if "\0" not in text else None
    head = text[:256].encode()

    def first_bytes() -> bytes:
        return head

    kind = classify(path.lstrip("/"), first_bytes)
    return kind if kind in (Kind.SHELL, Kind.PYTHON) else None


class RepositoryActivation(HostCheck):
    """
    ## What it does
    Judges the whole of the host's repository copy with QT601's activation by other
    means, as `qt-lint check` does in CI: a model path or weight written into
    `/etc/quantum/*.env` or `.env.model_config` by anything but the canary script
    (Python `open(..., "w"/"a")`, `sed -i`, `tee`, `>>`, `install`), `export
    AUTO_ACTIVATION=enabled` or `SHADOW_MODE=disabled` in a script, as a `VAR=value cmd`
    prefix or as a crontab variable, a `contract.activation-verbs` call a gate decides, the
    canary run by automation. Every file of the repository (the walk skips `.git`, venvs,
    caches) is classified as `check` classifies it; a file of a kind QT601 reads (Python,
    shell, Makefiles, crontabs, env files; not units: an installed unit is H141's, with
    QT601, and a repository copy that is not installed runs nothing) is read
    (not through a link, only when the repository's owner owns it, bounded in size) and
    tested with `check`'s own prefilters: one that fails them cannot hold a finding and is
    not kept in the snapshot. A file that cannot be read or analysed is an error; so is a
    walk that stopped (too many entries, the time limit, more than 256 MiB of such files
    in all), once, at the repository.

    ## Why is this bad?
    Contract F: Shadow -> Canary -> Manual promote ONLY. The host's copy is what runs: a
    script edited in place on the host (`sed -i` of the model weight from a helper, an
    `AUTO_ACTIVATION=enabled` prefix) activates models no gate and no person approved,
    and a repository check never sees it.

    ## Example
    `/home/qt/quantum_trader/ops/retrain.sh` ending in
    `sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.4/" /etc/quantum/ai-engine.env`.

    ## Use instead
    Activation only through the canary script, by a person.

    ## Remediation
    Restore the file from the repository (`git -C /home/qt/quantum_trader status`, then
    `git checkout -- <file>`), and fix what the finding lists in the repository.
    """

    code = "H154"
    name = "repository-activation"
    section = "F"
    summary = ("No file of the host's repository activates models by other means "
               "(QT601)")
    VALID = (HostExample(),)
    INVALID = (
        HostExample(texts={f"{_REPO}/ops/retrain.sh": "#!/bin/sh\nsed -i 's/^XGB_WEIGHT=.*/"
                           "XGB_WEIGHT=0.4/' /etc/quantum/ai-engine.env\n"},
                    facts={"repo_files": {f"{_REPO}/ops/retrain.sh": "shell"}},
                    status=FAIL, object=f"{_REPO}/ops/retrain.sh"),
        HostExample(texts={f"{_REPO}/ops/promote.py": None},
                    facts={"repo_files": {f"{_REPO}/ops/promote.py": "python"}},
                    status=ERROR, object=f"{_REPO}/ops/promote.py"),
        HostExample(facts={"repo_files_error": "more than 500000 entries: not walked"},
                    status=ERROR, object=_REPO),
    )

    def run(self, audit: Audit) -> Iterator[HostResult]:
        s = audit.snapshot
        root = audit.config.contract.repo_root.rstrip("/")
        expected = "no activation by other means (QT601)"
        codes = frozenset({"QT601"})
        bad = 0
        for path, kind in sorted(s.repo_files.items()):
            got = s.text(path)
            if got.text is None:
                bad += 1
                yield self.result(ERROR, path, expected, got.error or "unreadable")
                continue
            result = _judged(self, audit, path, Kind(kind), codes, expected)
            if result.status != PASS:
                bad += 1
                yield result
        if s.repo_files_error is not None:
            yield self.result(ERROR, root, expected,
                              f"the repository was not walked: {s.repo_files_error}")
        elif not bad:
            yield self.result(PASS, root, expected,
                              f"{s.repo_files_read} file(s) of the kinds QT601 reads; "
                              f"{len(s.repo_files)} could hold a finding, none does")


def _judged(check: HostCheck, audit: Audit, path: str, kind: Kind, codes: frozenset[str],
            expected: str) -> HostResult:
    """A host file judged by QT rules: FAIL with their findings, PASS without, and ERROR
    when the file could not be analysed (never a pass)."""
    judged = tuple(audit.judge(path, kind, codes))
    findings = tuple(f for f in judged if f.code in codes)
    refused = not_analysed(judged)
    if refused:
        return check.result(ERROR, path, expected, refused, findings)
    return check.result(FAIL if findings else PASS, path, expected,
                        f"{len(findings)} finding(s)" if findings else "passes", findings)
